// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/store/fingerprint_store.h"

#include "core/database/exporters.h"

#include "core/ua/useragent.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTimeZone>
#include <QVariant>

#include <algorithm>
#include <map>

using namespace Qt::Literals::StringLiterals;

namespace synscope {

namespace {

// Each step takes the schema from version (index) to version (index + 1). A step is never edited
// once released; a change of schema is a new step, and tests open a store of every older version.
const char* const kMigrations[] = {
    // 0 -> 1
    R"(CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
       CREATE TABLE entries (
           id INTEGER PRIMARY KEY AUTOINCREMENT,
           name TEXT NOT NULL UNIQUE,
           known INTEGER NOT NULL,
           fingerprint TEXT NOT NULL,
           os_name TEXT NOT NULL DEFAULT '',
           os_class TEXT NOT NULL DEFAULT '',
           version TEXT NOT NULL DEFAULT '',
           device TEXT NOT NULL DEFAULT '',
           notes TEXT NOT NULL DEFAULT '',
           provenance TEXT NOT NULL DEFAULT '',
           origin TEXT NOT NULL CHECK (origin IN ('default', 'imported', 'captured', 'manual')),
           enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
           author TEXT NOT NULL DEFAULT '',
           user_agent TEXT NOT NULL DEFAULT '',
           capture_file TEXT NOT NULL DEFAULT '',
           created TEXT NOT NULL,
           modified TEXT NOT NULL);
       CREATE INDEX entries_class ON entries (os_class);)",
};
static_assert(std::size(kMigrations) == FingerprintStore::kSchemaVersion);

const QString kColumns = u"id, name, known, fingerprint, os_name, os_class, version, device, notes, "
                         u"provenance, origin, enabled, author, user_agent, capture_file, created, "
                         u"modified"_s;

QString now()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QString sqlError(const QSqlError& e)
{
    const QString text = e.driverText().isEmpty() ? e.text() : e.driverText();
    const QString db = e.databaseText();
    return db.isEmpty() || text.contains(db) ? text : u"%1 (%2)"_s.arg(text, db);
}

// The first 16 bytes of every SQLite database file.
const QByteArray kSqliteHeader("SQLite format 3\0", 16);

bool isSqliteFile(const QString& path, QString* why)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *why = u"cannot open: %1"_s.arg(f.errorString());
        return false;
    }
    const QByteArray head = f.read(16);
    if (head.isEmpty())
        return true;   // an empty file: SQLite makes it a database
    if (head != kSqliteHeader) {
        *why = u"not a SQLite database (a database file to import goes through "
               u"\"db import\" or File > Import)"_s;
        return false;
    }
    return true;
}

StoredEntry readRow(const QSqlQuery& q, QString* why)
{
    StoredEntry s;
    s.id = q.value(0).toLongLong();
    const QString name = q.value(1).toString();
    QJsonParseError pe;
    const QJsonDocument fp = QJsonDocument::fromJson(q.value(3).toString().toUtf8(), &pe);
    std::optional<DbEntry> e;
    if (pe.error == QJsonParseError::NoError && fp.isObject())
        e = entryFromJson(QJsonObject{{u"id"_s, name}, {u"fingerprint"_s, fp.object()}}, 0,
                          u"entry %1 (%2)"_s.arg(s.id).arg(name), why);
    else
        *why = u"entry %1 (%2): the fingerprint is not a JSON object"_s.arg(s.id).arg(name);
    if (e) {
        s.entry = std::move(*e);
        // The JSON form cannot say "options known, MSS unknown": the column keeps every bit.
        s.entry.known = uint32_t(q.value(2).toLongLong()) & KnownAll;
    }
    s.entry.id = name;
    s.entry.uid = s.id;
    Label& l = s.entry.label;
    l.os_name = q.value(4).toString();
    l.os_class = q.value(5).toString();
    l.version = q.value(6).toString();
    l.device = q.value(7).toString();
    l.notes = q.value(8).toString();
    l.provenance = q.value(9).toString();
    s.origin = originFromName(q.value(10).toString()).value_or(EntryOrigin::Manual);
    s.enabled = q.value(11).toInt() != 0;
    s.author = q.value(12).toString();
    s.user_agent = q.value(13).toString();
    s.capture_file = q.value(14).toString();
    s.created = QDateTime::fromString(q.value(15).toString(), Qt::ISODateWithMs);
    s.modified = QDateTime::fromString(q.value(16).toString(), Qt::ISODateWithMs);
    normalize(s.entry);
    return s;
}

