// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/report/report.h"

#include "core/match/verdict.h"
#include "core/util/decimal.h"

#include <QStringList>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace synscope {

using namespace Qt::StringLiterals;

namespace {


void appendInt(std::string& out, int64_t v)
{
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// Shortest text that reads back as the same double ("10", "5.74", "7.333333333333333").
void appendDouble(std::string& out, double v)
{
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void appendJsonString(std::string& out, std::string_view s)
{
    out += '"';
    // Runs that need no escaping (nearly everything) are appended whole.
    size_t plain = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        out.append(s.data() + plain, i - plain);
        plain = i + 1;
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else {
            static const char hex[] = "0123456789abcdef";
            const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            out.append(esc, sizeof esc);
        }
    }
    out.append(s.data() + plain, s.size() - plain);
    out += '"';
}

void appendJsonString(std::string& out, const QString& s)
{
    const QByteArray utf8 = s.toUtf8();
    appendJsonString(out, std::string_view(utf8.constData(), size_t(utf8.size())));
}

// For the parts written once per classification or run.
template <size_t N>
void appendKey(std::string& out, const char (&key)[N])
{
    out += ",\"";
    out.append(key, N - 1);
    out += "\":";
}

// Writes one record's fields through a pointer into a buffer the caller sized for the record's
// bound (ReportWriter::kMaxRecordText): no capacity check, allocation or strlen per field.
class Line {
public:
    explicit Line(char* buffer) : m_p(buffer) {}
    char* end() const { return m_p; }

    // A string literal: its length is known where it is written.
    template <size_t N>
    Line& operator<<(const char (&literal)[N])
    {
        std::memcpy(m_p, literal, N - 1);
        m_p += N - 1;
        return *this;
    }
    Line& operator<<(char c)
    {
        *m_p++ = c;
        return *this;
    }
    // Text known to need no JSON escaping (static tables, already-escaped fragments).
    Line& raw(std::string_view s)
    {
        std::memcpy(m_p, s.data(), s.size());
        m_p += s.size();
        return *this;
    }
    Line& num(int64_t v)
    {
        if (v >= 0 && v <= int64_t(UINT32_MAX))
            m_p = writeDecimal(m_p, uint32_t(v));
        else
            m_p = std::to_chars(m_p, m_p + 20, v).ptr;
        return *this;
    }
    // ",\"key\":"
    template <size_t N>
    Line& key(const char (&name)[N])
    {
        *m_p++ = ',';
        *m_p++ = '"';
        std::memcpy(m_p, name, N - 1);
        m_p += N - 1;
        *m_p++ = '"';
        *m_p++ = ':';
        return *this;
    }
    // "." and six digits of a value in [0, 10^6).
    Line& sixDigits(int64_t v)
    {
        m_p[0] = '.';
        for (int i = 6; i >= 1; --i, v /= 10)
            m_p[i] = char('0' + v % 10);
        m_p += 7;
        return *this;
    }
    Line& address(const IpAddress& a, uint8_t version)
    {
        m_p = writeAddress(m_p, a, version);
        return *this;
    }
    // "10.0.0.1:443" or "[2001:db8::1]:443".
    Line& endpoint(const IpAddress& a, uint16_t port, uint8_t version)
    {
        if (version == 6)
            *m_p++ = '[';
        address(a, version);
        if (version == 6)
            *m_p++ = ']';
        *m_p++ = ':';
        return num(port);
    }
    Line& options(const Fingerprint& fp)
    {
        m_p = fp.writeTcpOptions(m_p);
        return *this;
    }
    Line& quirks(uint32_t q)
    {
        m_p = writeQuirks(m_p, q);
        return *this;
    }
    Line& encapsulation(uint16_t e)
    {
        m_p = writeEncapsulation(m_p, e);
        return *this;
    }

private:
    char* m_p;
};

std::string utf8(const QString& s)
{
    return s.toUtf8().toStdString();
}

} // namespace

QString linkTypeName(int linkType)
{
    switch (linkType) {
    case 0: return u"NULL"_s;
    case 1: return u"ETHERNET"_s;
    case 9: return u"PPP"_s;
    case 12: case 14: case 101: return u"RAW"_s;
    case 104: return u"C_HDLC"_s;
    case 108: return u"LOOP"_s;
    case 113: return u"LINUX_SLL"_s;
    case 228: return u"IPV4"_s;
    case 229: return u"IPV6"_s;
    case 239: return u"NFLOG"_s;
    case 276: return u"LINUX_SLL2"_s;
    default: return u"LINKTYPE_%1"_s.arg(linkType);
    }
}

namespace {

// Floor division and the matching remainder in [0, b) for b > 0, without signed overflow for
// any int64 a (a - floor(a / b) * b would overflow near INT64_MIN: floor(a / b) * b < INT64_MIN).
struct DivMod {
    int64_t quot;
    int64_t rem;
};
DivMod floorDivMod(int64_t a, int64_t b)
{
    int64_t q = a / b, r = a % b;
    if (r < 0) {
        r += b;
        q -= 1;
    }
    return {q, r};
}

int64_t floorDiv(int64_t a, int64_t b)
{
    return floorDivMod(a, b).quot;
}

// "YYYY-MM-DDTHH:MM:SS" of a second since the epoch, in UTC, proleptic Gregorian, for every int64
// second (nanosecond timestamps only reach 1677 to 2262). Years outside 0000-9999 are written as
// ISO 8601 expanded years: "-0001", "+10000". Computed here rather than by gmtime_r, whose tm_year
// is an int and which fails (leaving the tm unset) beyond it.
void formatSecond(int64_t second, char (&buf)[kSecondTextSize])
{
    const DivMod day = floorDivMod(second, 86400);
    // Howard Hinnant's civil_from_days; every intermediate fits in int64 for any int64 day count
    // divided from a second (|days| < 1.1e14).
    const int64_t z = day.quot + 719468;
    const int64_t era = floorDiv(z, 146097);
    const int64_t doe = z - era * 146097;                                    // [0, 146096]
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;   // [0, 399]
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               // [0, 365]
    const int64_t mp = (5 * doy + 2) / 153;                                  // [0, 11]
    const int dayOfMonth = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);   // [1, 31]
    const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);          // [1, 12]
    const int64_t year = yoe + era * 400 + (month <= 2);
    const int secondOfDay = static_cast<int>(day.rem);
    const char* sign = year < 0 ? "-" : year > 9999 ? "+" : "";
    const long long absYear = static_cast<long long>(year < 0 ? -year : year);
    std::snprintf(buf, sizeof buf, "%s%04lld-%02d-%02dT%02d:%02d:%02d", sign, absYear, month,
                  dayOfMonth, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60);
}

