// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/database/importers.h"

#include "core/database/input_text.h"
#include "core/detect/detect.h"

#include <QFileInfo>
#include <QList>
#include <QRegularExpression>
#include <QStringDecoder>
#include <QXmlStreamReader>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

bool parseInt(const QString& s, int lo, int hi, int& out)
{
    bool ok = false;
    out = s.toInt(&ok);
    return ok && out >= lo && out <= hi;
}

// p0f olayout -> SynScope notation and option bytes (-1 when a length is unknown).
bool p0fLayout(const QString& layout, int mss, int wscale, QString& notation, int& bytes)
{
    notation.clear();
    bytes = 0;
    for (const QString& token : layout.split(u',', Qt::SkipEmptyParts)) {
        int n = 0;
        if (token == u"mss"_s) {
            notation += u"M%1,"_s.arg(std::max(mss, 0));
            bytes += bytes >= 0 ? 4 : 0;
        } else if (token == u"ws"_s) {
            notation += u"W%1,"_s.arg(std::max(wscale, 0));
            bytes += bytes >= 0 ? 3 : 0;
        } else if (token == u"sok"_s) {
            notation += u"S,"_s;
            bytes += bytes >= 0 ? 2 : 0;
        } else if (token == u"ts"_s) {
            notation += u"T,"_s;
            bytes += bytes >= 0 ? 10 : 0;
        } else if (token == u"nop"_s) {
            notation += u"N,"_s;
            bytes += bytes >= 0 ? 1 : 0;
        } else if (token == u"sack"_s) {
            notation += u"K5,"_s;
            bytes = -1;
        } else if (token.startsWith(u"eol+"_s) && parseInt(token.mid(4), 0, 39, n)) {
            // EOL and N padding bytes, all of them zero: one E each.
            for (int i = 0; i <= n; ++i)
                notation += u"E,"_s;
            bytes += bytes >= 0 ? n + 1 : 0;
        } else if (token.startsWith(u'?') && parseInt(token.mid(1), 0, 255, n)) {
            notation += u"K%1,"_s.arg(n);
            bytes = -1;
        } else {
            return false;
        }
    }
    return true;
}

// The text of an XML file, decoded the way an XML parser reads it: UTF-16 or UTF-32 by byte-order
// mark or by the byte pattern of a leading '<', otherwise the encoding the XML declaration names
// (UTF-8 when it names none). The reader is then given this text with the encoding settled, so
// the DTD check below looks at exactly what it parses.
std::optional<QString> decodeXml(const QByteArray& content, QString* why)
{
    QStringDecoder decoder;
    if (const auto detected = QStringConverter::encodingForData(content, u'<')) {
        decoder = QStringDecoder(*detected);
    } else {
        // The declaration is ASCII in every encoding that is not detected above.
        static const QRegularExpression declared(
            uR"(^<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["'])"_s);
        const QRegularExpressionMatch m =
            declared.match(QString::fromLatin1(content.left(content.indexOf('>') + 1)));
        const QString name = m.hasMatch() ? m.captured(1) : u"UTF-8"_s;
        decoder = QStringDecoder(name.toLatin1().constData());
        if (!decoder.isValid()) {
            *why = u"unsupported encoding %1"_s.arg(quoteInput(name));
            return std::nullopt;
        }
    }
    QString text = decoder(content);
    if (decoder.hasError()) {
        *why = u"not valid %1"_s.arg(QString::fromLatin1(decoder.name()));
        return std::nullopt;
    }
    return text;
}

// Whether the prolog (what precedes the root element) holds a <!DOCTYPE. Only the XML
// declaration, processing instructions, comments and white space may come before a DTD, so the
// scan skips those and stops at the first element; anything else it steps over, and the parser
// then refuses it. The check happens before parsing because the parser expands the parameter
// entities of the internal subset while it reads the DTD, before it reports the DTD token.
bool prologHasDoctype(QStringView text)
{
    qsizetype i = 0;
    const qsizetype n = text.size();
    while (i < n) {
        const QStringView rest = text.sliced(i);
        if (rest.startsWith(u"<!DOCTYPE"))
            return true;
        if (rest.startsWith(u"<?")) {
            const qsizetype end = text.indexOf(u"?>", i + 2);
            if (end < 0)
                return false;
            i = end + 2;
        } else if (rest.startsWith(u"<!--")) {
            const qsizetype end = text.indexOf(u"-->", i + 4);
            if (end < 0)
                return false;
            i = end + 3;
        } else if (rest.startsWith(u'<') && !rest.startsWith(u"<!")) {
            return false;   // the root element: no DTD can follow
        } else {
            ++i;
        }
    }
    return false;
}

QString noDtdMessage()
{
    return u"a DTD (<!DOCTYPE ...>) is not allowed in a Satori tcp.xml file (Satori files have "
           u"none; the entities a DTD declares can expand a small file to gigabytes)"_s;
}

} // namespace

