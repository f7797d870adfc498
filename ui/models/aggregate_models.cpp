// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/aggregate_models.h"

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {
constexpr int kDefaultUpdateMs = 250;
}

OsTimelineModel::OsTimelineModel(QObject* parent) : QAbstractTableModel(parent)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(kDefaultUpdateMs);
    connect(&m_timer, &QTimer::timeout, this, &OsTimelineModel::flush);
}

int OsTimelineModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_shown.counts.size());
}

int OsTimelineModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_database ? 0 : m_classes.size() + 2;
}

QVariant OsTimelineModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    if (index.column() == 0)
        return double(index.row()) * m_shown.bucketSeconds;
    return m_shown.counts[size_t(index.row())][size_t(index.column() - 1)];
}

QVariant OsTimelineModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Vertical)
        return double(section) * m_shown.bucketSeconds;
    if (section == 0)
        return tr("Time (s)");
    if (section == m_classes.size() + 1)
        return tr("Unmatched");
    return m_classes.name(uint16_t(section - 1));
}

void OsTimelineModel::addBatch(const RowBatchPtr& batch)
{
    if (!batch || batch->rows.empty())
        return;
    if (batch->database != m_database)
        reset(batch->database);
    for (const ConnectionRow& r : batch->rows)
        addToBuckets(r.ts_ns, r.os_class);
    m_pending = true;
    if (!m_timer.isActive())
        m_timer.start();
}

void OsTimelineModel::mergePairs()
{
    Buckets& b = m_counting;
    std::vector<std::vector<quint64>> merged((b.counts.size() + 1) / 2,
                                             std::vector<quint64>(size_t(m_classes.size()) + 1));
    for (size_t i = 0; i < b.counts.size(); ++i)
        for (size_t c = 0; c < b.counts[i].size(); ++c)
            merged[i / 2][c] += b.counts[i][c];
    b.counts = std::move(merged);
    b.bucketSeconds *= 2;
}

void OsTimelineModel::addToBuckets(int64_t ts, uint16_t cls)
{
    Buckets& b = m_counting;
    const auto bucketsFor = [&b](int64_t span) {
        return size_t(std::ceil(double(span) / 1e9 / b.bucketSeconds));
    };
    if (b.originNs < 0)
        b.originNs = ts;
    if (ts < b.originNs) {
        // An earlier packet (files are not always in time order) moves the origin back: widen the
        // buckets first if the new span would not fit, then prepend empty ones.
        while (bucketsFor(b.originNs - ts) + b.counts.size() > size_t(m_maxBuckets))
            mergePairs();
        const size_t shift = bucketsFor(b.originNs - ts);
        b.counts.insert(b.counts.begin(), shift, std::vector<quint64>(size_t(m_classes.size()) + 1));
        b.originNs -= int64_t(double(shift) * b.bucketSeconds * 1e9);
    }
    size_t i = size_t(double(ts - b.originNs) / 1e9 / b.bucketSeconds);
    while (i >= size_t(m_maxBuckets)) {
        mergePairs();
        i = size_t(double(ts - b.originNs) / 1e9 / b.bucketSeconds);
    }
    if (i >= b.counts.size())
        b.counts.resize(i + 1, std::vector<quint64>(size_t(m_classes.size()) + 1));
    const size_t col = cls == VerdictLabels::kNone || cls >= m_classes.size() ? size_t(m_classes.size()) : cls;
    ++b.counts[i][col];
}

void OsTimelineModel::flush()
{
    m_timer.stop();
    if (!m_pending)
        return;
    // Bucket merges and origin shifts move every row: a reset is the honest signal, and cheap for
    // a model of a few hundred rows.
    beginResetModel();
    m_shown = m_counting;
    m_pending = false;
    endResetModel();
}

void OsTimelineModel::clear()
{
    reset(m_database);
}

// Counts not yet published go too: they belong to what is being cleared.
void OsTimelineModel::reset(std::shared_ptr<const Database> database)
{
    m_timer.stop();
    beginResetModel();
    if (database != m_database) {
        m_database = std::move(database);
        m_classes = m_database ? VerdictLabels(*m_database) : VerdictLabels();
    }
    m_shown = Buckets();
    m_counting = Buckets();
    m_pending = false;
    endResetModel();
}

ScoreHistogramModel::ScoreHistogramModel(int bins, QObject* parent)
    : QAbstractTableModel(parent), m_counts(size_t(std::max(1, bins))), m_pending(m_counts.size())
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(kDefaultUpdateMs);
    connect(&m_timer, &QTimer::timeout, this, &ScoreHistogramModel::flush);
}

int ScoreHistogramModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_counts.size());
}

int ScoreHistogramModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : NUM_COLUMNS;
}

quint64 ScoreHistogramModel::total() const
{
    quint64 n = 0;
    for (quint64 c : m_counts)
        n += c;
    return n;
}

QVariant ScoreHistogramModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const double width = m_maxScore / double(m_counts.size());
    const double lower = width * index.row();
    const double upper = width * (index.row() + 1);
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == Range)
            return u"%1–%2"_s.arg(lower, 0, 'f', 2).arg(upper, 0, 'f', 2);
        return m_counts[size_t(index.row())];
    case SortRole:
        return index.column() == Range ? QVariant(lower) : QVariant(m_counts[size_t(index.row())]);
    case LowerBoundRole:
        return lower;
    case UpperBoundRole:
        return upper;
    }
    return {};
}

QVariant ScoreHistogramModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Range: return tr("Best score");
    case Count: return tr("Connections");
    }
    return {};
}

void ScoreHistogramModel::addBatch(const RowBatchPtr& batch)
{
    if (!batch || batch->rows.empty())
        return;
    if (batch->profile != m_profile)
        reset(batch->profile);
    const size_t bins = m_counts.size();
    for (const ConnectionRow& r : batch->rows) {
        if (r.entry_uid < 0 || m_maxScore <= 0) {
            ++m_unmatched;
            continue;
        }
        const double f = std::clamp(double(r.best_score) / m_maxScore, 0.0, 1.0);
        ++m_pending[std::min(bins - 1, size_t(f * double(bins)))];
    }
    if (!m_timer.isActive())
        m_timer.start();
}

void ScoreHistogramModel::flush()
{
    m_timer.stop();
    int first = -1, last = -1;
    for (size_t i = 0; i < m_pending.size(); ++i) {
        if (m_pending[i] == 0)
            continue;
        m_counts[i] += m_pending[i];
        m_pending[i] = 0;
        if (first < 0)
            first = int(i);
        last = int(i);
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, Count), index(last, Count), {Qt::DisplayRole, SortRole});
}

void ScoreHistogramModel::clear()
{
    reset(m_profile);
}

void ScoreHistogramModel::reset(const Profile* profile)
{
    m_timer.stop();
    beginResetModel();
    m_profile = profile;
    m_maxScore = m_profile ? m_profile->maxScore() : 0;
    std::fill(m_counts.begin(), m_counts.end(), 0);
    std::fill(m_pending.begin(), m_pending.end(), 0);
    m_unmatched = 0;
    endResetModel();
}

} // namespace synscope
