#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates the seed corpora in tests/fuzz/corpus/<target>/ (committed; run this only to change
# them): frames cut from resources/samples/synscope-sample.pcapng and hand-built around them, tiny
# pcap/pcapng files, and small database snippets written here in each format's syntax (nothing is
# copied from third-party databases). With ../shared/data present, a few tiny (< 2 KB) capture files
# of link types the sample lacks are copied as capture-file inputs (listed in corpus/README.md).
#
#   tests/fuzz/make-corpus.py            # from the source root or anywhere
import json
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
SHARED = os.path.join(ROOT, "..", "shared", "data", "pcaps")
MAX_SEED = 4096


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < MAX_SEED, (target, name, len(data))
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- the sample capture -------------------------------------------------------------------------

def read_pcapng(path):
    """(link_type, frame) of every EPB of a little-endian pcapng (what make-sample.sh writes)."""
    d = open(path, "rb").read()
    pos, itf, out = 0, [], []
    while pos + 8 <= len(d):
        t, l = struct.unpack_from("<II", d, pos)
        if t == 1:
            itf.append(struct.unpack_from("<H", d, pos + 8)[0])
        elif t == 6:
            iid, _, _, cap, _ = struct.unpack_from("<IIIII", d, pos + 8)
            out.append((itf[iid], d[pos + 28:pos + 28 + cap]))
        pos += l
    return out


SAMPLE = read_pcapng(os.path.join(ROOT, "resources", "samples", "synscope-sample.pcapng"))
FRAMES = [f for lt, f in SAMPLE if lt == 1]
V4_SYN = next(f[14:] for f in FRAMES if f[12:14] == b"\x08\x00" and f[14 + 9] == 6)
V6_SYN = next(f[14:] for f in FRAMES if f[12:14] == b"\x86\xdd" and f[14 + 6] == 6)
V4_SYNACK = next(f[14:] for f in FRAMES if f[12:14] == b"\x08\x00" and f[14 + 9] == 6
                 and f[14 + 20 + 13] & 0x12 == 0x12)
TCP_SYN = V4_SYN[20:]
MAC = bytes.fromhex("5e678df2d5b9da1f5f1db510")


def be16(v):
    return struct.pack(">H", v)


def eth(ethertype, payload):
    return MAC + be16(ethertype) + payload


def ipv4(payload, proto=6, ttl=64, flags=0x40, options=b""):
    ihl = 5 + len(options) // 4
    h = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(options) + len(payload), 0x1234,
                    flags << 8, ttl, proto, 0, bytes([10, 213, 0, 1]), bytes([10, 213, 0, 2]))
    return h + options + payload


def ipv6(payload, nxt=6, hlim=64):
    return (struct.pack(">IHBB", 0x60012345, len(payload), nxt, hlim) + bytes(15) + b"\x01"
            + bytes(15) + b"\x02" + payload)


def udp(dport, payload):
    return struct.pack(">HHHH", 50000, dport, 8 + len(payload), 0) + payload


def tcp(flags=0x02, options=b"\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00"
        b"\x01\x03\x03\x07", window=64240, doff=None, payload=b""):
    if doff is None:
        doff = (20 + len(options)) // 4
    return (struct.pack(">HHIIBBHHH", 40000, 5001, 1, 0, doff << 4, flags, window, 0, 0)
            + options + payload)


# ---- decoder: 2 bytes link type, then the frame --------------------------------------------------

