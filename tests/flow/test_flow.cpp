// SPDX-License-Identifier: GPL-3.0-or-later
// The flow stage (core/flow): HTTP request reading, following a connection through its
// handshake and first data, bounded tables, the access-log join and decideConnection() on each
// kind of evidence, the known benign cases included.
#include "core/flow/access_log_index.h"
#include "core/flow/connection_verdict.h"
#include "core/flow/flow_table.h"
#include "core/flow/http.h"

#include <QtTest>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    IpAddress x{};
    x[0] = a, x[1] = b, x[2] = c, x[3] = d;
    return x;
}

const IpAddress kClient = v4(10, 0, 0, 2);
const IpAddress kServer = v4(10, 0, 0, 1);
constexpr int64_t kMs = 1'000'000;

SynRecord syn(int64_t ts, uint16_t cport, uint32_t isn = 1000, bool synAck = false)
{
    SynRecord r;
    r.ts_ns = ts;
    r.kind = synAck ? PacketKind::SynAck : PacketKind::Syn;
    r.src = synAck ? kServer : kClient;
    r.dst = synAck ? kClient : kServer;
    r.src_port = synAck ? 443 : cport;
    r.dst_port = synAck ? cport : 443;
    r.fp.tcp_seq = isn;
    r.fp.tcp_flags = synAck ? (TcpSyn | TcpAck) : TcpSyn;
    r.fp.ip_ttl = 64;
    r.fp.tcp_mss = 1460;
    r.fp.tcp_window_size = 64240;
    return r;
}

TcpSegment segment(int64_t ts, bool fromClient, uint16_t cport, uint32_t seq, uint32_t ack,
                   std::string_view payload, uint16_t flags = TcpAck | TcpPsh)
{
    TcpSegment s;
    s.ts_ns = ts;
    s.src = fromClient ? kClient : kServer;
    s.dst = fromClient ? kServer : kClient;
    s.src_port = fromClient ? cport : 443;
    s.dst_port = fromClient ? 443 : cport;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.payload = reinterpret_cast<const uint8_t*>(payload.data());
    s.payload_captured = s.payload_length = uint32_t(payload.size());
    return s;
}

OsVerdict stack(OsVerdict::Kind kind, const QString& cls, QStringList members = {})
{
    OsVerdict v;
    v.kind = kind;
    v.os_class = cls;
    v.nearest = cls;
    v.members = members;
    v.entry = 0;
    v.confidence = 0.9;
    return v;
}

Flow flowWith(const OsVerdict& os, const std::string& ua, int ttl = 64, int mss = 1460)
{
    Flow f;
    f.os = os;
    f.syn.fp.ip_ttl = uint8_t(ttl);
    f.syn.fp.tcp_mss = mss;
    f.syn.fp.tcp_window_size = uint16_t(mss > 0 ? 44 * mss : 65535);
    f.hops = estimateHops(uint8_t(ttl));
    f.link = estimateLink(mss, 4);
    f.user_agent = ua;
    f.ua_source = ua.empty() ? UaSource::None : UaSource::Http;
    return f;
}

const std::string kLinuxUa = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const std::string kWindowsUa = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
                               "like Gecko) Chrome/131.0.0.0 Safari/537.36";
const std::string kTorUa = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0";
const std::string kIpadDesktopUa = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
                                   "(KHTML, like Gecko) Version/17.4 Safari/605.1.15";
const std::string kCrosUa = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like "
                            "Gecko) Chrome/131.0.0.0 Safari/537.36";

} // namespace

