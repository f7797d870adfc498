// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/database/exporters.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::Literals::StringLiterals;

namespace synscope {

namespace {

// Our notation to zardaxt's letters: SACK (kind 5) is K, 6 J, 7 F, 9 P, 10 R, other kinds U<n>.
QString zardaxtOptions(const Fingerprint& fp)
{
    QString out;
    for (const QString& token : QString::fromStdString(fp.tcpOptions()).split(u',', Qt::SkipEmptyParts)) {
        if (token.startsWith(u'K')) {
            const int kind = token.mid(1).toInt();
            switch (kind) {
            case 5: out += u'K'; break;
            case 6: out += u'J'; break;
            case 7: out += u'F'; break;
            case 9: out += u'P'; break;
            case 10: out += u'R'; break;
            default: out += u'U' + QString::number(kind); break;
            }
        } else {
            out += token;
        }
        out += u',';
    }
    return out;
}

QString csvCell(const QString& text)
{
    if (!text.contains(u',') && !text.contains(u'"') && !text.contains(u'\n') && !text.contains(u'\r'))
        return text;
    QString quoted = text;
    quoted.replace(u"\""_s, u"\"\""_s);
    return u'"' + quoted + u'"';
}

} // namespace

QByteArray toZardaxtJson(const Database& db, std::vector<Diagnostic>* skipped)
{
    constexpr uint32_t kRequired = KnownDf | KnownMf | KnownWindow | KnownFlags | KnownHeaderLength |
                                   KnownOptions | KnownAck | KnownUrp;
    QJsonArray list;
    for (size_t i = 0; i < db.entries.size(); ++i) {
        const DbEntry& e = db.entries[i];
        if ((e.known & kRequired) != kRequired || e.window_mss_multiple > 0 || e.window_mss_max) {
            if (skipped)
                skipped->push_back({0, int(i), u"entry %1 (%2): not exported to zardaxt JSON: the "
                                                 u"format needs a literal window, DF, MF, flags, "
                                                 u"header length and options, and this entry "
                                                 u"leaves some unknown"_s.arg(i).arg(e.id)});
            continue;
        }
        const Fingerprint& fp = e.fp;
        QJsonObject o{
            {u"ip_df"_s, fp.ip_df ? 1 : 0},
            {u"ip_mf"_s, fp.ip_mf ? 1 : 0},
            {u"tcp_window_size"_s, fp.tcp_window_size},
            {u"tcp_flags"_s, fp.tcp_flags},
            {u"tcp_ack"_s, qint64(fp.tcp_ack)},
            {u"tcp_header_length"_s, (fp.tcp_header_length / 4) << 4},   // the data-offset byte
            {u"tcp_urp"_s, fp.tcp_urp},
            {u"tcp_options"_s, zardaxtOptions(fp)},
            {u"os"_s, QJsonObject{{u"name"_s, e.label.os_name}, {u"version"_s, e.label.version}}},
        };
        if (fp.tcp_mss >= 0)
            o.insert(u"tcp_mss"_s, fp.tcp_mss);
        if (fp.tcp_window_scaling >= 0)
            o.insert(u"tcp_window_scaling"_s, fp.tcp_window_scaling);
        if (e.known & KnownTtl)
            o.insert(u"ip_ttl"_s, fp.ip_ttl);
        list.append(o);
    }
    return QJsonDocument(list).toJson(QJsonDocument::Indented);
}

QByteArray toCsv(const Database& db)
{
    QString out = u"id,os_name,os_class,version,device,ip_version,ip_ttl,ip_df,ip_mf,tcp_window_size,"
                  u"tcp_flags,tcp_header_length,tcp_options,quirks,provenance,notes\r\n"_s;
    for (const DbEntry& e : db.entries) {
        const Fingerprint& fp = e.fp;
        const auto known = [&](uint32_t bit, const QString& text) {
            return (e.known & bit) ? text : QString();
        };
        QString window = QString::number(fp.tcp_window_size);
        if (e.window_mss_multiple > 0)
            window = u"mss*%1"_s.arg(e.window_mss_multiple);
        else if (e.window_mss_max)
            window = u"mss*max"_s;
        const QStringList cells{
            e.id, e.label.os_name, e.label.os_class, e.label.version, e.label.device,
            known(KnownIpVersion, QString::number(fp.ip_version)),
            known(KnownTtl, QString::number(fp.ip_ttl)),
            known(KnownDf, QString::number(fp.ip_df ? 1 : 0)),
            known(KnownMf, QString::number(fp.ip_mf ? 1 : 0)),
            known(KnownWindow, window),
            known(KnownFlags, QString::number(fp.tcp_flags)),
            known(KnownHeaderLength, QString::number(fp.tcp_header_length)),
            known(KnownOptions, QString::fromStdString(fp.tcpOptions())),
            known(KnownQuirks, QString::fromStdString(quirksString(fp.quirks))),
            e.label.provenance, e.label.notes};
        QStringList row;
        for (const QString& c : cells)
            row << csvCell(c);
        out += row.join(u',') + u"\r\n"_s;
    }
    return out.toUtf8();
}

} // namespace synscope
