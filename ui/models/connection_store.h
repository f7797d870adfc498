// SPDX-License-Identifier: GPL-3.0-or-later
// Compact storage of every decoded SYN / SYN+ACK the GUI shows. A row holds numbers only (no
// strings): text is made by the models on demand. The IP+TCP header bytes of each packet sit in a
// byte arena so that the full SynRecord can be re-decoded for the detail pane and hex view.
// Rows arrive in batches from the capture worker; beyond the row cap the oldest rows go.
#pragma once

#include "core/database/database.h"
#include "core/fingerprint/fingerprint.h"
#include "core/flow/connection_verdict.h"
#include "core/match/profile.h"
#include "core/pipeline/pipeline.h"

#include <QHash>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace synscope {

struct Classification;
class Decoder;
struct HostDelta;


enum RowFlag : uint8_t {
    RowHasMss = 1u << 0,
    RowHasWscale = 1u << 1,
    RowTunnel = 1u << 2,     // the MSS points at a tunnel / VPN (core/detect estimateLink)
    RowDf = 1u << 3,
    RowTimestamp = 1u << 4,
    RowSack = 1u << 5,
    RowAmbiguous = 1u << 6,  // the verdict's tied best entries disagree (decideOs() "ambiguous")
};

// 88 bytes; the header bytes in the arena add ~60 (IPv4) to ~80 (IPv6) more.
struct ConnectionRow {
    int64_t ts_ns = 0;
    IpAddress src{};
    IpAddress dst{};
    uint64_t header_offset = 0;   // in a RowBatch: offset into RowBatch::headers; in the store: arena offset
    int32_t entry_uid = -1;       // DbEntry::uid (Database::uidOf) of decideOs()'s entry; -1 for none
    float best_score = 0;
    uint32_t options_id = 0;      // RowBatch::options / ConnectionStore::optionsText() index (unknown: empty text)
    uint32_t frame = 0;           // 1-based packet number in the source (saturates at 2^32-1)
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint16_t window = 0;
    uint16_t mss = 0;             // valid with RowHasMss
    uint16_t encapsulation = 0;   // Encapsulation bits
    uint16_t link_type = 0;       // link type of the original frame
    uint16_t header_length = 0;   // IP+TCP header bytes kept in the arena
    uint16_t os_class = VerdictLabels::kNone; // VerdictLabels id of decideOs()'s label: what every view shows
    uint8_t kind = 0;             // PacketKind
    uint8_t ip_version = 4;
    uint8_t ttl = 0;              // observed
    uint8_t initial_ttl = 0;      // hops = initial_ttl - ttl
    uint8_t wscale = 0;           // valid with RowHasWscale (shift as sent)
    uint8_t flags = 0;            // RowFlag bits
    uint8_t confidence = 0;       // the verdict's confidence in percent

    PacketKind packetKind() const { return static_cast<PacketKind>(kind); }
    int hops() const { return int(initial_ttl) - int(ttl); }
    // MSS + 40 (IPv4) / + 60 (IPv6), as core/detect estimateLink; 0 without MSS.
    int mtu() const { return (flags & RowHasMss) ? int(mss) + (ip_version == 6 ? 60 : 40) : 0; }
};
static_assert(sizeof(ConnectionRow) == 88, "keep ConnectionRow compact");

// What the flow stage found about a SYN row's connection (decideConnection()), joined to the row
// by its frame number when the flow is reported: rows gain it after they were appended.
struct ConnectionInfo {
    std::shared_ptr<const Flow> flow;   // the evidence, for the detail pane and a typed-in UA
    ConnectionVerdict::Kind verdict = ConnectionVerdict::Kind::Unknown;
    float suspicion = 0;
    bool os_mismatch = false;
    QString ua_os;                      // "Windows 10"; empty without a User-Agent
    QStringList reasons;
    FlowEnd end = FlowEnd::Complete;    // why the flow stage reported it
};
// decideConnection() of `flow` as a row shows it.
ConnectionInfo connectionInfo(std::shared_ptr<const Flow> flow, FlowEnd end = FlowEnd::Complete);