int64_t microsOfSecond(int64_t tsNs)
{
    return floorDivMod(tsNs, 1000000000).rem / 1000;
}

// The JSON "ts": seconds since the epoch with six decimals, the microsecond the ISO text shows
// (floored), written as a signed decimal: -0.5 s is -0.500000. Byte-identical to
// "<floor second>.<micros>" for times at or after the epoch.
void writeJsonSeconds(Line& line, int64_t tsNs)
{
    const int64_t us = floorDiv(tsNs, 1000);   // |us| < 9.3e15: negating it cannot overflow
    if (us < 0)
        line << '-';
    const int64_t magnitude = us < 0 ? -us : us;
    line.num(magnitude / 1000000).sixDigits(magnitude % 1000000);
}

} // namespace

QString formatTimestamp(int64_t tsNs)
{
    char second[kSecondTextSize];
    formatSecond(floorDiv(tsNs, 1000000000), second);
    char text[kSecondTextSize + 8];
    Line line(text);
    line.raw(second).sixDigits(microsOfSecond(tsNs)) << 'Z';
    return QString::fromLatin1(text, line.end() - text);
}

ReportWriter::ReportWriter(const Database& db, int maxGuesses)
    : m_db(db), m_maxGuesses(maxGuesses)
{
}

const std::string& ReportWriter::entryJson(int i) const
{
    if (m_entryJson.empty())
        m_entryJson.resize(m_db.entries.size());
    std::string& j = m_entryJson[size_t(i)];
    if (j.empty()) {
        const DbEntry& e = m_db.entries[size_t(i)];
        j = "{\"os\":";
        appendJsonString(j, entryLabel(e));
        j += ",\"class\":";
        appendJsonString(j, e.label.os_class);
        j += ",\"entry\":";
        appendJsonString(j, e.id);
        j += ",\"score\":";
    }
    return j;
}