def decoder_seeds():
    seeds = []
    seen = set()
    for i, f in enumerate(FRAMES):
        key = (len(f), f[12:14], f[14 + 9] if f[12:14] == b"\x08\x00" else f[14 + 6])
        if key in seen:
            continue
        seen.add(key)
        seeds.append((f"sample-frame-{i + 1:02d}", 1, f))
    v4, v6 = V4_SYN, V6_SYN
    snap = b"\xaa\xaa\x03\x00\x00\x00"
    dot11 = b"\x88\x01" + bytes(22) + b"\x00\x00" + snap + be16(0x0800)
    nflog_tlv = struct.pack("<HH", 4 + len(v4), 9) + v4
    link = {
        "null-le-v4": (0, b"\x02\x00\x00\x00" + v4),
        "null-le-af24-v6": (0, b"\x18\x00\x00\x00" + v6),
        "loop-be-v4": (108, b"\x00\x00\x00\x02" + v4),
        "loop-le-af30-v6": (108, b"\x1e\x00\x00\x00" + v6),
        "ethernet-v6": (1, eth(0x86DD, v6)),
        "vlan-qinq": (1, eth(0x88A8, b"\x00\x01\x81\x00" + b"\x00\x02\x08\x00" + v4)),
        "pppoe": (1, eth(0x8864, b"\x11\x00\x12\x34\x00\x00" + be16(0x0021) + v4)),
        "mpls-2": (1, eth(0x8847, b"\x00\x10\x00\x40\x00\x20\x01\x40" + v4)),
        "llc-snap": (1, MAC + be16(8 + len(v4)) + snap + be16(0x0800) + v4),
        "8021ah": (1, eth(0x88A8, b"\x00\x01\x88\xe7" + b"\x00\x00\x00\x01" + MAC + be16(0x0800) + v4)),
        "vntag": (1, eth(0x8926, bytes(4) + be16(0x0800) + v4)),
        "fabricpath": (1, eth(0x8903, b"\x00\x00" + eth(0x0800, v4))),
        "ppp-addr": (9, b"\xff\x03\x00\x21" + v4),
        "ppp-compressed-v6": (9, b"\x57" + v6),
        "fddi": (10, bytes([0x50] * 13) + snap + be16(0x0800) + v4),
        "raw12-v4": (12, v4),
        "raw14-v6": (14, v6),
        "raw101-v4": (101, v4),
        "raw101-v6": (101, v6),
        "raw101-synack": (101, V4_SYNACK),
        "chdlc": (104, b"\x0f\x00\x08\x00" + v4),
        "wlan-wds-v6": (105, b"\x08\x03" + bytes(28) + snap + be16(0x86DD) + v6),
        "sll": (113, bytes(14) + be16(0x0800) + v4),
        "sll-vlan": (113, bytes(14) + be16(0x8100) + b"\x00\x05\x08\x00" + v4),
        "radiotap": (127, b"\x00\x00\x08\x00\x00\x00\x00\x00" + dot11 + v4),
        "arcnet-1201": (129, b"\x01\x02\x00\x00\xd4\x00\x00\x01" + v4),
        "arcnet-1051": (129, b"\x01\x02\x00\x00\xf0" + v4),
        "ppi-80211": (192, b"\x00\x00\x08\x00\x69\x00\x00\x00" + dot11 + v4),
        "ppi-ethernet": (192, b"\x00\x00\x08\x00\x01\x00\x00\x00" + eth(0x0800, v4)),
        "ipv4-228": (228, v4),
        "ipv6-229": (229, v6),
        "nflog": (239, b"\x02\x00\x00\x00\x08\x00\x01\x00\x08\x00\x03\x00" + nflog_tlv),
        "ipoib": (242, bytes(40) + be16(0x0800) + b"\x00\x00" + v4),
        "sll2-v6": (276, be16(0x86DD) + bytes(18) + v6),
        # tunnels
        "gre": (1, eth(0x0800, ipv4(b"\x00\x00\x08\x00" + v4, proto=47))),
        "gre-key-seq-v6": (1, eth(0x0800, ipv4(b"\x30\x00\x86\xdd" + bytes(8) + v6, proto=47))),
        "gre-teb": (1, eth(0x0800, ipv4(b"\x80\x00\x65\x58" + bytes(4) + eth(0x0800, v4), proto=47))),
        "erspan2": (1, eth(0x0800, ipv4(b"\x10\x00\x88\xbe\x00\x00\x00\x07" + b"\x10\x00\x00\x01"
                                        + bytes(4) + eth(0x0800, v4), proto=47))),
        "erspan3": (1, eth(0x0800, ipv4(b"\x10\x00\x22\xeb\x00\x00\x00\x07" + b"\x20\x00\x00\x01"
                                        + bytes(7) + b"\x01" + bytes(8) + eth(0x0800, v4), proto=47))),
        "pptp": (1, eth(0x0800, ipv4(b"\x30\x01\x88\x0b\x00\x28\x00\x01" + bytes(3) + b"\x01"
                                     + b"\xff\x03\x00\x21" + v4, proto=47))),
        "ip-in-ip": (1, eth(0x0800, ipv4(v4, proto=4))),
        "6in4": (101, ipv4(v6, proto=41)),
        "4in6": (101, ipv6(v4, nxt=4)),
        "vxlan": (1, eth(0x0800, ipv4(udp(4789, b"\x08" + bytes(5) + b"\x01\x00" + eth(0x0800, v4)), proto=17))),
        "geneve-opt": (1, eth(0x0800, ipv4(udp(6081, b"\x01\x00\x65\x58\x00\x00\x01\x00\x01\x02\x03\x00"
                                               + eth(0x0800, v4)), proto=17))),
        "gtpu-ext": (1, eth(0x0800, ipv4(udp(2152, b"\x34\xff\x00\x30\x00\x00\x00\x01\x00\x00\x00\x85"
                                             + b"\x01\x10\x01\x00" + v4), proto=17))),
        "ayiya": (1, eth(0x0800, ipv4(udp(5072, b"\x41\x52\x11\x29" + bytes(4) + bytes(36) + v6), proto=17))),
        "teredo-origin": (1, eth(0x0800, ipv4(udp(3544, b"\x00\x00\xc3\x50\x01\x02\x03\x04" + v6), proto=17))),
        "ah-tunnel": (1, eth(0x0800, ipv4(b"\x04\x04\x00\x00" + bytes(20) + v4, proto=51))),
        "v6-ext-chain": (101, ipv6(b"\x2b\x00" + bytes(6) + b"\x3c\x00" + bytes(6) + b"\x2c\x00"
                                   + bytes(6) + b"\x06\x00\x00\x00\x00\x00\x00\x00" + TCP_SYN, nxt=0)),
        # quirks and odd TCP headers
        "ipv4-options-lsrr": (101, ipv4(TCP_SYN, options=b"\x83\x07\x04\x0a\x00\x00\x09\x00")),
        "tcp-ecn-urg-push": (101, ipv4(tcp(flags=0xea))),
        "tcp-options-past-eol": (101, ipv4(tcp(options=b"\x02\x04\x05\xb4\x00\x01\x03\x07"))),
        "tcp-option-overrun": (101, ipv4(tcp(options=b"\x02\x04\x05\xb4\x08\x0a\x00\x00"))),
        "tcp-unknown-kinds": (101, ipv4(tcp(options=b"\x1e\x04\x00\x00\x22\x02\x05\x0a" + bytes(8) + b"\x03\x03\x0e\x00"))),
        "tcp-syn-payload": (101, ipv4(tcp(payload=b"hello"))),
        "tcp-header-past-ip": (101, ipv4(tcp())[:40]),
        # malformed
        "short-ethernet": (1, bytes(10)),
        "ihl-4": (101, b"\x44" + ipv4(TCP_SYN)[1:]),
        "total-below-ihl": (101, ipv4(TCP_SYN)[:2] + be16(16) + ipv4(TCP_SYN)[4:]),
        "fragment": (101, ipv4(TCP_SYN, flags=0x00)[:6] + b"\x00\x01" + ipv4(TCP_SYN)[8:]),
        "nested-20": (101, nest(v4, 20)),
        "radiotap-len-short": (127, b"\x00\x00\x04\x00\x00\x00\x00\x00" + bytes(40)),
        "empty-raw": (101, b""),
    }
    for name, (lt, frame) in link.items():
        seeds.append((name, lt, frame))
    for name, lt, frame in seeds:
        write("decoder", name, be16(lt) + frame)


