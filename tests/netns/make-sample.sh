#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Rebuilds resources/samples/synscope-sample.pcapng: every scenario of capture-stacks.sh (real
# kernel SYN and SYN+ACK between network namespaces) merged in time order into one pcapng, and
# resources/samples/synscope-sample.scenarios.tsv saying which scenario (server port) produced which
# connection. Needs root, ip, tcpdump, python3 and mergecap.
#
# Usage (root): make-sample.sh [OUTPUT.pcapng]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../resources/samples/synscope-sample.pcapng}
command -v mergecap >/dev/null || { echo "$0: mergecap (wireshark-common) not found" >&2; exit 1; }

work=$(mktemp -d /tmp/synscope-sample.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$here/capture-stacks.sh" "$work"
mergecap -F pcapng -w "$out" "$work"/*.pcap
cp "$work/scenarios.tsv" "${out%.pcapng}.scenarios.tsv"
echo "wrote $out ($(stat -c %s "$out") bytes) and ${out%.pcapng}.scenarios.tsv"
