// SPDX-License-Identifier: GPL-3.0-or-later
// The connection table: one row per SYN / SYN+ACK in a ConnectionStore, text made in data().
// Batches are appended with one beginInsertRows each; rows evicted by the store's cap leave the
// front with one beginRemoveRows.
#pragma once

#include "ui/models/connection_store.h"
#include "ui/models/rescorer.h"

#include <QAbstractTableModel>

namespace synscope {

class ConnectionModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Time, Source, Destination, Kind, TtlHops, Window, Mss, Options, OsGuess, Score,
                   LinkMtu, Confidence, UaOs, Verdict, Suspicion, NUM_COLUMNS };
    enum Roles {
        RowIndexRole = Qt::UserRole,   // qulonglong: the row's index in store() at the time of the call
        ScoreRole,                 // double: best score
        MaxScoreRole,              // double: the profile's perfect score
        OsClassRole,               // QString: class of the best entry (empty without)
        SourceAddressRole,         // QString: source address without port
        DestinationAddressRole,    // QString
        SourcePortRole,            // int
        DestinationPortRole,       // int
        BestEntryRole,             // qlonglong: the entry's DbEntry uid (stable id), -1 without
        KindRole,                  // int: PacketKind
        SuspicionRole,             // double: the connection's suspicion; -1 before its flow is reported
        ConfidenceRole,            // int: the verdict's confidence in percent
    };

    explicit ConnectionModel(QObject* parent = nullptr);
    ~ConnectionModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    // The one order of each column (the filter model sorts by it): < 0, 0 or > 0 as store row
    // `left` sorts before, with or after `right`.
    int compare(size_t left, size_t right, int column) const;

    const ConnectionStore& store() const { return m_store; }
    void setRowCap(size_t cap) { m_store.setRowCap(cap); }
    // Re-decodes a row (see ConnectionStore::record).
    bool record(int row, SynRecord* out) const { return row >= 0 && m_store.record(size_t(row), out); }

    // Time column relative to the first packet ever appended (seconds), or absolute local time.
    void setRelativeTime(bool relative);
    bool relativeTime() const { return m_relativeTime; }

    // The text of one cell, as data(DisplayRole) gives it (also used by the filter proxy).
    QString text(size_t row, int column) const;

    // A User-Agent typed in for a row's connection (the detail pane): the verdict is decided again
    // with it. False for a row that is not a SYN.
    bool setUserAgent(int row, const QString& userAgent, const OsVerdict& stack);

    // The rows are shown against another database or profile from now on (ConnectionStore::
    // switchDatabase); applyScores() brings each chunk of their re-scoring (ui/models/rescorer.h).
    void switchDatabase(std::shared_ptr<const Database> database, const Profile* profile);
    void applyScores(const RescoreChunk& chunk);
    std::vector<uint32_t> takeStale() { return m_store.takeStale(); }

public Q_SLOTS:
    void appendBatch(const synscope::RowBatchPtr& batch);
    void clear();

Q_SIGNALS:
    // After each appendBatch: rows added and removed at the front.
    void rowsAppended(int inserted, int evicted);
    // Rows already shown gained or changed their connection's verdict (first..last, source rows).
    void connectionsChanged(int first, int last);

private:
    void applyConnections(const RowBatch& batch, size_t inserted);

    ConnectionStore m_store;
    bool m_relativeTime = true;
    int64_t m_firstTs = -1;
};

} // namespace synscope
