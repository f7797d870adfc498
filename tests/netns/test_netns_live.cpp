// SPDX-License-Identifier: GPL-3.0-or-later
// Live capture against real kernel TCP stacks: a client and a server namespace joined by a veth
// pair; for each row the client's sysctls and the link MTU are set, the client connects, and core's
// live PacketSource (opened by a thread that entered the server namespace) plus Decoder must show a
// SYN with exactly those settings and the server's SYN+ACK. Needs root and iproute2; only
// 10.213.0.0/16 and fd00:213::/64 are used between the two veth ends created here.
#include "core/capture/packet_source.h"
#include "core/decode/decoder.h"

#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <csignal>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

// Runs fn on a new thread that first joins the network namespace `ns`; sockets and capture handles
// created there belong to that namespace whichever thread uses them later.
template <typename Fn>
auto inNamespace(const QString& ns, Fn fn) -> decltype(fn(QString()))
{
    std::packaged_task<decltype(fn(QString()))()> task([&] {
        const QByteArray path = "/run/netns/" + ns.toLocal8Bit();
        const int fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
            const QString why = QString::fromLocal8Bit(std::strerror(errno));
            if (fd >= 0)
                ::close(fd);
            return fn(u"cannot enter namespace %1: %2"_s.arg(ns, why));
        }
        ::close(fd);
        return fn(QString());
    });
    auto result = task.get_future();
    std::thread(std::move(task)).join();
    return result.get();
}

// Namespace names for the signal handler: an interrupted run (Ctrl-C, kill) still deletes them.
char g_namespaces[2][32];

void deleteNamespacesAndExit(int sig)
{
    for (const char* ns : g_namespaces) {
        if (!ns[0])
            continue;
        const pid_t pid = ::fork();   // fork, execvp, waitpid and _exit are async-signal-safe
        if (pid == 0) {
            char* const argv[] = {const_cast<char*>("ip"), const_cast<char*>("netns"),
                                  const_cast<char*>("del"), const_cast<char*>(ns), nullptr};
            ::execvp("ip", argv);
            ::_exit(127);
        }
        if (pid > 0)
            ::waitpid(pid, nullptr, 0);
    }
    ::_exit(128 + sig);
}

struct Row {
    int family;
    int ttl;
    bool timestamps, sack, wscale;
    int mtu;
};

} // namespace

Q_DECLARE_METATYPE(Row)

class TestNetnsLive : public QObject
{
    Q_OBJECT

    const QString m_tag = u"ssl%1"_s.arg(QCoreApplication::applicationPid());
    const QString m_client = m_tag + u'c';
    const QString m_server = m_tag + u's';
    const QString m_clientIf = m_tag + u"ca"_s;
    const QString m_serverIf = m_tag + u"sb"_s;
    bool m_created = false;

