// SPDX-License-Identifier: GPL-3.0-or-later
// Database loading (SynScope JSON, zardaxt 2021), saving, and the messages bad input gets.
#include "core/database/database.h"
#include "core/match/classifier.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

const char kSynScopeDb[] = R"({ "format": "synscope-db", "version": 1, "name": "test db",
  "description": "two entries",
  "entries": [
    { "id": "linux-6.1-default", "os": { "name": "Linux", "class": "Linux", "version": "6.1" },
      "device": "desktop/server", "notes": "n", "provenance": "captured in a test",
      "fingerprint": { "ip_version": 4, "ip_ttl": 64, "ip_df": 1, "ip_mf": 0,
                       "tcp_window_size": 64240, "tcp_flags": 2, "tcp_ack": 0,
                       "tcp_header_length": 40, "tcp_urp": 0,
                       "tcp_options": "M1460,S,T,N,W7,", "quirks": "df,id+" } },
    { "id": "p0f-like", "os": { "name": "Linux" },
      "fingerprint": { "ip_ttl": 64, "tcp_window_size": "mss*20", "tcp_options": "M1460,S,T,N,W10," } }
  ] })";

} // namespace

class TestDatabase : public QObject {
    Q_OBJECT
private slots:
    void synscopeFormat()
    {
        QString error;
        const std::optional<Database> db = Database::parse(kSynScopeDb, u"mem.json"_s, &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->name, u"test db"_s);
        QCOMPARE(db->entries.size(), size_t(2));
        const DbEntry& e = db->entries[0];
        QCOMPARE(e.id, u"linux-6.1-default"_s);
        QCOMPARE(e.label.version, u"6.1"_s);
        QCOMPARE(e.label.provenance, u"captured in a test"_s);
        QCOMPARE(e.fp.tcp_mss, 1460);
        QCOMPARE(e.fp.tcp_window_scaling, int16_t(7));
        QCOMPARE(e.fp.quirks, uint32_t(QuirkDf | QuirkIdPlus));
        QCOMPARE(e.known, uint32_t(KnownAll & ~KnownTimestampValue));
        const DbEntry& partial = db->entries[1];
        QCOMPARE(partial.label.os_class, u"Linux"_s);   // class defaults to the name
        QCOMPARE(partial.window_mss_multiple, 20);
        QVERIFY(partial.known & KnownTtl);
        QVERIFY(!(partial.known & KnownDf));
        QVERIFY(!(partial.known & KnownQuirks));
        QVERIFY(!(partial.known & KnownHeaderLength));
    }

    void saveRoundTrip()
    {
        QString error;
        const std::optional<Database> db = Database::parse(kSynScopeDb, u"mem.json"_s, &error);
        QVERIFY2(db, qPrintable(error));
        QTemporaryDir dir;
        const QString path = dir.filePath(u"saved.json"_s);
        QVERIFY2(db->save(path, &error), qPrintable(error));
        const std::optional<Database> again = Database::load(path, &error);
        QVERIFY2(again, qPrintable(error));
        QCOMPARE(again->entries.size(), db->entries.size());
        for (size_t i = 0; i < db->entries.size(); ++i) {
            const DbEntry& a = db->entries[i];
            const DbEntry& b = again->entries[i];
            QCOMPARE(b.id, a.id);
            QCOMPARE(b.known, a.known);
            QCOMPARE(b.window_mss_multiple, a.window_mss_multiple);
            QCOMPARE(b.fp.tcpOptions(), a.fp.tcpOptions());
            QCOMPARE(b.fp.quirks, a.fp.quirks);
            QCOMPARE(b.fp.ip_ttl, a.fp.ip_ttl);
            QCOMPARE(b.fp.tcp_window_size, a.fp.tcp_window_size);
            QCOMPARE(b.label.os_class, a.label.os_class);
            QCOMPARE(b.label.provenance, a.label.provenance);
        }
        QCOMPARE(again->min_class_size, db->min_class_size);
        QVERIFY(!db->save(dir.filePath(u"no/such/dir/x.json"_s), &error));
        QVERIFY(error.contains(u"no/such/dir"_s));
    }

