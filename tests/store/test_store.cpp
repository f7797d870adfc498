// SPDX-License-Identifier: GPL-3.0-or-later
// The SQLite store through Qt SQL: seeding, migrations, refusals that change nothing, edits,
// importers' diagnostics on the real third-party files, round trips, and a kill -9 during a large
// import (through synscope-cli, a separate process).
#include "core/database/database.h"
#include "core/database/exporters.h"
#include "core/match/classifier.h"
#include "core/store/fingerprint_store.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

QByteArray readShared(const QString& rel)
{
    QFile f(QStringLiteral(SYNSCOPE_SHARED_DIR "/data/") + rel);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray fingerprintsOf(const Database& db)
{
    QJsonArray list;
    for (const DbEntry& e : db.entries)
        list.append(entryToJson(e));
    return QJsonDocument(list).toJson(QJsonDocument::Compact);
}

// Runs SQL on a file directly, as an older SynScope or another program would have.
void rawSql(const QString& path, const QStringList& statements)
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"raw"_s);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        for (const QString& s : statements)
            QVERIFY2(q.exec(s), qPrintable(s));
        db.close();
    }
    QSqlDatabase::removeDatabase(u"raw"_s);
}

// `n` entries cycling through `base`'s, each with a name of its own: a large import.
Database bulkDatabase(const Database& base, int n)
{
    Database big = base;
    big.entries.clear();
    for (int i = 0; i < n; ++i) {
        big.entries.push_back(base.entries[size_t(i) % base.entries.size()]);
        big.entries.back().id = u"bulk-%1"_s.arg(i);
    }
    return big;
}

int entryCount(const QString& path)
{
    QString error;
    const auto store = FingerprintStore::open(path, &error);
    return store ? int(store->entries().size()) : -1;
}

} // namespace

