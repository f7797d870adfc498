#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Captures the SYN and SYN+ACK of real kernel TCP stacks, one scenario at a time, between network
# namespaces created here. Each scenario gets a fresh client and server namespace joined by a veth
# pair (or, for "vxlan", a VXLAN tunnel over the veth; for "routed", a forwarding namespace in
# between), its own sysctls and MTU, and one connection to a distinct server port. Each scenario is
# written to OUTDIR/<scenario>.pcap, and OUTDIR/scenarios.tsv lists what produced which file.
#
# Usage (root): capture-stacks.sh OUTDIR [SCENARIO...]    (no SCENARIO: all of them)
#        capture-stacks.sh --list
#
# Only 10.213.0.0/16 and fd00:213::/64 are used, between veth ends created here; nothing is sent
# anywhere else. Everything created is deleted on every exit path.
set -euo pipefail

# name | family | mtu | topology | client sysctls | server sysctls | server port
# sysctls are space-separated key=value (keys relative to net.), applied after BASELINE; "-": none.
SCENARIOS=(
    "linux-default|4|1500|direct|-|-|5001"
    "linux-default-v6|6|1500|direct|-|-|5002"
    "linux-no-timestamps|4|1500|direct|ipv4.tcp_timestamps=0|ipv4.tcp_timestamps=0|5003"
    "linux-no-sack|4|1500|direct|ipv4.tcp_sack=0|ipv4.tcp_sack=0|5004"
    "linux-no-wscale|4|1500|direct|ipv4.tcp_window_scaling=0|ipv4.tcp_window_scaling=0|5005"
    "linux-ecn|4|1500|direct|ipv4.tcp_ecn=1|ipv4.tcp_ecn=1|5006"
    "linux-ttl128|4|1500|direct|ipv4.ip_default_ttl=128|ipv4.ip_default_ttl=128|5007"
    "linux-ttl255|4|1500|direct|ipv4.ip_default_ttl=255|ipv4.ip_default_ttl=255|5008"
    "linux-rmem-32m|4|1500|direct|ipv4.tcp_rmem=4096_131072_33554432|ipv4.tcp_rmem=4096_131072_33554432|5009"
    "linux-minimal|4|1500|direct|ipv4.tcp_timestamps=0 ipv4.tcp_sack=0 ipv4.tcp_window_scaling=0|ipv4.tcp_timestamps=0 ipv4.tcp_sack=0 ipv4.tcp_window_scaling=0|5010"
    "linux-no-timestamps-v6|6|1500|direct|ipv4.tcp_timestamps=0|ipv4.tcp_timestamps=0|5011"
    "linux-mtu1492|4|1492|direct|-|-|5012"
    "linux-mtu1420|4|1420|direct|-|-|5013"
    "linux-mtu1400|4|1400|direct|-|-|5014"
    "linux-mtu1420-v6|6|1420|direct|-|-|5015"
    "linux-vxlan|4|1500|vxlan|-|-|5016"
    "linux-routed|4|1500|routed|-|-|5017"
    "linux-ecn-v6|6|1500|direct|ipv4.tcp_ecn=1|ipv4.tcp_ecn=1|5018"
)

# A new namespace copies tcp_rmem from the host, which distributions and admins tune; the window
# scale follows max(tcp_rmem[2], net.core.rmem_max), so start every scenario from the kernel default.
# (rmem_max is global, not per namespace: with the stock 212992 the shift is 7 here.)
BASELINE="ipv4.tcp_rmem=4096_131072_6291456 ipv4.tcp_wmem=4096_16384_4194304"

if [[ ${1:-} == --list ]]; then
    printf '%s\n' "${SCENARIOS[@]}" | cut -d'|' -f1
    exit 0
