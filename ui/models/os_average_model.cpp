// SPDX-License-Identifier: GPL-3.0-or-later
#include "models/os_average_model.h"

#include <QHash>

#include <algorithm>

namespace synscope {

OsAverageModel::OsAverageModel(QObject* parent) : QAbstractTableModel(parent) {}

int OsAverageModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int OsAverageModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : NUM_COLUMNS;
}

QVariant OsAverageModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = m_rows[size_t(index.row())];
    if (role == MaxScoreRole)
        return m_classification.max_score;
    if (role != Qt::DisplayRole && role != SortRole && role != Qt::EditRole)
        return {};
    switch (index.column()) {
    case Class: return r.average.os_class;
    case Average: return r.average.average;   // numbers, so a bar mapper reads them as values
    case Count: return r.average.n;
    case Averaged: return r.average.averaged;
    case Best: return r.best;
    }
    return {};
}

QVariant OsAverageModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Vertical)
        return section >= 0 && size_t(section) < m_rows.size() ? m_rows[size_t(section)].average.os_class
                                                               : QVariant();
    switch (section) {
    case Class: return tr("Class");
    case Average: return tr("Average");
    case Count: return tr("N");
    case Averaged: return tr("Averaged");
    case Best: return tr("Best");
    }
    return {};
}

void OsAverageModel::setFingerprint(const Fingerprint& fp, const Database& db,
                                    const Profile& profile, int minClassSize)
{
    beginResetModel();
    const Classifier classifier(db, profile, 1, minClassSize);
    m_classification = classifier.classifyUncached(fp);
    QHash<QString, double> best;
    const Profile::Features observed = Profile::features(fp);
    for (const DbEntry& e : db.entries) {
        if (e.label.os_class.isEmpty())
            continue;
        const double s = profile.score(observed, Profile::features(e));
        auto it = best.find(e.label.os_class);
        if (it == best.end())
            best.insert(e.label.os_class, s);
        else
            *it = std::max(*it, s);
    }
    m_rows.clear();
    m_rows.reserve(m_classification.averages.size());
    for (const ClassAverage& a : m_classification.averages)
        m_rows.push_back({a, best.value(a.os_class)});
    endResetModel();
}

void OsAverageModel::clear()
{
    beginResetModel();
    m_classification = {};
    m_rows.clear();
    endResetModel();
}

} // namespace synscope
