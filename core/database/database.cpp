// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/database/database.h"

#include "core/database/importers.h"
#include "core/database/input_text.h"
#include "core/detect/detect.h"
#include "core/store/fingerprint_store.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <memory>
#include <QScopeGuard>

#include <cerrno>
#include <cmath>
#include <limits>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

// The resource lives in the static core library: without a reference to its initializer the
// linker drops it from executables. Q_INIT_RESOURCE must be used outside any namespace.
static void initBuiltinResource()
{
    Q_INIT_RESOURCE(synscope_data);
}

namespace synscope {

namespace {

int lineOfOffset(const QByteArray& content, qsizetype offset)
{
    return static_cast<int>(content.left(offset).count('\n')) + 1;
}

// A JSON number (always a double) as a whole number in [lo, hi]. The range is checked on the
// double, before any cast: casting NaN, an infinity or a value beyond qint64 to an integer is
// undefined behaviour, so a file saying 1e300 must be refused while it is still a double.
bool wholeNumberIn(double d, qint64 lo, qint64 hi, qint64& out)
{
    // [-2^63, 2^63) is exactly what qint64 holds; both bounds are exact doubles.
    constexpr double kMin = -9223372036854775808.0, kEnd = 9223372036854775808.0;
    if (!std::isfinite(d) || d < kMin || d >= kEnd || std::trunc(d) != d)
        return false;
    const qint64 n = static_cast<qint64>(d);
    if (n < lo || n > hi)
        return false;
    out = n;
    return true;
}

QString tooLargeMessage(const QString& origin)
{
    return u"%1: larger than the %2 MiB limit for a database file"_s.arg(origin).arg(
        Database::kMaxFileBytes / (1024 * 1024));
}

// Reads the fields of one JSON object, remembering the first error with the entry and field.
class FieldReader {
public:
    FieldReader(const QJsonObject& obj, QString where, QString* error)
        : m_obj(obj), m_where(std::move(where)), m_error(error) {}

    bool has(const QString& key) const
    {
        return m_obj.contains(key) && !m_obj.value(key).isNull();
    }
    bool ok() const { return m_ok; }

    // Integers in [lo, hi]; booleans are accepted as 0/1 where lo == 0 and hi == 1.
    bool integer(const QString& key, qint64 lo, qint64 hi, qint64& out)
    {
        const QJsonValue v = m_obj.value(key);
        if (v.isBool() && lo == 0 && hi == 1) {
            out = v.toBool() ? 1 : 0;
            return true;
        }
        if (!v.isDouble() || !wholeNumberIn(v.toDouble(), lo, hi, out))
            return fail(key, u"expected an integer from %1 to %2, got %3"_s.arg(lo).arg(hi).arg(
                                 describe(v)));
        return true;
    }
    // An integer in [lo, hi], or nothing: missing, null or "" (zardaxt's "no such option").
    // `present` says whether an integer was read.
    bool optionalInteger(const QString& key, qint64 lo, qint64 hi, qint64& out, bool& present)
    {
        const QJsonValue v = m_obj.value(key);
        present = v.isDouble();
        if (present)
            return integer(key, lo, hi, out);
        if (v.isUndefined() || v.isNull() || (v.isString() && v.toString().isEmpty()))
            return true;
        return fail(key, u"expected an integer, null or \"\", got %1"_s.arg(describe(v)));
    }
    bool string(const QString& key, QString& out)
    {
        const QJsonValue v = m_obj.value(key);
        if (v.isUndefined() || v.isNull()) {
            out.clear();
            return true;
        }
        if (!v.isString())
            return fail(key, u"expected a string, got %1"_s.arg(describe(v)));
        out = v.toString();
        return true;
    }
    bool fail(const QString& key, const QString& what)
    {
        if (m_ok && m_error)
            *m_error = u"%1: field \"%2\": %3"_s.arg(m_where, key, what);
        m_ok = false;
        return false;
    }

