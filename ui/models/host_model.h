// SPDX-License-Identifier: GPL-3.0-or-later
// The hosts view: one row per source address seen (ui/models/host_table.h), counts covering
// everything received since clear(), including rows the connection store has evicted since. A
// batch the capture worker aggregated brings what it changed in the worker's host table
// (RowBatch::hosts), and the model copies that into the table it shows; rows without such a delta
// (built by hand, or a second run added without clear()) are aggregated here, with the same
// result.
#pragma once

#include "ui/models/host_table.h"

#include <QAbstractTableModel>

#include <memory>

namespace synscope {

class HostModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Address, FirstSeen, LastSeen, Connections, Fingerprints, OsGuess, NUM_COLUMNS };
    enum Roles { SortRole = Qt::UserRole };

    static constexpr size_t kDefaultHostCap = HostTable::kDefaultCap;
    static constexpr size_t kMaxFingerprints = HostTable::kMaxFingerprints;

    explicit HostModel(QObject* parent = nullptr);
    ~HostModel() override;

    // Takes effect at the next batch aggregated here; a delta from the capture worker carries the
    // evictions of the worker's cap (CaptureWorker::setHostCap), which the window keeps equal.
    void setHostCap(size_t cap) { m_hostCap = cap > 0 ? cap : 1; }
    size_t hostCap() const { return m_hostCap; }
    // Hosts removed because of the cap since clear().
    uint64_t evictedCount() const { return m_hosts.evicted(); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

public Q_SLOTS:
    void addBatch(const synscope::RowBatchPtr& batch);
    void clear();

private:
    HostTable m_hosts;                 // what the view shows; follows the deltas it is given
    std::unique_ptr<HostTable> m_own;  // aggregates rows that come without a delta m_hosts follows
    size_t m_hostCap = kDefaultHostCap;
    std::shared_ptr<const Database> m_database;
    VerdictLabels m_classes;
};

} // namespace synscope
