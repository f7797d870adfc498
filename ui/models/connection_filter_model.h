// SPDX-License-Identifier: GPL-3.0-or-later
// Sorting and display filtering of a ConnectionModel. Sorting compares the stored numbers of the
// rows directly (SortRole semantics, without a QVariant per comparison). The filter text is a
// list of clauses that must all match:
//   port 443        source or destination port
//   os linux        OS class of the verdict, core/match/verdict.h (case-insensitive substring)
//   syn / synack    packet kind
//   10.1.2.3, ::1   source or destination address, exactly
//   anything else   case-insensitive substring of source, destination, OS guess or options
#pragma once

#include "ui/models/connection_model.h"

#include <QSortFilterProxyModel>

#include <vector>

namespace synscope {

class ConnectionFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit ConnectionFilterModel(QObject* parent = nullptr);

    void setSourceModel(QAbstractItemModel* model) override;

    void setFilterText(const QString& text);
    QString filterText() const { return m_text; }
    // Empty when the text parsed; otherwise what is wrong (the filter then matches nothing).
    QString filterError() const { return m_error; }

    // While bulk-inserting many batches, dynamic sorting/filtering can be paused; resuming
    // re-sorts and re-filters once.
    void setBulkInsert(bool bulk);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    struct Clause {
        enum Type { Port, OsClass, Kind, Address, Text } type = Text;
        int port = 0;
        QString text;                // OsClass / Text: the needle
        int kind = 0;
        IpAddress address{};
        uint8_t ipVersion = 4;
    };
    bool matches(const Clause& c, size_t row) const;

    ConnectionModel* m_model = nullptr;
    QString m_text;
    QString m_error;
    std::vector<Clause> m_clauses;
};

} // namespace synscope
