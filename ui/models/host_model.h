// SPDX-License-Identifier: GPL-3.0-or-later
// One row per source address seen: first / last seen, connections, distinct fingerprints and the
// OS of its latest connection. Fed with every batch; counts cover everything received since
// clear(), including rows the connection store has evicted since. Bounded: beyond hostCap() the
// oldest hosts go (counted), and a host counts at most kMaxFingerprints distinct fingerprints.
// Every row costs O(1), however many connections or fingerprints one address has.
#pragma once

#include "ui/models/connection_store.h"

#include <QAbstractTableModel>

#include <array>
#include <deque>
#include <unordered_set>
#include <vector>

namespace synscope {

class HostModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Address, FirstSeen, LastSeen, Connections, Fingerprints, OsGuess, NUM_COLUMNS };
    enum Roles { SortRole = Qt::UserRole };

    static constexpr size_t kDefaultHostCap = 1'000'000;
    static constexpr size_t kMaxFingerprints = 4096;

    explicit HostModel(QObject* parent = nullptr);

    // Takes effect at the next batch.
    void setHostCap(size_t cap) { m_hostCap = cap > 0 ? cap : 1; }
    size_t hostCap() const { return m_hostCap; }
    // Hosts removed because of the cap since clear().
    uint64_t evictedCount() const { return m_evicted; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

public Q_SLOTS:
    void addBatch(const synscope::RowBatchPtr& batch);
    void clear();

private:
    // 56 bytes: the synthetic benchmark capture has a new client address on every SYN, so the
    // host table can grow as fast as the connection table.
    struct Host {
        IpAddress address{};
        int64_t firstNs = 0;
        int64_t lastNs = 0;
        uint64_t connections = 0;
        // Distinct fingerprint hashes: the first inline; the rare further ones in
        // m_moreFingerprints[moreFingerprints - 1] (0: none), at most kMaxFingerprints in all.
        uint64_t firstFingerprint = 0;
        uint32_t moreFingerprints = 0;
        uint16_t osClass = kNoClass;   // of the latest connection
        uint8_t ipVersion = 4;
        bool fingerprintsSaturated = false;   // more than kMaxFingerprints were seen
    };
    // Open addressing over host numbers: 6 to 11 bytes per host, where a node-based hash map
    // needs about 60. Sharded so that growing one table rehashes 1/kShards of the hosts: one big
    // table stalls the GUI thread past 50 ms when it grows beyond a million addresses.
    struct Shard {
        std::vector<uint32_t> cells;   // host number + 1; 0 is empty
        size_t used = 0;
    };
    static constexpr size_t kShards = 256;

    static size_t hashOf(const IpAddress& address, uint8_t ipVersion);
    // Hosts of the batch being added are not rows yet (m_pending) but are indexed already.
    Host& host(uint32_t number)
    {
        return number < m_hosts.size() ? m_hosts[number] : m_pending[number - m_hosts.size()];
    }
    // The cell holding the host with this address, or the empty cell where it belongs.
    uint32_t& cellFor(Shard& shard, const IpAddress& address, uint8_t ipVersion, size_t hash);
    void grow(Shard& shard);
    // Drops the oldest hosts down to 7/8 of the cap and re-indexes the rest, so eviction costs
    // O(1) per host on average and the index never holds a removed host.
    void evict();
    size_t fingerprintCount(const Host& h) const;
    void addFingerprint(Host& h, uint64_t fp);

    std::deque<Host> m_hosts;   // a deque: growing never moves the hosts already there
    std::vector<Host> m_pending;
    std::array<Shard, kShards> m_index;
    std::vector<std::unordered_set<uint64_t>> m_moreFingerprints;
    std::vector<uint32_t> m_freeFingerprintSets;   // slots of m_moreFingerprints to reuse
    size_t m_hostCap = kDefaultHostCap;
    uint64_t m_evicted = 0;
    std::shared_ptr<const Database> m_database;
    VerdictLabels m_classes;
};

} // namespace synscope