fi
if [[ $# -lt 1 ]]; then
    echo "usage: $0 OUTDIR [SCENARIO...] | --list" >&2
    exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "$0: needs root (ip netns, sysctls in namespaces, tcpdump)" >&2
    exit 1
fi
for tool in ip tcpdump python3 timeout; do
    command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 1; }
done

OUTDIR=$1
shift
declare -A WANTED=()
for name in "$@"; do
    if ! printf '%s\n' "${SCENARIOS[@]}" | cut -d'|' -f1 | grep -qx -- "$name"; then
        echo "$0: unknown scenario '$name' (see --list)" >&2
        exit 2
    fi
    WANTED[$name]=1
done
mkdir -p "$OUTDIR"

TAG=ss$$
NS_C=${TAG}c
NS_S=${TAG}s
NS_R=${TAG}r
TCPDUMP_PID=
SERVER_PID=

cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ -n $TCPDUMP_PID ]]; then
        kill -TERM "$TCPDUMP_PID" 2>/dev/null || true
        wait "$TCPDUMP_PID" 2>/dev/null || true
    fi
    TCPDUMP_PID=
    SERVER_PID=
    # Deleting a namespace deletes the veth ends and tunnels inside it.
    for ns in "$NS_C" "$NS_S" "$NS_R"; do
        ip netns del "$ns" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { ip netns exec "$@"; }