    static QString describe(const QJsonValue& v)
    {
        switch (v.type()) {
        case QJsonValue::Undefined: return u"nothing (missing)"_s;
        case QJsonValue::Null: return u"null"_s;
        case QJsonValue::Bool: return v.toBool() ? u"true"_s : u"false"_s;
        case QJsonValue::Double: return QString::number(v.toDouble(), 'g', 12);
        case QJsonValue::String: return quoteInput(v.toString());
        case QJsonValue::Array: return u"an array"_s;
        case QJsonValue::Object: return u"an object"_s;
        }
        return QString();
    }

private:
    const QJsonObject& m_obj;
    QString m_where;
    QString* m_error;
    bool m_ok = true;
};

bool parseQuirks(const QString& text, uint32_t& out)
{
    out = 0;
    for (const QString& token : text.split(u',', Qt::SkipEmptyParts)) {
        const uint32_t bit = quirkFromName(token.trimmed().toStdString());
        if (!bit)
            return false;
        out |= bit;
    }
    return true;
}

// Options and the facts that follow from them: header-length consistency is not enforced (a
// database may describe a padded header), but the notation must parse.
bool readOptions(FieldReader& r, const QString& key, const QString& notation, Fingerprint& fp)
{
    if (!fp.setTcpOptions(notation.toStdString()))
        return r.fail(key, u"bad option notation %1 (expected tokens like M1460,S,T,N,W7,)"_s
                               .arg(quoteInput(notation)));
    return true;
}

} // namespace

std::optional<DbEntry> entryFromJson(const QJsonValue& value, qsizetype i, const QString& where,
                                     QString* error)
{
    if (!value.isObject()) {
        if (error)
            *error = u"%1: expected an object, got %2"_s.arg(where,
                                                            FieldReader::describe(value));
        return std::nullopt;
    }
    const QJsonObject obj = value.toObject();
    FieldReader r(obj, where, error);
    DbEntry e;
    e.known = 0;
    if (!r.string(u"id"_s, e.id))
        return std::nullopt;
    if (e.id.isEmpty())
        e.id = u"entry-%1"_s.arg(i);
    const QJsonValue os = obj.value(u"os"_s);
    if (!os.isUndefined() && !os.isNull() && !os.isObject()) {
        r.fail(u"os"_s, u"expected an object"_s);
        return std::nullopt;
    }
    const QJsonObject osObj = os.toObject();
    FieldReader osReader(osObj, where + u": os"_s, error);
    if (!osReader.string(u"name"_s, e.label.os_name) ||
        !osReader.string(u"class"_s, e.label.os_class) ||
        !osReader.string(u"version"_s, e.label.version) ||
        !r.string(u"device"_s, e.label.device) || !r.string(u"notes"_s, e.label.notes) ||
        !r.string(u"provenance"_s, e.label.provenance))
        return std::nullopt;
    if (e.label.os_class.isEmpty())
        e.label.os_class = e.label.os_name;

    if (!obj.value(u"fingerprint"_s).isObject()) {
        r.fail(u"fingerprint"_s, u"expected an object"_s);
        return std::nullopt;
    }
    const QJsonObject f = obj.value(u"fingerprint"_s).toObject();
    FieldReader fr(f, where + u": fingerprint"_s, error);
    Fingerprint& fp = e.fp;
    qint64 v = 0;
    auto readInt = [&](const QString& key, qint64 lo, qint64 hi, uint32_t bit, auto assign) {
        if (!fr.has(key))
            return true;
        if (!fr.integer(key, lo, hi, v))
            return false;
        assign(v);
        e.known |= bit;
        return true;
    };
    bool ok = readInt(u"ip_version"_s, 4, 6, KnownIpVersion,
                      [&](qint64 x) { fp.ip_version = static_cast<uint8_t>(x); }) &&
              readInt(u"ip_ttl"_s, 1, 255, KnownTtl,
                      [&](qint64 x) { fp.ip_ttl = static_cast<uint8_t>(x); }) &&
              readInt(u"ip_df"_s, 0, 1, KnownDf, [&](qint64 x) { fp.ip_df = x; }) &&
              readInt(u"ip_mf"_s, 0, 1, KnownMf, [&](qint64 x) { fp.ip_mf = x; }) &&
              readInt(u"tcp_flags"_s, 0, 0xfff, KnownFlags,
                      [&](qint64 x) { fp.tcp_flags = static_cast<uint16_t>(x); }) &&
              readInt(u"tcp_ack"_s, 0, 0xffffffffLL, KnownAck,
                      [&](qint64 x) { fp.tcp_ack = static_cast<uint32_t>(x); }) &&
              readInt(u"tcp_header_length"_s, 20, 60, KnownHeaderLength,
                      [&](qint64 x) { fp.tcp_header_length = static_cast<uint8_t>(x); }) &&
              readInt(u"tcp_urp"_s, 0, 0xffff, KnownUrp,
                      [&](qint64 x) { fp.tcp_urp = static_cast<uint16_t>(x); });
    if (!ok)
        return std::nullopt;
    if (fp.ip_version == 5) {
        fr.fail(u"ip_version"_s, u"expected 4 or 6, got 5"_s);
        return std::nullopt;
    }
    if ((e.known & KnownHeaderLength) && fp.tcp_header_length % 4 != 0) {
        fr.fail(u"tcp_header_length"_s,
                u"%1 is not a multiple of 4 bytes"_s.arg(fp.tcp_header_length));
        return std::nullopt;
    }
    // The window is a number, "mss*K" (p0f style: K times whatever the MSS is) or "mss*max"
    // (the largest multiple of the MSS that fits in 65535).
    if (fr.has(u"tcp_window_size"_s)) {
        const QJsonValue w = f.value(u"tcp_window_size"_s);
        if (w.isString() && w.toString() == u"mss*max"_s) {
            e.window_mss_max = true;
        } else if (w.isString() && w.toString().startsWith(u"mss*"_s)) {
            bool numOk = false;
            const int k = w.toString().mid(4).toInt(&numOk);
            if (!numOk || k <= 0 || k > 65535) {
                fr.fail(u"tcp_window_size"_s, u"bad multiple %1 (expected mss*K, K from 1 "
                                              u"to 65535, or mss*max)"_s.arg(quoteInput(w.toString())));
                return std::nullopt;
            }
            e.window_mss_multiple = k;
        } else {
            if (!fr.integer(u"tcp_window_size"_s, 0, 65535, v))
                return std::nullopt;
            fp.tcp_window_size = static_cast<uint16_t>(v);
        }
        e.known |= KnownWindow;
    }
    if (fr.has(u"tcp_options"_s)) {
        QString notation;
        if (!fr.string(u"tcp_options"_s, notation) ||
            !readOptions(fr, u"tcp_options"_s, notation, fp))
            return std::nullopt;
        e.known |= KnownOptions | KnownMss | KnownWscale;
    }
    if (fr.has(u"quirks"_s)) {
        QString quirks;
        if (!fr.string(u"quirks"_s, quirks))
            return std::nullopt;
        if (!parseQuirks(quirks, fp.quirks)) {
            fr.fail(u"quirks"_s, u"unknown quirk in %1 (known: %2)"_s.arg(
                                     quoteInput(quirks), QString::fromStdString(quirksString(~0u))));
            return std::nullopt;
        }
        e.known |= KnownQuirks;
    }
    return e;
}

namespace {

std::optional<Database> parseSynScope(const QJsonObject& root, const QString& origin,
                                      QString* error)
{
    const QString file = QFileInfo(origin).fileName();
    if (root.value(u"format"_s).toString() != u"synscope-db"_s) {
        if (error)
            *error = u"%1: not a SynScope database (\"format\" must be \"synscope-db\")"_s.arg(origin);
        return std::nullopt;
    }
    const QJsonValue version = root.value(u"version"_s);
    if (!version.isDouble() || version.toDouble() != 1.0) {
        if (error)
            *error = u"%1: unsupported SynScope database version %2 (this build reads 1)"_s.arg(
                origin, FieldReader::describe(version));
        return std::nullopt;
    }
    if (!root.value(u"entries"_s).isArray()) {
        if (error)
            *error = u"%1: \"entries\" must be an array"_s.arg(origin);
        return std::nullopt;
    }
    Database db;
    db.name = root.value(u"name"_s).toString(file);
    db.description = root.value(u"description"_s).toString();
    if (root.contains(u"min_class_size"_s)) {
        const QJsonValue v = root.value(u"min_class_size"_s);
        qint64 n = 0;
        if (!v.isDouble() || !wholeNumberIn(v.toDouble(), 1, std::numeric_limits<int>::max(), n)) {
            if (error)
                *error = u"%1: \"min_class_size\" must be a whole number from 1 to %2, got %3"_s
                             .arg(origin)
                             .arg(std::numeric_limits<int>::max())
                             .arg(FieldReader::describe(v));
            return std::nullopt;
        }
        db.min_class_size = static_cast<int>(n);
    }
    if (root.contains(u"families"_s)) {
        // [{"name": "Apple", "classes": ["macOS", "iOS", "iPadOS"]}, ...]
        const QJsonValue v = root.value(u"families"_s);
        const auto bad = [&](const QString& why) {
            if (error)
                *error = u"%1: \"families\" %2"_s.arg(origin, why);
            return std::nullopt;
        };
        if (!v.isArray())
            return bad(u"must be an array of {\"name\", \"classes\"} objects"_s);
        QStringList seen;
        for (const QJsonValue& f : v.toArray()) {
            const QJsonObject o = f.toObject();
            Family family;
            family.name = o.value(u"name"_s).toString();
            for (const QJsonValue& c : o.value(u"classes"_s).toArray())
                family.classes << c.toString();
            family.classes.removeAll(QString());
            if (!f.isObject() || family.name.isEmpty() || family.classes.size() < 2)
                return bad(u"entries need a \"name\" and at least two \"classes\""_s);
            for (const QString& c : family.classes) {
                if (seen.contains(c))
                    return bad(u"list class \"%1\" twice"_s.arg(c.left(80)));
                seen << c;
            }
            db.families.push_back(std::move(family));
        }
    }
    const QJsonArray entries = root.value(u"entries"_s).toArray();
    db.entries.reserve(entries.size());
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const QString where = u"%1: entry %2"_s.arg(origin).arg(i);
        QString why;
        if (std::optional<DbEntry> e = entryFromJson(entries.at(i), i, where, &why))
            db.entries.push_back(std::move(*e));
        else
            db.skipped.push_back({0, int(i), why});
    }
    return db;
}

// zardaxt's option letters beyond ours: K = SACK (5), J = 6, F = 7, P = 9, R = 10, U<n> = kind n.
bool zardaxtOptions(const QString& text, QString& notation)
{
    notation.clear();
    for (const QString& token : text.split(u',', Qt::SkipEmptyParts)) {
        const QChar c = token.at(0);
        const QString rest = token.mid(1);
        int kind = -1;
        switch (c.unicode()) {
        case 'E': case 'N': case 'S': case 'T':
            if (!rest.isEmpty())
                return false;
            notation += token;
            break;
        case 'M': case 'W':
            notation += token;
            break;
        case 'K': kind = 5; break;
        case 'J': kind = 6; break;
        case 'F': kind = 7; break;
        case 'P': kind = 9; break;
        case 'R': kind = 10; break;
        case 'U': {
            bool ok = false;
            kind = rest.toInt(&ok);
            if (!ok || kind < 0 || kind > 255)
                return false;
            break;
        }
        default:
            return false;
        }
        if (kind >= 0) {
            if (c != u'U' && !rest.isEmpty())
                return false;
            notation += u'K' + QString::number(kind);
        }
        notation += u',';
    }
    return true;
}

// Third-party formats declare no families: the ones SYNs cannot tell apart are added under the
// class names each format uses (Apple's XNU stack: p0f says "Mac OS X", zardaxt "macOS").
std::optional<Database> withKnownFamilies(std::optional<Database> db)
{
    if (!db)
        return db;
    static const QStringList kApple = {u"macOS"_s, u"Mac OS X"_s, u"MacOS X"_s, u"iOS"_s, u"iPadOS"_s};
    Family apple{u"Apple"_s, {}};
    for (const QString& c : kApple)
        if (std::any_of(db->entries.begin(), db->entries.end(),
                        [&](const DbEntry& e) { return e.label.os_class == c; }))
            apple.classes << c;
    if (apple.classes.size() >= 2)
        db->families.push_back(std::move(apple));
    return db;
}

// One entry of a zardaxt list; nullopt with *error naming the entry and field.
std::optional<DbEntry> readZardaxtEntry(const QJsonValue& value, qsizetype i, const QString& where,
                                        const QString& origin, QString* error)
{
    const QString file = QFileInfo(origin).fileName();
    if (!value.isObject()) {
        if (error)
            *error = u"%1: expected an object, got %2"_s.arg(where,
                                                            FieldReader::describe(value));
        return std::nullopt;
    }
    const QJsonObject obj = value.toObject();
    FieldReader r(obj, where, error);
    DbEntry e;
    e.id = u"%1-%2"_s.arg(QFileInfo(origin).completeBaseName()).arg(i);
    e.known = KnownDf | KnownMf | KnownWindow | KnownFlags | KnownHeaderLength | KnownOptions |
              KnownMss | KnownWscale | KnownAck | KnownUrp;
    Fingerprint& fp = e.fp;
    qint64 v = 0;
    if (!r.integer(u"ip_df"_s, 0, 1, v))
        return std::nullopt;
    fp.ip_df = v;
    if (!r.integer(u"ip_mf"_s, 0, 1, v))
        return std::nullopt;
    fp.ip_mf = v;
    if (!r.integer(u"tcp_window_size"_s, 0, 65535, v))
        return std::nullopt;
    fp.tcp_window_size = static_cast<uint16_t>(v);
    if (!r.integer(u"tcp_flags"_s, 0, 0xfff, v))
        return std::nullopt;
    fp.tcp_flags = static_cast<uint16_t>(v);
    if (!r.integer(u"tcp_ack"_s, 0, 0xffffffffLL, v))
        return std::nullopt;
    fp.tcp_ack = static_cast<uint32_t>(v);
    if (!r.integer(u"tcp_urp"_s, 0, 0xffff, v))
        return std::nullopt;
    fp.tcp_urp = static_cast<uint16_t>(v);
    // The raw data-offset byte: the header length in 32-bit words sits in the upper nibble.
    if (!r.integer(u"tcp_header_length"_s, 0, 255, v))
        return std::nullopt;
    if ((v & 0x0f) != 0 || (v >> 4) < 5) {
        r.fail(u"tcp_header_length"_s,
               u"%1 is not a data-offset byte (expected 80 to 240 in steps of 16)"_s.arg(v));
        return std::nullopt;
    }
    fp.tcp_header_length = static_cast<uint8_t>((v >> 4) * 4);
    QString options;
    if (!r.string(u"tcp_options"_s, options))
        return std::nullopt;
    QString notation;
    if (!zardaxtOptions(options, notation)) {
        r.fail(u"tcp_options"_s, u"bad option notation %1"_s.arg(quoteInput(options)));
        return std::nullopt;
    }
    if (!readOptions(r, u"tcp_options"_s, notation, fp))
        return std::nullopt;
    if (r.has(u"tcp_mss"_s)) {
        if (!r.integer(u"tcp_mss"_s, 0, 65535, v))
            return std::nullopt;
        if (v != fp.tcp_mss) {
            r.fail(u"tcp_mss"_s,
                   u"%1 disagrees with the options %2"_s.arg(v).arg(quoteInput(options)));
            return std::nullopt;
        }
    }
    if (r.has(u"tcp_window_scaling"_s)) {
        if (!r.integer(u"tcp_window_scaling"_s, 0, 255, v))
            return std::nullopt;
        if (v != fp.tcp_window_scaling) {
            r.fail(u"tcp_window_scaling"_s,
                   u"%1 disagrees with the options %2"_s.arg(v).arg(quoteInput(options)));
            return std::nullopt;
        }
    }
    // The timestamps are integers, or null / "" when the SYN had no timestamp option.
    bool present = false;
    if (!r.optionalInteger(u"tcp_timestamp"_s, 0, 0xffffffffLL, v, present))
        return std::nullopt;
    if (present) {
        fp.tcp_timestamp = static_cast<uint32_t>(v);
        e.known |= KnownTimestampValue;
        if (fp.tcp_timestamp == 0 && fp.tcp_has_timestamp)
            fp.quirks |= QuirkTsValZero;
    }
    if (!r.optionalInteger(u"tcp_timestamp_echo_reply"_s, 0, 0xffffffffLL, v, present))
        return std::nullopt;
    if (present)
        fp.tcp_timestamp_echo_reply = static_cast<uint32_t>(v);
    if (r.has(u"ip_ttl"_s)) {
        if (!r.integer(u"ip_ttl"_s, 1, 255, v))
            return std::nullopt;
        // The observed TTL goes to notes.
        fp.ip_ttl = static_cast<uint8_t>(v);   // normalize() makes it the initial TTL
        e.known |= KnownTtl;
        e.label.notes = u"observed TTL %1. "_s.arg(v);
    }
    const QJsonObject os = obj.value(u"os"_s).toObject();
    e.label.os_name = os.value(u"name"_s).toString();
    e.label.os_class = e.label.os_name;
    e.label.version = os.value(u"version"_s).toString();
    const QString versionName = os.value(u"versionName"_s).toString();
    if (!versionName.isEmpty())
        e.label.version += u" ("_s + versionName + u')';
    const QJsonObject platform = obj.value(u"platform"_s).toObject();
    QStringList device;
    for (const QString& key : {u"type"_s, u"vendor"_s, u"model"_s})
        if (!platform.value(key).toString().isEmpty())
            device << platform.value(key).toString();
    e.label.device = device.join(u' ');
    const QString ua = obj.value(u"navigatorUserAgent"_s).toString();
    if (!ua.isEmpty())
        e.label.notes += u"User-Agent: "_s + ua;
    e.label.notes = e.label.notes.trimmed();
    e.label.provenance = u"imported from %1, entry %2"_s.arg(file).arg(i);
    return e;
}

Database parseZardaxt(const QJsonArray& list, const QString& origin)
{
    const QString file = QFileInfo(origin).fileName();
    Database db;
    db.name = file;
    db.description = u"zardaxt JSON database imported from %1"_s.arg(file);
    db.entries.reserve(list.size());
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString where = u"%1: entry %2"_s.arg(origin).arg(i);
        QString why;
        if (std::optional<DbEntry> e = readZardaxtEntry(list.at(i), i, where, origin, &why))
            db.entries.push_back(std::move(*e));
        else
            db.skipped.push_back({0, int(i), why});
    }
    return db;
}

} // namespace

