// SPDX-License-Identifier: GPL-3.0-or-later
// The built capture helper (synscope-capture) as the GUI runs it: it starts on interfaces that are
// not Ethernet with the GUI's Ethernet default filter (any, a raw-IP tun device in a namespace of
// its own), refuses libpcap devices that are not network interfaces, frames its usage errors,
// and exits as soon as the reader of its pcap stream goes away. Tests that capture need root and
// skip otherwise; the refusal and usage checks need nothing.
#include "core/capture/helper_protocol.h"
#include "core/capture/packet_source.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

using namespace synscope;
using namespace Qt::StringLiterals;
namespace hp = synscope::helper;

namespace {

const QString kHelper = QStringLiteral(SYNSCOPE_HELPER);

struct Frames {
    std::vector<std::pair<hp::MessageKind, std::string>> messages;
    bool corrupt = false;
    size_t pending = 0;
    QString text() const
    {
        QString out;
        for (const auto& [kind, payload] : messages)
            out += QLatin1Char(char(kind)) + u": "_s + QString::fromStdString(payload) + u'\n';
        return out;
    }
    bool has(hp::MessageKind kind) const
    {
        for (const auto& m : messages)
            if (m.first == kind)
                return true;
        return false;
    }
};

Frames parse(const QByteArray& bytes)
{
    hp::FrameParser parser;
    parser.feed(bytes.constData(), size_t(bytes.size()));
    Frames f;
    hp::MessageKind kind;
    std::string payload;
    while (parser.next(&kind, &payload))
        f.messages.emplace_back(kind, payload);
    f.corrupt = parser.corrupt();
    f.pending = parser.pending();
    return f;
}

// Reads the helper's stderr until a Started frame, an exit, or the timeout; returns all frames.
Frames waitForStarted(QProcess& p, int timeoutMs = 10000)
{
    QByteArray err;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
        p.waitForReadyRead(100);
        err += p.readAllStandardError();
        const Frames f = parse(err);
        if (f.has(hp::MessageKind::Started) || f.corrupt || p.state() == QProcess::NotRunning) {
            err += p.readAllStandardError();
            return parse(err);
        }
    }
    return parse(err);
}

bool run(const QStringList& argv, QString* why = nullptr)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(argv.first(), argv.mid(1));
    const bool ok = p.waitForFinished(10000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (!ok && why)
        *why = u"`%1` failed: %2"_s.arg(argv.join(u' '), QString::fromLocal8Bit(p.readAll()).trimmed());
    return ok;
}

// Started on `iface` with the GUI's filter (the Ethernet default), the stream's pcap header
// carries the link type the Started frame names.
void checkStartsAndStreams(QProcess& p, int expectedLinkType = -1)
{
    const Frames f = waitForStarted(p);
    QVERIFY2(f.has(hp::MessageKind::Started), qPrintable(f.text() + u"exit %1"_s.arg(p.exitCode())));
    QVERIFY(!f.corrupt);
    QByteArray header;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (header.size() < 24 && std::chrono::steady_clock::now() < deadline) {
        p.waitForReadyRead(100);
        header += p.readAllStandardOutput();
    }
    QVERIFY2(header.size() >= 24, "no pcap header on stdout");
    uint32_t magic, linkType;
    std::memcpy(&magic, header.constData(), 4);
    std::memcpy(&linkType, header.constData() + 20, 4);
    QCOMPARE(magic, 0xa1b2c3d4u);
    std::string started;
    for (const auto& m : f.messages)
        if (m.first == hp::MessageKind::Started)
            started = m.second;
    // Started names libpcap's DLT value, the file header the LINKTYPE one: they differ for raw IP.
    const uint32_t dlt = QString::fromStdString(started).section(u' ', 0, 0).toUInt();
    QCOMPARE(dlt == 12 ? 101u : dlt, linkType);
    if (expectedLinkType >= 0)
        QCOMPARE(int(linkType), expectedLinkType);
    p.terminate();
    QVERIFY(p.waitForFinished(5000));
    QCOMPARE(p.exitCode(), hp::kExitOk);
}

} // namespace

class TestCaptureHelper : public QObject {
    Q_OBJECT
private slots:
    // `any` is Linux cooked capture, where libpcap has no VLAN matching: the helper adapts the
    // GUI's Ethernet default filter, as core's openLive does, instead of failing with BadFilter.
    void startsOnAnyWithTheGuiFilter()
    {
        if (geteuid() != 0)
            QSKIP("capturing on 'any' needs root (or capture capabilities on the helper): not root");
        QProcess p;
        p.start(kHelper, {u"-i"_s, u"any"_s, u"-f"_s, QString::fromStdString(defaultLiveFilter())});
        checkStartsAndStreams(p, 113);   // LINKTYPE_LINUX_SLL
    }

    // A raw-IP interface (a tun device, as WireGuard and OpenVPN are) in a namespace of its own.
    void startsOnRawIpTunWithTheGuiFilter()
    {
        if (geteuid() != 0)
            QSKIP("creating a tun device in a network namespace needs root: not root");
        const QString ns = u"ssh%1t"_s.arg(QCoreApplication::applicationPid());
        const QString tun = u"sstun%1"_s.arg(QCoreApplication::applicationPid() % 100000);
        QString why;
        if (!run({u"ip"_s, u"netns"_s, u"add"_s, ns}, &why))
            QSKIP(qPrintable(u"no network namespaces here: "_s + why));
        const auto cleanup = qScopeGuard([&] { run({u"ip"_s, u"netns"_s, u"del"_s, ns}); });
        if (!run({u"ip"_s, u"netns"_s, u"exec"_s, ns, u"ip"_s, u"tuntap"_s, u"add"_s, u"dev"_s, tun, u"mode"_s, u"tun"_s}, &why))
            QSKIP(qPrintable(u"no tun devices here: "_s + why));
        QVERIFY2(run({u"ip"_s, u"netns"_s, u"exec"_s, ns, u"ip"_s, u"link"_s, u"set"_s, tun, u"up"_s}, &why),
                 qPrintable(why));
        QProcess p;
        p.start(u"ip"_s, {u"netns"_s, u"exec"_s, ns, kHelper, u"-i"_s, tun, u"-f"_s,
                          QString::fromStdString(defaultLiveFilter())});
        checkStartsAndStreams(p, 101);   // LINKTYPE_RAW
    }

