// SPDX-License-Identifier: GPL-3.0-or-later
// What the hosts view shows, one record per source address seen: first / last seen, connections,
// distinct fingerprints and the OS class of its latest connection. The capture worker folds every
// batch into a HostTable of its own and attaches what changed (a HostDelta) to the batch, so the
// GUI thread's HostModel only copies finished records into its mirror table: finding an address
// among a million, growing the index and evicting happen on the capture thread. Bounded: beyond
// the cap the oldest hosts go, an eighth at a time, and a host counts at most kMaxFingerprints
// distinct fingerprints. Every row costs O(1), however many connections or fingerprints one
// address has.
#pragma once

#include "ui/models/connection_store.h"

#include <array>
#include <deque>
#include <unordered_set>
#include <utility>
#include <vector>

namespace synscope {

// 56 bytes: the synthetic benchmark capture has a new client address on every SYN, so the host
// table can grow as fast as the connection table.
struct HostRecord {
    IpAddress address{};
    int64_t firstNs = 0;
    int64_t lastNs = 0;
    uint64_t connections = 0;
    // Distinct fingerprint hashes: the first inline, the rare further ones in a set of the table
    // holding the record (moreFingerprints - 1; 0: none), at most kMaxFingerprints in all.
    uint64_t firstFingerprint = 0;
    uint32_t moreFingerprints = 0;
    uint16_t osClass = VerdictLabels::kNone;          // of the latest connection
    uint8_t ipVersion = 4;
    bool fingerprintsSaturated = false;   // more than kMaxFingerprints were seen
};

// What one batch changed in a HostTable. Hosts are numbered in order of first appearance since the
// table was cleared, evicted ones included. A mirror applies the updated hosts, then the added
// ones, then removes the `evicted` oldest.
struct HostDelta {
    uint64_t table = 0;    // the table that made it (an id unique in the process)
    uint64_t before = 0;   // hosts that table had numbered before this batch
    std::vector<std::pair<uint64_t, HostRecord>> updated;   // (host number, values after), ascending
    std::vector<HostRecord> added;                          // numbered from `before` on
    // Fingerprints beyond a host's first that this batch added: (host number, hash).
    std::vector<std::pair<uint64_t, uint64_t>> fingerprints;
    size_t evicted = 0;
};

class HostTable {
public:
    static constexpr size_t kDefaultCap = 1'000'000;
    static constexpr size_t kMaxFingerprints = 4096;

    HostTable();
    HostTable(const HostTable&) = delete;
    HostTable& operator=(const HostTable&) = delete;

    // Takes effect at the next add().
    void setCap(size_t cap) { m_cap = cap > 0 ? cap : 1; }

    size_t size() const { return m_hosts.size(); }
    const HostRecord& at(size_t row) const { return m_hosts[row]; }
    size_t fingerprintCount(const HostRecord& h) const;
    // Hosts removed because of the cap since clear().
    uint64_t evicted() const { return m_evicted; }
    // Hosts numbered since clear(): the number the next new host gets.
    uint64_t numbered() const { return m_evicted + m_hosts.size(); }

    // Folds the batch's rows in, then evicts down to 7/8 of the cap if it is exceeded; what
    // changed is recorded in *delta, a fresh one.
    void add(const RowBatch& batch, HostDelta* delta);

    // True when `delta` continues exactly what this table holds: the next delta of the table it
    // mirrors, or the first delta of any table while this one is empty.
    bool follows(const HostDelta& delta) const;
    // Replays a delta made by another table, in the order a model announces it: the hosts this
    // table already had, the new ones (appended), and the eviction.
    void applyUpdates(const HostDelta& delta);
    void applyAdditions(const HostDelta& delta);
    void removeOldest(size_t n);

    // Becomes a copy of `other`, numbering included, so that add() continues where it stands.
    void assign(const HostTable& other);
    void clear();

private:
    // Open addressing over rows: 11 to 23 bytes per host, where a node-based hash map needs about
    // 60. A cell keeps 32 bits of the address's hash beside the row, so a probe past another host
    // and a rehash never read the host itself (a cache miss each, with a million hosts).
    // Sharded so that growing one table rehashes 1/kShards of the hosts.
    struct Cell {
        uint32_t hash = 0;   // bits 8..39 of hashOf(): the low ones place the cell
        uint32_t row = 0;    // row + 1; 0 is empty
    };
    struct Shard {
        std::vector<Cell> cells;
        size_t used = 0;
    };
    static constexpr size_t kShards = 256;   // chosen by the hash's low 8 bits

    static uint64_t hashOf(const IpAddress& address, uint8_t ipVersion);
    // Hosts of the batch being added are not rows yet (m_pending) but are indexed already.
    HostRecord& host(uint32_t row)
    {
        return row < m_hosts.size() ? m_hosts[row] : m_pending[row - m_hosts.size()];
    }
    Shard& shardOf(uint64_t hash) { return m_index[hash % kShards]; }
    // The cell holding the host with this address, or the empty cell where it belongs; the
    // shard grows first when one more host would load it over 0.7.
    Cell& cellFor(const IpAddress& address, uint8_t ipVersion, uint64_t hash);
    void grow(Shard& shard);
    void reindex();
    // Inserts fp into h's further fingerprints; false when it was there already.
    bool insertFingerprint(HostRecord& h, uint64_t fp);

    uint64_t m_id;           // HostDelta::table of the deltas this table makes
    uint64_t m_source = 0;   // id of the table whose deltas this one applied last
    size_t m_cap = kDefaultCap;
    uint64_t m_evicted = 0;
    std::deque<HostRecord> m_hosts;   // a deque: growing never moves the hosts already there
    std::vector<HostRecord> m_pending;
    std::array<Shard, kShards> m_index;
    bool m_indexed = true;   // false after applying or assigning: add() rebuilds the index first
    std::vector<std::unordered_set<uint64_t>> m_moreFingerprints;
    std::vector<uint32_t> m_freeFingerprintSets;   // slots of m_moreFingerprints to reuse
    std::vector<uint32_t> m_touched;               // rows an add() updated (scratch)
};

} // namespace synscope
