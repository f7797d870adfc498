// SPDX-License-Identifier: GPL-3.0-or-later
// Hand-built frames: every link type and encapsulation, IPv4 and IPv6, each quirk, each malformed
// case with its exact counter, and the seed's two example fingerprints.
#include "core/decode/decoder.h"

#include <QTest>

#include <memory>
#include <vector>

using namespace synscope;
using namespace Qt::StringLiterals;

// GCC 12 warns about members left to their defaults in designated initializers (Tcp{.seq = 1}).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using Bytes = std::vector<uint8_t>;
Q_DECLARE_METATYPE(Bytes)

namespace {

Bytes operator+(Bytes a, const Bytes& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}
void put16(Bytes& b, size_t at, uint16_t v) { b[at] = uint8_t(v >> 8); b[at + 1] = uint8_t(v); }
void put32(Bytes& b, size_t at, uint32_t v)
{
    put16(b, at, uint16_t(v >> 16));
    put16(b, at + 2, uint16_t(v));
}
Bytes be16(uint16_t v) { return {uint8_t(v >> 8), uint8_t(v)}; }

struct Tcp {
    uint16_t sport = 40000, dport = 443;
    uint32_t seq = 0x11223344, ack = 0;
    uint16_t flags = TcpSyn;
    uint16_t window = 64240;
    uint16_t urp = 0;
    Bytes options;
    int doff = -1;           // words; -1: from the options
    Bytes payload;
};

Bytes tcp(const Tcp& t)
{
    Bytes b(20);
    put16(b, 0, t.sport);
    put16(b, 2, t.dport);
    put32(b, 4, t.seq);
    put32(b, 8, t.ack);
    Bytes opts = t.options;
    while (opts.size() % 4)
        opts.push_back(0);
    const int doff = t.doff >= 0 ? t.doff : int(5 + opts.size() / 4);
    put16(b, 12, uint16_t(doff << 12 | (t.flags & 0x0fff)));
    put16(b, 14, t.window);
    put16(b, 18, t.urp);
    return b + opts + t.payload;
}

struct V4 {
    uint8_t ttl = 64, tos = 0, proto = 6;
    bool df = true, mf = false, reserved = false;
    uint16_t id = 0x1234, fragOffset = 0;
    Bytes options;
    int totalOverride = -1, ihlOverride = -1;
    uint8_t src[4] = {192, 0, 2, 1}, dst[4] = {198, 51, 100, 7};
};

Bytes ipv4(const Bytes& payload, const V4& v = {})
{
    Bytes b(20);
    const int ihl = v.ihlOverride >= 0 ? v.ihlOverride : int(5 + v.options.size() / 4);
    b[0] = uint8_t(0x40 | ihl);
    b[1] = v.tos;
    const size_t total = 20 + v.options.size() + payload.size();
    put16(b, 2, uint16_t(v.totalOverride >= 0 ? v.totalOverride : int(total)));
    put16(b, 4, v.id);
    put16(b, 6, uint16_t((v.reserved ? 0x8000 : 0) | (v.df ? 0x4000 : 0) | (v.mf ? 0x2000 : 0) | v.fragOffset));
    b[8] = v.ttl;
    b[9] = v.proto;
    std::copy(v.src, v.src + 4, b.begin() + 12);
    std::copy(v.dst, v.dst + 4, b.begin() + 16);
    return b + v.options + payload;
}

struct V6 {
    uint8_t hlim = 64, tclass = 0, next = 6;
    uint32_t flow = 0;
    int plenOverride = -1;
};

Bytes ipv6(const Bytes& payload, const V6& v = {})
{
    Bytes b(40);
    put32(b, 0, 6u << 28 | uint32_t(v.tclass) << 20 | (v.flow & 0xfffff));
    put16(b, 4, uint16_t(v.plenOverride >= 0 ? v.plenOverride : int(payload.size())));
    b[6] = v.next;
    b[7] = v.hlim;
    b[8] = 0x20; b[9] = 0x01; b[10] = 0x0d; b[11] = 0xb8; b[23] = 1;    // 2001:db8::1
    b[24] = 0x20; b[25] = 0x01; b[26] = 0x0d; b[27] = 0xb8; b[39] = 2;  // 2001:db8::2
    return b + payload;
}

// An 8-byte IPv6 extension header (hop-by-hop, routing, destination options).
Bytes ext6(uint8_t next) { return {next, 0, 1, 4, 0, 0, 0, 0}; }
Bytes frag6(uint8_t next, uint16_t offset, bool more)
{
    Bytes b{next, 0, 0, 0, 0, 0, 0, 42};
    put16(b, 2, uint16_t(offset << 3 | (more ? 1 : 0)));
    return b;
}

const Bytes kMac = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
Bytes eth(uint16_t type, const Bytes& payload) { return kMac + be16(type) + payload; }
Bytes vlanTag(uint16_t next) { return Bytes{0x20, 0x0a} + be16(next); }

Bytes basicSyn() { return tcp({.options = {2, 4, 5, 0xb4}}); }   // M1460

// Seed fingerprints' options: M1412,S,T,N,W<shift>.
Bytes seedOptions(uint8_t shift)
{
    return {2, 4, 0x05, 0x84, 4, 2, 8, 10, 0, 0, 0x30, 0x39, 0, 0, 0, 0, 1, 3, 3, shift};
}

struct Result {
    bool ok = false;
    SynRecord rec;
    DecodeStats stats;
};

// Decodes from an exactly sized heap copy so that a sanitizer catches any read past caplen.
Result decodeFrame(int linkType, const Bytes& frame)
{
    Result r;
    auto copy = std::make_unique<uint8_t[]>(frame.size());
    std::copy(frame.begin(), frame.end(), copy.get());
    RawPacket pkt{1234567890123456789, uint32_t(frame.size()), uint32_t(frame.size()), linkType,
                  frame.empty() ? nullptr : copy.get()};
    Decoder d;
    r.ok = d.decode(pkt, r.rec);
    r.stats = d.stats();
    return r;
}

} // namespace