void normalize(DbEntry& entry)
{
    Fingerprint& fp = entry.fp;
    if ((entry.known & KnownTtl) && fp.ip_ttl > 0)
        fp.ip_ttl = static_cast<uint8_t>(estimateHops(fp.ip_ttl).initial_ttl);
    if (entry.known & KnownDf) {
        if (fp.ip_df)
            fp.quirks |= QuirkDf;
        else
            fp.quirks &= ~static_cast<uint32_t>(QuirkDf);
    } else if ((entry.known & KnownQuirks) && (fp.quirks & QuirkDf)) {
        fp.ip_df = true;
        entry.known |= KnownDf;
    }
    if (entry.window_mss_multiple > 0)
        entry.window_mss_max = false;
    if (entry.window_mss_multiple > 0 || entry.window_mss_max)
        fp.tcp_window_size = 0;
}

DbEntry entryFromFingerprint(const Fingerprint& fp)
{
    DbEntry e;
    e.fp = fp;
    e.known = KnownAll;
    if (!fp.tcp_has_timestamp)
        e.known &= ~static_cast<uint32_t>(KnownTimestampValue);
    // What only this connection had: the sequence, the peer's timestamp echo and the payload
    // length are not properties of a stack.
    e.fp.tcp_seq = 0;
    e.fp.tcp_timestamp_echo_reply = 0;
    e.fp.tcp_payload_length = 0;
    e.fp.ip_id = 0;
    e.fp.ip_flow_label = 0;
    normalize(e);
    return e;
}

