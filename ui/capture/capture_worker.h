// SPDX-License-Identifier: GPL-3.0-or-later
// Runs the read -> decode -> classify -> detect loop of one packet source on its own QThread and
// hands the GUI thread batches of compact rows (RowBatch) through a queued signal, every
// batchIntervalMs or batchRows rows, whichever comes first. Each batch also carries what its rows
// changed in the run's host table, aggregated on that thread, so that the GUI thread's hosts view
// only copies finished records. The source, decoder, classifier and host table are created and
// used on that thread only (docs/ARCHITECTURE.md: one thread owns one source).
// Like Qt's mandelbrot example, the object itself lives in the GUI thread and owns the thread:
// start*() restarts cleanly, stop() and the destructor stop and join it. Every run has a
// generation number; batches and results of an earlier run are dropped, never delivered.
#pragma once

#include "core/capture/packet_source.h"
#include "core/decode/decoder.h"
#include "core/flow/flow_table.h"
#include "ui/models/connection_store.h"
#include "ui/models/host_table.h"

#include <QObject>
#include <QString>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

class QThread;

namespace synscope {

struct CaptureConfig {
    std::shared_ptr<const Database> database;    // null: Database::builtin()
    const Profile* profile = nullptr;            // null: Profile::synscope()
    int minClassSize = 0;                        // Classifier's minimum class size; 0: the database's
    int batchRows = 4096;                        // a batch is sent when it holds this many rows ...
    int batchIntervalMs = 50;                    // ... or this long after the previous one
    int maxBatchesInFlight = 1;                  // the reader waits while the GUI is this far behind;
                                                 // queued batches run back to back in one event-loop turn
    bool aggregateHosts = true;                  // attach RowBatch::hosts (for a hosts view)
    int statsIntervalMs = 250;
    bool followFlows = true;                     // the flow stage: connection verdicts on SYN rows
    QString accessLogPath;                       // a web server's access log to join (followed live)
    QString accessLogFormat;                     // its format; empty: detected
};

struct CaptureStats {
    quint64 generation = 0;
    quint64 packets = 0;            // frames read
    quint64 syn = 0;
    quint64 synAck = 0;
    quint64 otherTcp = 0;
    quint64 nonTcp = 0;
    std::array<quint64, size_t(DropReason::Count)> decodeDropped{};
    quint64 decodeDroppedTotal = 0;
    quint64 unsupportedLinkType = 0;   // frames of a link type the decoder does not read
    quint64 captureReceived = 0;       // live / helper: pcap_stats
    quint64 captureDropped = 0;
    quint64 captureIfDropped = 0;
    double elapsedSeconds = 0;
    double recordsPerSecond = 0;       // SYN + SYN+ACK over the last stats interval
    FlowStats flows;                   // the flow stage's counters (all zero without it)
    quint64 accessLogLines = 0;        // with an access log: lines read, and not understood
    quint64 accessLogBadLines = 0;
    bool finished = false;
};

class CaptureWorker : public QObject {
    Q_OBJECT
public:
    explicit CaptureWorker(QObject* parent = nullptr);
    ~CaptureWorker() override;

    // Each start stops a running capture first. Failures to open arrive through finished().
    void startFile(const QString& path, const CaptureConfig& config = {});
    // A pcap stream on fd (the capture helper's stdout); the worker takes ownership of fd.
    void startFd(int fd, const CaptureConfig& config = {});
    // Direct live capture (root or capture capabilities on this executable).
    void startLive(const LiveOptions& options, const CaptureConfig& config = {});
    // Stops the loop, joins the thread; pending batches of this run are dropped and finished() is
    // not emitted for it.
    void stop();
    // Ends the run as if its source had ended, without waiting: the rows read so far, the final
    // stats and finished() are still delivered (e.g. "stop capturing" on a live interface).
    void finish();

    // A run is active from start*() until its finished() was delivered or stop() returned: the
    // thread itself may still be winding down when finished() arrives.
    bool isRunning() const { return m_active; }
    quint64 generation() const { return m_generation; }

    // The cap of the host table the worker folds every batch into (RowBatch::hosts): the hosts
    // view's cap. Takes effect at the next batch, in a run already going too.
    void setHostCap(size_t cap) { m_hostCap = cap > 0 ? cap : 1; }
    size_t hostCap() const { return m_hostCap; }

    // Publishes a new database snapshot (and profile; null: synscope) to the running capture: it
    // classifies with it from the next packet on, and the batches made from then on carry it.
    // Rows already delivered are the caller's to re-score (ui/models/rescorer.h). A run started
    // later takes its CaptureConfig's database instead.
    void setDatabase(std::shared_ptr<const Database> database, const Profile* profile);

public Q_SLOTS:
    // Drop counts reported by the capture helper, merged into the next stats.
    void setCaptureDrops(quint64 received, quint64 dropped, quint64 ifDropped);

Q_SIGNALS:
    // The run's source opened; its batches follow. A run that fails to open sends finished()
    // with the error and never opened(), so the caller can leave what it shows untouched.
    void opened(quint64 generation);
    void batchReady(const synscope::RowBatchPtr& batch);
    void statsChanged(const synscope::CaptureStats& stats);
    // The run ended by itself or through finish(): error is empty at the end of a file / stream.
    // Not emitted for a run ended by stop() or replaced by a new start.
    void finished(quint64 generation, const QString& error);

    // Thread -> GUI thread (queued to this object); the public signals above are emitted by the
    // slots after the generation check.
    void sourceOpened(quint64 generation, QPrivateSignal);
    void batchProduced(const synscope::RowBatchPtr& batch, QPrivateSignal);
    void statsProduced(const synscope::CaptureStats& stats, QPrivateSignal);
    void runEnded(quint64 generation, const QString& error, QPrivateSignal);

private:
    using Opener = std::function<std::unique_ptr<PacketSource>(std::string* error)>;
    // streamFd: the pipe of startFd() (polled, never read directly), else -1.
    // live: an interface or a stream (an access log is then followed as it grows).
    void start(Opener opener, const CaptureConfig& config, int streamFd, bool live);
    void run(quint64 generation, const Opener& opener, const CaptureConfig& config, int streamFd,
             bool live);
    void onSourceOpened(quint64 generation);
    void onBatchProduced(const RowBatchPtr& batch);
    void onStatsProduced(const CaptureStats& stats);
    void onRunEnded(quint64 generation, const QString& error);

    QThread* m_thread = nullptr;
    bool m_active = false;
    std::atomic<quint64> m_generation{0};
    std::atomic<bool> m_abort{false};
    std::atomic<bool> m_finish{false};
    std::atomic<bool> m_cancel{false};   // stop() or finish(): ends a file or pipe source's waits
    std::atomic<int> m_inFlight{0};
    std::atomic<size_t> m_hostCap{HostTable::kDefaultCap};
    std::atomic<quint64> m_helperReceived{0};
    std::atomic<quint64> m_helperDropped{0};
    std::atomic<quint64> m_helperIfDropped{0};
    std::mutex m_snapshotMutex;   // guards the two below
    std::shared_ptr<const Database> m_nextDatabase;
    const Profile* m_nextProfile = nullptr;
    std::atomic<bool> m_snapshotChanged{false};
    std::mutex m_sourceMutex;
    PacketSource* m_source = nullptr;   // the running source, for breakLoop() from stop()
};

} // namespace synscope

Q_DECLARE_METATYPE(synscope::CaptureStats)