const std::string& ReportWriter::classJson(const ClassAverage& a) const
{
    if (size_t(a.index) >= m_classJson.size())
        m_classJson.resize(size_t(a.index) + 1);
    auto& [name, json] = m_classJson[size_t(a.index)];
    // The name checks the index's classifier; the same classifier's averages share its string.
    if (json.empty() || (name.constData() != a.os_class.constData() && name != a.os_class)) {
        name = a.os_class;
        json.clear();
        appendJsonString(json, name);
    }
    return json;
}

void ReportWriter::render(std::string& out, const Observation& o, bool json)
{
    const Classification& c = *o.classification;
    // The pipeline's verdict as it is; only an observation made without one decides afresh.
    const OsVerdict decided = o.verdict ? OsVerdict() : decideOs(c, m_db);
    appendClassificationPart(out, c, o.verdict ? *o.verdict : decided, json);
}

void ReportWriter::appendClassification(std::string& out, const Observation& o, bool json)
{
    if (o.classification->id == 0)
        render(out, o, json);
    else
        out += *classificationPart(o, json);
}

const ReportWriter::Part& ReportWriter::classificationPart(const Observation& o, bool json)
{
    const uint64_t id = o.classification->id;
    if (id == 0) {
        std::string rendered;
        render(rendered, o, json);
        return m_uncached = std::make_shared<const std::string>(std::move(rendered));
    }
    std::unique_ptr<Recent[]>& recent = m_recent[json];
    if (!recent)
        recent.reset(new Recent[kRecent]);
    Recent& r = recent[id % kRecent];
    if (r.id == id)
        return r.part;
    RenderCache& cache = json ? m_jsonCache : m_textCache;
    if (const Part* hit = cache.find(id)) {
        r = {id, *hit};
        return r.part;
    }
    std::string rendered;
    render(rendered, o, json);
    r = {id, cache.insert(id, std::make_shared<const std::string>(std::move(rendered)))};
    return r.part;
}

void ReportWriter::classificationJson(std::string& out, const Classification& c, const OsVerdict& v) const
{
    out += "\"best_guesses\":[";
    int named = 0;
    for (int i : c.best) {
        if (named == m_maxGuesses)
            break;
        if (named++)
            out += ',';
        out += entryJson(i);
        appendDouble(out, c.best_score);
        out += ",\"max\":";
        appendDouble(out, c.max_score);
        out += '}';
    }
    out += ']';
    appendKey(out, "ties");
    appendInt(out, int64_t(c.best.size()));
    // Classes below the minimum size are listed with their n and a null average.
    appendKey(out, "os_averages");
    out += '{';
    for (size_t k = 0; k < c.averages.size(); ++k) {
        const ClassAverage& a = c.averages[k];
        if (k)
            out += ',';
        out += classJson(a);
        out += ":{\"avg\":";
        if (a.averaged)
            appendDouble(out, std::round(a.average * 100) / 100);
        else
            out += "null";
        out += ",\"n\":";
        appendInt(out, a.n);
        out += '}';
    }
    out += '}';
    // The verdict (core/match/verdict.h): its label, and each part on its own key.
    const auto stringOrNull = [&out](bool present, const QString& s) {
        if (present)
            appendJsonString(out, s);
        else
            out += "null";
    };
    appendKey(out, "os_guess");
    appendJsonString(out, v.label());
    appendKey(out, "os_class");
    stringOrNull(v.kind == OsVerdict::Kind::Class, v.os_class);
    appendKey(out, "family");
    stringOrNull(v.kind == OsVerdict::Kind::Family, v.os_class);
    appendKey(out, "scanner");
    stringOrNull(v.kind == OsVerdict::Kind::Scanner, v.os_class);
    appendKey(out, "unknown");
    out += v.unknown() ? "true" : "false";
    appendKey(out, "nearest");
    stringOrNull(!v.nearest.isEmpty(), v.nearest);
    appendKey(out, "confidence");
    appendDouble(out, v.confidencePercent() / 100.0);
    appendKey(out, "reasons");
    out += '[';
    const QStringList reasons = v.reasons(m_db);
    for (qsizetype i = 0; i < reasons.size(); ++i) {
        if (i)
            out += ',';
        appendJsonString(out, reasons[i]);
    }
    out += ']';
}

void ReportWriter::appendJson(std::string& out, const Observation& o)
{
    m_records.appendJson(out, *o.record, o.hops, o.link);
    appendClassification(out, o, true);
    out += lineEnd(true);
}