// Qt binds a null QString as NULL; the text columns are NOT NULL.
QString text(const QString& s)
{
    return s.isNull() ? u""_s : s;
}

void bindEntry(QSqlQuery& q, const StoredEntry& s)
{
    const DbEntry& e = s.entry;
    q.bindValue(u":name"_s, e.id);
    q.bindValue(u":known"_s, qint64(e.known));
    q.bindValue(u":fingerprint"_s,
                QString::fromUtf8(QJsonDocument(entryToJson(e).value(u"fingerprint"_s).toObject())
                                      .toJson(QJsonDocument::Compact)));
    q.bindValue(u":os_name"_s, text(e.label.os_name));
    q.bindValue(u":os_class"_s, text(e.label.os_class));
    q.bindValue(u":version"_s, text(e.label.version));
    q.bindValue(u":device"_s, text(e.label.device));
    q.bindValue(u":notes"_s, text(e.label.notes));
    q.bindValue(u":provenance"_s, text(e.label.provenance));
    q.bindValue(u":enabled"_s, s.enabled ? 1 : 0);
    q.bindValue(u":author"_s, text(s.author));
    q.bindValue(u":user_agent"_s, text(s.user_agent));
    q.bindValue(u":capture_file"_s, text(s.capture_file));
}

// The rows of add(), inside the caller's transaction.
bool insertEntries(QSqlDatabase& db, std::vector<StoredEntry>& entries, bool keepIds,
                   std::vector<qint64>& ids, QString& why)
{
    ids.reserve(ids.size() + entries.size());
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QSet<QString> names;
    if (!q.exec(u"SELECT name FROM entries"_s)) {
        why = sqlError(q.lastError());
        return false;
    }
    while (q.next())
        names.insert(q.value(0).toString());
    q.prepare(u"INSERT INTO entries (id, name, known, fingerprint, os_name, os_class, version, "
              u"device, notes, provenance, origin, enabled, author, user_agent, capture_file, "
              u"created, modified) VALUES (:id, :name, :known, :fingerprint, :os_name, "
              u":os_class, :version, :device, :notes, :provenance, :origin, :enabled, "
              u":author, :user_agent, :capture_file, :created, :modified)"_s);
    const QString stamp = now();
    for (StoredEntry& s : entries) {
        normalize(s.entry);
        // A name is unique in the store: a second "linux-6-default" becomes
        // "linux-6-default~2".
        QString base = s.entry.id.isEmpty() ? originName(s.origin) : s.entry.id;
        QString name = base;
        for (int n = 2; names.contains(name); ++n)
            name = u"%1~%2"_s.arg(base).arg(n);
        s.entry.id = name;
        names.insert(name);
        bindEntry(q, s);
        q.bindValue(u":id"_s, keepIds && s.id > 0 ? QVariant(s.id) : QVariant());
        q.bindValue(u":origin"_s, originName(s.origin));
        q.bindValue(u":created"_s, keepIds && s.created.isValid()
                                       ? s.created.toString(Qt::ISODateWithMs) : stamp);
        q.bindValue(u":modified"_s, keepIds && s.modified.isValid()
                                        ? s.modified.toString(Qt::ISODateWithMs) : stamp);
        if (!q.exec()) {
            why = u"entry \"%1\": %2"_s.arg(name.left(80), sqlError(q.lastError()));
            return false;
        }
        ids.push_back(q.lastInsertId().toLongLong());
    }
    return true;
}

} // namespace

QString originName(EntryOrigin origin)
{
    switch (origin) {
    case EntryOrigin::Default: return u"default"_s;
    case EntryOrigin::Imported: return u"imported"_s;
    case EntryOrigin::Captured: return u"captured"_s;
    case EntryOrigin::Manual: return u"manual"_s;
    }
    return {};
}

std::optional<EntryOrigin> originFromName(const QString& name)
{
    for (EntryOrigin o : {EntryOrigin::Default, EntryOrigin::Imported, EntryOrigin::Captured,
                          EntryOrigin::Manual})
        if (originName(o) == name)
            return o;
    return std::nullopt;
}

