// SPDX-License-Identifier: GPL-3.0-or-later
// The decoded TCP/IP fingerprint of one SYN or SYN+ACK, and the record that carries it with
// addresses, timestamps and encapsulation. Plain value types, no Qt: the decoder fills them on the
// hot path, the matcher and the GUI read them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace synscope {

// TCP option kinds with a letter in the option notation; any other kind is written K<kind>.
enum TcpOptionKind : uint8_t {
    OptEol = 0,       // E
    OptNop = 1,       // N
    OptMss = 2,       // M<mss>
    OptWscale = 3,    // W<shift>
    OptSackOk = 4,    // S
    OptTimestamp = 8, // T
};

// p0f-style quirks, one bit each. Names (quirkName) follow p0f where p0f has one.
enum Quirk : uint32_t {
    QuirkDf = 1u << 0,              // "df": IPv4 don't-fragment set
    QuirkIdPlus = 1u << 1,          // "id+": DF set but IP ID non-zero
    QuirkIdMinus = 1u << 2,         // "id-": DF clear but IP ID zero
    QuirkEcn = 1u << 3,             // "ecn": ECN bits in TOS/traffic class, or ECE/CWR/AE on the SYN
    QuirkZeroReserved = 1u << 4,    // "0+": IPv4 reserved ("evil") bit set
    QuirkFlowLabel = 1u << 5,       // "flow": IPv6 flow label non-zero
    QuirkSeqZero = 1u << 6,         // "seq-": sequence number zero
    QuirkAckNonZero = 1u << 7,      // "ack+": ACK number non-zero while the ACK flag is clear
    QuirkAckZero = 1u << 8,         // "ack-": ACK flag set but ACK number zero
    QuirkUrgNonZero = 1u << 9,      // "uptr+": urgent pointer non-zero while URG is clear
    QuirkUrgFlag = 1u << 10,        // "urgf+": URG flag set
    QuirkPushFlag = 1u << 11,       // "pushf+": PSH flag set
    QuirkTsEchoNonZero = 1u << 12,  // "ts2+": timestamp echo non-zero on a SYN
    QuirkTsValZero = 1u << 13,      // "ts1-": own timestamp zero
    QuirkOptionsPastEol = 1u << 14, // "opt+": non-zero bytes after EOL
    QuirkExcessiveWscale = 1u << 15, // "exws": window scale shift above 14
    QuirkBadOptions = 1u << 16,     // "bad": an option overruns the header or has a bad length
    QuirkPayload = 1u << 17,        // "data": SYN carries payload
    QuirkCount = 18
};

// The p0f-style token of one quirk bit ("df", "id+", ...); empty for an unknown bit.
std::string_view quirkName(Quirk q);
// The quirk bit a token names (the inverse of quirkName); 0 for an unknown token.
uint32_t quirkFromName(std::string_view name);
// All set quirks as a comma-separated list in bit order ("df,id+"); empty when none.
std::string quirksString(uint32_t quirks);
// The write* forms put the same text at `out`, which has room for the kMax*Text bytes given, and
// return its end: a report line is built in place, without a temporary string.
inline constexpr size_t kMaxQuirksText = 128;
char* writeQuirks(char* out, uint32_t quirks);

// TCP flag bits as they sit in the 12 bits below the data offset.
enum TcpFlag : uint16_t {
    TcpFin = 0x001, TcpSyn = 0x002, TcpRst = 0x004, TcpPsh = 0x008, TcpAck = 0x010,
    TcpUrg = 0x020, TcpEce = 0x040, TcpCwr = 0x080, TcpAe = 0x100,
};

struct Fingerprint {
    uint8_t ip_version = 4;
    uint8_t ip_ttl = 0;               // IPv4 TTL or IPv6 hop limit
    bool ip_df = false;
    bool ip_mf = false;               // IPv6: M flag of a fragment header in front of TCP
    uint16_t ip_total_length = 0;     // IPv4 total length; IPv6 payload length + 40
    uint16_t ip_id = 0;               // IPv4 only
    uint8_t ip_tos = 0;               // DS field / traffic class (DSCP + ECN)
    uint8_t ip_header_length = 0;     // IPv4 header bytes (> 20: options); IPv6: 40
    uint32_t ip_flow_label = 0;       // IPv6 only

    uint16_t tcp_window_size = 0;     // as sent, unscaled
    uint16_t tcp_flags = 0;           // 12 bits, see TcpFlag
    uint32_t tcp_seq = 0;
    uint32_t tcp_ack = 0;
    uint8_t tcp_header_length = 0;    // bytes (data offset * 4)
    uint16_t tcp_urp = 0;
    int32_t tcp_mss = -1;             // first MSS option value; -1 when absent or cut
    int16_t tcp_window_scaling = -1;  // shift as sent (may exceed 14); -1 when absent or cut
    bool tcp_sack_permitted = false;
    bool tcp_has_timestamp = false;
    uint32_t tcp_timestamp = 0;
    uint32_t tcp_timestamp_echo_reply = 0;
    uint16_t tcp_payload_length = 0;

