// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/accesslog/access_log.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

namespace synscope {

namespace {

enum class Kind : uint8_t {
    Skip,
    Address,
    Port,
    TimeLocal,    // nginx $time_local: 02/Dec/2026:10:17:17 +0100
    TimeApache,   // Apache %t: the same in brackets
    TimeIso,      // nginx $time_iso8601: 2026-12-02T10:17:17+01:00
    TimeMsec,     // nginx $msec: 1764670637.123
    TimeEpoch,    // Apache %{sec|msec|usec}t: an integer count of unit_ns
    Request,
    Status,
    UserAgent,
    ForwardedFor,
    Via,
};

struct Field {
    Kind kind = Kind::Skip;
    std::string name;       // as the format writes it: "$remote_addr", "%{User-Agent}i"
    std::string before;     // the literal text between the previous field and this one
    size_t width = 0;       // the local times have a fixed width (they contain a space); 0: up to
                            // the text that follows
    bool quoted = false;    // between '"'s: up to the first '"' not escaped by a backslash
    int rank = 0;           // of several address or port fields, the highest rank is used
    int64_t unit_ns = 0;    // TimeEpoch
};

constexpr size_t kLocalTimeWidth = 26;   // "02/Dec/2026:10:17:17 +0100"
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / kSecond - 1;

struct Preset {
    std::string_view name;
    std::string_view spec;
};

// In detect() order: a line of one format never fits another (the synscope ones have more
// fields, nginx's $msec has a decimal point, Apache's %{msec}t none), except that nginx's and
// Apache's combined read the same lines the same way.
constexpr Preset kPresets[] = {
    {"synscope",
     R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
     R"("$http_referer" "$http_user_agent" $remote_port $msec "$http_x_forwarded_for" )"
     R"("$http_via")"},
    {"apache-synscope",
     R"(%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %{remote}p %{msec}t )"
     R"(\"%{X-Forwarded-For}i\" \"%{Via}i\")"},
    {"combined",
     R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
     R"("$http_referer" "$http_user_agent")"},
    {"apache-combined", R"(%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\")"},
};

bool isNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
    return out;
}

int64_t precisionOf(const Field& f)
{
    switch (f.kind) {
    case Kind::TimeLocal:
    case Kind::TimeApache:
    case Kind::TimeIso: return kSecond;
    case Kind::TimeMsec: return kSecond / 1000;
    case Kind::TimeEpoch: return f.unit_ns;
    default: return 0;
    }
}

Field nginxField(std::string_view var)
{
    Field f;
    const std::string v = lower(var);   // nginx variable names are case-insensitive
    if (v == "remote_addr" || v == "realip_remote_addr") {
        f.kind = Kind::Address;
        f.rank = v == "remote_addr" ? 1 : 2;   // realip replaces $remote_addr; this is the peer
    } else if (v == "remote_port" || v == "realip_remote_port") {
        f.kind = Kind::Port;
        f.rank = v == "remote_port" ? 1 : 2;
    } else if (v == "time_local") {
        f.kind = Kind::TimeLocal;
        f.width = kLocalTimeWidth;
    } else if (v == "time_iso8601") {
        f.kind = Kind::TimeIso;
    } else if (v == "msec") {
        f.kind = Kind::TimeMsec;
    } else if (v == "request") {
        f.kind = Kind::Request;
    } else if (v == "status") {
        f.kind = Kind::Status;
    } else if (v == "http_user_agent") {
        f.kind = Kind::UserAgent;
    } else if (v == "http_x_forwarded_for") {
        f.kind = Kind::ForwardedFor;
    } else if (v == "http_via") {
        f.kind = Kind::Via;
    }
    return f;
}

Field apacheField(char letter, std::string_view arg)
{
    Field f;
    const std::string a = lower(arg);
    switch (letter) {
    case 'h':
    case 'a':
        // mod_remoteip rewrites %h and %a to the address a proxy reports; %{c}a and %{c}h stay
        // the connection's peer.
        if (a.empty() || a == "c") {
            f.kind = Kind::Address;
            f.rank = a == "c" ? 3 : letter == 'a' ? 2 : 1;
        }
        break;
    case 'p':
        if (a == "remote")
            f.kind = Kind::Port;
        break;
    case 't': {
        std::string_view unit = a;
        for (std::string_view prefix : {"begin:", "end:"})
            if (unit.starts_with(prefix))
                unit.remove_prefix(prefix.size());
        if (a.empty()) {
            f.kind = Kind::TimeApache;
            f.width = kLocalTimeWidth + 2;
        } else if (unit == "sec" || unit == "msec" || unit == "usec") {
            f.kind = Kind::TimeEpoch;
            f.unit_ns = unit == "sec"    ? kSecond
                        : unit == "msec" ? kSecond / 1000
                                         : kSecond / 1000000;
        }
        break;
    }
    case 'r': f.kind = Kind::Request; break;
    case 's': f.kind = Kind::Status; break;
    case 'i':
        if (a == "user-agent")
            f.kind = Kind::UserAgent;
        else if (a == "x-forwarded-for")
            f.kind = Kind::ForwardedFor;
        else if (a == "via")
            f.kind = Kind::Via;
        break;
    default: break;
    }
    return f;
}

// The format as fields, each with the literal text before it, and the text after the last one.
struct Compiled {
    std::vector<Field> fields;
    std::string literal;   // text since the last field
    std::string error;

