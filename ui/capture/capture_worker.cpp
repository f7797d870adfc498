// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/capture/capture_worker.h"

#include "core/flow/access_log_tail.h"
#include "core/pipeline/pipeline.h"

#include <QThread>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <poll.h>
#include <string_view>
#include <unistd.h>
#include <unordered_map>

namespace synscope {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t, Clock::time_point now)
{
    return std::chrono::duration<double, std::milli>(now - t).count();
}

// What a record's option notation (Fingerprint::appendTcpOptions) is made of, as fixed-size bytes:
// a batch's notations are interned by it, so only the first row of each makes the text.
struct OptionsKey {
    int32_t mss = -1;
    int16_t wscale = -1;
    uint8_t count = 0;
    std::array<uint8_t, 40> kinds{};   // zero beyond count

    explicit OptionsKey(const Fingerprint& fp)
        : mss(fp.tcp_mss), wscale(fp.tcp_window_scaling), count(fp.option_count)
    {
        std::copy_n(fp.option_kinds.begin(), std::min<size_t>(count, kinds.size()), kinds.begin());
    }
    bool operator==(const OptionsKey&) const = default;
};

struct OptionsKeyHash {
    size_t operator()(const OptionsKey& k) const
    {
        const size_t kinds = std::hash<std::string_view>{}(
            {reinterpret_cast<const char*>(k.kinds.data()), k.count});
        return kinds ^ (uint64_t(uint32_t(k.mss)) << 24 | uint64_t(uint16_t(k.wscale)) << 8 | k.count);
    }
};

} // namespace

CaptureWorker::CaptureWorker(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<synscope::RowBatchPtr>();
    qRegisterMetaType<synscope::CaptureStats>();
    connect(this, &CaptureWorker::sourceOpened, this, &CaptureWorker::onSourceOpened,
            Qt::QueuedConnection);
    connect(this, &CaptureWorker::batchProduced, this, &CaptureWorker::onBatchProduced,
            Qt::QueuedConnection);
    connect(this, &CaptureWorker::statsProduced, this, &CaptureWorker::onStatsProduced,
            Qt::QueuedConnection);
    connect(this, &CaptureWorker::runEnded, this, &CaptureWorker::onRunEnded, Qt::QueuedConnection);
}

CaptureWorker::~CaptureWorker()
{
    stop();
}

void CaptureWorker::startFile(const QString& path, const CaptureConfig& config)
{
    const std::string p = path.toStdString();
    start([this, p](std::string* error) { return PacketSource::openFile(p, error, &m_cancel); }, config,
          -1, false);
}

void CaptureWorker::startFd(int fd, const CaptureConfig& config)
{
    start([this, fd](std::string* error) { return PacketSource::openFd(fd, error, 250, &m_cancel); }, config,
          fd, true);
}

void CaptureWorker::startLive(const LiveOptions& options, const CaptureConfig& config)
{
    start([options](std::string* error) { return PacketSource::openLive(options, error); }, config, -1,
          true);
}

void CaptureWorker::start(Opener opener, const CaptureConfig& config, int streamFd, bool live)
{
    stop();
    const quint64 gen = ++m_generation;
    m_abort = false;
    m_finish = false;
    m_cancel = false;
    m_helperReceived = 0;
    m_helperDropped = 0;
    m_helperIfDropped = 0;
    {
        std::lock_guard lock(m_snapshotMutex);
        m_snapshotChanged = false;   // the config's database is the newest
    }
    m_thread = QThread::create([this, gen, opener = std::move(opener), config, streamFd, live] {
        run(gen, opener, config, streamFd, live);
    });
    m_thread->setObjectName(QStringLiteral("capture"));
    m_active = true;
    m_thread->start();
}

void CaptureWorker::stop()
{
    if (!m_thread)
        return;
    ++m_generation;   // whatever the old run still queues is stale from now on
    m_abort = true;
    m_cancel = true;   // also a source still opening (a FIFO without a writer)
    {
        std::lock_guard lock(m_sourceMutex);
        if (m_source)
            m_source->breakLoop();
    }
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    m_active = false;
}

void CaptureWorker::finish()
{
    m_finish = true;
    m_cancel = true;
    std::lock_guard lock(m_sourceMutex);
    if (m_source)
        m_source->breakLoop();
}

void CaptureWorker::setDatabase(std::shared_ptr<const Database> database, const Profile* profile)
{
    if (!database)
        return;
    std::lock_guard lock(m_snapshotMutex);
    m_nextDatabase = std::move(database);
    m_nextProfile = profile ? profile : &Profile::synscope();
    m_snapshotChanged = true;
}

void CaptureWorker::setCaptureDrops(quint64 received, quint64 dropped, quint64 ifDropped)
{
    m_helperReceived = received;
    m_helperDropped = dropped;
    m_helperIfDropped = ifDropped;
}