StoredEntry capturedEntry(const SynRecord& record, const QString& captureName,
                          const QString& userAgent)
{
    StoredEntry s;
    s.origin = EntryOrigin::Captured;
    s.entry = entryFromFingerprint(record.fp);
    const QString host = QString::fromStdString(formatAddress(record.src, record.fp.ip_version));
    const QString when = QDateTime::fromMSecsSinceEpoch(record.ts_ns / 1000000, QTimeZone::utc())
                             .toString(Qt::ISODate);
    s.entry.id = u"captured-%1-%2"_s.arg(host, QString::number(record.frame));
    s.entry.label.provenance = u"captured from %1 in %2, frame %3, %4"_s.arg(
        host, QFileInfo(captureName).fileName(), QString::number(record.frame), when);
    s.capture_file = captureName;
    s.user_agent = userAgent;
    if (!userAgent.isEmpty()) {
        s.entry.label.provenance += u", User-Agent: "_s + userAgent.left(300);
        const UaOs ua = parseUserAgent(userAgent.toStdString());
        if (ua.known() && !ua.bot) {
            s.entry.label.os_name = QString::fromUtf8(uaClassName(ua.os_class));
            s.entry.label.os_class = s.entry.label.os_name;
            s.entry.label.version = QString::fromStdString(ua.version);
        }
    }
    return s;
}

bool FingerprintStore::isStoreFile(const QString& path)
{
    QFile probe(path);
    return QFileInfo(path).isFile() && probe.open(QIODevice::ReadOnly) &&
           probe.read(kSqliteHeader.size()) == kSqliteHeader;
}

QString FingerprintStore::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           u"/synscope/fingerprints.sqlite"_s;
}

QString FingerprintStore::fail(const QString& what, const QString& why) const
{
    return u"%1: %2: %3"_s.arg(m_path, what, why);
}

template <class Body>
bool FingerprintStore::transaction(const QString& what, QString* error, Body body)
{
    if (m_readOnly) {
        if (error)
            *error = fail(what, u"the database is read-only"_s);
        return false;
    }
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    QSqlQuery q(db);
    // IMMEDIATE: the write lock is taken (or the busy timeout spent) before anything is done.
    if (!q.exec(u"BEGIN IMMEDIATE"_s)) {
        if (error)
            *error = fail(what, sqlError(q.lastError()));
        return false;
    }
    QString why;
    if (!body(db, why)) {
        q.exec(u"ROLLBACK"_s);
        if (error)
            *error = fail(what, why);
        return false;
    }
    if (!q.exec(u"COMMIT"_s)) {
        const QString reason = sqlError(q.lastError());
        q.exec(u"ROLLBACK"_s);
        if (error)
            *error = fail(what, reason);
        return false;
    }
    return true;
}