class TestDecoder : public QObject {
    Q_OBJECT
private slots:
    void seedUbuntu()
    {
        V4 v;
        v.ttl = 64;
        v.id = 0x4a1c;
        const Result r = decodeFrame(1, eth(0x0800, ipv4(tcp({.seq = 0xdeadbeef, .window = 29200,
                                                                .options = seedOptions(7)}), v)));
        QVERIFY(r.ok);
        const Fingerprint& fp = r.rec.fp;
        QCOMPARE(QString::fromStdString(fp.tcpOptions()), u"M1412,S,T,N,W7,"_s);
        QCOMPARE(fp.ip_version, 4);
        QCOMPARE(fp.ip_ttl, 64);
        QVERIFY(fp.ip_df);
        QVERIFY(!fp.ip_mf);
        QCOMPARE(fp.ip_total_length, 60);
        QCOMPARE(fp.ip_id, 0x4a1c);
        QCOMPARE(fp.ip_tos, 0);
        QCOMPARE(fp.ip_header_length, 20);
        QCOMPARE(fp.ip_flow_label, 0u);
        QCOMPARE(fp.tcp_window_size, 29200);
        QCOMPARE(fp.tcp_flags, TcpSyn);
        QCOMPARE(fp.tcp_seq, 0xdeadbeefu);
        QCOMPARE(fp.tcp_ack, 0u);
        QCOMPARE(fp.tcp_header_length, 40);
        QCOMPARE(fp.tcp_urp, 0);
        QCOMPARE(fp.tcp_mss, 1412);
        QCOMPARE(fp.tcp_window_scaling, 7);
        QVERIFY(fp.tcp_sack_permitted);
        QVERIFY(fp.tcp_has_timestamp);
        QCOMPARE(fp.tcp_timestamp, 12345u);
        QCOMPARE(fp.tcp_timestamp_echo_reply, 0u);
        QCOMPARE(fp.tcp_payload_length, 0);
        QCOMPARE(QString::fromStdString(fp.optionKindList()), u"2,4,8,1,3"_s);
        QCOMPARE(QString::fromStdString(quirksString(fp.quirks)), u"df,id+"_s);
        QCOMPARE(r.rec.kind, PacketKind::Syn);
        QCOMPARE(r.rec.link_type, 1);
        QCOMPARE(r.rec.encapsulation, 0);
        QCOMPARE(r.rec.frame, 1u);
        QCOMPARE(r.rec.ts_ns, 1234567890123456789);
        QCOMPARE(QString::fromStdString(formatAddress(r.rec.src, 4)), u"192.0.2.1"_s);
        QCOMPARE(QString::fromStdString(formatAddress(r.rec.dst, 4)), u"198.51.100.7"_s);
        QCOMPARE(r.rec.src_port, 40000);
        QCOMPARE(r.rec.dst_port, 443);
        QCOMPARE(r.rec.ip_offset, 14u);
        QCOMPARE(r.rec.header_bytes, 60u);
        QCOMPARE(r.stats.syn, 1u);
        QCOMPARE(r.stats.droppedTotal(), 0u);
    }

    void seedAndroid()
    {
        V4 v;
        v.df = false;
        v.ttl = 64;
        v.id = 0x77aa;
        const Result r = decodeFrame(1, eth(0x0800, ipv4(tcp({.window = 65535, .options = seedOptions(9)}), v)));
        QVERIFY(r.ok);
        const Fingerprint& fp = r.rec.fp;
        QCOMPARE(QString::fromStdString(fp.tcpOptions()), u"M1412,S,T,N,W9,"_s);
        QCOMPARE(fp.tcp_window_size, 65535);
        QVERIFY(!fp.ip_df);
        QCOMPARE(fp.ip_ttl, 64);
        QCOMPARE(fp.tcp_header_length, 40);
        QCOMPARE(fp.tcp_mss, 1412);
        QCOMPARE(fp.tcp_window_scaling, 9);
        QVERIFY(fp.tcp_sack_permitted);
        QVERIFY(fp.tcp_has_timestamp);
        QCOMPARE(fp.tcp_flags, TcpSyn);
        QCOMPARE(fp.quirks, 0u);   // DF clear with a non-zero ID is no quirk
        QCOMPARE(r.rec.kind, PacketKind::Syn);
    }