def nest(inner, n):
    for _ in range(n):
        inner = ipv4(inner, proto=4)
    return inner


# ---- capture files -------------------------------------------------------------------------------

def pcap(frames, linktype=1, endian="<", nano=False, snaplen=262144):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for i, f in enumerate(frames):
        out += struct.pack(endian + "IIII", 1700000000 + i, 123456 + i, len(f), len(f)) + f
    return out


def block(t, body, e="<"):
    body += bytes(-len(body) % 4)
    return struct.pack(e + "II", t, len(body) + 12) + body + struct.pack(e + "I", len(body) + 12)


def option(code, value, e="<"):
    return struct.pack(e + "HH", code, len(value)) + value + bytes(-len(value) % 4)


def shb(e="<", options=b""):
    return block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + options, e)


def idb(lt, snaplen=0, e="<", options=b""):
    return block(1, struct.pack(e + "HHI", lt, 0, snaplen) + options, e)


def epb(iface, frame, e="<", ts=1700000000123456, orig=None):
    body = struct.pack(e + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(frame),
                       len(frame) if orig is None else orig) + frame
    return block(6, body, e)


def capture_seeds():
    f = FRAMES
    v4, v6 = V4_SYN, V6_SYN
    # The sample itself is 6.5 KB: its first packets, as written.
    raw = open(os.path.join(ROOT, "resources", "samples", "synscope-sample.pcapng"), "rb").read()
    shb_len = struct.unpack_from("<I", raw, 4)[0]
    idb_len = struct.unpack_from("<I", raw, shb_len + 4)[0]
    pos = shb_len + idb_len
    ends = []
    while pos < len(raw):
        pos += struct.unpack_from("<I", raw, pos + 4)[0]
        ends.append(pos)
    write("capture_file", "sample-first-2", raw[:ends[1]])
    write("capture_file", "sample-first-12", raw[:ends[11]])
    write("capture_file", "sample-tunnels", raw[:shb_len + idb_len] + raw[ends[29]:ends[35]])
    write("capture_file", "sample-cut-mid-packet", raw[:ends[3] - 20])
    write("capture_file", "sample-header-only", raw[:shb_len + idb_len])

    write("capture_file", "pcap-le-usec", pcap(f[:3]))
    write("capture_file", "pcap-be-usec", pcap(f[3:6], endian=">"))
    write("capture_file", "pcap-le-nsec-raw", pcap([v4, v6], linktype=101, nano=True))
    write("capture_file", "pcap-be-nsec-sll", pcap([bytes(14) + be16(0x0800) + v4], linktype=113,
                                                  endian=">", nano=True))
    write("capture_file", "pcap-null", pcap([b"\x02\x00\x00\x00" + v4], linktype=0))
    write("capture_file", "pcap-snaplen-64", pcap([f[0][:64]], snaplen=64))
    write("capture_file", "pcap-caplen-beyond-file", pcap([f[0]])[:-10])
    write("capture_file", "pcap-header-only", pcap([]))
    write("capture_file", "pcap-short-header", pcap([])[:20])
    write("capture_file", "pcap-fcs-bits-linktype", pcap([f[0] + bytes(4)], linktype=0x10000001))
    write("capture_file", "pcap-zero-caplen", pcap([b""]))
    write("capture_file", "empty", b"")

    s = shb()
    write("capture_file", "pcapng-mixed-linktypes",
          s + idb(1) + idb(101) + idb(113, 96) + epb(0, f[0]) + epb(1, v4) + epb(2, bytes(14) + be16(0x86DD) + v6)
          + epb(1, v6))
    write("capture_file", "pcapng-tsresol-nano-and-2pow",
          s + idb(1, options=option(9, b"\x09") + option(0, b"")) + idb(228, options=option(9, b"\x8a"))
          + epb(0, f[0]) + epb(1, v4))
    write("capture_file", "pcapng-big-endian",
          shb(">") + idb(1, e=">") + epb(0, f[1], e=">") + epb(0, f[2], e=">"))
    write("capture_file", "pcapng-two-sections",
          s + idb(101) + epb(0, v4) + shb(">") + idb(1, e=">") + epb(0, f[0], e=">"))
    spb = block(3, struct.pack("<I", len(f[0])) + f[0])
    opb = block(2, struct.pack("<HHIIII", 0, 0, 1, 2, len(f[1]), len(f[1])) + f[1])
    write("capture_file", "pcapng-spb-opb", s + idb(1, 80) + spb + opb)
    nrb = block(4, struct.pack("<HH", 1, 8) + bytes([10, 213, 0, 1]) + b"abc\0" + struct.pack("<HH", 0, 0))
    isb = block(5, struct.pack("<III", 0, 0, 0))
    custom = block(0xBAD, b"custom")
    write("capture_file", "pcapng-nrb-isb-unknown", s + nrb + idb(1) + isb + custom + epb(0, f[0]) + isb)
    write("capture_file", "pcapng-shb-options",
          shb(options=option(2, b"x86_64") + option(3, b"Linux") + option(4, b"make-corpus")
              + option(0, b"")) + idb(1, options=option(2, b"veth0")) + epb(0, f[0]))
    write("capture_file", "pcapng-epb-before-idb", s + epb(0, f[0]))
    write("capture_file", "pcapng-bad-interface-id", s + idb(1) + epb(3, f[0]))
    write("capture_file", "pcapng-epb-caplen-beyond-block",
          s + idb(1) + epb(0, f[0])[:20] + struct.pack("<I", 4000) + epb(0, f[0])[24:])
    write("capture_file", "pcapng-trailing-length-mismatch", (s + idb(1) + epb(0, f[0]))[:-4] + b"\0\0\0\0")
    write("capture_file", "pcapng-orig-below-caplen", s + idb(1) + epb(0, f[0], orig=10))
    write("capture_file", "pcapng-truncated-block-header", s + idb(1) + b"\x06\x00\x00\x00")

    if os.path.isdir(SHARED):
        for rel, name in SHARED_CAPTURES:
            src = os.path.join(SHARED, rel)
            if os.path.exists(src) and os.path.getsize(src) < 2048:
                write("capture_file", name, open(src, "rb").read())


