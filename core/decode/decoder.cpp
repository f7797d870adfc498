// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/decode/decoder.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <type_traits>

namespace synscope {

namespace {

// Link types (LINKTYPE_ values as stored in files; DLT_RAW has two historical numbers).
enum : int {
    LtNull = 0, LtEthernet = 1, LtPpp = 9, LtFddi = 10, LtRawBsd = 12, LtRawOpenBsd = 14,
    LtRaw = 101, LtIeee80211 = 105, LtLoop = 108, LtCHdlc = 104, LtLinuxSll = 113,
    LtIeee80211Radiotap = 127, LtArcnetLinux = 129, LtPpi = 192, LtIpv4 = 228, LtIpv6 = 229,
    LtNflog = 239, LtIpoib = 242, LtLinuxSll2 = 276,
};

constexpr int kMaxDepth = 16;   // nested link/tunnel headers followed before giving up

constexpr const char* kDropNames[] = {
    "truncated link-layer header",
    "truncated IP header",
    "bad IP version",
    "bad IPv4 header length (IHL)",
    "bad IP length",
    "truncated IPv6 extension header",
    "non-first fragment",
    "truncated tunnel header",
    "bad tunnel header",
    "too many nested encapsulations",
    "truncated TCP header",
    "bad TCP data offset",
};
static_assert(std::size(kDropNames) == static_cast<size_t>(DropReason::Count));

inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t be32(const uint8_t* p)
{
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[1] << 8 | p[0]); }
inline uint32_t le32(const uint8_t* p)
{
    return uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
}

enum class Outcome { Record, Segment, OtherTcp, NotTcp, Drop, Unsupported };

// The IP header that carries the current payload; overwritten by each inner IP header, so the
// TCP segment is described by the innermost one.
struct IpState {
    uint8_t version = 0;
    uint8_t ttl = 0;
    bool df = false;
    bool mf = false;
    bool reserved = false;
    uint8_t tos = 0;
    uint8_t header_length = 0;
    uint16_t total_length = 0;
    uint16_t id = 0;
    uint32_t flow = 0;
    uint32_t offset = 0;        // of the IP header in the frame
    uint32_t fragment = 0;      // of the IPv6 fragment header in the frame; 0 without one
    uint32_t declared_end = 0;  // where the IP length says the datagram ends (may exceed caplen)
    IpAddress src{};
    IpAddress dst{};
};

class Walker {
public:
    Walker(const RawPacket& pkt, SynRecord& out, DecodeStats& stats, TcpSegment* segment = nullptr)
        : m_b(pkt.data), m_caplen(pkt.caplen), m_pkt(pkt), m_out(out), m_stats(stats),
          m_segment(segment) {}

    Outcome run();
    DropReason reason() const { return m_reason; }

private:
    Outcome drop(DropReason r) { m_reason = r; return Outcome::Drop; }
    bool deeper() { return ++m_depth <= kMaxDepth; }

    Outcome ethernet(uint32_t off, uint32_t end);
    Outcome ethertype(uint16_t type, uint32_t off, uint32_t end);
    Outcome llc(uint32_t off, uint32_t end);
    Outcome ppp(uint32_t off, uint32_t end);
    Outcome wlan(uint32_t off, uint32_t end);
    Outcome ipByVersion(uint32_t off, uint32_t end);
    Outcome ipv4(uint32_t off, uint32_t end);
    Outcome ipv6(uint32_t off, uint32_t end);
    Outcome ipPayload(uint8_t proto, uint32_t off, uint32_t end);
    void finalDestination(const uint8_t* h, uint32_t ihl);
    Outcome udp(uint32_t off, uint32_t end);
    Outcome gre(uint32_t off, uint32_t end);
    Outcome tcp(uint32_t off, uint32_t end);
    Outcome segment(uint32_t off, uint32_t end, uint32_t thl, uint16_t flags);
    Outcome nullLoop(uint32_t end);
    Outcome nflog(uint32_t end);

