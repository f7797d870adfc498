#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Kernel drops of live capture under load, side by side: tcpdump, synscope-cli -i (a text block
# per SYN into a pipe, and -q) and synscope-capture (into a fast reader) each capture on the
# receiving end of a veth pair while tcpreplay --topspeed replays the same file from another
# namespace, RUNS times each. All use SynScope's default filter (TCP SYN and SYN+ACK). Run by
# hand (not by CTest); docs/PERFORMANCE.md quotes its output.
#
# Usage (root): tests/netns/bench-live-drops.sh [PCAP] [RUNS]
#   PCAP  default /tmp/synscope-bench/syn-1m.pcap (../shared/bench/README.md says how to make it)
#   RUNS  default 3
#   BUILD environment variable: the build directory (default: build-h3, then build, beside tests/)
#   TOOLS environment variable: which of "tcpdump cli-text cli-quiet helper helper-gui" to run (default: all;
#         "tcpdump-immediate" adds tcpdump with --immediate-mode, for comparison)
#
# Only two namespaces and the veth pair between them are created (no addresses: tcpreplay injects
# the file's frames as they are); everything is deleted on every exit path.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
PCAP=${1:-/tmp/synscope-bench/syn-1m.pcap}
RUNS=${2:-3}

skip() { echo "bench-live-drops: skipped: $*" >&2; exit 0; }
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, capture)"
for tool in ip tcpreplay tcpdump python3; do
    command -v "$tool" >/dev/null || skip "$tool not found (apt-get install tcpreplay tcpdump iproute2 python3)"
done
[[ -r $PCAP ]] || skip "no input file $PCAP (see ../shared/bench/README.md: gen-syn-pcap.py)"
if [[ -z ${BUILD:-} ]]; then
    for b in "$SRC/build-h3" "$SRC/build"; do
        [[ -x $b/app/cli/synscope-cli && -x $b/app/capture-helper/synscope-capture ]] && { BUILD=$b; break; }
    done
fi
CLI=${BUILD:-}/app/cli/synscope-cli
HELPER=${BUILD:-}/app/capture-helper/synscope-capture
GUIBENCH=${BUILD:-}/app/gui-bench/synscope-gui-bench   # only for the helper-gui tool
[[ -x $CLI && -x $HELPER ]] || skip "synscope-cli and synscope-capture not built (set BUILD=dir)"

# SynScope's default filter (Ethernet), so that every tool keeps the same packets.
FILTER=$("$CLI" --print-filter)