# Tiny files from the shared corpus (../shared/data/pcaps), link types and layouts the sample lacks.
SHARED_CAPTURES = [
    ("tcpdump/tcp-handshake-nano.pcap", "shared-tcpdump-sll-nano.pcap"),
    ("suricata-verify/defrag__bug-6887-defrag-ppp-ipv4-tcp-syn__frag-ppp-ip-tcp-syn.pcap",
     "shared-suricata-ppp-fragments.pcap"),
    ("libpcap/http_PPI.pcap", "shared-libpcap-ppi.pcap"),
    ("pcapplusplus/linktype_ipv6.pcap", "shared-pcapplusplus-linktype-ipv6.pcap"),
    ("suricata-verify/decode-sll2-01__input.pcap", "shared-suricata-sll2.pcap"),
    ("zeek/tcp__payload-syn.pcap", "shared-zeek-raw-syn-payload.pcap"),
    ("libpcap/linktype-reserved-field-not-zero.pcap", "shared-libpcap-linktype-reserved.pcap"),
    ("libpcap/shb-option-too-long.pcapng", "shared-libpcap-shb-option-too-long.pcapng"),
    ("zeek/tunnels__geneve-truncated.pcapng", "shared-zeek-geneve-truncated.pcapng"),
    ("zeek/trunc__trunc-hdr.pcap", "shared-zeek-trunc-hdr.pcap"),
]