    // Devices that are not network interfaces are refused by name before anything is opened
    // (nfqueue would bind a queue on activation), so no privilege is needed to see it.
    void refusesSpecialDevices_data()
    {
        QTest::addColumn<QString>("device");
        for (const char* d : {"nflog", "nflog:5", "nfqueue", "nfqueue:1", "usbmon0", "usbmon1",
                              "bluetooth0", "bluetooth-monitor", "dbus-system", "dbus-session"})
            QTest::newRow(d) << QString::fromLatin1(d);
    }
    void refusesSpecialDevices()
    {
        QFETCH(QString, device);
        QProcess p;
        p.start(kHelper, {u"-i"_s, device});
        QVERIFY(p.waitForFinished(5000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), hp::kExitError);
        const Frames f = parse(p.readAllStandardError());
        QVERIFY(!f.corrupt);
        QCOMPARE(f.pending, size_t(0));
        QCOMPARE(f.messages.size(), size_t(1));
        QCOMPARE(f.messages[0].first, hp::MessageKind::Error);
        QVERIFY2(f.messages[0].second.find("not a network interface") != std::string::npos, f.text().toUtf8());
        QVERIFY(p.readAllStandardOutput().isEmpty());
    }

    // Asked for explicitly, the same device gets past the name check (and then fails or not on
    // its own merits: here only the absence of the refusal is checked).
    void specialDevicesOnRequest()
    {
        QProcess p;
        p.start(kHelper, {u"-i"_s, u"usbmon9999"_s, u"--allow-special-devices"_s});
        if (!p.waitForFinished(5000)) {
            p.kill();
            p.waitForFinished();
        }
        const Frames f = parse(p.readAllStandardError());
        QVERIFY(!f.corrupt);
        QVERIFY2(!f.text().contains(u"not a network interface"_s), qPrintable(f.text()));
    }

    // Usage and bad-snaplen errors are framed like every other status (stderr is the GUI's
    // status channel), with the usage exit code.
    void usageErrorsAreFramed_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("says");
        QTest::newRow("no arguments") << QStringList{} << u"usage:"_s;
        QTest::newRow("bad snaplen") << QStringList{u"-i"_s, u"lo"_s, u"-s"_s, u"12"_s} << u"bad snaplen '12'"_s;
        QTest::newRow("snaplen not a number") << QStringList{u"-i"_s, u"lo"_s, u"-s"_s, u"x"_s} << u"bad snaplen 'x'"_s;
        QTest::newRow("missing value") << QStringList{u"-i"_s} << u"usage:"_s;
        QTest::newRow("unknown option") << QStringList{u"-i"_s, u"lo"_s, u"--bogus"_s} << u"'--bogus'"_s;
    }
    void usageErrorsAreFramed()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, says);
        QProcess p;
        p.start(kHelper, args);
        QVERIFY(p.waitForFinished(5000));
        QCOMPARE(p.exitCode(), hp::kExitUsage);
        const Frames f = parse(p.readAllStandardError());
        QVERIFY2(!f.corrupt, "stderr is not framing");
        QCOMPARE(f.pending, size_t(0));
        QCOMPARE(f.messages.size(), size_t(1));
        QCOMPARE(f.messages[0].first, hp::MessageKind::Error);
        QVERIFY2(QString::fromStdString(f.messages[0].second).contains(says), qPrintable(f.text()));
    }

    // On a quiet link the helper never writes, so it never sees EPIPE: it polls its stdout and
    // exits as soon as the reader closes the pipe.
    void exitsWhenItsReaderGoesAway()
    {
        if (geteuid() != 0)
            QSKIP("capturing on 'lo' needs root (or capture capabilities on the helper): not root");
        int fds[2];
        QCOMPARE(::pipe2(fds, O_CLOEXEC), 0);
        const int writeFd = fds[1];
        QProcess p;
        p.setChildProcessModifier([writeFd] { ::dup2(writeFd, STDOUT_FILENO); });
        p.start(kHelper, {u"-i"_s, u"lo"_s, u"-f"_s, u"tcp port 9 and host 192.0.2.99"_s});
        QVERIFY(p.waitForStarted(5000));
        ::close(writeFd);
        const Frames f = waitForStarted(p);
        QVERIFY2(f.has(hp::MessageKind::Started), qPrintable(f.text()));
        char header[24];
        QCOMPARE(::read(fds[0], header, sizeof header), ssize_t(sizeof header));
        QTest::qWait(300);
        QCOMPARE(p.state(), QProcess::Running);   // quiet, but its reader is still there
        const auto closed = std::chrono::steady_clock::now();
        ::close(fds[0]);
        const bool finished = p.waitForFinished(1000);
        const auto took = std::chrono::steady_clock::now() - closed;
        if (!finished) {
            p.kill();
            p.waitForFinished();
        }
        QVERIFY2(finished, "the helper kept running after its reader closed the pipe");
        QVERIFY(took < std::chrono::seconds(1));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    }
};

QTEST_GUILESS_MAIN(TestCaptureHelper)
#include "test_capture_helper.moc"