    void add(Field f, std::string_view name)
    {
        f.name = name;
        if (!fields.empty() && literal.empty() && error.empty())
            error = "fields " + fields.back().name + " and " + f.name +
                    " are not separated by any text";
        f.before = std::move(literal);
        literal.clear();
        fields.push_back(std::move(f));
    }
};

Compiled compileNginx(std::string_view spec)
{
    Compiled c;
    for (size_t i = 0; i < spec.size() && c.error.empty(); ++i) {
        const bool braced = spec[i] == '$' && i + 1 < spec.size() && spec[i + 1] == '{';
        if (braced) {
            const size_t close = spec.find('}', i + 2);
            if (close == std::string_view::npos) {
                c.error = "unterminated ${ in the format";
                break;
            }
            c.add(nginxField(spec.substr(i + 2, close - i - 2)), spec.substr(i, close + 1 - i));
            i = close;
        } else if (spec[i] == '$' && i + 1 < spec.size() && isNameChar(spec[i + 1])) {
            size_t end = i + 1;
            while (end < spec.size() && isNameChar(spec[end]))
                ++end;
            c.add(nginxField(spec.substr(i + 1, end - i - 1)), spec.substr(i, end - i));
            i = end - 1;
        } else {
            c.literal += spec[i];
        }
    }
    return c;
}

// mod_log_config's syntax: %[condition][<>]{argument}letter, %% for '%', and backslash escapes
// as a LogFormat line in httpd.conf writes them (\" for '"', \t for a tab).
Compiled compileApache(std::string_view spec)
{
    Compiled c;
    for (size_t i = 0; i < spec.size() && c.error.empty(); ++i) {
        if (spec[i] == '\\' && i + 1 < spec.size()) {
            ++i;
            c.literal += spec[i] == 't' ? '\t' : spec[i] == 'n' ? '\n' : spec[i];
            continue;
        }
        if (spec[i] != '%') {
            c.literal += spec[i];
            continue;
        }
        const size_t start = i++;
        if (i < spec.size() && spec[i] == '%') {
            c.literal += '%';
            continue;
        }
        while (i < spec.size() && spec[i] != '\0' && std::strchr("<>!,0123456789", spec[i]))
            ++i;
        std::string_view arg;
        if (i < spec.size() && spec[i] == '{') {
            const size_t close = spec.find('}', i + 1);
            if (close == std::string_view::npos) {
                c.error = "unterminated %{ in the format";
                break;
            }
            arg = spec.substr(i + 1, close - i - 1);
            i = close + 1;
        }
        const char letter = i < spec.size() ? spec[i] : '\0';
        if (!((letter >= 'a' && letter <= 'z') || (letter >= 'A' && letter <= 'Z'))) {
            c.error = "incomplete directive \"" + std::string(spec.substr(start, i - start)) +
                      "\" in the format";
            break;
        }
        c.add(apacheField(letter, arg), spec.substr(start, i + 1 - start));
    }
    return c;
}

// A value as a diagnostic shows it: in quotes, with \" and \\, other bytes outside printable
// ASCII as \xHH, cut short.
std::string shown(std::string_view v)
{
    constexpr size_t kMaxShown = 64;
    std::string out = "\"";
    for (size_t i = 0; i < v.size() && i < kMaxShown; ++i) {
        const auto c = static_cast<unsigned char>(v[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20 || c >= 0x7f) {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        } else {
            out += char(c);
        }
    }
    if (v.size() > kMaxShown)
        out += "...";
    out += '"';
    return out;
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// A logged string as the client sent it: nginx writes '"', '\' and non-printable bytes as \xHH,
// Apache writes \" and \\, \xHH and C escapes for whitespace. "-" (not sent) is empty.
std::string unescaped(std::string_view v)
{
    if (v == "-")
        return {};
    std::string out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '\\' || i + 1 == v.size()) {
            out += v[i];
            continue;
        }
        const char e = v[i + 1];
        if (e == 'x' && i + 3 < v.size() && hexDigit(v[i + 2]) >= 0 && hexDigit(v[i + 3]) >= 0) {
            out += char(hexDigit(v[i + 2]) * 16 + hexDigit(v[i + 3]));
            i += 3;
            continue;
        }
        const char* from = "\"\\ntrvf";
        const char* to = "\"\\\n\t\r\v\f";
        const char* at = e != '\0' ? std::strchr(from, e) : nullptr;
        if (at) {
            out += to[at - from];
            ++i;
        } else {
            out += '\\';
        }
    }
    return out;
}

bool parseAddress(std::string_view s, IpAddress& out, uint8_t& version)
{
    char text[INET6_ADDRSTRLEN];
    if (s.empty() || s.size() >= sizeof text || s.find('\0') != std::string_view::npos)
        return false;
    std::memcpy(text, s.data(), s.size());
    text[s.size()] = '\0';
    out = {};
    if (s.find(':') == std::string_view::npos) {
        version = 4;
        return inet_pton(AF_INET, text, out.data()) == 1;
    }
    if (inet_pton(AF_INET6, text, out.data()) != 1)
        return false;
    // A dual-stack socket's IPv4 peer (::ffff:a.b.c.d) came in an IPv4 SYN.
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out.data(), kMapped, sizeof kMapped) == 0) {
        std::memmove(out.data(), out.data() + 12, 4);
        std::memset(out.data() + 4, 0, 12);
        version = 4;
    } else {
        version = 6;
    }
    return true;
}