# ---- databases (written here, in each format's syntax) ------------------------------------------

def synscope_seeds():
    def entry(i, **fp):
        base = {"ip_version": 4, "ip_ttl": 64, "ip_df": 1, "ip_mf": 0, "tcp_window_size": 64240,
                "tcp_flags": 2, "tcp_ack": 0, "tcp_header_length": 40, "tcp_urp": 0,
                "tcp_options": "M1460,S,T,N,W7,", "quirks": "df"}
        base.update(fp)
        return {"id": f"e{i}", "os": {"name": "Linux", "class": "Linux", "version": "6.1"},
                "device": "server", "notes": "n", "provenance": "make-corpus.py", "fingerprint": base}

    def db(entries, **extra):
        d = {"format": "synscope-db", "version": 1, "name": "fuzz", "description": "seed"}
        d.update(extra)
        d["entries"] = entries
        return json.dumps(d, indent=1)

    seeds = {
        "minimal": db([entry(0)], min_class_size=1),
        "empty-entries": db([]),
        "windows-mss-multiple": db([entry(0, ip_ttl=128, tcp_window_size="mss*44",
                                          tcp_options="M1460,N,W8,N,N,S,", tcp_header_length=32)]),
        "mss-max": db([entry(0, tcp_window_size="mss*max"), entry(1, tcp_flags=18, tcp_ack=1)]),
        "ipv6-flow": db([entry(0, ip_version=6, quirks="flow", tcp_options="M1440,S,T,N,W7,")]),
        "unknown-fields": db([{"id": "", "os": {"name": "X"}, "fingerprint": {"ip_ttl": 255}}]),
        "all-quirks": db([entry(0, quirks="df,id+,id-,ecn,0+,flow,seq-,ack+,ack-,uptr+,urgf+,pushf+,"
                                          "ts2+,ts1-,opt+,exws,bad,data", tcp_flags=0xc2)]),
        "option-kinds": db([entry(0, tcp_options="E,E,N,K30,K253,M0,W14,", tcp_header_length=60)]),
        "two-classes": db([entry(0), dict(entry(1, ip_ttl=128), os={"name": "Windows", "version": "11"})],
                          min_class_size=2),
        "bad-version": db([entry(0)]).replace('"version": 1', '"version": 2'),
        "bad-window": db([entry(0, tcp_window_size="mss*0")]),
        "bad-header-length": db([entry(0, tcp_header_length=42)]),
        "ip-version-5": db([entry(0, ip_version=5)]),
        "bad-quirk": db([entry(0, quirks="df,nonsense")]),
        "bad-options": db([entry(0, tcp_options="M,X9,")]),
        "min-class-size-fraction": db([entry(0)], min_class_size=1.5),
        "os-not-object": db([dict(entry(0), os="Linux")]),
        "entries-not-array": json.dumps({"format": "synscope-db", "version": 1, "entries": {}}),
        "wrong-format": json.dumps({"format": "other", "version": 1, "entries": []}),
        "bom-and-space": "\ufeff  \n" + db([entry(0)]),
        "invalid-json": db([entry(0)])[:-30],
        "numbers-as-strings": db([entry(0, ip_ttl="64", tcp_ack=4294967296)]),
    }
    for name, text in seeds.items():
        write("db_synscope", name + ".json", text)