    // Runs a command; on failure returns false and puts its output in *why.
    static bool run(const QStringList& argv, QString* why = nullptr)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(argv.first(), argv.mid(1));
        const bool ok = p.waitForFinished(10000) && p.exitStatus() == QProcess::NormalExit &&
                        p.exitCode() == 0;
        if (!ok && why)
            *why = u"`%1` failed: %2"_s.arg(argv.join(u' '),
                                            QString::fromLocal8Bit(p.readAll()).trimmed());
        return ok;
    }
    bool inNs(const QString& ns, QStringList argv, QString* why = nullptr)
    {
        argv = QStringList{u"ip"_s, u"netns"_s, u"exec"_s, ns} + argv;
        return run(argv, why);
    }
    bool sysctl(const QString& ns, const QString& key, const QString& value, QString* why)
    {
        return inNs(ns, {u"sysctl"_s, u"-q"_s, u"-w"_s, key + u'=' + value}, why);
    }
    void removeNamespaces()
    {
        // Deleting a namespace deletes the veth end inside it, and with it the pair.
        run({u"ip"_s, u"netns"_s, u"del"_s, m_client});
        run({u"ip"_s, u"netns"_s, u"del"_s, m_server});
        m_created = false;
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: creates network namespaces, veth pairs and captures on them");
        if (QStandardPaths::findExecutable(u"ip"_s).isEmpty())
            QSKIP("needs the `ip` command (iproute2)");
        QString why;
        if (!run({u"ip"_s, u"netns"_s, u"add"_s, m_client}, &why)) {
            QSKIP(qPrintable(u"network namespaces are not available here: "_s + why));
        }
        m_created = true;
        qstrncpy(g_namespaces[0], m_client.toLocal8Bit().constData(), sizeof g_namespaces[0]);
        qstrncpy(g_namespaces[1], m_server.toLocal8Bit().constData(), sizeof g_namespaces[1]);
        std::signal(SIGINT, deleteNamespacesAndExit);
        std::signal(SIGTERM, deleteNamespacesAndExit);
        std::signal(SIGHUP, deleteNamespacesAndExit);
        const QList<QStringList> setup = {
            {u"ip"_s, u"netns"_s, u"add"_s, m_server},
            {u"ip"_s, u"link"_s, u"add"_s, m_clientIf, u"netns"_s, m_client, u"type"_s, u"veth"_s,
             u"peer"_s, u"name"_s, m_serverIf, u"netns"_s, m_server},
        };
        for (const QStringList& cmd : setup)
            QVERIFY2(run(cmd, &why), qPrintable(why));
        const struct { QString ns, ifname, v4, v6; } ends[] = {
            {m_client, m_clientIf, u"10.213.9.1/24"_s, u"fd00:213::9:1/112"_s},
            {m_server, m_serverIf, u"10.213.9.2/24"_s, u"fd00:213::9:2/112"_s},
        };
        for (const auto& e : ends) {
            QVERIFY2(inNs(e.ns, {u"ip"_s, u"link"_s, u"set"_s, u"lo"_s, u"up"_s}, &why), qPrintable(why));
            QVERIFY2(inNs(e.ns, {u"ip"_s, u"addr"_s, u"add"_s, e.v4, u"dev"_s, e.ifname}, &why),
                     qPrintable(why));
            QVERIFY2(inNs(e.ns, {u"ip"_s, u"-6"_s, u"addr"_s, u"add"_s, e.v6, u"dev"_s, e.ifname,
                                 u"nodad"_s}, &why),
                     qPrintable(why));
            QVERIFY2(inNs(e.ns, {u"ip"_s, u"link"_s, u"set"_s, e.ifname, u"up"_s}, &why),
                     qPrintable(why));
        }
    }

    void cleanupTestCase()
    {
        if (m_created)
            removeNamespaces();
    }

    void synMatchesClientSettings_data()
    {
        QTest::addColumn<Row>("row");
        //                                   family ttl  ts     sack   wscale mtu
        QTest::newRow("v4 defaults")      << Row{4, 64, true, true, true, 1500};
        QTest::newRow("v4 ttl 128")       << Row{4, 128, true, true, true, 1500};
        QTest::newRow("v4 no timestamps") << Row{4, 64, false, true, true, 1500};
        QTest::newRow("v4 no sack")       << Row{4, 64, true, false, true, 1500};
        QTest::newRow("v4 no wscale")     << Row{4, 64, true, true, false, 1500};
        QTest::newRow("v4 bare, ttl 255") << Row{4, 255, false, false, false, 1500};
        QTest::newRow("v4 mtu 1492")      << Row{4, 64, true, true, true, 1492};
        QTest::newRow("v4 mtu 1400")      << Row{4, 128, false, true, true, 1400};
        QTest::newRow("v6 defaults")      << Row{6, 64, true, true, true, 1500};
        QTest::newRow("v6 mtu 1420")      << Row{6, 64, true, true, true, 1420};
        QTest::newRow("v6 hop 128, no ts") << Row{6, 128, false, true, false, 1500};
    }

    void synMatchesClientSettings()
    {
        QFETCH(Row, row);
        QString why;
        const auto flag = [](bool on) { return on ? u"1"_s : u"0"_s; };
        // The server keeps its defaults (it answers with what the client offered); only the MTU
        // is shared, so the SYN+ACK's MSS follows it too.
        QVERIFY2(sysctl(m_client, u"net.ipv4.ip_default_ttl"_s, QString::number(row.ttl), &why), qPrintable(why));
        QVERIFY2(sysctl(m_client, u"net.ipv6.conf.%1.hop_limit"_s.arg(m_clientIf), QString::number(row.ttl), &why),
                 qPrintable(why));
        QVERIFY2(sysctl(m_client, u"net.ipv4.tcp_timestamps"_s, flag(row.timestamps), &why), qPrintable(why));
        QVERIFY2(sysctl(m_client, u"net.ipv4.tcp_sack"_s, flag(row.sack), &why), qPrintable(why));
        QVERIFY2(sysctl(m_client, u"net.ipv4.tcp_window_scaling"_s, flag(row.wscale), &why), qPrintable(why));
        for (const auto& [ns, ifname] : {std::pair{m_client, m_clientIf}, std::pair{m_server, m_serverIf}})
            QVERIFY2(inNs(ns, {u"ip"_s, u"link"_s, u"set"_s, ifname, u"mtu"_s, QString::number(row.mtu)}, &why),
                     qPrintable(why));

        // Listening socket in the server namespace, on a port the kernel picks.
        const int family = row.family == 6 ? AF_INET6 : AF_INET;
        sockaddr_storage server{};
        socklen_t serverLen = 0;
        if (row.family == 6) {
            auto* a = reinterpret_cast<sockaddr_in6*>(&server);
            a->sin6_family = AF_INET6;
            inet_pton(AF_INET6, "fd00:213::9:2", &a->sin6_addr);
            serverLen = sizeof(sockaddr_in6);
        } else {
            auto* a = reinterpret_cast<sockaddr_in*>(&server);
            a->sin_family = AF_INET;
            inet_pton(AF_INET, "10.213.9.2", &a->sin_addr);
            serverLen = sizeof(sockaddr_in);
        }
        const auto makeSocket = [family](const QString& error) {
            return error.isEmpty() ? ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
        };
        const int listener = inNamespace(m_server, makeSocket);
        QVERIFY2(listener >= 0, "cannot create the listening socket in the server namespace");
        const auto closeListener = qScopeGuard([listener] { ::close(listener); });
        QVERIFY2(::bind(listener, reinterpret_cast<sockaddr*>(&server), serverLen) == 0, std::strerror(errno));
        QVERIFY2(::listen(listener, 4) == 0, std::strerror(errno));
        QVERIFY(::getsockname(listener, reinterpret_cast<sockaddr*>(&server), &serverLen) == 0);
        const uint16_t port = ntohs(row.family == 6 ? reinterpret_cast<sockaddr_in6*>(&server)->sin6_port
                                                    : reinterpret_cast<sockaddr_in*>(&server)->sin_port);

        // Capture in the server namespace with core's live source until both packets are seen.
        std::promise<QString> ready;
        std::atomic<bool> stop{false};
        std::vector<SynRecord> seen;
        DecodeStats stats;
        std::thread capture([&] {
            inNamespace(m_server, [&](const QString& error) {
                if (!error.isEmpty()) {
                    ready.set_value(error);
                    return 0;
                }
                LiveOptions options;
                options.interface = m_serverIf.toStdString();
                options.timeout_ms = 100;
                std::string openError;
                auto source = PacketSource::openLive(options, &openError);
                if (!source) {
                    ready.set_value(u"openLive failed: "_s + QString::fromStdString(openError));
                    return 0;
                }
                ready.set_value(QString());
                Decoder decoder;
                RawPacket packet;
                SynRecord record;
                bool syn = false, synAck = false;
                const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
                while (!stop && !(syn && synAck) && std::chrono::steady_clock::now() < deadline) {
                    const auto status = source->next(packet);
                    if (status == PacketSource::Status::Timeout)
                        continue;
                    if (status != PacketSource::Status::Packet)
                        break;
                    if (!decoder.decode(packet, record))
                        continue;
                    if (record.kind == PacketKind::Syn && record.dst_port == port)
                        syn = true;
                    else if (record.kind == PacketKind::SynAck && record.src_port == port)
                        synAck = true;
                    else
                        continue;
                    seen.push_back(record);
                }
                stats = decoder.stats();
                return 0;
            });
        });
        auto joinCapture = qScopeGuard([&] {
            stop = true;
            capture.join();
        });
        const QString captureError = ready.get_future().get();
        QVERIFY2(captureError.isEmpty(), qPrintable(captureError));

        const int client = inNamespace(m_client, makeSocket);
        QVERIFY2(client >= 0, "cannot create the client socket in the client namespace");
        const auto closeClient = qScopeGuard([client] { ::close(client); });
        timeval tv{5, 0};
        ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        QVERIFY2(::connect(client, reinterpret_cast<sockaddr*>(&server), serverLen) == 0,
                 qPrintable(u"connect to port %1 failed: %2"_s.arg(port).arg(QString::fromLocal8Bit(std::strerror(errno)))));

        capture.join();
        joinCapture.dismiss();

        const SynRecord* syn = nullptr;
        const SynRecord* synAck = nullptr;
        for (const SynRecord& r : seen)
            (r.kind == PacketKind::Syn ? syn : synAck) = &r;
        QVERIFY2(syn, qPrintable(u"no SYN to port %1 captured (%2 packets, %3 dropped)"_s
                                     .arg(port).arg(stats.packets).arg(stats.droppedTotal())));
        QVERIFY2(synAck, qPrintable(u"no SYN+ACK from port %1 captured"_s.arg(port)));

        const Fingerprint& fp = syn->fp;
        const int mss = row.mtu - (row.family == 6 ? 60 : 40);
        QCOMPARE(int(fp.ip_version), row.family);
        QCOMPARE(int(fp.ip_ttl), row.ttl);
        QCOMPARE(fp.ip_df, row.family == 4);
        QCOMPARE(fp.tcp_has_timestamp, row.timestamps);
        QCOMPARE(fp.tcp_sack_permitted, row.sack);
        QCOMPARE(fp.tcp_window_scaling >= 0, row.wscale);
        QCOMPARE(int(fp.tcp_mss), mss);
        QCOMPARE(int(fp.tcp_flags), int(TcpSyn));

        // The server echoes only what the client offered.
        const Fingerprint& sa = synAck->fp;
        QCOMPARE(synAck->dst_port, syn->src_port);
        QCOMPARE(int(sa.ip_version), row.family);
        QCOMPARE(sa.tcp_has_timestamp, row.timestamps);
        QCOMPARE(sa.tcp_sack_permitted, row.sack);
        QCOMPARE(sa.tcp_window_scaling >= 0, row.wscale);
        QCOMPARE(int(sa.tcp_mss), mss);
        QCOMPARE(int(sa.tcp_flags), int(TcpSyn | TcpAck));
    }
};

QTEST_GUILESS_MAIN(TestNetnsLive)
#include "test_netns_live.moc"