bool parseUnsigned(std::string_view s, uint64_t& out)
{
    if (s.empty())
        return false;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
}

bool digitsAt(std::string_view s, size_t pos, size_t count, int& out)
{
    out = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        if (i >= s.size() || s[i] < '0' || s[i] > '9')
            return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t daysFromCivil(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return int64_t(era) * 146097 + doe - 719468;
}

bool validDate(int y, int m, int d)
{
    static constexpr int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1])
        return false;
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m != 2 || d <= 28 || leap;
}

// Seconds since the epoch of a wall-clock time at a UTC offset; nullopt when any part is out of
// range or the result does not fit in ns.
std::optional<int64_t> utcSeconds(int y, int mo, int d, int h, int mi, int s, int offsetSeconds)
{
    if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59)
        return std::nullopt;
    const int64_t t = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offsetSeconds;
    if (t < 0 || t > kMaxSeconds)
        return std::nullopt;
    return t;
}

bool offsetAt(std::string_view s, size_t pos, bool colon, int& out)
{
    int h = 0, m = 0;
    if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-') || !digitsAt(s, pos + 1, 2, h) ||
        (colon && (pos + 3 >= s.size() || s[pos + 3] != ':')) ||
        !digitsAt(s, pos + (colon ? 4 : 3), 2, m) || h > 23 || m > 59)
        return false;
    out = (s[pos] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return true;
}

// "02/Dec/2026:10:17:17 +0100"; month names are English whatever the locale.
std::optional<int64_t> localTime(std::string_view s)
{
    static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int d = 0, y = 0, h = 0, mi = 0, sec = 0, offset = 0;
    if (s.size() != kLocalTimeWidth || s[2] != '/' || s[6] != '/' || s[11] != ':' ||
        s[14] != ':' || s[17] != ':' || s[20] != ' ' || !digitsAt(s, 0, 2, d) ||
        !digitsAt(s, 7, 4, y) || !digitsAt(s, 12, 2, h) || !digitsAt(s, 15, 2, mi) ||
        !digitsAt(s, 18, 2, sec) || !offsetAt(s, 21, false, offset))
        return std::nullopt;
    const size_t month = kMonths.find(s.substr(3, 3));
    if (month == std::string_view::npos || month % 3 != 0)
        return std::nullopt;
    return utcSeconds(y, int(month / 3) + 1, d, h, mi, sec, offset);
}