    void linkTypes_data()
    {
        QTest::addColumn<int>("linkType");
        QTest::addColumn<Bytes>("frame");
        QTest::addColumn<int>("ipVersion");
        QTest::addColumn<int>("ipOffset");
        QTest::addColumn<int>("encap");

        const Bytes v4 = ipv4(basicSyn());
        const Bytes v6 = ipv6(basicSyn());
        const Bytes snap = {0xaa, 0xaa, 0x03, 0, 0, 0};
        QTest::newRow("ethernet v4") << 1 << eth(0x0800, v4) << 4 << 14 << 0;
        QTest::newRow("ethernet v6") << 1 << eth(0x86dd, v6) << 6 << 14 << 0;
        QTest::newRow("802.1Q") << 1 << eth(0x8100, vlanTag(0x0800) + v4) << 4 << 18 << int(EncapVlan);
        QTest::newRow("802.1ad + 802.1Q") << 1 << eth(0x88a8, vlanTag(0x8100) + vlanTag(0x86dd) + v6) << 6 << 22 << int(EncapVlan);
        QTest::newRow("three tags") << 1 << eth(0x9100, vlanTag(0x8100) + vlanTag(0x8100) + vlanTag(0x0800) + v4) << 4 << 26 << int(EncapVlan);
        const Bytes pppoe = {0x11, 0x00, 0x12, 0x34, 0x00, 0x00};
        QTest::newRow("PPPoE v4") << 1 << eth(0x8864, pppoe + be16(0x0021) + v4) << 4 << 22 << int(EncapPppoe);
        QTest::newRow("QinQ PPPoE v6") << 1 << eth(0x88a8, vlanTag(0x8100) + vlanTag(0x8864) + pppoe + be16(0x0057) + v6) << 6 << 30 << int(EncapVlan | EncapPppoe);
        QTest::newRow("MPLS two labels") << 1 << eth(0x8847, Bytes{0, 0x10, 0x00, 64, 0, 0x20, 0x01, 64} + v4) << 4 << 22 << int(EncapMpls);
        QTest::newRow("802.3 LLC/SNAP") << 1 << kMac + be16(uint16_t(8 + v4.size())) + snap + be16(0x0800) + v4 << 4 << 22 << int(EncapLlcSnap);
        QTest::newRow("802.1ah") << 1 << eth(0x88a8, vlanTag(0x88e7) + Bytes{0, 0, 0, 1} + kMac + be16(0x8100) + vlanTag(0x0800) + v4) << 4 << 40 << int(EncapVlan);
        QTest::newRow("VN-Tag") << 1 << eth(0x8926, Bytes{0, 0, 0, 0} + be16(0x0800) + v4) << 4 << 20 << 0;
        QTest::newRow("FabricPath") << 1 << eth(0x8903, Bytes{0, 0} + eth(0x0800, v4)) << 4 << 30 << 0;
        Bytes sll(14, 0);
        QTest::newRow("Linux SLL") << 113 << sll + be16(0x0800) + v4 << 4 << 16 << 0;
        QTest::newRow("Linux SLL2") << 276 << be16(0x86dd) + Bytes(18, 0) + v6 << 6 << 20 << 0;
        QTest::newRow("SLL with VLAN") << 113 << sll + be16(0x8100) + vlanTag(0x0800) + v4 << 4 << 20 << int(EncapVlan);
        QTest::newRow("RAW 101 v4") << 101 << v4 << 4 << 0 << 0;
        QTest::newRow("RAW 101 v6") << 101 << v6 << 6 << 0 << 0;
        QTest::newRow("DLT_RAW 12") << 12 << v4 << 4 << 0 << 0;
        QTest::newRow("DLT_RAW 14") << 14 << v6 << 6 << 0 << 0;
        QTest::newRow("IPV4 228") << 228 << v4 << 4 << 0 << 0;
        QTest::newRow("IPV6 229") << 229 << v6 << 6 << 0 << 0;
        QTest::newRow("NULL LE AF_INET") << 0 << Bytes{2, 0, 0, 0} + v4 << 4 << 4 << 0;
        QTest::newRow("NULL BE AF_INET") << 0 << Bytes{0, 0, 0, 2} + v4 << 4 << 4 << 0;
        QTest::newRow("NULL LE AF 24") << 0 << Bytes{24, 0, 0, 0} + v6 << 6 << 4 << 0;
        QTest::newRow("NULL LE AF 28") << 0 << Bytes{28, 0, 0, 0} + v6 << 6 << 4 << 0;
        QTest::newRow("NULL BE AF 30") << 0 << Bytes{0, 0, 0, 30} + v6 << 6 << 4 << 0;
        QTest::newRow("LOOP BE AF_INET") << 108 << Bytes{0, 0, 0, 2} + v4 << 4 << 4 << 0;
        QTest::newRow("LOOP LE AF 30") << 108 << Bytes{30, 0, 0, 0} + v6 << 6 << 4 << 0;
        QTest::newRow("PPP with address") << 9 << Bytes{0xff, 0x03, 0x00, 0x21} + v4 << 4 << 4 << 0;
        QTest::newRow("PPP compressed") << 9 << Bytes{0x57} + v6 << 6 << 1 << 0;
        QTest::newRow("C_HDLC") << 104 << Bytes{0x0f, 0x00, 0x08, 0x00} + v4 << 4 << 4 << 0;
        Bytes nflog = {2, 0, 0, 0, 8, 0, 1, 0, 0x08, 0x00, 3, 0};    // a prefix TLV, then payload
        const uint16_t tlvLen = uint16_t(4 + v4.size());
        nflog = nflog + Bytes{uint8_t(tlvLen), uint8_t(tlvLen >> 8), 9, 0} + v4;
        QTest::newRow("NFLOG") << 239 << nflog << 4 << 16 << 0;
        QTest::newRow("FDDI") << 10 << Bytes(13, 0x50) + snap + be16(0x0800) + v4 << 4 << 21 << int(EncapLlcSnap);
        QTest::newRow("IPoIB") << 242 << Bytes(40, 0) + be16(0x0800) + Bytes{0, 0} + v4 << 4 << 44 << 0;
        QTest::newRow("ARCNET RFC 1201") << 129 << Bytes{1, 2, 0, 0, 212, 0, 0, 1} + v4 << 4 << 8 << 0;
        const Bytes dot11 = Bytes{0x88, 0x01} + Bytes(22, 0) + Bytes{0, 0} + snap + be16(0x0800);
        QTest::newRow("radiotap 802.11 QoS data") << 127 << Bytes{0, 0, 8, 0, 0, 0, 0, 0} + dot11 + v4 << 4 << 42 << int(EncapLlcSnap);
        const Bytes dot11Wds = Bytes{0x08, 0x03} + Bytes(28, 0) + snap + be16(0x86dd);   // plain data, 4 addresses
        QTest::newRow("802.11 WDS data") << 105 << dot11Wds + v6 << 6 << 38 << int(EncapLlcSnap);
        QTest::newRow("PPI 802.11") << 192 << Bytes{0, 0, 8, 0, 105, 0, 0, 0} + dot11 + v4 << 4 << 42 << int(EncapLlcSnap);

        V4 o;
        o.proto = 47;
        QTest::newRow("GRE v4") << 1 << eth(0x0800, ipv4(Bytes{0, 0, 0x08, 0x00} + v4, o)) << 4 << 38 << int(EncapGre);
        QTest::newRow("GRE key+seq v6") << 1 << eth(0x0800, ipv4(Bytes{0x30, 0, 0x86, 0xdd, 0, 0, 0, 1, 0, 0, 0, 2} + v6, o)) << 6 << 46 << int(EncapGre);
        QTest::newRow("GRE checksum TEB") << 1 << eth(0x0800, ipv4(Bytes{0x80, 0, 0x65, 0x58, 0, 0, 0, 0} + eth(0x0800, v4), o)) << 4 << 56 << int(EncapGre);
        QTest::newRow("ERSPAN II") << 1 << eth(0x0800, ipv4(Bytes{0x10, 0, 0x88, 0xbe, 0, 0, 0, 7} + Bytes{0x10, 0, 0, 1, 0, 0, 0, 0} + eth(0x0800, v4), o)) << 4 << 64 << int(EncapGre | EncapErspan);
        QTest::newRow("ERSPAN III + subheader") << 1 << eth(0x0800, ipv4(Bytes{0x10, 0, 0x22, 0xeb, 0, 0, 0, 7} + Bytes{0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1} + Bytes(8, 0) + eth(0x0800, v4), o)) << 4 << 76 << int(EncapGre | EncapErspan);
        QTest::newRow("PPTP GRE") << 1 << eth(0x0800, ipv4(Bytes{0x30, 0x01, 0x88, 0x0b, 0, 40, 0, 1, 0, 0, 0, 1, 0xff, 0x03, 0x00, 0x21} + v4, o)) << 4 << 50 << int(EncapGre);
        QTest::newRow("Aruba GRE 802.11") << 1 << eth(0x0800, ipv4(Bytes{0, 0, 0x82, 0x00} + dot11 + v4, o)) << 4 << 72 << int(EncapGre | EncapLlcSnap);
        V4 ipip;
        ipip.proto = 4;
        QTest::newRow("IPv4 in IPv4") << 1 << eth(0x0800, ipv4(v4, ipip)) << 4 << 34 << int(EncapIpInIp);
        V4 sixin4;
        sixin4.proto = 41;
        QTest::newRow("IPv6 in IPv4") << 101 << ipv4(v6, sixin4) << 6 << 20 << int(EncapIpInIp);
        V6 fourin6;
        fourin6.next = 4;
        QTest::newRow("IPv4 in IPv6") << 101 << ipv6(v4, fourin6) << 4 << 40 << int(EncapIpInIp);
        V4 u;
        u.proto = 17;
        const auto udp = [](uint16_t dport, const Bytes& payload) {
            Bytes h(8, 0);
            put16(h, 0, 50000);
            put16(h, 2, dport);
            put16(h, 4, uint16_t(8 + payload.size()));
            return h + payload;
        };
        QTest::newRow("VXLAN") << 1 << eth(0x0800, ipv4(udp(4789, Bytes{0x08, 0, 0, 0, 0, 0, 1, 0} + eth(0x0800, v4)), u)) << 4 << 64 << int(EncapVxlan);
        QTest::newRow("Geneve with option") << 1 << eth(0x0800, ipv4(udp(6081, Bytes{0x01, 0, 0x65, 0x58, 0, 0, 1, 0, 0x01, 0x02, 0x03, 0x00} + eth(0x0800, v4)), u)) << 4 << 68 << int(EncapGeneve);
        QTest::newRow("Geneve IPv4") << 1 << eth(0x0800, ipv4(udp(6081, Bytes{0, 0, 0x08, 0x00, 0, 0, 1, 0} + v4), u)) << 4 << 50 << int(EncapGeneve);
        QTest::newRow("GRE in UDP") << 1 << eth(0x0800, ipv4(udp(4754, Bytes{0, 0, 0x08, 0x00} + v4), u)) << 4 << 46 << int(EncapGre);
        QTest::newRow("GTP-U") << 1 << eth(0x0800, ipv4(udp(2152, Bytes{0x30, 0xff, 0, 40, 0, 0, 0, 1} + v4), u)) << 4 << 50 << int(EncapGtpU);
        QTest::newRow("GTP-U with extension") << 1 << eth(0x0800, ipv4(udp(2152, Bytes{0x34, 0xff, 0, 48, 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0x10, 0x01, 0} + v4), u)) << 4 << 58 << int(EncapGtpU);
        QTest::newRow("AYIYA") << 1 << eth(0x0800, ipv4(udp(5072, Bytes{0x41, 0x52, 0x11, 41, 0, 0, 0, 0} + Bytes(16, 0) + Bytes(20, 0) + v6), u)) << 6 << 86 << int(EncapAyiya);
        QTest::newRow("Teredo") << 1 << eth(0x0800, ipv4(udp(3544, v6), u)) << 6 << 42 << int(EncapTeredo);
        QTest::newRow("Teredo, origin indication") << 1 << eth(0x0800, ipv4(udp(3544, Bytes{0, 0, 0xc3, 0x50, 1, 2, 3, 4} + v6), u)) << 6 << 50 << int(EncapTeredo);
        QTest::newRow("Teredo, authentication and origin") << 1 << eth(0x0800, ipv4(udp(3544, Bytes{0, 1, 2, 3} + Bytes(5, 7) + Bytes(9, 0) + Bytes{0, 0, 0xc3, 0x50, 1, 2, 3, 4} + v6), u)) << 6 << 68 << int(EncapTeredo);
        V4 ah;
        ah.proto = 51;
        QTest::newRow("AH tunnel") << 1 << eth(0x0800, ipv4(Bytes{4, 4, 0, 0} + Bytes(20, 0) + v4, ah)) << 4 << 58 << int(EncapIpInIp);
        V6 chain;
        chain.next = 0;
        QTest::newRow("IPv6 hop-by-hop, routing, dstopts, atomic fragment") << 1 << eth(0x86dd, ipv6(ext6(43) + ext6(60) + ext6(44) + frag6(6, 0, false) + basicSyn(), chain)) << 6 << 14 << 0;
        V6 ah6;
        ah6.next = 51;
        QTest::newRow("IPv6 AH") << 101 << ipv6(Bytes{6, 4, 0, 0} + Bytes(20, 0) + basicSyn(), ah6) << 6 << 0 << 0;
        QTest::newRow("IPv6 AH, destination options") << 101 << ipv6(Bytes{60, 4, 0, 0} + Bytes(20, 0) + ext6(6) + basicSyn(), ah6) << 6 << 0 << 0;
        QTest::newRow("IPv6 AH tunnel") << 1 << eth(0x86dd, ipv6(Bytes{41, 4, 0, 0} + Bytes(20, 0) + v6, ah6)) << 6 << 78 << int(EncapIpInIp);
    }

