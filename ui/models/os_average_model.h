// SPDX-License-Identifier: GPL-3.0-or-later
// The per-class scores of one fingerprint (the selected connection): class, average, N, whether
// the class is large enough to be averaged, and its best entry score. Small and flat so that a
// QBarModelMapper can drive a chart from it; rows follow Classification::averages' order.
#pragma once

#include "match/classifier.h"

#include <QAbstractTableModel>

#include <vector>

namespace synscope {

class OsAverageModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Class, Average, Count, Averaged, Best, NUM_COLUMNS };
    enum Roles { SortRole = Qt::UserRole, MaxScoreRole };

    explicit OsAverageModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Scores fp against every entry of db with profile (uncached, for one selection).
    void setFingerprint(const Fingerprint& fp, const Database& db, const Profile& profile,
                        int minClassSize = 8);
    void clear();

    const Classification& classification() const { return m_classification; }
    double maxScore() const { return m_classification.max_score; }

private:
    struct Row {
        ClassAverage average;
        double best;
    };
    Classification m_classification;
    std::vector<Row> m_rows;
};

} // namespace synscope