// "2026-12-02T10:17:17+01:00" (nginx) or "...Z".
std::optional<int64_t> isoTime(std::string_view s)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, offset = 0;
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':' || !digitsAt(s, 0, 4, y) || !digitsAt(s, 5, 2, mo) ||
        !digitsAt(s, 8, 2, d) || !digitsAt(s, 11, 2, h) || !digitsAt(s, 14, 2, mi) ||
        !digitsAt(s, 17, 2, sec))
        return std::nullopt;
    const bool utc = s.size() == 20 && s[19] == 'Z';
    if (!utc && (s.size() != 25 || !offsetAt(s, 19, true, offset)))
        return std::nullopt;
    return utcSeconds(y, mo, d, h, mi, sec, offset);
}

// A time field's value in ns since the epoch.
std::optional<int64_t> timeValue(const Field& f, std::string_view v)
{
    switch (f.kind) {
    case Kind::TimeLocal:
        if (const auto t = localTime(v))
            return *t * kSecond;
        return std::nullopt;
    case Kind::TimeApache:
        if (v.size() < 2 || v.front() != '[' || v.back() != ']')
            return std::nullopt;
        if (const auto t = localTime(v.substr(1, v.size() - 2)))
            return *t * kSecond;
        return std::nullopt;
    case Kind::TimeIso:
        if (const auto t = isoTime(v))
            return *t * kSecond;
        return std::nullopt;
    case Kind::TimeMsec: {
        uint64_t sec = 0, ms = 0;
        const size_t dot = v.find('.');
        if (dot == std::string_view::npos || v.size() - dot != 4 ||
            !parseUnsigned(v.substr(0, dot), sec) || !parseUnsigned(v.substr(dot + 1), ms) ||
            sec > uint64_t(kMaxSeconds))
            return std::nullopt;
        return int64_t(sec) * kSecond + int64_t(ms) * (kSecond / 1000);
    }
    case Kind::TimeEpoch: {
        uint64_t n = 0;
        if (!parseUnsigned(v, n) || n > uint64_t(kMaxSeconds) * uint64_t(kSecond / f.unit_ns))
            return std::nullopt;
        return int64_t(n) * f.unit_ns;
    }
    default: return std::nullopt;
    }
}

bool fail(AccessLogDiagnostic* diagnostic, uint64_t line, std::string reason)
{
    if (diagnostic) {
        diagnostic->line = line;
        diagnostic->reason = std::move(reason);
    }
    return false;
}

} // namespace

struct AccessLogFormat::Impl {
    std::string spec;
    std::vector<Field> fields;
    std::string tail;   // literal text after the last field
    bool has_port = false;

    bool read(std::string_view line, uint64_t number, AccessLogEntry& e,
              AccessLogDiagnostic* diagnostic) const;
};