    void linkTypes()
    {
        QFETCH(int, linkType);
        QFETCH(Bytes, frame);
        const Result r = decodeFrame(linkType, frame);
        QVERIFY2(r.ok, "no record");
        QTEST(int(r.rec.fp.ip_version), "ipVersion");
        QTEST(int(r.rec.ip_offset), "ipOffset");
        QTEST(int(r.rec.encapsulation), "encap");
        QCOMPARE(r.rec.link_type, linkType);
        QVERIFY(Decoder::supportsLinkType(linkType));
        QCOMPARE(r.rec.fp.tcp_mss, 1460);
        QCOMPARE(QString::fromStdString(r.rec.fp.tcpOptions()), u"M1460,"_s);
        QCOMPARE(r.rec.src_port, 40000);
        QCOMPARE(r.rec.header_bytes, r.rec.fp.ip_version == 4 ? 44u : uint32_t(frame.size() - r.rec.ip_offset));
        QCOMPARE(r.stats.syn, 1u);
        QCOMPARE(r.stats.packets, 1u);
    }

    void unsupportedLinkType()
    {
        Decoder d;
        SynRecord rec;
        const Bytes frame = ipv4(basicSyn());
        for (int lt : {147, 147, 201}) {
            RawPacket pkt{0, uint32_t(frame.size()), uint32_t(frame.size()), lt, frame.data()};
            QVERIFY(!d.decode(pkt, rec));
        }
        QCOMPARE(d.stats().unsupported_link_types.size(), size_t(2));
        QCOMPARE(d.stats().unsupported_link_types.at(147), 2u);
        QCOMPARE(d.stats().unsupported_link_types.at(201), 1u);
        QCOMPARE(d.stats().unsupportedTotal(), 3u);
        QCOMPARE(d.stats().droppedTotal(), 0u);
        QVERIFY(!Decoder::supportsLinkType(147));
        QVERIFY(Decoder::supportsLinkType(276));
    }

