// SPDX-License-Identifier: GPL-3.0-or-later
// Every capture of the shared corpus through CaptureWorker into ConnectionModel: the rows must be
// exactly the records core's Decoder yields for that file, and re-decoding each row's stored
// header bytes (ConnectionStore::record) must give back the same fingerprint, whatever link
// layer, VLAN, tunnel or IPv6 extension header the frame came through. And every view (table,
// hosts, overview) names the same OS for a connection as the CLI's JSON does, and the hosts
// the worker aggregates are those the hosts view computes from the rows.
#include "ui/capture/capture_worker.h"
#include "core/decode/decoder.h"
#include "core/match/profile.h"
#include "ui/models/aggregate_models.h"
#include "ui/models/connection_model.h"
#include "ui/models/host_model.h"
#include "hosts_reference.h"

#include <QDirIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <map>

using namespace synscope;

class TestWorkerCorpus : public QObject {
    Q_OBJECT
    static QString sharedRoot() { return QStringLiteral(SYNSCOPE_SHARED_DIR "/data/pcaps"); }

    // Every capture of the shared corpus with a ground truth; empty without ../shared.
    static QStringList sharedCorpus()
    {
        QStringList files;
        QDirIterator it(sharedRoot(), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            if (QFile::exists(f + u".syn.tsv"_qs))
                files << f;
        }
        files.sort();
        return files;
    }

private Q_SLOTS:
    void corpus_data()
    {
        QTest::addColumn<QString>("path");
        if (!QFileInfo(sharedRoot()).isDir())
            QSKIP(qPrintable(u"shared corpus not found at %1"_qs.arg(sharedRoot())));
        for (const QString& f : sharedCorpus())
            QTest::newRow(qPrintable(QDir(sharedRoot()).relativeFilePath(f))) << f;
    }

