// SPDX-License-Identifier: GPL-3.0-or-later
// The capture helper and its GUI side: the status framing, HelperProcess's error paths (helper
// missing, bad filter, permission denied as an unprivileged user, unknown interface), the helper
// giving up its capabilities once capturing, a live capture on the loopback interface through
// the helper's pipe into CaptureWorker, and promiscuous mode on request (root only).
#include "ui/capture/capture_worker.h"
#include "ui/capture/helper_process.h"
#include "core/capture/helper_protocol.h"
#include "core/match/profile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <grp.h>
#include <unistd.h>

using namespace synscope;
namespace hp = synscope::helper;

namespace {

const QString kHelper = QStringLiteral(SYNSCOPE_BINARY_DIR "/app/capture-helper/synscope-capture");

// Opens (and at once closes) a TCP connection attempt to 127.0.0.1:port: one SYN on lo.
void knock(uint16_t port)
{
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::close(s);
}

} // namespace

class TestHelper : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(kHelper).isExecutable(), qPrintable(kHelper));
    }

    void framingRoundTrip()
    {
        const std::string stream = hp::encodeMessage(hp::MessageKind::Started, "1 lo")
            + hp::encodeMessage(hp::MessageKind::Drops, hp::encodeDrops({10, 2, 1}))
            + hp::encodeMessage(hp::MessageKind::Error, std::string(70000, 'x'))
            + hp::encodeMessage(hp::MessageKind::BadFilter, "");
        hp::FrameParser parser;
        std::vector<std::pair<hp::MessageKind, std::string>> got;
        // Byte by byte: messages complete only when their last byte arrives.
        for (char c : stream) {
            parser.feed(&c, 1);
            hp::MessageKind k;
            std::string payload;
            while (parser.next(&k, &payload))
                got.emplace_back(k, payload);
        }
        QCOMPARE(got.size(), size_t(4));
        QCOMPARE(got[0].first, hp::MessageKind::Started);
        QCOMPARE(got[0].second, std::string("1 lo"));
        hp::DropCounts d;
        QVERIFY(hp::decodeDrops(got[1].second, &d));
        QCOMPARE(d.received, 10u);
        QCOMPARE(d.dropped, 2u);
        QCOMPARE(d.ifDropped, 1u);
        QCOMPARE(got[2].second.size(), size_t(70000));
        QCOMPARE(got[3].first, hp::MessageKind::BadFilter);
        QVERIFY(got[3].second.empty());
        QCOMPARE(parser.pending(), size_t(0));
        QVERIFY(!parser.corrupt());
    }

    void framingRejectsGarbage()
    {
        hp::FrameParser parser;
        const std::string text = "usage: synscope-capture ...";
        parser.feed(text.data(), text.size());
        hp::MessageKind k;
        std::string payload;
        QVERIFY(!parser.next(&k, &payload));
        QVERIFY(parser.corrupt());
        hp::DropCounts d;
        QVERIFY(!hp::decodeDrops("1 2", &d));
        QVERIFY(!hp::decodeDrops("1 2 3 ", &d));
        QVERIFY(!hp::decodeDrops("1 -2 3", &d));
        QVERIFY(!hp::decodeDrops("99999999999999999999 0 0", &d));
    }

    void usageErrors()
    {
        QProcess p;
        p.start(kHelper, {});
        QVERIFY(p.waitForFinished(5000));
        QCOMPARE(p.exitCode(), hp::kExitUsage);
        QVERIFY(p.readAllStandardError().contains("usage:"));
        p.start(kHelper, {u"-i"_qs, u"lo"_qs, u"-s"_qs, u"12"_qs});
        QVERIFY(p.waitForFinished(5000));
        QCOMPARE(p.exitCode(), hp::kExitUsage);
        QVERIFY(p.readAllStandardError().contains("bad snaplen"));
    }

    void lookup()
    {
        qputenv("SYNSCOPE_CAPTURE_HELPER", kHelper.toLocal8Bit());
        QCOMPARE(HelperProcess::findHelper(), QFileInfo(kHelper).absoluteFilePath());
        qputenv("SYNSCOPE_CAPTURE_HELPER", "/nonexistent/synscope-capture");
        QCOMPARE(HelperProcess::findHelper(), QString());
        qunsetenv("SYNSCOPE_CAPTURE_HELPER");
        QCOMPARE(HelperProcess::grantCommand(u"/opt/x/synscope-capture"_qs),
                 u"sudo setcap cap_net_raw,cap_net_admin=eip /opt/x/synscope-capture"_qs);
    }

    void helperNotFound()
    {
        HelperProcess helper;
        helper.setHelperPath(u"/nonexistent/synscope-capture"_qs);
        QSignalSpy errors(&helper, &HelperProcess::errorOccurred);
        QCOMPARE(helper.start(u"lo"_qs, QString()), -1);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.at(0).at(0).value<HelperProcess::ErrorKind>(), HelperProcess::ErrorKind::NotFound);
    }

    // Installed 0750 root:synscope, the helper exists for a user outside the group but does not
    // run: the message says which group to join, not "not found".
    void helperNotRunnable()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"synscope-capture"_qs);
        QVERIFY(QFile::copy(kHelper, path));
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup));
        const group* g = getgrgid(getgid());
        QVERIFY(g);
        qputenv("SYNSCOPE_CAPTURE_HELPER", path.toLocal8Bit());
        QCOMPARE(HelperProcess::findHelper(), QFileInfo(path).absoluteFilePath());
        qunsetenv("SYNSCOPE_CAPTURE_HELPER");
        HelperProcess helper;
        helper.setHelperPath(path);
        QSignalSpy errors(&helper, &HelperProcess::errorOccurred);
        QCOMPARE(helper.start(u"lo"_qs, QString()), -1);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.at(0).at(0).value<HelperProcess::ErrorKind>(), HelperProcess::ErrorKind::PermissionDenied);
        const QString message = errors.at(0).at(1).toString();
        QVERIFY2(message.contains(u"sudo usermod -aG %1 $USER"_qs.arg(QString::fromLocal8Bit(g->gr_name))), qPrintable(message));
    }

    void badFilter()
    {
        if (::geteuid() != 0)
            QSKIP("opening lo needs root (or capture capabilities) before the filter is compiled");
        HelperProcess helper;
        helper.setHelperPath(kHelper);
        QSignalSpy errors(&helper, &HelperProcess::errorOccurred);
        QSignalSpy finished(&helper, &HelperProcess::finished);
        const int fd = helper.start(u"lo"_qs, u"tcp[[[ and"_qs);
        QVERIFY(fd >= 0);
        ::close(fd);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).toInt(), hp::kExitBadFilter);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.at(0).at(0).value<HelperProcess::ErrorKind>(), HelperProcess::ErrorKind::BadFilter);
        QVERIFY2(errors.at(0).at(1).toString().contains(u"syntax error"_qs),
                 qPrintable(errors.at(0).at(1).toString()));
    }

    void unknownInterface()
    {
        if (::geteuid() != 0)
            QSKIP("without root the helper fails on permission before it looks at the interface");
        HelperProcess helper;
        helper.setHelperPath(kHelper);
        QSignalSpy errors(&helper, &HelperProcess::errorOccurred);
        QSignalSpy finished(&helper, &HelperProcess::finished);
        const int fd = helper.start(u"nosuchif0"_qs, QString());
        QVERIFY(fd >= 0);
        ::close(fd);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).toInt(), hp::kExitError);
        QCOMPARE(errors.at(0).at(0).value<HelperProcess::ErrorKind>(), HelperProcess::ErrorKind::CaptureError);
        QVERIFY(errors.at(0).at(1).toString().contains(u"nosuchif0"_qs));
    }

    void permissionDenied()
    {
        QString path = kHelper;
        QTemporaryDir dir;
        if (::geteuid() == 0) {
            // Run the helper as nobody, with no capabilities, through a wrapper.
            QVERIFY(dir.isValid());
            if (QStandardPaths::findExecutable(u"setpriv"_qs).isEmpty())
                QSKIP("setpriv is needed to drop root for this test");
            path = dir.filePath(u"synscope-capture"_qs);
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "
                    + kHelper.toLocal8Bit() + " \"$@\"\n");
            f.close();
            QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::ExeOwner | QFile::ReadOther | QFile::ExeOther));
            QVERIFY(QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner
                                                          | QFile::ReadOther | QFile::ExeOther));
        }
        HelperProcess helper;
        helper.setHelperPath(path);
        QSignalSpy errors(&helper, &HelperProcess::errorOccurred);
        QSignalSpy finished(&helper, &HelperProcess::finished);
        const int fd = helper.start(u"lo"_qs, QString());
        QVERIFY(fd >= 0);
        ::close(fd);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        if (finished.at(0).at(0).toInt() == hp::kExitOk)
            QSKIP("this helper already has capture rights: the permission error cannot be shown");
        QCOMPARE(finished.at(0).at(0).toInt(), hp::kExitPermission);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.at(0).at(0).value<HelperProcess::ErrorKind>(), HelperProcess::ErrorKind::PermissionDenied);
        const QString message = errors.at(0).at(1).toString();
        QVERIFY2(message.contains(u"sudo setcap cap_net_raw,cap_net_admin=eip "_qs + path), qPrintable(message));
        QCOMPARE(helper.lastError(), message);
    }

    // Once its capture socket is open the helper holds no capability: the filter it compiles and
    // the packets it handles come from whoever runs it.
    void noCapabilitiesOnceCapturing()
    {
        if (::geteuid() != 0)
            QSKIP("capturing on lo needs root (or capture capabilities on the helper)");
        QProcess p;
        p.setStandardOutputFile(QProcess::nullDevice());
        p.setReadChannel(QProcess::StandardError);
        p.start(kHelper, {u"-i"_qs, u"lo"_qs, u"-f"_qs, u"tcp port 9"_qs});
        hp::FrameParser parser;
        hp::MessageKind kind{};
        std::string payload;
        QString messages;
        bool started = false;
        while (!started && p.waitForReadyRead(10000)) {
            const QByteArray bytes = p.readAll();
            parser.feed(bytes.constData(), size_t(bytes.size()));
            while (parser.next(&kind, &payload)) {
                started = started || kind == hp::MessageKind::Started;
                messages += QLatin1Char(char(kind)) + QString::fromStdString(payload) + u'\n';
            }
        }
        QVERIFY2(started, qPrintable(messages));
        QFile status(u"/proc/%1/status"_qs.arg(p.processId()));
        QVERIFY(status.open(QIODevice::ReadOnly));
        const QByteArray text = status.readAll();
        for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapAmb"})
            QVERIFY2(text.contains('\n' + QByteArray(set) + ":\t0000000000000000\n"), text.constData());
        p.terminate();
        QVERIFY(p.waitForFinished(5000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), hp::kExitOk);
    }

    void liveLoopbackThroughThePipe()
    {
        if (::geteuid() != 0)
            QSKIP("capturing on lo needs root (or capture capabilities on the helper)");
        const uint16_t port = uint16_t(20000 + ::getpid() % 20000);
        HelperProcess helper;
        helper.setHelperPath(kHelper);
        QSignalSpy started(&helper, &HelperProcess::started);
        QSignalSpy drops(&helper, &HelperProcess::dropsChanged);
        QSignalSpy errors(&helper, &HelperProcess::errorOccurred);
        const int fd = helper.start(u"lo"_qs, u"tcp dst port %1 and tcp[tcpflags] & tcp-syn != 0"_qs.arg(port));
        QVERIFY(fd >= 0);
        CaptureWorker worker;
        connect(&helper, &HelperProcess::dropsChanged, &worker, &CaptureWorker::setCaptureDrops);
        QSignalSpy batches(&worker, &CaptureWorker::batchReady);
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        CaptureConfig c;
        c.profile = &Profile::synscope();
        worker.startFd(fd, c);
        QTRY_COMPARE_WITH_TIMEOUT(started.size(), 1, 10000);
        QCOMPARE(started.at(0).at(1).toString(), u"lo"_qs);
        knock(port);
        QTRY_VERIFY_WITH_TIMEOUT(!batches.isEmpty(), 10000);
        const auto batch = batches.at(0).at(0).value<RowBatchPtr>();
        QCOMPARE(batch->rows.size(), size_t(1));
        const ConnectionRow& r = batch->rows.front();
        QCOMPARE(r.dst_port, port);
        QCOMPARE(r.packetKind(), PacketKind::Syn);
        QCOMPARE(r.ip_version, 4);
        helper.stop();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(finished.at(0).at(1).toString(), QString());
        QVERIFY(!drops.isEmpty());   // the final counts on SIGTERM at least
        QVERIFY(helper.drops().received >= 1);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.isEmpty() ? QString() : errors.at(0).at(1).toString()));
    }

    // The capture dialog's "Promiscuous mode" reaches the helper: the kernel counts an interface's
    // promiscuous users (ip -d link: promiscuity). Last: it moves the process into a private
    // network namespace, where no other capture touches lo.
    void promiscuousModeFollowsTheRequest()
    {
        if (::geteuid() != 0)
            QSKIP("capturing on lo needs root (or capture capabilities on the helper)");
        if (::unshare(CLONE_NEWNET) != 0)
            QSKIP("cannot create a network namespace (unshare CLONE_NEWNET failed)");
        QCOMPARE(QProcess::execute(u"ip"_qs, {u"link"_qs, u"set"_qs, u"lo"_qs, u"up"_qs}), 0);
        auto promiscuity = [] {
            QProcess ip;
            ip.start(u"ip"_qs, {u"-d"_qs, u"-j"_qs, u"link"_qs, u"show"_qs, u"dev"_qs, u"lo"_qs});
            ip.waitForFinished(5000);
            const QJsonArray links = QJsonDocument::fromJson(ip.readAllStandardOutput()).array();
            return links.isEmpty() ? -1 : links.at(0).toObject().value(u"promiscuity"_qs).toInt(-1);
        };
        QCOMPARE(promiscuity(), 0);
        for (const bool promiscuous : {true, false}) {
            HelperProcess helper;
            helper.setHelperPath(kHelper);
            QSignalSpy started(&helper, &HelperProcess::started);
            const int fd = helper.start(u"lo"_qs, QString(), 262144, promiscuous);
            QVERIFY(fd >= 0);
            QTRY_COMPARE_WITH_TIMEOUT(started.size(), 1, 10000);
            QCOMPARE(promiscuity(), promiscuous ? 1 : 0);
            helper.stop();
            ::close(fd);
            QCOMPARE(promiscuity(), 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestHelper)
#include "test_helper.moc"
