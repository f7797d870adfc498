// SPDX-License-Identifier: GPL-3.0-or-later
// The connection store and every model over it, fed with the batches the capture worker makes of
// a small synthetic capture: QAbstractItemModelTester on each model and proxy, contents compared
// with golden string lists, eviction at the row cap, filter clauses and sorting.
#include "ui/capture/capture_worker.h"
#include "core/decode/decoder.h"
#include "core/match/profile.h"
#include "ui/models/aggregate_models.h"
#include "ui/models/connection_filter_model.h"
#include "ui/models/connection_model.h"
#include "ui/models/host_model.h"
#include "hosts_reference.h"
#include "test_models_capture.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

using namespace synscope;

namespace {

QStringList dump(const QAbstractItemModel& m, int role = Qt::DisplayRole)
{
    QStringList rows;
    for (int r = 0; r < m.rowCount(); ++r) {
        QStringList cells;
        for (int c = 0; c < m.columnCount(); ++c)
            cells << m.index(r, c).data(role).toString();
        rows << cells.join(u" | "_qs);
    }
    return rows;
}

QStringList column(const QAbstractItemModel& m, int col)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << m.index(r, col).data().toString();
    return out;
}

} // namespace

class TestModels : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::shared_ptr<const Database> m_db;
    QString m_path;

    // The worker's batches for the small capture, batchRows rows at most each.
    std::vector<RowBatchPtr> batches(int batchRows = 10000)
    {
        CaptureWorker worker;
        QSignalSpy spy(&worker, &CaptureWorker::batchReady);
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        CaptureConfig c;
        c.database = m_db;
        c.profile = &Profile::classic();
        c.batchRows = batchRows;
        c.batchIntervalMs = 60000;
        worker.startFile(m_path, c);
        if (!QTest::qWaitFor([&] { return finished.size() == 1; }, 10000))
            return {};
        std::vector<RowBatchPtr> out;
        for (const auto& args : spy)
            out.push_back(args.at(0).value<RowBatchPtr>());
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = testcapture::database();
        QVERIFY(m_db);
        m_path = m_dir.filePath(u"small.pcap"_qs);
        QFile f(m_path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(testcapture::pcap(testcapture::smallCapture()));
    }

    void connectionModelGolden()
    {
        ConnectionModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        const auto all = batches(2);
        QCOMPARE(all.size(), size_t(3));
        for (const auto& b : all)
            model.appendBatch(b);
        QCOMPARE(inserted.size(), 3);   // one insertion per batch
        QCOMPARE(model.rowCount(), 5);
        // Classic profile (maximum 10): exact matches score 10; the SYN+ACK loses the flags point.
        // The last three columns are the connection's (UA OS, verdict, suspicion): only the first
        // SYN was answered, so only its connection was followed (no User-Agent: unknown).
        const QStringList golden{
            u"0.000000 | 10.0.0.1:40000 | 198.51.100.7:443 | SYN | 64 (0 hops) | 64240 ws 7 | 1460 | M1460,S,T,N,W7, | Linux 6.1 | 10.00 | 1500 Ethernet | 0.95 |  | unknown | 0.00"_qs,
            u"0.250000 | 10.0.0.2:50000 | 198.51.100.7:443 | SYN | 120 (8 hops) | 64240 ws 8 | 1460 | M1460,N,W8,N,N,S, | Windows 10 | 10.00 | 1500 Ethernet | 0.95 |  |  | "_qs,
            u"1.500000 | [fd00::5]:51000 | [2001:db8::1]:443 | SYN | 60 (4 hops) | 65535 ws 6 | 1460 | M1460,N,W6,N,N,T,S,E,E, | macOS 14 | 10.00 | 1520 non-standard MTU | 0.95 |  |  | "_qs,
            u"1.600000 | 198.51.100.7:443 | 10.0.0.1:40000 | SYN+ACK | 64 (0 hops) | 64240 ws 7 | 1460 | M1460,S,T,N,W7, | Linux 6.1 | 9.00 | 1500 Ethernet | 0.95 |  |  | "_qs,
            u"3.200000 | 10.0.0.1:40001 | 198.51.100.7:80 | SYN | 64 (0 hops) | 64240 ws 7 | 1460 | M1460,S,T,N,W7, | Linux 6.1 | 10.00 | 1500 Ethernet | 0.95 |  |  | "_qs,
        };
        QCOMPARE(dump(model), golden);
        QCOMPARE(model.index(1, ConnectionModel::OsGuess).data(ConnectionModel::OsClassRole).toString(), u"Windows"_qs);
        QCOMPARE(model.index(3, 0).data(ConnectionModel::ScoreRole).toDouble(), 9.0);
        QCOMPARE(model.index(3, 0).data(ConnectionModel::MaxScoreRole).toDouble(), Profile::classic().maxScore());
        QCOMPARE(model.index(3, 0).data(ConnectionModel::KindRole).toInt(), int(PacketKind::SynAck));

        // Options are interned once per distinct notation, whatever the batch.
        QCOMPARE(model.store().optionsCount(), size_t(3));

        model.setRelativeTime(false);
        QVERIFY(model.index(0, ConnectionModel::Time).data().toString().startsWith(u"2023-11-1"_qs));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void storeIsCompactAndRedecodes()
    {
        static_assert(sizeof(ConnectionRow) <= 96);
        ConnectionModel model;
        for (const auto& b : batches())
            model.appendBatch(b);
        const ConnectionStore& store = model.store();
        QCOMPARE(store.size(), size_t(5));
        // IPv4 rows keep 20 + TCP header bytes, the IPv6 row 40 + 44.
        QCOMPARE(store.headerBytes(0).size(), size_t(60));
        QCOMPARE(store.headerBytes(2).size(), size_t(84));
        const size_t perRow = (sizeof(ConnectionRow) * 5 + 60 * 4 + 84) / 5;
        QVERIFY(perRow <= 200);

        // Re-decoding the stored bytes gives what decoding the original frame gave.
        const auto packets = testcapture::smallCapture();
        const int frameOfRow[] = {0, 1, 2, 3, 6};
        for (size_t i = 0; i < store.size(); ++i) {
            const QByteArray f = testcapture::frame(packets[size_t(frameOfRow[i])]);
            RawPacket pkt;
            pkt.ts_ns = packets[size_t(frameOfRow[i])].tsUs * 1000;
            pkt.caplen = pkt.wirelen = uint32_t(f.size());
            pkt.link_type = 1;
            pkt.data = reinterpret_cast<const uint8_t*>(f.constData());
            Decoder d;
            SynRecord direct, stored;
            QVERIFY(d.decode(pkt, direct));
            QVERIFY(store.record(i, &stored));
            QCOMPARE(stored.frame, uint64_t(frameOfRow[i] + 1));
            QCOMPARE(stored.ts_ns, direct.ts_ns);
            QCOMPARE(stored.kind, direct.kind);
            QCOMPARE(stored.link_type, 1);
            QVERIFY(stored.src == direct.src && stored.dst == direct.dst);
            QCOMPARE(stored.src_port, direct.src_port);
            QCOMPARE(stored.fp.tcpOptions(), direct.fp.tcpOptions());
            QCOMPARE(stored.fp.ip_ttl, direct.fp.ip_ttl);
            QCOMPARE(stored.fp.tcp_window_size, direct.fp.tcp_window_size);
            QCOMPARE(stored.fp.quirks, direct.fp.quirks);
            QCOMPARE(stored.fp.tcp_timestamp, direct.fp.tcp_timestamp);
        }
        QVERIFY(!store.record(5, nullptr));

        // An inconsistent batch (bytes beyond its buffer, unknown option id) is kept and counted,
        // never read out of bounds.
        auto bad = std::make_shared<RowBatch>(*batches().front());
        bad->rows.front().header_offset = bad->headers.size();
        bad->rows.front().options_id = 999;
        ConnectionModel badModel;
        badModel.appendBatch(bad);
        QCOMPARE(badModel.store().missingHeaderCount(), 1u);
        SynRecord rec;
        QVERIFY(!badModel.record(0, &rec));
        QCOMPARE(badModel.index(0, ConnectionModel::Options).data().toString(), QString());
        QVERIFY(badModel.record(1, &rec));
    }

    void evictionAtTheRowCap()
    {
        ConnectionModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ConnectionFilterModel proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.sort(ConnectionModel::Time, Qt::DescendingOrder);
        model.setRowCap(3);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        for (const auto& b : batches(2))
            model.appendBatch(b);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.store().evictedCount(), 2u);
        QCOMPARE(removed.size(), 2);
        // The newest three stay (frames 3, 4 and 7); relative time still counts from frame 1.
        QCOMPARE(column(model, ConnectionModel::Time),
                 (QStringList{u"1.500000"_qs, u"1.600000"_qs, u"3.200000"_qs}));
        QCOMPARE(column(proxy, ConnectionModel::Time),
                 (QStringList{u"3.200000"_qs, u"1.600000"_qs, u"1.500000"_qs}));
        SynRecord rec;
        QVERIFY(model.record(0, &rec));
        QCOMPARE(rec.frame, 3u);

        // A single batch larger than the cap keeps only its last rows.
        ConnectionModel small;
        small.setRowCap(2);
        for (const auto& b : batches())
            small.appendBatch(b);
        QCOMPARE(small.rowCount(), 2);
        QCOMPARE(column(small, ConnectionModel::Kind), (QStringList{u"SYN+ACK"_qs, u"SYN"_qs}));
    }

    void filterClauses_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<QStringList>("times");
        QTest::addColumn<bool>("valid");
        const QString t0 = u"0.000000"_qs, t1 = u"0.250000"_qs, t2 = u"1.500000"_qs,
                      t3 = u"1.600000"_qs, t4 = u"3.200000"_qs;
        QTest::newRow("empty") << QString() << QStringList{t0, t1, t2, t3, t4} << true;
        QTest::newRow("port 443") << u"port 443"_qs << QStringList{t0, t1, t2, t3} << true;
        QTest::newRow("port 80") << u"port 80"_qs << QStringList{t4} << true;
        QTest::newRow("os") << u"os WIN"_qs << QStringList{t1} << true;
        QTest::newRow("address v4") << u"10.0.0.1"_qs << QStringList{t0, t3, t4} << true;
        QTest::newRow("address v6") << u"2001:db8::1"_qs << QStringList{t2} << true;
        QTest::newRow("kind") << u"synack"_qs << QStringList{t3} << true;
        QTest::newRow("text") << u"macos"_qs << QStringList{t2} << true;
        QTest::newRow("text options") << u"W8"_qs << QStringList{t1} << true;
        QTest::newRow("and") << u"10.0.0.1 port 443 syn"_qs << QStringList{t0} << true;
        // Verdict keywords: every row here is a confident class verdict.
        QTest::newRow("unknown") << u"unknown"_qs << QStringList{} << true;
        QTest::newRow("scanner") << u"scanner"_qs << QStringList{} << true;
        QTest::newRow("ambiguous") << u"ambiguous"_qs << QStringList{} << true;
        QTest::newRow("bad port") << u"port http"_qs << QStringList{} << false;
        QTest::newRow("missing value") << u"os"_qs << QStringList{} << false;
    }

    void filterClauses()
    {
        QFETCH(QString, filter);
        QFETCH(QStringList, times);
        QFETCH(bool, valid);
        ConnectionModel model;
        ConnectionFilterModel proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setFilterText(filter);
        QCOMPARE(proxy.filterError().isEmpty(), valid);
        for (const auto& b : batches(2))
            model.appendBatch(b);
        QCOMPARE(column(proxy, ConnectionModel::Time), times);
    }

    void sorting_data()
    {
        QTest::addColumn<int>("column");
        QTest::addColumn<QStringList>("times");
        QTest::newRow("window") << int(ConnectionModel::Window)
                                << QStringList{u"0.000000"_qs, u"0.250000"_qs, u"1.600000"_qs, u"3.200000"_qs, u"1.500000"_qs};
        QTest::newRow("ttl/hops") << int(ConnectionModel::TtlHops)
                                  << QStringList{u"0.000000"_qs, u"1.600000"_qs, u"3.200000"_qs, u"1.500000"_qs, u"0.250000"_qs};
        // Every row here matches an entry no other class comes near (within two points), at 9 or
        // 10 of 10: the same calibrated confidence, so arrival order breaks the tie.
        QTest::newRow("confidence") << int(ConnectionModel::Confidence)
                                    << QStringList{u"0.000000"_qs, u"0.250000"_qs, u"1.500000"_qs, u"1.600000"_qs, u"3.200000"_qs};
        QTest::newRow("score") << int(ConnectionModel::Score)
                               << QStringList{u"1.600000"_qs, u"0.000000"_qs, u"0.250000"_qs, u"1.500000"_qs, u"3.200000"_qs};
        QTest::newRow("source") << int(ConnectionModel::Source)
                                << QStringList{u"0.000000"_qs, u"3.200000"_qs, u"0.250000"_qs, u"1.600000"_qs, u"1.500000"_qs};
        QTest::newRow("options") << int(ConnectionModel::Options)
                                 << QStringList{u"1.500000"_qs, u"0.250000"_qs, u"0.000000"_qs, u"1.600000"_qs, u"3.200000"_qs};
        QTest::newRow("os guess") << int(ConnectionModel::OsGuess)
                                  << QStringList{u"0.000000"_qs, u"1.600000"_qs, u"3.200000"_qs, u"0.250000"_qs, u"1.500000"_qs};
        QTest::newRow("link") << int(ConnectionModel::LinkMtu)
                              << QStringList{u"0.000000"_qs, u"0.250000"_qs, u"1.600000"_qs, u"3.200000"_qs, u"1.500000"_qs};
    }

    void sorting()
    {
        QFETCH(int, column);
        QFETCH(QStringList, times);
        ConnectionModel model;
        ConnectionFilterModel proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.sort(column, Qt::AscendingOrder);
        for (const auto& b : batches(2))
            model.appendBatch(b);
        QCOMPARE(::column(proxy, ConnectionModel::Time), times);

        // Descending: the reverse order, ties newest first.
        proxy.sort(column, Qt::DescendingOrder);
        QStringList reversed = times;
        std::reverse(reversed.begin(), reversed.end());
        QCOMPARE(::column(proxy, ConnectionModel::Time), reversed);

        // Batches merged into a sorted view while the row cap evicts the oldest rows: always the
        // order a full stable sort gives the same rows.
        ConnectionModel capped;
        capped.setRowCap(3);
        ConnectionFilterModel sorted;
        sorted.setSourceModel(&capped);
        QAbstractItemModelTester cappedTester(&sorted, QAbstractItemModelTester::FailureReportingMode::QtTest);
        sorted.sort(column, Qt::AscendingOrder);
        for (int round = 0; round < 3; ++round) {
            for (const auto& b : batches(2)) {
                capped.appendBatch(b);
                // A fresh stable sort of the rows now in the model (ties in arrival order): what
                // merging each batch into the sorted rows must give.
                std::vector<size_t> order(size_t(capped.rowCount()));
                std::iota(order.begin(), order.end(), size_t(0));
                std::stable_sort(order.begin(), order.end(),
                                 [&](size_t a, size_t b) { return capped.compare(a, b, column) < 0; });
                QStringList reference;
                for (size_t r : order)
                    reference << capped.index(int(r), ConnectionModel::Time).data().toString();
                QCOMPARE(sorted.rowCount(), capped.rowCount());
                QCOMPARE(::column(sorted, ConnectionModel::Time), reference);
            }
        }
    }

    void osGuessFollowsTheDatabase()
    {
        ConnectionModel model;
        ConnectionFilterModel proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.sort(ConnectionModel::OsGuess, Qt::AscendingOrder);
        for (const auto& b : batches(2))
            model.appendBatch(b);
        QCOMPARE(column(proxy, ConnectionModel::Time),
                 (QStringList{u"0.000000"_qs, u"1.600000"_qs, u"3.200000"_qs, u"0.250000"_qs, u"1.500000"_qs}));

        // The rows shown against a relabelled database (an edit): entries are found by their uid,
        // text and order follow the new labels at once, before any re-scoring.
        auto relabelled = std::make_shared<Database>(*m_db);
        const std::map<QString, QString> names{{u"Linux"_qs, u"c"_qs}, {u"Windows"_qs, u"b"_qs}, {u"macOS"_qs, u"a"_qs}};
        for (DbEntry& e : relabelled->entries)
            e.label.os_name = names.at(e.label.os_name);
        // In another order, the classes are numbered otherwise: labels must be carried by name.
        std::reverse(relabelled->entries.begin(), relabelled->entries.end());
        QVERIFY(VerdictLabels(*relabelled).idOf(u"Linux"_qs) != VerdictLabels(*m_db).idOf(u"Linux"_qs));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.switchDatabase(relabelled, model.store().profile());
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.index(0, ConnectionModel::OsGuess).data().toString(), u"c 6.1"_qs);
        QCOMPARE(column(proxy, ConnectionModel::Time),
                 (QStringList{u"1.500000"_qs, u"0.250000"_qs, u"0.000000"_qs, u"1.600000"_qs, u"3.200000"_qs}));
        QVERIFY(model.takeStale().empty());

        // A batch scored with the old database arrives late: appended, shown with the new labels,
        // and its frames wait for re-scoring.
        ConnectionModel late;
        late.appendBatch(batches(1).front());
        const size_t first = late.store().size();
        late.switchDatabase(relabelled, late.store().profile());
        auto again = std::make_shared<RowBatch>(*batches(1).front());
        for (ConnectionRow& r : again->rows)
            r.frame += 1000;
        late.appendBatch(again);
        const std::vector<uint32_t> stale = late.takeStale();
        QCOMPARE(stale.size(), again->rows.size());
        QCOMPARE(stale.front(), again->rows.front().frame);
        QCOMPARE(late.index(int(first), ConnectionModel::OsGuess).data(),
                 late.index(0, ConnectionModel::OsGuess).data());
        QVERIFY(late.takeStale().empty());
    }

    void hostModelGolden()
    {
        HostModel hosts;
        QAbstractItemModelTester tester(&hosts, QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (const auto& b : batches(2))
            hosts.addBatch(b);
        const QStringList actual = testmodels::hostRows(hosts);
        // 10.0.0.1 opened two connections with one fingerprint; the server's SYN+ACK is a host too.
        const QStringList golden{
            u"10.0.0.1 | 1700000000000000000 | 1700000003200000000 | 2 | 1 | Linux"_qs,
            u"10.0.0.2 | 1700000000250000000 | 1700000000250000000 | 1 | 1 | Windows"_qs,
            u"fd00::5 | 1700000001500000000 | 1700000001500000000 | 1 | 1 | macOS"_qs,
            u"198.51.100.7 | 1700000001600000000 | 1700000001600000000 | 1 | 1 | Linux"_qs,
        };
        QCOMPARE(actual, golden);

        // A second pass over the same capture updates the rows in place.
        QSignalSpy changed(&hosts, &QAbstractItemModel::dataChanged);
        for (const auto& b : batches())
            hosts.addBatch(b);
        QCOMPARE(hosts.rowCount(), 4);
        QVERIFY(!changed.isEmpty());
        QCOMPARE(hosts.index(0, HostModel::Connections).data().toInt(), 4);
        QCOMPARE(hosts.index(0, HostModel::Fingerprints).data().toInt(), 1);
    }

    // Thousands of hosts: the host index grows and rehashes many times inside and across
    // batches; every host must still be found again. Compared with a plain map of the same rows.
    void hostModelManyHosts()
    {
        struct Expected {
            int64_t first = 0, last = 0;
            int connections = 0;
            std::set<uint16_t> windows;
        };
        std::map<std::pair<uint8_t, IpAddress>, Expected> expected;
        std::vector<std::pair<uint8_t, IpAddress>> orderKeys;   // in order of first appearance
        QStringList order;
        HostModel hosts;
        QAbstractItemModelTester tester(&hosts, QAbstractItemModelTester::FailureReportingMode::QtTest);
        uint32_t state = 12345;
        auto next = [&state] { return state = state * 1103515245u + 12345u, state >> 8; };
        for (int b = 0; b < 3; ++b) {
            auto batch = std::make_shared<RowBatch>();
            for (int i = 0; i < 20000; ++i) {
                ConnectionRow r;
                const uint32_t n = next() % 15000;
                // The same four bytes as an IPv4 and an IPv6 address are two hosts.
                r.ip_version = (n % 5 == 0) ? 6 : 4;
                r.src[0] = 10;
                r.src[1] = uint8_t(n >> 16);
                r.src[2] = uint8_t(n >> 8);
                r.src[3] = uint8_t(n);
                r.ts_ns = int64_t(next());
                r.window = uint16_t(1000 + next() % 3);
                batch->rows.push_back(r);
                Expected& e = expected[{r.ip_version, r.src}];
                if (e.connections++ == 0) {
                    e.first = e.last = r.ts_ns;
                    orderKeys.emplace_back(r.ip_version, r.src);
                    order << QString::fromStdString(formatAddress(r.src, r.ip_version));
                }
                e.first = std::min(e.first, r.ts_ns);
                e.last = std::max(e.last, r.ts_ns);
                e.windows.insert(r.window);
            }
            hosts.addBatch(batch);
        }
        QCOMPARE(hosts.rowCount(), int(expected.size()));
        QCOMPARE(column(hosts, HostModel::Address), order);
        QStringList actual, golden;
        for (int r = 0; r < hosts.rowCount(); ++r) {
            actual << QStringList{hosts.index(r, HostModel::FirstSeen).data(HostModel::SortRole).toString(),
                                  hosts.index(r, HostModel::LastSeen).data(HostModel::SortRole).toString(),
                                  hosts.index(r, HostModel::Connections).data().toString(),
                                  hosts.index(r, HostModel::Fingerprints).data().toString()}
                          .join(u" | "_qs);
        }
        for (const auto& key : orderKeys) {
            const Expected& e = expected.at(key);
            golden << u"%1 | %2 | %3 | %4"_qs.arg(e.first).arg(e.last).arg(e.connections).arg(e.windows.size());
        }
        QCOMPARE(actual, golden);
    }

    // Beyond the cap the oldest hosts go, counted; those kept are still found and updated.
    void hostModelCapEvictsOldest()
    {
        HostModel hosts;
        QAbstractItemModelTester tester(&hosts, QAbstractItemModelTester::FailureReportingMode::QtTest);
        hosts.setHostCap(800);
        auto hostRow = [](uint32_t n) {
            ConnectionRow r;
            r.src[0] = 10;
            r.src[1] = uint8_t(n >> 16);
            r.src[2] = uint8_t(n >> 8);
            r.src[3] = uint8_t(n);
            r.ts_ns = int64_t(n);
            return r;
        };
        for (uint32_t b = 0; b < 10; ++b) {
            auto batch = std::make_shared<RowBatch>();
            for (uint32_t i = 0; i < 500; ++i)
                batch->rows.push_back(hostRow(b * 500 + i));
            hosts.addBatch(batch);
            QVERIFY(size_t(hosts.rowCount()) <= hosts.hostCap());
        }
        QCOMPARE(quint64(hosts.rowCount()) + hosts.evictedCount(), quint64(5000));
        // The newest host is the last row; seeing it again updates that row, adds none.
        const QString newest = QString::fromStdString(formatAddress(hostRow(4999).src, 4));
        QCOMPARE(hosts.index(hosts.rowCount() - 1, HostModel::Address).data().toString(), newest);
        auto again = std::make_shared<RowBatch>();
        again->rows.push_back(hostRow(4999));
        const int rows = hosts.rowCount();
        hosts.addBatch(again);
        QCOMPARE(hosts.rowCount(), rows);
        QCOMPARE(hosts.index(rows - 1, HostModel::Connections).data().toInt(), 2);
    }

    // One address with ever new fingerprints (a flood from one source): counted up to a bound.
    void hostModelBoundsFingerprintsPerHost()
    {
        HostModel hosts;
        auto batch = std::make_shared<RowBatch>();
        for (uint32_t i = 0; i < HostModel::kMaxFingerprints + 100; ++i) {
            ConnectionRow r;
            r.src[0] = 10;
            r.window = uint16_t(i);
            r.initial_ttl = uint8_t(i >> 16);
            batch->rows.push_back(r);
        }
        hosts.addBatch(batch);
        QCOMPARE(hosts.rowCount(), 1);
        QCOMPARE(hosts.index(0, HostModel::Fingerprints).data().toString(),
                 u"%1+"_qs.arg(HostModel::kMaxFingerprints));
        QCOMPARE(hosts.index(0, HostModel::Connections).data().toULongLong(),
                 qulonglong(HostModel::kMaxFingerprints + 100));
    }

    // A HostTable's deltas, attached to the batches as the capture worker does, give the model
    // the hosts the plain computation expects, and what the model computes itself from the same
    // rows (cells, evictions, signals): hosts updated across batches, several fingerprints per
    // host, a cap that evicts, and a second table's deltas (another run added without clear()),
    // which the model folds in itself.
    void hostModelFollowsDeltas()
    {
        HostModel fromDeltas, computedHere;
        QAbstractItemModelTester t1(&fromDeltas, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(&computedHere, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QStringList deltaLog, hereLog;
        testmodels::recordSignals(fromDeltas, &deltaLog);
        testmodels::recordSignals(computedHere, &hereLog);
        constexpr size_t kCap = 5000;
        fromDeltas.setHostCap(kCap);   // the window gives the model and the worker one cap
        computedHere.setHostCap(kCap);
        testmodels::ExpectedHosts expected(kCap);
        uint32_t state = 777;
        auto next = [&state] { return state = state * 1103515245u + 12345u, state >> 8; };
        for (int run = 0; run < 2; ++run) {
            HostTable worker;
            worker.setCap(kCap);
            for (int b = 0; b < 3; ++b) {
                auto batch = std::make_shared<RowBatch>();
                batch->options = {"M1460,S,T,N,W7,", "M1400,N,W8,N,N,S,"};
                for (int i = 0; i < 20000; ++i) {
                    ConnectionRow r;
                    const uint32_t n = next() % 6000;
                    r.ip_version = (n % 7 == 0) ? 6 : 4;
                    r.src[0] = 10;
                    r.src[2] = uint8_t(n >> 8);
                    r.src[3] = uint8_t(n);
                    r.ts_ns = int64_t(next());
                    r.window = uint16_t(1000 + next() % 3);
                    r.options_id = next() % 3;   // 2: unknown, no notation
                    r.os_class = uint16_t(next() % 3);
                    batch->rows.push_back(r);
                }
                const RowBatchPtr plain = std::make_shared<RowBatch>(*batch);
                auto delta = std::make_shared<HostDelta>();
                worker.add(*batch, delta.get());
                batch->hosts = delta;
                fromDeltas.addBatch(batch);
                computedHere.addBatch(plain);
                expected.add(*plain);
                QCOMPARE(testmodels::hostRows(fromDeltas), expected.rows());
                QCOMPARE(fromDeltas.evictedCount(), expected.evicted());
                QCOMPARE(testmodels::hostRows(computedHere), expected.rows());
            }
        }
        QVERIFY(computedHere.evictedCount() > 0);
        QCOMPARE(deltaLog, hereLog);
        QVERIFY(deltaLog.size() > 6);
    }

    // The option notations a capped store keeps follow its rows, not everything ever seen.
    void storeOptionTableIsBounded()
    {
        ConnectionStore store(100);
        const auto db = std::make_shared<const Database>(Database::builtin());
        for (int b = 0; b < 50; ++b) {
            auto batch = std::make_shared<RowBatch>();
            batch->database = db;
            for (int i = 0; i < 100; ++i) {
                ConnectionRow r;
                r.options_id = uint32_t(i);
                batch->rows.push_back(r);
                batch->options.push_back("M" + std::to_string(b * 100 + i) + ",S,");
            }
            store.append(*batch);
            QVERIFY2(store.optionsCount() <= 2 * store.size() + 1024, qPrintable(QString::number(store.optionsCount())));
        }
        // Every kept row still shows its own notation.
        for (size_t i = 0; i < store.size(); ++i)
            QCOMPARE(store.optionsText(store.row(i).options_id), u"M%1,S,"_qs.arg(4900 + i));
    }

    void aggregates()
    {
        OsTimelineModel timeline;
        ScoreHistogramModel histogram(10);
        QAbstractItemModelTester t1(&timeline, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(&histogram, QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (const auto& b : batches(2)) {
            timeline.addBatch(b);
            histogram.addBatch(b);
        }
        // Nothing is published before the throttle timer (or flush()).
        QCOMPARE(timeline.rowCount(), 0);
        QCOMPARE(histogram.total(), 0u);
        timeline.flush();
        histogram.flush();
        QCOMPARE(timeline.headerData(1, Qt::Horizontal).toString(), u"Linux"_qs);
        // A database gives every row a verdict: "unknown" is one of its labels, "Unmatched" the
        // column of rows without one.
        QCOMPARE(timeline.headerData(4, Qt::Horizontal).toString(), u"unknown"_qs);
        QCOMPARE(timeline.headerData(5, Qt::Horizontal).toString(), u"Unmatched"_qs);
        QCOMPARE(dump(timeline), (QStringList{u"0 | 1 | 1 | 0 | 0 | 0"_qs, u"1 | 1 | 0 | 1 | 0 | 0"_qs,
                                              u"2 | 0 | 0 | 0 | 0 | 0"_qs, u"3 | 1 | 0 | 0 | 0 | 0"_qs}));
        // Four exact matches score 10, the SYN+ACK 9: all in the top tenth.
        QStringList hist = dump(histogram);
        QCOMPARE(hist.size(), 10);
        QCOMPARE(hist.first(), u"0.00–1.00 | 0"_qs);
        QCOMPARE(hist.last(), u"9.00–10.00 | 5"_qs);
        QCOMPARE(histogram.total(), 5u);
        QCOMPARE(histogram.unmatched(), 0u);

        // Over the bucket limit, buckets merge pairwise.
        OsTimelineModel merged;
        merged.setMaxBuckets(2);
        for (const auto& b : batches())
            merged.addBatch(b);
        merged.flush();
        QCOMPARE(merged.bucketSeconds(), 2.0);
        QCOMPARE(dump(merged), (QStringList{u"0 | 2 | 1 | 1 | 0 | 0"_qs, u"2 | 1 | 0 | 0 | 0 | 0"_qs}));

        // Far-apart and out-of-order times widen the buckets instead of multiplying them.
        auto skewed = std::make_shared<RowBatch>(*batches().front());
        skewed->rows.back().ts_ns = 0;   // a 1970 packet after 2023 ones
        OsTimelineModel wide;
        QAbstractItemModelTester t3(&wide, QAbstractItemModelTester::FailureReportingMode::QtTest);
        wide.setMaxBuckets(100);
        wide.addBatch(skewed);
        wide.flush();
        QVERIFY(wide.rowCount() <= 100);
        QVERIFY(wide.bucketSeconds() >= 1.7e9 / 100);
        quint64 counted = 0;
        for (int r = 0; r < wide.rowCount(); ++r)
            for (int c = 1; c < wide.columnCount(); ++c)
                counted += wide.index(r, c).data().toULongLong();
        QCOMPARE(counted, quint64(skewed->rows.size()));

        // Rows scored with another database or profile replace everything before, pending included.
        OsTimelineModel replaced;
        ScoreHistogramModel replacedHistogram(10);
        QAbstractItemModelTester t4(&replaced, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t5(&replacedHistogram, QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (const auto& b : batches()) {
            replaced.addBatch(b);
            replacedHistogram.addBatch(b);
        }
        auto rescored = std::make_shared<RowBatch>(*batches(2).front());
        rescored->database = std::make_shared<Database>(*m_db);
        rescored->profile = &Profile::synscope();
        replaced.addBatch(rescored);
        replacedHistogram.addBatch(rescored);
        replaced.flush();
        replacedHistogram.flush();
        counted = 0;
        for (int r = 0; r < replaced.rowCount(); ++r)
            for (int c = 1; c < replaced.columnCount(); ++c)
                counted += replaced.index(r, c).data().toULongLong();
        QCOMPARE(counted, quint64(rescored->rows.size()));
        QCOMPARE(replacedHistogram.total() + replacedHistogram.unmatched(), quint64(rescored->rows.size()));
        QCOMPARE(replacedHistogram.maxScore(), Profile::synscope().maxScore());

        // The timer publishes on its own.
        OsTimelineModel timed;
        timed.setUpdateInterval(10);
        for (const auto& b : batches())
            timed.addBatch(b);
        QTRY_COMPARE_WITH_TIMEOUT(timed.rowCount(), 4, 5000);
    }
};

QTEST_MAIN(TestModels)
#include "test_models.moc"