std::unique_ptr<FingerprintStore> FingerprintStore::open(const QString& path, QString* error,
                                                         const Database* seed)
{
    static QAtomicInteger<quint64> counter;
    std::unique_ptr<FingerprintStore> store(new FingerprintStore);
    store->m_path = path;
    store->m_connection = u"synscope-store-%1"_s.arg(counter.fetchAndAddRelaxed(1));
    const QFileInfo info(path);
    QString why;
    const auto refuse = [&](const QString& reason) {
        if (error)
            *error = u"%1: %2"_s.arg(path, reason);
        return nullptr;
    };
    if (info.exists()) {
        if (info.isDir())
            return refuse(u"is a directory"_s);
        if (!isSqliteFile(path, &why))
            return refuse(why);
        store->m_readOnly = !info.isWritable();
    } else if (!QFileInfo(info.absolutePath()).exists() && !QDir().mkpath(info.absolutePath())) {
        return refuse(u"cannot create the folder %1"_s.arg(info.absolutePath()));
    }
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, store->m_connection);
        db.setDatabaseName(path);
        db.setConnectOptions(store->m_readOnly ? u"QSQLITE_BUSY_TIMEOUT=3000;QSQLITE_OPEN_READONLY"_s
                                               : u"QSQLITE_BUSY_TIMEOUT=3000"_s);
        if (!db.open())
            return refuse(u"cannot open: %1"_s.arg(sqlError(db.lastError())));
        QSqlQuery q(db);
        // quick_check reads every page: a damaged file is refused before anything trusts it.
        if (!q.exec(u"PRAGMA quick_check"_s) || !q.next())
            return refuse(u"cannot read: %1"_s.arg(sqlError(q.lastError())));
        if (q.value(0).toString() != u"ok"_s)
            return refuse(u"damaged (SQLite's check says: %1)"_s.arg(q.value(0).toString().left(200)));
    }
    // The schema is checked (and a newer one refused) before anything is written.
    if (!store->migrate(error))
        return nullptr;
    if (!store->m_readOnly) {
        QSqlQuery q(QSqlDatabase::database(store->m_connection));
        if (!q.exec(u"PRAGMA journal_mode=WAL"_s) || !q.next())
            return refuse(u"cannot write: %1"_s.arg(sqlError(q.lastError())));
    }
    if (seed && !store->m_readOnly) {
        QSqlQuery q(QSqlDatabase::database(store->m_connection));
        if (q.exec(u"SELECT value FROM meta WHERE key = 'seeded'"_s) && !q.next()) {
            std::vector<StoredEntry> entries;
            entries.reserve(seed->entries.size());
            for (const DbEntry& e : seed->entries)
                entries.push_back({0, e, EntryOrigin::Default, true, {}, {}, {}, {}, {}});
            // The seed, its metadata and the mark that it was seeded: one transaction, so a
            // store interrupted while seeding is seeded again next time, never half.
            const bool ok = store->transaction(u"seeding"_s, error, [&](QSqlDatabase& db, QString& w) {
                QSqlQuery m(db);
                if (!m.exec(u"INSERT INTO meta (key, value) VALUES ('seeded', '1')"_s)) {
                    w = sqlError(m.lastError());
                    return false;
                }
                QString metaError;
                if (!store->writeMeta(*seed, &metaError)) {
                    w = metaError;
                    return false;
                }
                std::vector<qint64> ids;
                return insertEntries(db, entries, false, ids, w);
            });
            if (!ok)
                return nullptr;
        }
    }
    return store;
}

FingerprintStore::~FingerprintStore()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

bool FingerprintStore::migrate(QString* error)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    QSqlQuery q(db);
    if (!q.exec(u"PRAGMA user_version"_s) || !q.next()) {
        if (error)
            *error = fail(u"reading the schema version"_s, sqlError(q.lastError()));
        return false;
    }
    const int version = q.value(0).toInt();
    if (version > kSchemaVersion) {
        if (error)
            *error = fail(u"schema"_s, u"version %1 was written by a newer SynScope (this build "
                                       u"reads up to %2); it is left as it is"_s
                                           .arg(version)
                                           .arg(kSchemaVersion));
        return false;
    }
    if (version == kSchemaVersion)
        return true;
    if (m_readOnly) {
        if (error)
            *error = fail(u"schema"_s, u"version %1 needs upgrading to %2, and the file is "
                                       u"read-only"_s.arg(version).arg(kSchemaVersion));
        return false;
    }
    return transaction(u"upgrading the schema"_s, error, [&](QSqlDatabase& d, QString& why) {
        QSqlQuery m(d);
        for (int v = version; v < kSchemaVersion; ++v) {
            for (const QString& statement : QString::fromUtf8(kMigrations[v]).split(u';')) {
                if (statement.trimmed().isEmpty())
                    continue;
                if (!m.exec(statement)) {
                    why = u"step %1 to %2: %3"_s.arg(v).arg(v + 1).arg(sqlError(m.lastError()));
                    return false;
                }
            }
        }
        if (!m.exec(u"PRAGMA user_version = %1"_s.arg(kSchemaVersion))) {
            why = sqlError(m.lastError());
            return false;
        }
        return true;
    });
}

bool FingerprintStore::writeMeta(const Database& seed, QString* error)
{
    QJsonArray families;
    for (const Family& f : seed.families)
        families.append(QJsonObject{{u"name"_s, f.name},
                                    {u"classes"_s, QJsonArray::fromStringList(f.classes)}});
    const std::pair<QString, QString> rows[] = {
        {u"name"_s, seed.name},
        {u"description"_s, seed.description},
        {u"min_class_size"_s, QString::number(seed.min_class_size)},
        {u"families"_s, QString::fromUtf8(QJsonDocument(families).toJson(QJsonDocument::Compact))},
    };
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(u"INSERT OR REPLACE INTO meta (key, value) VALUES (:key, :value)"_s);
    for (const auto& [key, value] : rows) {
        q.bindValue(u":key"_s, key);
        q.bindValue(u":value"_s, text(value));
        if (!q.exec()) {
            if (error)
                *error = sqlError(q.lastError());
            return false;
        }
    }
    return true;
}