class TestFlow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void httpRequest()
    {
        const HttpRequest r = parseHttpRequest(
            "GET /a HTTP/1.1\r\nHost: example.test\r\nuser-agent: curl/8.5.0\r\nVia: 1.1 a\r\n"
            "via: 1.0 b\r\nSec-CH-UA-Platform: \"Windows\"\r\n\r\nbody");
        QCOMPARE(r.state, HttpRequest::State::Complete);
        QCOMPARE(r.method, std::string("GET"));
        QCOMPARE(r.target, std::string("/a"));
        QCOMPARE(r.host, std::string("example.test"));
        QCOMPARE(r.user_agent, std::string("curl/8.5.0"));
        QCOMPARE(r.via, std::string("1.1 a, 1.0 b"));   // repeated headers join
        QCOMPARE(r.sec_ch_ua_platform, std::string("\"Windows\""));
        QCOMPARE(r.header_end, size_t(r.header_end));
        QVERIFY(std::string_view("GET /a HTTP/1.1\r\nHost: example.test\r\n").size() < r.header_end);

        QCOMPARE(parseHttpRequest("GET / HTTP/1.1\r\nUser-Agent: x").state, HttpRequest::State::Partial);
        QCOMPARE(parseHttpRequest("POS").state, HttpRequest::State::Partial);
        QCOMPARE(parseHttpRequest("\x16\x03\x01\x02\x00").state, HttpRequest::State::NotHttp);
        QCOMPARE(parseHttpRequest("SSH-2.0-OpenSSH_9.6\r\n").state, HttpRequest::State::NotHttp);
        QCOMPARE(parseHttpRequest(std::string(10000, 'A')).state, HttpRequest::State::NotHttp);
        QCOMPARE(parseHttpRequest("GET / FTP/1.0\r\n\r\n").state, HttpRequest::State::NotHttp);
        // A huge header value is capped.
        const HttpRequest big = parseHttpRequest("GET / HTTP/1.1\r\nUser-Agent: " + std::string(5000, 'u') + "\r\n\r\n");
        QCOMPARE(big.user_agent.size(), kMaxHeaderValue);
        QVERIFY(looksLikeTlsHandshake("\x16\x03\x01\x00\x10"));
        QVERIFY(!looksLikeTlsHandshake("GET "));
    }

    // SYN, SYN+ACK, ACK, a request split over two segments, a response, the next request: the
    // flow completes with its User-Agent and both round trips.
    void followsAConnection()
    {
        FlowTable t;
        const OsVerdict linux = stack(OsVerdict::Kind::Class, u"Linux"_s);
        t.onSyn(syn(0, 40000));
        t.onSynAck(syn(1 * kMs, 40000, 5000, true));
        t.onSegment(segment(11 * kMs, true, 40000, 1001, 5001, {}, TcpAck));
        const std::string req = "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: " + kLinuxUa + "\r\n\r\n";
        t.onSegment(segment(12 * kMs, true, 40000, 1001, 5001, std::string_view(req).substr(0, 20)));
        QVERIFY(!t.hasEnded());
        t.onSegment(segment(12 * kMs, true, 40000, 1001 + 20, 5001, std::string_view(req).substr(20)));
        t.onSegment(segment(13 * kMs, false, 40000, 5001, 1001 + uint32_t(req.size()), "HTTP/1.1 200 OK\r\n\r\n"));
        QVERIFY(!t.hasEnded());   // HTTP: one response -> next request round completes it
        t.onSegment(segment(25 * kMs, true, 40000, 1001 + uint32_t(req.size()), 5020, "GET /2 HTTP/1.1\r\n\r\n"));
        auto ended = t.takeEnded();
        QCOMPARE(ended.size(), size_t(1));
        Flow& f = ended[0].flow;
        f.os = linux;   // what the pipeline fills in when it reports the flow
        f.hops = estimateHops(64);
        f.link = estimateLink(1460, 4);
        QCOMPARE(ended[0].end, FlowEnd::Complete);
        QCOMPARE(f.user_agent, kLinuxUa);
        QCOMPARE(f.ua_source, UaSource::Http);
        QCOMPARE(f.rttTcpNs(), 11 * kMs);
        QCOMPARE(f.app_rtt_ns, 12 * kMs);
        QCOMPARE(decideConnection(f).kind, ConnectionVerdict::Kind::Consistent);
        QCOMPARE(t.stats().reported, uint64_t(1));
        QCOMPARE(t.size(), size_t(0));
    }

    void outOfOrderAndRetransmission()
    {
        FlowTable t;
        t.onSyn(syn(0, 40001));
        t.onSynAck(syn(kMs, 40001, 5000, true));
        const std::string req = "GET / HTTP/1.1\r\nUser-Agent: a\r\n\r\n";
        // A retransmission of the first bytes overlapping the next ones is taken once.
        t.onSegment(segment(2 * kMs, true, 40001, 1001, 5001, std::string_view(req).substr(0, 10)));
        t.onSegment(segment(3 * kMs, true, 40001, 1001, 5001, std::string_view(req).substr(0, 16)));
        t.onSegment(segment(4 * kMs, true, 40001, 1001 + 16, 5001, std::string_view(req).substr(16)));
        t.finish();
        auto ended = t.takeEnded();
        QCOMPARE(ended.size(), size_t(1));
        QCOMPARE(ended[0].flow.user_agent, std::string("a"));
        QCOMPARE(ended[0].end, FlowEnd::EndOfRun);

        // A gap: bytes after it are not read as the request.
        FlowTable g;
        g.onSyn(syn(0, 40002));
        g.onSynAck(syn(kMs, 40002, 5000, true));
        g.onSegment(segment(2 * kMs, true, 40002, 1001 + 5, 5001, std::string_view(req).substr(5)));
        g.finish();
        auto gapped = g.takeEnded();
        QCOMPARE(gapped.size(), size_t(1));
        QVERIFY(gapped[0].flow.user_agent.empty());
        QVERIFY(gapped[0].flow.client_out_of_order);
    }

    void boundedAndExpiring()
    {
        FlowTable t(2);
        for (uint16_t p = 1; p <= 3; ++p) {
            t.onSyn(syn(p * kMs, p));
            t.onSynAck(syn(p * kMs + 1, p, 7, true));
        }
        QCOMPARE(t.size(), size_t(2));
        QCOMPARE(t.stats().evicted, uint64_t(1));
        auto ended = t.takeEnded();
        QCOMPARE(ended.size(), size_t(1));
        QCOMPARE(ended[0].end, FlowEnd::Evicted);
        QCOMPARE(ended[0].flow.key.client_port, uint16_t(1));   // the least recently active
        t.sweep(FlowTable::kIdleTimeoutNs + 10 * kMs);
        QCOMPARE(t.size(), size_t(0));
        QCOMPARE(t.stats().expired, uint64_t(2));

        // A SYN never answered (a flood's) is counted, not reported.
        FlowTable u;
        u.onSyn(syn(0, 9));
        u.finish();
        QVERIFY(u.takeEnded().empty());
        QCOMPARE(u.stats().without_handshake, uint64_t(1));
    }

    void pendingSynsAreARing()
    {
        // More unanswered SYNs than the ring holds (a flood from many sources): the oldest make
        // room and are counted; the newest are still answered; a retransmission is not a loss.
        const auto from = [](uint32_t n, bool synAck) {
            SynRecord r = syn(n, uint16_t(1024 + n % 50000), 1000, synAck);
            IpAddress& client = synAck ? r.dst : r.src;
            client[2] = uint8_t(n >> 8);
            client[3] = uint8_t(n);
            return r;
        };
        FlowTable t;
        const uint32_t total = uint32_t(FlowTable::kPendingSlots) + 10;
        for (uint32_t n = 0; n < total; ++n)
            t.onSyn(from(n, false));
        QCOMPARE(t.stats().without_handshake, uint64_t(10));   // 0..9 made room
        t.onSyn(from(total - 1, false));           // a retransmission: it moves, 10 makes room
        QCOMPARE(t.stats().without_handshake, uint64_t(11));
        t.onSynAck(from(0, true));                 // its SYN made room: no flow
        t.onSynAck(from(total - 1, true));
        t.onSynAck(from(total - 2, true));
        QCOMPARE(t.stats().flows, uint64_t(2));
        t.finish();
        QCOMPARE(t.stats().without_handshake, uint64_t(total - 2));   // each unanswered SYN once
    }

    void verdicts_data()
    {
        QTest::addColumn<int>("kind");        // OsVerdict::Kind
        QTest::addColumn<QString>("cls");
        QTest::addColumn<QString>("ua");
        QTest::addColumn<int>("ttl");
        QTest::addColumn<int>("mss");
        QTest::addColumn<QString>("verdict");
        QTest::addColumn<bool>("flagged");
        const int cls = int(OsVerdict::Kind::Class), fam = int(OsVerdict::Kind::Family),
                  unk = int(OsVerdict::Kind::Unknown);
        const QString lin = QString::fromStdString(kLinuxUa), win = QString::fromStdString(kWindowsUa);
        QTest::newRow("linux/linux") << cls << u"Linux"_s << lin << 64 << 1460 << u"consistent"_s << false;
        QTest::newRow("windows/windows") << cls << u"Windows"_s << win << 128 << 1460 << u"consistent"_s << false;
        QTest::newRow("linux stack, windows UA") << cls << u"Linux"_s << win << 64 << 1460 << u"os_mismatch"_s << true;
        QTest::newRow("windows stack, linux UA (WSL 1?)") << cls << u"Windows"_s << lin << 128 << 1460 << u"os_mismatch"_s << true;
        QTest::newRow("Tor Browser on Linux") << cls << u"Linux"_s << QString::fromStdString(kTorUa) << 64 << 1460 << u"os_mismatch"_s << true;
        QTest::newRow("iPad asking for the desktop site") << cls << u"iOS"_s << QString::fromStdString(kIpadDesktopUa) << 64 << 1460 << u"consistent"_s << false;
        QTest::newRow("ChromeOS on Linux's stack") << cls << u"Linux"_s << QString::fromStdString(kCrosUa) << 64 << 1460 << u"consistent"_s << false;
        QTest::newRow("Android stack, Android desktop mode UA") << cls << u"Android"_s << lin << 64 << 1460 << u"consistent"_s << false;
        QTest::newRow("family vs UA alone is not a mismatch") << fam << u"Apple"_s << win << 128 << 1460 << u"ambiguous"_s << false;
        QTest::newRow("family and TTL vs UA") << fam << u"Apple"_s << lin << 128 << 1460 << u"os_mismatch"_s << true;
        QTest::newRow("unknown stack never mismatches") << unk << QString() << win << 64 << 1460 << u"ambiguous"_s << false;
        QTest::newRow("unknown stack, no UA") << unk << QString() << QString() << 64 << 1460 << u"unknown"_s << false;
        QTest::newRow("no UA") << cls << u"Linux"_s << QString() << 64 << 1460 << u"unknown"_s << false;
        QTest::newRow("curl names no OS") << cls << u"Windows"_s << u"curl/8.5.0"_s << 128 << 1460 << u"unknown"_s << false;
        QTest::newRow("VXLAN") << cls << u"Linux"_s << lin << 64 << 1410 << u"tunnel"_s << true;
        QTest::newRow("unsure stack, TTL agrees with UA") << cls << u"Android"_s << u"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_3) AppleWebKit/534.53.11 (KHTML, like Gecko) Version/5.1.3 Safari/534.53.10"_s << 64 << 1460 << u"ambiguous"_s << false;
        QTest::newRow("PPPoE is ordinary") << cls << u"Linux"_s << lin << 64 << 1452 << u"consistent"_s << false;
    }
    void verdicts()
    {
        QFETCH(int, kind);
        QFETCH(QString, cls);
        QFETCH(QString, ua);
        QFETCH(int, ttl);
        QFETCH(int, mss);
        QFETCH(QString, verdict);
        QFETCH(bool, flagged);
        OsVerdict os = stack(OsVerdict::Kind(kind), cls,
                             cls == u"Apple"_s ? QStringList{u"macOS"_s, u"iOS"_s} : QStringList{});
        if (kind == int(OsVerdict::Kind::Unknown))
            os.entry = -1;
        if (QByteArray(QTest::currentDataTag()).startsWith("unsure"))
            os.confidence = 0.39;
        const ConnectionVerdict v = decideConnection(flowWith(os, ua.toStdString(), ttl, mss));
        const QString reasons = QString::fromStdString([&] {
            std::string all;
            for (const auto& r : v.reasons)
                all += r + " | ";
            return all;
        }());
        QVERIFY2(QString::fromLatin1(connectionVerdictName(v.kind)) == verdict, qPrintable(reasons));
        QCOMPARE(v.flagged(), flagged);
        QCOMPARE(v.os_mismatch, verdict == u"os_mismatch"_s);
        QVERIFY(!v.reasons.empty());
        QVERIFY(v.suspicion >= 0 && v.suspicion <= 1);
    }

    void benignCasesSaySo()
    {
        const ConnectionVerdict tor = decideConnection(
            flowWith(stack(OsVerdict::Kind::Class, u"Linux"_s), kTorUa));
        const ConnectionVerdict plain = decideConnection(
            flowWith(stack(OsVerdict::Kind::Class, u"Linux"_s), kWindowsUa));
        QVERIFY(tor.suspicion < plain.suspicion);
        QVERIFY(tor.reasons[0].find("own choice") != std::string::npos);
        const ConnectionVerdict wsl = decideConnection(
            flowWith(stack(OsVerdict::Kind::Class, u"Windows"_s), kLinuxUa, 128));
        QVERIFY(wsl.reasons[0].find("WSL") != std::string::npos);
    }

    void proxyHeadersAndRoundTrips()
    {
        Flow f = flowWith(stack(OsVerdict::Kind::Class, u"Linux"_s), kLinuxUa);
        f.http.via = "1.1 tinyproxy (tinyproxy/1.11.1)";
        ConnectionVerdict v = decideConnection(f);
        QCOMPARE(v.kind, ConnectionVerdict::Kind::ProxyHeaders);
        QVERIFY(v.flagged());

        // TLS: 82 ms application round trip against 0.2 ms of TCP.
        Flow t = flowWith(stack(OsVerdict::Kind::Class, u"Linux"_s), kLinuxUa);
        t.tls = true;
        t.syn_ns = 0;
        t.synack_ns = 100'000;
        t.ack_ns = 200'000;
        t.app_rtt_ns = 82 * kMs;
        t.app_rounds = 1;
        v = decideConnection(t);
        QCOMPARE(v.kind, ConnectionVerdict::Kind::ProxyRtt);
        QVERIFY(v.flagged());
        // A far but direct client: both round trips long.
        t.ack_ns = 80 * kMs;
        QCOMPARE(decideConnection(t).kind, ConnectionVerdict::Kind::Consistent);
        // HTTP rounds include the user's think time: shown, not decided on.
        t.tls = false;
        t.ack_ns = 200'000;
        QCOMPARE(decideConnection(t).kind, ConnectionVerdict::Kind::Consistent);
    }

    void accessLogJoin()
    {
        AccessLogIndex index;
        index.noteConnection(1, kClient, 4, 40000, 1000 * kMs);
        index.noteConnection(2, kClient, 4, 40001, 1000 * kMs + 5 * kMs);
        AccessLogEntry e;
        e.line = 7;
        e.client = kClient;
        e.ts_ns = 1010 * kMs;
        e.ts_precision_ns = kMs;
        e.user_agent = kWindowsUa;
        e.client_port = 40001;
        index.add(e);
        // With the port: only connection 2.
        QVERIFY(!index.match(1).entry);
        QVERIFY(index.match(2).entry);
        QCOMPARE(index.match(2).entry->line, uint64_t(7));

        // Without the port, both open connections fit: ambiguous, no User-Agent for either.
        AccessLogIndex noPort;
        noPort.noteConnection(1, kClient, 4, 40000, 1000 * kMs);
        noPort.noteConnection(2, kClient, 4, 40001, 1000 * kMs + 5 * kMs);
        e.client_port = -1;
        noPort.add(e);
        QVERIFY(!noPort.match(1).entry);
        QCOMPARE(noPort.match(1).competing, 2);
        QCOMPARE(noPort.match(1).ambiguous_line, uint64_t(7));
        // Once connection 1 is known to have ended before the line, the line is 2's.
        noPort.endConnection(1, 1001 * kMs);
        AccessLogEntry later = e;
        later.line = 8;
        later.ts_ns = 1000 * kMs + 10'000 * kMs;
        noPort.add(later);
        QVERIFY(noPort.match(2).entry);
        QVERIFY(!noPort.match(1).entry);
        // A line from another address or before the SYN fits nothing.
        AccessLogEntry other = e;
        other.client = v4(10, 0, 0, 9);
        AccessLogIndex third;
        third.noteConnection(5, kClient, 4, 40000, 5000 * kMs);
        third.add(other);
        e.ts_ns = 1000 * kMs;
        third.add(e);
        QVERIFY(!third.match(5).entry);
        QCOMPARE(third.match(5).competing, 0);
    }

    // The flow stage takes its line from the index when the flow ends.
    void flowsTakeTheirLine()
    {
        AccessLogIndex index;
        FlowTable t;
        t.setAccessLog(&index);
        const OsVerdict linux = stack(OsVerdict::Kind::Class, u"Linux"_s);
        t.onSyn(syn(0, 41000));
        t.onSynAck(syn(kMs, 41000, 5000, true));
        t.onSegment(segment(2 * kMs, true, 41000, 1001, 5001, "\x16\x03\x01\x00\x05hello"));
        t.onSegment(segment(3 * kMs, false, 41000, 5001, 1011, "\x16\x03\x03\x00\x05world"));
        t.onSegment(segment(90 * kMs, true, 41000, 1011, 5011, "\x14\x03\x03\x00\x01\x01"));
        QVERIFY(!t.hasEnded());   // waits for its log line
        AccessLogEntry e;
        e.line = 3;
        e.client = kClient;
        e.client_port = 41000;
        e.ts_ns = 100 * kMs;
        e.ts_precision_ns = kMs;
        e.user_agent = kWindowsUa;
        index.add(e);
        t.onSegment(segment(120 * kMs, true, 41000, 1017, 5011, {}, TcpFin | TcpAck));
        t.sweep(120 * kMs + FlowTable::kCloseGraceNs + kMs);
        auto ended = t.takeEnded();
        QCOMPARE(ended.size(), size_t(1));
        Flow& f = ended[0].flow;
        f.os = linux;
        f.hops = estimateHops(64);
        f.link = estimateLink(1460, 4);
        QCOMPARE(ended[0].end, FlowEnd::Closed);
        QVERIFY(f.tls);
        QCOMPARE(f.ua_source, UaSource::AccessLog);
        QCOMPARE(f.access_log_line, uint64_t(3));
        const ConnectionVerdict v = decideConnection(f);
        QCOMPARE(v.kind, ConnectionVerdict::Kind::OsMismatch);
        QVERIFY(std::any_of(v.reasons.begin(), v.reasons.end(),
                            [](const std::string& r) { return r.find("proxy or VPN") != std::string::npos; }));
    }
};

QTEST_MAIN(TestFlow)
#include "test_flow.moc"