namespace {

// What every reader's result goes through: each entry normalized, and a file of which nothing
// could be read refused with the first reason.
std::optional<Database> finishRead(std::optional<Database> db, QString* error)
{
    if (!db)
        return db;
    if (db->entries.empty() && !db->skipped.empty()) {
        if (error) {
            *error = db->skipped.front().message;
            if (db->skipped.size() > 1)
                *error += u" (and %1 more entries or lines that could not be read)"_s.arg(
                    db->skipped.size() - 1);
        }
        return std::nullopt;
    }
    for (size_t i = 0; i < db->entries.size(); ++i) {
        normalize(db->entries[i]);
        db->entries[i].uid = qint64(i) + 1;
    }
    return db;
}

std::optional<Database> parseContent(const QByteArray& rawContent, const QString& origin,
                                     QString* error);

} // namespace

std::optional<Database> Database::parse(const QByteArray& rawContent, const QString& origin,
                                        QString* error)
{
    return finishRead(parseContent(rawContent, origin, error), error);
}

namespace {

std::optional<Database> parseContent(const QByteArray& rawContent, const QString& origin,
                                     QString* error)
{
    if (rawContent.size() > Database::kMaxFileBytes) {
        if (error)
            *error = tooLargeMessage(origin);
        return std::nullopt;
    }
    QByteArray content = rawContent;
    if (content.startsWith("\xEF\xBB\xBF"))
        content.remove(0, 3);
    const QByteArray head = content.left(4096).trimmed();
    const bool p0fSection = head.startsWith("[tcp:") || head.startsWith("[mtu]") ||
                            head.startsWith("[http:");
    if (!p0fSection && (head.startsWith('{') || head.startsWith('['))) {
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(content, &pe);
        if (pe.error != QJsonParseError::NoError) {
            if (error)
                *error = u"%1: line %2: not valid JSON: %3"_s.arg(origin)
                             .arg(lineOfOffset(content, pe.offset))
                             .arg(pe.errorString());
            return std::nullopt;
        }
        if (doc.isArray())
            return withKnownFamilies(parseZardaxt(doc.array(), origin));
        return parseSynScope(doc.object(), origin, error);
    }
    if (head.startsWith('<'))
        return withKnownFamilies(importSatori(content, origin, error));
    if (content.contains("[tcp:request]") || content.contains("[tcp:response]"))
        return withKnownFamilies(importP0f(content, origin));
    if (error)
        *error = u"%1: unrecognized database format (expected SynScope JSON, a zardaxt JSON list, "
                 u"p0f.fp or Satori tcp.xml)"_s.arg(origin);
    return std::nullopt;
}

} // namespace