// What the capture worker hands to the GUI thread: rows plus their header bytes, the batch's own
// table of option notations, the database / profile the rows were scored with, and what the rows
// changed in the worker's host table (ui/models/host_table.h).
struct RowBatch {
    uint64_t generation = 0;
    std::vector<ConnectionRow> rows;
    std::vector<uint8_t> headers;
    std::vector<std::string> options;             // "M1460,S,T,N,W7," etc., indexed by options_id
    std::shared_ptr<const Database> database;
    const Profile* profile = nullptr;
    std::shared_ptr<const HostDelta> hosts;       // null: the rows were not aggregated by host
    // Connections reported since the previous batch, by their SYN's frame; their rows may be in
    // this batch or an earlier one.
    std::vector<std::pair<uint32_t, ConnectionInfo>> connections;
};
using RowBatchPtr = std::shared_ptr<const RowBatch>;

// What the classify stage decided for a row, apart from the packet it describes: made when the row
// is made, and again when the row is re-scored with an edited database (ui/models/rescorer.h).
struct RowScore {
    int32_t entry_uid = -1;
    float best_score = 0;
    uint16_t os_class = VerdictLabels::kNone;
    uint8_t confidence = 0;
    bool ambiguous = false;

    static RowScore of(const Observation& observation, const Database& database);
    static RowScore of(const ConnectionRow& row);
    void applyTo(ConnectionRow& row) const;
    bool operator==(const RowScore&) const = default;
};

// Fills a row from one classified observation of the pipeline (the worker's hot path): its
// verdict's entry and label come decided. optionsId is the batch-local id of fp.tcpOptions().
ConnectionRow makeRow(const Observation& observation, uint32_t optionsId, const Database& database);

// Decodes a stored row's header bytes (link type raw) into a full SynRecord, restoring the frame
// number, time, original link type and encapsulation. False when the bytes do not decode.
bool decodeRow(const ConnectionRow& row, std::span<const uint8_t> headerBytes, Decoder& decoder,
               SynRecord* out);

// Rows (with their option notations, by options_id) as one batch without header bytes or
// connections, for the aggregate views to count: ConnectionStore::asBatch(), and the rescorer's
// recount of the rows it re-scored.
std::shared_ptr<RowBatch> aggregateBatch(std::vector<ConnectionRow> rows, const std::vector<QString>& options,
                                         std::shared_ptr<const Database> database, const Profile* profile);

class ConnectionStore {
public:
    static constexpr size_t kDefaultRowCap = 1'000'000;

    explicit ConnectionStore(size_t rowCap = kDefaultRowCap);
    ~ConnectionStore();
    ConnectionStore(const ConnectionStore&) = delete;
    ConnectionStore& operator=(const ConnectionStore&) = delete;

    size_t size() const { return m_size; }
    const ConnectionRow& row(size_t i) const;
    // The IP+TCP header bytes of row i (begins with the innermost IP header).
    std::span<const uint8_t> headerBytes(size_t i) const;
    // Re-decodes row i's header bytes (link type raw) into a full SynRecord, restoring the frame
    // number, time, original link type and encapsulation. False when the bytes do not decode.
    bool record(size_t i, SynRecord* out) const;

