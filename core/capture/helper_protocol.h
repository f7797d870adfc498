// SPDX-License-Identifier: GPL-3.0-or-later
// The framing synscope-capture writes on stderr and the GUI parses, modelled on Wireshark's
// sync_pipe: 1 byte kind, 3 bytes big-endian payload length, payload. Plain C++ (no Qt): the
// capture helper includes it too. The pcap stream itself goes to stdout, unframed.
//
//   'S' started      payload: "<linktype> <interface>"         once, after the filter is applied
//   'E' error        payload: human sentence                    helper exits non-zero
//   'F' bad filter   payload: libpcap's compile message         helper exits with kExitBadFilter
//   'P' permission   payload: human sentence (the GUI adds the grant command)  exits kExitPermission
//   'D' drops        payload: "<received> <dropped> <ifdropped>" pcap_stats, ~1 s and at the end
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace synscope::helper {

enum class MessageKind : char {
    Started = 'S',
    Error = 'E',
    BadFilter = 'F',
    PermissionDenied = 'P',
    Drops = 'D',
};

inline constexpr size_t kHeaderSize = 4;
inline constexpr size_t kMaxPayload = 0xFFFFFF;

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitError = 2;
inline constexpr int kExitPermission = 3;
inline constexpr int kExitBadFilter = 4;

inline bool isKnownKind(char c)
{
    switch (static_cast<MessageKind>(c)) {
    case MessageKind::Started:
    case MessageKind::Error:
    case MessageKind::BadFilter:
    case MessageKind::PermissionDenied:
    case MessageKind::Drops:
        return true;
    }
    return false;
}

// One framed message; payloads longer than kMaxPayload are cut.
inline std::string encodeMessage(MessageKind kind, std::string_view payload)
{
    if (payload.size() > kMaxPayload)
        payload = payload.substr(0, kMaxPayload);
    const size_t n = payload.size();
    std::string out;
    out.reserve(kHeaderSize + n);
    out.push_back(static_cast<char>(kind));
    out.push_back(static_cast<char>((n >> 16) & 0xFF));
    out.push_back(static_cast<char>((n >> 8) & 0xFF));
    out.push_back(static_cast<char>(n & 0xFF));
    out.append(payload);
    return out;
}

struct DropCounts {
    uint64_t received = 0;
    uint64_t dropped = 0;
    uint64_t ifDropped = 0;
};

inline std::string encodeDrops(const DropCounts& d)
{
    return std::to_string(d.received) + ' ' + std::to_string(d.dropped) + ' '
        + std::to_string(d.ifDropped);
}

// Parses "<received> <dropped> <ifdropped>"; false on anything else.
inline bool decodeDrops(std::string_view text, DropCounts* out)
{
    uint64_t values[3] = {0, 0, 0};
    size_t pos = 0;
    for (int i = 0; i < 3; ++i) {
        if (i > 0) {
            if (pos >= text.size() || text[pos] != ' ')
                return false;
            ++pos;
        }
        const size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            const uint64_t digit = static_cast<uint64_t>(text[pos] - '0');
            if (values[i] > (UINT64_MAX - digit) / 10)
                return false;
            values[i] = values[i] * 10 + digit;
            ++pos;
        }
        if (pos == start)
            return false;
    }
    if (pos != text.size())
        return false;
    *out = DropCounts{values[0], values[1], values[2]};
    return true;
}

// Incremental parser for a byte stream of framed messages (bytes arrive in arbitrary pieces).
class FrameParser {
public:
    void feed(const char* data, size_t size) { m_buffer.append(data, size); }

    // Extracts the next complete message. Returns false when more bytes are needed, or when the
    // stream is corrupt (an unknown kind byte): corrupt() then stays true and nothing more parses.
    bool next(MessageKind* kind, std::string* payload)
    {
        if (m_corrupt || m_buffer.size() - m_pos < kHeaderSize)
            return false;
        const char k = m_buffer[m_pos];
        if (!isKnownKind(k)) {
            m_corrupt = true;
            return false;
        }
        const auto* p = reinterpret_cast<const unsigned char*>(m_buffer.data() + m_pos);
        const size_t n = (size_t(p[1]) << 16) | (size_t(p[2]) << 8) | size_t(p[3]);
        if (m_buffer.size() - m_pos < kHeaderSize + n)
            return false;
        *kind = static_cast<MessageKind>(k);
        payload->assign(m_buffer, m_pos + kHeaderSize, n);
        m_pos += kHeaderSize + n;
        if (m_pos == m_buffer.size()) {
            m_buffer.clear();
            m_pos = 0;
        }
        return true;
    }

    bool corrupt() const { return m_corrupt; }
    // Bytes received but not yet part of a complete message.
    size_t pending() const { return m_buffer.size() - m_pos; }

private:
    std::string m_buffer;
    size_t m_pos = 0;
    bool m_corrupt = false;
};

} // namespace synscope::helper
