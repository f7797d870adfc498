// SPDX-License-Identifier: GPL-3.0-or-later
// The access-log reader: the presets on real-looking lines, times and zones, custom formats in
// both syntaxes, format errors, detection, bad lines, chunked and hostile input, and the lines a
// real nginx writes with the recommended format.
#include "core/accesslog/access_log.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kS = 1'000'000'000;
constexpr qint64 kMs = 1'000'000;

// The recommended formats as access_log.h documents them for pasting.
constexpr std::string_view kNginxSynscope =
    "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
    "\"$http_referer\" \"$http_user_agent\" $remote_port $msec \"$http_x_forwarded_for\" "
    "\"$http_via\"";
constexpr std::string_view kApacheSynscope =
    "%h %l %u %t \\\"%r\\\" %>s %b \\\"%{Referer}i\\\" \\\"%{User-Agent}i\\\" %{remote}p %{msec}t "
    "\\\"%{X-Forwarded-For}i\\\" \\\"%{Via}i\\\"";

std::string_view view(const QByteArray& b)
{
    return {b.constData(), size_t(b.size())};
}

QString text(const std::string& s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QString describe(const AccessLogEntry& e)
{
    // One arg() call: a value's own "%1" is not replaced again.
    return u"line %1: %2 port %3 at %4 (%5 ns) \"%6\" %7 ua \"%8\" xff \"%9\" via \"%10\""_s.arg(
        QString::number(e.line), text(formatAddress(e.client, e.ip_version)),
        QString::number(e.client_port), QString::number(e.ts_ns),
        QString::number(e.ts_precision_ns), text(e.request), QString::number(e.status),
        text(e.user_agent), text(e.x_forwarded_for), text(e.via));
}

QStringList describe(const std::vector<AccessLogEntry>& entries)
{
    QStringList out;
    for (const AccessLogEntry& e : entries)
        out << describe(e);
    return out;
}

QStringList describe(const std::vector<AccessLogDiagnostic>& diagnostics)
{
    QStringList out;
    for (const AccessLogDiagnostic& d : diagnostics)
        out << u"line %1: %2"_s.arg(d.line).arg(text(d.reason));
    return out;
}

AccessLogFormat format(std::string_view spec)
{
    std::string error;
    const auto f = AccessLogFormat::parse(spec, &error);
    if (!f)
        qFatal("format \"%s\" refused: %s", std::string(spec).c_str(), error.c_str());
    return *f;
}

// Every entry of a log fed in chunks of `chunk` bytes (all at once when 0).
std::vector<AccessLogEntry> readAll(AccessLogReader& reader, const QByteArray& log, int chunk = 0)
{
    std::vector<AccessLogEntry> out;
    const qsizetype step = chunk > 0 ? chunk : std::max<qsizetype>(log.size(), 1);
    for (qsizetype at = 0; at < log.size(); at += step)
        for (AccessLogEntry& e : reader.feed(view(log).substr(size_t(at), size_t(step))))
            out.push_back(std::move(e));
    for (AccessLogEntry& e : reader.finish())
        out.push_back(std::move(e));
    return out;
}

const QByteArray kSampleLog =
    "203.0.113.7 - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\" 200 612 \"-\" "
    "\"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\" 51234 "
    "1796203037.123 \"-\" \"-\"\n"
    "\n"
    "2001:db8::2 - bob [02/Dec/2026:10:17:18 +0100] \"POST /api?q=\\x22a\\x22 HTTP/2.0\" 201 "
    "17 \"https://example.com/\" \"curl/8.5.0 \\x22q\\x22\" 443 1796203038.004 "
    "\"198.51.100.1, 10.0.0.1\" \"1.1 edge\"\r\n"
    "not a log line\n"
    "198.51.100.23 - - [02/Dec/2026:10:17:19 +0100] \"GET /favicon.ico HTTP/1.1\" 404 0 \"-\" "
    "\"-\" 60000 1796203039.999 \"-\" \"-\"\r\n"
    "\r\n"
    "192.0.2.9 - - [02/Dec/2026:10:17:20 +0100] \"GET / HTTP/1.1\" 200 612 \"-\" \"last\" 1 "
    "1796203040.000 \"-\" \"-\"";

// A line of the synscope format exactly `length` bytes long (its user agent padded).
QByteArray synscopeLine(int length)
{
    const QByteArray head =
        "192.0.2.1 - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\" 200 0 \"-\" \"";
    const QByteArray tail = "\" 40000 1796203037.123 \"-\" \"-\"";
    return head + QByteArray(length - head.size() - tail.size(), 'x') + tail;
}

// A loopback port nothing listens on now.
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        ::close(fd);
    return port;
}

struct Exchange {
    int local_port = -1;
    QByteArray response;
};

// One request on a new connection to 127.0.0.1:port, read until the server closes it.
Exchange exchange(int port, const QByteArray& request)
{
    Exchange x;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return x;
    const timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0 &&
        ::send(fd, request.constData(), size_t(request.size()), MSG_NOSIGNAL) == request.size()) {
        x.local_port = ntohs(a.sin_port);
        char buf[4096];
        ssize_t n = 0;
        while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0)
            x.response.append(buf, n);
    }
    ::close(fd);
    return x;
}

} // namespace