    void ipv6Fields()
    {
        V6 v;
        v.hlim = 57;
        v.tclass = 0x2a;   // ECN bits 10
        v.flow = 0xabcde;
        const Result r = decodeFrame(101, ipv6(tcp({.ack = 5, .flags = TcpSyn | TcpAck, .options = {2, 4, 5, 0xa0}}), v));
        QVERIFY(r.ok);
        QCOMPARE(r.rec.kind, PacketKind::SynAck);
        QCOMPARE(r.rec.fp.ip_ttl, 57);
        QCOMPARE(r.rec.fp.ip_tos, 0x2a);
        QCOMPARE(r.rec.fp.ip_flow_label, 0xabcdeu);
        QCOMPARE(r.rec.fp.ip_total_length, 64);
        QCOMPARE(r.rec.fp.ip_header_length, 40);
        QCOMPARE(QString::fromStdString(formatAddress(r.rec.src, 6)), u"2001:db8::1"_s);
        QCOMPARE(QString::fromStdString(quirksString(r.rec.fp.quirks)), u"ecn,flow"_s);
        QCOMPARE(r.stats.syn_ack, 1u);
    }

    void quirks_data()
    {
        QTest::addColumn<Bytes>("frame");
        QTest::addColumn<QString>("quirks");
        const auto v4 = [](const Tcp& t, V4 v = {}) { return ipv4(tcp(t), v); };
        V4 nodfZero;
        nodfZero.df = false;
        nodfZero.id = 0;
        V4 dfZero;
        dfZero.id = 0;
        V4 evil;
        evil.reserved = true;
        evil.id = 0;
        V4 ect;
        ect.tos = 0x02;
        ect.id = 0;
        QTest::newRow("df, id+") << v4({}) << u"df,id+"_s;
        QTest::newRow("df, id 0") << v4({}, dfZero) << u"df"_s;
        QTest::newRow("id-") << v4({}, nodfZero) << u"id-"_s;
        QTest::newRow("0+") << v4({}, evil) << u"df,0+"_s;
        QTest::newRow("ecn from tos") << v4({}, ect) << u"df,ecn"_s;
        QTest::newRow("ecn from ECE+CWR") << v4({.flags = TcpSyn | TcpEce | TcpCwr}, dfZero) << u"df,ecn"_s;
        QTest::newRow("ecn from AE") << v4({.flags = TcpSyn | TcpAe}, dfZero) << u"df,ecn"_s;
        QTest::newRow("seq-") << v4({.seq = 0}, dfZero) << u"df,seq-"_s;
        QTest::newRow("ack+") << v4({.ack = 77}, dfZero) << u"df,ack+"_s;
        QTest::newRow("ack-") << v4({.ack = 0, .flags = TcpSyn | TcpAck}, dfZero) << u"df,ack-"_s;
        QTest::newRow("uptr+") << v4({.urp = 9}, dfZero) << u"df,uptr+"_s;
        QTest::newRow("urgf+") << v4({.flags = TcpSyn | TcpUrg, .urp = 9}, dfZero) << u"df,urgf+"_s;
        QTest::newRow("pushf+") << v4({.flags = TcpSyn | TcpPsh}, dfZero) << u"df,pushf+"_s;
        const Bytes tsEcho = {8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
        const Bytes tsZero = {8, 10, 0, 0, 0, 0, 0, 0, 0, 0};
        QTest::newRow("ts2+ on SYN") << v4({.options = tsEcho}, dfZero) << u"df,ts2+"_s;
        QTest::newRow("no ts2+ on SYN+ACK") << v4({.ack = 1, .flags = TcpSyn | TcpAck, .options = tsEcho}, dfZero) << u"df"_s;
        QTest::newRow("ts1-") << v4({.options = tsZero}, dfZero) << u"df,ts1-"_s;
        QTest::newRow("opt+") << v4({.options = {2, 4, 5, 0xb4, 0, 0, 7, 0}}, dfZero) << u"df,opt+"_s;
        QTest::newRow("exws") << v4({.options = {3, 3, 15, 0}}, dfZero) << u"df,exws"_s;
        QTest::newRow("bad: length overruns") << v4({.options = {2, 4, 5, 0xb4, 3, 9, 7, 0}}, dfZero) << u"df,bad"_s;
        QTest::newRow("bad: length below 2") << v4({.options = {1, 8, 1, 0}}, dfZero) << u"df,bad"_s;
        QTest::newRow("bad: wrong MSS length") << v4({.options = {2, 3, 5, 0}}, dfZero) << u"df,bad"_s;
        QTest::newRow("data") << v4({.payload = {'G', 'E', 'T'}}, dfZero) << u"df,data"_s;
        V6 fl;
        fl.flow = 1;
        QTest::newRow("flow") << ipv6(tcp({}), fl) << u"flow"_s;
        QTest::newRow("IPv6 no flow") << ipv6(tcp({})) << QString();
    }

    void quirks()
    {
        QFETCH(Bytes, frame);
        const Result r = decodeFrame(101, frame);
        QVERIFY(r.ok);
        QTEST(QString::fromStdString(quirksString(r.rec.fp.quirks)), "quirks");
        QCOMPARE(r.stats.bad_options, (r.rec.fp.quirks & QuirkBadOptions) ? 1u : 0u);
    }

    void options()
    {
        // EOL padding: every byte listed.
        Result r = decodeFrame(101, ipv4(tcp({.options = {2, 4, 5, 0xb4, 1, 3, 3, 6, 1, 1, 4, 2, 0, 0, 0, 0}})));
        QVERIFY(r.ok);
        QCOMPARE(QString::fromStdString(r.rec.fp.tcpOptions()), u"M1460,N,W6,N,N,S,E,E,E,E,"_s);
        QCOMPARE(r.rec.fp.quirks & QuirkOptionsPastEol, 0u);

        // Non-zero bytes after EOL are not options.
        r = decodeFrame(101, ipv4(tcp({.options = {0, 1, 8, 10}})));
        QCOMPARE(QString::fromStdString(r.rec.fp.optionKindList()), u"0"_s);

        // An overrunning option is listed, its value unused, the walk stops.
        r = decodeFrame(101, ipv4(tcp({.options = {1, 3, 9, 8, 2, 4, 5, 0xb4}})));
        QCOMPARE(QString::fromStdString(r.rec.fp.tcpOptions()), u"N,W,"_s);
        QCOMPARE(r.rec.fp.tcp_window_scaling, -1);
        QCOMPARE(r.rec.fp.tcp_mss, -1);
        QVERIFY(r.rec.fp.quirks & QuirkBadOptions);

        // Unknown kinds (MPTCP 30, TFO 34) and a repeated MSS: the first value counts.
        r = decodeFrame(101, ipv4(tcp({.options = {30, 4, 0, 0, 34, 2, 2, 4, 5, 0xb4, 2, 4, 2, 0}})));
        QCOMPARE(QString::fromStdString(r.rec.fp.tcpOptions()), u"K30,K34,M1460,M1460,E,E,"_s);   // the builder pads with zeros
        QCOMPARE(r.rec.fp.tcp_mss, 1460);

        // Captured length ends inside the timestamp option: listed, value unused, "bad".
        Bytes full = ipv4(tcp({.options = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0}}));
        full.resize(full.size() - 6);
        r = decodeFrame(101, full);
        QVERIFY(r.ok);
        QCOMPARE(QString::fromStdString(r.rec.fp.optionKindList()), u"2,4,8"_s);
        QVERIFY(!r.rec.fp.tcp_has_timestamp);
        QVERIFY(r.rec.fp.quirks & QuirkBadOptions);
        QCOMPARE(r.rec.fp.tcp_header_length, 36);
        QCOMPARE(r.rec.header_bytes, uint32_t(full.size()));
        QCOMPARE(r.stats.bad_options, 1u);
    }

