// SPDX-License-Identifier: GPL-3.0-or-later
// Sorting and display filtering of a ConnectionModel. Sorting compares the stored numbers of the
// rows directly (ConnectionModel::compare(), without a QVariant per comparison). The filter text is a
// list of clauses that must all match:
//   port 443        source or destination port
//   os linux        OS class of the verdict, core/match/verdict.h (case-insensitive substring)
//   syn / synack    packet kind
//   suspicious      the connection's verdict is flagged (ConnectionVerdict::kFlagAt)
//   os_mismatch, consistent, tunnel, proxy_headers, proxy_rtt   the connection's verdict
//   10.1.2.3, ::1   source or destination address, exactly
//   anything else   case-insensitive substring of source, destination, OS guess or options
#pragma once

#include "ui/models/connection_model.h"

#include <QAbstractProxyModel>

#include <cstdint>
#include <vector>

namespace synscope {

// Not a QSortFilterProxyModel: that one inserts a sorted batch as one insertion per place it
// lands, so with rows of varied keys every batch costs thousands of insertions into its mapping
// and the view (a 200k-SYN flood loaded 15x slower sorted by Window than by Time). Here a batch is
// appended in one insertion, then merged into place with one layout change; rows evicted at the
// front leave in one removal. Rows are kept by arrival number (source row + rows evicted before
// it), so an eviction renumbers nothing.
class ConnectionFilterModel : public QAbstractProxyModel {
    Q_OBJECT
public:
    explicit ConnectionFilterModel(QObject* parent = nullptr);

    void setSourceModel(QAbstractItemModel* model) override;
    QModelIndex mapToSource(const QModelIndex& proxyIndex) const override;
    QModelIndex mapFromSource(const QModelIndex& sourceIndex) const override;
    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    QModelIndex sibling(int row, int column, const QModelIndex& idx) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    bool hasChildren(const QModelIndex& parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // column -1: arrival order. Ties keep arrival order (reversed when descending).
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    // While deferred, cells that change in place (dataChanged) are shown changed, but the rows
    // they would move or filter out stay where they are; ending it applies the filter and the
    // order once. What a re-scoring does around its chunks.
    void setDeferred(bool deferred);
    bool deferred() const { return m_deferred; }

    void setFilterText(const QString& text);
    QString filterText() const { return m_text; }
    // Empty when the text parsed; otherwise what is wrong (the filter then matches nothing).
    QString filterError() const { return m_error; }

private:
    struct Clause {
        enum Type { Port, OsClass, Verdict, Kind, Connection, Address, Text } type = Text;
        int port = 0;
        QString text;                // OsClass / Text: the needle; Verdict: unknown, ambiguous, scanner
        int kind = 0;                // Kind: PacketKind; Connection: ConnectionVerdict::Kind, -1: suspicious
        IpAddress address{};
        uint8_t ipVersion = 4;
    };
    bool matches(const Clause& c, size_t row) const;
    bool accepts(size_t sourceRow) const;
    // Proxy order of two arrival numbers.
    bool before(uint64_t a, uint64_t b) const;
    // m_rows from scratch: every accepted source row, sorted.
    void rebuild();
    // Reorders m_rows inside one layout change, moving persistent indexes with their rows.
    template <typename Change>
    void relayout(Change&& change);
    void resort();   // m_rows in the current order, in one layout change
    int proxyRowOf(uint64_t arrival) const;

    void onRowsInserted(const QModelIndex& parent, int first, int last);
    void onRowsAboutToBeRemoved(const QModelIndex& parent, int first, int last);
    void onRowsRemoved(const QModelIndex& parent, int first, int last);
    void onDataChanged(const QModelIndex& topLeft, const QModelIndex& bottomRight, const QList<int>& roles);
    void resetFromSource();

    ConnectionModel* m_model = nullptr;
    std::vector<uint64_t> m_rows;   // arrival numbers in proxy order
    uint64_t m_base = 0;            // arrival number of source row 0
    mutable std::vector<int> m_proxyOfSource;   // source row -> proxy row or -1, built on demand
    mutable bool m_proxyOfSourceValid = false;
    bool m_resetOnRemoved = false;  // a removal that was not at the front: rebuilt afterwards
    bool m_deferred = false;
    bool m_pendingRefilter = false;
    bool m_pendingResort = false;
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    QString m_text;
    QString m_error;
    std::vector<Clause> m_clauses;
};

} // namespace synscope
