// SPDX-License-Identifier: GPL-3.0-or-later
// synscope-cli as users run it: its output on real captures, and a clear message with a non-zero
// exit for every kind of bad input.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

struct Result {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Result runCli(const QStringList& args, int timeoutMs = 120000)
{
    QProcess p;
    p.start(QStringLiteral(SYNSCOPE_CLI), args);
    Result r;
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit)
        return r;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QString sharedData()
{
    return QStringLiteral(SYNSCOPE_SHARED_DIR "/data");
}

QString sample()
{
    return QStringLiteral(SYNSCOPE_SOURCE_DIR "/resources/samples/synscope-sample.pcapng");
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void missingFileIsNamed()
    {
        const Result r = runCli({u"-r"_s, u"/nonexistent/capture.pcap"_s});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("/nonexistent/capture.pcap"), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }

    void corruptFileIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"garbage.pcap"_s);
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(64, 'x'));
        f.close();
        const Result r = runCli({u"-r"_s, path});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("garbage.pcap"), r.err.constData());
    }

    void badDatabaseNamesFileAndLine()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"broken.json"_s);
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\n  \"format\": \"synscope-db\",\n  \"version\": 1,\n  \"entries\": [ { ]\n}\n");
        f.close();
        const QByteArray before = [&] { QFile g(path); g.open(QIODevice::ReadOnly); return g.readAll(); }();
        const Result r = runCli({u"-r"_s, sample(), u"--db"_s, path});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("broken.json"), r.err.constData());
        QVERIFY2(r.err.contains("line 4"), r.err.constData());
        QFile g(path);
        QVERIFY(g.open(QIODevice::ReadOnly));
        QCOMPARE(g.readAll(), before);   // a bad database is reported, never rewritten
    }

    // A Satori XML with a DTD whose one entity is referenced 200,000 times (600 KB) used to
    // expand to gigabytes. It is refused before any expansion, with the file named; the CLI runs
    // under a 1 GiB address-space limit, so an expansion would end in an abort, not exit code 2.
    // The same with a parameter entity referenced inside the DTD (expanded while the DTD is read).
    void hostileXmlDatabaseIsRefused_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<QByteArray>("reference");
        QTest::addColumn<QByteArray>("tail");
        QTest::newRow("general entity")
            << "<?xml version=\"1.0\"?>\n<!DOCTYPE TCP [<!ENTITY a \"" + QByteArray(4000, 'A') +
                   "\">]>\n<TCP><fingerprints><fingerprint name=\""
            << QByteArray("&a;")
            << QByteArray("\" os_name=\"X\"><test tcpflag=\"S\" tcpsig=\"8192:64:1:48:M1460:.\"/>"
                          "</fingerprint></fingerprints></TCP>\n");
        QTest::newRow("parameter entity")
            << "<?xml version=\"1.0\"?>\n<!DOCTYPE TCP [<!ENTITY % a \"" + QByteArray(4000, ' ') + "\">"
            << QByteArray("%a;") << QByteArray("]>\n<TCP/>\n");
    }
    void hostileXmlDatabaseIsRefused()
    {
        QFETCH(QByteArray, head);
        QFETCH(QByteArray, reference);
        QFETCH(QByteArray, tail);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"hostile.xml"_s);
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(head);
        for (int i = 0; i < 200000; ++i)
            f.write(reference);
        f.write(tail);
        f.close();
        QVERIFY(QFileInfo(path).size() > 600000);
        QProcess p;
        p.setChildProcessModifier([] {
            const rlimit as{rlim_t(1) << 30, rlim_t(1) << 30};
            setrlimit(RLIMIT_AS, &as);
        });
        p.start(QStringLiteral(SYNSCOPE_CLI), {u"--db"_s, path, u"-r"_s, sample(), u"-q"_s});
        QVERIFY(p.waitForFinished(120000));
        const QByteArray err = p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 2);
        QVERIFY2(err.contains(path.toUtf8()), err.left(400).constData());
        QVERIFY2(err.contains("DTD"), err.left(400).constData());
        QVERIFY2(err.size() < 400, err.left(400).constData());
    }

    // A database that never ends (a device, a FIFO) stops at the size limit with a message.
    void endlessDatabaseIsRefused()
    {
        if (!QFile::exists(u"/dev/zero"_s))
            QSKIP("no /dev/zero");
        QProcess p;
        p.setChildProcessModifier([] {
            const rlimit as{rlim_t(1) << 30, rlim_t(1) << 30};   // an unbounded read aborts
            setrlimit(RLIMIT_AS, &as);
        });
        p.start(QStringLiteral(SYNSCOPE_CLI), {u"--db"_s, u"/dev/zero"_s, u"-r"_s, sample(), u"-q"_s});
        QVERIFY(p.waitForFinished(120000));
        const QByteArray err = p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 2);
        QVERIFY2(err.contains("/dev/zero: larger than the 64 MiB limit for a database file"),
                 err.left(400).constData());
    }

    void badArguments_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no source") << QStringList{} << u"-r FILE or -i IFACE"_s;
        QTest::newRow("both sources") << QStringList{u"-r"_s, u"a"_s, u"-i"_s, u"lo"_s}
                                      << u"-r FILE or -i IFACE"_s;
        QTest::newRow("profile") << QStringList{u"-r"_s, sample(), u"--profile"_s, u"fancy"_s}
                                 << u"unknown profile 'fancy'"_s;
        QTest::newRow("count") << QStringList{u"-r"_s, sample(), u"-c"_s, u"0"_s}
                               << u"--count needs a positive number"_s;
        QTest::newRow("unknown option") << QStringList{u"-r"_s, sample(), u"--bogus"_s}
                                        << u"Unknown option 'bogus'"_s;
        QTest::newRow("missing value") << QStringList{u"-r"_s} << u"Missing value after '-r'"_s;
    }
    void badArguments()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Result r = runCli(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
    }

    void unknownInterface()
    {
        const Result r = runCli({u"-i"_s, u"nosuchif0"_s});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("nosuchif0"), r.err.constData());
    }

    // Without capture rights the message names the command that grants them to synscope-cli
    // itself (it captures in its own process), and the other way out.
    void noPermissionSaysHowToGrantIt()
    {
        if (geteuid() == 0) {
            if (QStandardPaths::findExecutable(u"setpriv"_s).isEmpty())
                QSKIP("setpriv (util-linux) is needed to run the CLI without root");
        }
        QProcess p;
        const QString cli = QStringLiteral(SYNSCOPE_CLI);
        if (geteuid() == 0)
            p.start(u"setpriv"_s, {u"--reuid=65534"_s, u"--regid=65534"_s, u"--clear-groups"_s,
                                   u"--inh-caps=-all"_s, cli, u"-i"_s, u"lo"_s});
        else
            p.start(cli, {u"-i"_s, u"lo"_s});
        if (!p.waitForFinished(10000)) {
            p.kill();
            p.waitForFinished();
            QSKIP("this synscope-cli can capture on lo (it kept running): the permission error cannot be shown");
        }
        const QByteArray err = p.readAllStandardError();
        QCOMPARE(p.exitCode(), 2);
        QVERIFY2(err.contains("no permission to capture on 'lo'"), err.constData());
        QVERIFY2(err.contains("sudo setcap cap_net_raw,cap_net_admin=eip " + QFileInfo(cli).canonicalFilePath().toUtf8()),
                 err.constData());
        QVERIFY2(err.contains("Run as root"), err.constData());
    }

    void badFilterCarriesLibpcapMessage()
    {
        if (geteuid() != 0)
            QSKIP("opening an interface needs root (or CAP_NET_RAW): not running as root");
        const Result r = runCli({u"-i"_s, u"lo"_s, u"-f"_s, u"tcp and and port"_s});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("syntax error"), r.err.constData());
    }

    // Every SYN/SYN+ACK tshark saw in a capture is one JSON line with the documented fields.
    void jsonLinesMatchGroundTruth_data()
    {
        QTest::addColumn<QString>("capture");
        QTest::newRow("ethernet, pcapng") << u"pcaps/ja4/latest.pcapng"_s;
        QTest::newRow("ipv6 over loopback") << u"pcaps/ja4/http-empty-useragent.pcap"_s;
        QTest::newRow("pppoe") << u"pcaps/suricata-verify/bug-4810__pppoe-session-http.pcap"_s;
        QTest::newRow("vlan") << u"pcaps/suricata-verify/bug-4702-01__input.pcap"_s;
    }
    void jsonLinesMatchGroundTruth()
    {
        QFETCH(QString, capture);
        const QString path = sharedData() + u'/' + capture;
        if (!QFile::exists(path))
            QSKIP("the shared corpus (../shared/data) is not beside this checkout");
        QFile truth(path + u".syn.tsv"_s);
        QVERIFY(truth.open(QIODevice::ReadOnly));
        QList<QList<QByteArray>> rows;
        for (const QByteArray& line : truth.readAll().split('\n'))
            if (!line.isEmpty() && !line.startsWith('#'))
                rows << line.split('\t');

        const Result r = runCli({u"-r"_s, path, u"--json"_s});
        QCOMPARE(r.exitCode, 0);
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), rows.size());
        const QStringList required = {
            u"ts"_s, u"src_ip"_s, u"src_port"_s, u"dst_ip"_s, u"dst_port"_s, u"kind"_s,
            u"ip_version"_s, u"ip_ttl"_s, u"ip_df"_s, u"ip_mf"_s, u"ip_total_length"_s, u"ip_id"_s,
            u"tcp_window_size"_s, u"tcp_flags"_s, u"tcp_ack"_s, u"tcp_header_length"_s,
            u"tcp_urp"_s, u"tcp_options"_s, u"tcp_option_kinds"_s, u"tcp_mss"_s,
            u"tcp_window_scaling"_s, u"tcp_timestamp"_s, u"tcp_timestamp_echo_reply"_s,
            u"initial_ttl"_s, u"hops"_s, u"mtu"_s, u"link"_s, u"tunnel"_s, u"encapsulation"_s,
            u"best_guesses"_s, u"os_averages"_s, u"os_guess"_s};
        for (int i = 0; i < lines.size(); ++i) {
            QJsonParseError error;
            const QJsonObject o = QJsonDocument::fromJson(lines[i], &error).object();
            QCOMPARE(error.error, QJsonParseError::NoError);
            for (const QString& key : required)
                QVERIFY2(o.contains(key), qPrintable(key));
            const QList<QByteArray>& row = rows[i];
            QCOMPARE(o[u"frame"_s].toInteger(), row[0].toLongLong());
            QCOMPARE(o[u"src_ip"_s].toString(), QString::fromUtf8(row[1]));
            QCOMPARE(o[u"dst_port"_s].toInt(), row[4].toInt());
            QCOMPARE(o[u"ip_ttl"_s].toInt(), row[6].toInt());
            QCOMPARE(o[u"tcp_window_size"_s].toInt(), row[9].toInt());
            QCOMPARE(o[u"kind"_s].toString(), (row[10].toInt(nullptr, 16) & 0x10) ? u"syn-ack"_s : u"syn"_s);
            const int ttl = row[6].toInt();
            QCOMPARE(o[u"initial_ttl"_s].toInt() - o[u"hops"_s].toInt(), ttl);
            if (row[13] != "-")
                QCOMPARE(o[u"mtu"_s].toInt(), row[13].toInt() + (row[5] == "6" ? 60 : 40));
            QVERIFY(!o[u"best_guesses"_s].toArray().isEmpty());
        }
        QVERIFY2(r.err.contains("SYN"), r.err.constData());   // the summary goes to stderr
    }

    void bundledSampleWithDefaultDatabase()
    {
        const Result r = runCli({u"-r"_s, sample()});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("database SynScope"));
        // One block per SYN and SYN+ACK the summary counts, each with a best guess.
        const QString out = QString::fromUtf8(r.out);
        const auto m = QRegularExpression(u"SYN (\\d+), SYN\\+ACK (\\d+)"_s).match(out);
        QVERIFY(m.hasMatch());
        const int records = m.captured(1).toInt() + m.captured(2).toInt();
        QVERIFY(records > 0);
        QCOMPARE(out.count(QRegularExpression(u"^#\\d+ "_s, QRegularExpression::MultilineOption)),
                 records);
        QCOMPARE(out.count(u"\n  best "_s), records);
    }

    // -c counts SYNs decoded, so --decode-only stops at the same packet as a classifying run.
    void countAppliesWithoutClassifying()
    {
        const Result decodeOnly = runCli({u"-r"_s, sample(), u"--decode-only"_s, u"-c"_s, u"2"_s});
        const Result quiet = runCli({u"-r"_s, sample(), u"-q"_s, u"-c"_s, u"2"_s});
        QCOMPARE(decodeOnly.exitCode, 0);
        QCOMPARE(quiet.exitCode, 0);
        QVERIFY2(quiet.out.contains("SYN 1, SYN+ACK 1,"), quiet.out.constData());
        QCOMPARE(decodeOnly.out, quiet.out);
    }

    // The bench generator's README: a scorer that reproduces zardaxt 2021 and breaks ties the same
    // way (stable sort, database order) gives the drawn entry's label as its top guess for exactly
    // 89,562 of syn-100k's 100,000 SYNs.
    void classicTopGuessOnGeneratedCapture()
    {
        const QString generator = QStringLiteral(SYNSCOPE_SHARED_DIR "/bench/gen-syn-pcap.py");
        const QString db = sharedData() + u"/zardaxt-2021/combined.json"_s;
        const QString python = QStandardPaths::findExecutable(u"python3"_s);
        if (!QFile::exists(generator) || !QFile::exists(db))
            QSKIP("the shared corpus (../shared) is not beside this checkout");
        if (python.isEmpty())
            QSKIP("python3 is needed to run the shared capture generator");
        QTemporaryDir dir;
        const QString pcap = dir.filePath(u"syn-100k.pcap"_s);
        const QString truthPath = dir.filePath(u"syn-100k.truth.jsonl"_s);
        QProcess gen;
        gen.start(python, {generator, u"--count"_s, u"100000"_s, u"--seed"_s, u"1"_s, u"--out"_s,
                           pcap, u"--ground-truth"_s, truthPath});
        QVERIFY(gen.waitForFinished(120000));
        QCOMPARE(gen.exitCode(), 0);

        const Result r = runCli({u"-r"_s, pcap, u"--json"_s, u"--profile"_s, u"classic"_s,
                                 u"--db"_s, db, u"--guesses"_s, u"1"_s});
        QCOMPARE(r.exitCode, 0);
        QFile truth(truthPath);
        QVERIFY(truth.open(QIODevice::ReadOnly));
        const QList<QByteArray> truthLines = truth.readAll().trimmed().split('\n');
        const QList<QByteArray> outLines = r.out.trimmed().split('\n');
        QCOMPARE(outLines.size(), truthLines.size());
        int agree = 0;
        for (int i = 0; i < outLines.size(); ++i) {
            const QJsonObject t = QJsonDocument::fromJson(truthLines[i]).object();
            const QJsonObject o = QJsonDocument::fromJson(outLines[i]).object();
            QCOMPARE(o[u"frame"_s].toInteger(), t[u"frame"_s].toInteger());
            QCOMPARE(o[u"best_guesses"_s].toArray().first()[u"max"_s].toDouble(), 10.0);
            const QString guess = o[u"best_guesses"_s].toArray().first()[u"class"_s].toString();
            if (guess == t[u"os"_s].toString())
                ++agree;
        }
        QCOMPARE(agree, 89562);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
