// SPDX-License-Identifier: GPL-3.0-or-later
// Scores the rows already shown again after the database (or the profile) changed: an edit
// publishes a new snapshot, and instead of reading the file again (or restarting a live capture)
// every stored row is re-decoded from its header bytes and classified with the new snapshot, on a
// thread of its own, through the pipeline's own score() (so a re-scored row equals a row read
// fresh with that database). Results come back in chunks, in frame order, with progress; a new
// start() cancels the job running and its chunks are dropped.
#pragma once

#include "ui/models/connection_store.h"
#include "ui/models/host_table.h"

#include <QObject>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace synscope {

// What one chunk of a job changed: scores by frame (ascending), and the connections whose verdict
// was decided again with the new OS verdict.
struct RescoreChunk {
    quint64 job = 0;
    std::vector<std::pair<uint32_t, RowScore>> scores;
    struct Connection {
        uint32_t frame = 0;
        std::shared_ptr<const Flow> from;   // the evidence decided again: applied only while the
                                            // row still holds it (not a User-Agent typed since)
        ConnectionInfo info;
    };
    std::vector<Connection> connections;
    size_t done = 0;    // rows of the job scored so far, this chunk included
    size_t total = 0;
    // The last chunk of a job over every row, when asked for: all the rows with their new scores
    // as one batch, already folded into a host table (RowBatch::hosts), so that the hosts view and
    // the charts are counted again without hashing a row on the GUI thread.
    RowBatchPtr recount;
};
using RescoreChunkPtr = std::shared_ptr<const RescoreChunk>;

class Rescorer : public QObject {
    Q_OBJECT
public:
    static constexpr size_t kChunkRows = 16384;

    explicit Rescorer(QObject* parent = nullptr);
    ~Rescorer() override;

    // Copies what it needs of `store`'s rows (all of them, or those holding `frames`, ascending)
    // and scores them against the store's current database and profile. `firstFrame`, when
    // stored, is scored first (the selected row), in a chunk of its own. `recountHostCap` > 0
    // (a job over all rows only): the last chunk carries the recount, with that host cap.
    quint64 start(const ConnectionStore& store, const std::vector<uint32_t>& frames = {},
                  int64_t firstFrame = -1, size_t recountHostCap = 0);
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    void chunkReady(const synscope::RescoreChunkPtr& chunk);
    // The job's last chunk was delivered (not emitted for a cancelled job).
    void finished(quint64 job);

private:
    struct Input;
    void join();
    static void run(const Input& input, Rescorer* self, quint64 job, const std::atomic<bool>* cancelled);
    static RowBatchPtr recount(const Input& input, const std::vector<RowScore>& scores);
    void deliver(const RescoreChunkPtr& chunk, bool last);

    std::thread m_thread;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    quint64 m_job = 0;
    bool m_running = false;
};

} // namespace synscope

Q_DECLARE_METATYPE(synscope::RescoreChunkPtr)
