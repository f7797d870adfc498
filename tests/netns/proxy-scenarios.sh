#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Connection verdicts end to end on real kernel stacks and real programs (curl, tinyproxy, nginx):
# a client, a middle and a server namespace in a row. The middle routes (direct connections) and
# runs tinyproxy (proxied ones); the server runs nginx over HTTP and HTTPS (a certificate made
# here) with its access log in SynScope's recommended format, and synscope-cli captures there
# live, with that log. 80 ms of round trip lie between client and middle only: netem where the
# kernel has it, else a userspace delay line (delay-line.py) in a fourth namespace on that link.
#   direct HTTP, Linux UA              -> consistent, not flagged
#   proxied HTTP, Windows UA           -> os_mismatch (the proxy's Linux SYN), reasons shown
#   client over VXLAN (MTU 1450)       -> tunnel, MTU 1450, "VXLAN"
#   direct HTTPS, Linux UA (log)       -> consistent: UA from the access log, RTTs alike
#   proxied HTTPS (CONNECT), Win UA    -> os_mismatch from the log, and the RTT evidence
# Exit 77 (skipped) without root, network namespaces or the programs. Only 10.213.0.0/16.
# Usage: proxy-scenarios.sh SYNSCOPE_CLI
set -u
CLI=${1:?usage: proxy-scenarios.sh SYNSCOPE_CLI}
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
for tool in ip tc curl tinyproxy nginx openssl python3; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (packaging/install-deps.sh installs it)"
done

