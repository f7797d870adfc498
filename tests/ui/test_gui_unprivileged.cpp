// SPDX-License-Identifier: GPL-3.0-or-later
// The way users capture live: the main window runs as an ordinary user and only the capture
// helper holds cap_net_raw,cap_net_admin (file capabilities). Root sets that up on a copy of the
// helper, then this process drops to nobody for good, which is why this test has an executable of
// its own. It runs in a private network namespace so that its loopback carries only its own
// connections.
#include "ui/widgets/mainwindow.h"

#include "ui/capture/capture_worker.h"
#include "ui/models/connection_filter_model.h"
#include "ui/models/connection_model.h"
#include "ui/widgets/detailpane.h"

#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QProcess>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

const QString kHelper = QStringLiteral(SYNSCOPE_BINARY_DIR "/app/capture-helper/synscope-capture");
constexpr uid_t kNobody = 65534;

bool bringLoopbackUp()
{
    const int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0)
        return false;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    bool ok = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags |= IFF_UP;
    ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
    close(s);
    return ok;
}

} // namespace

class TestGuiUnprivileged : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mainWindowCapturesThroughTheHelper()
    {
        if (geteuid() != 0)
            QSKIP("needs root to give a copy of the helper its capabilities and then drop to nobody");
        if (unshare(CLONE_NEWNET) != 0)
            QSKIP("cannot create a network namespace (unshare CLONE_NEWNET failed)");
        QVERIFY(bringLoopbackUp());
        const QString setcap = QStandardPaths::findExecutable(u"setcap"_s);
        if (setcap.isEmpty())
            QSKIP("setcap (libcap2-bin) is needed to give the helper its capabilities");

        // The directory belongs to nobody so that it can be removed after the drop; chown comes
        // before setcap because changing a file's owner clears its capabilities.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString helper = dir.filePath(u"synscope-capture"_s);
        QVERIFY(QFile::copy(kHelper, helper));
        QVERIFY(chown(QFile::encodeName(dir.path()).constData(), kNobody, kNobody) == 0);
        QVERIFY(chown(QFile::encodeName(helper).constData(), kNobody, kNobody) == 0);
        QVERIFY(QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner
                                                      | QFile::ReadOther | QFile::ExeOther));
        QProcess grant;
        grant.start(setcap, {u"cap_net_raw,cap_net_admin=eip"_s, helper});
        QVERIFY(grant.waitForFinished(10000));
        if (grant.exitCode() != 0)
            QSKIP(qPrintable(u"setcap failed here (%1): the helper cannot get file capabilities"_s
                                 .arg(QString::fromLocal8Bit(grant.readAllStandardError()).trimmed())));
        qputenv("SYNSCOPE_CAPTURE_HELPER", QFile::encodeName(helper));
        qputenv("HOME", QFile::encodeName(dir.path()));   // the window's settings must be writable

        QVERIFY(setgroups(0, nullptr) == 0);
        QVERIFY(setresgid(kNobody, kNobody, kNobody) == 0);
        QVERIFY(setresuid(kNobody, kNobody, kNobody) == 0);
        QCOMPARE(geteuid(), kNobody);
        // Capturing is now impossible for this process itself.
        QVERIFY(socket(AF_PACKET, SOCK_RAW, 0) < 0);

        const int listener = socket(AF_INET, SOCK_STREAM, 0);
        QVERIFY(listener >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QVERIFY(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        QVERIFY(listen(listener, 16) == 0);
        socklen_t len = sizeof addr;
        QVERIFY(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        const int port = ntohs(addr.sin_port);

        MainWindow window;
        QString failure;
        connect(&window, &MainWindow::captureFailed, this, [&failure](const QString& m) { failure = m; });
        LiveOptions options;
        options.interface = "lo";
        options.filter = defaultLiveFilter();
        window.startLiveCapture(options);
        QVERIFY(window.isCapturing());
        QTRY_VERIFY_WITH_TIMEOUT(window.statusBar()->currentMessage().contains(u"helper is capturing on lo"_s)
                                     || !failure.isEmpty(),
                                 10000);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));

        // The helper's pcap stream reaches the table: client SYN and server SYN+ACK.
        for (int attempt = 0; attempt < 10 && window.connectionModel()->rowCount() < 2; ++attempt) {
            const int c = socket(AF_INET, SOCK_STREAM, 0);
            QVERIFY(c >= 0);
            QVERIFY(::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
            const int accepted = accept(listener, nullptr, nullptr);
            QVERIFY(accepted >= 0);
            close(accepted);
            close(c);
            QTest::qWait(800);
        }
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QVERIFY(window.connectionModel()->rowCount() >= 2);
        const QString filter = u"port %1 syn"_s.arg(port);
        window.displayFilterEdit()->setText(filter);
        QTRY_COMPARE_WITH_TIMEOUT(window.filterModel()->filterText(), filter, 2000);
        QVERIFY(window.filterModel()->rowCount() >= 1);
        window.selectRow(0);
        QVERIFY(window.detailPane()->hasRecord());
        QCOMPARE(window.detailPane()->record().kind, PacketKind::Syn);
        QCOMPARE(int(window.detailPane()->record().dst_port), port);

        // Stop: the helper reports its final counts and closes the stream; the rows stay.
        const int rows = window.connectionModel()->rowCount();
        window.stopCapture();
        QTRY_VERIFY_WITH_TIMEOUT(!window.isCapturing(), 5000);
        QVERIFY(window.connectionModel()->rowCount() >= rows);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        close(listener);
    }
};

QTEST_MAIN(TestGuiUnprivileged)
#include "test_gui_unprivileged.moc"