class TestAccessLog : public QObject {
    Q_OBJECT
private slots:
    void presets_data()
    {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("client");
        QTest::addColumn<int>("ipVersion");
        QTest::addColumn<int>("port");
        QTest::addColumn<qint64>("ts");
        QTest::addColumn<qint64>("precision");
        QTest::addColumn<QString>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("ua");
        QTest::addColumn<QString>("xff");
        QTest::addColumn<QString>("via");

        QTest::newRow("combined, ipv4")
            << u"combined"_s
            << QByteArray("203.0.113.7 - - [02/Dec/2026:10:17:17 +0100] \"GET /index.html "
                          "HTTP/1.1\" 200 612 \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
                          "Gecko/20100101 Firefox/128.0\"")
            << u"203.0.113.7"_s << 4 << -1 << 1796203037 * kS << kS << u"GET /index.html HTTP/1.1"_s
            << 200 << u"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"_s
            << QString() << QString();
        QTest::newRow("combined, ipv6, user, escaped quotes")
            << u"combined"_s
            << QByteArray("2001:db8::1 - alice [02/Dec/2026:10:17:17 -0700] \"GET /a?q=\\x22x\\x22 "
                          "HTTP/2.0\" 404 0 \"https://example.com/\" \"curl/8.5.0 \\x22quoted\\x22 "
                          "\\x5C caf\\xC3\\xA9\"")
            << u"2001:db8::1"_s << 6 << -1 << 1796231837 * kS << kS << u"GET /a?q=\"x\" HTTP/2.0"_s
            << 404 << u"curl/8.5.0 \"quoted\" \\ café"_s << QString() << QString();
        QTest::newRow("combined, dash fields")
            << u"combined"_s
            << QByteArray("198.51.100.4 - - [10/Oct/2000:13:55:36 -0700] \"-\" 400 0 \"-\" \"-\"")
            << u"198.51.100.4"_s << 4 << -1 << 971211336 * kS << kS << QString() << 400
            << QString() << QString() << QString();
        QTest::newRow("apache-combined, the httpd documentation's line")
            << u"apache-combined"_s
            << QByteArray("198.51.100.23 - frank [10/Oct/2000:13:55:36 -0700] \"GET "
                          "/apache_pb.gif HTTP/1.0\" 200 2326 "
                          "\"http://www.example.com/start.html\" "
                          "\"Mozilla/4.08 [en] (Win98; I ;Nav)\"")
            << u"198.51.100.23"_s << 4 << -1 << 971211336 * kS << kS
            << u"GET /apache_pb.gif HTTP/1.0"_s << 200 << u"Mozilla/4.08 [en] (Win98; I ;Nav)"_s
            << QString() << QString();
        QTest::newRow("apache-combined, mapped ipv4, escaped quotes, no body")
            << u"apache-combined"_s
            << QByteArray("::ffff:192.0.2.1 - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\" "
                          "304 - \"-\" \"Agent \\\"x\\\" \\\\ y\\tz\"")
            << u"192.0.2.1"_s << 4 << -1 << 1796203037 * kS << kS << u"GET / HTTP/1.1"_s << 304
            << u"Agent \"x\" \\ y\tz"_s << QString() << QString();
        QTest::newRow("apache-combined, ipv6")
            << u"apache-combined"_s
            << QByteArray("2001:db8:0:0:0:0:0:5 - - [02/Dec/2026:10:17:17 +0000] \"GET / "
                          "HTTP/1.1\" 200 5 \"-\" \"Wget/1.21\"")
            << u"2001:db8::5"_s << 6 << -1 << 1796203037 * kS + 3600 * kS << kS
            << u"GET / HTTP/1.1"_s << 200 << u"Wget/1.21"_s << QString() << QString();
        QTest::newRow("synscope, ipv4, proxies")
            << u"synscope"_s
            << QByteArray("203.0.113.7 - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\" 200 612 "
                          "\"-\" \"UA/1\" 51234 1796203037.123 \"198.51.100.1, 10.0.0.1\" \"1.1 "
                          "edge (squid/6.6)\"")
            << u"203.0.113.7"_s << 4 << 51234 << 1796203037 * kS + 123 * kMs << kMs
            << u"GET / HTTP/1.1"_s << 200 << u"UA/1"_s << u"198.51.100.1, 10.0.0.1"_s
            << u"1.1 edge (squid/6.6)"_s;
        QTest::newRow("synscope, ipv6, no proxies")
            << u"synscope"_s
            << QByteArray("2001:db8::9 - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/2.0\" 200 0 "
                          "\"-\" \"-\" 443 1796203037.000 \"-\" \"-\"")
            << u"2001:db8::9"_s << 6 << 443 << 1796203037 * kS << kMs << u"GET / HTTP/2.0"_s << 200
            << QString() << QString() << QString();
        QTest::newRow("apache-synscope")
            << u"apache-synscope"_s
            << QByteArray("203.0.113.7 - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\" 200 612 "
                          "\"-\" \"Agent \\\"x\\\"\" 51234 1796203037123 \"198.51.100.1\" \"-\"")
            << u"203.0.113.7"_s << 4 << 51234 << 1796203037 * kS + 123 * kMs << kMs
            << u"GET / HTTP/1.1"_s << 200 << u"Agent \"x\""_s << u"198.51.100.1"_s << QString();
    }
    void presets()
    {
        QFETCH(QString, preset);
        QFETCH(QByteArray, line);
        const auto f = AccessLogFormat::preset(preset.toStdString());
        QVERIFY(f);
        AccessLogDiagnostic d;
        const auto e = f->parseLine(view(line), 7, &d);
        QVERIFY2(e, d.reason.c_str());
        QCOMPARE(e->line, 7u);
        QTEST(text(formatAddress(e->client, e->ip_version)), "client");
        QTEST(int(e->ip_version), "ipVersion");
        QTEST(e->client_port, "port");
        QTEST(qint64(e->ts_ns), "ts");
        QTEST(qint64(e->ts_precision_ns), "precision");
        QTEST(text(e->request), "request");
        QTEST(e->status, "status");
        QTEST(text(e->user_agent), "ua");
        QTEST(text(e->x_forwarded_for), "xff");
        QTEST(text(e->via), "via");
    }