void RecordFormatter::appendJson(std::string& out, const SynRecord& rec, const HopEstimate& hops,
                                 const LinkEstimate& link)
{
    const Fingerprint& fp = rec.fp;
    if (rec.link_type != m_linkType) {
        m_linkType = rec.link_type;
        m_linkTypeJson.clear();
        appendJsonString(m_linkTypeJson, linkTypeName(rec.link_type));
    }
    const auto optional = [](Line& line, bool present, int64_t v) {
        if (present)
            line.num(v);
        else
            line << "null";
    };
    Line line(m_record.get());
    // "type" first, so that a reader of a mixed stream (later: flows, the summary) can dispatch
    // on the line's start.
    if (rec.kind == PacketKind::Syn)
        line << "{\"type\":\"syn\",\"ts\":";
    else
        line << "{\"type\":\"syn-ack\",\"ts\":";
    writeJsonSeconds(line, rec.ts_ns);
    // Addresses, option notation, quirks, encapsulation and the link text (a static table) are
    // letters, digits and punctuation without quotes or backslashes: written unescaped.
    line.key("frame").num(int64_t(rec.frame));
    line.key("src_ip") << '"';
    line.address(rec.src, fp.ip_version) << '"';
    line.key("src_port").num(rec.src_port);
    line.key("dst_ip") << '"';
    line.address(rec.dst, fp.ip_version) << '"';
    line.key("dst_port").num(rec.dst_port);
    if (rec.kind == PacketKind::Syn)
        line.key("kind") << "\"syn\"";
    else
        line.key("kind") << "\"syn-ack\"";
    line.key("ip_version").num(fp.ip_version);
    line.key("ip_ttl").num(fp.ip_ttl);
    line.key("ip_df").num(fp.ip_df);
    line.key("ip_mf").num(fp.ip_mf);
    line.key("ip_total_length").num(fp.ip_total_length);
    line.key("ip_id").num(fp.ip_id);
    line.key("tcp_window_size").num(fp.tcp_window_size);
    line.key("tcp_flags").num(fp.tcp_flags);
    line.key("tcp_ack").num(fp.tcp_ack);
    line.key("tcp_header_length").num(fp.tcp_header_length);
    line.key("tcp_urp").num(fp.tcp_urp);
    line.key("tcp_options") << '"';
    line.options(fp) << '"';
    line.key("tcp_option_kinds") << '[';
    for (int i = 0; i < fp.option_count; ++i) {
        if (i)
            line << ',';
        line.num(fp.option_kinds[size_t(i)]);
    }
    line << ']';
    optional(line.key("tcp_mss"), fp.tcp_mss >= 0, fp.tcp_mss);
    optional(line.key("tcp_window_scaling"), fp.tcp_window_scaling >= 0, fp.tcp_window_scaling);
    optional(line.key("tcp_timestamp"), fp.tcp_has_timestamp, fp.tcp_timestamp);
    optional(line.key("tcp_timestamp_echo_reply"), fp.tcp_has_timestamp, fp.tcp_timestamp_echo_reply);
    line.key("quirks") << '"';
    line.quirks(fp.quirks) << '"';
    line.key("initial_ttl").num(hops.initial_ttl);
    line.key("hops").num(hops.hops);
    optional(line.key("mtu"), link.mtu >= 0, link.mtu);
    line.key("link");
    if (link.link.empty())
        line << "null";
    else
        (line << '"').raw(link.link) << '"';
    if (link.tunnel)
        line.key("tunnel") << "true";
    else
        line.key("tunnel") << "false";
    line.key("link_type").raw(m_linkTypeJson);
    line.key("encapsulation") << '"';
    line.encapsulation(rec.encapsulation) << "\",";
    out.append(m_record.get(), size_t(line.end() - m_record.get()));
}