bool AccessLogFormat::Impl::read(std::string_view line, uint64_t number, AccessLogEntry& e,
                                 AccessLogDiagnostic* diagnostic) const
{
    size_t pos = 0;
    for (size_t i = 0; i < fields.size(); ++i) {
        const Field& f = fields[i];
        if (line.substr(pos, f.before.size()) != f.before) {
            return fail(diagnostic, number,
                        "expected " + shown(f.before) +
                            (i ? " after " + fields[i - 1].name : std::string()) + " at column " +
                            std::to_string(pos + 1));
        }
        pos += f.before.size();
        const std::string& next = i + 1 < fields.size() ? fields[i + 1].before : tail;
        size_t end = line.size();
        if (f.width) {
            end = std::min(line.size(), pos + f.width);
        } else if (f.quoted) {
            end = pos;
            while (end < line.size() && line[end] != '"')
                end += line[end] == '\\' ? 2 : 1;
            if (end >= line.size())
                return fail(diagnostic, number, "field " + f.name + ": no closing quote");
        } else if (!next.empty()) {
            end = line.find(next, pos);
            if (end == std::string_view::npos)
                return fail(diagnostic, number, "expected " + shown(next) + " after " + f.name);
        }
        const std::string_view v = line.substr(pos, end - pos);
        pos = end;
        switch (f.kind) {
        case Kind::Skip: break;
        case Kind::Address:
            if (!parseAddress(v, e.client, e.ip_version))
                return fail(diagnostic, number,
                            "field " + f.name + ": not an IP address: " + shown(v));
            break;
        case Kind::Port: {
            uint64_t port = 0;
            if (v.empty() || v == "-")   // nginx on a unix socket
                break;
            if (!parseUnsigned(v, port) || port > 65535)
                return fail(diagnostic, number, "field " + f.name + ": not a port: " + shown(v));
            e.client_port = int(port);
            break;
        }
        case Kind::Status: {
            uint64_t status = 0;
            if (v != "-" && (!parseUnsigned(v, status) || status > 999))
                return fail(diagnostic, number,
                            "field " + f.name + ": not a status code: " + shown(v));
            e.status = int(status);
            break;
        }
        case Kind::Request: e.request = unescaped(v); break;
        case Kind::UserAgent: e.user_agent = unescaped(v); break;
        case Kind::ForwardedFor: e.x_forwarded_for = unescaped(v); break;
        case Kind::Via: e.via = unescaped(v); break;
        default: {
            const auto t = timeValue(f, v);
            if (!t)
                return fail(diagnostic, number, "field " + f.name + ": not a time: " + shown(v));
            e.ts_ns = *t;
            e.ts_precision_ns = precisionOf(f);
            break;
        }
        }
    }
    if (line.substr(pos, tail.size()) != tail)
        return fail(diagnostic, number,
                    "expected " + shown(tail) + " after " + fields.back().name + " at column " +
                        std::to_string(pos + 1));
    pos += tail.size();
    if (pos != line.size())
        return fail(diagnostic, number,
                    "trailing text at column " + std::to_string(pos + 1) + ": " +
                        shown(line.substr(pos)));
    return true;
}

std::optional<AccessLogFormat> AccessLogFormat::preset(std::string_view name)
{
    for (const Preset& p : kPresets)
        if (p.name == name)
            return parse(p.spec, nullptr);
    return std::nullopt;
}

std::optional<AccessLogFormat> AccessLogFormat::parse(std::string_view spec, std::string* error)
{
    const auto refuse = [error](std::string why) -> std::optional<AccessLogFormat> {
        if (error)
            *error = std::move(why);
        return std::nullopt;
    };
    if (spec.find_first_not_of(" \t") == std::string_view::npos)
        return refuse("empty format");
    // nginx's syntax when a $variable appears, mod_log_config's otherwise.
    bool nginx = false;
    for (size_t i = 0; i + 1 < spec.size() && !nginx; ++i)
        nginx = spec[i] == '$' && (spec[i + 1] == '{' || isNameChar(spec[i + 1]));
    Compiled c = nginx ? compileNginx(spec) : compileApache(spec);
    if (!c.error.empty())
        return refuse(std::move(c.error));

    Impl impl;
    impl.spec = std::string(spec);
    impl.tail = std::move(c.literal);
    impl.fields = std::move(c.fields);
    size_t quotes = std::count(impl.tail.begin(), impl.tail.end(), '"');
    for (size_t i = 0; i < impl.fields.size(); ++i) {
        Field& f = impl.fields[i];
        quotes += std::count(f.before.begin(), f.before.end(), '"');
        const std::string& next =
            i + 1 < impl.fields.size() ? impl.fields[i + 1].before : impl.tail;
        f.quoted = f.before.ends_with('"') && next.starts_with('"');
    }
    if (quotes % 2)
        return refuse("unterminated quote in the format");

    // One address, one port and one time per line: the highest-ranked address and port, the
    // finest time (the first of equals). The others are read as text.
    const auto keepBest = [&impl](auto isKind, auto better) {
        Field* best = nullptr;
        for (Field& f : impl.fields)
            if (isKind(f) && (!best || better(f, *best)))
                best = &f;
        for (Field& f : impl.fields)
            if (isKind(f) && &f != best)
                f.kind = Kind::Skip;
        return best != nullptr;
    };
    const auto byRank = [](const Field& a, const Field& b) { return a.rank > b.rank; };
    if (!keepBest([](const Field& f) { return f.kind == Kind::Address; }, byRank))
        return refuse("no client address field ($remote_addr, %h or %a)");
    if (!keepBest([](const Field& f) { return precisionOf(f) > 0; },
                  [](const Field& a, const Field& b) { return precisionOf(a) < precisionOf(b); }))
        return refuse("no time field ($time_local, $msec, $time_iso8601, %t or %{msec}t)");
    impl.has_port = keepBest([](const Field& f) { return f.kind == Kind::Port; }, byRank);

    AccessLogFormat format;
    format.m_impl = std::make_shared<const Impl>(std::move(impl));
    return format;
}