def zardaxt_seeds():
    def e(**kv):
        base = {"ip_df": 1, "ip_mf": 0, "tcp_window_size": 64240, "tcp_flags": 2, "tcp_ack": 0,
                "tcp_urp": 0, "tcp_header_length": 160, "tcp_options": "M1460,S,T,N,W7,",
                "tcp_mss": 1460, "tcp_window_scaling": 7, "tcp_timestamp": 12345,
                "tcp_timestamp_echo_reply": 0, "ip_ttl": 52,
                "os": {"name": "Linux", "version": "", "versionName": ""},
                "platform": {"type": "desktop", "vendor": "", "model": ""},
                "navigatorUserAgent": "Mozilla/5.0 (X11; Linux x86_64)"}
        base.update(kv)
        return base

    seeds = {
        "one": [e()],
        "two-os": [e(), e(ip_ttl=113, tcp_window_size=65535, tcp_options="M1460,N,W8,N,N,S,",
                          tcp_header_length=128, tcp_window_scaling=8, tcp_timestamp=None,
                          os={"name": "Windows", "version": "10", "versionName": "NT 10.0"})],
        "empty": [],
        "letters": [e(tcp_options="M1400,K,J,F,P,R,U34,E,", tcp_mss=1400, tcp_window_scaling=None)],
        "timestamps-empty-string": [e(tcp_timestamp="", tcp_timestamp_echo_reply="")],
        "ts-zero": [e(tcp_timestamp=0)],
        "no-ttl": [{k: v for k, v in e().items() if k != "ip_ttl"}],
        "mss-disagrees": [e(tcp_mss=1200)],
        "wscale-disagrees": [e(tcp_window_scaling=3)],
        "header-not-data-offset": [e(tcp_header_length=40)],
        "bad-letter": [e(tcp_options="M1460,X,")],
        "missing-field": [{k: v for k, v in e().items() if k != "tcp_flags"}],
        "not-object": [e(), 3],
        "iphone": [e(tcp_window_size=65535, tcp_options="M1460,N,W6,N,N,T,S,E,E,", tcp_window_scaling=6,
                     tcp_header_length=176, ip_ttl=64, os={"name": "iOS", "version": "16"},
                     platform={"type": "mobile", "vendor": "Apple", "model": "iPhone"})],
    }
    for name, data in seeds.items():
        write("db_zardaxt", name + ".json", json.dumps(data, indent=1))
    write("db_zardaxt", "invalid-json.json", json.dumps([e()])[:-5])


