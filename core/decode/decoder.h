// SPDX-License-Identifier: GPL-3.0-or-later
// Link layer -> IP -> (tunnels) -> TCP. Every length is checked against the captured length;
// malformed frames are counted by reason and skipped. No heap allocation per packet.
#pragma once

#include "core/capture/packet_source.h"
#include "core/fingerprint/fingerprint.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>

namespace synscope {

// LINKTYPE_RAW: the frame is an IP packet. Stored header bytes (the GUI's rows) are decoded as such.
inline constexpr int kLinkTypeRaw = 101;

// Why a frame produced no record although it was (or claimed to be) IP. Frames that are simply
// not TCP, or TCP without SYN, are not drops: see DecodeStats::non_tcp / other_tcp.
enum class DropReason : uint8_t {
    TruncatedLink,         // frame shorter than its link-layer / VLAN / PPPoE / MPLS header
    TruncatedIp,           // IPv4 or IPv6 fixed header cut by the captured length
    BadIpVersion,          // version nibble does not match the protocol that announced it
    BadIhl,                // IPv4 header length below 20 bytes
    BadIpLength,           // IPv4 total length below the header length, IPv6 payload below its extension headers
    TruncatedIpv6Ext,      // IPv6 extension header cut by the captured length
    NonFirstFragment,      // IPv4/IPv6 fragment with a non-zero offset: no TCP header inside
    TruncatedTunnel,       // GRE / UDP / VXLAN / Geneve / ERSPAN header cut
    BadTunnel,             // tunnel header with an unsupported version or inconsistent length
    TooDeep,               // more nested encapsulations than the decoder follows
    TruncatedTcp,          // TCP header cut before the end of its fixed 20 bytes
    BadDataOffset,         // TCP data offset below 5 words, or beyond the IP payload
    Count
};
const char* dropReasonName(DropReason reason);

struct DecodeStats {
    uint64_t packets = 0;        // frames given to decode()
    uint64_t syn = 0;            // records of kind Syn
    uint64_t syn_ack = 0;        // records of kind SynAck
    uint64_t other_tcp = 0;      // well-formed TCP without SYN
    uint64_t non_tcp = 0;        // not IP, or IP carrying something other than TCP
    uint64_t bad_options = 0;    // records whose option list overran or had a bad length (QuirkBadOptions)
    std::array<uint64_t, static_cast<size_t>(DropReason::Count)> dropped{};
    std::map<int, uint64_t> unsupported_link_types;   // link type -> frames, never guessed

    uint64_t droppedTotal() const;
    uint64_t unsupportedTotal() const;
    uint64_t droppedFor(DropReason r) const { return dropped[static_cast<size_t>(r)]; }
};

// The bytes of `field` in the record's headers, from the innermost IP header; nullopt when the
// packet has no such field (an absent option, IPv4-only fields of IPv6) or it lies beyond the
// captured header bytes. What the decoder read, where it read it: no second parser.
std::optional<ByteRange> headerFieldRange(const SynRecord& record, HeaderField field);

// A TCP segment without SYN, as the flow stage needs it: who sent it, its flags and sequence
// numbers, and where its payload lies in the frame (within the captured bytes).
struct TcpSegment {
    int64_t ts_ns = 0;
    IpAddress src{};
    IpAddress dst{};
    uint8_t ip_version = 4;
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint16_t flags = 0;                // TcpFlag bits
    uint32_t seq = 0;
    uint32_t ack = 0;
    const uint8_t* payload = nullptr;  // into the frame: valid while the frame is
    uint32_t payload_captured = 0;     // payload bytes in the frame
    uint32_t payload_length = 0;       // payload bytes the IP length declares
};

class Decoder {
public:
    enum class Result : uint8_t { None, Record, Segment };
    // True when pkt holds a TCP SYN or SYN+ACK: out is then completely overwritten (out.frame is
    // the decoder's packet count, i.e. the frame number when every frame of a source is given).
    bool decode(const RawPacket& pkt, SynRecord& out);
    // The same, and a TCP segment without SYN fills `segment` (Result::Segment; still counted
    // as other_tcp) instead of being skipped.
    Result decode(const RawPacket& pkt, SynRecord& out, TcpSegment& segment);
    const DecodeStats& stats() const { return m_stats; }
    void resetStats() { m_stats = DecodeStats{}; }
    // Whether decode() understands this link type.
    static bool supportsLinkType(int linkType);

private:
    Result decode(const RawPacket& pkt, SynRecord& out, TcpSegment* segment);
    DecodeStats m_stats;
};

} // namespace synscope
