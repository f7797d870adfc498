// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/rescorer.h"

#include "core/decode/decoder.h"
#include "core/pipeline/pipeline.h"

#include <QMetaObject>

#include <algorithm>

namespace synscope {

struct Rescorer::Input {
    ConnectionStore::RowsCopy rows;
    std::shared_ptr<const Database> database;
    const Profile* profile = nullptr;
    size_t firstAlone = 0;   // 1: rows[0] is the selected row, sent in a chunk of its own
    size_t recountHostCap = 0;   // > 0: build RescoreChunk::recount
    std::vector<QString> options;   // the store's option notations, by options_id (recount)
};

Rescorer::Rescorer(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<RescoreChunkPtr>();
}

Rescorer::~Rescorer()
{
    cancel();
}

void Rescorer::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

void Rescorer::cancel()
{
    if (m_cancel)
        *m_cancel = true;
    join();
    m_running = false;
}

quint64 Rescorer::start(const ConnectionStore& store, const std::vector<uint32_t>& frames,
                        int64_t firstFrame, size_t recountHostCap)
{
    cancel();
    auto input = std::make_shared<Input>();
    input->database = store.sharedDatabase();
    input->profile = store.profile() ? store.profile() : &Profile::synscope();
    input->rows = store.copyRows(frames, firstFrame);
    input->firstAlone = firstFrame >= 0 && !input->rows.rows.empty()
                                && int64_t(input->rows.rows.front().frame) == firstFrame
                            ? 1
                            : 0;
    if (frames.empty() && recountHostCap > 0) {
        input->recountHostCap = recountHostCap;
        input->options = store.options();
    }
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_running = true;
    const quint64 job = ++m_job;
    m_thread = std::thread([input, this, job, cancel = m_cancel] { run(*input, this, job, cancel.get()); });
    return job;
}

void Rescorer::deliver(const RescoreChunkPtr& chunk, bool last)
{
    // On the GUI thread: a chunk of a cancelled or replaced job is dropped.
    if (chunk->job != m_job || !m_running)
        return;
    Q_EMIT chunkReady(chunk);
    if (last) {
        m_running = false;
        join();
        Q_EMIT finished(chunk->job);
    }
}

RowBatchPtr Rescorer::recount(const Input& input, const std::vector<RowScore>& scores)
{
    // rows[0] repeats a later row when the selected one went first.
    std::vector<ConnectionRow> rows;
    rows.reserve(scores.size());
    for (size_t k = input.firstAlone; k < scores.size(); ++k) {
        rows.push_back(input.rows.rows[k]);
        scores[k].applyTo(rows.back());
    }
    const std::shared_ptr<RowBatch> batch =
        aggregateBatch(std::move(rows), input.options, input.database, input.profile);
    HostTable hosts;
    hosts.setCap(input.recountHostCap);
    auto delta = std::make_shared<HostDelta>();
    hosts.add(*batch, delta.get());
    batch->hosts = std::move(delta);
    return batch;
}

void Rescorer::run(const Input& input, Rescorer* self, quint64 job, const std::atomic<bool>* cancelled)
{
    const Database* db = input.database.get();
    Pipeline pipeline(db, *input.profile);
    Decoder decoder;
    SynRecord rec;
    const std::vector<ConnectionRow>& rows = input.rows.rows;
    const size_t total = rows.size();
    auto chunk = std::make_shared<RescoreChunk>();
    std::vector<RowScore> all;   // for the recount, per row
    if (input.recountHostCap > 0)
        all.reserve(total);
    const auto send = [&](size_t done, bool last) {
        if (last && input.recountHostCap > 0)
            chunk->recount = recount(input, all);
        chunk->job = job;
        chunk->done = done;
        chunk->total = total;
        std::sort(chunk->scores.begin(), chunk->scores.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        QMetaObject::invokeMethod(
            self, [self, c = RescoreChunkPtr(std::move(chunk)), last] { self->deliver(c, last); },
            Qt::QueuedConnection);
        chunk = std::make_shared<RescoreChunk>();
    };
    for (size_t k = 0; k < total; ++k) {
        if (cancelled->load(std::memory_order_relaxed))
            return;
        const ConnectionRow& r = rows[k];
        RowScore score;   // a row whose bytes do not decode any more has no entry
        if (db && decodeRow(r, input.rows.headerBytes(r), decoder, &rec)) {
            const Observation o = pipeline.score(rec);
            score = RowScore::of(o, *db);
            // The connection's verdict rests on the OS verdict: decided again with the new one.
            if (const ConnectionStore::RowsCopy::Connection& c = input.rows.connections[k]; c.flow) {
                auto decided = std::make_shared<Flow>(*c.flow);
                decided->os = *o.verdict;
                chunk->connections.push_back({r.frame, c.flow, connectionInfo(std::move(decided), c.end)});
            }
        }
        chunk->scores.emplace_back(r.frame, score);
        if (input.recountHostCap > 0)
            all.push_back(score);
        const size_t done = k + 1;
        if (done == total)
            send(done, true);
        else if (done == input.firstAlone || chunk->scores.size() >= kChunkRows)
            send(done, false);
    }
    if (total == 0)
        send(0, true);
}

} // namespace synscope
