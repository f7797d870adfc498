// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/cli/line_writer.h"

namespace synscope {

LineWriter::LineWriter(bool json, std::FILE* out, const Database& db, int maxGuesses)
    : m_json(json), m_out(out), m_db(db), m_maxGuesses(maxGuesses), m_filling(std::make_unique<Batch>()),
      m_thread([this] { run(); })
{
    m_filling->items.reserve(kBatchItems);
}

LineWriter::~LineWriter()
{
    flush();
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_work.notify_one();
    m_thread.join();
}

void LineWriter::record(const Observation& o, ReportWriter& writer)
{
    if (o.classification->id != 0) {
        const ReportWriter::Part& part = writer.classificationPart(o, m_json);
        hold(part);
        add({*o.record, o.hops, o.link, part.get(), -1, false});
        return;
    }
    Batch& b = *m_filling;
    if (b.uncachedCount == b.uncached.size())
        b.uncached.emplace_back();
    Uncached& u = b.uncached[b.uncachedCount];
    u.classification = *o.classification;
    u.verdict = o.verdict ? *o.verdict : decideOs(*o.classification, m_db);
    add({*o.record, o.hops, o.link, nullptr, int(b.uncachedCount++), false});
}

void LineWriter::text(std::string line)
{
    const ReportWriter::Part part = std::make_shared<const std::string>(std::move(line));
    hold(part);
    add({SynRecord(), HopEstimate(), LinkEstimate(), part.get(), -1, true});
}

void LineWriter::hold(const ReportWriter::Part& part)
{
    const std::string* p = part.get();
    const size_t slot = (reinterpret_cast<uintptr_t>(p) >> 4) % kHeldSlots;
    if (m_held[slot] != p) {
        m_held[slot] = p;
        m_filling->parts.push_back(part);
    }
}

void LineWriter::add(const Item& item)
{
    m_filling->items.push_back(item);
    m_pending = true;
    if (m_filling->items.size() >= kBatchItems)
        submit(false);
}

void LineWriter::submit(bool flush)
{
    m_filling->flush = flush;
    std::unique_lock lock(m_mutex);
    m_room.wait(lock, [this] { return m_queue.size() < kMaxQueued; });
    m_queue.push_back(std::move(m_filling));
    ++m_submitted;
    if (m_free.empty()) {
        m_filling = std::make_unique<Batch>();
        m_filling->items.reserve(kBatchItems);
    } else {
        m_filling = std::move(m_free.back());
        m_free.pop_back();
    }
    lock.unlock();
    m_work.notify_one();
    m_held.fill(nullptr);
}

void LineWriter::flush(bool wait)
{
    submit(true);
    m_pending = false;
    if (!wait)
        return;
    std::unique_lock lock(m_mutex);
    const uint64_t until = m_submitted;
    m_room.wait(lock, [&] { return m_written >= until; });
}

void LineWriter::run()
{
    RecordFormatter formatter;
    const ReportWriter renderer(m_db, m_maxGuesses);   // this thread's, for the uncached parts
    std::string out;
    const auto write = [&] {
        if (!out.empty())
            std::fwrite(out.data(), 1, out.size(), m_out);
        out.clear();
    };
    const std::string_view end = ReportWriter::lineEnd(m_json);
    for (;;) {
        std::unique_ptr<Batch> batch;
        {
            std::unique_lock lock(m_mutex);
            m_work.wait(lock, [this] { return m_stop || !m_queue.empty(); });
            if (m_queue.empty())
                return;   // stopped, and everything was written
            batch = std::move(m_queue.front());
            m_queue.pop_front();
        }
        for (const Item& item : batch->items) {
            if (!item.formatted) {
                if (m_json)
                    formatter.appendJson(out, item.record, item.hops, item.link);
                else
                    formatter.appendText(out, item.record, item.hops, item.link);
            }
            if (item.part) {
                out += *item.part;
            } else {
                const Uncached& u = batch->uncached[size_t(item.uncached)];
                renderer.appendClassificationPart(out, u.classification, u.verdict, m_json);
            }
            if (!item.formatted)
                out += end;
            if (out.size() >= kWriteAt)
                write();
        }
        if (batch->flush) {
            write();
            std::fflush(m_out);
        }
        batch->items.clear();
        batch->parts.clear();   // drops the parts' references here, not on the pipeline thread
        batch->uncachedCount = 0;
        batch->flush = false;
        {
            std::lock_guard lock(m_mutex);
            m_free.push_back(std::move(batch));
            ++m_written;
        }
        m_room.notify_all();
    }
}

} // namespace synscope