TAG=$$
C=ssc$TAG; M=ssm$TAG; S=sss$TAG; D=ssd$TAG
DIR=$(mktemp -d /tmp/synscope-proxy.XXXXXX)
CAP_PID=; DELAY_PID=
cleanup() {
    [ -n "$CAP_PID" ] && kill "$CAP_PID" 2>/dev/null
    [ -n "$DELAY_PID" ] && kill "$DELAY_PID" 2>/dev/null
    [ -f "$DIR/nginx.pid" ] && ip netns exec "$S" nginx -p "$DIR" -c "$DIR/nginx.conf" -s stop 2>/dev/null
    pkill -f "tinyproxy -d -c $DIR/" 2>/dev/null
    for ns in "$C" "$M" "$S" "$D"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$C" && ip netns add "$M" && ip netns add "$S" || skip "cannot create network namespaces"
# 40 ms each way between client and middle: an 80 ms round trip the proxy hides from TCP. With
# sch_netem in the kernel (probed on the client's loopback), a netem qdisc on both ends of their
# link; without it, the link runs through namespace D, where a delay line bridges its two halves.
if ip netns exec "$C" tc qdisc add dev lo root netem delay 1ms 2>/dev/null; then
    ip netns exec "$C" tc qdisc del dev lo root
    NETEM=1
    ip link add c$TAG netns "$C" type veth peer name mc$TAG netns "$M" || skip "no veth pairs"
else
    NETEM=0
    command -v ethtool >/dev/null || skip "no netem qdisc and no ethtool for the delay line (packaging/install-deps.sh installs it)"
    ip netns add "$D" || skip "cannot create network namespaces"
    ip link add c$TAG netns "$C" type veth peer name dc$TAG netns "$D" || skip "no veth pairs"
    ip link add dm$TAG netns "$D" type veth peer name mc$TAG netns "$M"
    for l in dc$TAG dm$TAG lo; do ip -n "$D" link set "$l" up; done
fi
ip link add s$TAG netns "$S" type veth peer name ms$TAG netns "$M"
ip -n "$C" addr add 10.213.1.2/24 dev c$TAG
ip -n "$M" addr add 10.213.1.1/24 dev mc$TAG
ip -n "$M" addr add 10.213.2.1/24 dev ms$TAG
ip -n "$S" addr add 10.213.2.2/24 dev s$TAG
for l in "$C c$TAG" "$M mc$TAG" "$M ms$TAG" "$S s$TAG" "$C lo" "$M lo" "$S lo"; do
    set -- $l; ip -n "$1" link set "$2" up
done
ip -n "$C" route add 10.213.2.0/24 via 10.213.1.1
ip -n "$S" route add 10.213.1.0/24 via 10.213.2.1
ip netns exec "$M" sysctl -qw net.ipv4.ip_forward=1
if [ $NETEM -eq 1 ]; then
    ip netns exec "$C" tc qdisc add dev c$TAG root netem delay 40ms
    ip netns exec "$M" tc qdisc add dev mc$TAG root netem delay 40ms
else
    # Checksums and segments made in software at both ends: the bridge copies bare frames.
    ip netns exec "$C" ethtool -K c$TAG tx off tso off gso off >/dev/null \
        && ip netns exec "$M" ethtool -K mc$TAG tx off tso off gso off >/dev/null \
        || skip "ethtool cannot turn off checksum offload on the veth ends the delay line joins"
    ip netns exec "$D" python3 "$(dirname "$0")/delay-line.py" dc$TAG dm$TAG 40 >"$DIR/delay.log" 2>&1 &
    DELAY_PID=$!
    for _ in $(seq 50); do grep -q ready "$DIR/delay.log" && break; sleep 0.1; done
    grep -q ready "$DIR/delay.log" || skip "the delay line does not start: $(cat "$DIR/delay.log")"
    echo "round trip: no netem qdisc (sch_netem) in this kernel; a userspace delay line adds the 40 ms each way"
fi
# A VXLAN overlay from client to server across the middle (the kernel sets its MTU to 1450).
ip -n "$C" link add vx$TAG type vxlan id 42 local 10.213.1.2 remote 10.213.2.2 dstport 4789 dev c$TAG \
    || skip "no VXLAN devices in this kernel"
ip -n "$S" link add vx$TAG type vxlan id 42 local 10.213.2.2 remote 10.213.1.2 dstport 4789 dev s$TAG
ip -n "$C" addr add 10.213.9.1/24 dev vx$TAG
ip -n "$S" addr add 10.213.9.2/24 dev vx$TAG
ip -n "$C" link set vx$TAG up
ip -n "$S" link set vx$TAG up

openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=synscope-test -days 1 \
    -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null || skip "openssl cannot make a certificate"
mkdir -p "$DIR/html" "$DIR/logs" && echo hello > "$DIR/html/index.html"
cat > "$DIR/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/logs/error.log;
events { worker_connections 64; }
http {
    log_format synscope '\$remote_addr - \$remote_user [\$time_local] "\$request" \$status \$body_bytes_sent "\$http_referer" "\$http_user_agent" \$remote_port \$msec "\$http_x_forwarded_for" "\$http_via"';
    access_log $DIR/logs/access.log synscope;
    client_body_temp_path $DIR/tmp; proxy_temp_path $DIR/tmp; fastcgi_temp_path $DIR/tmp;
    uwsgi_temp_path $DIR/tmp; scgi_temp_path $DIR/tmp;
    keepalive_timeout 0;
    server { listen 10.213.2.2:80; listen 10.213.9.2:80; root $DIR/html; }
    server { listen 10.213.2.2:443 ssl; root $DIR/html;
             ssl_certificate $DIR/cert.pem; ssl_certificate_key $DIR/key.pem; }
}
CONF
mkdir -p "$DIR/tmp"
: > "$DIR/logs/access.log"
ip netns exec "$S" nginx -p "$DIR" -c "$DIR/nginx.conf" || skip "nginx does not start here"
cat > "$DIR/tinyproxy.conf" <<CONF
User nobody
Group nogroup
Port 8888
Listen 10.213.1.1
Timeout 30
MaxClients 8
Allow 10.213.1.0/24
ConnectPort 443
LogLevel Error
CONF
ip netns exec "$M" tinyproxy -d -c "$DIR/tinyproxy.conf" >"$DIR/tinyproxy.log" 2>&1 &
for _ in $(seq 50); do ip netns exec "$M" sh -c 'exec 3<>/dev/tcp/10.213.1.1/8888' 2>/dev/null && break; sleep 0.1; done

ip netns exec "$S" "$CLI" -i any --json --access-log "$DIR/logs/access.log" >"$DIR/out.jsonl" 2>"$DIR/cli.err" &
CAP_PID=$!
sleep 1.5   # the capture is open

LINUX_UA='Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
WIN_UA='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
cl() { ip netns exec "$C" curl -s -o /dev/null --max-time 10 "$@" || echo "curl failed: $*" >&2; }
cl -A "$LINUX_UA" http://10.213.2.2/direct
cl -A "$WIN_UA" -x http://10.213.1.1:8888 http://10.213.2.2/proxied
cl -A "$LINUX_UA" http://10.213.9.2/tunnel
cl -k -A "$LINUX_UA" https://10.213.2.2/direct-tls
cl -k -A "$WIN_UA" -x http://10.213.1.1:8888 https://10.213.2.2/proxied-tls
sleep 4   # closed flows wait 2 s for their log line, then are reported
kill -INT "$CAP_PID"; wait "$CAP_PID"; CAP_PID=

python3 - "$DIR/out.jsonl" "$DIR/logs/access.log" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
flows = [l for l in lines if l["type"] == "flow" and l["dst_port"] in (80, 443)]
requests = {}
for entry in open(sys.argv[2]):
    path = entry.split('"')[1].split()[1]
    port = int(entry.split('"')[6].split()[0])
    requests[port] = path
failures = []
def check(name, cond, flow):
    print(("ok   " if cond else "FAIL ") + name + ": " + json.dumps(
        {k: flow.get(k) for k in ("src_ip", "src_port", "dst_port", "os_guess", "ua_os", "ua_source",
                                  "verdict", "suspicion", "rtt_tcp_ms", "rtt_app_ms", "reasons")}))
    if not cond:
        failures.append(name)
def flow_for(path):
    hits = [f for f in flows if requests.get(f["src_port"]) == path]
    if len(hits) != 1:
        failures.append(f"{path}: {len(hits)} flows for the request (want 1)")
        print(f"FAIL {path}: {len(hits)} flows")
        return None
    return hits[0]
f = flow_for("/direct")
if f: check("direct HTTP is consistent", f["verdict"] == "consistent" and f["suspicion"] < 0.5 and f["ua_source"] == "http", f)
f = flow_for("/proxied")
if f: check("proxied HTTP is os_mismatch", f["verdict"] == "os_mismatch" and f["os_mismatch"] and f["suspicion"] >= 0.5
            and any("contradicts" in r for r in f["reasons"]), f)
f = flow_for("/tunnel")
if f: check("VXLAN client is tunnel", f["verdict"] == "tunnel" and any("MTU 1450" in r and "VXLAN" in r for r in f["reasons"]), f)
f = flow_for("/direct-tls")
if f: check("direct HTTPS is consistent (access log), RTT not flagged", f["verdict"] == "consistent"
            and f["ua_source"] == "access-log" and f["rtt_tcp_ms"] is not None
            and f["rtt_tcp_ms"] > 60
            and not any("proxy or VPN" in r for r in f["reasons"]), f)
f = flow_for("/proxied-tls")
if f: check("proxied HTTPS is os_mismatch (access log) with RTT evidence",
            f["verdict"] == "os_mismatch" and f["ua_source"] == "access-log"
            and f["rtt_tcp_ms"] is not None and f["rtt_app_ms"] is not None
            and f["rtt_tcp_ms"] < 20 and f["rtt_app_ms"] > 60
            and any("proxy or VPN" in r for r in f["reasons"]), f)
summary = [l for l in lines if l["type"] == "summary"]
if not summary or summary[0]["flows"]["evicted"] != 0:
    failures.append("summary: missing or flows evicted")
sys.exit(1 if failures else 0)
PY
rc=$?
if [ $rc -ne 0 ]; then
    echo "--- cli stderr"; cat "$DIR/cli.err"; echo "--- access log"; cat "$DIR/logs/access.log"
    echo "--- tinyproxy"; cat "$DIR/tinyproxy.log"
    [ -f "$DIR/delay.log" ] && { echo "--- delay line"; cat "$DIR/delay.log"; }
fi
exit $rc