    // Interned option notation of a row's options_id (empty for an unknown id).
    QString optionsText(uint32_t id) const { return id < m_options.size() ? m_options[id] : QString(); }
    size_t optionsCount() const { return m_options.size(); }
    const std::vector<QString>& options() const { return m_options; }   // by options_id
    // Position of an options id in text order (equal texts never occur): sorting on it equals
    // sorting on the text, without a string comparison.
    uint32_t optionsRank(uint32_t id) const;
    const Database* database() const { return m_database.get(); }
    std::shared_ptr<const Database> sharedDatabase() const { return m_database; }
    // The database entry a row's entry_uid names; null for -1 or an entry the database lacks (it
    // was deleted since the row was scored, and the row waits to be re-scored).
    const DbEntry* entry(qint64 uid) const;
    // An entry's OS name and version ("Linux 6.1"), made once per database; empty without entry.
    QString entryGuess(qint64 uid) const;
    // Position of entryGuess(uid) in text order, equal texts sharing one (-1 without entry):
    // sorting on it equals sorting on the text.
    int entryGuessRank(qint64 uid) const;
    // The OS column's order, for ConnectionModel::compare(): by the entry's name, then by the
    // verdict (a class, a family, unknown) given on it.
    qint64 osGuessKey(const ConnectionRow& r) const { return qint64(entryGuessRank(r.entry_uid)) * 65536 + r.os_class; }
    const Profile* profile() const { return m_profile; }
    const VerdictLabels& classes() const { return m_classes; }
    double maxScore() const { return m_profile ? m_profile->maxScore() : 0.0; }

    size_t rowCap() const { return m_rowCap; }
    // Takes effect at the next append (rows above the cap go then).
    void setRowCap(size_t cap) { m_rowCap = cap > 0 ? cap : 1; }
    // Rows removed at the front because of the cap, since construction or clear().
    uint64_t evictedCount() const { return m_evicted; }
    // Rows appended without header bytes (their batch was inconsistent): record() fails for them.
    uint64_t missingHeaderCount() const { return m_missingHeaders; }

    // How append(batch) will change the store, for the model's begin/end calls: `evict` rows leave
    // the front first, then `insert` rows (the batch's last ones) are appended.
    struct AppendPlan {
        size_t evict = 0;
        size_t insert = 0;
    };
    AppendPlan plan(const RowBatch& batch) const;
    // Applies plan(batch): evicts as needed, then appends. The first batch of a new or cleared
    // store (no database yet) sets its database and profile. Rows of a batch scored with another database than the store's (a batch that
    // was on its way when the database changed) keep their entry and have their label carried
    // over by name; their frames wait in takeStale() for re-scoring.
    void append(const RowBatch& batch);

    // The rows are now shown against `database` (an edit published a new snapshot): entries are
    // found by uid, labels carried over by name, until re-scoring (applyScores()) replaces them.
    void switchDatabase(std::shared_ptr<const Database> database, const Profile* profile);
    // Frames (ascending) of rows appended since the last call that were scored with another
    // database, and of rows whose connection was decided with another one.
    std::vector<uint32_t> takeStale();
    // Sets the scores of the rows holding these frames (ascending), those still stored; returns
    // the first and last rows that changed (first > last when none).
    std::pair<long long, long long> applyScores(std::span<const std::pair<uint32_t, RowScore>> scores);
    // Removes the n oldest rows (counted as evicted): lets a model announce the removal before
    // append() without the store changing twice inside one begin/end pair.
    void removeFront(size_t n);
    void clear();

    // The connection a SYN row belongs to, once the flow stage reported it; null before, and for
    // SYN+ACK rows and rows without a followed connection.
    const ConnectionInfo* connection(const ConnectionRow& r) const;
    // The connection columns' order, for ConnectionModel::compare(): the verdict's kind (rows
    // without a reported connection last) and the suspicion (-1 without).
    int verdictKey(const ConnectionRow& r) const
    {
        const ConnectionInfo* c = connection(r);
        return c ? int(c->verdict) : 255;
    }
    float suspicionKey(const ConnectionRow& r) const
    {
        const ConnectionInfo* c = connection(r);
        return c ? c->suspicion : -1.0f;
    }
    // The row holding frame, or -1 (rows are in frame order).
    long long rowOfFrame(uint32_t frame) const;
    // Records the batch's connections; returns the first and last rows that were already stored
    // and changed (first > last when none). Call after append(batch), which inserted `inserted`
    // rows.
    std::pair<long long, long long> applyConnections(const RowBatch& batch, size_t inserted);
    // A connection's evidence changed outside a batch (a User-Agent typed in).
    void setConnection(uint32_t frame, ConnectionInfo info);