    void presetNames()
    {
        QVERIFY(!AccessLogFormat::preset("nginx"));
        QVERIFY(!AccessLogFormat::preset(""));
        QCOMPARE(AccessLogFormat::preset("synscope")->spec(), std::string(kNginxSynscope));
        QCOMPARE(AccessLogFormat::preset("apache-synscope")->spec(), std::string(kApacheSynscope));
        QVERIFY(AccessLogFormat::preset("synscope")->hasPort());
        QVERIFY(AccessLogFormat::preset("apache-synscope")->hasPort());
        QVERIFY(!AccessLogFormat::preset("combined")->hasPort());
        QVERIFY(!AccessLogFormat::preset("apache-combined")->hasPort());
        // A format that is not one (default-constructed) reads nothing and does not crash.
        AccessLogDiagnostic d;
        QVERIFY(!AccessLogFormat().parseLine("192.0.2.1", 1, &d));
        QVERIFY(!d.reason.empty());
        QVERIFY(AccessLogFormat().spec().empty());
    }

    void times_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<qint64>("ts");
        QTest::addColumn<qint64>("precision");

        const QString local = u"$remote_addr [$time_local]"_s;
        QTest::newRow("+0100") << local << QByteArray("192.0.2.1 [02/Dec/2026:10:17:17 +0100]")
                               << 1796203037 * kS << kS;
        QTest::newRow("-0700") << local << QByteArray("192.0.2.1 [02/Dec/2026:10:17:17 -0700]")
                               << 1796231837 * kS << kS;
        QTest::newRow("+0530") << local << QByteArray("192.0.2.1 [02/Dec/2026:10:17:17 +0530]")
                               << 1796186837 * kS << kS;
        QTest::newRow("UTC") << local << QByteArray("192.0.2.1 [02/Dec/2026:09:17:17 +0000]")
                             << 1796203037 * kS << kS;
        QTest::newRow("into the next year") << local
                                            << QByteArray("192.0.2.1 [31/Dec/2026:23:30:00 -0100]")
                                            << 1798763400 * kS << kS;
        QTest::newRow("leap day") << local << QByteArray("192.0.2.1 [29/Feb/2024:12:00:00 +0000]")
                                  << 1709208000 * kS << kS;
        QTest::newRow("the epoch") << local << QByteArray("192.0.2.1 [01/Jan/1970:00:00:00 +0000]")
                                   << 0ll << kS;
        QTest::newRow("iso8601") << u"$remote_addr $time_iso8601"_s
                                 << QByteArray("192.0.2.1 2026-12-02T10:17:17+01:00")
                                 << 1796203037 * kS << kS;
        QTest::newRow("iso8601 -07:00") << u"$remote_addr $time_iso8601"_s
                                        << QByteArray("192.0.2.1 2026-12-02T10:17:17-07:00")
                                        << 1796231837 * kS << kS;
        QTest::newRow("msec") << u"$remote_addr $msec"_s << QByteArray("192.0.2.1 1796203037.123")
                              << 1796203037 * kS + 123 * kMs << kMs;
        QTest::newRow("msec wins, after") << u"$remote_addr [$time_local] $msec"_s
                                          << QByteArray("192.0.2.1 [02/Dec/2026:10:17:17 +0100] "
                                                        "1796203037.999")
                                          << 1796203037 * kS + 999 * kMs << kMs;
        QTest::newRow("msec wins, before") << u"$remote_addr $msec [$time_local]"_s
                                           << QByteArray("192.0.2.1 1796203037.001 "
                                                         "[02/Dec/2026:10:17:17 +0100]")
                                           << 1796203037 * kS + 1 * kMs << kMs;
        QTest::newRow("apache %t") << u"%h %t"_s
                                   << QByteArray("192.0.2.1 [02/Dec/2026:10:17:17 -0700]")
                                   << 1796231837 * kS << kS;
        QTest::newRow("apache %{msec}t") << u"%h %t %{msec}t"_s
                                         << QByteArray("192.0.2.1 [02/Dec/2026:10:17:17 +0100] "
                                                       "1796203037123")
                                         << 1796203037 * kS + 123 * kMs << kMs;
        QTest::newRow("apache %{end:usec}t") << u"%h %{end:usec}t"_s
                                             << QByteArray("192.0.2.1 1796203037123456")
                                             << 1796203037123456000ll << 1000ll;
        QTest::newRow("apache %{sec}t") << u"%h %{sec}t"_s << QByteArray("192.0.2.1 1796203037")
                                        << 1796203037 * kS << kS;
    }
    void times()
    {
        QFETCH(QString, spec);
        QFETCH(QByteArray, line);
        AccessLogDiagnostic d;
        const auto e = format(spec.toStdString()).parseLine(view(line), 1, &d);
        QVERIFY2(e, d.reason.c_str());
        QTEST(qint64(e->ts_ns), "ts");
        QTEST(qint64(e->ts_precision_ns), "precision");
    }

    void badTimes_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QByteArray>("line");
        const QString local = u"$remote_addr [$time_local]"_s;
        QTest::newRow("30 February")
            << local << QByteArray("192.0.2.1 [30/Feb/2026:10:17:17 +0100]");
        QTest::newRow("29 February, not a leap year")
            << local << QByteArray("192.0.2.1 [29/Feb/2100:10:17:17 +0100]");
        QTest::newRow("month name in another language")
            << local << QByteArray("192.0.2.1 [02/Dez/2026:10:17:17 +0100]");
        QTest::newRow("month name misaligned")
            << local << QByteArray("192.0.2.1 [02/anF/2026:10:17:17 +0100]");
        QTest::newRow("hour 24") << local << QByteArray("192.0.2.1 [02/Dec/2026:24:00:00 +0100]");
        QTest::newRow("offset minutes 60")
            << local << QByteArray("192.0.2.1 [02/Dec/2026:10:17:17 +0160]");
        QTest::newRow("no offset") << local << QByteArray("192.0.2.1 [02/Dec/2026:10:17:17]");
        QTest::newRow("before the epoch")
            << local << QByteArray("192.0.2.1 [31/Dec/1969:23:59:59 +0000]");
        QTest::newRow("past int64 ns")
            << local << QByteArray("192.0.2.1 [01/Jan/2263:00:00:00 +0000]");
        QTest::newRow("msec, two digits") << u"$remote_addr $msec"_s
                                          << QByteArray("192.0.2.1 1796203037.12");
        QTest::newRow("msec, no point") << u"$remote_addr $msec"_s
                                        << QByteArray("192.0.2.1 1796203037123");
        QTest::newRow("msec, huge") << u"$remote_addr $msec"_s
                                    << QByteArray("192.0.2.1 99999999999999999999.000");
        QTest::newRow("apache msec, a point") << u"%h %{msec}t"_s
                                              << QByteArray("192.0.2.1 1796203037.123");
        QTest::newRow("apache usec, huge") << u"%h %{usec}t"_s
                                           << QByteArray("192.0.2.1 18446744073709551615");
        QTest::newRow("iso, Z missing") << u"$remote_addr $time_iso8601"_s
                                        << QByteArray("192.0.2.1 2026-12-02T10:17:17");
    }
    void badTimes()
    {
        QFETCH(QString, spec);
        QFETCH(QByteArray, line);
        AccessLogDiagnostic d;
        QVERIFY(!format(spec.toStdString()).parseLine(view(line), 3, &d));
        QCOMPARE(d.line, 3u);
        QVERIFY2(text(d.reason).contains(u"not a time"_s), d.reason.c_str());
    }

    void custom_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("client");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("ua");

        QTest::newRow("nginx, address:port")
            << u"$remote_addr:$remote_port $msec \"$http_user_agent\""_s
            << QByteArray("192.0.2.1:51000 1796203037.123 \"UA \\x22x\\x22\"") << u"192.0.2.1"_s
            << 51000 << QString() << 0 << u"UA \"x\""_s;
        QTest::newRow("nginx, bracketed ipv6 and port")
            << u"[$remote_addr]:$remote_port $msec"_s
            << QByteArray("[2001:db8::1]:443 1796203037.123")
            << u"2001:db8::1"_s << 443 << QString() << 0 << QString();
        QTest::newRow("nginx, ${var}, unknown variables")
            << u"${remote_addr} $request_time ${msec} $upstream_addr \"$request\" $status"_s
            << QByteArray("192.0.2.1 0.003 1796203037.123 10.0.0.5:8080 \"GET / HTTP/1.1\" 502")
            << u"192.0.2.1"_s << -1 << u"GET / HTTP/1.1"_s << 502 << QString();
        QTest::newRow("nginx, realip: the peer")
            << u"$remote_addr $remote_port $realip_remote_addr $realip_remote_port $msec"_s
            << QByteArray("198.51.100.7 0 10.0.0.2 40000 1796203037.123") << u"10.0.0.2"_s << 40000
            << QString() << 0 << QString();
        QTest::newRow("nginx, unix socket port")
            << u"$remote_addr $remote_port $msec"_s << QByteArray("192.0.2.1  1796203037.123")
            << u"192.0.2.1"_s << -1 << QString() << 0 << QString();
        QTest::newRow("nginx, upper-case variable names")
            << u"$Remote_Addr $MSEC $HTTP_USER_AGENT"_s << QByteArray("192.0.2.1 1796203037.123 UA")
            << u"192.0.2.1"_s << -1 << QString() << 0 << u"UA"_s;
        QTest::newRow("apache, header case, %a and port")
            << u"%a %{remote}p %{msec}t \\\"%r\\\" %>s \\\"%{user-AGENT}i\\\""_s
            << QByteArray("2001:db8::7 61000 1796203037123 \"GET /x HTTP/1.1\" 301 \"UA/2\"")
            << u"2001:db8::7"_s << 61000 << u"GET /x HTTP/1.1"_s << 301 << u"UA/2"_s;
        QTest::newRow("apache, %{c}a over %h, bare quotes")
            << u"%h %{c}a %t \"%r\" %s"_s
            << QByteArray("203.0.113.9 10.0.0.3 [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\" "
                          "200")
            << u"10.0.0.3"_s << -1 << u"GET / HTTP/1.1"_s << 200 << QString();
        QTest::newRow("apache, %%, tab, conditions, unknown directives")
            << u"%h\\t100%% %D %{local}p %t %!200,304{User-Agent}i %<s"_s
            << QByteArray("192.0.2.1\t100% 1234 443 [02/Dec/2026:10:17:17 +0100] - 404")
            << u"192.0.2.1"_s << -1 << QString() << 404 << QString();
        QTest::newRow("apache, dash status")
            << u"%h %t %>s"_s << QByteArray("192.0.2.1 [02/Dec/2026:10:17:17 +0100] -")
            << u"192.0.2.1"_s << -1 << QString() << 0 << QString();
    }
    void custom()
    {
        QFETCH(QString, spec);
        QFETCH(QByteArray, line);
        const AccessLogFormat f = format(spec.toStdString());
        QCOMPARE(text(f.spec()), spec);
        AccessLogDiagnostic d;
        const auto e = f.parseLine(view(line), 1, &d);
        QVERIFY2(e, d.reason.c_str());
        QTEST(text(formatAddress(e->client, e->ip_version)), "client");
        QTEST(e->client_port, "port");
        QTEST(text(e->request), "request");
        QTEST(e->status, "status");
        QTEST(text(e->user_agent), "ua");
    }

    void parseErrors_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("error");
        QTest::newRow("empty") << QString() << u"empty format"_s;
        QTest::newRow("blank") << u"  "_s << u"empty format"_s;
        QTest::newRow("nginx, no address")
            << u"$remote_user [$time_local] \"$request\""_s
            << u"no client address field ($remote_addr, %h or %a)"_s;
        QTest::newRow("apache, no address")
            << u"%u %t"_s << u"no client address field ($remote_addr, %h or %a)"_s;
        QTest::newRow("plain text") << u"hello"_s
                                    << u"no client address field ($remote_addr, %h or %a)"_s;
        QTest::newRow("no time")
            << u"$remote_addr \"$request\" $status"_s
            << u"no time field ($time_local, $msec, $time_iso8601, %t or %{msec}t)"_s;
        QTest::newRow("apache, strftime time only")
            << u"%h %{%d/%b/%Y}t"_s
            << u"no time field ($time_local, $msec, $time_iso8601, %t or %{msec}t)"_s;
        QTest::newRow("unterminated quote")
            << u"$remote_addr [$time_local] \"$request"_s << u"unterminated quote in the format"_s;
        QTest::newRow("apache, unterminated quote")
            << u"%h %t \\\"%r"_s << u"unterminated quote in the format"_s;
        QTest::newRow("adjacent fields")
            << u"$remote_addr$remote_port $msec"_s
            << u"fields $remote_addr and $remote_port are not separated by any text"_s;
        QTest::newRow("apache, adjacent fields")
            << u"%h %t%>s"_s << u"fields %t and %>s are not separated by any text"_s;
        QTest::newRow("unterminated ${") << u"${remote_addr $msec"_s
                                         << u"unterminated ${ in the format"_s;
        QTest::newRow("unterminated %{") << u"%h %{User-Agent i %t"_s
                                         << u"unterminated %{ in the format"_s;
        QTest::newRow("lone %") << u"%h %t %"_s << u"incomplete directive \"%\" in the format"_s;
        QTest::newRow("% and a modifier")
            << u"%h %t %>"_s << u"incomplete directive \"%>\" in the format"_s;
        QTest::newRow("% and a non-letter")
            << u"%h %t %{x}-"_s << u"incomplete directive \"%{x}\" in the format"_s;
    }
    void parseErrors()
    {
        QFETCH(QString, spec);
        std::string error;
        QVERIFY(!AccessLogFormat::parse(spec.toStdString(), &error));
        QTEST(text(error), "error");
        QVERIFY(!AccessLogFormat::parse(spec.toStdString(), nullptr));
    }

    void detect_data()
    {
        QTest::addColumn<QList<QByteArray>>("lines");
        QTest::addColumn<QString>("preset");   // empty: none

        const QByteArray combined =
            "203.0.113.7 - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\" 200 612 \"-\" \"UA\"";
        const QByteArray synscope = combined + " 51234 1796203037.123 \"-\" \"-\"";
        const QByteArray apacheSynscope = combined + " 51234 1796203037123 \"-\" \"-\"";
        const QByteArray identd = "203.0.113.7 ident - [02/Dec/2026:10:17:17 +0100] \"GET / "
                                  "HTTP/1.1\" 200 - \"-\" \"UA\"";
        const QByteArray garbage = "\x01\x02 not a log line \xff";

        QTest::newRow("combined") << QList{combined, combined, combined} << u"combined"_s;
        QTest::newRow("synscope") << QList{synscope, synscope} << u"synscope"_s;
        QTest::newRow("apache-synscope") << QList{apacheSynscope} << u"apache-synscope"_s;
        QTest::newRow("apache identd") << QList{identd, combined} << u"apache-combined"_s;
        QTest::newRow("majority") << QList{synscope, garbage, synscope} << u"synscope"_s;
        QTest::newRow("more of one than the other")
            << QList{synscope, combined, combined} << u"combined"_s;
        QTest::newRow("blank and CRLF lines ignored")
            << QList<QByteArray>{"", synscope + "\r", "\r", synscope, garbage} << u"synscope"_s;
        QTest::newRow("half is no majority") << QList{combined, garbage} << QString();
        QTest::newRow("minority") << QList{combined, garbage, garbage} << QString();
        QTest::newRow("garbage") << QList{garbage} << QString();
        QTest::newRow("nothing") << QList<QByteArray>{} << QString();
        QTest::newRow("only blank lines") << QList<QByteArray>{"", "\r"} << QString();
    }
    void detect()
    {
        QFETCH(QList<QByteArray>, lines);
        QFETCH(QString, preset);
        std::vector<std::string_view> views;
        for (const QByteArray& l : lines)
            views.push_back(view(l));
        const auto f = AccessLogFormat::detect(views);
        if (preset.isEmpty()) {
            QVERIFY(!f);
        } else {
            QVERIFY(f);
            QCOMPARE(f->spec(), AccessLogFormat::preset(preset.toStdString())->spec());
        }
    }

    void badLines()
    {
        AccessLogReader reader(*AccessLogFormat::preset("combined"));
        const QByteArray good =
            "203.0.113.7 - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\" 200 612 \"-\" \"UA\"";
        const QByteArray log =
            good + "\n"                                                                     // 1
            "\n"                                                                            // 2
            "example.com - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\" 200 0 \"-\" \"-\"\n"
            "192.0.2.1 - - [30/Feb/2026:10:17:17 +0100] \"GET / HTTP/1.1\" 200 0 \"-\" \"-\"\n"
            "192.0.2.1 - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\n"                // 5
            "192.0.2.1 - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\" abc 0 \"-\" \"-\"\n"
            + good + " 51234\n"                                                             // 7
            + good + "\r\n"                                                                 // 8
            "192.0.2.1 x\n"                                                                 // 9
            "192.0.2.1 - - [02/Dec/2026:10:17:17 +0100 \"GET / HTTP/1.1\" 200 0 \"-\" \"-\"\n"
            + good;                                                                         // 11
        const std::vector<AccessLogEntry> entries = readAll(reader, log);
        QList<uint64_t> lines;
        for (const AccessLogEntry& e : entries)
            lines << e.line;
        QCOMPARE(lines, (QList<uint64_t>{1, 8, 11}));
        QCOMPARE(reader.lines(), 11u);
        QCOMPARE(reader.badLines(), 7u);
        QCOMPARE(describe(reader.diagnostics()),
                 (QStringList{
                     u"line 3: field $remote_addr: not an IP address: \"example.com\""_s,
                     u"line 4: field $time_local: not a time: \"30/Feb/2026:10:17:17 +0100\""_s,
                     u"line 5: field $request: no closing quote"_s,
                     u"line 6: field $status: not a status code: \"abc\""_s,
                     u"line 7: trailing text at column 79: \" 51234\""_s,
                     u"line 9: expected \" - \" after $remote_addr"_s,
                     u"line 10: expected \"] \\\"\" after $time_local at column 42"_s,
                 }));
    }

    void diagnosticsCapped()
    {
        AccessLogReader reader(*AccessLogFormat::preset("synscope"));
        QByteArray log;
        for (int i = 0; i < 250; ++i)
            log += "bad line\n";
        log += kSampleLog;
        const std::vector<AccessLogEntry> entries = readAll(reader, log);
        QCOMPARE(entries.size(), size_t(4));
        QCOMPARE(reader.diagnostics().size(), size_t(100));
        QCOMPARE(reader.diagnostics().back().line, 100u);
        QCOMPARE(reader.badLines(), 251u);
        QCOMPARE(reader.lines(), 257u);
    }

    // The same entries and diagnostics whichever way the bytes are cut into feed() calls.
    void splitFeeds()
    {
        const AccessLogFormat f = *AccessLogFormat::preset("synscope");
        AccessLogReader whole(f);
        const QStringList expected = describe(readAll(whole, kSampleLog));
        QCOMPARE(expected.size(), 4);
        QCOMPARE(whole.lines(), 7u);
        const QStringList diagnostics = describe(whole.diagnostics());
        QCOMPARE(diagnostics.size(), 1);
        QVERIFY(diagnostics.front().startsWith(u"line 4: "_s));
        QVERIFY(expected.back().contains(u"\"last\""_s));

        for (qsizetype cut = 0; cut <= kSampleLog.size(); ++cut) {
            AccessLogReader reader(f);
            std::vector<AccessLogEntry> entries = reader.feed(view(kSampleLog.left(cut)));
            for (AccessLogEntry& e : reader.feed(view(kSampleLog.mid(cut))))
                entries.push_back(std::move(e));
            for (AccessLogEntry& e : reader.finish())
                entries.push_back(std::move(e));
            QCOMPARE(describe(entries), expected);
            QCOMPARE(describe(reader.diagnostics()), diagnostics);
            QCOMPARE(reader.lines(), whole.lines());
        }
        AccessLogReader bytewise(f);
        QCOMPARE(describe(readAll(bytewise, kSampleLog, 1)), expected);
        QCOMPARE(describe(bytewise.diagnostics()), diagnostics);
    }

    void overLongLine_data()
    {
        QTest::addColumn<int>("length");
        QTest::addColumn<int>("chunk");
        QTest::addColumn<bool>("crlf");
        QTest::addColumn<bool>("fits");
        const int max = int(AccessLogReader::kMaxLine);
        for (int chunk : {0, 1, 1000, max, max + 1}) {
            for (bool crlf : {false, true}) {
                const QByteArray tag =
                    "chunk " + QByteArray::number(chunk) + (crlf ? ", CRLF" : "");
                QTest::newRow(("at the limit, " + tag).constData()) << max << chunk << crlf << true;
                QTest::newRow(("one over, " + tag).constData())
                    << max + 1 << chunk << crlf << false;
                QTest::newRow(("1 MiB, " + tag).constData())
                    << (1 << 20) << chunk << crlf << false;
            }
        }
    }
    void overLongLine()
    {
        QFETCH(int, length);
        QFETCH(int, chunk);
        QFETCH(bool, crlf);
        QFETCH(bool, fits);
        if (chunk == 1 && length > int(AccessLogReader::kMaxLine) + 1)
            chunk = 64;   // a byte at a time through 1 MiB is slow for nothing
        const QByteArray end = crlf ? "\r\n" : "\n";
        const QByteArray log = synscopeLine(length) + end + synscopeLine(200) + end;
        AccessLogReader reader(*AccessLogFormat::preset("synscope"));
        const std::vector<AccessLogEntry> entries = readAll(reader, log, chunk);
        QCOMPARE(reader.lines(), 2u);
        QCOMPARE(entries.size(), size_t(fits ? 2 : 1));
        QCOMPARE(entries.back().line, 2u);
        QCOMPARE(reader.badLines(), fits ? 0u : 1u);
        if (!fits)
            QCOMPARE(describe(reader.diagnostics()),
                     QStringList{u"line 1: line longer than 16384 bytes"_s});
    }

    void overLongLastLine()
    {
        AccessLogReader reader(*AccessLogFormat::preset("synscope"));
        const QByteArray log = synscopeLine(200) + "\n" + synscopeLine(100000);
        QCOMPARE(readAll(reader, log, 4096).size(), size_t(1));
        QCOMPARE(reader.lines(), 2u);
        QCOMPARE(describe(reader.diagnostics()),
                 QStringList{u"line 2: line longer than 16384 bytes"_s});
        // The reader goes on with the next line after finish().
        QCOMPARE(reader.feed(view(synscopeLine(200) + "\n")).size(), size_t(1));
        QCOMPARE(reader.lines(), 3u);
    }

    void crlf()
    {
        AccessLogReader reader(*AccessLogFormat::preset("combined"));
        const QByteArray line =
            "203.0.113.7 - - [02/Dec/2026:10:17:17 +0100] \"GET / HTTP/1.1\" 200 612 \"-\" \"UA\"";
        const auto entries = readAll(reader, line + "\r\n\r\n" + line + "\r\n" + line + "\r");
        QCOMPARE(entries.size(), size_t(3));
        QCOMPARE(entries[2].line, 4u);
        QCOMPARE(entries[2].user_agent, std::string("UA"));
        QCOMPARE(reader.badLines(), 0u);
    }

    // Random bytes, and lines made to be slow (long runs of quotes, backslashes, separators): no
    // crash, every line accounted for, and time linear in the input.
    void garbage()
    {
        std::mt19937 random(20261202);
        QByteArray log;
        for (int i = 0; i < (1 << 20); ++i)
            log += char(random() % 8 == 0 ? '\n' : random() % 256);
        const int max = int(AccessLogReader::kMaxLine);
        for (char c : {'"', '\\', ' ', '[', '-', '0', '\0'})
            for (int i = 0; i < 50; ++i)
                log += QByteArray(max, c) + '\n';
        for (int i = 0; i < 50; ++i)
            log += QByteArray("192.0.2.1 - - [") + QByteArray(max - 40, '[') + "\n";
        for (int i = 0; i < 50; ++i)
            log += "192.0.2.1 - - [02/Dec/2026:10:17:17 +0100] \"" + QByteArray(max - 60, '\\') +
                   "\n";
        const qsizetype newlines = log.count('\n');

        for (const char* preset : {"synscope", "combined", "apache-synscope"}) {
            QElapsedTimer timer;
            timer.start();
            AccessLogReader reader(*AccessLogFormat::preset(preset));
            std::uniform_int_distribution<int> chunk(1, 70000);
            std::vector<AccessLogEntry> entries;
            for (qsizetype at = 0; at < log.size();) {
                const qsizetype n = std::min<qsizetype>(chunk(random), log.size() - at);
                for (AccessLogEntry& e : reader.feed(view(log).substr(size_t(at), size_t(n))))
                    entries.push_back(std::move(e));
                at += n;
            }
            QVERIFY(reader.finish().empty());
            QCOMPARE(reader.lines(), uint64_t(newlines));
            QVERIFY(reader.badLines() > 0 && reader.badLines() <= reader.lines());
            QCOMPARE(reader.diagnostics().size(), size_t(100));
            for (const AccessLogDiagnostic& d : reader.diagnostics())
                for (char c : d.reason)
                    QVERIFY2(c >= 0x20 && c < 0x7f, d.reason.c_str());
            // Quadratic work on these 15 MiB would take hours; linear takes well under a second.
            QVERIFY2(timer.elapsed() < 30000, qPrintable(QString::number(timer.elapsed())));
        }
    }

    // A real nginx with the recommended format: every line it writes parses, with the user agent
    // each request sent, the client port of its connection and a time within the request's.
    void realNginx()
    {
        const QString nginx = QStandardPaths::findExecutable(u"nginx"_s).isEmpty()
            ? QStandardPaths::findExecutable(u"nginx"_s, {u"/usr/sbin"_s, u"/usr/local/sbin"_s,
                                                          u"/usr/local/nginx/sbin"_s})
            : QStandardPaths::findExecutable(u"nginx"_s);
        if (nginx.isEmpty())
            QSKIP("nginx is not installed (Debian: apt-get install nginx-light)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const int port = freePort();
        QVERIFY(port > 0);

        // A distribution's nginx has absolute temporary paths built in that an unprivileged user
        // cannot create; a default build's are under the prefix.
        QProcess version;
        version.start(nginx, {u"-V"_s});
        QVERIFY(version.waitForFinished(10000));
        const QString build = QString::fromLocal8Bit(version.readAllStandardError());
        QString temps;
        const std::pair<const char*, const char*> kTemps[] = {
            {"client-body", "client_body"}, {"proxy", "proxy"}, {"fastcgi", "fastcgi"},
            {"uwsgi", "uwsgi"}, {"scgi", "scgi"}};
        for (const auto& [flag, directive] : kTemps)
            if (build.contains(u"--http-%1-temp-path="_s.arg(QLatin1StringView(flag))))
                temps += u"    %1_temp_path %2;\n"_s.arg(
                    QLatin1StringView(directive), dir.filePath(QLatin1StringView(directive)));

        QFile conf(dir.filePath(u"nginx.conf"_s));
        QVERIFY(conf.open(QIODevice::WriteOnly));
        conf.write(u"worker_processes 1;\n"
                   "events { worker_connections 64; }\n"
                   "http {\n"
                   "    log_format synscope '%1';\n"
                   "    access_log %2 synscope;\n"
                   "%3"
                   "    server {\n"
                   "        listen 127.0.0.1:%4;\n"
                   "        location / { return 200 \"ok\\n\"; }\n"
                   "    }\n"
                   "}\n"_s.arg(QLatin1StringView(kNginxSynscope), dir.filePath(u"access.log"_s),
                               temps)
                       .arg(port)
                       .toUtf8());
        conf.close();

        // In the foreground and as one process: no daemon to find later and, when run as root, no
        // switch to a user that could not write the temporary directory.
        const QString pidFile = dir.filePath(u"nginx.pid"_s);
        QProcess server;
        server.start(nginx, {u"-p"_s, dir.path() + u'/', u"-c"_s, conf.fileName(), u"-g"_s,
                             u"daemon off; master_process off; pid %1; error_log stderr;"_s.arg(
                                 pidFile)});
        if (!server.waitForStarted(10000))
            QSKIP("nginx cannot be started");
        // nginx writes its pid file once it listens.
        QElapsedTimer wait;
        wait.start();
        while (!QFile::exists(pidFile) && server.state() == QProcess::Running &&
               wait.elapsed() < 10000)
            server.waitForFinished(50);
        if (!QFile::exists(pidFile)) {
            server.kill();
            server.waitForFinished(5000);
            QSKIP(qPrintable(u"nginx did not start: "_s +
                             QString::fromLocal8Bit(server.readAllStandardError()).trimmed()));
        }

        struct Request {
            QByteArray userAgent;   // empty: no User-Agent header
            QByteArray extraHeaders;
            QString expectedUserAgent;
            QString xff, via;
        };
        const QList<Request> requests = {
            {"SynScope-test/1.0 (plain)", {}, u"SynScope-test/1.0 (plain)"_s, {}, {}},
            {"Mozilla/5.0 (X11; \"quoted\") back\\slash", {},
             u"Mozilla/5.0 (X11; \"quoted\") back\\slash"_s, {}, {}},
            {"caf\xc3\xa9/2", {}, u"café/2"_s, {}, {}},
            {"behind/proxies", "X-Forwarded-For: 198.51.100.7, 10.0.0.1\r\nVia: 1.1 edge\r\n",
             u"behind/proxies"_s, u"198.51.100.7, 10.0.0.1"_s, u"1.1 edge"_s},
            {{}, {}, QString(), {}, {}},
        };
        struct Sent {
            int port = -1;
            qint64 from_ns = 0, to_ns = 0;
        };
        QList<Sent> sent;
        for (qsizetype i = 0; i < requests.size(); ++i) {
            const Request& r = requests[i];
            QByteArray http =
                "GET /req" + QByteArray::number(i) + " HTTP/1.1\r\nHost: localhost\r\n";
            if (!r.userAgent.isEmpty())
                http += "User-Agent: " + r.userAgent + "\r\n";
            http += r.extraHeaders + "Connection: close\r\n\r\n";
            Sent s;
            s.from_ns = QDateTime::currentMSecsSinceEpoch() * kMs;
            const Exchange x = exchange(port, http);
            s.to_ns = QDateTime::currentMSecsSinceEpoch() * kMs;
            s.port = x.local_port;
            QVERIFY2(x.response.startsWith("HTTP/1.1 200"), x.response.constData());
            sent << s;
        }
        server.terminate();
        QVERIFY(server.waitForFinished(10000));

        QFile logFile(dir.filePath(u"access.log"_s));
        QVERIFY(logFile.open(QIODevice::ReadOnly));
        const QByteArray log = logFile.readAll();
        AccessLogReader reader(*AccessLogFormat::preset("synscope"));
        const std::vector<AccessLogEntry> entries = readAll(reader, log);
        QVERIFY2(reader.badLines() == 0, qPrintable(describe(reader.diagnostics()).join(u'\n') +
                                                    u'\n' + QString::fromUtf8(log)));
        QCOMPARE(qsizetype(entries.size()), requests.size());
        for (qsizetype i = 0; i < requests.size(); ++i) {
            const AccessLogEntry& e = entries[size_t(i)];
            QCOMPARE(text(formatAddress(e.client, e.ip_version)), u"127.0.0.1"_s);
            QCOMPARE(e.client_port, sent[i].port);
            QCOMPARE(text(e.request), u"GET /req%1 HTTP/1.1"_s.arg(i));
            QCOMPARE(e.status, 200);
            QCOMPARE(text(e.user_agent), requests[i].expectedUserAgent);
            QCOMPARE(text(e.x_forwarded_for), requests[i].xff);
            QCOMPARE(text(e.via), requests[i].via);
            QCOMPARE(e.ts_precision_ns, kMs);
            QVERIFY2(e.ts_ns >= sent[i].from_ns - kMs && e.ts_ns <= sent[i].to_ns + kMs,
                     qPrintable(describe(e) +
                                u" outside %1..%2"_s.arg(sent[i].from_ns).arg(sent[i].to_ns)));
        }
        QVERIFY(AccessLogFormat::detect({view(log.left(log.indexOf('\n')))})->hasPort());
    }
};

QTEST_MAIN(TestAccessLog)
#include "test_access_log.moc"