    void viewsAgree_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("bundled sample") << QStringLiteral(SYNSCOPE_SOURCE_DIR "/resources/samples/synscope-sample.pcapng");
        for (const QString& f : sharedCorpus())
            QTest::newRow(qPrintable(QDir(sharedRoot()).relativeFilePath(f))) << f;
    }

    // One verdict per connection (core/match/verdict.h): the CLI's "os_guess", the table's class,
    // the host row of its source (its latest connection) and the overview's per-class counts.
    void viewsAgree()
    {
        QFETCH(QString, path);
        QProcess cli;
        cli.start(QStringLiteral(SYNSCOPE_BINARY_DIR "/app/cli/synscope-cli"), {u"-r"_qs, path, u"--json"_qs});
        QVERIFY(cli.waitForFinished(60000));
        std::map<quint64, QString> cliOs;   // frame -> os_guess
        for (const QByteArray& line : cli.readAllStandardOutput().split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            QVERIFY2(!o.isEmpty(), line.constData());
            if (o.value(u"type"_qs) == u"summary"_qs)
                continue;
            cliOs[quint64(o.value(u"frame"_qs).toDouble())] = o.value(u"os_guess"_qs).toString();
        }

        ConnectionModel model;
        HostModel hosts;
        OsTimelineModel timeline;
        CaptureWorker worker;
        connect(&worker, &CaptureWorker::batchReady, &model, &ConnectionModel::appendBatch);
        connect(&worker, &CaptureWorker::batchReady, &hosts, &HostModel::addBatch);
        connect(&worker, &CaptureWorker::batchReady, &timeline, &OsTimelineModel::addBatch);
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        worker.startFile(path);
        QVERIFY(finished.wait(30000));
        timeline.flush();

        const ConnectionStore& store = model.store();
        QCOMPARE(store.size(), cliOs.size());
        std::map<QString, QString> latestBySource;
        std::map<QString, quint64> perClass;
        for (size_t i = 0; i < store.size(); ++i) {
            const QString os = model.index(int(i), 0).data(ConnectionModel::OsClassRole).toString();
            const auto it = cliOs.find(store.row(i).frame);
            QVERIFY2(it != cliOs.end(), qPrintable(u"frame %1 missing from the CLI"_qs.arg(store.row(i).frame)));
            QCOMPARE(os, it->second);
            latestBySource[model.index(int(i), 0).data(ConnectionModel::SourceAddressRole).toString()] = os;
            ++perClass[os];
        }
        QCOMPARE(size_t(hosts.rowCount()), latestBySource.size());
        for (int h = 0; h < hosts.rowCount(); ++h) {
            const QString address = hosts.index(h, HostModel::Address).data().toString();
            QCOMPARE(hosts.index(h, HostModel::OsGuess).data().toString(), latestBySource[address]);
        }
        for (int c = 1; c < timeline.columnCount(); ++c) {
            quint64 n = 0;
            for (int r = 0; r < timeline.rowCount(); ++r)
                n += timeline.index(r, c).data(OsTimelineModel::SortRole).toULongLong();
            const bool unmatched = c == timeline.columnCount() - 1;
            const QString cls = unmatched ? QString() : timeline.headerData(c, Qt::Horizontal).toString();
            QCOMPARE(n, perClass[cls]);
        }
    }

    void hostsFromTheWorker_data() { viewsAgree_data(); }

    // The hosts view fed with the worker's host deltas shows the hosts the plain computation of
    // tests/ui/hosts_reference.h expects, and what it computes itself from the same rows (cells,
    // evictions, signals), as before the worker aggregated: batches of three rows (hosts updated
    // across batches), with and without a cap of three hosts, one cap for worker and model.
    void hostsFromTheWorker()
    {
        QFETCH(QString, path);
        for (const size_t cap : {HostTable::kDefaultCap, size_t(3)}) {
            CaptureWorker worker;
            worker.setHostCap(cap);
            QSignalSpy batches(&worker, &CaptureWorker::batchReady);
            QSignalSpy finished(&worker, &CaptureWorker::finished);
            CaptureConfig config;
            config.batchRows = 3;
            config.batchIntervalMs = 60000;
            worker.startFile(path, config);
            QVERIFY(finished.wait(30000));

            HostModel fromWorker, computedHere;
            fromWorker.setHostCap(cap);
            computedHere.setHostCap(cap);
            QStringList workerLog, hereLog;
            testmodels::recordSignals(fromWorker, &workerLog);
            testmodels::recordSignals(computedHere, &hereLog);
            HostTable mirror;   // what the deltas alone make
            testmodels::ExpectedHosts expected(cap);
            for (const QList<QVariant>& args : batches) {
                const auto batch = args.at(0).value<RowBatchPtr>();
                QVERIFY(batch->hosts);
                QVERIFY(mirror.follows(*batch->hosts));
                mirror.applyUpdates(*batch->hosts);
                mirror.applyAdditions(*batch->hosts);
                mirror.removeOldest(batch->hosts->evicted);
                auto plain = std::make_shared<RowBatch>(*batch);
                plain->hosts.reset();
                fromWorker.addBatch(batch);
                computedHere.addBatch(plain);
                expected.add(*batch);
            }
            QCOMPARE(testmodels::hostRows(fromWorker), expected.rows());
            QCOMPARE(fromWorker.evictedCount(), expected.evicted());
            QCOMPARE(testmodels::hostRows(computedHere), expected.rows());
            QCOMPARE(workerLog, hereLog);
            QCOMPARE(mirror.size(), size_t(fromWorker.rowCount()));
            QCOMPARE(mirror.evicted(), fromWorker.evictedCount());
            if (cap == 3)
                QCOMPARE(fromWorker.evictedCount() > 0, mirror.numbered() > 3);
        }
    }

    void corpus()
    {
        QFETCH(QString, path);
        // What the decoder alone makes of the file.
        std::string error;
        auto source = PacketSource::openFile(path.toStdString(), &error);
        if (!source) {
            // The corpus holds deliberately invalid files: the worker reports the same sentence.
            CaptureWorker worker;
            QSignalSpy finished(&worker, &CaptureWorker::finished);
            worker.startFile(path);
            QVERIFY(finished.wait(30000));
            QCOMPARE(finished.at(0).at(1).toString(), QString::fromStdString(error));
            return;
        }
        Decoder decoder;
        std::vector<SynRecord> expected;
        RawPacket pkt;
        SynRecord rec;
        PacketSource::Status st;
        while ((st = source->next(pkt)) == PacketSource::Status::Packet) {
            if (decoder.decode(pkt, rec))
                expected.push_back(rec);
        }
        const bool readError = st == PacketSource::Status::Error;

        ConnectionModel model;
        CaptureWorker worker;
        connect(&worker, &CaptureWorker::batchReady, &model, &ConnectionModel::appendBatch);
        QSignalSpy finished(&worker, &CaptureWorker::finished);
        QSignalSpy stats(&worker, &CaptureWorker::statsChanged);
        CaptureConfig config;
        config.profile = &Profile::synscope();
        worker.startFile(path, config);
        QVERIFY(finished.wait(30000));
        // A file the reader gives up on part way reports it; the rows read before still count.
        QCOMPARE(!finished.at(0).at(1).toString().isEmpty(), readError);
        const auto last = stats.last().at(0).value<CaptureStats>();
        QCOMPARE(last.syn + last.synAck, quint64(expected.size()));
        QCOMPARE(last.decodeDroppedTotal, decoder.stats().droppedTotal());

        const ConnectionStore& store = model.store();
        QCOMPARE(store.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            const SynRecord& e = expected[i];
            const ConnectionRow& r = store.row(i);
            QCOMPARE(uint64_t(r.frame), e.frame);
            QCOMPARE(r.ts_ns, e.ts_ns);
            QVERIFY(r.src == e.src && r.dst == e.dst);
            QCOMPARE(r.src_port, e.src_port);
            QCOMPARE(r.dst_port, e.dst_port);
            QCOMPARE(r.packetKind(), e.kind);
            QCOMPARE(store.optionsText(r.options_id), QString::fromStdString(e.fp.tcpOptions()));

            SynRecord back;
            QVERIFY2(store.record(i, &back), qPrintable(u"frame %1"_qs.arg(e.frame)));
            QCOMPARE(back.frame, e.frame);
            QCOMPARE(back.link_type, e.link_type);
            QCOMPARE(back.encapsulation, e.encapsulation);
            QVERIFY(back.src == e.src && back.dst == e.dst);
            QCOMPARE(back.fp.ip_version, e.fp.ip_version);
            QCOMPARE(back.fp.ip_ttl, e.fp.ip_ttl);
            QCOMPARE(back.fp.ip_df, e.fp.ip_df);
            QCOMPARE(back.fp.ip_id, e.fp.ip_id);
            QCOMPARE(back.fp.ip_flow_label, e.fp.ip_flow_label);
            QCOMPARE(back.fp.tcp_window_size, e.fp.tcp_window_size);
            QCOMPARE(back.fp.tcp_flags, e.fp.tcp_flags);
            QCOMPARE(back.fp.tcp_mss, e.fp.tcp_mss);
            QCOMPARE(back.fp.tcp_window_scaling, e.fp.tcp_window_scaling);
            QCOMPARE(back.fp.tcpOptions(), e.fp.tcpOptions());
            QCOMPARE(back.fp.quirks, e.fp.quirks);
        }
    }
};

QTEST_GUILESS_MAIN(TestWorkerCorpus)
#include "test_worker_corpus.moc"