Database importP0f(const QByteArray& content, const QString& origin)
{
    const QString file = QFileInfo(origin).fileName();
    Database db;
    db.name = file;
    QString section;
    QString label;
    int otherLines = 0;
    const QList<QByteArray> lines = content.split('\n');
    for (qsizetype ln = 0; ln < lines.size(); ++ln) {
        const QString line = QString::fromUtf8(lines[ln]).trimmed();
        const int lineNo = static_cast<int>(ln) + 1;
        if (line.isEmpty() || line.startsWith(u';'))
            continue;
        if (line.startsWith(u'[')) {
            section = line;
            continue;
        }
        const bool tcp = section == u"[tcp:request]"_s || section == u"[tcp:response]"_s;
        if (!tcp) {
            ++otherLines;
            continue;
        }
        const qsizetype eq = line.indexOf(u'=');
        if (eq < 0) {
            db.skipped.push_back(
                {lineNo, -1, u"%1: line %2: expected \"key = value\""_s.arg(origin).arg(lineNo)});
            continue;
        }
        const QString key = line.left(eq).trimmed();
        const QString value = line.mid(eq + 1).trimmed();
        if (key == u"label"_s) {
            label = value;
            continue;
        }
        if (key != u"sig"_s) {
            ++otherLines;   // "sys = ..." lines name the systems of generic labels
            continue;
        }
        QString why;
        const auto readSig = [&]() -> std::optional<DbEntry> {
            auto fail = [&](const QString& field, const QString& what) {
                why = u"%1: line %2: field \"%3\": %4 in %5"_s.arg(
                    origin, QString::number(lineNo), field, what, quoteInput(value));
                return std::nullopt;
            };
            // ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass
            const QStringList f = value.split(u':');
            if (f.size() != 8)
                return fail(u"sig"_s, u"expected 8 colon-separated fields"_s);
            const QStringList lab = label.split(u':');
            if (lab.size() < 4)
                return fail(u"label"_s, u"no valid label (type:class:name:flavor) before this sig"_s);
            DbEntry e;
            e.known = KnownFlags | KnownAck | KnownUrp | KnownQuirks | KnownOptions;
            Fingerprint& fp = e.fp;
            int v = 0;
            if (f[0] != u"*"_s) {
                if (f[0] != u"4"_s && f[0] != u"6"_s)
                    return fail(u"ver"_s, u"expected 4, 6 or *"_s);
                fp.ip_version = static_cast<uint8_t>(f[0].toInt());
                e.known |= KnownIpVersion;
            }
            QString ittl = f[1];
            if (ittl.endsWith(u'-'))
                ittl.chop(1);   // p0f: TTL lower than the usual distance allows; still the initial TTL
            if (ittl != u"*"_s) {
                if (!parseInt(ittl, 1, 255, v))
                    return fail(u"ittl"_s, u"expected a TTL"_s);
                fp.ip_ttl = static_cast<uint8_t>(v);   // normalize() makes it the initial TTL
                e.known |= KnownTtl;
            }
            if (f[2] != u"*"_s && !parseInt(f[2], 0, 40, v))
                return fail(u"olen"_s, u"expected an IP options length"_s);
            int mss = -1;
            if (f[3] != u"*"_s) {
                if (!parseInt(f[3], 0, 65535, mss))
                    return fail(u"mss"_s, u"expected an MSS"_s);
                e.known |= KnownMss;
            }
            const QStringList win = f[4].split(u',');
            if (win.size() != 2)
                return fail(u"wsize,scale"_s, u"expected window,scale"_s);
            if (win[0].startsWith(u"mss*"_s)) {
                if (!parseInt(win[0].mid(4), 1, 65535, e.window_mss_multiple))
                    return fail(u"wsize"_s, u"bad mss multiple"_s);
                e.known |= KnownWindow;
            } else if (win[0] != u"*"_s && !win[0].startsWith(u"mtu*"_s) && !win[0].startsWith(u'%')) {
                if (!parseInt(win[0], 0, 65535, v))
                    return fail(u"wsize"_s, u"expected a window"_s);
                fp.tcp_window_size = static_cast<uint16_t>(v);
                e.known |= KnownWindow;
            }   // "mtu*N" and "%N" have no SynScope equivalent: the window stays unknown
            int wscale = -1;
            if (win[1] != u"*"_s) {
                if (!parseInt(win[1], 0, 255, wscale))
                    return fail(u"scale"_s, u"expected a window scale"_s);
                e.known |= KnownWscale;
            }
            QString notation;
            int optionBytes = 0;
            if (!p0fLayout(f[5], mss, wscale, notation, optionBytes) ||
                !fp.setTcpOptions(notation.toStdString()))
                return fail(u"olayout"_s, u"bad option layout"_s);
            if (!f[5].contains(u"mss"_s))
                e.known |= KnownMss;   // no MSS option: "absent" is known
            if (!f[5].contains(u"ws"_s))
                e.known |= KnownWscale;
            if (optionBytes >= 0 && (optionBytes + 3) / 4 * 4 + 20 <= 60) {
                fp.tcp_header_length = static_cast<uint8_t>(20 + (optionBytes + 3) / 4 * 4);
                e.known |= KnownHeaderLength;
            }
            for (const QString& q : f[6].split(u',', Qt::SkipEmptyParts)) {
                const uint32_t bit = quirkFromName(q.toStdString());
                if (!bit)
                    return fail(u"quirks"_s, u"unknown quirk %1"_s.arg(quoteInput(q)));
                fp.quirks |= bit;
            }
            if (fp.ip_version == 4 || !(e.known & KnownIpVersion)) {
                fp.ip_df = (fp.quirks & QuirkDf) != 0;
                e.known |= KnownDf;
            }
            if (f[7] == u"+"_s)
                fp.quirks |= QuirkPayload;
            else if (f[7] != u"0"_s && f[7] != u"*"_s)
                return fail(u"pclass"_s, u"expected 0, + or *"_s);
            const bool response = section == u"[tcp:response]"_s;
            fp.tcp_flags = response ? (TcpSyn | TcpAck) : TcpSyn;
            if (fp.quirks & QuirkEcn)
                fp.tcp_flags |= response ? TcpEce : (TcpEce | TcpCwr);
            e.id = u"p0f-%1-line-%2"_s.arg(response ? u"response"_s : u"request"_s).arg(lineNo);
            e.label.os_name = lab[2];
            e.label.os_class = lab[2];
            e.label.version = lab.mid(3).join(u':');
            e.label.notes = u"p0f class \"%1\"%2, signature %3"_s.arg(
                lab[1], lab[0] == u"g"_s ? u", generic"_s : QString(), value);
            e.label.provenance = u"imported from %1, line %2"_s.arg(file).arg(lineNo);
            return e;
        };
        if (std::optional<DbEntry> e = readSig())
            db.entries.push_back(std::move(*e));
        else
            db.skipped.push_back({lineNo, -1, why});
    }
    db.description = u"p0f signatures imported from %1 (%2 TCP signatures; %3 lines of other "
                     u"sections or sys lines not imported)"_s.arg(file).arg(db.entries.size()).arg(
                         otherLines);
    return db;
}