TAG=sbd$$
NS_TX=${TAG}tx
NS_RX=${TAG}rx
IF_TX=${TAG}a
IF_RX=${TAG}b
TMP=$(mktemp -d)
CAPTURE_PID=
SINK_PID=
cleanup() {
    [[ -n $CAPTURE_PID ]] && kill "$CAPTURE_PID" 2>/dev/null || true
    [[ -n $SINK_PID ]] && kill "$SINK_PID" 2>/dev/null || true
    ip netns del "$NS_TX" 2>/dev/null || true
    ip netns del "$NS_RX" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS_TX"
ip netns add "$NS_RX"
ip link add "$IF_TX" netns "$NS_TX" type veth peer name "$IF_RX" netns "$NS_RX"
ip -n "$NS_TX" link set "$IF_TX" up
ip -n "$NS_RX" link set "$IF_RX" up
ip -n "$NS_RX" link set lo up
cat "$PCAP" > /dev/null   # page cache

# The last drop counts in a helper's framed stderr (kind 'D', "<received> <dropped> <ifdropped>").
helper_drops() {
    python3 - "$1" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
pos, last = 0, "? ? ?"
while pos + 4 <= len(data):
    kind, n = data[pos:pos + 1], int.from_bytes(data[pos + 1:pos + 4], 'big')
    if kind == b'D':
        last = data[pos + 4:pos + 4 + n].decode()
    pos += 4 + n
print(last)
EOF
}

# One run: starts the capture, replays at top speed, stops the capture; prints
# "<sent> <pps> <received> <dropped>".
run_once() {
    local tool=$1 log=$TMP/$tool.log
    case $tool in
    tcpdump)
        ip netns exec "$NS_RX" tcpdump -n -i "$IF_RX" -w /dev/null "$FILTER" 2>"$log" &
        CAPTURE_PID=$! ;;
    tcpdump-immediate)   # what the CLI used to do: a wakeup per packet
        ip netns exec "$NS_RX" tcpdump --immediate-mode -n -i "$IF_RX" -w /dev/null "$FILTER" 2>"$log" &
        CAPTURE_PID=$! ;;
    cli-text)
        # A block of text per SYN into a pipe, as to a terminal; the summary is its last lines.
        rm -f "$TMP/stream"
        mkfifo "$TMP/stream"
        tail -n 8 "$TMP/stream" > "$log" &
        SINK_PID=$!
        ip netns exec "$NS_RX" "$CLI" -i "$IF_RX" >"$TMP/stream" 2>&1 &
        CAPTURE_PID=$! ;;
    cli-quiet)
        ip netns exec "$NS_RX" "$CLI" -i "$IF_RX" -q >"$log" 2>&1 &
        CAPTURE_PID=$! ;;
    helper)
        rm -f "$TMP/stream"
        mkfifo "$TMP/stream"
        cat "$TMP/stream" > /dev/null &
        SINK_PID=$!
        ip netns exec "$NS_RX" "$HELPER" -i "$IF_RX" -f "$FILTER" >"$TMP/stream" 2>"$log" &
        CAPTURE_PID=$! ;;
    helper-gui)
        # The window's path: the helper's stream read by the GUI's capture worker into the
        # table, its proxy and every aggregate model (the GUI benchmark, offscreen).
        rm -f "$TMP/stream"
        mkfifo "$TMP/stream"
        QT_QPA_PLATFORM=offscreen "$GUIBENCH" "$TMP/stream" --aggregates > "$TMP/gui.out" 2>&1 &
        SINK_PID=$!
        ip netns exec "$NS_RX" "$HELPER" -i "$IF_RX" -f "$FILTER" >"$TMP/stream" 2>"$log" &
        CAPTURE_PID=$! ;;
    esac
    sleep 1.5   # activated, database loaded
    local replay
    replay=$(ip netns exec "$NS_TX" tcpreplay --topspeed -i "$IF_TX" "$PCAP" 2>&1)
    sleep 1     # let the capture drain its buffer
    kill -INT "$CAPTURE_PID"
    wait "$CAPTURE_PID" || true
    CAPTURE_PID=
    if [[ -n $SINK_PID ]]; then wait "$SINK_PID" || true; SINK_PID=; fi
    local sent pps received dropped
    sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' <<<"$replay" | head -1)
    pps=$(sed -n 's/.*Rated: [0-9.]* Bps, [0-9.]* Mbps, \([0-9.]*\) pps.*/\1/p' <<<"$replay" | head -1)
    case $tool in
    tcpdump*)
        received=$(sed -n 's/^\([0-9]*\) packets received by filter.*/\1/p' "$log")
        dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$log") ;;
    cli-*)
        received=$(sed -n 's/.*capture: received \([0-9]*\), dropped by kernel \([0-9]*\).*/\1/p' "$log")
        dropped=$(sed -n 's/.*capture: received \([0-9]*\), dropped by kernel \([0-9]*\).*/\2/p' "$log") ;;
    helper*)
        read -r received dropped _ < <(helper_drops "$log") ;;
    esac
    echo "${sent:-?} ${pps:-?} ${received:-?} ${dropped:-?}"
}

echo "input: $PCAP ($(stat -c %s "$PCAP") bytes); $RUNS runs per tool; tcpreplay --topspeed over a veth"
echo "build: $BUILD; $(uptime)"
printf '%-34s %4s %9s %11s %10s %9s %7s\n' tool run sent "replay pps" received dropped "drop %"
for tool in ${TOOLS:-tcpdump cli-text cli-quiet helper helper-gui}; do
    case $tool in
    tcpdump) label="tcpdump -w /dev/null" ;;
    tcpdump-immediate) label="tcpdump --immediate-mode" ;;
    cli-text) label="synscope-cli -i (text | tail)" ;;
    cli-quiet) label="synscope-cli -i -q" ;;
    helper) label="synscope-capture | cat > /dev/null" ;;
    helper-gui) label="synscope-capture | GUI worker+models" ;;
    esac
    for ((i = 1; i <= RUNS; i++)); do
        read -r sent pps received dropped < <(run_once "$tool")
        pct=$(python3 -c "import sys; r, d = sys.argv[1:]; print('%.2f' % (100 * int(d) / int(r)) if r.isdigit() and d.isdigit() and int(r) else '?')" "$received" "$dropped")
        printf '%-34s %4s %9s %11s %10s %9s %7s\n' "$label" "$i" "$sent" "$pps" "$received" "$dropped" "$pct"
    done
done
