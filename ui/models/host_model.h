// SPDX-License-Identifier: GPL-3.0-or-later
// One row per source address seen: first / last seen, connections, distinct fingerprints and the
// OS guess of its latest connection. Fed with every batch; counts cover everything received since
// clear(), including rows the connection store has evicted since.
#pragma once

#include "models/connection_store.h"

#include <QAbstractTableModel>

#include <array>
#include <deque>
#include <unordered_map>
#include <vector>

namespace synscope {

class HostModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Address, FirstSeen, LastSeen, Connections, Fingerprints, OsGuess, NUM_COLUMNS };
    enum Roles { SortRole = Qt::UserRole };

    explicit HostModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

public Q_SLOTS:
    void addBatch(const synscope::RowBatchPtr& batch);
    void clear();

private:
    struct Host {
        IpAddress address{};
        uint8_t ipVersion = 4;
        uint16_t guessClass = kNoClass;
        int64_t firstNs = 0;
        int64_t lastNs = 0;
        uint64_t connections = 0;
        // Distinct fingerprint hashes: most hosts have one, kept inline without an allocation.
        uint64_t firstFingerprint = 0;
        std::vector<uint64_t> moreFingerprints;
        size_t fingerprintCount() const { return connections == 0 ? 0 : 1 + moreFingerprints.size(); }
        void addFingerprint(uint64_t fp);
    };
    struct Key {
        IpAddress address;
        uint8_t ipVersion;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const;
    };

    std::deque<Host> m_hosts;   // a deque: growing never moves the hosts already there
    // Sharded so that a rehash (a full pass over its nodes) touches 1/kShards of the hosts: one
    // big map stalls the GUI thread for 100+ ms when it grows past a million addresses.
    static constexpr size_t kShards = 256;
    std::array<std::unordered_map<Key, int, KeyHash>, kShards> m_index;
    std::shared_ptr<const Database> m_database;
    OsClassIndex m_classes;
};

} // namespace synscope