def p0f_seeds():
    head = "; p0f-style signatures written for the fuzz corpus\n\nclasses = win,unix,other\n\n"
    seeds = {
        "request-linux": head + "[tcp:request]\n\nlabel = s:unix:Linux:3.11 and newer\n"
                         "sys   = Linux\nsig   = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n"
                         "sig   = *:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0\n",
        "request-windows": head + "[tcp:request]\nlabel = s:win:Windows:7 or 8\n"
                           "sig = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0\n"
                           "sig = 4:128:0:1460:65535,2:mss,nop,ws,nop,nop,sok:df,id+:0\n",
        "response": head + "[tcp:response]\nlabel = g:unix:Linux:2.6.x\n"
                    "sig = *:64:0:*:mss*4,0:mss:df:0\nsig = 6:64-:0:1440:%8192,*:mss,sok,ts,nop,ws:flow:+\n",
        "wildcards": head + "[tcp:request]\nlabel = s:other:Thing:\n"
                     "sig = *:*:*:*:*,*:mss,nop,eol+1::*\nsig = *:255:0:*:mtu*4,4:?5,sack,eol+0::0\n",
        "other-sections": head + "[mtu]\nlabel = Ethernet or modem\nsig = 1500\n\n[http:request]\n"
                          "label = s:!:Firefox:\nsig = *:Host,User-Agent::Firefox/\n\n[tcp:request]\n"
                          "label = s:unix:Linux:2.4\nsig = 4:64:0:*:mss*4,0:mss,sok,ts,nop,ws:df,id+:0\n",
        "quirks": head + "[tcp:request]\nlabel = s:unix:Odd:1\n"
                  "sig = 4:64:4:1460:1024,15:mss,ws,ts,sok:df,id+,id-,ecn,0+,seq-,ack+,ack-,uptr+,urgf+,pushf+,ts1-,ts2+,opt+,exws,bad:+\n",
        "bad-field-count": head + "[tcp:request]\nlabel = s:unix:Linux:1\nsig = 4:64:0\n",
        "no-label": head + "[tcp:request]\nsig = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n",
        "bad-quirk": head + "[tcp:request]\nlabel = s:unix:Linux:1\nsig = *:64:0:*:mss*20,10:mss:what:0\n",
        "bad-layout": head + "[tcp:request]\nlabel = s:unix:Linux:1\nsig = *:64:0:*:mss*20,10:mss,xyz:df:0\n",
        "no-equals": "[tcp:request]\nlabel s:unix:Linux:1\n",
        "bad-ttl": "[tcp:request]\nlabel = s:unix:Linux:1\nsig = *:300:0:*:mss*20,10:mss:df:0\n",
        "crlf": head.replace("\n", "\r\n") + "[tcp:request]\r\nlabel = s:unix:Linux:1\r\n"
                "sig = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\r\n",
        "long-layout": "[tcp:request]\nlabel = s:unix:Pad:1\nsig = *:64:0:*:*,*:" + ",".join(["nop"] * 41) + ":df:0\n",
        "eol-padding": "[tcp:response]\nlabel = s:unix:Pad:1\nsig = *:64:0:*:*,*:mss,eol+30::0\n",
        "eol-too-long": "[tcp:response]\nlabel = s:unix:Pad:1\nsig = *:64:0:*:*,*:mss,eol+39::0\n",
    }
    for name, text in seeds.items():
        write("db_p0f", name + ".fp", text)


def satori_seeds():
    head = '<?xml version="1.0"?>\n<TCP>\n <fingerprints>\n'
    tail = ' </fingerprints>\n</TCP>\n'

    def fp(name, tests, os_name="Linux", os_class="Server"):
        return (f'  <fingerprint name="{name}" os_name="{os_name}" os_class="{os_class}">\n   <tcp_tests>\n'
                + "".join(f'    <test matchtype="{m}" weight="{w}" tcpflag="{f}" tcpsig="{s}"/>\n'
                          for m, w, f, s in tests)
                + '   </tcp_tests>\n  </fingerprint>\n')

    seeds = {
        "linux": fp("Linux 5", [("exact", 5, "S", "64240:64:1:60:M1460,S,T,N,W7:."),
                                ("exact", 5, "SA", "65160:64:1:60:M1460,S,T,N,W7:."),
                                ("exact", 3, "A", "502:64:1:52:N,N,T:.")]),
        "windows-wild": fp("Windows 10", [("partial", 3, "S", "*:128:1:52:M*,N,W8,N,N,S:."),
                                          ("exact", 5, "S", "65535:128:1:52:M1460,N,W*,N,N,S:A")],
                           os_name="Windows", os_class="Desktop"),
        "sack-ts0": fp("Odd", [("exact", 1, "S", "1024:255:0:64:M536,K,T0,E:Z")]),
        "all-wild": fp("Any", [("partial", 1, "S", "*:*:*:*:*:*")]),
        "two": fp("A", [("exact", 5, "S", "5840:64:1:60:M1460,S,T,N,W2:.")])
               + fp("B", [("exact", 5, "S", "16384:128:1:48:M1460,N,N,S:.")], os_name=""),
        "bad-fields": fp("Bad", [("exact", 5, "S", "64240:64:1")]),
        "bad-hdrlen": fp("Bad", [("exact", 5, "S", "64240:64:1:42:M1460:.")]),
        "bad-df": fp("Bad", [("exact", 5, "S", "64240:64:2:60:M1460:.")]),
        "bad-options": fp("Bad", [("exact", 5, "S", "64240:64:1:60:Q9:.")]),
        "no-tcpsig": fp("None", []).replace("<tcp_tests>", "<tcp_tests><test tcpflag=\"S\"/>"),
    }
    for name, body in seeds.items():
        write("db_satori", name + ".xml", head + body + tail)
    write("db_satori", "unclosed.xml", head + fp("Cut", [("exact", 5, "S", "64240:64:1:60:M1460:.")])[:-30])
    write("db_satori", "entities.xml", '<?xml version="1.0"?>\n<!DOCTYPE TCP [<!ENTITY a "x">]>\n<TCP>'
          '<fingerprint name="&a;&amp;&#x41;" os_name="&lt;x&gt;"><test tcpflag="S" tcpsig="1:1:0:40::"/>'
          '</fingerprint></TCP>\n')