void ReportWriter::classificationText(std::string& out, const Classification& c, const OsVerdict& v) const
{
    if (c.best.empty()) {
        out += "  guess (database is empty)\n";
        return;
    }
    QStringList names;
    for (int i : c.best) {
        if (names.size() >= m_maxGuesses)
            break;
        names << entryLabel(m_db.entries[size_t(i)]);
    }
    out += "  best ";
    out += utf8(QString::number(c.best_score, 'g', 4)) + '/' + utf8(QString::number(c.max_score, 'g', 4));
    out += ": " + utf8(names.join(u", "_s));
    if (c.best.size() > size_t(m_maxGuesses))
        out += " (+" + std::to_string(c.best.size() - size_t(m_maxGuesses)) + " more ties)";
    out += '\n';
    QStringList avgs, few;
    for (const ClassAverage& a : c.averages) {
        if (a.averaged)
            avgs << u"%1 %2 (n=%3)"_s.arg(a.os_class).arg(a.average, 0, 'f', 2).arg(a.n);
        else
            few << u"%1 n=%2"_s.arg(a.os_class).arg(a.n);
    }
    if (!avgs.isEmpty())
        out += "  avg  " + utf8(avgs.join(u", "_s)) + '\n';
    if (!few.isEmpty())
        out += "       too few entries to average: " + utf8(few.join(u", "_s)) + '\n';
    out += "  os   " + utf8(v.text());
    if (!v.unknown())
        out += utf8(u" (confidence %1)"_s.arg(v.confidenceText()));
    out += '\n';
}

void ReportWriter::appendText(std::string& out, const Observation& o)
{
    m_records.appendText(out, *o.record, o.hops, o.link);
    appendClassification(out, o, false);
    out += lineEnd(false);
}

void RecordFormatter::appendText(std::string& out, const SynRecord& rec, const HopEstimate& hops,
                                 const LinkEstimate& link)
{
    const Fingerprint& fp = rec.fp;
    const int64_t second = floorDiv(rec.ts_ns, 1000000000);
    if (second != m_lastSecond) {
        formatSecond(second, m_secondText);
        m_secondLength = std::strlen(m_secondText);
        m_lastSecond = second;
    }
    Line line(m_record.get());
    (line << '#').num(int64_t(rec.frame)) << ' ';
    line.raw({m_secondText, m_secondLength}).sixDigits(microsOfSecond(rec.ts_ns)) << "Z  ";
    line.endpoint(rec.src, rec.src_port, fp.ip_version) << " -> ";
    line.endpoint(rec.dst, rec.dst_port, fp.ip_version);
    if (rec.kind == PacketKind::Syn)
        line << "  SYN";
    else
        line << "  SYN+ACK";
    if (rec.encapsulation)
        (line << "  via ").encapsulation(rec.encapsulation);

    (line << "\n  ip   IPv").num(fp.ip_version);
    (line << " ttl ").num(fp.ip_ttl);
    (line << " (initial ").num(hops.initial_ttl);
    (line << ", ").num(hops.hops);
    if (hops.hops == 1)
        line << " hop)";
    else
        line << " hops)";
    if (fp.ip_version == 4) {
        if (fp.ip_df)
            line << " DF";
        else
            line << " no-DF";
        if (fp.ip_mf)
            line << " MF";
    }

    static const char hex[] = "0123456789abcdef";   // three digits: the 12 flag bits
    (line << "\n  tcp  win ").num(fp.tcp_window_size);
    line << "  flags 0x" << hex[fp.tcp_flags >> 8 & 15] << hex[fp.tcp_flags >> 4 & 15]
         << hex[fp.tcp_flags & 15];
    (line << "  hlen ").num(fp.tcp_header_length) << "  options ";
    if (fp.option_count)
        line.options(fp);
    else
        line << "(none)";
    line << '\n';
    if (fp.quirks)
        (line << "  quirks ").quirks(fp.quirks) << '\n';
    if (link.mtu >= 0) {
        (line << "  link MSS ").num(fp.tcp_mss);
        (line << " -> MTU ").num(link.mtu);
        (line << ": ").raw(link.link);
        if (link.tunnel)
            line << " (tunnel)";
        line << '\n';
    }
    out.append(m_record.get(), size_t(line.end() - m_record.get()));
}

