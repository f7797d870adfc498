// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/flow/http.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace synscope {

namespace {

bool isToken(unsigned char c)
{
    // RFC 9110 tchar.
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower((unsigned char)x) == std::tolower((unsigned char)y);
           });
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

void append(std::string& to, std::string_view value)
{
    if (!to.empty() && to.size() < kMaxHeaderValue)
        to += ", ";
    to.append(value.substr(0, kMaxHeaderValue - std::min(kMaxHeaderValue, to.size())));
}

} // namespace

HttpRequest parseHttpRequest(std::string_view bytes)
{
    HttpRequest r;
    // Request line: method SP target SP HTTP/1.x CRLF. The method is a token; a bound keeps a
    // binary stream from being read as one endless method.
    size_t sp = 0;
    while (sp < bytes.size() && sp < 32 && isToken((unsigned char)bytes[sp]))
        ++sp;
    if (sp == 0 || (sp < bytes.size() && bytes[sp] != ' ') || sp == 32)
        return r;
    const size_t lineEnd = bytes.find('\n');
    if (sp == bytes.size()) {
        r.state = HttpRequest::State::Partial;
        return r;
    }
    const std::string_view line = bytes.substr(0, lineEnd == std::string_view::npos ? bytes.size() : lineEnd);
    const size_t sp2 = line.find(' ', sp + 1);
    if (lineEnd != std::string_view::npos) {
        if (sp2 == std::string_view::npos || trim(line.substr(sp2 + 1)).substr(0, 5) != "HTTP/")
            return r;
        r.target = std::string(line.substr(sp + 1, std::min<size_t>(sp2 - sp - 1, kMaxHeaderValue)));
    }
    r.method = std::string(bytes.substr(0, sp));
    r.state = HttpRequest::State::Partial;
    if (lineEnd == std::string_view::npos)
        return r;

    size_t pos = lineEnd + 1;
    while (pos < bytes.size()) {
        const size_t end = bytes.find('\n', pos);
        if (end == std::string_view::npos)
            return r;   // a header line still coming
        const std::string_view h = bytes.substr(pos, end - pos);
        pos = end + 1;
        if (h.empty() || h == "\r") {
            r.state = HttpRequest::State::Complete;
            r.header_end = pos;
            return r;
        }
        const size_t colon = h.find(':');
        if (colon == std::string_view::npos || colon == 0)
            continue;   // obsolete line folding or junk: not a header we read
        const std::string_view name = h.substr(0, colon);
        const std::string_view value = trim(h.substr(colon + 1));
        struct Wanted {
            std::string_view name;
            std::string HttpRequest::*field;
        };
        static constexpr std::array<Wanted, 7> kWanted{{
            {"User-Agent", &HttpRequest::user_agent},
            {"Host", &HttpRequest::host},
            {"Sec-CH-UA-Platform", &HttpRequest::sec_ch_ua_platform},
            {"Sec-CH-UA-Platform-Version", &HttpRequest::sec_ch_ua_platform_version},
            {"Via", &HttpRequest::via},
            {"X-Forwarded-For", &HttpRequest::x_forwarded_for},
            {"Forwarded", &HttpRequest::forwarded},
        }};
        for (const Wanted& w : kWanted)
            if (iequals(name, w.name)) {
                append(r.*w.field, value);
                break;
            }
    }
    return r;
}

bool looksLikeTlsHandshake(std::string_view b)
{
    return b.size() >= 3 && b[0] == 0x16 && b[1] == 0x03 && (unsigned char)b[2] <= 0x04;
}

} // namespace synscope