namespace {

// A FIFO, socket or device (anything but a regular file), read by hand: QFile::open() waits in
// open(2) for a FIFO's writer and retries it on EINTR, and its read() retries too, so a FIFO
// nobody writes to held the process until SIGKILL. Opened non-blocking (which never waits for a
// writer) and then waited on with poll(), a signal delivered without SA_RESTART (synscope-cli's
// SIGINT/SIGTERM) ends the wait with an error. On Linux a reader that has never had a writer is
// not told POLLHUP, so poll() still waits for a writer that comes later.
std::optional<QByteArray> readStream(const QString& path, QString* error)
{
    const auto fail = [&](const QString& what) {
        if (error)
            *error = u"%1: %2"_s.arg(path, what);
        return std::nullopt;
    };
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fail(u"cannot open: %1"_s.arg(qt_error_string(errno)));
    const auto closeFd = qScopeGuard([fd] { ::close(fd); });
    QByteArray content;
    constexpr qsizetype kChunk = 1 << 20;
    bool polledReadable = false;   // poll() said readable since the last data
    for (;;) {
        const qsizetype have = content.size();
        const qsizetype want = qMin<qsizetype>(kChunk, Database::kMaxFileBytes + 1 - have);
        content.resize(have + want);
        const ssize_t n = ::read(fd, content.data() + have, size_t(want));
        const int readErrno = errno;
        content.resize(have + (n > 0 ? qsizetype(n) : 0));
        if (content.size() > Database::kMaxFileBytes) {
            if (error)
                *error = tooLargeMessage(path);
            return std::nullopt;
        }
        if (n > 0) {
            polledReadable = false;
            continue;
        }
        // 0 is the end once data came or poll() said readable (a writer has been there, or a
        // device such as /dev/null); before that it is what a FIFO without a writer says.
        if (n == 0 && (have > 0 || polledReadable))
            break;
        if (n < 0 && readErrno != EAGAIN && readErrno != EWOULDBLOCK && readErrno != EINTR)
            return fail(u"cannot read: %1"_s.arg(qt_error_string(readErrno)));
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, -1);
        if (ready < 0 && errno == EINTR)
            return fail(u"interrupted while waiting for data"_s);
        if (ready < 0)
            return fail(u"cannot read: %1"_s.arg(qt_error_string(errno)));
        if (p.revents & POLLNVAL)
            return fail(u"cannot read: invalid descriptor"_s);
        if (!(p.revents & POLLIN))
            break;   // POLLHUP / POLLERR without data: the writer is gone, all it wrote was read
        polledReadable = true;
    }
    return content;
}

} // namespace