    const uint8_t* m_b;
    uint32_t m_caplen;
    const RawPacket& m_pkt;
    SynRecord& m_out;
    DecodeStats& m_stats;
    TcpSegment* m_segment;
    IpState m_ip;
    uint16_t m_encap = 0;
    int m_depth = 0;
    DropReason m_reason = DropReason::Count;
};

Outcome Walker::run()
{
    const uint32_t end = m_caplen;
    switch (m_pkt.link_type) {
    case LtEthernet: return ethernet(0, end);
    case LtNull:
    case LtLoop: return nullLoop(end);
    case LtRawBsd:
    case LtRawOpenBsd:
    case LtRaw: return ipByVersion(0, end);
    case LtIpv4: return ipv4(0, end);
    case LtIpv6: return ipv6(0, end);
    case LtLinuxSll:
        if (end < 16)
            return drop(DropReason::TruncatedLink);
        return ethertype(be16(m_b + 14), 16, end);
    case LtLinuxSll2:
        if (end < 20)
            return drop(DropReason::TruncatedLink);
        return ethertype(be16(m_b), 20, end);
    case LtPpp: return ppp(0, end);
    case LtCHdlc:
        if (end < 4)
            return drop(DropReason::TruncatedLink);
        return ethertype(be16(m_b + 2), 4, end);
    case LtNflog: return nflog(end);
    case LtFddi:
        // frame control, destination, source; then 802.2 LLC
        if (end < 13)
            return drop(DropReason::TruncatedLink);
        return llc(13, end);
    case LtIpoib:
        // 40-byte pseudo-header (addresses), 2-byte ethertype, 2 reserved bytes
        if (end < 44)
            return drop(DropReason::TruncatedLink);
        return ethertype(be16(m_b + 40), 44, end);
    case LtArcnetLinux: {
        // source, destination, 2-byte offset, protocol ID; RFC 1201 adds split flag and sequence
        if (end < 5)
            return drop(DropReason::TruncatedLink);
        const uint8_t proto = m_b[4];
        if (proto == 240)   // IP, RFC 1051
            return ipv4(5, end);
        if (proto != 212)   // IP, RFC 1201
            return Outcome::NotTcp;
        if (end < 8)
            return drop(DropReason::TruncatedLink);
        const uint32_t off = m_b[5] == 0xff ? 12 : 8;   // 0xff: exception packet, 4 more bytes
        return ipv4(off, end);
    }
    case LtIeee80211: return wlan(0, end);
    case LtIeee80211Radiotap: {
        if (end < 8)
            return drop(DropReason::TruncatedLink);
        const uint32_t len = le16(m_b + 2);   // includes the 8-byte fixed part
        if (len < 8)
            return drop(DropReason::TruncatedLink);
        return wlan(len, end);
    }
    case LtPpi: {
        if (end < 8)
            return drop(DropReason::TruncatedLink);
        const uint32_t len = le16(m_b + 2);
        if (len < 8)
            return drop(DropReason::TruncatedLink);
        const uint32_t inner = le32(m_b + 4);
        if (inner == LtIeee80211)
            return wlan(len, end);
        if (inner == LtEthernet)
            return ethernet(len, end);
        return Outcome::NotTcp;
    }
    default:
        return Outcome::Unsupported;
    }
}

Outcome Walker::nullLoop(uint32_t end)
{
    if (end < 4)
        return drop(DropReason::TruncatedLink);
    // The address family is in the capturing host's byte order (NULL) or network order (LOOP);
    // families are small numbers, so the order is the one that gives a value below 65536.
    uint32_t af = le32(m_b);
    if (af > 0xffff)
        af = be32(m_b);
    switch (af) {
    case 2: return ipv4(4, end);
    case 24: case 28: case 30: return ipv6(4, end);   // AF_INET6 on NetBSD/OpenBSD, FreeBSD, macOS
    default: return Outcome::NotTcp;
    }
}

Outcome Walker::nflog(uint32_t end)
{
    // family, version, resource id; then TLVs (length and type in the capturing host's order,
    // little-endian in practice) padded to 4 bytes; NFULA_PAYLOAD (9) holds the IP packet.
    if (end < 4)
        return drop(DropReason::TruncatedLink);
    const uint8_t family = m_b[0];
    uint32_t off = 4;
    while (off + 4 <= end) {
        const uint32_t len = le16(m_b + off);
        const uint16_t type = le16(m_b + off + 2) & 0x7fff;
        if (len < 4)
            return drop(DropReason::TruncatedLink);
        if (type == 9) {
            const uint32_t payloadEnd = std::min(end, off + len);
            if (family == 2)
                return ipv4(off + 4, payloadEnd);
            if (family == 10)
                return ipv6(off + 4, payloadEnd);
            return Outcome::NotTcp;
        }
        off += (len + 3) & ~3u;
    }
    return Outcome::NotTcp;
}

Outcome Walker::ethernet(uint32_t off, uint32_t end)
{
    if (!deeper())
        return drop(DropReason::TooDeep);
    if (off + 14 > end)
        return drop(DropReason::TruncatedLink);
    const uint16_t type = be16(m_b + off + 12);
    if (type <= 1500)
        return llc(off + 14, end);
    return ethertype(type, off + 14, end);
}

// 802.2 LLC: only SNAP (AA AA 03, OUI, ethertype) can carry IP in practice.
Outcome Walker::llc(uint32_t off, uint32_t end)
{
    if (off + 3 > end)
        return drop(DropReason::TruncatedLink);
    if (m_b[off] != 0xaa || m_b[off + 1] != 0xaa || m_b[off + 2] != 0x03)
        return Outcome::NotTcp;
    if (off + 8 > end)
        return drop(DropReason::TruncatedLink);
    m_encap |= EncapLlcSnap;
    return ethertype(be16(m_b + off + 6), off + 8, end);
}

Outcome Walker::ethertype(uint16_t type, uint32_t off, uint32_t end)
{
    for (;;) {
        if (!deeper())
            return drop(DropReason::TooDeep);
        switch (type) {
        case 0x0800: return ipv4(off, end);
        case 0x86dd: return ipv6(off, end);
        case 0x8100: case 0x88a8: case 0x9100: case 0x9200: case 0x9300:   // 802.1Q, 802.1ad, QinQ
            if (off + 4 > end)
                return drop(DropReason::TruncatedLink);
            m_encap |= EncapVlan;
            type = be16(m_b + off + 2);
            off += 4;
            if (type <= 1500)
                return llc(off, end);
            continue;
        case 0x88e7:   // 802.1ah backbone: I-TAG, then the customer's Ethernet header
            if (off + 18 > end)
                return drop(DropReason::TruncatedLink);
            type = be16(m_b + off + 16);
            off += 18;
            continue;
        case 0x8926:   // VN-Tag
            if (off + 6 > end)
                return drop(DropReason::TruncatedLink);
            type = be16(m_b + off + 4);
            off += 6;
            continue;
        case 0x8903:   // Cisco FabricPath: FTAG/TTL, then the original Ethernet frame
            return ethernet(off + 2, end);
        case 0x6558:   // transparent Ethernet bridging (GRE, Geneve)
            return ethernet(off, end);
        case 0x8864:   // PPPoE session: ver/type, code, session id, length; then PPP
            if (off + 6 > end)
                return drop(DropReason::TruncatedLink);
            m_encap |= EncapPppoe;
            return ppp(off + 6, end);
        case 0x8847: case 0x8848: {   // MPLS: labels until bottom of stack, then IP by version
            m_encap |= EncapMpls;
            for (int labels = 0;; ++labels) {
                if (off + 4 > end)
                    return drop(DropReason::TruncatedLink);
                if (labels >= kMaxDepth)
                    return drop(DropReason::TooDeep);
                const bool bottom = m_b[off + 2] & 1;
                off += 4;
                if (bottom)
                    break;
            }
            if (off >= end)
                return drop(DropReason::TruncatedLink);
            const uint8_t nibble = m_b[off] >> 4;
            if (nibble == 4 || nibble == 6)
                return ipByVersion(off, end);
            return Outcome::NotTcp;
        }
        default:
            return Outcome::NotTcp;
        }
    }
}

Outcome Walker::ppp(uint32_t off, uint32_t end)
{
    if (off + 2 > end)
        return drop(DropReason::TruncatedLink);
    if (m_b[off] == 0xff && m_b[off + 1] == 0x03)   // HDLC address and control
        off += 2;
    if (off + 1 > end)
        return drop(DropReason::TruncatedLink);
    uint16_t proto;
    if (m_b[off] & 1) {   // protocol field compression: one byte
        proto = m_b[off];
        off += 1;
    } else {
        if (off + 2 > end)
            return drop(DropReason::TruncatedLink);
        proto = be16(m_b + off);
        off += 2;
    }
    if (proto == 0x0021)
        return ipv4(off, end);
    if (proto == 0x0057)
        return ipv6(off, end);
    return Outcome::NotTcp;
}

// 802.11 data frame, then LLC/SNAP. Protected (encrypted) and null-data frames carry no IP.
Outcome Walker::wlan(uint32_t off, uint32_t end)
{
    if (off + 24 > end)
        return drop(DropReason::TruncatedLink);
    const uint8_t fc = m_b[off];
    const uint8_t flags = m_b[off + 1];
    if (((fc >> 2) & 3) != 2 || (flags & 0x40) || (fc & 0x40))
        return Outcome::NotTcp;
    uint32_t hl = 24;
    if ((flags & 3) == 3)
        hl += 6;               // fourth address (WDS)
    if (fc & 0x80) {
        hl += 2;               // QoS control
        if (flags & 0x80)
            hl += 4;           // HT control
    }
    return llc(off + hl, end);
}

Outcome Walker::ipByVersion(uint32_t off, uint32_t end)
{
    if (off >= end)
        return drop(DropReason::TruncatedIp);
    switch (m_b[off] >> 4) {
    case 4: return ipv4(off, end);
    case 6: return ipv6(off, end);
    default: return drop(DropReason::BadIpVersion);
    }
}

Outcome Walker::ipv4(uint32_t off, uint32_t end)
{
    if (!deeper())
        return drop(DropReason::TooDeep);
    if (off + 20 > end)
        return drop(DropReason::TruncatedIp);
    const uint8_t* h = m_b + off;
    if ((h[0] >> 4) != 4)
        return drop(DropReason::BadIpVersion);
    const uint32_t ihl = (h[0] & 15u) * 4;
    if (ihl < 20)
        return drop(DropReason::BadIhl);
    const uint16_t total = be16(h + 2);
    if (total < ihl)
        return drop(DropReason::BadIpLength);
    if (off + ihl > end)
        return drop(DropReason::TruncatedIp);
    const uint16_t frag = be16(h + 6);
    if (frag & 0x1fff)
        return drop(DropReason::NonFirstFragment);

    m_ip = IpState{};
    m_ip.version = 4;
    m_ip.tos = h[1];
    m_ip.total_length = total;
    m_ip.id = be16(h + 4);
    m_ip.reserved = frag & 0x8000;
    m_ip.df = frag & 0x4000;
    m_ip.mf = frag & 0x2000;
    m_ip.ttl = h[8];
    m_ip.header_length = static_cast<uint8_t>(ihl);
    m_ip.offset = off;
    m_ip.declared_end = off + total;
    std::memcpy(m_ip.src.data(), h + 12, 4);
    std::memcpy(m_ip.dst.data(), h + 16, 4);
    if (ihl > 20)
        finalDestination(h, ihl);
    return ipPayload(h[9], off + ihl, std::min(end, m_ip.declared_end));
}

// With a loose or strict source route, the header's destination is only the next hop: the
// connection's peer is the route's last address (as tshark reports it).
void Walker::finalDestination(const uint8_t* h, uint32_t ihl)
{
    for (uint32_t p = 20; p < ihl;) {
        const uint8_t kind = h[p];
        if (kind == 0)
            return;
        if (kind == 1) {
            ++p;
            continue;
        }
        if (p + 2 > ihl)
            return;
        const uint32_t len = h[p + 1];
        if (len < 2 || p + len > ihl)
            return;
        if ((kind == 131 || kind == 137) && len >= 7 && (len - 3) % 4 == 0)
            std::memcpy(m_ip.dst.data(), h + p + len - 4, 4);
        p += len;
    }
}

Outcome Walker::ipv6(uint32_t off, uint32_t end)
{
    if (!deeper())
        return drop(DropReason::TooDeep);
    if (off + 40 > end)
        return drop(DropReason::TruncatedIp);
    const uint8_t* h = m_b + off;
    if ((h[0] >> 4) != 6)
        return drop(DropReason::BadIpVersion);
    const uint32_t vtf = be32(h);
    const uint16_t plen = be16(h + 4);

    m_ip = IpState{};
    m_ip.version = 6;
    m_ip.tos = static_cast<uint8_t>(vtf >> 20);
    m_ip.flow = vtf & 0xfffff;
    m_ip.ttl = h[7];
    m_ip.header_length = 40;
    m_ip.total_length = static_cast<uint16_t>(std::min<uint32_t>(plen + 40u, 0xffff));
    m_ip.offset = off;
    // Payload length 0 means a jumbogram (or an offloaded segment): the frame decides.
    m_ip.declared_end = plen ? off + 40 + plen : end;
    std::memcpy(m_ip.src.data(), h + 8, 16);
    std::memcpy(m_ip.dst.data(), h + 24, 16);

    const uint32_t limit = std::min(end, m_ip.declared_end);
    // An extension header that would end at `at`, beyond `limit`: past the payload length the
    // datagram is malformed, short of it the capture was cut.
    const auto overrun = [&](uint32_t at) {
        return drop(at > m_ip.declared_end ? DropReason::BadIpLength : DropReason::TruncatedIpv6Ext);
    };
    uint8_t next = h[6];
    uint32_t p = off + 40;
    for (int n = 0;; ++n) {
        if (n >= kMaxDepth)
            return drop(DropReason::TooDeep);
        if (next == 0 || next == 43 || next == 60 || next == 51) {
            // hop-by-hop, routing, destination options (8-byte units); AH (4-byte units, minus 2)
            if (p + 2 > limit)
                return overrun(p + 2);
            const uint32_t len = next == 51 ? (m_b[p + 1] + 2u) * 4 : (m_b[p + 1] + 1u) * 8;
            if (p + len > limit)
                return overrun(p + len);
            next = m_b[p];
            p += len;
        } else if (next == 44) {   // fragment
            if (p + 8 > limit)
                return overrun(p + 8);
            const uint16_t fo = be16(m_b + p + 2);
            if (fo >> 3)
                return drop(DropReason::NonFirstFragment);
            m_ip.mf = fo & 1;
            m_ip.fragment = p;
            next = m_b[p];
            p += 8;
        } else {
            break;
        }
    }
    return ipPayload(next, p, limit);
}

Outcome Walker::ipPayload(uint8_t proto, uint32_t off, uint32_t end)
{
    switch (proto) {
    case 6: return tcp(off, end);
    case 4:
        m_encap |= EncapIpInIp;
        return ipv4(off, end);
    case 41:
        m_encap |= EncapIpInIp;
        return ipv6(off, end);
    case 47: return gre(off, end);
    case 17: return udp(off, end);
    case 51: {   // AH: next header, length in 4-byte words minus 2
        if (!deeper())
            return drop(DropReason::TooDeep);
        if (off + 2 > end)
            return drop(DropReason::TruncatedTunnel);
        const uint32_t len = (m_b[off + 1] + 2u) * 4;
        if (off + len > end)
            return drop(DropReason::TruncatedTunnel);
        return ipPayload(m_b[off], off + len, end);
    }
    default: return Outcome::NotTcp;
    }
}

Outcome Walker::udp(uint32_t off, uint32_t end)
{
    if (off + 8 > end)
        return Outcome::NotTcp;   // too short to tell a tunnel from any other UDP
    const uint16_t sport = be16(m_b + off);
    const uint16_t dport = be16(m_b + off + 2);
    const auto port = [&](uint16_t p) { return sport == p || dport == p; };
    const uint32_t o = off + 8;
    if (port(4789)) {   // VXLAN: flags, reserved, VNI; then Ethernet
        if (o + 8 > end)
            return drop(DropReason::TruncatedTunnel);
        if (!(m_b[o] & 0x08))
            return drop(DropReason::BadTunnel);
        m_encap |= EncapVxlan;
        return ethernet(o + 8, end);
    }
    if (port(6081)) {   // Geneve: version, option length, protocol type, VNI, options
        if (o + 8 > end)
            return drop(DropReason::TruncatedTunnel);
        if (m_b[o] >> 6)
            return drop(DropReason::BadTunnel);
        const uint32_t hl = 8 + (m_b[o] & 0x3fu) * 4;
        if (o + hl > end)
            return drop(DropReason::TruncatedTunnel);
        m_encap |= EncapGeneve;
        return ethertype(be16(m_b + o + 2), o + hl, end);
    }
    if (port(4754))     // GRE in UDP (RFC 8086)
        return gre(o, end);
    if (dport == 2152 || sport == 2152) {   // GTP-U
        if (o + 8 > end)
            return drop(DropReason::TruncatedTunnel);
        const uint8_t flags = m_b[o];
        if ((flags >> 5) != 1 || !(flags & 0x10))
            return drop(DropReason::BadTunnel);
        if (m_b[o + 1] != 0xff)   // only G-PDU carries user packets
            return Outcome::NotTcp;
        uint32_t p = o + 8;
        if (flags & 7) {   // sequence / N-PDU / extension fields present
            if (p + 4 > end)
                return drop(DropReason::TruncatedTunnel);
            uint8_t nextExt = (flags & 4) ? m_b[p + 3] : 0;
            p += 4;
            for (int n = 0; nextExt; ++n) {
                if (n >= kMaxDepth)
                    return drop(DropReason::TooDeep);
                if (p + 1 > end)
                    return drop(DropReason::TruncatedTunnel);
                const uint32_t len = m_b[p] * 4u;
                if (len == 0)
                    return drop(DropReason::BadTunnel);
                if (p + len > end)
                    return drop(DropReason::TruncatedTunnel);
                nextExt = m_b[p + len - 1];
                p += len;
            }
        }
        m_encap |= EncapGtpU;
        return ipByVersion(p, end);
    }
    if (port(5072)) {   // AYIYA: ID and signature lengths in the first two bytes
        if (o + 8 > end)
            return drop(DropReason::TruncatedTunnel);
        const uint32_t hl = 8 + (1u << (m_b[o] >> 4)) + (m_b[o + 1] >> 4) * 4u;
        if (o + hl > end)
            return drop(DropReason::TruncatedTunnel);
        if ((m_b[o + 2] & 15) != 1)   // opcode 1: forward
            return Outcome::NotTcp;
        if (m_b[o + 3] != 41 && m_b[o + 3] != 4)
            return Outcome::NotTcp;
        m_encap |= EncapAyiya;
        return m_b[o + 3] == 41 ? ipv6(o + hl, end) : ipv4(o + hl, end);
    }
    if (port(3544)) {   // Teredo (RFC 4380): optional authentication and origin indicators, then IPv6
        uint32_t p = o;
        if (p + 4 <= end && be16(m_b + p) == 0x0001)   // ID and AU lengths, values, nonce, confirmation
            p += 4 + m_b[p + 2] + m_b[p + 3] + 9;
        if (p + 2 <= end && be16(m_b + p) == 0x0000)   // origin port and address
            p += 8;
        if (p >= end || (m_b[p] >> 4) != 6)
            return Outcome::NotTcp;   // not IPv6: Teredo's qualification traffic or another protocol
        m_encap |= EncapTeredo;
        return ipv6(p, end);
    }
    return Outcome::NotTcp;
}

Outcome Walker::gre(uint32_t off, uint32_t end)
{
    if (!deeper())
        return drop(DropReason::TooDeep);
    if (off + 4 > end)
        return drop(DropReason::TruncatedTunnel);
    const uint16_t flags = be16(m_b + off);
    const uint16_t proto = be16(m_b + off + 2);
    const unsigned version = flags & 7;
    uint32_t hl = 4;
    if (version == 0) {
        if (flags & 0x4000)   // routing present (RFC 1701 source routes): not followed
            return drop(DropReason::BadTunnel);
        if (flags & 0x8000) hl += 4;   // checksum + reserved
        if (flags & 0x2000) hl += 4;   // key
        if (flags & 0x1000) hl += 4;   // sequence
    } else if (version == 1) {         // enhanced GRE (PPTP): key always, sequence, ack
        hl += 4;
        if (flags & 0x1000) hl += 4;
        if (flags & 0x0080) hl += 4;
    } else {
        return drop(DropReason::BadTunnel);
    }
    if (off + hl > end)
        return drop(DropReason::TruncatedTunnel);
    m_encap |= EncapGre;
    const uint32_t p = off + hl;
    if (version == 1)
        return proto == 0x880b ? ppp(p, end) : Outcome::NotTcp;
    switch (proto) {
    case 0x88be:   // ERSPAN type II (sequence bit set) has an 8-byte header; type I has none
        m_encap |= EncapErspan;
        if (!(flags & 0x1000))
            return ethernet(p, end);
        if (p + 8 > end)
            return drop(DropReason::TruncatedTunnel);
        return ethernet(p + 8, end);
    case 0x22eb: {  // ERSPAN type III: 12 bytes, 8 more with the platform sub-header (O bit)
        m_encap |= EncapErspan;
        if (p + 12 > end)
            return drop(DropReason::TruncatedTunnel);
        const uint32_t hl3 = (m_b[p + 11] & 1) ? 20 : 12;
        if (p + hl3 > end)
            return drop(DropReason::TruncatedTunnel);
        return ethernet(p + hl3, end);
    }
    default:
        // Aruba access points tunnel 802.11 frames with protocol types 0x8200-0x83ff.
        if (proto >= 0x8200 && proto <= 0x83ff)
            return wlan(p, end);
        return ethertype(proto, p, end);
    }
}

Outcome Walker::tcp(uint32_t off, uint32_t end)
{
    // end is the smaller of the captured length and the IP datagram's end.
    if (off + 20 > end)
        return drop(DropReason::TruncatedTcp);
    const uint8_t* t = m_b + off;
    const uint16_t flags = be16(t + 12) & 0x0fff;
    const uint32_t thl = (t[12] >> 4) * 4u;
    if (!(flags & TcpSyn))
        return m_segment ? segment(off, end, thl, flags) : Outcome::OtherTcp;
    if (thl < 20)
        return drop(DropReason::BadDataOffset);
    // A header longer than the IP payload is bogus unless the datagram is a first fragment (the
    // rest of the header is in the next fragment): then the options we have are still read.
    const bool overrunsIp = off + thl > m_ip.declared_end;

    // Default-initialising in place runs the member initialisers as plain stores; assigning a
    // SynRecord{} temporary compiled to a rep stos that cost a third of the decode time.
    static_assert(std::is_trivially_destructible_v<SynRecord>);
    ::new (static_cast<void*>(&m_out)) SynRecord;
    SynRecord& r = m_out;
    Fingerprint& fp = r.fp;
    r.ts_ns = m_pkt.ts_ns;
    r.link_type = m_pkt.link_type;
    r.encapsulation = m_encap;
    r.kind = (flags & TcpAck) ? PacketKind::SynAck : PacketKind::Syn;
    r.src = m_ip.src;
    r.dst = m_ip.dst;
    r.src_port = be16(t);
    r.dst_port = be16(t + 2);
    r.ip_offset = m_ip.offset;
    r.header_bytes = std::min(off + thl, end) - m_ip.offset;
    r.layout.tcp = static_cast<uint16_t>(off - m_ip.offset);
    if (m_ip.fragment)
        r.layout.ipv6_fragment = static_cast<uint16_t>(m_ip.fragment - m_ip.offset);
    // Where an option sits in the TCP header (< 60, so it fits a byte).
    const auto at = [off](uint32_t p) { return static_cast<uint8_t>(p - off); };

    fp.ip_version = m_ip.version;
    fp.ip_ttl = m_ip.ttl;
    fp.ip_df = m_ip.df;
    fp.ip_mf = m_ip.mf;
    fp.ip_total_length = m_ip.total_length;
    fp.ip_id = m_ip.id;
    fp.ip_tos = m_ip.tos;
    fp.ip_header_length = m_ip.header_length;
    fp.ip_flow_label = m_ip.flow;

    fp.tcp_seq = be32(t + 4);
    fp.tcp_ack = be32(t + 8);
    fp.tcp_header_length = static_cast<uint8_t>(thl);
    fp.tcp_flags = flags;
    fp.tcp_window_size = be16(t + 14);
    fp.tcp_urp = be16(t + 18);
    fp.tcp_payload_length = overrunsIp ? 0 : static_cast<uint16_t>(m_ip.declared_end - off - thl);

    uint32_t q = 0;
    // Options: bounded by the header length and by what was captured. A cut or overrunning option
    // is listed by kind but its value is not used.
    const uint32_t oend = overrunsIp && !m_ip.mf ? off + 20 : std::min(off + thl, end);
    bool bad = off + thl > end;
    for (uint32_t p = off + 20; p < oend;) {
        const uint8_t kind = m_b[p];
        fp.option_kinds[fp.option_count++] = kind;
        if (kind == OptNop) {
            ++p;
            continue;
        }
        if (kind == OptEol) {
            // Zero padding after EOL is listed byte by byte; anything non-zero after it is not
            // an option (p0f's "opt+") and ends the list there.
            const uint8_t* rest = m_b + p + 1;
            const uint8_t* restEnd = m_b + oend;
            if (std::any_of(rest, restEnd, [](uint8_t c) { return c != 0; })) {
                q |= QuirkOptionsPastEol;
                break;
            }
            for (; rest != restEnd; ++rest)
                fp.option_kinds[fp.option_count++] = OptEol;
            break;
        }
        if (p + 2 > oend) {
            bad = true;
            break;
        }
        const uint32_t len = m_b[p + 1];
        if (len < 2 || p + len > oend) {
            bad = true;
            break;
        }
        const uint8_t* v = m_b + p + 2;
        switch (kind) {
        case OptMss:
            if (len != 4)
                bad = true;
            else if (fp.tcp_mss < 0)
                fp.tcp_mss = be16(v), r.layout.mss = at(p);
            break;
        case OptWscale:
            if (len != 3)
                bad = true;
            else if (fp.tcp_window_scaling < 0)
                fp.tcp_window_scaling = v[0], r.layout.wscale = at(p);
            break;
        case OptSackOk:
            if (len != 2)
                bad = true;
            else if (!fp.tcp_sack_permitted)
                fp.tcp_sack_permitted = true, r.layout.sack = at(p);
            break;
        case OptTimestamp:
            if (len != 10) {
                bad = true;
            } else if (!fp.tcp_has_timestamp) {
                fp.tcp_has_timestamp = true;
                r.layout.timestamp = at(p);
                fp.tcp_timestamp = be32(v);
                fp.tcp_timestamp_echo_reply = be32(v + 4);
            }
            break;
        default:
            break;
        }
        p += len;
    }

    if (fp.ip_version == 4) {
        if (fp.ip_df) {
            q |= QuirkDf;
            if (fp.ip_id)
                q |= QuirkIdPlus;
        } else if (!fp.ip_id) {
            q |= QuirkIdMinus;
        }
        if (m_ip.reserved)
            q |= QuirkZeroReserved;
    } else if (fp.ip_flow_label) {
        q |= QuirkFlowLabel;
    }
    if ((fp.ip_tos & 3) || (flags & (TcpEce | TcpCwr | TcpAe)))
        q |= QuirkEcn;
    if (!fp.tcp_seq)
        q |= QuirkSeqZero;
    if (flags & TcpAck) {
        if (!fp.tcp_ack)
            q |= QuirkAckZero;
    } else if (fp.tcp_ack) {
        q |= QuirkAckNonZero;
    }
    if (flags & TcpUrg)
        q |= QuirkUrgFlag;
    else if (fp.tcp_urp)
        q |= QuirkUrgNonZero;
    if (flags & TcpPsh)
        q |= QuirkPushFlag;
    if (fp.tcp_has_timestamp) {
        if (!fp.tcp_timestamp)
            q |= QuirkTsValZero;
        if (fp.tcp_timestamp_echo_reply && !(flags & TcpAck))
            q |= QuirkTsEchoNonZero;
    }
    if (fp.tcp_window_scaling > 14)
        q |= QuirkExcessiveWscale;
    if (bad) {
        q |= QuirkBadOptions;
        ++m_stats.bad_options;
    }
    if (fp.tcp_payload_length)
        q |= QuirkPayload;
    fp.quirks = q;
    return Outcome::Record;
}

Outcome Walker::segment(uint32_t off, uint32_t end, uint32_t thl, uint16_t flags)
{
    // A bad data offset in a segment the fingerprint does not need is not worth a drop counter
    // of its own: it is other TCP without payload.
    TcpSegment& s = *m_segment;
    const uint8_t* t = m_b + off;
    s.ts_ns = m_pkt.ts_ns;
    s.src = m_ip.src;
    s.dst = m_ip.dst;
    s.ip_version = m_ip.version;
    s.src_port = be16(t);
    s.dst_port = be16(t + 2);
    s.flags = flags;
    s.seq = be32(t + 4);
    s.ack = be32(t + 8);
    s.payload = nullptr;
    s.payload_captured = s.payload_length = 0;
    if (thl >= 20 && off + thl <= m_ip.declared_end && !m_ip.mf) {
        s.payload = m_b + off + thl;
        s.payload_length = m_ip.declared_end - off - thl;
        s.payload_captured = end > off + thl ? std::min(end - off - thl, s.payload_length) : 0;
    }
    return Outcome::Segment;
}

} // namespace

