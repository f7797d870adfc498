// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/fingerprint/fingerprint.h"

#include "core/util/decimal.h"

#include <charconv>

namespace synscope {

namespace {

constexpr std::string_view kQuirkNames[QuirkCount] = {
    "df", "id+", "id-", "ecn", "0+", "flow", "seq-", "ack+", "ack-", "uptr+",
    "urgf+", "pushf+", "ts2+", "ts1-", "opt+", "exws", "bad", "data",
};

constexpr std::string_view kEncapNames[] = {
    "vlan", "pppoe", "mpls", "gre", "vxlan", "geneve", "ip-in-ip", "erspan", "llc-snap", "gtp-u",
    "ayiya", "teredo",
};

char optionLetter(uint8_t kind)
{
    switch (kind) {
    case OptEol: return 'E';
    case OptNop: return 'N';
    case OptMss: return 'M';
    case OptWscale: return 'W';
    case OptSackOk: return 'S';
    case OptTimestamp: return 'T';
    default: return 'K';
    }
}

bool parseNumber(std::string_view s, int& out)
{
    if (s.empty())
        return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
}

} // namespace

std::string_view quirkName(Quirk q)
{
    for (int i = 0; i < int(QuirkCount); ++i)
        if (static_cast<uint32_t>(q) == (1u << i))
            return kQuirkNames[i];
    return {};
}

uint32_t quirkFromName(std::string_view name)
{
    for (int i = 0; i < int(QuirkCount); ++i)
        if (name == kQuirkNames[i])
            return 1u << i;
    return 0;
}

namespace {

// Names of the set bits, comma-separated, in bit order.
template <size_t N>
char* writeBitNames(char* out, uint32_t bits, const std::string_view (&names)[N])
{
    bool first = true;
    for (size_t i = 0; i < N; ++i) {
        if (!(bits & (1u << i)))
            continue;
        if (!first)
            *out++ = ',';
        first = false;
        out = std::copy(names[i].begin(), names[i].end(), out);
    }
    return out;
}

} // namespace

char* writeQuirks(char* out, uint32_t quirks)
{
    return writeBitNames(out, quirks, kQuirkNames);
}

std::string quirksString(uint32_t quirks)
{
    char buf[kMaxQuirksText];
    return std::string(buf, writeQuirks(buf, quirks));
}

char* writeEncapsulation(char* out, uint16_t encap)
{
    return writeBitNames(out, encap, kEncapNames);
}

std::string encapsulationString(uint16_t encap)
{
    char buf[kMaxEncapsulationText];
    return std::string(buf, writeEncapsulation(buf, encap));
}

char* Fingerprint::writeTcpOptions(char* out) const
{
    const auto number = [&out](int v) { out = writeDecimal(out, uint32_t(v)); };   // v >= 0
    for (int i = 0; i < option_count; ++i) {
        const uint8_t kind = option_kinds[i];
        *out++ = optionLetter(kind);
        if (kind == OptMss && tcp_mss >= 0)
            number(tcp_mss);
        else if (kind == OptWscale && tcp_window_scaling >= 0)
            number(tcp_window_scaling);
        else if (optionLetter(kind) == 'K')
            number(kind);
        *out++ = ',';
    }
    return out;
}

std::string Fingerprint::tcpOptions() const
{
    char buf[kMaxTcpOptionsText];
    return std::string(buf, writeTcpOptions(buf));
}

std::string Fingerprint::optionLayout() const
{
    std::string out(option_count, '\0');
    for (int i = 0; i < option_count; ++i)
        out[i] = optionLetter(option_kinds[i]);
    return out;
}

std::string Fingerprint::optionKindList() const
{
    std::string out;
    for (int i = 0; i < option_count; ++i) {
        if (i)
            out += ',';
        out += std::to_string(option_kinds[i]);
    }
    return out;
}

bool Fingerprint::setTcpOptions(std::string_view notation)
{
    option_count = 0;
    tcp_mss = -1;
    tcp_window_scaling = -1;
    tcp_has_timestamp = false;
    tcp_sack_permitted = false;
    while (!notation.empty()) {
        const size_t comma = notation.find(',');
        const std::string_view token = notation.substr(0, comma);
        notation = comma == std::string_view::npos ? std::string_view() : notation.substr(comma + 1);
        if (token.empty())
            continue;
        if (option_count >= option_kinds.size())
            return false;
        const std::string_view rest = token.substr(1);
        int value = 0;
        uint8_t kind = 0;
        switch (token.front()) {
        case 'E': kind = OptEol; break;
        case 'N': kind = OptNop; break;
        case 'S': kind = OptSackOk; tcp_sack_permitted = true; break;
        case 'T': kind = OptTimestamp; tcp_has_timestamp = true; break;
        case 'M':
            if (!parseNumber(rest, value) || value < 0 || value > 65535)
                return false;
            kind = OptMss;
            if (tcp_mss < 0)
                tcp_mss = value;
            break;
        case 'W':
            if (!parseNumber(rest, value) || value < 0 || value > 255)
                return false;
            kind = OptWscale;
            if (tcp_window_scaling < 0)
                tcp_window_scaling = static_cast<int16_t>(value);
            break;
        case 'K':
            // Only kinds without a letter: "K2" would be an MSS option without its value (and
            // "K4"/"K8" would not set the SACK/timestamp flags), which tcpOptions() writes back
            // as a letter that means something else or does not parse.
            if (!parseNumber(rest, value) || value < 0 || value > 255 ||
                optionLetter(static_cast<uint8_t>(value)) != 'K')
                return false;
            kind = static_cast<uint8_t>(value);
            break;
        default:
            return false;
        }
        if (token.front() != 'M' && token.front() != 'W' && token.front() != 'K' && !rest.empty())
            return false;
        option_kinds[option_count++] = kind;
    }
    return true;
}

char* writeAddress(char* p, const IpAddress& a, uint8_t ipVersion)
{
    char* const start = p;
    if (ipVersion == 4) {
        for (int i = 0; i < 4; ++i) {
            if (i)
                *p++ = '.';
            p = writeDecimal(p, a[size_t(i)]);
        }
        return p;
    }
    // RFC 5952: lower-case hex, longest run (>= 2) of zero groups compressed to "::".
    uint16_t g[8];
    for (int i = 0; i < 8; ++i)
        g[i] = static_cast<uint16_t>(a[2 * i] << 8 | a[2 * i + 1]);
    int bestStart = -1, bestLen = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            ++j;
        if (j - i > bestLen && j - i >= 2) {
            bestStart = i;
            bestLen = j - i;
        }
        i = j;
    }
    for (int i = 0; i < 8; ++i) {
        if (i == bestStart) {
            *p++ = ':';
            *p++ = ':';
            i += bestLen - 1;
            continue;
        }
        if (p != start && p[-1] != ':')
            *p++ = ':';
        p = std::to_chars(p, p + 4, g[i], 16).ptr;
    }
    return p;
}

std::string formatAddress(const IpAddress& a, uint8_t ipVersion)
{
    char buf[kMaxAddressText];
    return std::string(buf, writeAddress(buf, a, ipVersion));
}

} // namespace synscope
