// SPDX-License-Identifier: GPL-3.0-or-later
// Hop distance from the TTL and link type / tunnels from the MSS.
#include "core/detect/detect.h"

#include <QTest>

using namespace synscope;
using namespace Qt::StringLiterals;

class TestDetect : public QObject {
    Q_OBJECT
private slots:
    void hops_data()
    {
        QTest::addColumn<int>("ttl");
        QTest::addColumn<int>("initial");
        QTest::addColumn<int>("hops");
        QTest::newRow("zero") << 0 << 32 << 32;
        QTest::newRow("old windows, 2 hops") << 30 << 32 << 2;
        QTest::newRow("exactly 32") << 32 << 32 << 0;
        QTest::newRow("33 is past 32") << 33 << 64 << 31;
        QTest::newRow("linux local") << 64 << 64 << 0;
        QTest::newRow("linux 10 hops") << 54 << 64 << 10;
        QTest::newRow("65 is past 64") << 65 << 128 << 63;
        QTest::newRow("windows 13 hops") << 115 << 128 << 13;
        QTest::newRow("windows local") << 128 << 128 << 0;
        QTest::newRow("129 is past 128") << 129 << 255 << 126;
        QTest::newRow("router 9 hops") << 246 << 255 << 9;
        QTest::newRow("router local") << 255 << 255 << 0;
    }
    void hops()
    {
        QFETCH(int, ttl);
        const HopEstimate h = estimateHops(static_cast<uint8_t>(ttl));
        QTEST(h.initial_ttl, "initial");
        QTEST(h.hops, "hops");
    }

    void link_data()
    {
        QTest::addColumn<int>("mss");
        QTest::addColumn<int>("ipVersion");
        QTest::addColumn<int>("mtu");
        QTest::addColumn<QString>("linkContains");
        QTest::addColumn<bool>("tunnel");
        QTest::newRow("no MSS") << -1 << 4 << -1 << QString() << false;
        QTest::newRow("ethernet v4") << 1460 << 4 << 1500 << u"Ethernet"_s << false;
        QTest::newRow("ethernet v6") << 1440 << 6 << 1500 << u"Ethernet"_s << false;
        QTest::newRow("pppoe") << 1452 << 4 << 1492 << u"PPPoE"_s << false;
        QTest::newRow("jumbo") << 8960 << 4 << 9000 << u"jumbo"_s << false;
        QTest::newRow("linux loopback v4") << 65495 << 4 << 65535 << u"loopback"_s << false;
        QTest::newRow("macos loopback") << 16344 << 4 << 16384 << u"loopback"_s << false;
        QTest::newRow("gre") << 1436 << 4 << 1476 << u"GRE"_s << true;
        QTest::newRow("sit") << 1440 << 4 << 1480 << u"SIT"_s << true;
        QTest::newRow("pptp") << 1450 << 4 << 1490 << u"PPTP"_s << true;
        QTest::newRow("wireguard v4 underlay") << 1400 << 4 << 1440 << u"WireGuard"_s << true;
        QTest::newRow("wireguard default") << 1380 << 4 << 1420 << u"WireGuard"_s << true;
        QTest::newRow("wireguard default v6") << 1360 << 6 << 1420 << u"WireGuard"_s << true;
        QTest::newRow("vxlan") << 1410 << 4 << 1450 << u"VXLAN"_s << true;
        QTest::newRow("openvpn") << 1370 << 4 << 1410 << u"OpenVPN"_s << true;
        QTest::newRow("ipv6 minimum") << 1220 << 6 << 1280 << u"IPv6 minimum"_s << true;
        QTest::newRow("odd value below 1500") << 1339 << 4 << 1379 << u"reduced MTU"_s << true;
        QTest::newRow("odd value above 1500") << 1900 << 4 << 1940 << u"non-standard"_s << false;
    }
    void link()
    {
        QFETCH(int, mss);
        QFETCH(int, ipVersion);
        QFETCH(QString, linkContains);
        const LinkEstimate l = estimateLink(mss, ipVersion);
        QTEST(l.mtu, "mtu");
        QTEST(l.tunnel, "tunnel");
        if (linkContains.isEmpty())
            QVERIFY(l.link.empty());
        else
            QVERIFY2(QLatin1StringView(l.link).contains(linkContains), l.link.data());
    }

    // The report writes the link text into JSON unescaped: every text the table can give must be
    // printable ASCII without quotes or backslashes.
    void linkTextNeedsNoEscaping()
    {
        for (int ipVersion : {4, 6})
            for (int mss = 0; mss <= 65535; ++mss) {
                const std::string_view text = estimateLink(mss, ipVersion).link;
                QVERIFY(!text.empty());
                for (char ch : text)
                    QVERIFY2(ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\', text.data());
            }
    }
};

QTEST_GUILESS_MAIN(TestDetect)
#include "test_detect.moc"