apply_sysctls() {
    local ns=$1 spec=$2 kv
    [[ $spec == - ]] && return 0
    for kv in $spec; do
        # tcp_rmem takes three numbers; the table writes them joined with "_".
        local value=${kv#*=}
        in_ns "$ns" sysctl -q -w "net.${kv%%=*}=${value//_/ }"
    done
}

# veth pair a<->b between namespaces, addresses 10.213.N.1/2 and fd00:213::N:1/2.
link_pair() {
    local nsa=$1 nsb=$2 net=$3 mtu=$4
    ip link add "${TAG}a$net" netns "$nsa" mtu "$mtu" type veth peer name "${TAG}b$net" netns "$nsb" mtu "$mtu"
    in_ns "$nsa" ip addr add "10.213.$net.1/24" dev "${TAG}a$net"
    in_ns "$nsb" ip addr add "10.213.$net.2/24" dev "${TAG}b$net"
    in_ns "$nsa" ip -6 addr add "fd00:213::$net:1/112" dev "${TAG}a$net" nodad
    in_ns "$nsb" ip -6 addr add "fd00:213::$net:2/112" dev "${TAG}b$net" nodad
    in_ns "$nsa" ip link set "${TAG}a$net" up
    in_ns "$nsb" ip link set "${TAG}b$net" up
}

SERVER_PY='
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
c.recv(64)
c.sendall(b"bye\n")
c.close()
'
CLIENT_PY='
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
c.sendall(b"hello\n")
c.recv(64)
c.close()
'

wait_for() {   # file pattern seconds
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "$0: timed out waiting for '$2' in $1" >&2
    return 1
}

run_scenario() {
    local name=$1 family=$2 mtu=$3 topo=$4 csys=$5 ssys=$6 port=$7
    local out="$OUTDIR/$name.pcap" log="$OUTDIR/.$name.log"
    local cap_ns=$NS_S cap_if server_addr filter

    ip netns add "$NS_C"
    ip netns add "$NS_S"
    in_ns "$NS_C" ip link set lo up
    in_ns "$NS_S" ip link set lo up
    apply_sysctls "$NS_C" "$BASELINE"
    apply_sysctls "$NS_S" "$BASELINE"
    apply_sysctls "$NS_C" "$csys"
    apply_sysctls "$NS_S" "$ssys"

    case $topo in
    direct)
        link_pair "$NS_C" "$NS_S" 1 "$mtu"
        cap_if=${TAG}b1
        server_addr=$([[ $family == 6 ]] && echo fd00:213::1:2 || echo 10.213.1.2)
        ;;
    vxlan)
        # VXLAN (VNI 213, UDP 4789) over the veth; the overlay MTU is 50 below the underlay.
        link_pair "$NS_C" "$NS_S" 1 "$mtu"
        in_ns "$NS_C" ip link add "${TAG}vx" type vxlan id 213 local 10.213.1.1 remote 10.213.1.2 dstport 4789 dev "${TAG}a1"
        in_ns "$NS_S" ip link add "${TAG}vx" type vxlan id 213 local 10.213.1.2 remote 10.213.1.1 dstport 4789 dev "${TAG}b1"
        in_ns "$NS_C" ip addr add 10.213.2.1/24 dev "${TAG}vx"
        in_ns "$NS_S" ip addr add 10.213.2.2/24 dev "${TAG}vx"
        in_ns "$NS_C" ip link set "${TAG}vx" up
        in_ns "$NS_S" ip link set "${TAG}vx" up
        cap_if=${TAG}b1
        server_addr=10.213.2.2
        ;;
    routed)
        # client -- router -- server: the server sees the client's TTL one lower.
        ip netns add "$NS_R"
        in_ns "$NS_R" ip link set lo up
        in_ns "$NS_R" sysctl -q -w net.ipv4.ip_forward=1
        link_pair "$NS_C" "$NS_R" 3 "$mtu"
        link_pair "$NS_R" "$NS_S" 4 "$mtu"
        in_ns "$NS_C" ip route add 10.213.4.0/24 via 10.213.3.2
        in_ns "$NS_S" ip route add 10.213.3.0/24 via 10.213.4.1
        cap_if=${TAG}b4
        server_addr=10.213.4.2
        ;;
    *)
        echo "$0: unknown topology $topo" >&2
        return 1
        ;;
    esac

    if [[ $topo == vxlan ]]; then
        filter="udp port 4789"
    elif [[ $family == 6 ]]; then
        filter="ip6 and tcp and ip6[53] & 2 != 0"
    else
        filter="tcp[tcpflags] & tcp-syn != 0"
    fi
    # Started without a shell function in between, so $! is tcpdump itself (ip netns exec execs).
    # --immediate-mode: otherwise packets wait in the capture ring (up to 1 s) and are lost on exit.
    ip netns exec "$cap_ns" tcpdump -n -U --immediate-mode -s 256 -i "$cap_if" -w "$out" "$filter" 2>"$log" &
    TCPDUMP_PID=$!
    wait_for "$log" "listening on" 10

    ip netns exec "$NS_S" timeout 10 python3 -c "$SERVER_PY" "$server_addr" "$port" >"$log.srv" &
    SERVER_PID=$!
    wait_for "$log.srv" ready 10
    in_ns "$NS_C" timeout 10 python3 -c "$CLIENT_PY" "$server_addr" "$port"
    wait "$SERVER_PID"
    SERVER_PID=
    sleep 0.2
    kill -TERM "$TCPDUMP_PID"
    wait "$TCPDUMP_PID" || true
    TCPDUMP_PID=
    rm -f "$log" "$log.srv"

    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "IPv$family" "$mtu" "$topo" "$csys" "$ssys" \
        "$port" "$(uname -r)" >>"$OUTDIR/scenarios.tsv"
    cleanup
}

printf 'scenario\tfamily\tmtu\ttopology\tclient_sysctls\tserver_sysctls\tserver_port\tkernel\n' \
    >"$OUTDIR/scenarios.tsv"
ran=0
for spec in "${SCENARIOS[@]}"; do
    IFS='|' read -r name family mtu topo csys ssys port <<<"$spec"
    if [[ ${#WANTED[@]} -gt 0 && -z ${WANTED[$name]:-} ]]; then
        continue
    fi
    echo "== $name (IPv$family, MTU $mtu, $topo, client: $csys, server: $ssys, port $port)"
    run_scenario "$name" "$family" "$mtu" "$topo" "$csys" "$ssys" "$port"
    ran=$((ran + 1))
done
echo "wrote $ran captures to $OUTDIR (kernel $(uname -r))"