std::vector<StoredEntry> FingerprintStore::entries() const
{
    std::vector<StoredEntry> out;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.setForwardOnly(true);
    if (!q.exec(u"SELECT %1 FROM entries ORDER BY id"_s.arg(kColumns)))
        return out;
    while (q.next()) {
        QString why;
        out.push_back(readRow(q, &why));
    }
    return out;
}

std::optional<StoredEntry> FingerprintStore::entry(qint64 id) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(u"SELECT %1 FROM entries WHERE id = :id"_s.arg(kColumns));
    q.bindValue(u":id"_s, id);
    if (!q.exec() || !q.next())
        return std::nullopt;
    QString why;
    return readRow(q, &why);
}

bool EntrySelection::matches(const StoredEntry& s) const
{
    return (os_class.isEmpty() || s.entry.label.os_class == os_class) && (!origin || s.origin == *origin) &&
           (!mine_only || s.origin == EntryOrigin::Captured || s.origin == EntryOrigin::Manual);
}

std::optional<EntryFormat> entryFormatFromName(const QString& name)
{
    if (name == u"synscope"_s)
        return EntryFormat::SynScope;
    if (name == u"zardaxt"_s)
        return EntryFormat::Zardaxt;
    if (name == u"csv"_s)
        return EntryFormat::Csv;
    return std::nullopt;
}

QByteArray FingerprintStore::exportEntries(EntryFormat format, const EntrySelection& selection,
                                           std::vector<Diagnostic>* skipped, int* exported) const
{
    Database out = header();
    for (StoredEntry& s : entries())
        if (selection.matches(s))
            out.entries.push_back(std::move(s.entry));
    std::vector<Diagnostic> left;
    QByteArray bytes;
    switch (format) {
    case EntryFormat::SynScope: bytes = out.toJson(); break;
    case EntryFormat::Zardaxt: bytes = toZardaxtJson(out, &left); break;
    case EntryFormat::Csv: bytes = toCsv(out); break;
    }
    if (exported)
        *exported = int(out.entries.size() - left.size());
    if (skipped)
        *skipped = std::move(left);
    return bytes;
}

Database FingerprintStore::snapshot() const
{
    return snapshotOf(header(), entries());
}

Database FingerprintStore::snapshotOf(Database header, std::vector<StoredEntry> entries)
{
    for (StoredEntry& s : entries)
        if (s.enabled)
            header.entries.push_back(std::move(s.entry));
    return header;
}

Database FingerprintStore::header() const
{
    Database db;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    if (q.exec(u"SELECT key, value FROM meta"_s)) {
        while (q.next()) {
            const QString key = q.value(0).toString(), value = q.value(1).toString();
            if (key == u"name"_s)
                db.name = value;
            else if (key == u"description"_s)
                db.description = value;
            else if (key == u"min_class_size"_s)
                db.min_class_size = std::max(1, value.toInt());
            else if (key == u"families"_s)
                for (const QJsonValue& f : QJsonDocument::fromJson(value.toUtf8()).array()) {
                    Family family{f[u"name"_s].toString(), {}};
                    for (const QJsonValue& c : f[u"classes"_s].toArray())
                        family.classes << c.toString();
                    if (!family.name.isEmpty() && family.classes.size() >= 2)
                        db.families.push_back(std::move(family));
                }
        }
    }
    if (db.name.isEmpty())
        db.name = QFileInfo(m_path).fileName();
    return db;
}

StoreStats FingerprintStore::stats() const
{
    StoreStats st;
    std::map<QString, int> classes, origins;
    for (const StoredEntry& s : entries()) {
        ++st.entries;
        st.enabled += s.enabled;
        ++classes[s.entry.label.os_class];
        ++origins[originName(s.origin)];
    }
    const auto sorted = [](const std::map<QString, int>& m) {
        std::vector<std::pair<QString, int>> v(m.begin(), m.end());
        std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
        return v;
    };
    st.per_class = sorted(classes);
    st.per_origin = sorted(origins);
    return st;
}