    // Rows copied for a reader on another thread (the rescorer): the rows themselves, shared
    // references to the arena chunks holding their header bytes (bytes never change once written,
    // and a chunk the cap frees stays alive while referenced), and their connections' evidence.
    struct RowsCopy {
        std::vector<ConnectionRow> rows;
        struct Connection {
            std::shared_ptr<const Flow> flow;   // null without a reported connection
            FlowEnd end = FlowEnd::Complete;
        };
        std::vector<Connection> connections;   // per row
        std::deque<std::shared_ptr<const uint8_t[]>> arena;
        uint64_t arenaFirstChunk = 0;
        std::span<const uint8_t> headerBytes(const ConnectionRow& r) const;
    };
    // All rows (frames empty) or those holding `frames` (ascending); the row of `firstFrame`, when
    // stored, comes first as well.
    RowsCopy copyRows(const std::vector<uint32_t>& frames, int64_t firstFrame = -1) const;

    // The stored rows as one batch (without header bytes or connections), with the store's
    // database, profile and option notations: what the aggregate views are counted again from.
    // Null when the store is empty.
    RowBatchPtr asBatch() const;

    // Heap bytes held by rows, arena and tables.
    size_t memoryBytes() const;

private:
    static constexpr size_t kRowsPerChunk = 4096;
    static constexpr size_t kArenaChunk = size_t(1) << 20;

    void setDatabase(std::shared_ptr<const Database> db);
    int entryIndex(qint64 uid) const;   // Database::entries index of a uid; -1 when absent
    // The batch's rows were scored (or its connections decided) with another database or
    // profile than the store shows: they are to be re-scored.
    bool scoredElsewhere(const RowBatch& batch) const;
    ConnectionRow& mutableRow(size_t i);
    size_t lowerBound(uint32_t frame) const;   // the first row whose frame is not below `frame`
    // Re-labels rows [first, end) from `from`'s label numbering to the store's, by name.
    void carryLabels(size_t first, size_t end, const VerdictLabels& from);
    // Keeps only the option notations live rows use, renumbering them (text order is kept, so
    // optionsRank() orders rows as before).
    void compactOptions();
    uint64_t arenaAppend(const uint8_t* data, size_t n);
    const uint8_t* arenaAt(uint64_t offset) const;

    // Chunks of kRowsPerChunk rows, filled by push_back (no construction ahead of use); only the
    // last one grows, so references to rows stay valid.
    std::deque<std::vector<ConnectionRow>> m_rowChunks;
    size_t m_head = 0;           // index of the first live row in m_rowChunks.front()
    size_t m_size = 0;
    size_t m_rowCap;
    uint64_t m_evicted = 0;
    uint64_t m_missingHeaders = 0;

    std::deque<std::shared_ptr<uint8_t[]>> m_arenaChunks;
    uint64_t m_arenaFirstChunk = 0;   // global index of m_arenaChunks.front()
    uint64_t m_arenaEnd = 0;          // global offset where the next bytes go

    std::vector<QString> m_options;
    QHash<QString, uint32_t> m_optionIds;
    mutable std::vector<uint32_t> m_optionRank;   // rebuilt on demand after new options arrive
    std::shared_ptr<const Database> m_database;
    const Profile* m_profile = nullptr;
    VerdictLabels m_classes;
    QHash<uint32_t, ConnectionInfo> m_connections;   // by SYN frame
    QHash<qint64, int> m_entryIndex;      // uid -> Database::entries index
    std::vector<QString> m_entryGuess;    // per database entry
    std::vector<int> m_entryGuessRank;    // per database entry
    std::vector<uint32_t> m_stale;
};

} // namespace synscope

Q_DECLARE_METATYPE(synscope::RowBatchPtr)