    // Option kinds in wire order, every NOP and EOL byte included (like tshark's tcp.option_kind).
    uint8_t option_count = 0;
    std::array<uint8_t, 40> option_kinds{};

    uint32_t quirks = 0;              // Quirk bits

    bool isSynAck() const { return (tcp_flags & TcpAck) != 0; }
    // Seed notation: one token per option, comma-terminated: "M1460,S,T,N,W7,".
    std::string tcpOptions() const;
    static constexpr size_t kMaxTcpOptionsText = 40 * 7;   // "M65535," is the longest token
    char* writeTcpOptions(char* out) const;
    // One letter per option ("MSTNW"): the layout the classic profile compares as "same order".
    std::string optionLayout() const;
    // Ordered numeric kinds, comma-separated ("2,4,8,1,3"); empty when there are none.
    std::string optionKindList() const;

    // Fills option_kinds / tcp_mss / tcp_window_scaling / tcp_has_timestamp / tcp_sack_permitted
    // from the notation. Accepts the seed's letters and K<kind>; returns false on a bad token.
    bool setTcpOptions(std::string_view notation);
};

// How the packet reached its IP header (bit set), for the "encapsulation" column.
enum Encapsulation : uint16_t {
    EncapVlan = 1u << 0,
    EncapPppoe = 1u << 1,
    EncapMpls = 1u << 2,
    EncapGre = 1u << 3,
    EncapVxlan = 1u << 4,
    EncapGeneve = 1u << 5,
    EncapIpInIp = 1u << 6,   // IPv4/IPv6 carried directly in IP (4in4, 6in4, 4in6, 6in6)
    EncapErspan = 1u << 7,
    EncapLlcSnap = 1u << 8,
    EncapGtpU = 1u << 9,
    EncapAyiya = 1u << 10,
    EncapTeredo = 1u << 11,
};
// "vlan,gre"-style list of the set bits; empty when none.
std::string encapsulationString(uint16_t encap);
inline constexpr size_t kMaxEncapsulationText = 128;
char* writeEncapsulation(char* out, uint16_t encap);

enum class PacketKind : uint8_t { Syn, SynAck };

// Addresses are stored as 16 bytes; IPv4 addresses occupy the first four.
using IpAddress = std::array<uint8_t, 16>;
std::string formatAddress(const IpAddress& a, uint8_t ipVersion);
inline constexpr size_t kMaxAddressText = 39;   // eight groups of four hex digits and seven colons
char* writeAddress(char* out, const IpAddress& a, uint8_t ipVersion);

// Header fields a viewer can point at (the detail pane's field tree and hex view).
enum class HeaderField : uint8_t {
    IpVersion, IpTos, IpTotalLength, IpHeaderLength, IpId,
    IpFragment,        // IPv4 flags and fragment offset (DF, MF); IPv6 fragment header's offset and M
    IpTtl, IpFlowLabel,
    TcpSeq, TcpAck, TcpHeaderLength, TcpFlags, TcpWindow, TcpUrp, TcpOptions,
    OptMss, OptWscale, OptSack, OptTimestamp, OptTimestampValue, OptTimestampEcho,
};

struct ByteRange {
    int offset = 0;
    int length = 0;
    friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// Where the decoder found the header parts whose place varies, counted from the innermost IP
// header; the fixed fields follow from these and the IP version (decoder.h: headerFieldRange).
struct HeaderLayout {
    uint16_t tcp = 0;             // the TCP header
    uint16_t ipv6_fragment = 0;   // the IPv6 fragment extension header; 0 without one
    // The first well-formed option of each kind, from the TCP header; 0 when absent (options
    // start at byte 20).
    uint8_t mss = 0, wscale = 0, sack = 0, timestamp = 0;
};

struct SynRecord {
    uint64_t frame = 0;               // 1-based packet number in the source
    int64_t ts_ns = 0;                // capture time, ns since the epoch
    PacketKind kind = PacketKind::Syn;
    int link_type = 0;                // DLT/LINKTYPE of the frame
    uint16_t encapsulation = 0;       // Encapsulation bits
    IpAddress src{};
    IpAddress dst{};
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    // Where the innermost IP header starts in the frame and how many bytes of IP+TCP headers
    // follow it (within the captured length): lets a viewer highlight header fields.
    uint32_t ip_offset = 0;
    uint32_t header_bytes = 0;
    HeaderLayout layout;
    Fingerprint fp;
};

} // namespace synscope