def access_log_seeds():
    # Byte 0: the format (0 synscope, 1 apache-synscope, 2 combined, 3 apache-combined, 4 the
    # first line is a format string); byte 1: where the log is cut into two reads.
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
    nginx = ('10.0.0.7 - - [22/Nov/2026:07:21:06 +0000] "GET / HTTP/1.1" 200 612 "-" "%s" 48964 '
             '1795245666.941 "-" "-"\n' % ua)
    apache = ('10.0.0.7 - - [22/Nov/2026:07:21:06 +0000] "GET / HTTP/1.1" 200 612 "-" "%s" 48964 '
              '1795245666941 "-" "-"\n' % ua)
    combined = '2001:db8::7 - - [22/Nov/2026:07:21:06 +0100] "GET /x HTTP/2.0" 404 0 "-" "curl/8.5.0"\n'
    write("access_log", "synscope", b"\x00\x40" + (nginx * 3).encode())
    write("access_log", "apache-synscope", b"\x01\x10" + apache.encode())
    write("access_log", "combined", b"\x02\x05" + (combined + "garbage line\n\n" + combined).encode())
    write("access_log", "apache-combined-crlf", b"\x03\x00" + combined.replace("\n", "\r\n").encode())
    write("access_log", "escaped-quotes", b"\x02\x30" + combined.replace('"curl/8.5.0"', '"a\\x22b\\"c"').encode())
    write("access_log", "custom-nginx", b"\x04\x08$remote_addr $remote_port [$time_iso8601] \"$http_user_agent\"\n"
          b"192.0.2.1 5000 [2026-11-22T07:21:06+00:00] \"Wget/1.21\"\n")
    write("access_log", "custom-apache", b"\x04\x00%a %{remote}p %{msec}t \\\"%{User-Agent}i\\\"\n"
          b"192.0.2.1 5000 1795245666941 \"Wget/1.21\"\n")
    write("access_log", "bad-format", b"\x04\x00$remote_addr$remote_port\n1.2.3.4 5\n")


def http_seeds():
    write("http", "get-ua", b"GET / HTTP/1.1\r\nHost: example.test\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) "
          b"Gecko/20100101 Firefox/121.0\r\nAccept: */*\r\n\r\n")
    write("http", "proxy-headers", b"POST /api HTTP/1.0\r\nVia: 1.1 squid\r\nX-Forwarded-For: 10.0.0.1\r\n"
          b"X-Forwarded-For: 10.0.0.2\r\nForwarded: for=10.0.0.3\r\nUser-Agent: curl/8.5.0\r\n\r\nbody")
    write("http", "client-hints", b"GET / HTTP/1.1\r\nSec-CH-UA-Platform: \"Windows\"\r\nSec-CH-UA-Platform-Version: "
          b"\"15.0.0\"\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\n\r\n")
    write("http", "partial", b"GET /long HTTP/1.1\r\nUser-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X)")
    write("http", "bare-lf", b"HEAD / HTTP/1.1\nuser-agent: Mozilla/5.0 (Linux; Android 14; Pixel 8)\n\n")
    write("http", "tls-client-hello", bytes([22, 3, 1, 0, 0x2f, 1, 0, 0, 0x2b, 3, 3]) + bytes(40))
    write("http", "not-http", b"SSH-2.0-OpenSSH_9.6\r\n")


def main():
    for sub in ("decoder", "capture_file", "db_synscope", "db_zardaxt", "db_p0f", "db_satori", "access_log", "http"):
        d = os.path.join(OUT, sub)
        if os.path.isdir(d):
            for name in os.listdir(d):
                if not name.startswith("crash-") and not name.startswith("found-"):
                    os.remove(os.path.join(d, name))
    decoder_seeds()
    capture_seeds()
    synscope_seeds()
    zardaxt_seeds()
    p0f_seeds()
    satori_seeds()
    access_log_seeds()
    http_seeds()
    for sub in sorted(os.listdir(OUT)):
        if os.path.isdir(os.path.join(OUT, sub)):
            print(sub, len(os.listdir(os.path.join(OUT, sub))))


if __name__ == "__main__":
    main()
