// SPDX-License-Identifier: GPL-3.0-or-later
// synscope-cli as users run it: its output on real captures, and a clear message with a non-zero
// exit for every kind of bad input.
#include "core/capture/live_handle.h"

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

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>

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

// A 1 GiB address-space limit for the child, so that an unbounded expansion or read aborts it
// instead of exiting 2. Not under AddressSanitizer, whose shadow memory alone needs far more
// address space (its allocator reports an unbounded allocation by itself).
#if defined(__SANITIZE_ADDRESS__)
#define SYNSCOPE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYNSCOPE_ASAN 1
#endif
#endif
static void capMemory([[maybe_unused]] QProcess& p)
{
#ifndef SYNSCOPE_ASAN
    p.setChildProcessModifier([] {
        const rlimit as{rlim_t(1) << 30, rlim_t(1) << 30};
        setrlimit(RLIMIT_AS, &as);
    });
#endif
}

class TestCli : public QObject {
    Q_OBJECT
private slots:
    // The verdict's fields on every JSON line; --min-confidence turns a less sure verdict into
    // unknown with its closest guess kept; eval measures the built-in database.
    void verdictFieldsAndEval()
    {
        const Result r = runCli({u"-r"_s, sample(), u"--json"_s});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject first = QJsonDocument::fromJson(r.out.left(r.out.indexOf('\n'))).object();
        for (const char* key : {"os_guess", "os_class", "family", "scanner", "unknown", "nearest", "confidence", "reasons"})
            QVERIFY2(first.contains(QLatin1String(key)), key);
        QCOMPARE(first.value(u"os_guess"_s).toString(), u"Linux"_s);
        const double confidence = first.value(u"confidence"_s).toDouble();
        QVERIFY(confidence > 0 && confidence <= 1);
        // The text block shows the same confidence as the JSON line, rounded once (0.945 is
        // "0.95" in both, not "0.94" in one of them).
        const Result block = runCli({u"-r"_s, sample()});
        const QString expected = u"(confidence %1)"_s.arg(confidence, 0, 'f', 2);
        QVERIFY2(QString::fromUtf8(block.out).contains(expected), qPrintable(expected));

        const Result strict = runCli({u"-r"_s, sample(), u"--json"_s, u"--min-confidence"_s,
                                      QString::number(std::min(1.0, confidence + 0.01))});
        QCOMPARE(strict.exitCode, 0);
        const QJsonObject s = QJsonDocument::fromJson(strict.out.left(strict.out.indexOf('\n'))).object();
        QCOMPARE(s.value(u"os_guess"_s).toString(), u"unknown"_s);
        QCOMPARE(s.value(u"unknown"_s).toBool(), true);
        QCOMPARE(s.value(u"nearest"_s).toString(), u"Linux"_s);
        QCOMPARE(runCli({u"-r"_s, sample(), u"--min-confidence"_s, u"2"_s}).exitCode, 2);

        const Result eval = runCli({u"eval"_s, u"--json"_s});
        QCOMPARE(eval.exitCode, 0);
        const QJsonObject e = QJsonDocument::fromJson(eval.out).object();
        for (const char* key : {"accuracy", "family_accuracy", "unknown_rate", "per_class", "confusion"})
            QVERIFY2(e.contains(QLatin1String(key)), key);
        QVERIFY(e.value(u"evaluated"_s).toInt() >= 90);
        QVERIFY(e.value(u"family_accuracy"_s).toDouble() >= e.value(u"accuracy"_s).toDouble());
        QVERIFY(!e.contains(u"wrong"_s));
        // --list names every entry the verdict gets wrong: as many as the accuracy leaves, each
        // with its fingerprint and a verdict that is not its class.
        const Result listed = runCli({u"eval"_s, u"--json"_s, u"--list"_s});
        const QJsonObject l = QJsonDocument::fromJson(listed.out).object();
        const QJsonArray wrong = l.value(u"wrong"_s).toArray();
        const int evaluated = l.value(u"evaluated"_s).toInt();
        QVERIFY(!wrong.isEmpty());
        QCOMPARE(wrong.size(), evaluated - qRound(l.value(u"family_accuracy"_s).toDouble() * evaluated));
        for (const QJsonValue& w : wrong) {
            const QJsonObject o = w.toObject();
            QVERIFY(o.value(u"verdict"_s).toString() != o.value(u"truth"_s).toString());
            QVERIFY(o.value(u"fingerprint"_s).toObject().contains(u"tcp_options"_s));
        }
        const Result text = runCli({u"eval"_s, u"--list"_s});
        QCOMPARE(text.out.count("\n    #"), qsizetype(wrong.size()));
        QCOMPARE(runCli({u"eval"_s, u"--against"_s, u"/nonexistent.json"_s}).exitCode, 2);
    }

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
        capMemory(p);
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
    // --db on a FIFO nobody writes to waits, and SIGTERM (like Ctrl-C) ends the wait with a
    // message: QFile retried the blocked open(2) on EINTR, so only SIGKILL ended the process.
    void fifoDatabaseEndsOnSignal()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString fifo = dir.filePath(u"db.fifo"_s);
        QVERIFY(mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
        QProcess p;
        p.start(QStringLiteral(SYNSCOPE_CLI), {u"--db"_s, fifo, u"-r"_s, sample(), u"-q"_s});
        QVERIFY(p.waitForStarted());
        QVERIFY(!p.waitForFinished(700));   // still waiting for a writer
        p.terminate();
        const bool ended = p.waitForFinished(5000);
        if (!ended) {
            p.kill();
            p.waitForFinished();
        }
        QVERIFY2(ended, "SIGTERM did not end synscope-cli waiting on a FIFO database");
        const QByteArray err = p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 2);
        QVERIFY2(err.contains(fifo.toUtf8() + ": interrupted"), err.constData());
    }

    void endlessDatabaseIsRefused()
    {
        if (!QFile::exists(u"/dev/zero"_s))
            QSKIP("no /dev/zero");
        QProcess p;
        capMemory(p);
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

    void badFilterCarriesLibpcapMessage()
    {
        if (geteuid() != 0)
            QSKIP("opening an interface needs root (or CAP_NET_RAW): not running as root");
        const Result r = runCli({u"-i"_s, u"lo"_s, u"-f"_s, u"tcp and and port"_s});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("syntax error"), r.err.constData());
    }

    // --print-filter gives the filter -i would capture with: the default one (what a tcpdump run
    // beside SynScope needs to keep the same packets, tests/netns/bench-live-drops.sh), or -f's.
    void printFilter()
    {
        const Result r = runCli({u"--print-filter"_s});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray::fromStdString(synscope::defaultLiveFilter() + '\n'));
        const Result given = runCli({u"--print-filter"_s, u"-f"_s, u"tcp port 80"_s});
        QCOMPARE(given.out, QByteArray("tcp port 80\n"));
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
        QList<QByteArray> lines = r.out.trimmed().split('\n');
        // The stream ends with the run's summary, which counts what came before it.
        const QJsonObject summary = QJsonDocument::fromJson(lines.takeLast()).object();
        QCOMPARE(summary[u"type"_s].toString(), u"summary"_s);
        QCOMPARE(summary[u"syn"_s].toInteger() + summary[u"syn_ack"_s].toInteger(), qint64(rows.size()));
        QVERIFY(summary[u"packets"_s].toInteger() >= qint64(rows.size()));
        QVERIFY(summary.contains(u"skipped_by_reason"_s) && summary.contains(u"capture"_s));
        // The flow stage's lines join the same stream: one per connection with a handshake, as
        // many as the summary reports, each with the verdict's fields.
        qsizetype flowLines = 0;
        lines.removeIf([&flowLines](const QByteArray& line) {
            if (!line.startsWith("{\"type\":\"flow\""))
                return false;
            const QJsonObject f = QJsonDocument::fromJson(line).object();
            for (const char* key : {"ua", "ua_os", "verdict", "suspicion", "reasons", "os_mismatch",
                                    "rtt_tcp_ms", "rtt_app_ms", "src_ip", "dst_port", "frame"})
                if (!f.contains(QLatin1StringView(key)))
                    return false;   // left in: the comparison below then fails
            ++flowLines;
            return true;
        });
        QCOMPARE(flowLines, qsizetype(summary[u"flows"_s][u"reported"_s].toInteger()));
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
            QCOMPARE(o[u"type"_s].toString(), o[u"kind"_s].toString());
            QVERIFY(lines[i].startsWith("{\"type\":"));
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
        // The classifying run also reports its flow stage after the same counts.
        QVERIFY(quiet.out.contains("\n  flows: "));
        QCOMPARE(decodeOnly.out, quiet.out.left(decodeOnly.out.size()));
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
        QList<QByteArray> outLines = r.out.trimmed().split('\n');
        QVERIFY(outLines.takeLast().startsWith("{\"type\":\"summary\""));
        outLines.removeIf([](const QByteArray& line) { return line.startsWith("{\"type\":\"flow\""); });
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
    // Without capture rights the hint points at synscope-capture, found as the GUI finds it (next
    // to the CLI, or ../capture-helper/ in the build tree), never at setcap on the CLI itself, and
    // says how to read the helper's stream.
    void noPermissionNamesTheCaptureHelper()
    {
        if (geteuid() == 0 && QStandardPaths::findExecutable(u"setpriv"_s).isEmpty())
            QSKIP("setpriv (util-linux) is needed to run the CLI without root");
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
        const QRegularExpression grant(u"sudo setcap cap_net_raw,cap_net_admin=eip (\\S*synscope-capture)`"_s);
        const auto m = grant.match(QString::fromUtf8(err));
        QVERIFY2(m.hasMatch(), err.constData());
        QVERIFY2(!err.contains("eip " + QFileInfo(cli).canonicalFilePath().toUtf8()), err.constData());
        const QString besideCli = QFileInfo(QFileInfo(cli).absolutePath() + u"/../capture-helper/synscope-capture"_s)
                                      .canonicalFilePath();
        if (!besideCli.isEmpty())
            QCOMPARE(m.captured(1), besideCli);
        QVERIFY2(err.contains(" -i lo 2>/dev/null | synscope-cli -r -`"), err.constData());
        QVERIFY2(err.contains("Run as root"), err.constData());   // the other way out
    }

    // A setcap'd copy of the CLI, run as nobody, holds no capability once its capture socket is
    // open (before the database is read), and still captures.
    void liveCaptureHoldsNoCapabilities()
    {
        if (geteuid() != 0)
            QSKIP("needs root to give a copy of the CLI file capabilities and run it as nobody");
        const QString setcap = QStandardPaths::findExecutable(u"setcap"_s);
        const QString setpriv = QStandardPaths::findExecutable(u"setpriv"_s);
        if (setcap.isEmpty() || setpriv.isEmpty())
            QSKIP("setcap (libcap2-bin) and setpriv (util-linux) are needed");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner
                                                      | QFile::ReadOther | QFile::ExeOther));
        const QString copy = dir.filePath(u"synscope-cli"_s);
        QVERIFY(QFile::copy(QStringLiteral(SYNSCOPE_CLI), copy));
        QVERIFY(QFile::setPermissions(copy, QFile::ReadOwner | QFile::ExeOwner | QFile::ReadOther | QFile::ExeOther));
        QProcess grant;
        grant.start(setcap, {u"cap_net_raw,cap_net_admin=eip"_s, copy});
        QVERIFY(grant.waitForFinished(10000));
        if (grant.exitCode() != 0)
            QSKIP(qPrintable(u"setcap failed here: "_s + QString::fromLocal8Bit(grant.readAllStandardError())));

        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        QCOMPARE(::listen(listener, 4), 0);
        socklen_t len = sizeof addr;
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
        const int port = ntohs(addr.sin_port);

        QProcess p;
        p.start(setpriv, {u"--reuid=65534"_s, u"--regid=65534"_s, u"--clear-groups"_s, copy, u"-i"_s, u"lo"_s,
                          u"-f"_s, u"tcp dst port %1 and tcp[tcpflags] == tcp-syn"_s.arg(port)});
        QVERIFY(p.waitForStarted(5000));
        // Every thread's capability sets are empty once the socket is open.
        QByteArray status;
        bool dropped = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!dropped && p.state() == QProcess::Running && std::chrono::steady_clock::now() < deadline) {
            QTest::qWait(20);
            QDir tasks(u"/proc/%1/task"_s.arg(p.processId()));
            dropped = !tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty();
            for (const QString& t : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
                QFile f(tasks.filePath(t + u"/status"_s));
                if (!f.open(QIODevice::ReadOnly)) {
                    dropped = false;
                    break;
                }
                status = f.readAll();
                for (const char* set : {"CapPrm", "CapEff", "CapInh", "CapAmb"})
                    dropped = dropped && status.contains('\n' + QByteArray(set) + ":\t0000000000000000\n");
            }
        }
        QVERIFY2(p.state() == QProcess::Running,
                 (p.readAllStandardError() + p.readAllStandardOutput()).constData());
        QVERIFY2(dropped, status.constData());
        // ... and it still captures: a SYN to the listener is printed.
        const int client = ::socket(AF_INET, SOCK_STREAM, 0);
        QCOMPARE(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        QByteArray out;
        const auto printed = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!out.contains(":%1  SYN"_ba.replace("%1", QByteArray::number(port))) && std::chrono::steady_clock::now() < printed) {
            p.waitForReadyRead(100);
            out += p.readAllStandardOutput();
        }
        ::close(client);
        ::close(listener);
        p.terminate();
        QVERIFY(p.waitForFinished(5000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QVERIFY2(out.contains(":" + QByteArray::number(port) + "  SYN"), out.constData());
    }

    // Ctrl-C (or SIGTERM) on `synscope-cli -r FIFO` ends the run within a second: while it waits
    // for a writer, and while a writer that sent the header has gone quiet (it used to sit in a
    // read() that breakLoop() could not reach).
    void signalEndsAStalledFifo_data()
    {
        QTest::addColumn<int>("signal");
        QTest::addColumn<bool>("header");
        QTest::newRow("SIGINT, no writer") << int(SIGINT) << false;
        QTest::newRow("SIGTERM, no writer") << int(SIGTERM) << false;
        QTest::newRow("SIGINT, header then silence") << int(SIGINT) << true;
        QTest::newRow("SIGTERM, header then silence") << int(SIGTERM) << true;
    }
    // A stream's lines are written (on the writer thread) as soon as the source runs dry, not at
    // the end: a SYN sent into a FIFO that stays open shows on stdout at once, even while the next
    // record is cut in its middle; the rest of that record completes it, and the summary follows
    // when the stream ends.
    void streamedLineShowsBeforeTheEnd()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray fifo = QFile::encodeName(dir.filePath(u"capture.fifo"_s));
        QCOMPARE(::mkfifo(fifo.constData(), 0600), 0);
        QProcess p;
        p.start(QStringLiteral(SYNSCOPE_CLI), {u"-r"_s, QString::fromLocal8Bit(fifo), u"--json"_s});
        QVERIFY(p.waitForStarted(5000));
        const int writer = ::open(fifo.constData(), O_WRONLY | O_CLOEXEC);
        QVERIFY(writer >= 0);
        // Ethernet, IPv4 (TTL 64, DF), TCP SYN with MSS 1460: 58 bytes.
        QByteArray frame = QByteArray::fromHex(
            "0200000000010200000000020800"
            "4500002c00014000400600000a0000010a000002"
            "9c4001bb00000001000000006002721000000000020405b4");
        const uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
        const uint32_t record[4] = {1700000000, 0, uint32_t(frame.size()), uint32_t(frame.size())};
        QByteArray bytes(reinterpret_cast<const char*>(header), sizeof header);
        const QByteArray one = QByteArray(reinterpret_cast<const char*>(record), sizeof record) + frame;
        // The first record whole, the second cut in its middle, as a writer's buffered chunk ends.
        bytes += one + one.left(30);
        QCOMPARE(::write(writer, bytes.constData(), size_t(bytes.size())), ssize_t(bytes.size()));
        QByteArray out;
        for (int waited = 0; !out.contains('\n') && waited < 5000; waited += 50) {
            p.waitForReadyRead(50);
            out += p.readAllStandardOutput();
        }
        QVERIFY2(out.startsWith("{\"type\":\"syn\""), out.constData());
        QCOMPARE(p.state(), QProcess::Running);   // the stream is still open
        const QByteArray rest = one.mid(30);
        QCOMPARE(::write(writer, rest.constData(), size_t(rest.size())), ssize_t(rest.size()));
        ::close(writer);
        QVERIFY(p.waitForFinished(5000));
        QCOMPARE(p.exitCode(), 0);
        out += p.readAllStandardOutput();
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);   // both SYNs, whole, then the summary
        QVERIFY(lines[0].contains("\"frame\":1,\"src_ip\":\"10.0.0.1\""));
        QVERIFY(lines[1].contains("\"frame\":2,\"src_ip\":\"10.0.0.1\""));
        QVERIFY(lines[2].startsWith("{\"type\":\"summary\""));
    }

    void signalEndsAStalledFifo()
    {
        QFETCH(int, signal);
        QFETCH(bool, header);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray fifo = QFile::encodeName(dir.filePath(u"capture.fifo"_s));
        QCOMPARE(::mkfifo(fifo.constData(), 0600), 0);
        QProcess p;
        p.start(QStringLiteral(SYNSCOPE_CLI), {u"-r"_s, QString::fromLocal8Bit(fifo)});
        QVERIFY(p.waitForStarted(5000));
        int writer = -1;
        if (header) {
            writer = ::open(fifo.constData(), O_WRONLY | O_CLOEXEC);   // the CLI is the reader
            QVERIFY(writer >= 0);
            const uint32_t h[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
            QCOMPARE(::write(writer, h, sizeof h), ssize_t(sizeof h));
        }
        QTest::qWait(500);   // into the wait (and past loading the database)
        QCOMPARE(p.state(), QProcess::Running);
        const auto sent = std::chrono::steady_clock::now();
        ::kill(pid_t(p.processId()), signal);
        const bool finished = p.waitForFinished(1000);
        const auto took = std::chrono::steady_clock::now() - sent;
        if (!finished) {
            p.kill();
            p.waitForFinished();
        }
        if (writer >= 0)
            ::close(writer);
        QVERIFY2(finished, "synscope-cli did not stop within 1 s of the signal");
        QVERIFY(took < std::chrono::seconds(1));
        // Its own handler ended the run (not the signal's default action).
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        if (header) {
            QCOMPARE(p.exitCode(), 0);
            QVERIFY2(p.readAllStandardOutput().contains("packets 0,"), "no summary");
        } else {
            QCOMPARE(p.exitCode(), 128 + signal);
            QVERIFY2(p.readAllStandardError().contains("cancelled"), "no message");
        }
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
