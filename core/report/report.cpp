// SPDX-License-Identifier: GPL-3.0-or-later
#include "report.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTimeZone>

namespace synscope {

using namespace Qt::StringLiterals;

namespace {

QString str(const std::string& s)
{
    return QString::fromStdString(s);
}

QString formatScore(double v)
{
    return QString::number(v, 'g', 4);
}

} // namespace

ClassifiedRecord classifiedRecord(const SynRecord& record, const Classification& classification,
                                  const Database& database)
{
    return {record, classification, database, estimateHops(record.fp.ip_ttl),
            estimateLink(record.fp.tcp_mss, record.fp.ip_version)};
}

QString entryLabel(const DbEntry& entry)
{
    const Label& l = entry.label;
    if (l.os_name.isEmpty())
        return entry.id.isEmpty() ? u"(unlabelled)"_s : entry.id;
    return l.version.isEmpty() ? l.os_name : l.os_name + u' ' + l.version;
}

QString osGuess(const Classification& c, const Database& db)
{
    for (int i : c.best)
        if (!db.entries[size_t(i)].label.os_class.isEmpty())
            return db.entries[size_t(i)].label.os_class;
    return {};
}

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

QString formatTimestamp(int64_t tsNs)
{
    const auto dt = QDateTime::fromMSecsSinceEpoch(tsNs / 1000000, QTimeZone::utc());
    return dt.toString(u"yyyy-MM-ddTHH:mm:ss"_s)
        + u".%1Z"_s.arg(qlonglong((tsNs % 1000000000 + 1000000000) % 1000000000 / 1000), 6, 10,
                        QLatin1Char('0'));
}

QJsonObject toJson(const ClassifiedRecord& r, int maxGuesses)
{
    const SynRecord& rec = r.record;
    const Fingerprint& fp = rec.fp;
    QJsonObject o;
    o[u"ts"_s] = double(rec.ts_ns) / 1e9;
    o[u"frame"_s] = double(rec.frame);
    o[u"src_ip"_s] = str(formatAddress(rec.src, fp.ip_version));
    o[u"src_port"_s] = rec.src_port;
    o[u"dst_ip"_s] = str(formatAddress(rec.dst, fp.ip_version));
    o[u"dst_port"_s] = rec.dst_port;
    o[u"kind"_s] = rec.kind == PacketKind::Syn ? u"syn"_s : u"syn-ack"_s;
    o[u"ip_version"_s] = fp.ip_version;
    o[u"ip_ttl"_s] = fp.ip_ttl;
    o[u"ip_df"_s] = int(fp.ip_df);
    o[u"ip_mf"_s] = int(fp.ip_mf);
    o[u"ip_total_length"_s] = fp.ip_total_length;
    o[u"ip_id"_s] = fp.ip_id;
    o[u"tcp_window_size"_s] = fp.tcp_window_size;
    o[u"tcp_flags"_s] = fp.tcp_flags;
    o[u"tcp_ack"_s] = double(fp.tcp_ack);
    o[u"tcp_header_length"_s] = fp.tcp_header_length;
    o[u"tcp_urp"_s] = fp.tcp_urp;
    o[u"tcp_options"_s] = str(fp.tcpOptions());
    QJsonArray kinds;
    for (int i = 0; i < fp.option_count; ++i)
        kinds.append(fp.option_kinds[size_t(i)]);
    o[u"tcp_option_kinds"_s] = kinds;
    o[u"tcp_mss"_s] = fp.tcp_mss >= 0 ? QJsonValue(fp.tcp_mss) : QJsonValue();
    o[u"tcp_window_scaling"_s] = fp.tcp_window_scaling >= 0 ? QJsonValue(fp.tcp_window_scaling)
                                                            : QJsonValue();
    o[u"tcp_timestamp"_s] = fp.tcp_has_timestamp ? QJsonValue(double(fp.tcp_timestamp)) : QJsonValue();
    o[u"tcp_timestamp_echo_reply"_s] =
        fp.tcp_has_timestamp ? QJsonValue(double(fp.tcp_timestamp_echo_reply)) : QJsonValue();
    o[u"quirks"_s] = str(quirksString(fp.quirks));
    o[u"initial_ttl"_s] = r.hops.initial_ttl;
    o[u"hops"_s] = r.hops.hops;
    o[u"mtu"_s] = r.link.mtu >= 0 ? QJsonValue(r.link.mtu) : QJsonValue();
    o[u"link"_s] = r.link.link.isEmpty() ? QJsonValue() : QJsonValue(r.link.link);
    o[u"tunnel"_s] = r.link.tunnel;
    o[u"link_type"_s] = linkTypeName(rec.link_type);
    o[u"encapsulation"_s] = str(encapsulationString(rec.encapsulation));

    const Classification& c = r.classification;
    QJsonArray guesses;
    for (int i : c.best) {
        if (guesses.size() >= maxGuesses)
            break;
        const DbEntry& e = r.database.entries[size_t(i)];
        guesses.append(QJsonObject{{u"os"_s, entryLabel(e)},
                                   {u"class"_s, e.label.os_class},
                                   {u"entry"_s, e.id},
                                   {u"score"_s, c.best_score},
                                   {u"max"_s, c.max_score}});
    }
    o[u"best_guesses"_s] = guesses;
    o[u"ties"_s] = int(c.best.size());
    QJsonObject averages;
    // Classes below the classifier's minimum size are listed with their n but no average.
    for (const ClassAverage& a : c.averages)
        averages[a.os_class] = QJsonObject{
            {u"avg"_s, a.averaged ? QJsonValue(std::round(a.average * 100) / 100) : QJsonValue()},
            {u"n"_s, a.n}};
    o[u"os_averages"_s] = averages;
    const QString guess = osGuess(c, r.database);
    o[u"os_guess"_s] = guess.isEmpty() ? QJsonValue() : QJsonValue(guess);
    return o;
}

QString toText(const ClassifiedRecord& r, int maxGuesses)
{
    const SynRecord& rec = r.record;
    const Fingerprint& fp = rec.fp;
    const bool v6 = fp.ip_version == 6;
    const auto endpoint = [v6](const IpAddress& a, uint16_t port) {
        const QString addr = str(formatAddress(a, v6 ? 6 : 4));
        return (v6 ? u'[' + addr + u']' : addr) + u':' + QString::number(port);
    };
    QString out;
    out += u"#%1 %2  %3 -> %4  %5"_s.arg(rec.frame)
               .arg(formatTimestamp(rec.ts_ns), endpoint(rec.src, rec.src_port),
                    endpoint(rec.dst, rec.dst_port),
                    rec.kind == PacketKind::Syn ? u"SYN"_s : u"SYN+ACK"_s);
    if (rec.encapsulation)
        out += u"  via "_s + str(encapsulationString(rec.encapsulation));
    out += u'\n';

    QString ipPart = u"IPv%1 ttl %2 (initial %3, %4 hop%5)"_s.arg(fp.ip_version)
                         .arg(fp.ip_ttl)
                         .arg(r.hops.initial_ttl)
                         .arg(r.hops.hops)
                         .arg(r.hops.hops == 1 ? QString() : u"s"_s);
    if (!v6)
        ipPart += (fp.ip_df ? u" DF"_s : u" no-DF"_s) + (fp.ip_mf ? u" MF"_s : QString());
    out += u"  ip   %1\n"_s.arg(ipPart);
    out += u"  tcp  win %1  flags 0x%2  hlen %3  options %4\n"_s.arg(fp.tcp_window_size)
               .arg(fp.tcp_flags, 3, 16, QLatin1Char('0'))
               .arg(fp.tcp_header_length)
               .arg(fp.option_count ? str(fp.tcpOptions()) : u"(none)"_s);
    if (fp.quirks)
        out += u"  quirks %1\n"_s.arg(str(quirksString(fp.quirks)));
    if (r.link.mtu >= 0)
        out += u"  link MSS %1 -> MTU %2: %3%4\n"_s.arg(fp.tcp_mss)
                   .arg(r.link.mtu)
                   .arg(r.link.link, r.link.tunnel ? u" (tunnel)"_s : QString());

    const Classification& c = r.classification;
    if (c.best.empty()) {
        out += u"  guess (database is empty)\n"_s;
        return out;
    }
    QStringList names;
    for (int i : c.best) {
        if (names.size() >= maxGuesses)
            break;
        names << entryLabel(r.database.entries[size_t(i)]);
    }
    QString more;
    if (c.best.size() > size_t(maxGuesses))
        more = u" (+%1 more ties)"_s.arg(c.best.size() - size_t(maxGuesses));
    out += u"  best %1/%2: %3%4\n"_s.arg(formatScore(c.best_score), formatScore(c.max_score),
                                         names.join(u", "_s), more);
    QStringList avgs, few;
    for (const ClassAverage& a : c.averages) {
        if (a.averaged)
            avgs << u"%1 %2 (n=%3)"_s.arg(a.os_class).arg(a.average, 0, 'f', 2).arg(a.n);
        else
            few << u"%1 n=%2"_s.arg(a.os_class).arg(a.n);
    }
    if (!avgs.isEmpty())
        out += u"  avg  %1\n"_s.arg(avgs.join(u", "_s));
    if (!few.isEmpty())
        out += u"       too few entries to average: %1\n"_s.arg(few.join(u", "_s));
    const QString guess = osGuess(c, r.database);
    if (!guess.isEmpty())
        out += u"  os   %1\n"_s.arg(guess);
    return out;
}

} // namespace synscope
