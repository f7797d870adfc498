// SPDX-License-Identifier: GPL-3.0-or-later
// The option notation, quirk names and address formatting of the shared fingerprint record.
#include "core/fingerprint/fingerprint.h"

#include <QTest>

using namespace synscope;
using namespace Qt::StringLiterals;

class TestFingerprint : public QObject {
    Q_OBJECT
private slots:
    void notationRoundTrip_data()
    {
        QTest::addColumn<QString>("notation");
        QTest::addColumn<QString>("layout");
        QTest::addColumn<QString>("kinds");
        QTest::addColumn<int>("mss");
        QTest::addColumn<int>("wscale");
        QTest::addColumn<bool>("timestamp");
        QTest::addColumn<bool>("sack");
        QTest::newRow("ubuntu 18.04") << u"M1412,S,T,N,W7,"_s << u"MSTNW"_s << u"2,4,8,1,3"_s
                                      << 1412 << 7 << true << true;
        QTest::newRow("windows") << u"M1460,N,W8,N,N,S,"_s << u"MNWNNS"_s << u"2,1,3,1,1,4"_s
                                 << 1460 << 8 << false << true;
        QTest::newRow("macos eol padding") << u"M1460,N,W6,N,N,T,S,E,E,"_s << u"MNWNNTSEE"_s
                                           << u"2,1,3,1,1,8,4,0,0"_s << 1460 << 6 << true << true;
        QTest::newRow("unknown kinds") << u"M1460,K30,K254,"_s << u"MKK"_s << u"2,30,254"_s
                                       << 1460 << -1 << false << false;
        QTest::newRow("no options") << QString() << QString() << QString() << -1 << -1 << false
                                    << false;
    }
    void notationRoundTrip()
    {
        QFETCH(QString, notation);
        Fingerprint fp;
        QVERIFY(fp.setTcpOptions(notation.toStdString()));
        QCOMPARE(QString::fromStdString(fp.tcpOptions()), notation);
        QTEST(QString::fromStdString(fp.optionLayout()), "layout");
        QTEST(QString::fromStdString(fp.optionKindList()), "kinds");
        QTEST(fp.tcp_mss, "mss");
        QTEST(int(fp.tcp_window_scaling), "wscale");
        QTEST(fp.tcp_has_timestamp, "timestamp");
        QTEST(fp.tcp_sack_permitted, "sack");
    }

    void badNotation_data()
    {
        QTest::addColumn<QString>("notation");
        QTest::newRow("letter") << u"M1460,Q,"_s;
        QTest::newRow("mss without value") << u"M,S,"_s;
        QTest::newRow("mss too large") << u"M70000,"_s;
        QTest::newRow("value on a flag option") << u"S4,"_s;
        QTest::newRow("kind out of range") << u"K300,"_s;
        QTest::newRow("more than 40 options") << QString(u"N,"_s).repeated(41);
    }
    void badNotation()
    {
        QFETCH(QString, notation);
        Fingerprint fp;
        QVERIFY(!fp.setTcpOptions(notation.toStdString()));
    }

    void quirkNames()
    {
        QCOMPARE(quirksString(0), std::string());
        QCOMPARE(quirksString(QuirkDf | QuirkIdPlus), std::string("df,id+"));
        QCOMPARE(quirksString(QuirkEcn | QuirkPayload), std::string("ecn,data"));
        QCOMPARE(quirkName(QuirkExcessiveWscale), std::string_view("exws"));
        // Every bit below QuirkCount has a distinct, non-empty name.
        QSet<QString> names;
        for (int i = 0; i < int(QuirkCount); ++i) {
            const auto name = quirkName(static_cast<Quirk>(1u << i));
            QVERIFY(!name.empty());
            QCOMPARE(quirkFromName(name), 1u << i);
            names.insert(QString::fromUtf8(name.data(), qsizetype(name.size())));
        }
        QCOMPARE(names.size(), int(QuirkCount));
        QCOMPARE(quirkFromName("nonsense"), 0u);
        QCOMPARE(quirkFromName(""), 0u);
    }

    void encapsulationNames()
    {
        QCOMPARE(encapsulationString(0), std::string());
        QCOMPARE(encapsulationString(EncapVlan | EncapGre | EncapVxlan), std::string("vlan,gre,vxlan"));
    }

    void addresses_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("version");
        QTest::addColumn<QString>("text");
        QTest::newRow("v4") << QByteArray::fromHex("0a000001") << 4 << u"10.0.0.1"_s;
        QTest::newRow("v6 loopback") << QByteArray::fromHex("00000000000000000000000000000001") << 6
                                     << u"::1"_s;
        QTest::newRow("v6 doc") << QByteArray::fromHex("20010db8000000000000000000000001") << 6
                                << u"2001:db8::1"_s;
        QTest::newRow("v6 single zero group kept") << QByteArray::fromHex("20010db8000000010001000100010001")
                                                   << 6 << u"2001:db8:0:1:1:1:1:1"_s;
        QTest::newRow("v6 longest run wins") << QByteArray::fromHex("20010000000000010000000000000001")
                                             << 6 << u"2001:0:0:1::1"_s;
    }
    void addresses()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, version);
        IpAddress a{};
        std::copy(bytes.begin(), bytes.end(), a.begin());
        QTEST(QString::fromStdString(formatAddress(a, uint8_t(version))), "text");
    }
};

QTEST_GUILESS_MAIN(TestFingerprint)
#include "test_fingerprint.moc"
