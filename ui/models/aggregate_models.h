// SPDX-License-Identifier: GPL-3.0-or-later
// Small aggregate models fed with every batch and updated at most every updateInterval ms (each
// batch is folded on arrival into counts kept apart from those shown; a timer, or flush(),
// publishes them), so charts can follow a fast capture without repainting per batch, and a
// publish costs the few hundred counts it copies, however many rows arrived meanwhile.
//   OsTimelineModel      rows: time buckets; column 0 the bucket start (seconds since the first
//                        packet), then one column per OS class of the database, then "unmatched".
//                        Bucket width doubles (buckets merge) to stay within maxBuckets.
//   ScoreHistogramModel  rows: equal-width bins of best score over [0, max score]; columns: range
//                        text and count. Connections without any match are counted apart.
#pragma once

#include "ui/models/connection_store.h"

#include <QAbstractTableModel>
#include <QTimer>

#include <vector>

namespace synscope {

class OsTimelineModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Roles { SortRole = Qt::UserRole };

    explicit OsTimelineModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setUpdateInterval(int ms) { m_timer.setInterval(ms); }
    void setMaxBuckets(int n) { m_maxBuckets = std::max(2, n); }
    double bucketSeconds() const { return m_shown.bucketSeconds; }
    // Column of an OS class (first class column is 1); the last column counts unmatched rows.
    int classCount() const { return m_classes.size(); }

public Q_SLOTS:
    void addBatch(const synscope::RowBatchPtr& batch);
    void flush();
    void clear();

private:
    struct Buckets {
        int64_t originNs = -1;
        double bucketSeconds = 1.0;
        std::vector<std::vector<quint64>> counts;   // per bucket: per class, then unmatched
    };
    // Empties the model and scores its classes from `database` from now on.
    void reset(std::shared_ptr<const Database> database);
    void addToBuckets(int64_t ts, uint16_t cls);
    void mergePairs();   // twice the width, half the buckets

    QTimer m_timer;
    std::shared_ptr<const Database> m_database;
    VerdictLabels m_classes;
    int m_maxBuckets = 240;
    Buckets m_shown;      // published
    Buckets m_counting;   // every batch so far; published by flush()
    bool m_pending = false;
};

class ScoreHistogramModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Range, Count, NUM_COLUMNS };
    enum Roles { SortRole = Qt::UserRole, LowerBoundRole, UpperBoundRole };

    explicit ScoreHistogramModel(int bins = 20, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setUpdateInterval(int ms) { m_timer.setInterval(ms); }
    double maxScore() const { return m_maxScore; }
    quint64 unmatched() const { return m_unmatched; }
    quint64 total() const;

public Q_SLOTS:
    void addBatch(const synscope::RowBatchPtr& batch);
    void flush();
    void clear();

private:
    // Empties the model and bins the scores of `profile` from now on.
    void reset(const Profile* profile);

    QTimer m_timer;
    const Profile* m_profile = nullptr;
    double m_maxScore = 0;
    std::vector<quint64> m_counts;
    std::vector<quint64> m_pending;
    quint64 m_unmatched = 0;
};

} // namespace synscope
