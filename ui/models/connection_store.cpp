// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/connection_store.h"

#include "core/decode/decoder.h"
#include "core/match/classifier.h"
#include "core/match/verdict.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

namespace synscope {

RowScore RowScore::of(const Observation& o, const Database& database)
{
    RowScore s;
    s.entry_uid = int32_t(database.uidOf(o.verdict->entry));
    s.best_score = float(o.classification->best_score);
    s.os_class = o.verdict_label;
    s.confidence = uint8_t(o.verdict->confidencePercent());
    s.ambiguous = !o.verdict->others.isEmpty();
    return s;
}

RowScore RowScore::of(const ConnectionRow& r)
{
    return RowScore{r.entry_uid, r.best_score, r.os_class, r.confidence, (r.flags & RowAmbiguous) != 0};
}

void RowScore::applyTo(ConnectionRow& r) const
{
    r.entry_uid = entry_uid;
    r.best_score = best_score;
    r.os_class = os_class;
    r.confidence = confidence;
    r.flags = uint8_t(ambiguous ? (r.flags | RowAmbiguous) : (r.flags & ~RowAmbiguous));
}

ConnectionRow makeRow(const Observation& o, uint32_t optionsId, const Database& database)
{
    const SynRecord& rec = *o.record;
    ConnectionRow r;
    const Fingerprint& fp = rec.fp;
    r.ts_ns = rec.ts_ns;
    r.src = rec.src;
    r.dst = rec.dst;
    r.options_id = optionsId;
    r.frame = uint32_t(std::min<uint64_t>(rec.frame, std::numeric_limits<uint32_t>::max()));
    r.src_port = rec.src_port;
    r.dst_port = rec.dst_port;
    r.window = fp.tcp_window_size;
    r.encapsulation = rec.encapsulation;
    r.link_type = uint16_t(std::clamp(rec.link_type, 0, 0xFFFF));
    RowScore::of(o, database).applyTo(r);
    r.kind = uint8_t(rec.kind);
    r.ip_version = fp.ip_version;
    r.ttl = fp.ip_ttl;
    r.initial_ttl = uint8_t(o.hops.initial_ttl);
    if (fp.tcp_mss >= 0) {
        r.flags |= RowHasMss;
        r.mss = uint16_t(fp.tcp_mss);
        if (o.link.tunnel)
            r.flags |= RowTunnel;
    }
    if (fp.tcp_window_scaling >= 0) {
        r.flags |= RowHasWscale;
        r.wscale = uint8_t(std::min<int>(fp.tcp_window_scaling, 255));
    }
    if (fp.ip_df)
        r.flags |= RowDf;
    if (fp.tcp_has_timestamp)
        r.flags |= RowTimestamp;
    if (fp.tcp_sack_permitted)
        r.flags |= RowSack;
    return r;
}

ConnectionInfo connectionInfo(std::shared_ptr<const Flow> flow, FlowEnd end)
{
    ConnectionInfo info;
    info.end = end;
    const ConnectionVerdict v = decideConnection(*flow);
    info.flow = std::move(flow);
    info.verdict = v.kind;
    info.suspicion = float(v.suspicion);
    info.os_mismatch = v.os_mismatch;
    if (!info.flow->user_agent.empty())
        info.ua_os = QString::fromStdString(v.ua.text());
    for (const std::string& r : v.reasons)
        info.reasons << QString::fromUtf8(r.data(), qsizetype(r.size()));
    return info;
}

const ConnectionInfo* ConnectionStore::connection(const ConnectionRow& r) const
{
    if (r.packetKind() != PacketKind::Syn || m_connections.isEmpty())
        return nullptr;
    const auto it = m_connections.constFind(r.frame);
    return it == m_connections.constEnd() ? nullptr : &it.value();
}

size_t ConnectionStore::lowerBound(uint32_t frame) const
{
    size_t lo = 0, hi = m_size;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (row(mid).frame < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

long long ConnectionStore::rowOfFrame(uint32_t frame) const
{
    const size_t i = lowerBound(frame);
    return i < m_size && row(i).frame == frame ? (long long)i : -1;
}

std::pair<long long, long long> ConnectionStore::applyConnections(const RowBatch& batch,
                                                                  size_t inserted)
{
    long long first = (long long)m_size, last = -1;
    const long long stored = (long long)m_size - (long long)inserted;
    for (const auto& [frame, info] : batch.connections) {
        const long long r = rowOfFrame(frame);
        if (r < 0)
            continue;   // its row left the store (the cap)
        m_connections.insert(frame, info);
        // Decided with another database than the rows are shown with: re-decided with them.
        if (scoredElsewhere(batch))
            m_stale.push_back(frame);
        if (r < stored) {
            first = std::min(first, r);
            last = std::max(last, r);
        }
    }
    return {first, last};
}

void ConnectionStore::setConnection(uint32_t frame, ConnectionInfo info)
{
    m_connections.insert(frame, std::move(info));
}

ConnectionStore::ConnectionStore(size_t rowCap) : m_rowCap(rowCap > 0 ? rowCap : 1) {}

ConnectionStore::~ConnectionStore() = default;

const ConnectionRow& ConnectionStore::row(size_t i) const
{
    const size_t j = m_head + i;
    return m_rowChunks[j / kRowsPerChunk][j % kRowsPerChunk];
}

std::span<const uint8_t> ConnectionStore::headerBytes(size_t i) const
{
    const ConnectionRow& r = row(i);
    return {arenaAt(r.header_offset), r.header_length};
}

bool ConnectionStore::record(size_t i, SynRecord* out) const
{
    if (i >= m_size)
        return false;
    Decoder decoder;
    return decodeRow(row(i), headerBytes(i), decoder, out);
}

bool decodeRow(const ConnectionRow& r, std::span<const uint8_t> bytes, Decoder& decoder, SynRecord* out)
{
    RawPacket pkt;
    pkt.ts_ns = r.ts_ns;
    pkt.caplen = uint32_t(bytes.size());
    pkt.wirelen = uint32_t(bytes.size());
    pkt.link_type = kLinkTypeRaw;
    pkt.data = bytes.data();
    if (!decoder.decode(pkt, *out))
        return false;
    out->frame = r.frame;
    out->link_type = r.link_type;
    out->encapsulation = r.encapsulation;
    return true;
}

uint32_t ConnectionStore::optionsRank(uint32_t id) const
{
    if (m_optionRank.size() != m_options.size()) {
        std::vector<uint32_t> order(m_options.size());
        for (uint32_t k = 0; k < order.size(); ++k)
            order[k] = k;
        std::sort(order.begin(), order.end(),
                  [this](uint32_t a, uint32_t b) { return m_options[a] < m_options[b]; });
        m_optionRank.assign(order.size(), 0);
        for (uint32_t r = 0; r < order.size(); ++r)
            m_optionRank[order[r]] = r;
    }
    return id < m_optionRank.size() ? m_optionRank[id] : 0;
}

int ConnectionStore::entryIndex(qint64 uid) const
{
    return m_entryIndex.value(uid, -1);
}

const DbEntry* ConnectionStore::entry(qint64 uid) const
{
    const int i = entryIndex(uid);
    return i < 0 ? nullptr : &m_database->entries[size_t(i)];
}

QString ConnectionStore::entryGuess(qint64 uid) const
{
    const int i = entryIndex(uid);
    return i < 0 ? QString() : m_entryGuess[size_t(i)];
}

int ConnectionStore::entryGuessRank(qint64 uid) const
{
    const int i = entryIndex(uid);
    return i < 0 ? -1 : m_entryGuessRank[size_t(i)];
}

bool ConnectionStore::scoredElsewhere(const RowBatch& batch) const
{
    return batch.database != m_database || (batch.profile && batch.profile != m_profile);
}

// Everything derived from the database is made here, once, instead of per row or per comparison.
void ConnectionStore::setDatabase(std::shared_ptr<const Database> db)
{
    m_database = std::move(db);
    m_classes = m_database ? VerdictLabels(*m_database) : VerdictLabels();
    m_entryIndex.clear();
    m_entryGuess.clear();
    m_entryGuessRank.clear();
    if (!m_database)
        return;
    for (size_t i = 0; i < m_database->entries.size(); ++i) {
        m_entryIndex.insert(m_database->uidOf(int(i)), int(i));
        m_entryGuess.push_back(entryLabel(m_database->entries[i]));
    }
    std::vector<int> order(m_entryGuess.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [this](int a, int b) { return m_entryGuess[size_t(a)] < m_entryGuess[size_t(b)]; });
    m_entryGuessRank.assign(order.size(), 0);
    int rank = 0;
    for (size_t k = 0; k < order.size(); ++k) {
        if (k > 0 && m_entryGuess[size_t(order[k])] != m_entryGuess[size_t(order[k - 1])])
            ++rank;
        m_entryGuessRank[size_t(order[k])] = rank;
    }
}

ConnectionStore::AppendPlan ConnectionStore::plan(const RowBatch& batch) const
{
    AppendPlan p;
    p.insert = std::min(batch.rows.size(), m_rowCap);
    const size_t total = m_size + p.insert;
    p.evict = total > m_rowCap ? total - m_rowCap : 0;
    return p;
}

void ConnectionStore::append(const RowBatch& batch)
{
    const AppendPlan p = plan(batch);
    if (!m_database) {   // a new or cleared store shows what its first batch was scored with
        setDatabase(batch.database);
        if (batch.profile)
            m_profile = batch.profile;
    }
    const bool stale = scoredElsewhere(batch);
    removeFront(p.evict);
    const size_t firstNew = m_size;

    // Batch-local option ids -> store ids, interned once per distinct notation.
    std::vector<uint32_t> optionMap(batch.options.size());
    for (size_t k = 0; k < batch.options.size(); ++k) {
        const QString text = QString::fromStdString(batch.options[k]);
        auto it = m_optionIds.constFind(text);
        if (it == m_optionIds.constEnd()) {
            it = m_optionIds.insert(text, uint32_t(m_options.size()));
            m_options.push_back(text);
        }
        optionMap[k] = it.value();
    }

    const size_t first = batch.rows.size() - p.insert;
    for (size_t k = first; k < batch.rows.size(); ++k) {
        ConnectionRow r = batch.rows[k];
        const uint8_t* bytes = nullptr;
        if (r.header_length > 0 && r.header_offset + r.header_length <= batch.headers.size()) {
            bytes = batch.headers.data() + r.header_offset;
        } else {
            r.header_length = 0;
            ++m_missingHeaders;
        }
        r.header_offset = arenaAppend(bytes, r.header_length);
        r.options_id = r.options_id < optionMap.size() ? optionMap[r.options_id]
                                                       : std::numeric_limits<uint32_t>::max();
        const size_t j = m_head + m_size;
        if (j / kRowsPerChunk >= m_rowChunks.size()) {
            m_rowChunks.emplace_back();
            m_rowChunks.back().reserve(kRowsPerChunk);
        }
        m_rowChunks.back().push_back(r);
        ++m_size;
    }
    if (stale && m_size > firstNew) {
        carryLabels(firstNew, m_size, batch.database ? VerdictLabels(*batch.database) : VerdictLabels());
        for (size_t i = firstNew; i < m_size; ++i)
            m_stale.push_back(row(i).frame);
    }
    // Without this the table would keep every notation ever seen: a flood with random options
    // adds one per SYN, whatever the row cap.
    if (m_options.size() > 2 * m_size + 1024)
        compactOptions();
}

ConnectionRow& ConnectionStore::mutableRow(size_t i)
{
    const size_t j = m_head + i;
    return m_rowChunks[j / kRowsPerChunk][j % kRowsPerChunk];
}

void ConnectionStore::carryLabels(size_t first, size_t end, const VerdictLabels& from)
{
    std::vector<uint16_t> map(size_t(from.size()), VerdictLabels::kNone);
    for (int id = 0; id < from.size(); ++id)
        map[size_t(id)] = m_classes.idOf(from.name(uint16_t(id)));
    for (size_t i = first; i < end; ++i) {
        ConnectionRow& r = mutableRow(i);
        r.os_class = r.os_class < map.size() ? map[r.os_class] : VerdictLabels::kNone;
    }
}

void ConnectionStore::switchDatabase(std::shared_ptr<const Database> database, const Profile* profile)
{
    const VerdictLabels from = m_classes;
    setDatabase(std::move(database));
    if (profile)
        m_profile = profile;
    carryLabels(0, m_size, from);
}

std::vector<uint32_t> ConnectionStore::takeStale()
{
    std::vector<uint32_t> frames = std::exchange(m_stale, {});
    std::sort(frames.begin(), frames.end());
    frames.erase(std::unique(frames.begin(), frames.end()), frames.end());
    return frames;
}

std::pair<long long, long long> ConnectionStore::applyScores(
    std::span<const std::pair<uint32_t, RowScore>> scores)
{
    long long first = 0, last = -1;
    if (scores.empty() || m_size == 0)
        return {first, last};
    // Rows are in frame order, and so are the scores: one search, then a merge.
    size_t i = lowerBound(scores.front().first);
    bool any = false;
    for (const auto& [frame, score] : scores) {
        while (i < m_size && row(i).frame < frame)
            ++i;
        if (i == m_size)
            break;
        if (row(i).frame != frame)
            continue;   // its row left the store (the cap)
        ConnectionRow& r = mutableRow(i);
        if (RowScore::of(r) != score) {
            score.applyTo(r);
            if (!any)
                first = (long long)i;
            last = (long long)i;
            any = true;
        }
    }
    return {first, last};
}

void ConnectionStore::compactOptions()
{
    constexpr uint32_t kUnused = std::numeric_limits<uint32_t>::max();
    std::vector<uint32_t> remap(m_options.size(), kUnused);
    std::vector<QString> kept;
    QHash<QString, uint32_t> ids;
    for (size_t c = 0; c < m_rowChunks.size(); ++c) {
        for (size_t k = c == 0 ? m_head : 0; k < m_rowChunks[c].size(); ++k) {
            uint32_t& id = m_rowChunks[c][k].options_id;
            if (id >= remap.size())
                continue;
            if (remap[id] == kUnused) {
                remap[id] = uint32_t(kept.size());
                ids.insert(m_options[id], remap[id]);
                kept.push_back(m_options[id]);
            }
            id = remap[id];
        }
    }
    m_options = std::move(kept);
    m_optionIds = std::move(ids);
    m_optionRank.clear();
}

void ConnectionStore::removeFront(size_t n)
{
    n = std::min(n, m_size);
    if (n == 0)
        return;
    if (!m_connections.isEmpty())
        for (size_t i = 0; i < n; ++i)
            m_connections.remove(row(i).frame);
    m_head += n;
    m_size -= n;
    m_evicted += n;
    while (m_head >= kRowsPerChunk) {
        m_rowChunks.pop_front();
        m_head -= kRowsPerChunk;
    }
    // Arena chunks wholly before the first remaining row's bytes are free.
    const uint64_t keepFrom = m_size > 0 ? row(0).header_offset : m_arenaEnd;
    while (!m_arenaChunks.empty() && (m_arenaFirstChunk + 1) * kArenaChunk <= keepFrom
           && m_arenaChunks.size() > 1) {
        m_arenaChunks.pop_front();
        ++m_arenaFirstChunk;
    }
}

uint64_t ConnectionStore::arenaAppend(const uint8_t* data, size_t n)
{
    if (n == 0)
        return m_arenaEnd;
    // Bytes of one row never straddle two chunks: skip the tail of a chunk that is too short.
    const uint64_t within = m_arenaEnd % kArenaChunk;
    if (within + n > kArenaChunk)
        m_arenaEnd += kArenaChunk - within;
    while (m_arenaEnd / kArenaChunk >= m_arenaFirstChunk + m_arenaChunks.size())
        m_arenaChunks.push_back(std::shared_ptr<uint8_t[]>(new uint8_t[kArenaChunk]));
    const uint64_t offset = m_arenaEnd;
    uint8_t* dst = m_arenaChunks[size_t(offset / kArenaChunk - m_arenaFirstChunk)].get()
        + offset % kArenaChunk;
    std::memcpy(dst, data, n);
    m_arenaEnd += n;
    return offset;
}

const uint8_t* ConnectionStore::arenaAt(uint64_t offset) const
{
    const uint64_t chunk = offset / kArenaChunk;
    if (chunk < m_arenaFirstChunk || chunk - m_arenaFirstChunk >= m_arenaChunks.size())
        return nullptr;
    return m_arenaChunks[size_t(chunk - m_arenaFirstChunk)].get() + offset % kArenaChunk;
}

void ConnectionStore::clear()
{
    m_rowChunks.clear();
    m_head = 0;
    m_size = 0;
    m_evicted = 0;
    m_missingHeaders = 0;
    m_arenaChunks.clear();
    m_arenaFirstChunk = 0;
    m_arenaEnd = 0;
    m_options.clear();
    m_optionIds.clear();
    m_optionRank.clear();
    m_connections.clear();
    m_stale.clear();
    setDatabase(nullptr);
    m_profile = nullptr;
}

std::span<const uint8_t> ConnectionStore::RowsCopy::headerBytes(const ConnectionRow& r) const
{
    const uint64_t chunk = r.header_offset / kArenaChunk;
    if (r.header_length == 0 || chunk < arenaFirstChunk || chunk - arenaFirstChunk >= arena.size())
        return {};
    return {arena[size_t(chunk - arenaFirstChunk)].get() + r.header_offset % kArenaChunk, r.header_length};
}

ConnectionStore::RowsCopy ConnectionStore::copyRows(const std::vector<uint32_t>& frames,
                                                    int64_t firstFrame) const
{
    RowsCopy copy;
    copy.arena.assign(m_arenaChunks.begin(), m_arenaChunks.end());
    copy.arenaFirstChunk = m_arenaFirstChunk;
    const auto take = [&](size_t i) {
        const ConnectionRow& r = row(i);
        copy.rows.push_back(r);
        const ConnectionInfo* c = m_connections.isEmpty() ? nullptr : connection(r);
        copy.connections.push_back(c ? RowsCopy::Connection{c->flow, c->end} : RowsCopy::Connection{});
    };
    if (firstFrame >= 0 && firstFrame <= std::numeric_limits<uint32_t>::max())
        if (const long long i = rowOfFrame(uint32_t(firstFrame)); i >= 0)
            take(size_t(i));
    if (!frames.empty()) {
        for (const uint32_t f : frames)
            if (const long long i = rowOfFrame(f); i >= 0)
                take(size_t(i));
        return copy;
    }
    copy.rows.reserve(copy.rows.size() + m_size);
    copy.connections.reserve(copy.rows.capacity());
    for (size_t i = 0; i < m_size; ++i)
        take(i);
    return copy;
}

RowBatchPtr ConnectionStore::asBatch() const
{
    if (m_size == 0)
        return nullptr;
    std::vector<ConnectionRow> rows;
    rows.reserve(m_size);
    for (size_t i = 0; i < m_size; ++i)
        rows.push_back(row(i));
    return aggregateBatch(std::move(rows), m_options, m_database, m_profile);
}

std::shared_ptr<RowBatch> aggregateBatch(std::vector<ConnectionRow> rows, const std::vector<QString>& options,
                                         std::shared_ptr<const Database> database, const Profile* profile)
{
    auto batch = std::make_shared<RowBatch>();
    batch->database = std::move(database);
    batch->profile = profile;
    batch->options.reserve(options.size());
    for (const QString& o : options)
        batch->options.push_back(o.toStdString());
    for (ConnectionRow& r : rows) {
        r.header_offset = 0;
        r.header_length = 0;
    }
    batch->rows = std::move(rows);
    return batch;
}

size_t ConnectionStore::memoryBytes() const
{
    size_t bytes = m_rowChunks.size() * kRowsPerChunk * sizeof(ConnectionRow);
    bytes += m_arenaChunks.size() * kArenaChunk;
    for (const QString& s : m_options)
        bytes += sizeof(QString) + size_t(s.size()) * sizeof(QChar);
    return bytes;
}

} // namespace synscope
