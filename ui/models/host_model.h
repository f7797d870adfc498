// SPDX-License-Identifier: GPL-3.0-or-later
// One row per source address seen: first / last seen, connections, distinct fingerprints and the
// OS guess of its latest connection. Fed with every batch; counts cover everything received since
// clear(), including rows the connection store has evicted since.
#pragma once

#include "models/connection_store.h"

#include <QAbstractTableModel>

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
        std::vector<uint64_t> fingerprints;   // distinct fingerprint hashes
    };
    struct Key {
        IpAddress address;
        uint8_t ipVersion;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const;
    };

    std::vector<Host> m_hosts;
    std::unordered_map<Key, int, KeyHash> m_index;
    std::shared_ptr<const Database> m_database;
    OsClassIndex m_classes;
};

} // namespace synscope