    void fragments()
    {
        V4 first;
        first.mf = true;
        first.df = false;
        Result r = decodeFrame(101, ipv4(basicSyn(), first));
        QVERIFY(r.ok);
        QVERIFY(r.rec.fp.ip_mf);

        // First fragment whose TCP header continues in the next one: the options present count.
        Bytes partial = basicSyn();
        put16(partial, 12, uint16_t(10 << 12 | TcpSyn));
        r = decodeFrame(101, ipv4(partial, first));
        QVERIFY(r.ok);
        QCOMPARE(r.rec.fp.tcp_header_length, 40);
        QCOMPARE(r.rec.fp.tcp_mss, 1460);
        QVERIFY(r.rec.fp.quirks & QuirkBadOptions);

        V4 later;
        later.fragOffset = 3;
        r = decodeFrame(101, ipv4(basicSyn(), later));
        QVERIFY(!r.ok);
        QCOMPARE(r.stats.droppedFor(DropReason::NonFirstFragment), 1u);

        V6 f6;
        f6.next = 44;
        r = decodeFrame(101, ipv6(frag6(6, 0, true) + basicSyn(), f6));
        QVERIFY(r.ok);
        QVERIFY(r.rec.fp.ip_mf);
        r = decodeFrame(101, ipv6(frag6(6, 100, false) + basicSyn(), f6));
        QVERIFY(!r.ok);
        QCOMPARE(r.stats.droppedFor(DropReason::NonFirstFragment), 1u);
    }