std::optional<Database> importSatori(const QByteArray& content, const QString& origin,
                                     QString* error)
{
    const QString file = QFileInfo(origin).fileName();
    Database db;
    db.name = file;
    QString why;
    const std::optional<QString> text = decodeXml(content, &why);
    if (!text) {
        if (error)
            *error = u"%1: not valid XML: %2"_s.arg(origin, why);
        return std::nullopt;
    }
    if (prologHasDoctype(*text)) {
        if (error) {
            const qsizetype at = text->indexOf(u"<!DOCTYPE");
            *error = u"%1: line %2: %3"_s.arg(
                origin, QString::number(QStringView(*text).first(at).count(u'\n') + 1),
                noDtdMessage());
        }
        return std::nullopt;
    }
    QXmlStreamReader xml(*text);   // the encoding is settled: the reader parses what was checked
    QString osName, osClass, fpName;
    int ackOnly = 0;
    auto failAt = [&](const QString& what) {
        if (error)
            *error = u"%1: line %2: %3"_s.arg(origin, QString::number(xml.lineNumber()), what);
        return std::nullopt;
    };
    while (!xml.atEnd()) {
        const QXmlStreamReader::TokenType token = xml.readNext();
        // Satori files have no DTD; an internal entity referenced many times (not nested, which
        // Qt limits) makes a file of 600 KB expand to gigabytes. prologHasDoctype() refused every
        // DTD already; the token, reported before the root element and so before any general
        // entity is expanded, is the second line.
        if (token == QXmlStreamReader::DTD)
            return failAt(noDtdMessage());
        if (token != QXmlStreamReader::StartElement)
            continue;
        const QXmlStreamAttributes a = xml.attributes();
        if (xml.name() == u"fingerprint"_s) {
            fpName = a.value(u"name"_s).toString();
            osName = a.value(u"os_name"_s).toString();
            osClass = a.value(u"os_class"_s).toString();
            continue;
        }
        if (xml.name() != u"test"_s || !a.hasAttribute(u"tcpsig"_s))
            continue;
        const QString flag = a.value(u"tcpflag"_s).toString();
        if (flag != u"S"_s && flag != u"SA"_s) {
            ++ackOnly;
            continue;
        }
        const int testLine = int(xml.lineNumber());
        QString why;
        const auto skip = [&](const QString& what) {
            why = u"%1: line %2: %3"_s.arg(origin, QString::number(testLine), what);
            return std::nullopt;
        };
        const auto readTest = [&]() -> std::optional<DbEntry> {
            // window:ttl:df:hdrlen:options:quirks
            const QString sig = a.value(u"tcpsig"_s).toString();
            const QStringList f = sig.split(u':');
            if (f.size() != 6)
                return skip(u"tcpsig %1: expected window:ttl:df:hdrlen:options:quirks"_s.arg(
                    quoteInput(sig)));
            auto bad = [&](const QString& field) {
                return skip(u"tcpsig %1: bad %2"_s.arg(quoteInput(sig), field));
            };
            DbEntry e;
            e.known = KnownFlags;
            Fingerprint& fp = e.fp;
            int v = 0;
            if (f[0] != u"*"_s) {
                if (!parseInt(f[0], 0, 65535, v))
                    return bad(u"window"_s);
                fp.tcp_window_size = static_cast<uint16_t>(v);
                e.known |= KnownWindow;
            }
            if (f[1] != u"*"_s) {
                if (!parseInt(f[1], 1, 255, v))
                    return bad(u"ttl"_s);
                fp.ip_ttl = static_cast<uint8_t>(v);   // normalize() makes it the initial TTL
                e.known |= KnownTtl;
            }
            if (f[2] != u"*"_s) {
                if (f[2] != u"0"_s && f[2] != u"1"_s)
                    return bad(u"df"_s);
                fp.ip_df = f[2] == u"1"_s;
                e.known |= KnownDf;
            }
            // Satori's "hdrlen" is the IP total length of the SYN: 20 bytes of IPv4 header + TCP.
            if (f[3] != u"*"_s) {
                if (!parseInt(f[3], 40, 80, v) || v % 4 != 0)
                    return bad(u"header length (IP total length 40-80)"_s);
                fp.tcp_header_length = static_cast<uint8_t>(v - 20);
                fp.ip_total_length = static_cast<uint16_t>(v);
                e.known |= KnownHeaderLength;
            }
            // Options; "M*" / "W*" leave the MSS / scale unknown but the layout known. Satori's
            // letters beyond ours: "K" is SACK (kind 5), "T0" a timestamp with TSval zero.
            const bool mssWild = f[4].contains(u"M*"_s), wsWild = f[4].contains(u"W*"_s);
            if (f[4] != u"*"_s) {
                QString notation;
                for (QString token : f[4].split(u',', Qt::SkipEmptyParts)) {
                    if (token == u"K"_s)
                        token = u"K5"_s;
                    else if (token == u"T0"_s) {
                        token = u"T"_s;
                        fp.quirks |= QuirkTsValZero;
                    } else if (token == u"M*"_s || token == u"W*"_s)
                        token = token.left(1) + u'0';
                    notation += token + u',';
                }
                if (!fp.setTcpOptions(notation.toStdString()))
                    return bad(u"options"_s);
                e.known |= KnownOptions | (mssWild ? 0u : KnownMss) | (wsWild ? 0u : KnownWscale);
            }
            fp.tcp_flags = flag == u"SA"_s ? (TcpSyn | TcpAck) : TcpSyn;
            e.id = u"satori-line-%1"_s.arg(xml.lineNumber());
            e.label.os_name = osName.isEmpty() ? fpName : osName;
            e.label.os_class = e.label.os_name;
            e.label.device = osClass;
            e.label.notes = u"Satori %1 test, quirks \"%2\", weight %3, match %4"_s.arg(
                flag, f[5], a.value(u"weight"_s).toString(), a.value(u"matchtype"_s).toString());
            e.label.provenance = u"imported from %1, line %2 (%3)"_s.arg(file).arg(xml.lineNumber()).arg(
                fpName);
            return e;
        };
        if (std::optional<DbEntry> e = readTest())
            db.entries.push_back(std::move(*e));
        else
            db.skipped.push_back({testLine, -1, why});
    }
    if (xml.hasError())
        return failAt(u"not valid XML: %1"_s.arg(clipMessage(xml.errorString())));
    db.description = u"Satori TCP fingerprints imported from %1 (%2 SYN/SYN+ACK tests; %3 "
                     u"ACK-only tests not imported; Satori quirk letters kept in notes)"_s
                         .arg(file)
                         .arg(db.entries.size())
                         .arg(ackOnly);
    return db;
}

} // namespace synscope