    // "mss*max": the window is the largest multiple of the MSS, whatever the MSS; kept on save.
    void windowLargestMultiple()
    {
        const QByteArray json = R"({ "format": "synscope-db", "version": 1, "name": "w",
          "entries": [ { "id": "w", "os": { "name": "Windows" },
            "fingerprint": { "ip_ttl": 128, "tcp_window_size": "mss*max",
                             "tcp_options": "M1460,N,W8,N,N,S," } } ] })";
        QString error;
        const std::optional<Database> db = Database::parse(json, u"w.json"_s, &error);
        QVERIFY2(db, qPrintable(error));
        const DbEntry& e = db->entries.at(0);
        QVERIFY(e.window_mss_max);
        QCOMPARE(e.window_mss_multiple, 0);
        QVERIFY(e.known & KnownWindow);
        QTemporaryDir dir;
        const QString path = dir.filePath(u"w.json"_s);
        QVERIFY2(db->save(path, &error), qPrintable(error));
        QFile saved(path);
        QVERIFY(saved.open(QIODevice::ReadOnly));
        QVERIFY(saved.readAll().contains("\"mss*max\""));
        const std::optional<Database> again = Database::load(path, &error);
        QVERIFY2(again, qPrintable(error));
        QVERIFY(again->entries.at(0).window_mss_max);
        QCOMPARE(again->entries.at(0).known, e.known);
    }

    void zardaxtOptionLetters()
    {
        const QByteArray list = R"([{ "ip_df": 1, "ip_mf": 0, "tcp_window_size": 8192, "tcp_flags": 2,
            "tcp_ack": 0, "tcp_header_length": 240, "tcp_urp": 0,
            "tcp_options": "M1460,K,J,F,P,R,U30,N,", "tcp_mss": 1460,
            "tcp_timestamp_echo_reply": "", "os": { "name": "Other" } }])";
        QString error;
        const std::optional<Database> db = Database::parse(list, u"z.json"_s, &error);
        QVERIFY2(db, qPrintable(error));
        const DbEntry& e = db->entries.at(0);
        QCOMPARE(e.fp.tcpOptions(), std::string("M1460,K5,K6,K7,K9,K10,K30,N,"));
        QCOMPARE(int(e.fp.tcp_header_length), 60);
        QVERIFY(!(e.known & KnownTtl));
        QCOMPARE(e.label.provenance, u"imported from z.json, entry 0"_s);
    }

    void zardaxtCombined()
    {
        const QString path = QStringLiteral(SYNSCOPE_SHARED_DIR) +
                             u"/data/zardaxt-2021/combined.json"_s;
        if (!QFile::exists(path))
            QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data/zardaxt-2021/combined.json");
        QString error;
        const std::optional<Database> db = Database::load(path, &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->entries.size(), size_t(260));
        const auto count = [&](auto pred) {
            return std::count_if(db->entries.begin(), db->entries.end(), pred);
        };
        QCOMPARE(count([](const DbEntry& e) { return (e.known & KnownTtl) != 0; }), 92);
        QCOMPARE(count([](const DbEntry& e) { return e.label.os_class.isEmpty(); }), 3);
        QCOMPARE(count([](const DbEntry& e) { return e.label.os_class == u"Windows"_s; }), 146);
        QCOMPARE(count([](const DbEntry& e) { return e.label.os_class == u"iOS"_s; }), 8);
        const DbEntry& first = db->entries[0];
        QCOMPARE(first.label.os_name, u"iOS"_s);
        QCOMPARE(first.label.version, u"14.4"_s);
        QCOMPARE(first.label.device, u"mobile Apple iPhone"_s);
        QCOMPARE(int(first.fp.tcp_header_length), 44);   // raw data-offset byte 176
        QCOMPARE(first.fp.tcpOptions(), std::string("M1460,N,W5,N,N,T,S,E,E,"));
        QCOMPARE(first.label.provenance, u"imported from combined.json, entry 0"_s);
        for (const DbEntry& e : db->entries) {
            QVERIFY(e.fp.tcp_header_length >= 20 && e.fp.tcp_header_length <= 60);
            if (e.known & KnownTtl)
                QVERIFY(e.fp.ip_ttl == 64 || e.fp.ip_ttl == 128);
        }
    }

    void badInput_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QStringList>("mentions");
        QTest::newRow("not json") << QByteArray("{\n\"format\": \"synscope-db\",\n oops }")
                                  << QStringList{u"bad.json"_s, u"line 3"_s};
        QTest::newRow("unknown format") << QByteArray("hello") << QStringList{u"unrecognized"_s};
        QTest::newRow("wrong format tag") << QByteArray(R"({"format": "other"})")
                                          << QStringList{u"synscope-db"_s};
        QTest::newRow("wrong version")
            << QByteArray(R"({"format": "synscope-db", "version": 7, "entries": []})")
            << QStringList{u"version"_s};
        QTest::newRow("min_class_size zero")
            << QByteArray(R"({"format": "synscope-db", "version": 1, "min_class_size": 0, "entries": []})")
            << QStringList{u"min_class_size"_s};
        QTest::newRow("min_class_size fraction")
            << QByteArray(R"({"format": "synscope-db", "version": 1, "min_class_size": 2.5, "entries": []})")
            << QStringList{u"min_class_size"_s};
        QTest::newRow("entries not a list")
            << QByteArray(R"({"format": "synscope-db", "version": 1, "entries": 3})")
            << QStringList{u"entries"_s};
        QTest::newRow("bad ttl")
            << QByteArray(R"({"format": "synscope-db", "version": 1, "entries": [
                   {"id": "a", "fingerprint": {"ip_ttl": 64}},
                   {"id": "b", "fingerprint": {"ip_ttl": 300}}]})")
            << QStringList{u"entry 1"_s, u"ip_ttl"_s, u"300"_s};
        QTest::newRow("bad options")
            << QByteArray(R"({"format": "synscope-db", "version": 1, "entries": [
                   {"id": "a", "fingerprint": {"tcp_options": "M1460,Q,"}}]})")
            << QStringList{u"entry 0"_s, u"tcp_options"_s, u"M1460,Q,"_s};
        QTest::newRow("bad quirk")
            << QByteArray(R"({"format": "synscope-db", "version": 1, "entries": [
                   {"id": "a", "fingerprint": {"quirks": "df,nonsense"}}]})")
            << QStringList{u"entry 0"_s, u"quirks"_s};
        QTest::newRow("bad window rule")
            << QByteArray(R"({"format": "synscope-db", "version": 1, "entries": [
                   {"id": "a", "fingerprint": {"tcp_window_size": "mss*largest"}}]})")
            << QStringList{u"entry 0"_s, u"tcp_window_size"_s, u"mss*largest"_s, u"mss*max"_s};
        QTest::newRow("missing fingerprint")
            << QByteArray(R"({"format": "synscope-db", "version": 1, "entries": [{"id": "a"}]})")
            << QStringList{u"entry 0"_s, u"fingerprint"_s};
        QTest::newRow("zardaxt entry not an object") << QByteArray("[1]")
                                                     << QStringList{u"entry 0"_s};
        QTest::newRow("zardaxt bad header length")
            << QByteArray(R"([{"ip_df": 1, "ip_mf": 0, "tcp_window_size": 1, "tcp_flags": 2,
                   "tcp_ack": 0, "tcp_header_length": 170, "tcp_urp": 0, "tcp_options": ""}])")
            << QStringList{u"entry 0"_s, u"tcp_header_length"_s, u"170"_s};
        QTest::newRow("zardaxt missing field")
            << QByteArray(R"([{"ip_df": 1, "ip_mf": 0, "tcp_flags": 2}])")
            << QStringList{u"entry 0"_s, u"tcp_window_size"_s, u"missing"_s};
        QTest::newRow("zardaxt mss disagrees")
            << QByteArray(R"([{"ip_df": 1, "ip_mf": 0, "tcp_window_size": 1, "tcp_flags": 2,
                   "tcp_ack": 0, "tcp_header_length": 96, "tcp_urp": 0, "tcp_options": "M1460,",
                   "tcp_mss": 1400}])")
            << QStringList{u"entry 0"_s, u"tcp_mss"_s};
        QTest::newRow("zardaxt timestamp not a number")
            << QByteArray(R"([{"ip_df": 1, "ip_mf": 0, "tcp_window_size": 1, "tcp_flags": 2,
                   "tcp_ack": 0, "tcp_header_length": 80, "tcp_urp": 0, "tcp_options": "",
                   "tcp_timestamp": "12"}])")
            << QStringList{u"entry 0"_s, u"\"tcp_timestamp\""_s, u"null or \"\""_s, u"\"12\""_s};
        QTest::newRow("zardaxt timestamp echo out of range")
            << QByteArray(R"([{"ip_df": 1, "ip_mf": 0, "tcp_window_size": 1, "tcp_flags": 2,
                   "tcp_ack": 0, "tcp_header_length": 80, "tcp_urp": 0, "tcp_options": "",
                   "tcp_timestamp": null, "tcp_timestamp_echo_reply": -1}])")
            << QStringList{u"entry 0"_s, u"tcp_timestamp_echo_reply"_s, u"-1"_s};
    }
    void badInput()
    {
        QFETCH(QByteArray, content);
        QFETCH(QStringList, mentions);
        // A bad entry among good ones is skipped with the reason; a file with nothing readable
        // is refused with it.
        QString error;
        if (const std::optional<Database> db = Database::parse(content, u"bad.json"_s, &error)) {
            QCOMPARE(db->skipped.size(), size_t(1));
            QVERIFY(!db->entries.empty());
            error = db->skipped.front().message;
        }
        QVERIFY(error.startsWith(u"bad.json"_s));
        for (const QString& m : mentions)
            QVERIFY2(error.contains(m), qPrintable(error));
    }

    void missingFile()
    {
        QString error;
        QVERIFY(!Database::load(u"/nonexistent/db.json"_s, &error));
        QVERIFY2(error.contains(u"/nonexistent/db.json"_s), qPrintable(error));
    }

    void p0fImport()
    {
        const QString path = QStringLiteral(SYNSCOPE_SHARED_DIR) + u"/data/p0f/p0f.fp"_s;
        if (!QFile::exists(path))
            QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data/p0f/p0f.fp");
        QString error;
        const std::optional<Database> db = Database::load(path, &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->entries.size(), size_t(91 + 101));   // [tcp:request] + [tcp:response] sigs
        const DbEntry& e = db->entries[0];   // *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0
        QCOMPARE(e.label.os_name, u"Linux"_s);
        QCOMPARE(e.label.version, u"3.11 and newer"_s);
        QCOMPARE(e.window_mss_multiple, 20);
        QCOMPARE(e.fp.tcp_window_scaling, int16_t(10));
        QCOMPARE(e.fp.optionLayout(), std::string("MSTNW"));
        QCOMPARE(e.fp.quirks, uint32_t(QuirkDf | QuirkIdPlus));
        QVERIFY(e.known & KnownTtl);
        QVERIFY(!(e.known & KnownMss));          // "*"
        QVERIFY(!(e.known & KnownIpVersion));    // "*"
        QVERIFY(e.label.provenance.startsWith(u"imported from p0f.fp, line "_s));
        const auto responses = std::count_if(db->entries.begin(), db->entries.end(),
                                             [](const DbEntry& x) { return x.fp.isSynAck(); });
        QCOMPARE(responses, 101);
    }

    void satoriImport()
    {
        const QString path = QStringLiteral(SYNSCOPE_SHARED_DIR) + u"/data/satori/tcp.xml"_s;
        if (!QFile::exists(path))
            QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data/satori/tcp.xml");
        QString error;
        const std::optional<Database> db = Database::load(path, &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->entries.size(), size_t(328 + 320));   // S and SA tests; 5 ACK-only skipped
        QVERIFY(db->description.contains(u"5 ACK-only"_s));
        const DbEntry& e = db->entries[0];   // 2048:128:0:48:M16384,N,N,S:. (SA)
        QCOMPARE(int(e.fp.tcp_window_size), 2048);
        QCOMPARE(int(e.fp.ip_ttl), 128);
        QCOMPARE(int(e.fp.tcp_header_length), 28);   // IP total length 48 - 20
        QVERIFY(e.fp.isSynAck());
        QVERIFY(!(e.known & KnownQuirks));
    }

    void importerErrors_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QStringList>("mentions");
        QTest::newRow("p0f short sig")
            << QByteArray("[tcp:request]\nlabel = s:unix:Linux:3.x\nsig = *:64:0:*:mss*20,10\n")
            << QStringList{u"line 3"_s, u"sig"_s};
        QTest::newRow("p0f bad quirk")
            << QByteArray("[tcp:request]\nlabel = s:unix:Linux:3.x\n"
                          "sig = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,weird:0\n")
            << QStringList{u"line 3"_s, u"quirks"_s, u"weird"_s};
        QTest::newRow("p0f sig without label")
            << QByteArray("[tcp:request]\nsig = *:64:0:*:mss*20,10:mss:df:0\n")
            << QStringList{u"line 2"_s, u"label"_s};
        QTest::newRow("satori bad ttl")
            << QByteArray("<TCP><fingerprints><fingerprint name=\"x\" os_name=\"X\">\n"
                          "<test tcpflag=\"S\" tcpsig=\"8192:abc:1:48:M1460:.\"/>"
                          "</fingerprint></fingerprints></TCP>")
            << QStringList{u"line 2"_s, u"ttl"_s};
        QTest::newRow("satori broken xml") << QByteArray("<TCP><fingerprints>")
                                           << QStringList{u"not valid XML"_s};
    }
    void importerErrors()
    {
        QFETCH(QByteArray, content);
        QFETCH(QStringList, mentions);
        QString error;
        QVERIFY(!Database::parse(content, u"third-party"_s, &error));
        QVERIFY(error.startsWith(u"third-party"_s));
        for (const QString& m : mentions)
            QVERIFY2(error.contains(m), qPrintable(error));
    }

    // A database may set its own minimum class size; the classifier takes it unless told otherwise.
    void minClassSizeFromDatabase()
    {
        QString error;
        std::optional<Database> db = Database::parse(kSynScopeDb, u"mem.json"_s, &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->min_class_size, 8);   // the seed's rule when the file does not say
        Fingerprint fp;
        QVERIFY(fp.setTcpOptions("M1460,S,T,N,W7,"));
        const auto classesAveraged = [&](int minClassSize) {
            Classifier c(*db, Profile::synscope(), 5, minClassSize);
            int n = 0;
            for (const ClassAverage& a : c.classify(fp).averages)
                n += a.averaged;
            return n;
        };
        QCOMPARE(classesAveraged(0), 0);
        db->min_class_size = 1;
        QVERIFY(classesAveraged(0) > 0);
        QCOMPARE(classesAveraged(1), classesAveraged(0));
        QCOMPARE(classesAveraged(100), 0);
        QCOMPARE(Database::builtin().min_class_size, 1);
    }

    // Every format's reader on mutated input: the built-in database and, when ../shared is there,
    // the three third-party files, with bytes flipped and cut short. Each mutant loads or is
    // refused with a message naming its origin; a loaded one can be scored against.
    void mutatedDatabases()
    {
        QFile builtin(u":/synscope/synscope-default.json"_s);
        QVERIFY(builtin.open(QIODevice::ReadOnly));
        std::vector<std::pair<QString, QByteArray>> inputs{{u"builtin"_s, builtin.readAll()}};
        for (const QString& rel : {u"zardaxt-2021/combined.json"_s, u"p0f/p0f.fp"_s, u"satori/tcp.xml"_s}) {
            QFile f(QStringLiteral(SYNSCOPE_SHARED_DIR "/data/") + rel);
            if (f.open(QIODevice::ReadOnly))
                inputs.emplace_back(rel, f.readAll());
        }
        uint32_t rng = 99;
        auto next = [&rng] { return rng = rng * 1103515245u + 12345u, rng >> 8; };
        int loaded = 0, refused = 0;
        for (const auto& [name, original] : inputs) {
            for (int m = 0; m < 300; ++m) {
                QByteArray bytes = original;
                const int flips = 1 + int(next() % 6);
                for (int i = 0; i < flips; ++i) {
                    // A structural character or digit in place of a random byte reaches deeper
                    // than a flipped bit, which mostly breaks the syntax.
                    static const char kPoison[] = "{}[]\",:0-9 \n<>/=.Ee\x00\xff";
                    bytes[qsizetype(next() % uint32_t(bytes.size()))] = kPoison[next() % (sizeof kPoison - 1)];
                }
                if (m % 4 == 0)
                    bytes.truncate(qsizetype(next() % uint32_t(bytes.size() + 1)));
                const QString origin = u"mutant-%1-%2"_s.arg(name).arg(m);
                QString error;
                const std::optional<Database> db = Database::parse(bytes, origin, &error);
                if (!db) {
                    QVERIFY2(error.contains(origin), qPrintable(error));
                    ++refused;
                    continue;
                }
                ++loaded;
                if (!db->entries.empty()) {
                    Classifier c(*db, Profile::synscope());
                    const Classification r = c.classify(db->entries.front().fp);
                    QVERIFY(!r.best.empty());
                }
            }
        }
        QVERIFY(refused > 0);
        qInfo("%d mutants loaded, %d refused with a message", loaded, refused);
    }

    // A JSON number far outside the field's range (or beyond int64) is refused with the field
    // named, never cast to an integer first (a double beyond int64 cast to qint64 is undefined).
    void hugeNumbers_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QStringList>("mentions");
        const auto synscope = [](const char* field, const char* value) {
            return QByteArray(R"({"format": "synscope-db", "version": 1, "entries": [
                   {"id": "a", "fingerprint": {")") + field + "\": " + value + "}}]}";
        };
        QTest::newRow("ttl 1e300") << synscope("ip_ttl", "1e300")
                                   << QStringList{u"entry 0"_s, u"ip_ttl"_s, u"1 to 255"_s};
        QTest::newRow("ack 1e19") << synscope("tcp_ack", "1e19")
                                  << QStringList{u"entry 0"_s, u"tcp_ack"_s, u"1e+19"_s};
        QTest::newRow("ack 2^63") << synscope("tcp_ack", "9223372036854775808")
                                  << QStringList{u"entry 0"_s, u"tcp_ack"_s};
        QTest::newRow("ack -1e300") << synscope("tcp_ack", "-1e300")
                                    << QStringList{u"entry 0"_s, u"tcp_ack"_s, u"-1e+300"_s};
        QTest::newRow("window 1e300") << synscope("tcp_window_size", "1e300")
                                      << QStringList{u"entry 0"_s, u"tcp_window_size"_s};
        QTest::newRow("df 1e300") << synscope("ip_df", "1e300")
                                  << QStringList{u"entry 0"_s, u"ip_df"_s};
        QTest::newRow("min_class_size 1e300")
            << QByteArray(R"({"format": "synscope-db", "version": 1, "min_class_size": 1e300, "entries": []})")
            << QStringList{u"min_class_size"_s, u"1e+300"_s};
        QTest::newRow("min_class_size 2^31")
            << QByteArray(R"({"format": "synscope-db", "version": 1, "min_class_size": 2147483648, "entries": []})")
            << QStringList{u"min_class_size"_s, u"2147483648"_s};
        QTest::newRow("version 1e300")
            << QByteArray(R"({"format": "synscope-db", "version": 1e300, "entries": []})")
            << QStringList{u"version"_s};
        QTest::newRow("zardaxt timestamp 1e300")
            << QByteArray(R"([{"ip_df": 1, "ip_mf": 0, "tcp_window_size": 1, "tcp_flags": 2,
                   "tcp_ack": 0, "tcp_header_length": 80, "tcp_urp": 0, "tcp_options": "",
                   "tcp_timestamp": 1e300}])")
            << QStringList{u"entry 0"_s, u"tcp_timestamp"_s};
        QTest::newRow("zardaxt header length -1e300")
            << QByteArray(R"([{"ip_df": 1, "ip_mf": 0, "tcp_window_size": 1, "tcp_flags": 2,
                   "tcp_ack": 0, "tcp_header_length": -1e300, "tcp_urp": 0, "tcp_options": ""}])")
            << QStringList{u"entry 0"_s, u"tcp_header_length"_s};
    }
    void hugeNumbers()
    {
        QFETCH(QByteArray, content);
        QFETCH(QStringList, mentions);
        QString error;
        QVERIFY(!Database::parse(content, u"huge.json"_s, &error));
        QVERIFY2(error.startsWith(u"huge.json"_s), qPrintable(error));
        for (const QString& m : mentions)
            QVERIFY2(error.contains(m), qPrintable(error));
    }

    // The largest values that fit still load: the range check is not off by one at the top.
    void largestNumbersLoad()
    {
        const QByteArray json = R"({"format": "synscope-db", "version": 1, "min_class_size": 2147483647,
            "entries": [{"id": "a", "fingerprint": {"tcp_ack": 4294967295, "tcp_window_size": 65535}}]})";
        QString error;
        const std::optional<Database> db = Database::parse(json, u"max.json"_s, &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->min_class_size, 2147483647);
        QCOMPARE(db->entries.at(0).fp.tcp_ack, 4294967295u);
        QCOMPARE(int(db->entries.at(0).fp.tcp_window_size), 65535);
    }

    // A bad field of megabytes is quoted by a short prefix and its length, in every reader.
    void longInputIsQuotedShort_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("field");
        const QByteArray big(10 * 1024 * 1024, 'Q');
        const QByteArray head = R"({"format": "synscope-db", "version": 1, "entries": [ {"id": "a", "fingerprint": {)";
        const QByteArray zardaxt = R"([{"ip_df": 1, "ip_mf": 0, "tcp_window_size": 1, "tcp_flags": 2,
                   "tcp_ack": 0, "tcp_header_length": 80, "tcp_urp": 0, )";
        QTest::newRow("synscope options") << head + "\"tcp_options\": \"M1460," + big + "\"}}]}"
                                          << u"tcp_options"_s;
        QTest::newRow("synscope quirks") << head + "\"quirks\": \"df," + big + "\"}}]}"
                                         << u"quirks"_s;
        QTest::newRow("synscope window rule") << head + "\"tcp_window_size\": \"mss*" + big + "\"}}]}"
                                              << u"tcp_window_size"_s;
        QTest::newRow("synscope ttl as a string") << head + "\"ip_ttl\": \"" + big + "\"}}]}"
                                                  << u"ip_ttl"_s;
        QTest::newRow("synscope version as a string")
            << QByteArray(R"({"format": "synscope-db", "version": ")") + big + "\", \"entries\": []}"
            << u"version"_s;
        QTest::newRow("synscope min_class_size as a string")
            << QByteArray(R"({"format": "synscope-db", "version": 1, "min_class_size": ")") + big +
                   "\", \"entries\": []}"
            << u"min_class_size"_s;
        QTest::newRow("zardaxt options") << zardaxt + "\"tcp_options\": \"M1460," + big + "\"}]"
                                         << u"tcp_options"_s;
        QTest::newRow("zardaxt mss disagrees")
            << zardaxt + "\"tcp_options\": \"M1460," + "N" + QByteArray(1024 * 1024, ',') +
                   "\", \"tcp_mss\": 1400}]"
            << u"tcp_mss"_s;
        QTest::newRow("zardaxt timestamp as a string") << zardaxt + "\"tcp_options\": \"\", \"tcp_timestamp\": \"" + big + "\"}]"
                                                       << u"tcp_timestamp"_s;
        QTest::newRow("p0f sig") << "[tcp:request]\nlabel = s:unix:Linux:3.x\nsig = *:64:0:*:mss*20,10:" + big + "\n"
                                 << u"sig"_s;
        QTest::newRow("p0f quirk") << "[tcp:request]\nlabel = s:unix:Linux:3.x\nsig = *:64:0:*:mss*20,10:mss:df," + big + ":0\n"
                                   << u"quirks"_s;
        QTest::newRow("satori tcpsig")
            << "<TCP><fingerprints><fingerprint name=\"x\" os_name=\"X\">\n<test tcpflag=\"S\" tcpsig=\"" + big +
                   ":64:1:48:M1460:.\"/></fingerprint></fingerprints></TCP>"
            << u"tcpsig"_s;
    }
    void longInputIsQuotedShort()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, field);
        QString error;
        QVERIFY(!Database::parse(content, u"long-input"_s, &error));
        QVERIFY2(error.startsWith(u"long-input"_s), qPrintable(error.left(300)));
        QVERIFY2(error.contains(field), qPrintable(error.left(300)));
        QVERIFY2(error.size() < 600, qPrintable(u"%1 characters: %2"_s.arg(error.size()).arg(error.left(300))));
        // The quote ends in an ellipsis and says how long the whole text was.
        QVERIFY2(error.contains(u"…"_s) && error.contains(u" characters)"_s), qPrintable(error));
    }

    // Short input is still quoted whole, so the messages users see for ordinary typos are unchanged.
    void shortInputIsQuotedWhole()
    {
        QString error;
        const QByteArray json = R"({"format": "synscope-db", "version": 1, "entries": [
                   {"id": "a", "fingerprint": {"tcp_options": "M1460,Q,"}}]})";
        QVERIFY(!Database::parse(json, u"bad.json"_s, &error));
        QVERIFY2(error.endsWith(u"bad option notation \"M1460,Q,\" (expected tokens like M1460,S,T,N,W7,)"_s),
                 qPrintable(error));
        // A p0f sig of exactly 80 characters is quoted whole; one more and it is cut at 80.
        const QString sig80 = u"*:64:0:*:mss*20,10:"_s + QString(61, u'Z');
        QCOMPARE(sig80.size(), 80);
        QVERIFY(!Database::parse("[tcp:request]\nlabel = s:unix:Linux:3.x\nsig = " + sig80.toLatin1() + "\n",
                                 u"p0f.fp"_s, &error));
        QVERIFY2(error.endsWith(u'"' + sig80 + u'"'), qPrintable(error));
        QVERIFY(!Database::parse("[tcp:request]\nlabel = s:unix:Linux:3.x\nsig = " + sig80.toLatin1() + "Y\n",
                                 u"p0f.fp"_s, &error));
        QVERIFY2(error.endsWith(u'"' + sig80 + u"…\" (81 characters)"_s), qPrintable(error));
    }

    // Satori files have no DTD. A DTD can declare an entity that, referenced many times, expands
    // to gigabytes: any DTD is refused as soon as it is read, before an entity is expanded.
    void satoriDtdIsRefused_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("doctype only")
            << QByteArray("<?xml version=\"1.0\"?>\n<!DOCTYPE TCP>\n<TCP><fingerprints/></TCP>");
        QTest::newRow("internal entity")
            << QByteArray("<!DOCTYPE TCP [<!ENTITY a \"aaaa\">]>\n<TCP><fingerprints>"
                          "<fingerprint name=\"&a;&a;\" os_name=\"X\"/></fingerprints></TCP>");
        QByteArray hostile = "<?xml version=\"1.0\"?>\n<!DOCTYPE TCP [<!ENTITY a \"" +
                             QByteArray(4000, 'A') + "\">]>\n<TCP><fingerprints><fingerprint name=\"";
        for (int i = 0; i < 200000; ++i)
            hostile += "&a;";
        hostile += "\"/></fingerprints></TCP>\n";
        QTest::newRow("one entity referenced 200000 times") << hostile;
        // Parameter entities are expanded while the DTD itself is read, before the parser reports
        // it: the DTD must be refused before the parser sees it.
        QByteArray parameter = "<?xml version=\"1.0\"?>\n<!DOCTYPE TCP [<!ENTITY % a \"" +
                               QByteArray(4000, ' ') + "\">";
        for (int i = 0; i < 200000; ++i)
            parameter += "%a;";
        parameter += "]>\n<TCP/>\n";
        QTest::newRow("parameter entity referenced 200000 times") << parameter;
        QTest::newRow("after comments and a processing instruction")
            << QByteArray("<?xml version=\"1.0\"?>\n<!-- <TCP> -->\n<?pi x?>\n<!DOCTYPE TCP>\n<TCP/>");
        QTest::newRow("declared latin-1")
            << QByteArray("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<!DOCTYPE TCP>\n<TCP/>");
        const QString utf16 = u"<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!DOCTYPE TCP [<!ENTITY a \"a\">]>\n<TCP/>"_s;
        QTest::newRow("utf-16le without a byte-order mark")
            << QByteArray(reinterpret_cast<const char*>(utf16.utf16()), utf16.size() * 2);
    }
    void satoriDtdIsRefused()
    {
        QFETCH(QByteArray, content);
        QString error;
        QVERIFY(!Database::parse(content, u"/tmp/hostile.xml"_s, &error));
        QVERIFY2(error.startsWith(u"/tmp/hostile.xml: line "_s), qPrintable(error.left(300)));
        QVERIFY2(error.contains(u"DTD"_s), qPrintable(error.left(300)));
        QVERIFY2(error.size() < 300, qPrintable(error.left(300)));
    }

    // The encoding of a Satori file is still taken from its byte-order mark, byte pattern or
    // declaration (the reader is given decoded text since the DTD check).
    void satoriEncodings_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<int>("line");   // of the test element
        const QString doc = u"<TCP><fingerprints><fingerprint name=\"n\" os_name=\"Caf\u00e9OS\">\n"
                            u"<test tcpflag=\"S\" tcpsig=\"8192:64:1:48:M1460:.\"/>"
                            u"</fingerprint></fingerprints></TCP>"_s;
        QTest::newRow("utf-8") << (u"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"_s + doc).toUtf8() << 3;
        QTest::newRow("no declaration") << doc.toUtf8() << 2;
        QTest::newRow("latin-1") << (u"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"_s + doc).toLatin1() << 3;
        const QString utf16 = u"<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"_s + doc;
        QTest::newRow("utf-16le") << QByteArray(reinterpret_cast<const char*>(utf16.utf16()), utf16.size() * 2) << 3;
    }
    void satoriEncodings()
    {
        QFETCH(QByteArray, content);
        QFETCH(int, line);
        QString error;
        const std::optional<Database> db = Database::parse(content, u"tcp.xml"_s, &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->entries.size(), size_t(1));
        QCOMPARE(db->entries[0].label.os_name, u"Caf\u00e9OS"_s);
        QCOMPARE(int(db->entries[0].fp.tcp_window_size), 8192);
        QCOMPARE(db->entries[0].id, u"satori-line-%1"_s.arg(line));
    }

    // A database file is read up to a limit, counted while reading, so a device or FIFO that never
    // ends (or a huge file) stops there with a message instead of growing until the process dies.
    void sizeLimit()
    {
        const qint64 limit = qint64(64) * 1024 * 1024;   // the documented bound
        QString error;
        if (QFile::exists(u"/dev/zero"_s)) {
            QVERIFY(!Database::load(u"/dev/zero"_s, &error));
            QVERIFY2(error.startsWith(u"/dev/zero: "_s), qPrintable(error));
            QVERIFY2(error.contains(u"larger than the 64 MiB limit for a database file"_s),
                     qPrintable(error));
        }
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // Sparse files: one byte over the limit is refused, the limit itself is read (and then
        // refused as not a database, which says the size was accepted).
        const QString over = dir.filePath(u"over.json"_s);
        const QString at = dir.filePath(u"at.json"_s);
        for (const auto& [path, size] : {std::pair{over, limit + 1}, std::pair{at, limit}}) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{");
            QVERIFY(f.resize(size));
        }
        QVERIFY(!Database::load(over, &error));
        QVERIFY2(error.startsWith(over + u": "_s), qPrintable(error));
        QVERIFY2(error.contains(u"64 MiB limit"_s), qPrintable(error));
        QVERIFY(!Database::load(at, &error));
        QVERIFY2(error.startsWith(at + u": "_s), qPrintable(error));
        QVERIFY2(!error.contains(u"limit"_s), qPrintable(error));
        // In-memory content follows the same rule.
        QVERIFY(!Database::parse(QByteArray(limit + 1, ' '), u"mem"_s, &error));
        QVERIFY2(error.contains(u"64 MiB limit"_s), qPrintable(error));
    }

    // A FIFO is read as it arrives: a writer that comes later is waited for, and a signal
    // (SIGINT/SIGTERM in the CLI, installed without SA_RESTART) ends the wait for one that never
    // comes: QFile::open() retried open(2) on EINTR, so nothing but SIGKILL ended it.
    void fifoWriterComesLater()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray fifo = QFile::encodeName(dir.filePath(u"db.fifo"_s));
        QVERIFY(mkfifo(fifo.constData(), 0600) == 0);
        std::thread writer([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            const int fd = ::open(fifo.constData(), O_WRONLY);
            if (fd < 0)
                return;
            const QByteArray db(kSynScopeDb);
            for (qsizetype done = 0; done < db.size();) {   // in two parts, the second late
                const qsizetype part = done == 0 ? db.size() / 2 : db.size() - done;
                const ssize_t n = ::write(fd, db.constData() + done, size_t(part));
                if (n <= 0)
                    break;
                done += n;
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            ::close(fd);
        });
        QString error;
        const std::optional<Database> db = Database::load(QFile::decodeName(fifo), &error);
        writer.join();
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->entries.size(), size_t(2));
    }
    void fifoWithoutWriterEndsOnSignal()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray fifo = QFile::encodeName(dir.filePath(u"db.fifo"_s));
        QVERIFY(mkfifo(fifo.constData(), 0600) == 0);
        struct sigaction sa{}, old{};
        sa.sa_handler = [](int) {};
        sigemptyset(&sa.sa_mask);   // no SA_RESTART, like synscope-cli's handlers
        QVERIFY(sigaction(SIGUSR1, &sa, &old) == 0);
        const pthread_t self = pthread_self();
        std::atomic<bool> done{false};
        std::thread signaller([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            pthread_kill(self, SIGUSR1);
            // Should the signal not end the wait, a writer that opens and closes does, so the
            // test fails instead of hanging.
            for (int i = 0; i < 30 && !done; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (!done) {
                const int fd = ::open(fifo.constData(), O_WRONLY | O_NONBLOCK);
                if (fd >= 0)
                    ::close(fd);
            }
        });
        QElapsedTimer timer;
        timer.start();
        QString error;
        const std::optional<Database> db = Database::load(QFile::decodeName(fifo), &error);
        done = true;
        signaller.join();
        sigaction(SIGUSR1, &old, nullptr);
        QVERIFY(!db);
        QVERIFY2(error.startsWith(QFile::decodeName(fifo) + u": "_s), qPrintable(error));
        QVERIFY2(error.contains(u"interrupted"_s), qPrintable(error));
        QVERIFY2(timer.elapsed() < 2500, qPrintable(u"%1 ms"_s.arg(timer.elapsed())));
    }

    void builtinLoads()
    {
        const Database b = Database::builtin();
        QString error;
        const std::optional<Database> db =
            Database::load(u":/synscope/synscope-default.json"_s, &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(b.entries.size(), db->entries.size());
        for (const DbEntry& e : b.entries) {
            QVERIFY(!e.id.isEmpty());
            QVERIFY2(!e.label.provenance.isEmpty(), qPrintable(e.id));
        }
    }
};

QTEST_GUILESS_MAIN(TestDatabase)
#include "test_database.moc"
