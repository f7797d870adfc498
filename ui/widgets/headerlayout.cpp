// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/headerlayout.h"

#include "core/fingerprint/fingerprint.h"
#include "core/match/profile.h"

#include <QString>

namespace synscope {

namespace {

uint8_t byteAt(const QByteArray& b, int i) { return static_cast<uint8_t>(b.at(i)); }

struct Ipv6Walk {
    int tcp = -1;        // offset of the TCP header
    int fragment = -1;   // offset of a fragment extension header
};

Ipv6Walk walkIpv6(const QByteArray& h)
{
    Ipv6Walk w;
    if (h.size() < 40)
        return w;
    int next = byteAt(h, 6);
    int pos = 40;
    for (int guard = 0; guard < 8; ++guard) {
        if (next == 6) {
            w.tcp = pos;
            return w;
        }
        if (pos + 8 > h.size())
            return w;
        int len = 0;
        switch (next) {
        case 0: case 43: case 60: len = (byteAt(h, pos + 1) + 1) * 8; break;
        case 44: w.fragment = pos; len = 8; break;
        case 51: len = (byteAt(h, pos + 1) + 2) * 4; break;
        default: return w;
        }
        next = byteAt(h, pos);
        pos += len;
    }
    return w;
}

// Offset and length of the first TCP option of `kind`, or {-1, 0}.
ByteRange findOption(const QByteArray& h, int tcp, uint8_t kind)
{
    if (tcp < 0 || tcp + 20 > h.size())
        return {-1, 0};
    const int end = std::min<int>(h.size(), tcp + (byteAt(h, tcp + 12) >> 4) * 4);
    int pos = tcp + 20;
    while (pos < end) {
        const uint8_t k = byteAt(h, pos);
        if (k == OptEol)
            break;
        if (k == OptNop) {
            ++pos;
            continue;
        }
        if (pos + 1 >= end)
            break;
        const int len = byteAt(h, pos + 1);
        if (len < 2 || pos + len > end)
            break;
        if (k == kind)
            return {pos, len};
        pos += len;
    }
    return {-1, 0};
}

std::vector<ByteRange> decodedFieldByteRanges(QStringView field, const QByteArray& h)
{
    if (h.isEmpty())
        return {};
    const bool v4 = (byteAt(h, 0) >> 4) == 4;
    const int tcp = tcpHeaderOffset(h);
    std::vector<ByteRange> out;
    auto ip = [&](int off, int len) { out.push_back({off, len}); };
    auto tcpAt = [&](int off, int len) {
        if (tcp >= 0)
            out.push_back({tcp + off, len});
    };
    auto option = [&](uint8_t kind) {
        const ByteRange r = findOption(h, tcp, kind);
        if (r.offset >= 0)
            out.push_back(r);
    };

    if (field == u"ip_version") {
        ip(0, 1);
    } else if (field == u"ip_ttl") {
        ip(v4 ? 8 : 7, 1);
    } else if (field == u"ip_df") {
        if (v4)
            ip(6, 1);
    } else if (field == u"ip_mf") {
        if (v4) {
            ip(6, 1);
        } else if (const int frag = walkIpv6(h).fragment; frag >= 0) {
            ip(frag + 2, 2);
        }
    } else if (field == u"ip_total_length") {
        ip(v4 ? 2 : 4, 2);
    } else if (field == u"ip_id") {
        if (v4)
            ip(4, 2);
    } else if (field == u"ip_tos" || field == u"ip_ecn") {
        ip(v4 ? 1 : 0, v4 ? 1 : 2);
    } else if (field == u"ip_header_length") {
        if (v4)
            ip(0, 1);
        else if (tcp > 0)
            ip(0, tcp);
    } else if (field == u"ip_flow_label") {
        if (!v4)
            ip(1, 3);
    } else if (field == u"tcp_seq") {
        tcpAt(4, 4);
    } else if (field == u"tcp_ack") {
        tcpAt(8, 4);
    } else if (field == u"tcp_header_length") {
        tcpAt(12, 1);
    } else if (field == u"tcp_flags") {
        tcpAt(12, 2);
    } else if (field == u"tcp_window_size") {
        tcpAt(14, 2);
    } else if (field == u"tcp_urp") {
        tcpAt(18, 2);
    } else if (field == u"tcp_options" || field == u"tcp_option_layout" || field == u"option_layout") {
        if (tcp >= 0 && tcp + 20 <= h.size()) {
            const int len = std::min<int>(h.size() - tcp, (byteAt(h, tcp + 12) >> 4) * 4) - 20;
            if (len > 0)
                out.push_back({tcp + 20, len});
        }
    } else if (field == u"tcp_mss") {
        option(OptMss);
    } else if (field == u"tcp_window_scaling" || field == u"tcp_window_scale") {
        option(OptWscale);
    } else if (field == u"tcp_sack_permitted") {
        option(OptSackOk);
    } else if (field == u"tcp_has_timestamp") {
        option(OptTimestamp);
    } else if (field == u"tcp_timestamp" || field == u"tcp_timestamp_echo_reply") {
        const ByteRange r = findOption(h, tcp, OptTimestamp);
        if (r.offset >= 0 && r.length == 10)
            out.push_back({r.offset + (field == u"tcp_timestamp" ? 2 : 6), 4});
    }

    std::erase_if(out, [&](const ByteRange& r) { return r.offset < 0 || r.offset + r.length > h.size(); });
    return out;
}

// The header fields a profile's scored field reads, in the decoded-field names used below.
std::vector<QStringView> scoredFieldSources(QStringView field)
{
    using F = ScoredField;
    static const std::vector<std::pair<F, std::vector<QStringView>>> kSources = {
        {F::IpVersion, {u"ip_version"}},
        {F::Df, {u"ip_df"}},
        {F::Mf, {u"ip_mf"}},
        {F::Window, {u"tcp_window_size"}},
        {F::WindowMss, {u"tcp_window_size", u"tcp_mss"}},
        {F::Flags, {u"tcp_flags"}},
        {F::HeaderLength, {u"tcp_header_length"}},
        {F::Mss, {u"tcp_mss"}},
        {F::ClassicOptions, {u"tcp_options"}},
        {F::OptionLayout, {u"tcp_options"}},
        {F::InitialTtl, {u"ip_ttl"}},
        {F::WindowScale, {u"tcp_window_scaling"}},
        {F::Timestamp, {u"tcp_has_timestamp"}},
        {F::Sack, {u"tcp_sack_permitted"}},
        {F::Ecn, {u"ip_tos", u"tcp_flags"}},
    };
    for (const auto& [f, sources] : kSources)
        if (scoredFieldName(f) == field)
            return sources;
    return {field};
}

} // namespace

int tcpHeaderOffset(const QByteArray& h)
{
    if (h.isEmpty())
        return -1;
    const int version = byteAt(h, 0) >> 4;
    if (version == 4) {
        const int ihl = (byteAt(h, 0) & 0x0f) * 4;
        return ihl >= 20 && ihl <= h.size() ? ihl : -1;
    }
    if (version == 6)
        return walkIpv6(h).tcp;
    return -1;
}

std::vector<ByteRange> fieldByteRanges(QStringView field, const QByteArray& h)
{
    std::vector<ByteRange> out;
    for (QStringView source : scoredFieldSources(field))
        for (const ByteRange& r : decodedFieldByteRanges(source, h))
            if (std::find(out.begin(), out.end(), r) == out.end())
                out.push_back(r);
    return out;
}

} // namespace synscope