std::string summaryJson(const RunSummary& r)
{
    const DecodeStats& s = *r.stats;
    std::string out = "{\"type\":\"summary\",\"database\":";
    appendJsonString(out, r.database);
    const auto field = [&out](const auto& key, uint64_t v) {
        appendKey(out, key);
        appendInt(out, int64_t(v));
    };
    field("entries", r.entries);
    appendKey(out, "profile");
    appendJsonString(out, r.profile);
    field("packets", s.packets);
    field("syn", s.syn);
    field("syn_ack", s.syn_ack);
    field("other_tcp", s.other_tcp);
    field("not_tcp", s.non_tcp);
    field("skipped", s.droppedTotal());
    field("bad_options", s.bad_options);
    appendKey(out, "skipped_by_reason");
    out += '{';
    bool first = true;
    for (size_t i = 0; i < s.dropped.size(); ++i) {
        if (!s.dropped[i])
            continue;
        if (!first)
            out += ',';
        first = false;
        appendJsonString(out, std::string_view(dropReasonName(DropReason(i))));
        out += ':';
        appendInt(out, int64_t(s.dropped[i]));
    }
    out += '}';
    appendKey(out, "unsupported_link_types");
    out += '{';
    first = true;
    for (const auto& [linkType, count] : s.unsupported_link_types) {
        if (!first)
            out += ',';
        first = false;
        appendJsonString(out, std::to_string(linkType));
        out += ':';
        appendInt(out, int64_t(count));
    }
    out += '}';
    appendKey(out, "capture");
    if (r.hasCaptureStats) {
        out += "{\"received\":";
        appendInt(out, int64_t(r.received));
        out += ",\"dropped\":";
        appendInt(out, int64_t(r.dropped));
        out += ",\"if_dropped\":";
        appendInt(out, int64_t(r.ifDropped));
        out += '}';
    } else {
        out += "null";
    }
    if (r.flows) {
        const FlowStats& f = *r.flows;
        out += ",\"flows\":{\"flows\":";
        appendInt(out, int64_t(f.flows));
        field("reported", f.reported);
        field("without_handshake", f.without_handshake);
        field("expired", f.expired);
        field("evicted", f.evicted);
        field("http", f.http);
        field("tls", f.tls);
        field("user_agents", f.user_agents);
        field("access_log_matched", f.access_log_matched);
        field("access_log_ambiguous", f.access_log_ambiguous);
        field("bytes_refused", f.bytes_refused);
        out += '}';
    }
    if (r.accessLog) {
        out += ",\"access_log\":{\"lines\":";
        appendInt(out, int64_t(r.accessLogLines));
        field("bad_lines", r.accessLogBadLines);
        out += '}';
    }
    out += "}\n";
    return out;
}

namespace {

// Network text (a User-Agent, a header) as JSON: invalid UTF-8 becomes U+FFFD.
void appendNetworkString(std::string& out, std::string_view s)
{
    appendJsonString(out, QString::fromUtf8(s.data(), qsizetype(s.size())));
}

void appendOptionalString(std::string& out, std::string_view s)
{
    if (s.empty())
        out += "null";
    else
        appendNetworkString(out, s);
}

void appendMs(std::string& out, int64_t ns)
{
    if (ns < 0) {
        out += "null";
        return;
    }
    appendDouble(out, std::round(double(ns) / 1e3) / 1e3);
}

std::string_view protocolName(const Flow& f)
{
    if (f.tls)
        return "tls";
    return f.http.state != HttpRequest::State::NotHttp ? "http" : "";
}

} // namespace

void appendFlowJson(std::string& out, const FlowObservation& o)
{
    const Flow& f = *o.flow;
    const ConnectionVerdict& v = *o.verdict;
    char buf[kMaxAddressText + 1];
    out += "{\"type\":\"flow\",\"ts\":";
    {
        char t[32];   // the SYN line's "ts", written the same way
        Line line(t);
        writeJsonSeconds(line, f.syn_ns);
        out.append(t, line.end());
    }
    appendKey(out, "frame");
    appendInt(out, int64_t(f.syn.frame));
    appendKey(out, "end");
    appendJsonString(out, flowEndName(o.end));
    appendKey(out, "src_ip");
    appendJsonString(out, std::string_view(buf, size_t(writeAddress(buf, f.key.client, f.key.ip_version) - buf)));
    appendKey(out, "src_port");
    appendInt(out, f.key.client_port);
    appendKey(out, "dst_ip");
    appendJsonString(out, std::string_view(buf, size_t(writeAddress(buf, f.key.server, f.key.ip_version) - buf)));
    appendKey(out, "dst_port");
    appendInt(out, f.key.server_port);
    appendKey(out, "os_guess");
    if (f.os.entry < 0 && f.os.kind == OsVerdict::Kind::Unknown && f.os.nearest.isEmpty())
        out += "null";
    else
        appendJsonString(out, f.os.label());
    appendKey(out, "protocol");
    appendOptionalString(out, protocolName(f));
    appendKey(out, "host");
    appendOptionalString(out, f.http.host);
    appendKey(out, "ua");
    appendOptionalString(out, f.user_agent);
    appendKey(out, "ua_source");
    appendOptionalString(out, uaSourceName(f.ua_source));
    appendKey(out, "ua_os");
    if (f.user_agent.empty())
        out += "null";
    else
        appendJsonString(out, v.ua.text());
    appendKey(out, "ua_class");
    if (f.user_agent.empty())
        out += "null";
    else
        appendJsonString(out, uaClassName(v.ua.os_class));
    appendKey(out, "verdict");
    appendJsonString(out, connectionVerdictName(v.kind));
    appendKey(out, "suspicion");
    appendDouble(out, std::round(v.suspicion * 100) / 100);
    appendKey(out, "os_mismatch");
    out += v.os_mismatch ? "true" : "false";
    appendKey(out, "reasons");
    out += '[';
    for (size_t i = 0; i < v.reasons.size(); ++i) {
        if (i)
            out += ',';
        appendNetworkString(out, v.reasons[i]);
    }
    out += ']';
    appendKey(out, "rtt_tcp_ms");
    appendMs(out, f.rttTcpNs());
    appendKey(out, "rtt_app_ms");
    appendMs(out, f.app_rtt_ns);
    appendKey(out, "app_rounds");
    appendInt(out, f.app_rounds);
    appendKey(out, "via");
    appendOptionalString(out, f.http.via);
    appendKey(out, "x_forwarded_for");
    appendOptionalString(out, f.http.x_forwarded_for);
    appendKey(out, "forwarded");
    appendOptionalString(out, f.http.forwarded);
    appendKey(out, "access_log_line");
    if (f.access_log_line)
        appendInt(out, int64_t(f.access_log_line));
    else
        out += "null";
    out += "}\n";
}