const char* dropReasonName(DropReason reason)
{
    const auto i = static_cast<size_t>(reason);
    return i < std::size(kDropNames) ? kDropNames[i] : "unknown";
}

uint64_t DecodeStats::droppedTotal() const
{
    uint64_t n = 0;
    for (uint64_t d : dropped)
        n += d;
    return n;
}

uint64_t DecodeStats::unsupportedTotal() const
{
    uint64_t n = 0;
    for (const auto& [type, count] : unsupported_link_types)
        n += count;
    return n;
}

bool Decoder::supportsLinkType(int linkType)
{
    // Exactly the link types run() dispatches on: every one of them bounds-checks before reading,
    // so an empty frame is a drop there and only an unknown type is Unsupported.
    const RawPacket empty{0, 0, 0, linkType, nullptr};
    SynRecord unused;
    DecodeStats scratch;
    return Walker(empty, unused, scratch).run() != Outcome::Unsupported;
}

bool Decoder::decode(const RawPacket& pkt, SynRecord& out)
{
    return decode(pkt, out, nullptr) == Result::Record;
}

Decoder::Result Decoder::decode(const RawPacket& pkt, SynRecord& out, TcpSegment& segment)
{
    return decode(pkt, out, &segment);
}

Decoder::Result Decoder::decode(const RawPacket& pkt, SynRecord& out, TcpSegment* segment)
{
    ++m_stats.packets;
    if (!pkt.data && pkt.caplen) {
        ++m_stats.dropped[static_cast<size_t>(DropReason::TruncatedLink)];
        return Result::None;
    }
    Walker w(pkt, out, m_stats, segment);
    switch (w.run()) {
    case Outcome::Record:
        out.frame = m_stats.packets;
        if (out.kind == PacketKind::Syn)
            ++m_stats.syn;
        else
            ++m_stats.syn_ack;
        return Result::Record;
    case Outcome::Segment: ++m_stats.other_tcp; return Result::Segment;
    case Outcome::OtherTcp: ++m_stats.other_tcp; return Result::None;
    case Outcome::NotTcp: ++m_stats.non_tcp; return Result::None;
    case Outcome::Drop: ++m_stats.dropped[static_cast<size_t>(w.reason())]; return Result::None;
    case Outcome::Unsupported: ++m_stats.unsupported_link_types[pkt.link_type]; return Result::None;
    }
    return Result::None;
}