void CaptureWorker::onSourceOpened(quint64 generation)
{
    if (generation == m_generation)
        Q_EMIT opened(generation);
}

void CaptureWorker::onBatchProduced(const RowBatchPtr& batch)
{
    --m_inFlight;
    if (batch->generation == m_generation)
        Q_EMIT batchReady(batch);
}

void CaptureWorker::onStatsProduced(const CaptureStats& stats)
{
    if (stats.generation == m_generation)
        Q_EMIT statsChanged(stats);
}

void CaptureWorker::onRunEnded(quint64 generation, const QString& error)
{
    if (generation != m_generation)
        return;
    m_active = false;
    Q_EMIT finished(generation, error);
}

void CaptureWorker::run(quint64 generation, const Opener& opener, const CaptureConfig& config,
                        int streamFd, bool live)
{
    // The access log first: a log that cannot be read fails the run before its source opens.
    AccessLogIndex accessLog;
    std::unique_ptr<AccessLogTail> tail;
    if (!config.accessLogPath.isEmpty()) {
        std::string error;
        tail = AccessLogTail::open(config.accessLogPath.toStdString(), config.accessLogFormat.toStdString(),
                                   live ? AccessLogTail::Reading::Live : AccessLogTail::Reading::Whole,
                                   accessLog, &error);
        if (!tail) {
            if (streamFd >= 0)
                ::close(streamFd);
            Q_EMIT runEnded(generation, QString::fromStdString(error), QPrivateSignal());
            return;
        }
    }
    std::string openError;
    std::unique_ptr<PacketSource> source = opener(&openError);
    if (!source) {
        // Stopped while the source was still opening (a FIFO nobody writes to yet): no error.
        const bool cancelled = m_cancel.load();
        Q_EMIT runEnded(generation, cancelled ? QString() : QString::fromStdString(openError), QPrivateSignal());
        return;
    }
    {
        std::lock_guard lock(m_sourceMutex);
        m_source = source.get();
    }
    Q_EMIT sourceOpened(generation, QPrivateSignal());

    std::shared_ptr<const Database> db =
        config.database ? config.database : std::make_shared<const Database>(Database::builtin());
    const Profile* profile = config.profile ? config.profile : &Profile::synscope();
    Pipeline pipeline(db.get(), *profile, Pipeline::kDefaultTopN, config.minClassSize);
    if (config.followFlows)
        pipeline.enableFlows(tail ? &accessLog : nullptr);

    const size_t batchRows = size_t(std::max(1, config.batchRows));
    std::shared_ptr<RowBatch> batch;
    std::unordered_map<OptionsKey, uint32_t, OptionsKeyHash> optionIds;
    auto newBatch = [&] {
        batch = std::make_shared<RowBatch>();
        batch->generation = generation;
        batch->database = db;
        batch->profile = profile;
        batch->rows.reserve(std::min<size_t>(batchRows, 16384));
        batch->headers.reserve(batch->rows.capacity() * 64);
        optionIds.clear();
    };
    newBatch();

    const Clock::time_point startTime = Clock::now();
    Clock::time_point lastFlush = startTime;
    Clock::time_point lastStats = startTime;
    Clock::time_point lastLogPoll = startTime;
    uint64_t recordsAtLastStats = 0;

    HostTable hosts;
    auto flush = [&] {
        lastFlush = Clock::now();
        if (batch->rows.empty() && batch->connections.empty())
            return;
        // Before the wait below: the GUI thread works through the previous batch meanwhile.
        if (config.aggregateHosts) {
            auto delta = std::make_shared<HostDelta>();
            hosts.setCap(m_hostCap.load(std::memory_order_relaxed));
            hosts.add(*batch, delta.get());
            batch->hosts = std::move(delta);
        }
        // Back-pressure: a reader that outruns the GUI would otherwise queue without bound.
        while (m_inFlight.load() >= config.maxBatchesInFlight && !m_abort.load())
            QThread::usleep(500);
        ++m_inFlight;
        Q_EMIT batchProduced(std::move(batch), QPrivateSignal());
        newBatch();
    };
    auto emitStats = [&](bool finished) {
        const Clock::time_point now = Clock::now();
        const DecodeStats& ds = pipeline.stats();
        CaptureStats s;
        s.generation = generation;
        s.packets = ds.packets;
        s.syn = ds.syn;
        s.synAck = ds.syn_ack;
        s.otherTcp = ds.other_tcp;
        s.nonTcp = ds.non_tcp;
        for (size_t i = 0; i < s.decodeDropped.size(); ++i)
            s.decodeDropped[i] = ds.dropped[i];
        s.decodeDroppedTotal = ds.droppedTotal();
        s.unsupportedLinkType = ds.unsupportedTotal();
        uint64_t received = 0, dropped = 0, ifDropped = 0;
        if (source->stats(&received, &dropped, &ifDropped)) {
            s.captureReceived = received;
            s.captureDropped = dropped;
            s.captureIfDropped = ifDropped;
        } else {
            s.captureReceived = m_helperReceived;
            s.captureDropped = m_helperDropped;
            s.captureIfDropped = m_helperIfDropped;
        }
        s.elapsedSeconds = msSince(startTime, now) / 1000.0;
        const uint64_t records = ds.syn + ds.syn_ack;
        const double interval = msSince(lastStats, now) / 1000.0;
        s.recordsPerSecond = interval > 0 ? double(records - recordsAtLastStats) / interval : 0;
        if (finished && s.elapsedSeconds > 0)
            s.recordsPerSecond = double(records) / s.elapsedSeconds;
        s.finished = finished;
        if (const FlowStats* fs = pipeline.flowStats())
            s.flows = *fs;
        if (tail) {
            s.accessLogLines = tail->reader().lines();
            s.accessLogBadLines = tail->reader().badLines();
        }
        recordsAtLastStats = records;
        lastStats = now;
        Q_EMIT statsProduced(s, QPrivateSignal());
    };

    // The pipeline's records become rows of the current batch; between reads the batch is handed
    // over by size, by time, and before a stream read that might block.
    const auto toRow = [&](const Observation& o) {
        const SynRecord& rec = *o.record;
        auto [it, inserted] = optionIds.try_emplace(OptionsKey(rec.fp), uint32_t(batch->options.size()));
        if (inserted)
            batch->options.push_back(rec.fp.tcpOptions());
        ConnectionRow row = makeRow(o, it->second, *db);
        if (rec.header_bytes > 0 && uint64_t(rec.ip_offset) + rec.header_bytes <= o.packet->caplen
            && rec.header_bytes <= 0xFFFF) {
            row.header_offset = batch->headers.size();
            row.header_length = uint16_t(rec.header_bytes);
            const uint8_t* ip = o.packet->data + rec.ip_offset;
            batch->headers.insert(batch->headers.end(), ip, ip + rec.header_bytes);
        }
        batch->rows.push_back(row);
        if (batch->rows.size() >= batchRows)
            flush();
    };
    uint32_t sinceClock = 0;
    const auto step = [&](PacketSource::Status st, bool recorded) {
        if (m_abort.load(std::memory_order_relaxed) || m_finish.load(std::memory_order_relaxed))
            return false;
        // Reading the clock costs little, but not nothing: look at it on every new row (a link
        // with light, steady traffic must not wait for 64 packets), every 64 other packets, and
        // on every live timeout so a quiet link still delivers its last rows.
        if (recorded || ++sinceClock >= 64 || st == PacketSource::Status::Timeout) {
            sinceClock = 0;
            const Clock::time_point now = Clock::now();
            if (tail && live && msSince(lastLogPoll, now) >= 200) {
                tail->poll();
                lastLogPoll = now;
            }
            if (msSince(lastFlush, now) >= config.batchIntervalMs)
                flush();
            if (msSince(lastStats, now) >= config.statsIntervalMs)
                emitStats(false);
        }
        // A stream read blocks without a timeout: hand over pending rows before it might wait.
        if (streamFd >= 0 && !batch->rows.empty()) {
            pollfd pfd{streamFd, POLLIN, 0};
            if (::poll(&pfd, 1, 0) == 0)
                flush();
        }
        return true;
    };

    const auto toConnection = [&](const FlowObservation& f) {
        if (f.flow->syn.frame > std::numeric_limits<uint32_t>::max())
            return;   // beyond what a row's frame number can name
        batch->connections.emplace_back(uint32_t(f.flow->syn.frame),
                                        connectionInfo(std::make_shared<const Flow>(*f.flow), f.end));
    };
    // A new snapshot applies from the packet just read (or, on a quiet link, at the next live
    // timeout, so that the flows it ends are decided with it from then on); the rows scored with
    // the old one leave in a batch of their own, so that a batch's rows are all scored with its
    // database.
    const auto onPacket = [&](Pipeline& p) {
        if (!m_snapshotChanged.load(std::memory_order_relaxed))
            return;
        flush();
        std::lock_guard lock(m_snapshotMutex);
        m_snapshotChanged = false;
        db = m_nextDatabase;
        profile = m_nextProfile;
        p.setDatabase(db.get(), profile);
        batch->database = db;
        batch->profile = profile;
    };
    const auto stepAndSwap = [&](PacketSource::Status st, bool recorded) {
        if (st == PacketSource::Status::Timeout)
            onPacket(pipeline);
        return step(st, recorded);
    };
    CallbackSink sink(toRow, stepAndSwap, toConnection, onPacket);
    QString error;
    if (!m_abort.load() && !m_finish.load() && !pipeline.run(*source, sink))
        error = QString::fromStdString(pipeline.error());
    flush();
    emitStats(true);
    {
        std::lock_guard lock(m_sourceMutex);
        m_source = nullptr;
    }
    Q_EMIT runEnded(generation, error, QPrivateSignal());
}

} // namespace synscope
