#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# A transparent Ethernet bridge between two interfaces that holds every frame for a fixed delay
# each way: network delay for the namespace tests on kernels without the netem qdisc. Run it in
# a namespace of its own that holds both interfaces (veth ends facing the two namespaces it
# joins); frames pass unchanged and in order, so ARP, TCP and everything else cross as on a wire.
# The endpoints must compute their own checksums (ethtool -K DEV tx off): a frame read from a
# packet socket carries no checksum-offload state into the other side.
# Usage: delay-line.py IF_A IF_B DELAY_MS   (runs until killed; prints "ready" once bound)
import collections
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003


def bound(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    s.setblocking(False)
    return s


def main():
    a_name, b_name, delay_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    delay = delay_ms / 1000.0
    a, b = bound(a_name), bound(b_name)
    peer = {a: b, b: a}
    waiting = {a: collections.deque(), b: collections.deque()}   # frames bound for the key
    dropped = 0
    print("ready", flush=True)
    while True:
        due = [q[0][0] for q in waiting.values() if q]
        timeout = max(0.0, min(due) - time.monotonic()) if due else None
        readable, _, _ = select.select([a, b], [], [], timeout)
        for s in readable:
            while True:
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == socket.PACKET_OUTGOING:   # our own send on this interface
                    continue
                waiting[peer[s]].append((time.monotonic() + delay, frame))
        now = time.monotonic()
        for out, q in waiting.items():
            while q and q[0][0] <= now:
                try:
                    out.send(q.popleft()[1])
                except (BlockingIOError, OSError) as e:   # a full queue: lost, as on a wire
                    dropped += 1
                    print(f"dropped a frame ({e}); {dropped} so far", flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