std::optional<ByteRange> headerFieldRange(const SynRecord& r, HeaderField field)
{
    const bool v4 = r.fp.ip_version == 4;
    const int tcp = r.layout.tcp;
    const auto option = [&](uint8_t at, int skip, int length) -> std::optional<ByteRange> {
        if (!at)
            return std::nullopt;
        return ByteRange{tcp + at + skip, length};
    };
    std::optional<ByteRange> out;
    switch (field) {
    case HeaderField::IpVersion: out = ByteRange{0, 1}; break;
    case HeaderField::IpTos: out = v4 ? ByteRange{1, 1} : ByteRange{0, 2}; break;
    case HeaderField::IpTotalLength: out = ByteRange{v4 ? 2 : 4, 2}; break;
    case HeaderField::IpHeaderLength: out = v4 ? ByteRange{0, 1} : ByteRange{0, tcp}; break;
    case HeaderField::IpId:
        if (v4)
            out = ByteRange{4, 2};
        break;
    case HeaderField::IpFragment:
        if (v4)
            out = ByteRange{6, 2};
        else if (r.layout.ipv6_fragment)
            out = ByteRange{r.layout.ipv6_fragment + 2, 2};
        break;
    case HeaderField::IpTtl: out = ByteRange{v4 ? 8 : 7, 1}; break;
    case HeaderField::IpFlowLabel:
        if (!v4)
            out = ByteRange{1, 3};
        break;
    case HeaderField::TcpSeq: out = ByteRange{tcp + 4, 4}; break;
    case HeaderField::TcpAck: out = ByteRange{tcp + 8, 4}; break;
    case HeaderField::TcpHeaderLength: out = ByteRange{tcp + 12, 1}; break;
    case HeaderField::TcpFlags: out = ByteRange{tcp + 12, 2}; break;
    case HeaderField::TcpWindow: out = ByteRange{tcp + 14, 2}; break;
    case HeaderField::TcpUrp: out = ByteRange{tcp + 18, 2}; break;
    case HeaderField::TcpOptions:
        if (r.fp.tcp_header_length > 20)
            out = ByteRange{tcp + 20, r.fp.tcp_header_length - 20};
        break;
    case HeaderField::OptMss: out = option(r.layout.mss, 0, 4); break;
    case HeaderField::OptWscale: out = option(r.layout.wscale, 0, 3); break;
    case HeaderField::OptSack: out = option(r.layout.sack, 0, 2); break;
    case HeaderField::OptTimestamp: out = option(r.layout.timestamp, 0, 10); break;
    case HeaderField::OptTimestampValue: out = option(r.layout.timestamp, 2, 4); break;
    case HeaderField::OptTimestampEcho: out = option(r.layout.timestamp, 6, 4); break;
    }
    if (out && (out->length <= 0 || uint64_t(out->offset) + uint64_t(out->length) > r.header_bytes))
        return std::nullopt;
    return out;
}

} // namespace synscope