std::optional<AccessLogFormat> AccessLogFormat::detect(const std::vector<std::string_view>& lines)
{
    std::optional<AccessLogFormat> best;
    size_t bestCount = 0;
    size_t samples = 0;
    for (std::string_view line : lines)
        samples += !line.empty() && line != "\r";
    for (const Preset& p : kPresets) {
        const auto format = preset(p.name);
        size_t count = 0;
        for (std::string_view line : lines) {
            if (line.ends_with('\r'))
                line.remove_suffix(1);
            count += !line.empty() && format->parseLine(line, 0, nullptr).has_value();
        }
        if (count > bestCount) {
            best = format;
            bestCount = count;
        }
    }
    if (bestCount * 2 <= samples)
        return std::nullopt;
    return best;
}

std::optional<AccessLogEntry> AccessLogFormat::parseLine(std::string_view line, uint64_t lineNumber,
                                                         AccessLogDiagnostic* diagnostic) const
{
    if (!m_impl) {
        fail(diagnostic, lineNumber, "no log format");
        return std::nullopt;
    }
    AccessLogEntry e;
    e.line = lineNumber;
    if (!m_impl->read(line, lineNumber, e, diagnostic))
        return std::nullopt;
    return e;
}

bool AccessLogFormat::hasPort() const
{
    return m_impl && m_impl->has_port;
}

const std::string& AccessLogFormat::spec() const
{
    static const std::string none;
    return m_impl ? m_impl->spec : none;
}

AccessLogReader::AccessLogReader(AccessLogFormat format) : m_format(std::move(format)) {}

void AccessLogReader::reject(AccessLogDiagnostic diagnostic)
{
    ++m_bad;
    if (m_diagnostics.size() < kMaxDiagnostics)
        m_diagnostics.push_back(std::move(diagnostic));
}

void AccessLogReader::rejectTooLong()
{
    reject({m_line, "line longer than " + std::to_string(kMaxLine) + " bytes"});
}

void AccessLogReader::take(std::string_view line, std::vector<AccessLogEntry>& out)
{
    ++m_line;
    if (line.ends_with('\r'))
        line.remove_suffix(1);
    if (line.size() > kMaxLine)
        return rejectTooLong();
    if (line.empty())
        return;
    AccessLogDiagnostic diagnostic;
    if (auto entry = m_format.parseLine(line, m_line, &diagnostic))
        out.push_back(std::move(*entry));
    else
        reject(std::move(diagnostic));
}

std::vector<AccessLogEntry> AccessLogReader::feed(std::string_view bytes)
{
    std::vector<AccessLogEntry> out;
    // A line may end in "\r\n": up to kMaxLine + 1 bytes are held before its newline.
    while (!bytes.empty()) {
        const size_t newline = bytes.find('\n');
        const std::string_view piece = bytes.substr(0, newline);
        if (newline == std::string_view::npos) {
            if (m_skipping)
                break;
            if (m_partial.size() + piece.size() > kMaxLine + 1) {
                ++m_line;
                rejectTooLong();
                m_partial.clear();
                m_skipping = true;
            } else {
                m_partial.append(piece);
            }
            break;
        }
        bytes.remove_prefix(newline + 1);
        if (m_skipping) {
            m_skipping = false;
        } else if (m_partial.empty()) {
            take(piece, out);
        } else if (m_partial.size() + piece.size() > kMaxLine + 1) {
            ++m_line;
            rejectTooLong();
            m_partial.clear();
        } else {
            m_partial.append(piece);
            take(m_partial, out);
            m_partial.clear();
        }
    }
    return out;
}

std::vector<AccessLogEntry> AccessLogReader::finish()
{
    std::vector<AccessLogEntry> out;
    if (!m_skipping && !m_partial.empty())
        take(m_partial, out);
    m_partial.clear();
    m_skipping = false;
    return out;
}

} // namespace synscope