    void notSyn()
    {
        // An ICMP error quoting a SYN is not a SYN on the wire.
        V4 icmp;
        icmp.proto = 1;
        Result r = decodeFrame(101, ipv4(Bytes{3, 3, 0, 0, 0, 0, 0, 0} + ipv4(basicSyn()), icmp));
        QVERIFY(!r.ok);
        QCOMPARE(r.stats.non_tcp, 1u);
        V6 icmp6;
        icmp6.next = 58;
        r = decodeFrame(101, ipv6(Bytes{1, 4, 0, 0, 0, 0, 0, 0} + ipv6(basicSyn()), icmp6));
        QVERIFY(!r.ok);
        QCOMPARE(r.stats.non_tcp, 1u);

        r = decodeFrame(101, ipv4(tcp({.ack = 1, .flags = TcpAck})));
        QVERIFY(!r.ok);
        QCOMPARE(r.stats.other_tcp, 1u);
        r = decodeFrame(1, eth(0x0806, Bytes(28, 0)));   // ARP
        QVERIFY(!r.ok);
        QCOMPARE(r.stats.non_tcp, 1u);
        QCOMPARE(r.stats.droppedTotal(), 0u);

        // SYN with RST and FIN still is a SYN record (kind Syn), flags kept.
        r = decodeFrame(101, ipv4(tcp({.flags = TcpSyn | TcpFin | TcpRst | 0x200})));
        QVERIFY(r.ok);
        QCOMPARE(r.rec.fp.tcp_flags, 0x207);
    }