std::optional<Database> Database::load(const QString& path, QString* error)
{
    // Regular files (and Qt resources, which stat() does not see) go through QFile.
    struct stat st{};
    if (::stat(QFile::encodeName(path).constData(), &st) == 0 && !S_ISREG(st.st_mode) &&
        !S_ISDIR(st.st_mode)) {
        std::optional<QByteArray> content = readStream(path, error);
        if (!content)
            return std::nullopt;
        return parse(*content, path, error);
    }
    // A SynScope store (SQLite, always a regular file): its enabled entries.
    if (FingerprintStore::isStoreFile(path)) {
        const std::unique_ptr<FingerprintStore> store = FingerprintStore::open(path, error);
        if (!store)
            return std::nullopt;
        return store->snapshot();
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = u"%1: cannot open: %2"_s.arg(path, file.errorString());
        return std::nullopt;
    }
    // Read up to one byte past the limit, counting while reading: QFile::size() is 0 or
    // meaningless for a device or a FIFO (/dev/zero, a pipe that never ends) and a regular file
    // may grow while it is read, so only what was actually read decides.
    if (!file.isSequential() && file.size() > kMaxFileBytes) {
        if (error)
            *error = tooLargeMessage(path);
        return std::nullopt;
    }
    QByteArray content;
    if (!file.isSequential())
        content.reserve(qsizetype(file.size()) + 1);
    constexpr qsizetype kChunk = 1 << 20;
    for (;;) {
        const qsizetype have = content.size();
        const qsizetype want = qMin<qsizetype>(kChunk, kMaxFileBytes + 1 - have);
        content.resize(have + want);
        const qint64 n = file.read(content.data() + have, want);
        if (n < 0) {
            if (error)
                *error = u"%1: cannot read: %2"_s.arg(path, file.errorString());
            return std::nullopt;
        }
        content.resize(have + qsizetype(n));
        if (content.size() > kMaxFileBytes) {
            if (error)
                *error = tooLargeMessage(path);
            return std::nullopt;
        }
        if (n == 0)
            break;   // end of file
    }
    return parse(content, path, error);
}

