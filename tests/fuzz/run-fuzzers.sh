#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the libFuzzer targets with clang in build-fuzz/ (synscope_core instrumented with
# -fsanitize=fuzzer-no-link,address,undefined) and runs each for MINUTES minutes, one after the
# other. See docs/FUZZING.md.
#
#   tests/fuzz/run-fuzzers.sh MINUTES [TARGET...]     # TARGET: decoder capture_file db_synscope ...
#
# Environment: BUILD_DIR (default build-fuzz), JOBS (build parallelism, default 1), CXX (default
# clang++), FUZZ_ARGS (extra libFuzzer flags, e.g. "-jobs=2 -workers=2").
# Seeds are read from tests/fuzz/corpus/<target>/ (never written); what libFuzzer adds goes to
# BUILD_DIR/fuzz-corpus/<target>/, crashes/hangs to BUILD_DIR/fuzz-artifacts/<target>/, the log
# (with the final stats: execs, cov, corpus size) to BUILD_DIR/fuzz-logs/<target>.log.
# Exit status: 0 when no target found anything, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ $# -lt 1 || ! $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; then
    sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
minutes=$1
shift
all=(decoder capture_file db_synscope db_zardaxt db_p0f db_satori access_log http)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all[@]}")
build=${BUILD_DIR:-build-fuzz}
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
if [[ $seconds -lt 1 ]]; then
    echo "run-fuzzers.sh: MINUTES must come to at least one second (libFuzzer takes 0 as forever)" >&2
    exit 2
fi

sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER="${CXX:-clang++}" -DSYNSCOPE_BUILD_GUI=OFF \
        -DCMAKE_CXX_FLAGS="$sanitize"
fi
cmake --build "$build" -j"${JOBS:-1}" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
for t in "${targets[@]}"; do
    bin=$build/tests/fuzz/fuzz_$t
    work=$build/fuzz-corpus/$t
    artifacts=$build/fuzz-artifacts/$t
    log=$build/fuzz-logs/$t.log
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    dict=()
    [[ -f tests/fuzz/dict/$t.dict ]] && dict=(-dict="tests/fuzz/dict/$t.dict")
    echo "== fuzz_$t: ${seconds}s, log $log"
    # shellcheck disable=SC2086
    if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_ARGS:-} \
        "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
        grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' "$log" || true
    else
        status=1
        echo "   fuzz_$t FOUND SOMETHING: see $log and $artifacts/"
        grep -E 'ERROR:|SUMMARY:|check failed|runtime error' "$log" | head -5 || true
    fi
done
exit $status
