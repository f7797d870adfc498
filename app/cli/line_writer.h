// SPDX-License-Identifier: GPL-3.0-or-later
// The CLI's output stage on a thread of its own: the pipeline thread queues each record (a copy
// of what it observed and the shared classification part the pipeline's ReportWriter cached, or
// for a classification without an id, a flood's, a copy of the classification and its verdict),
// and this thread formats the record's own fields, renders the uncached parts and writes the
// lines, in the order queued. On a second core, formatting a JSON line (about what reading,
// decoding and classifying its SYN costs, several times that for a flood's) no longer holds the
// pipeline up.
#pragma once

#include "core/report/report.h"

#include <array>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace synscope {

class LineWriter {
public:
    // db: what the records were classified with (for the uncached parts); it outlives the writer.
    LineWriter(bool json, std::FILE* out, const Database& db, int maxGuesses);
    ~LineWriter();   // writes what is queued, then stops the thread
    LineWriter(const LineWriter&) = delete;
    LineWriter& operator=(const LineWriter&) = delete;

    // The record's line: its own fields and its classification's part (from `writer`'s cache,
    // or rendered on the writer thread when the classification has no id), then the end.
    void record(const Observation& observation, ReportWriter& writer);
    // A finished line (a flow's).
    void text(std::string line);
    // Hands over what is queued, to be written and the stream flushed; with `wait`, returns once
    // that is done (the end of a run). Without, the pipeline thread goes on at once (a live
    // capture's periodic flush must not wait for a slow terminal).
    void flush(bool wait = true);
    // Lines queued since the last flush().
    bool pending() const { return m_pending; }

private:
    struct Item {
        SynRecord record;
        HopEstimate hops;
        LinkEstimate link;
        const std::string* part;   // the classification part, or the whole line (formatted);
                                   // null: Batch::uncached[uncached] is rendered
        int uncached;
        bool formatted;
    };
    struct Uncached {
        Classification classification;
        OsVerdict verdict;
    };
    struct Batch {
        std::vector<Item> items;
        // Kept across batches (assigned, not rebuilt): their vectors keep their capacity, so a
        // flood's copies allocate nothing on one thread for the other to free.
        std::vector<Uncached> uncached;
        size_t uncachedCount = 0;
        // What keeps the items' parts alive: one reference per part and batch, not one per item
        // (a reference count that both threads change on every line would bounce between the
        // cores).
        std::vector<ReportWriter::Part> parts;
        bool flush = false;
    };
    // Batches amortize the hand-over; a few in flight bound the memory when the sink is slow.
    static constexpr size_t kBatchItems = 1024;
    static constexpr size_t kMaxQueued = 4;
    static constexpr size_t kWriteAt = size_t(1) << 16;

    void add(const Item& item);
    void hold(const ReportWriter::Part& part);
    void submit(bool flush);
    void run();

    const bool m_json;
    std::FILE* const m_out;
    const Database& m_db;
    const int m_maxGuesses;
    bool m_pending = false;
    std::unique_ptr<Batch> m_filling;   // the pipeline thread's
    // The parts m_filling holds, by a hash of their address: a collision only holds one twice.
    static constexpr size_t kHeldSlots = 256;
    std::array<const std::string*, kHeldSlots> m_held{};

    std::mutex m_mutex;
    std::condition_variable m_work, m_room;
    std::deque<std::unique_ptr<Batch>> m_queue;
    std::vector<std::unique_ptr<Batch>> m_free;
    uint64_t m_submitted = 0, m_written = 0;   // batches
    bool m_stop = false;
    std::thread m_thread;   // last: started once the rest is initialized
};

} // namespace synscope