Database Database::builtin()
{
    initBuiltinResource();
    const QString path = u":/synscope/synscope-default.json"_s;
    QString error;
    std::optional<Database> db = load(path, &error);
    if (db && db->entries.empty())
        db->description = u"%1 holds no entries"_s.arg(path);
    if (db)
        return std::move(*db);
    Database empty;
    empty.name = u"built-in (unavailable)"_s;
    empty.description = error;
    return empty;
}

QString entryLabel(const DbEntry& entry)
{
    const Label& l = entry.label;
    if (l.os_name.isEmpty())
        return entry.id.isEmpty() ? u"(unlabelled)"_s : entry.id;
    return l.version.isEmpty() ? l.os_name : l.os_name + u' ' + l.version;
}

const Family* Database::familyOf(const QString& osClass) const
{
    for (const Family& f : families)
        if (f.classes.contains(osClass))
            return &f;
    return nullptr;
}

std::optional<Database> Database::loadOrBuiltin(const std::optional<QString>& path, QString* error)
{
    if (path)
        return load(*path, error);
    Database db = builtin();
    if (db.entries.empty()) {
        if (error)
            *error = u"the built-in database could not be read: "_s + db.description;
        return std::nullopt;
    }
    return db;
}

QByteArray fingerprintKey(const DbEntry& entry)
{
    return QJsonDocument(entryToJson(entry).value(u"fingerprint"_s).toObject()).toJson(QJsonDocument::Compact);
}