class TestStore : public QObject {
    Q_OBJECT

private slots:
    void seededFromTheBuiltinDatabase()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"a/b/store.sqlite"_s);   // folders are created
        const Database builtin = Database::builtin();
        QString error;
        {
            const auto store = FingerprintStore::open(path, &error, &builtin);
            QVERIFY2(store, qPrintable(error));
            const Database snap = store->snapshot();
            QCOMPARE(snap.entries.size(), builtin.entries.size());
            QCOMPARE(snap.families.size(), builtin.families.size());
            QCOMPARE(snap.min_class_size, builtin.min_class_size);
            QCOMPARE(fingerprintsOf(snap), fingerprintsOf(builtin));
            // The snapshot classifies as the built-in database does.
            Classifier a(builtin, Profile::synscope()), b(snap, Profile::synscope());
            for (const DbEntry& e : builtin.entries) {
                const Classification ca = a.classifyUncached(e.fp), cb = b.classifyUncached(e.fp);
                QCOMPARE(cb.best_score, ca.best_score);
                QCOMPARE(cb.best, ca.best);
            }
            QCOMPARE(store->integrityCheck(), u"ok"_s);
        }
        // Seeded once: opening again with the seed adds nothing.
        const auto again = FingerprintStore::open(path, &error, &builtin);
        QVERIFY(again);
        QCOMPARE(again->entries().size(), builtin.entries.size());
        QSqlDatabase::database();   // no default connection is needed
    }

    void editsAreStoredAndIdsStable()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"s.sqlite"_s);
        QString error;
        auto store = FingerprintStore::open(path, &error);
        QVERIFY2(store, qPrintable(error));
        const Database builtin = Database::builtin();
        std::vector<StoredEntry> in;
        for (int i = 0; i < 3; ++i)
            in.push_back({0, builtin.entries[size_t(i)], EntryOrigin::Manual, true, u"me"_s, {}, {}, {}, {}});
        in[2].entry.id = in[0].entry.id;   // a taken name gets a unique one
        const auto ids = store->add(in, &error);
        QVERIFY2(ids && ids->size() == 3, qPrintable(error));
        std::optional<StoredEntry> third = store->entry((*ids)[2]);
        QVERIFY(third);
        QCOMPARE(third->entry.id, in[0].entry.id + u"~2"_s);
        QCOMPARE(third->author, u"me"_s);

        third->entry.label.os_name = u"Edited"_s;
        third->entry.fp.tcp_window_size = 1234;
        QVERIFY2(store->update(*third, &error), qPrintable(error));
        QVERIFY2(store->setEnabled({(*ids)[0]}, false, &error), qPrintable(error));
        QVERIFY2(store->remove({(*ids)[1]}, &error), qPrintable(error));
        store.reset();

        store = FingerprintStore::open(path, &error);
        const std::vector<StoredEntry> all = store->entries();
        QCOMPARE(all.size(), size_t(2));
        QCOMPARE(all[0].id, (*ids)[0]);
        QVERIFY(!all[0].enabled);
        QCOMPARE(all[1].id, (*ids)[2]);
        QCOMPARE(all[1].entry.label.os_name, u"Edited"_s);
        QCOMPARE(all[1].entry.fp.tcp_window_size, uint16_t(1234));
        QVERIFY(all[1].modified >= all[1].created);
        const Database snap = store->snapshot();
        QCOMPARE(snap.entries.size(), size_t(1));   // the disabled entry does not classify
        QCOMPARE(snap.entries[0].id, all[1].entry.id);

        // Undo of a delete puts the entry back under its old id.
        StoredEntry back = all[1];
        QVERIFY(store->remove({back.id}, &error));
        const auto restored = store->add({back}, &error, true);
        QVERIFY2(restored, qPrintable(error));
        QCOMPARE(restored->front(), back.id);
        QCOMPARE(store->entry(back.id)->created, back.created);
    }

    void migratesFromEveryOlderVersion()
    {
        // Version 0: an empty SQLite file (what a first start, or a crash during it, leaves).
        QTemporaryDir dir;
        const QString path = dir.filePath(u"v0.sqlite"_s);
        rawSql(path, {u"PRAGMA user_version = 0"_s});
        QString error;
        const Database builtin = Database::builtin();
        const auto store = FingerprintStore::open(path, &error, &builtin);
        QVERIFY2(store, qPrintable(error));
        QCOMPARE(store->entries().size(), builtin.entries.size());
        static_assert(FingerprintStore::kSchemaVersion == 1,
                      "a new schema version needs a store of the previous one opened here");
    }

    void refusalsChangeNothing()
    {
        QTemporaryDir dir;
        QString error;
        // A newer schema.
        const QString newer = dir.filePath(u"newer.sqlite"_s);
        rawSql(newer, {u"CREATE TABLE future (x)"_s, u"PRAGMA user_version = 9"_s});
        const QByteArray before = [&] { QFile f(newer); f.open(QIODevice::ReadOnly); return f.readAll(); }();
        QVERIFY(!FingerprintStore::open(newer, &error));
        QVERIFY2(error.contains(u"newer SynScope"_s) && error.contains(newer), qPrintable(error));
        QFile f(newer);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
        // Not SQLite.
        const QString json = dir.filePath(u"db.json"_s);
        QFile j(json);
        QVERIFY(j.open(QIODevice::WriteOnly));
        j.write(Database::builtin().toJson());
        j.close();
        QVERIFY(!FingerprintStore::open(json, &error));
        QVERIFY2(error.contains(u"not a SQLite database"_s), qPrintable(error));
        // A damaged store: a page overwritten in the middle.
        const QString damaged = dir.filePath(u"damaged.sqlite"_s);
        const Database builtin = Database::builtin();
        QVERIFY(FingerprintStore::open(damaged, &error, &builtin));
        QFile d(damaged);
        QVERIFY(d.open(QIODevice::ReadWrite));
        QVERIFY(d.size() > 8192);
        d.seek(4096);
        d.write(QByteArray(4096, '\x5a'));
        d.close();
        QVERIFY(!FingerprintStore::open(damaged, &error));
        QVERIFY2(error.contains(damaged), qPrintable(error));
        // Read-only: readable, every change refused.
        const QString ro = dir.filePath(u"ro.sqlite"_s);
        {
            auto s = FingerprintStore::open(ro, &error, &builtin);
            QVERIFY(s);
        }
        // A WAL store read-only needs its -shm beside it; checkpointed and closed it has none.
        QFile::setPermissions(ro, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther);
        if (QFileInfo(ro).isWritable())
            QSKIP("running as root: a read-only file is still writable");
        auto s = FingerprintStore::open(ro, &error);
        QVERIFY2(s, qPrintable(error));
        QVERIFY(s->readOnly());
        QCOMPARE(s->entries().size(), builtin.entries.size());
        QVERIFY(!s->remove({s->entries().front().id}, &error));
        QVERIFY2(error.contains(u"read-only"_s), qPrintable(error));
    }

    void importersReportAndGoOn_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("find");       // text the damage replaces
        QTest::addColumn<QByteArray>("replace");
        QTest::addColumn<QString>("mentions");      // in the one diagnostic
        QTest::newRow("p0f.fp") << u"p0f/p0f.fp"_s << QByteArray("sig   = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0")
                                << QByteArray("sig   = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,nonsense:0")
                                << u"unknown quirk"_s;
        QTest::newRow("tcp.xml") << u"satori/tcp.xml"_s << QByteArray("tcpsig=\"")
                                 << QByteArray("tcpsig=\"x:")   // the first test only
                                 << u"tcpsig"_s;
        QTest::newRow("zardaxt") << u"zardaxt-2021/combined.json"_s << QByteArray("\"tcp_window_size\": ")
                                 << QByteArray("\"tcp_window_size\": 1e9, \"x\": ")
                                 << u"tcp_window_size"_s;
    }
    void importersReportAndGoOn()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, find);
        QFETCH(QByteArray, replace);
        QFETCH(QString, mentions);
        const QByteArray real = readShared(file);
        if (real.isEmpty())
            QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data");
        QString error;
        const std::optional<Database> clean = Database::parse(real, file, &error);
        QVERIFY2(clean, qPrintable(error));
        QVERIFY(clean->skipped.empty());   // the real files read whole
        const qsizetype at = real.indexOf(find);
        QVERIFY2(at >= 0, find.constData());
        QByteArray damaged = real;
        damaged.replace(at, find.size(), replace);
        const int line = int(real.left(at).count('\n')) + 1;
        const std::optional<Database> db = Database::parse(damaged, file, &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->skipped.size(), size_t(1));
        QCOMPARE(db->entries.size(), clean->entries.size() - 1);
        const Diagnostic& d = db->skipped.front();
        QVERIFY2(d.message.contains(file) && d.message.contains(mentions), qPrintable(d.message));
        if (d.line > 0)
            QCOMPARE(d.line, line);
        else
            QVERIFY(d.entry >= 0 && d.message.contains(u"entry %1"_s.arg(d.entry)));
    }

    void roundTrips()
    {
        QTemporaryDir dir;
        QString error;
        for (const QString& rel : {u"p0f/p0f.fp"_s, u"satori/tcp.xml"_s, u"zardaxt-2021/combined.json"_s}) {
            const QByteArray content = readShared(rel);
            if (content.isEmpty())
                QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data");
            const std::optional<Database> db = Database::parse(content, rel, &error);
            QVERIFY2(db, qPrintable(error));
            // Import, export, import: the same entries, the same bytes.
            const QString a = dir.filePath(QFileInfo(rel).fileName() + u".a.sqlite"_s);
            auto sa = FingerprintStore::open(a, &error);
            QVERIFY(sa && sa->importDatabase(*db, &error));
            const QByteArray exported = sa->snapshot().toJson();
            const std::optional<Database> back = Database::parse(exported, u"export.json"_s, &error);
            QVERIFY2(back, qPrintable(error));
            auto sb = FingerprintStore::open(dir.filePath(QFileInfo(rel).fileName() + u".b.sqlite"_s), &error);
            QVERIFY(sb && sb->importDatabase(*back, &error));
            QCOMPARE(sb->snapshot().toJson(), exported);
            QCOMPARE(fingerprintsOf(sa->snapshot()), fingerprintsOf(*db));
            // zardaxt JSON out and back in: what the format can hold survives.
            if (rel.startsWith(u"zardaxt"_s)) {
                std::vector<Diagnostic> skipped;
                const QByteArray z = toZardaxtJson(*db, &skipped);
                QVERIFY(skipped.empty());
                const std::optional<Database> zb = Database::parse(z, u"z.json"_s, &error);
                QVERIFY2(zb, qPrintable(error));
                QCOMPARE(zb->entries.size(), db->entries.size());
                for (size_t i = 0; i < db->entries.size(); ++i) {
                    QCOMPARE(zb->entries[i].fp.tcpOptions(), db->entries[i].fp.tcpOptions());
                    QCOMPARE(zb->entries[i].fp.tcp_window_size, db->entries[i].fp.tcp_window_size);
                    QCOMPARE(zb->entries[i].label.os_name, db->entries[i].label.os_name);
                }
            }
        }
    }

    void observationToEntry()
    {
        // The entry a SYN makes scores perfectly against that SYN.
        const Database builtin = Database::builtin();
        for (const DbEntry& e : builtin.entries) {
            if (e.known != KnownAll || e.window_mss_max || e.window_mss_multiple)
                continue;
            SynRecord r;
            r.fp = e.fp;
            r.frame = 7;
            const StoredEntry s = capturedEntry(r, u"/tmp/x.pcap"_s,
                u"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"_s);
            QCOMPARE(s.origin, EntryOrigin::Captured);
            QCOMPARE(s.entry.label.os_class, u"Windows"_s);
            QVERIFY(s.entry.label.provenance.contains(u"x.pcap, frame 7"_s));
            Database one;
            one.min_class_size = 1;
            one.entries.push_back(s.entry);
            Classifier c(one, Profile::synscope());
            const Classification cl = c.classifyUncached(r.fp);
            QCOMPARE(cl.best_score, cl.max_score);
        }
    }

    // kill -9 during a large import, 20 times: the store passes SQLite's integrity check and holds
    // all of that import or none of it, and nothing earlier is lost.
    void killDuringImport()
    {
        QTemporaryDir dir;
        const QString store = dir.filePath(u"crash.sqlite"_s);
        const Database builtin = Database::builtin();
        QString error;
        QVERIFY(FingerprintStore::open(store, &error, &builtin));
        const int before = entryCount(store);
        constexpr int kEntries = 40000;
        const QString file = dir.filePath(u"big.json"_s);
        QVERIFY(bulkDatabase(builtin, kEntries).save(file, &error));
        int none = 0, all = 0;
        int expected = before;
        for (int trial = 0; trial < 20; ++trial) {
            QProcess p;
            p.start(QStringLiteral(SYNSCOPE_CLI), {u"db"_s, u"import"_s, u"--db"_s, store, file});
            QVERIFY(p.waitForStarted());
            QTest::qWait(100 + QRandomGenerator::global()->bounded(2600));
            if (p.state() == QProcess::Running)
                ::kill(pid_t(p.processId()), SIGKILL);
            p.waitForFinished();
            auto s = FingerprintStore::open(store, &error);
            QVERIFY2(s, qPrintable(error));
            QCOMPARE(s->integrityCheck(), u"ok"_s);
            const int n = int(s->entries().size());
            QVERIFY2(n == expected || n == expected + kEntries,
                     qPrintable(u"trial %1: %2 entries, expected %3 or %4"_s.arg(trial).arg(n).arg(expected).arg(expected + kEntries)));
            (n == expected ? none : all) += 1;
            expected = n;
        }
        qInfo("20 kills: %d imports left nothing, %d completed before the kill", none, all);
        QVERIFY2(none > 0, "no kill landed during an import: the trial proves nothing");
    }

    // Another program holds the database's write lock: a change waits for the busy timeout, then
    // fails naming the store, and changes nothing.
    void lockedStoreIsAClearError()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"locked.sqlite"_s);
        const Database builtin = Database::builtin();
        QString error;
        auto store = FingerprintStore::open(path, &error, &builtin);
        QVERIFY2(store, qPrintable(error));
        const QByteArray before = fingerprintsOf(store->snapshot());
        {
            QSqlDatabase other = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"holder"_s);
            other.setDatabaseName(path);
            QVERIFY(other.open());
            QSqlQuery q(other);
            QVERIFY(q.exec(u"BEGIN EXCLUSIVE"_s));
            StoredEntry e;
            e.entry = builtin.entries.front();
            e.entry.id = u"while-locked"_s;
            QVERIFY(!store->add({e}, &error));
            QVERIFY2(error.contains(path) && (error.contains(u"locked"_s) || error.contains(u"busy"_s)),
                     qPrintable(error));
            QVERIFY(!store->remove({1}, &error));
            QVERIFY(q.exec(u"ROLLBACK"_s));
            other.close();
        }
        QSqlDatabase::removeDatabase(u"holder"_s);
        QCOMPARE(fingerprintsOf(store->snapshot()), before);
        QCOMPARE(store->integrityCheck(), u"ok"_s);
    }

    // A disk that fills during an import (here a file size limit, which the kernel enforces as it
    // would a full disk): a clear error naming the store, and the store as it was.
    void fullDiskIsAClearError()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"full.sqlite"_s);
        const Database builtin = Database::builtin();
        QString error;
        QVERIFY(FingerprintStore::open(path, &error, &builtin));
        const int before = entryCount(path);
        const QString file = dir.filePath(u"big.json"_s);
        QVERIFY(bulkDatabase(builtin, 20000).save(file, &error));
        // 2 MiB: the store and its WAL may grow that far, the import needs several times more.
        QProcess p;
        p.start(u"sh"_s, {u"-c"_s, u"trap '' XFSZ; ulimit -f 2048; exec \"$0\" db import --db \"$1\" \"$2\""_s,
                          QStringLiteral(SYNSCOPE_CLI), path, file});
        QVERIFY(p.waitForFinished(120000));
        const QString err = QString::fromLocal8Bit(p.readAllStandardError());
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QVERIFY2(p.exitCode() != 0, qPrintable(err));
        QVERIFY2(err.contains(path), qPrintable(err));
        auto s = FingerprintStore::open(path, &error);
        QVERIFY2(s, qPrintable(error));
        QCOMPARE(int(s->entries().size()), before);
        QCOMPARE(s->integrityCheck(), u"ok"_s);
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "test_store.moc"