std::optional<std::vector<qint64>> FingerprintStore::add(std::vector<StoredEntry> entries,
                                                         QString* error, bool keepIds)
{
    std::vector<qint64> ids;
    const bool ok = transaction(u"adding %1 entries"_s.arg(entries.size()), error,
                                [&](QSqlDatabase& db, QString& why) {
        return insertEntries(db, entries, keepIds, ids, why);
    });
    if (!ok)
        return std::nullopt;
    return ids;
}

bool FingerprintStore::mergeMeta(const Database& db, QString* error)
{
    Database merged = header();
    QSqlQuery q(QSqlDatabase::database(m_connection));
    const bool fresh = q.exec(u"SELECT 1 FROM meta WHERE key = 'name'"_s) && !q.next();
    if (fresh) {
        merged.name = db.name;
        merged.description = db.description;
        merged.min_class_size = db.min_class_size;
    }
    for (const Family& f : db.families)
        if (std::none_of(merged.families.begin(), merged.families.end(),
                         [&](const Family& g) { return g.name == f.name; }))
            merged.families.push_back(f);
    return writeMeta(merged, error);
}

std::optional<std::vector<qint64>> FingerprintStore::importDatabase(const Database& db,
                                                                    QString* error)
{
    std::vector<StoredEntry> entries;
    entries.reserve(db.entries.size());
    for (const DbEntry& e : db.entries) {
        StoredEntry s;
        s.entry = e;
        s.origin = EntryOrigin::Imported;
        entries.push_back(std::move(s));
    }
    std::vector<qint64> ids;
    const bool ok = transaction(u"importing %1 entries"_s.arg(entries.size()), error,
                                [&](QSqlDatabase& d, QString& why) {
        return mergeMeta(db, &why) && insertEntries(d, entries, false, ids, why);
    });
    if (!ok)
        return std::nullopt;
    return ids;
}

bool FingerprintStore::update(const StoredEntry& s, QString* error)
{
    return transaction(u"editing entry %1"_s.arg(s.id), error, [&](QSqlDatabase& db, QString& why) {
        StoredEntry copy = s;
        normalize(copy.entry);
        QSqlQuery q(db);
        q.prepare(u"UPDATE entries SET name = :name, known = :known, fingerprint = :fingerprint, "
                  u"os_name = :os_name, os_class = :os_class, version = :version, device = :device, "
                  u"notes = :notes, provenance = :provenance, enabled = :enabled, author = :author, "
                  u"user_agent = :user_agent, capture_file = :capture_file, modified = :modified "
                  u"WHERE id = :id"_s);
        bindEntry(q, copy);
        q.bindValue(u":modified"_s, now());
        q.bindValue(u":id"_s, s.id);
        if (!q.exec()) {
            why = sqlError(q.lastError());
            return false;
        }
        if (q.numRowsAffected() != 1) {
            why = u"no such entry"_s;
            return false;
        }
        return true;
    });
}

bool FingerprintStore::remove(const std::vector<qint64>& ids, QString* error)
{
    return transaction(u"deleting %1 entries"_s.arg(ids.size()), error,
                       [&](QSqlDatabase& db, QString& why) {
        QSqlQuery q(db);
        q.prepare(u"DELETE FROM entries WHERE id = :id"_s);
        for (qint64 id : ids) {
            q.bindValue(u":id"_s, id);
            if (!q.exec()) {
                why = sqlError(q.lastError());
                return false;
            }
        }
        return true;
    });
}

bool FingerprintStore::setEnabled(const std::vector<qint64>& ids, bool enabled, QString* error)
{
    return transaction(enabled ? u"enabling entries"_s : u"disabling entries"_s, error,
                       [&](QSqlDatabase& db, QString& why) {
        QSqlQuery q(db);
        q.prepare(u"UPDATE entries SET enabled = :enabled, modified = :modified WHERE id = :id"_s);
        const QString stamp = now();
        for (qint64 id : ids) {
            q.bindValue(u":enabled"_s, enabled ? 1 : 0);
            q.bindValue(u":modified"_s, stamp);
            q.bindValue(u":id"_s, id);
            if (!q.exec()) {
                why = sqlError(q.lastError());
                return false;
            }
        }
        return true;
    });
}

QString FingerprintStore::integrityCheck() const
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    if (!q.exec(u"PRAGMA integrity_check"_s))
        return sqlError(q.lastError());
    QStringList problems;
    while (q.next())
        problems << q.value(0).toString();
    return problems.join(u"; "_s);
}

} // namespace synscope