QJsonObject entryToJson(const DbEntry& e)
{
    const Fingerprint& fp = e.fp;
    QJsonObject f;
    if (e.known & KnownIpVersion)
        f.insert(u"ip_version"_s, fp.ip_version);
    if (e.known & KnownTtl)
        f.insert(u"ip_ttl"_s, fp.ip_ttl);
    if (e.known & KnownDf)
        f.insert(u"ip_df"_s, fp.ip_df ? 1 : 0);
    if (e.known & KnownMf)
        f.insert(u"ip_mf"_s, fp.ip_mf ? 1 : 0);
    if (e.known & KnownWindow) {
        if (e.window_mss_multiple > 0)
            f.insert(u"tcp_window_size"_s, u"mss*%1"_s.arg(e.window_mss_multiple));
        else if (e.window_mss_max)
            f.insert(u"tcp_window_size"_s, u"mss*max"_s);
        else
            f.insert(u"tcp_window_size"_s, fp.tcp_window_size);
    }
    if (e.known & KnownFlags)
        f.insert(u"tcp_flags"_s, fp.tcp_flags);
    if (e.known & KnownAck)
        f.insert(u"tcp_ack"_s, static_cast<qint64>(fp.tcp_ack));
    if (e.known & KnownHeaderLength)
        f.insert(u"tcp_header_length"_s, fp.tcp_header_length);
    if (e.known & KnownUrp)
        f.insert(u"tcp_urp"_s, fp.tcp_urp);
    if (e.known & KnownOptions)
        f.insert(u"tcp_options"_s, QString::fromStdString(fp.tcpOptions()));
    if (e.known & KnownQuirks)
        f.insert(u"quirks"_s, QString::fromStdString(quirksString(fp.quirks)));
    QJsonObject os{{u"name"_s, e.label.os_name}, {u"class"_s, e.label.os_class}};
    if (!e.label.version.isEmpty())
        os.insert(u"version"_s, e.label.version);
    QJsonObject obj{{u"id"_s, e.id}, {u"os"_s, os}, {u"fingerprint"_s, f}};
    if (!e.label.device.isEmpty())
        obj.insert(u"device"_s, e.label.device);
    if (!e.label.notes.isEmpty())
        obj.insert(u"notes"_s, e.label.notes);
    if (!e.label.provenance.isEmpty())
        obj.insert(u"provenance"_s, e.label.provenance);
    return obj;
}

QByteArray Database::toJson() const
{
    QJsonArray list;
    for (const DbEntry& e : entries)
        list.append(entryToJson(e));
    QJsonObject root{{u"format"_s, u"synscope-db"_s}, {u"version"_s, 1}, {u"name"_s, name},
                     {u"description"_s, description}, {u"min_class_size"_s, min_class_size},
                     {u"entries"_s, list}};
    if (!families.empty()) {
        QJsonArray fams;
        for (const Family& f : families)
            fams.append(QJsonObject{{u"name"_s, f.name}, {u"classes"_s, QJsonArray::fromStringList(f.classes)}});
        root.insert(u"families"_s, fams);
    }
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

bool Database::save(const QString& path, QString* error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = u"%1: cannot write: %2"_s.arg(path, file.errorString());
        return false;
    }
    file.write(toJson());
    if (!file.commit()) {
        if (error)
            *error = u"%1: cannot write: %2"_s.arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace synscope
