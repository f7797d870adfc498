// SPDX-License-Identifier: GPL-3.0-or-later
// Timestamps in the report: the ISO 8601 text (formatTimestamp, the text block) and the JSON "ts"
// number, over the whole int64 nanosecond range, before the epoch included.
#include "core/report/report.h"

#include <QTest>

#include <cstdint>
#include <limits>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

SynRecord recordAt(int64_t tsNs)
{
    SynRecord r;
    r.frame = 1;
    r.ts_ns = tsNs;
    r.fp.ip_version = 4;
    r.fp.ip_ttl = 64;
    return r;
}

// The "ts" value of one JSON line, as text: what sits between "ts": and the next comma.
QByteArray jsonTs(int64_t tsNs)
{
    Database db;
    ReportWriter w(db);
    std::string out;
    const SynRecord rec = recordAt(tsNs);
    const Classification none;
    w.appendJson(out, observe(rec, &none));
    const QByteArray line = QByteArray::fromStdString(out);
    const qsizetype start = line.indexOf("\"ts\":") + 5;
    return line.mid(start, line.indexOf(',', start) - start);
}

// The timestamp of the text block's first line ("#1 <timestamp>  ...").
QByteArray textTs(int64_t tsNs)
{
    Database db;
    ReportWriter w(db);
    std::string out;
    const SynRecord rec = recordAt(tsNs);
    const Classification none;
    w.appendText(out, observe(rec, &none));
    const QByteArray line = QByteArray::fromStdString(out);
    return line.mid(3, line.indexOf("  ") - 3);
}

} // namespace

class TestReport : public QObject {
    Q_OBJECT
private slots:
    // Expected texts come from GNU date and Python's datetime (floor to the microsecond):
    //   date -u -d @-9223372037 +%FT%T          -> 1677-09-21T00:12:43
    //   python3: epoch + timedelta(microseconds=INT64_MIN // 1000) -> 1677-09-21 00:12:43.145224
    void isoTimestamp_data()
    {
        QTest::addColumn<qint64>("ns");
        QTest::addColumn<QString>("text");
        QTest::newRow("epoch") << qint64(0) << u"1970-01-01T00:00:00.000000Z"_s;
        QTest::newRow("ordinary") << qint64(1795332047949127123) << u"2026-11-22T07:20:47.949127Z"_s;
        QTest::newRow("-1 ns") << qint64(-1) << u"1969-12-31T23:59:59.999999Z"_s;
        QTest::newRow("-0.5 s") << qint64(-500000000) << u"1969-12-31T23:59:59.500000Z"_s;
        QTest::newRow("-1 s") << qint64(-1000000000) << u"1969-12-31T23:59:59.000000Z"_s;
        QTest::newRow("int64 min") << qint64(kMin) << u"1677-09-21T00:12:43.145224Z"_s;
        QTest::newRow("int64 min + 1") << qint64(kMin + 1) << u"1677-09-21T00:12:43.145224Z"_s;
        QTest::newRow("int64 max") << qint64(kMax) << u"2262-04-11T23:47:16.854775Z"_s;
    }
    void isoTimestamp()
    {
        QFETCH(qint64, ns);
        QFETCH(QString, text);
        QCOMPARE(formatTimestamp(ns), text);
        QCOMPARE(QString::fromLatin1(textTs(ns)), text);
    }

    // JSON "ts" is seconds with six decimals: the same microsecond as the ISO text (floored), as a
    // signed decimal, so -0.5 s is -0.500000 (not -1 + .5 written as -1.500000).
    void jsonTimestamp_data()
    {
        QTest::addColumn<qint64>("ns");
        QTest::addColumn<QByteArray>("ts");
        QTest::newRow("epoch") << qint64(0) << QByteArray("0.000000");
        QTest::newRow("ordinary") << qint64(1795332047949127123) << QByteArray("1795332047.949127");
        QTest::newRow("-0.5 s") << qint64(-500000000) << QByteArray("-0.500000");
        QTest::newRow("-1.5 s") << qint64(-1500000000) << QByteArray("-1.500000");
        QTest::newRow("-1 s") << qint64(-1000000000) << QByteArray("-1.000000");
        QTest::newRow("-1 us") << qint64(-1000) << QByteArray("-0.000001");
        QTest::newRow("-1 ns") << qint64(-1) << QByteArray("-0.000001");   // 23:59:59.999999
        QTest::newRow("int64 min") << qint64(kMin) << QByteArray("-9223372036.854776");
        QTest::newRow("int64 max") << qint64(kMax) << QByteArray("9223372036.854775");
    }
    void jsonTimestamp()
    {
        QFETCH(qint64, ns);
        QFETCH(QByteArray, ts);
        QCOMPARE(jsonTs(ns), ts);
        // Read back, the number is within a microsecond below the true time.
        const double seconds = ts.toDouble();
        QVERIFY(seconds * 1e9 <= double(ns) + 1e3 + std::abs(double(ns)) * 1e-15);
        QVERIFY(seconds * 1e9 > double(ns) - 1e3 - std::abs(double(ns)) * 1e-15);
    }

    // Integers are written by the report's own digit writer: every digit count and the limits
    // where it hands over to std::to_chars, read back from the JSON "frame" and the text's "#".
    void integers()
    {
        std::vector<uint64_t> values = {0, 99999999, 100000000, 4294967295ULL, 9223372036854775807ULL};
        for (uint64_t p = 1; p <= 100000000; p *= 10)
            values.insert(values.end(), {p - 1, p, p + 1, 2 * p + 3});
        Database db;
        ReportWriter w(db);
        const Classification none;
        for (uint64_t v : values) {
            SynRecord rec = recordAt(0);
            rec.frame = v;
            std::string json, text;
            w.appendJson(json, observe(rec, &none));
            w.appendText(text, observe(rec, &none));
            const std::string expected = std::to_string(v);
            QVERIFY2(json.find(",\"frame\":" + expected + ",") != std::string::npos, json.c_str());
            QVERIFY2(text.rfind("#" + expected + " ", 0) == 0, text.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestReport)
#include "test_report.moc"
