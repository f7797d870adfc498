// SPDX-License-Identifier: GPL-3.0-or-later
// CaptureWorker fed from a pcap file and from a pipe carrying a pcap stream (as the capture helper
// writes it): rows, batching, statistics, errors, and dropping stale batches on restart.
#include "ui/capture/capture_worker.h"
#include "core/match/profile.h"
#include "core/match/verdict.h"
#include "test_models_capture.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

std::vector<RowBatchPtr> batchesOf(const QSignalSpy& spy)
{
    std::vector<RowBatchPtr> out;
    for (const QList<QVariant>& args : spy)
        out.push_back(args.at(0).value<RowBatchPtr>());
    return out;
}

std::vector<uint32_t> framesOf(const std::vector<RowBatchPtr>& batches)
{
    std::vector<uint32_t> frames;
    for (const RowBatchPtr& b : batches)
        for (const ConnectionRow& r : b->rows)
            frames.push_back(r.frame);
    return frames;
}

} // namespace

class TestWorker : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::shared_ptr<const Database> m_db;

    QString writeFile(const QString& name, const QByteArray& bytes)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
            return {};
        return path;
    }
    CaptureConfig config() const
    {
        CaptureConfig c;
        c.database = m_db;
        c.profile = &Profile::classic();
        return c;
    }
    void checkSmallCaptureResult(CaptureWorker& worker, QSignalSpy& batches, QSignalSpy& stats,
                                 QSignalSpy& finished)
    {
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).toULongLong(), worker.generation());
        QCOMPARE(finished.at(0).at(1).toString(), QString());
        const std::vector<uint32_t> expected{1, 2, 3, 4, 7};
        QCOMPARE(framesOf(batchesOf(batches)), expected);
        for (const RowBatchPtr& b : batchesOf(batches)) {
            QCOMPARE(b->generation, worker.generation());
            QCOMPARE(b->database, m_db);
            for (const ConnectionRow& r : b->rows) {
                QVERIFY(r.header_length > 0);
                QVERIFY(r.header_offset + r.header_length <= b->headers.size());
            }
        }
        QVERIFY(!stats.isEmpty());
        const auto last = stats.last().at(0).value<CaptureStats>();
        QVERIFY(last.finished);
        QCOMPARE(last.packets, 7u);
        QCOMPARE(last.syn, 4u);
        QCOMPARE(last.synAck, 1u);
        QCOMPARE(last.otherTcp, 1u);
        QCOMPARE(last.decodeDroppedTotal, 1u);
        QCOMPARE(last.decodeDropped[size_t(DropReason::TruncatedTcp)], 1u);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = testcapture::database();
        QVERIFY(m_db);
        QCOMPARE(m_db->entries.size(), size_t(3));
    }

    void fromFile()
    {
        const QString path = writeFile(u"small.pcap"_qs, testcapture::pcap(testcapture::smallCapture()));
        QVERIFY(!path.isEmpty());
        CaptureWorker worker;
        QSignalSpy batches(&worker, &CaptureWorker::batchReady);
        QSignalSpy stats(&worker, &CaptureWorker::statsChanged);
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        worker.startFile(path, config());
        checkSmallCaptureResult(worker, batches, stats, finished);

        // The first row is the Linux SYN: scored as an exact match of the Linux entry.
        const RowBatchPtr first = batchesOf(batches).front();
        const ConnectionRow& r = first->rows.front();
        QCOMPARE(r.entry_uid, 1);   // the first entry's uid: its 1-based position
        QCOMPARE(double(r.best_score), Profile::classic().maxScore());
        QCOMPARE(r.ttl, 64);
        QCOMPARE(r.initial_ttl, 64);
        QCOMPARE(first->options.at(r.options_id), std::string("M1460,S,T,N,W7,"));
    }

    void fromPipe()
    {
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        const std::vector<testcapture::Packet> packets = testcapture::smallCapture();
        // Written the way the helper does: header first, then packet by packet with pauses.
        std::thread writer([fd = fds[1], &packets] {
            auto writeAll = [fd](const QByteArray& b) {
                qsizetype done = 0;
                while (done < b.size()) {
                    const ssize_t n = ::write(fd, b.constData() + done, size_t(b.size() - done));
                    if (n <= 0)
                        return;
                    done += n;
                }
            };
            writeAll(testcapture::pcapHeader());
            for (const auto& p : packets) {
                writeAll(testcapture::pcapRecord(p));
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            ::close(fd);
        });
        CaptureWorker worker;
        QSignalSpy batches(&worker, &CaptureWorker::batchReady);
        QSignalSpy stats(&worker, &CaptureWorker::statsChanged);
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        CaptureConfig c = config();
        c.batchIntervalMs = 10;
        worker.startFd(fds[0], c);
        checkSmallCaptureResult(worker, batches, stats, finished);
        writer.join();
        // Paced input with a short interval arrives in more than one batch.
        QVERIFY2(batches.size() > 1, qPrintable(QString::number(batches.size())));
    }

    // An edit of the database reaches a running capture: the rows read before it are scored with
    // the old snapshot and leave in batches carrying it; the next packet is scored with the new one.
    void newSnapshotTakesEffectForTheNextPacket()
    {
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        const std::vector<testcapture::Packet> packets = testcapture::smallCapture();
        QVERIFY(packets.size() >= 4);
        const size_t half = packets.size() / 2;
        auto writeAll = [fd = fds[1]](const QByteArray& b) {
            return ::write(fd, b.constData(), size_t(b.size())) == ssize_t(b.size());
        };
        QVERIFY(writeAll(testcapture::pcapHeader()));
        for (size_t k = 0; k < half; ++k)
            QVERIFY(writeAll(testcapture::pcapRecord(packets[k])));

        CaptureWorker worker;
        QSignalSpy batches(&worker, &CaptureWorker::batchReady);
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        CaptureConfig c = config();
        c.batchIntervalMs = 10;
        worker.startFd(fds[0], c);
        QTRY_COMPARE_WITH_TIMEOUT(framesOf(batchesOf(batches)).size(), half, 5000);

        size_t classifiedBefore = 0;
        for (const RowBatchPtr& b : batchesOf(batches))
            classifiedBefore += size_t(std::count_if(b->rows.begin(), b->rows.end(),
                                                     [](const ConnectionRow& r) { return r.entry_uid >= 0; }));
        auto renamed = std::make_shared<Database>(*m_db);
        for (DbEntry& e : renamed->entries)
            e.label.os_class = u"Renamed "_s + e.label.os_class;
        worker.setDatabase(renamed, &Profile::classic());
        for (size_t k = half; k < packets.size(); ++k)
            QVERIFY(writeAll(testcapture::pcapRecord(packets[k])));
        ::close(fds[1]);
        QVERIFY(finished.wait(5000));

        size_t before = 0, after = 0;
        for (const RowBatchPtr& b : batchesOf(batches)) {
            const VerdictLabels labels(*b->database);
            for (const ConnectionRow& r : b->rows) {
                if (r.entry_uid < 0)
                    continue;
                const bool isRenamed = labels.name(r.os_class).startsWith(u"Renamed "_s);
                QCOMPARE(isRenamed, b->database == renamed);
                ++(isRenamed ? after : before);
            }
        }
        QVERIFY2(before > 0 && after > 0, qPrintable(u"%1 before, %2 after"_s.arg(before).arg(after)));
        QCOMPARE(before, classifiedBefore);   // not one packet after the switch had the old one
    }

    void batchesByRowCount()
    {
        const QString path = writeFile(u"small2.pcap"_qs, testcapture::pcap(testcapture::smallCapture()));
        CaptureWorker worker;
        QSignalSpy batches(&worker, &CaptureWorker::batchReady);
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        CaptureConfig c = config();
        c.batchRows = 2;
        c.batchIntervalMs = 60000;
        worker.startFile(path, c);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        const auto all = batchesOf(batches);
        QCOMPARE(all.size(), size_t(3));   // 2 + 2 + 1 rows
        QCOMPARE(all[0]->rows.size(), size_t(2));
        QCOMPARE(all[2]->rows.size(), size_t(1));
    }

    // Every batch carries what it changed in the run's host table, numbered on from the previous
    // batch, and the host cap set on the worker evicts there; without aggregateHosts, nothing.
    void batchesCarryHostDeltas()
    {
        const QString path = writeFile(u"small4.pcap"_qs, testcapture::pcap(testcapture::smallCapture()));
        for (const bool aggregate : {true, false}) {
            CaptureWorker worker;
            worker.setHostCap(2);
            QSignalSpy batches(&worker, &CaptureWorker::batchReady);
            QSignalSpy finished(&worker, &CaptureWorker::finished);
            CaptureConfig c = config();
            c.batchRows = 2;
            c.batchIntervalMs = 60000;
            c.aggregateHosts = aggregate;
            worker.startFile(path, c);
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
            uint64_t numbered = 0, evicted = 0;
            for (const RowBatchPtr& b : batchesOf(batches)) {
                QCOMPARE(bool(b->hosts), aggregate);
                if (!aggregate)
                    continue;
                QCOMPARE(b->hosts->before, numbered);
                numbered += b->hosts->added.size();
                evicted += b->hosts->evicted;
            }
            // Batches [10.0.0.1, 10.0.0.2], [fd00::5, 198.51.100.7], [10.0.0.1] with at most two
            // hosts kept: the second evicts the first two, so the last one's source is new again.
            QCOMPARE(numbered, quint64(aggregate ? 5 : 0));
            QCOMPARE(evicted, quint64(aggregate ? 3 : 0));
        }
    }

    void missingFileIsAClearError()
    {
        CaptureWorker worker;
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        const QString path = m_dir.filePath(u"does-not-exist.pcap"_qs);
        worker.startFile(path, config());
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        const QString error = finished.at(0).at(1).toString();
        QVERIFY2(error.contains(u"does-not-exist.pcap"_qs), qPrintable(error));
    }

    void restartDropsStaleBatches()
    {
        // A long capture, throttled to one batch in flight, restarted on a small one: nothing of
        // the first run may reach the GUI after the restart.
        std::vector<testcapture::Packet> many;
        for (int i = 0; i < 200000; ++i) {
            testcapture::Packet p;
            p.srcPort = uint16_t(1024 + i % 60000);
            p.tsUs = testcapture::kT0 + i;
            many.push_back(p);
        }
        const QString big = writeFile(u"big.pcap"_qs, testcapture::pcap(many));
        const QString small = writeFile(u"small3.pcap"_qs, testcapture::pcap(testcapture::smallCapture()));
        CaptureWorker worker;
        QSignalSpy batches(&worker, &CaptureWorker::batchReady);
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        CaptureConfig c = config();
        c.batchRows = 1000;
        c.maxBatchesInFlight = 1;
        worker.startFile(big, c);
        QTRY_VERIFY_WITH_TIMEOUT(!batches.isEmpty(), 10000);
        const quint64 firstGeneration = worker.generation();
        worker.startFile(small, config());
        QVERIFY(worker.generation() > firstGeneration);
        batches.clear();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).toULongLong(), worker.generation());
        const std::vector<uint32_t> expected{1, 2, 3, 4, 7};
        QCOMPARE(framesOf(batchesOf(batches)), expected);
    }

    void stopWhileTheStreamIsQuiet()
    {
        // The helper is alive but silent: stop() must not wait for data that never comes.
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        const QByteArray header = testcapture::pcapHeader();
        QCOMPARE(::write(fds[1], header.constData(), size_t(header.size())), ssize_t(header.size()));
        CaptureWorker worker;
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        worker.startFd(fds[0], config());
        QTest::qWait(100);
        QVERIFY(worker.isRunning());
        QElapsedTimer t;
        t.start();
        worker.stop();
        QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
        QVERIFY(!worker.isRunning());
        QTest::qWait(50);
        QCOMPARE(finished.size(), 0);   // a stopped run's end is stale: not reported
        ::close(fds[1]);
    }

    // `synscope <(ssh host tcpdump -w -)`: a FIFO (or pipe) that nobody writes to, or whose
    // writer sent the header and went quiet. stop() and finish() end the run within a second.
    void stopWhileAFifoHasNoWriter_data()
    {
        QTest::addColumn<bool>("header");
        QTest::addColumn<bool>("useFinish");
        QTest::newRow("no writer, stop") << false << false;
        QTest::newRow("no writer, finish") << false << true;
        QTest::newRow("quiet writer, stop") << true << false;
        QTest::newRow("quiet writer, finish") << true << true;
    }

    void stopWhileAFifoHasNoWriter()
    {
        QFETCH(bool, header);
        QFETCH(bool, useFinish);
        const QString fifo = m_dir.filePath(u"fifo-%1-%2"_qs.arg(header).arg(useFinish));
        QCOMPARE(::mkfifo(fifo.toLocal8Bit().constData(), 0600), 0);
        CaptureWorker worker;
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        worker.startFile(fifo, config());
        int writer = -1;
        if (header) {
            writer = ::open(fifo.toLocal8Bit().constData(), O_WRONLY);   // the reader is waiting
            QVERIFY(writer >= 0);
            const QByteArray h = testcapture::pcapHeader();
            QCOMPARE(::write(writer, h.constData(), size_t(h.size())), ssize_t(h.size()));
        }
        QTest::qWait(200);
        QVERIFY(worker.isRunning());
        QElapsedTimer t;
        t.start();
        if (useFinish) {
            worker.finish();
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 1000);
            // Ended by the user: not an error, whether or not the source had opened.
            QCOMPARE(finished.at(0).at(1).toString(), QString());
        } else {
            worker.stop();
        }
        QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
        QVERIFY(!worker.isRunning());
        if (writer >= 0)
            ::close(writer);
    }

    void finishDeliversTheTail()
    {
        // Two packets on a pipe that stays open: finish() ends the run with both rows delivered.
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        const auto packets = testcapture::smallCapture();
        const QByteArray bytes = testcapture::pcapHeader() + testcapture::pcapRecord(packets[0])
            + testcapture::pcapRecord(packets[1]);
        QCOMPARE(::write(fds[1], bytes.constData(), size_t(bytes.size())), ssize_t(bytes.size()));
        CaptureWorker worker;
        QSignalSpy batches(&worker, &CaptureWorker::batchReady);
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        CaptureConfig c = config();
        c.batchIntervalMs = 60000;   // only the end of the run flushes
        c.batchRows = 1000;
        worker.startFd(fds[0], c);
        QTest::qWait(100);
        worker.finish();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
        QCOMPARE(framesOf(batchesOf(batches)), (std::vector<uint32_t>{1, 2}));
        ::close(fds[1]);
    }

    void liveAccessLogIsFollowed()
    {
        // A live stream and a log the server writes while the capture runs: the connection's
        // line is appended after its packets, and the flow, closed and past its grace period,
        // is reported with the User-Agent from that line while the stream is still open. The
        // packets carry 2023's times: a quiet moment on the stream must not end the flow as if
        // the wall clock's years had passed in capture time.
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        auto writeAll = [fd = fds[1]](const QByteArray& b) {
            return ::write(fd, b.constData(), size_t(b.size())) == ssize_t(b.size());
        };
        const QString log = writeFile(u"live-access.log"_s, {});
        QVERIFY(!log.isEmpty());
        using testcapture::Packet;
        const int64_t t0 = testcapture::kT0;
        Packet syn;
        syn.tsUs = t0;
        Packet synAck = syn;
        std::swap(synAck.src, synAck.dst);
        std::swap(synAck.srcPort, synAck.dstPort);
        synAck.flags = 0x012;
        synAck.tsUs = t0 + 1000;
        Packet fin = syn;
        fin.flags = 0x011;
        fin.tsUs = t0 + 50000;
        QVERIFY(writeAll(testcapture::pcapHeader() + testcapture::pcapRecord(syn)
                         + testcapture::pcapRecord(synAck)));

        CaptureWorker worker;
        QSignalSpy batches(&worker, &CaptureWorker::batchReady);
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        CaptureConfig c = config();
        c.batchIntervalMs = 10;
        c.accessLogPath = log;
        c.accessLogFormat = u"synscope"_s;
        worker.startFd(fds[0], c);
        QTRY_COMPARE_WITH_TIMEOUT(framesOf(batchesOf(batches)).size(), size_t(2), 5000);   // SYN, SYN+ACK

        const QString ua = u"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/128.0"_s;
        QFile f(log);
        QVERIFY(f.open(QIODevice::Append));
        f.write(u"10.0.0.1 - - [14/Nov/2023:22:13:20 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"%1\" 40000 "
                "1700000000.020 \"-\" \"-\"\n"_s.arg(ua).toUtf8());
        f.close();
        // The worker looks at the log every 200 ms (at a packet or a quiet link's timeout); the
        // connection is still open meanwhile, so nothing can end before the line is read.
        QTest::qWait(600);
        QVERIFY(writeAll(testcapture::pcapRecord(fin)));
        Packet later = syn;
        later.srcPort = 40001;
        later.tsUs = t0 + 400000;
        QVERIFY(writeAll(testcapture::pcapRecord(later)));
        later.srcPort = 40002;
        later.tsUs = t0 + 3000000;   // the sweep after the close's grace period
        QVERIFY(writeAll(testcapture::pcapRecord(later)));

        const auto reported = [&] {
            for (const RowBatchPtr& b : batchesOf(batches))
                for (const auto& [frame, info] : b->connections)
                    if (frame == 1)
                        return info.flow;
            return std::shared_ptr<const Flow>();
        };
        QTRY_VERIFY_WITH_TIMEOUT(reported() != nullptr, 5000);
        QCOMPARE(finished.size(), 0);   // still capturing
        QCOMPARE(int(reported()->ua_source), int(UaSource::AccessLog));
        QCOMPARE(QString::fromStdString(reported()->user_agent), ua);
        ::close(fds[1]);
        QVERIFY(finished.wait(5000));
    }

    void destructorStopsARunningCapture()
    {
        std::vector<testcapture::Packet> many(50000);
        const QString big = writeFile(u"big2.pcap"_qs, testcapture::pcap(many));
        auto worker = std::make_unique<CaptureWorker>();
        CaptureConfig c = config();
        c.maxBatchesInFlight = 1;   // the loop blocks on back-pressure: stop must still end it
        c.batchRows = 100;
        worker->startFile(big, c);
        QTRY_VERIFY_WITH_TIMEOUT(worker->isRunning(), 5000);
        QElapsedTimer t;
        t.start();
        worker.reset();
        QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    }
};

QTEST_GUILESS_MAIN(TestWorker)
#include "test_worker.moc"