void appendFlowText(std::string& out, const FlowObservation& o)
{
    const Flow& f = *o.flow;
    const ConnectionVerdict& v = *o.verdict;
    const auto utf8 = [](std::string_view s) {
        return QString::fromUtf8(s.data(), qsizetype(s.size())).toUtf8().toStdString();
    };
    out += "connection " + formatAddress(f.key.client, f.key.ip_version) + ":"
           + std::to_string(f.key.client_port) + " -> " + formatAddress(f.key.server, f.key.ip_version)
           + ":" + std::to_string(f.key.server_port) + " (SYN frame " + std::to_string(f.syn.frame)
           + ", " + std::string(flowEndName(o.end)) + ")\n";
    char s[16];
    std::snprintf(s, sizeof s, "%.2f", v.suspicion);
    out += "  verdict: " + std::string(connectionVerdictName(v.kind)) + ", suspicion " + s + "\n";
    out += "  stack: " + f.os.text().toStdString() + "\n";
    if (!f.user_agent.empty())
        out += "  user agent (" + std::string(uaSourceName(f.ua_source)) + "): " + utf8(f.user_agent)
               + " -> " + v.ua.text() + "\n";
    const auto rtt = [](int64_t ns) {
        if (ns < 0)
            return std::string("-");
        char b[32];
        std::snprintf(b, sizeof b, "%.3f ms", double(ns) / 1e6);
        return std::string(b);
    };
    if (f.rttTcpNs() >= 0 || f.app_rtt_ns >= 0)
        out += "  round trips: TCP " + rtt(f.rttTcpNs()) + ", application " + rtt(f.app_rtt_ns) + "\n";
    for (const std::string& r : v.reasons)
        out += "  - " + utf8(r) + "\n";
    out += '\n';
}

std::string flowSummaryText(const FlowStats& f)
{
    std::string out = "  flows: " + std::to_string(f.flows) + " connections, " + std::to_string(f.reported)
                      + " reported (" + std::to_string(f.http) + " HTTP, " + std::to_string(f.tls)
                      + " TLS, " + std::to_string(f.user_agents) + " with a User-Agent), "
                      + std::to_string(f.without_handshake) + " without a handshake, "
                      + std::to_string(f.expired) + " expired, " + std::to_string(f.evicted)
                      + " evicted (table full)\n";
    if (f.access_log_matched || f.access_log_ambiguous)
        out += "  access log: " + std::to_string(f.access_log_matched) + " connections matched, "
               + std::to_string(f.access_log_ambiguous) + " ambiguous\n";
    if (f.bytes_refused)
        out += "  flow bytes not kept (budget spent): " + std::to_string(f.bytes_refused) + "\n";
    if (f.reported && !f.http && !f.tls)
        out += "  no HTTP or TLS data seen: a capture filter that passes only SYNs yields no User-Agent\n";
    return out;
}

} // namespace synscope