    void malformed_data()
    {
        QTest::addColumn<int>("linkType");
        QTest::addColumn<Bytes>("frame");
        QTest::addColumn<int>("reason");
        const Bytes syn = basicSyn();
        QTest::newRow("short ethernet") << 1 << Bytes(10, 0) << int(DropReason::TruncatedLink);
        QTest::newRow("cut VLAN tag") << 1 << eth(0x8100, Bytes{0, 1}) << int(DropReason::TruncatedLink);
        QTest::newRow("cut PPPoE") << 1 << eth(0x8864, Bytes{0x11, 0}) << int(DropReason::TruncatedLink);
        QTest::newRow("MPLS without bottom") << 1 << eth(0x8847, Bytes{0, 0x10, 0x00, 64}) << int(DropReason::TruncatedLink);
        QTest::newRow("short SLL") << 113 << Bytes(15, 0) << int(DropReason::TruncatedLink);
        QTest::newRow("short NULL") << 0 << Bytes{2, 0} << int(DropReason::TruncatedLink);
        QTest::newRow("radiotap length below its header") << 127 << Bytes{0, 0, 4, 0, 0, 0, 0, 0} + Bytes(40, 0) << int(DropReason::TruncatedLink);
        QTest::newRow("802.11 header cut") << 105 << Bytes{0x88, 0x01, 0, 0} << int(DropReason::TruncatedLink);
        QTest::newRow("empty raw") << 101 << Bytes{} << int(DropReason::TruncatedIp);
        QTest::newRow("raw version 5") << 101 << Bytes{0x55, 0, 0, 20} << int(DropReason::BadIpVersion);
        QTest::newRow("ethertype v4, version 6") << 1 << eth(0x0800, ipv6(syn)) << int(DropReason::BadIpVersion);
        Bytes cut4 = ipv4(syn);
        cut4.resize(19);
        QTest::newRow("truncated IPv4") << 101 << cut4 << int(DropReason::TruncatedIp);
        V4 ihl;
        ihl.ihlOverride = 4;
        QTest::newRow("IHL 4") << 101 << ipv4(syn, ihl) << int(DropReason::BadIhl);
        V4 opts;
        opts.options = Bytes(20, 1);
        Bytes cutOpts = ipv4(syn, opts);
        cutOpts.resize(30);
        QTest::newRow("IPv4 options cut") << 101 << cutOpts << int(DropReason::TruncatedIp);
        V4 shortTotal;
        shortTotal.totalOverride = 16;
        QTest::newRow("total length below IHL") << 101 << ipv4(syn, shortTotal) << int(DropReason::BadIpLength);
        Bytes cut6 = ipv6(syn);
        cut6.resize(39);
        QTest::newRow("truncated IPv6") << 101 << cut6 << int(DropReason::TruncatedIp);
        V6 hbh;
        hbh.next = 0;
        Bytes cutExt = ipv6(ext6(6) + syn, hbh);
        cutExt.resize(44);
        QTest::newRow("IPv6 extension cut") << 101 << cutExt << int(DropReason::TruncatedIpv6Ext);
        V6 lying = hbh;
        lying.plenOverride = 4;
        QTest::newRow("IPv6 payload shorter than extension") << 101 << ipv6(ext6(6) + syn, lying) << int(DropReason::BadIpLength);
        Bytes cutTcp = ipv4(syn);
        cutTcp.resize(20 + 13);
        V4 shortTcp;
        shortTcp.totalOverride = 20 + 13;
        QTest::newRow("truncated TCP") << 101 << cutTcp << int(DropReason::TruncatedTcp);
        QTest::newRow("IP length ends inside TCP") << 101 << ipv4(syn, shortTcp) << int(DropReason::TruncatedTcp);
        QTest::newRow("data offset 4") << 101 << ipv4(tcp({.doff = 4})) << int(DropReason::BadDataOffset);
        V4 frag;
        frag.fragOffset = 1;
        QTest::newRow("non-first fragment") << 101 << ipv4(syn, frag) << int(DropReason::NonFirstFragment);
        V4 gre;
        gre.proto = 47;
        QTest::newRow("cut GRE") << 101 << ipv4(Bytes{0x30, 0, 0x08, 0x00, 0, 0}, gre) << int(DropReason::TruncatedTunnel);
        QTest::newRow("GRE version 3") << 101 << ipv4(Bytes{0, 3, 0x08, 0x00} + ipv4(syn), gre) << int(DropReason::BadTunnel);
        V4 udp;
        udp.proto = 17;
        QTest::newRow("cut VXLAN") << 101 << ipv4(Bytes{0xc3, 0x50, 0x12, 0xb5, 0, 12, 0, 0, 0x08, 0, 0, 0}, udp) << int(DropReason::TruncatedTunnel);
        QTest::newRow("Geneve options cut") << 101 << ipv4(Bytes{0xc3, 0x50, 0x17, 0xc1, 0, 16, 0, 0, 0x3f, 0, 0x65, 0x58, 0, 0, 0, 0}, udp) << int(DropReason::TruncatedTunnel);
        Bytes deep = ipv4(syn);
        V4 ipip;
        ipip.proto = 4;
        for (int i = 0; i < 20; ++i)
            deep = ipv4(deep, ipip);
        QTest::newRow("20 nested IPv4") << 101 << deep << int(DropReason::TooDeep);
    }

    void malformed()
    {
        QFETCH(int, linkType);
        QFETCH(Bytes, frame);
        QFETCH(int, reason);
        const Result r = decodeFrame(linkType, frame);
        QVERIFY(!r.ok);
        QCOMPARE(r.stats.droppedTotal(), 1u);
        QVERIFY2(r.stats.dropped[size_t(reason)] == 1,
                 qPrintable(u"expected drop '%1'"_s.arg(QLatin1String(dropReasonName(DropReason(reason))))));
        QCOMPARE(r.stats.non_tcp + r.stats.other_tcp + r.stats.syn + r.stats.syn_ack, 0u);
    }

    // Every prefix of valid tunnelled frames decodes without reading past the captured length
    // (the buffers are exactly sized: run under ASan) and is counted exactly once.
    void everyPrefixIsCounted()
    {
        V4 u;
        u.proto = 17;
        Bytes vx(8, 0);
        put16(vx, 2, 4789);
        const Bytes frames[] = {
            eth(0x88a8, vlanTag(0x8100) + vlanTag(0x8864) + Bytes{0x11, 0, 0, 1, 0, 0} + be16(0x0057)
                + ipv6(tcp({.options = seedOptions(7)}))),
            eth(0x0800, ipv4(vx + Bytes{0x08, 0, 0, 0, 0, 0, 1, 0} + eth(0x0800, ipv4(tcp({.options = seedOptions(8)}))), u)),
        };
        for (const Bytes& f : frames) {
            for (size_t n = 0; n <= f.size(); ++n) {
                const Result r = decodeFrame(1, Bytes(f.begin(), f.begin() + long(n)));
                const DecodeStats& s = r.stats;
                QCOMPARE(s.syn + s.syn_ack + s.other_tcp + s.non_tcp + s.droppedTotal(), 1u);
                if (r.ok)
                    QVERIFY(r.rec.ip_offset + r.rec.header_bytes <= n);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestDecoder)
#include "test_decoder.moc"
