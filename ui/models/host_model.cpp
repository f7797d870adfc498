// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/host_model.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

QString timeText(int64_t ns)
{
    return QDateTime::fromMSecsSinceEpoch(ns / 1'000'000).toString(u"yyyy-MM-dd hh:mm:ss.zzz"_s);
}

} // namespace

HostModel::HostModel(QObject* parent) : QAbstractTableModel(parent) {}

HostModel::~HostModel() = default;

int HostModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_hosts.size());
}

int HostModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : NUM_COLUMNS;
}

QVariant HostModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const HostRecord& h = m_hosts.at(size_t(index.row()));
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Address: return QString::fromStdString(formatAddress(h.address, h.ipVersion));
        case FirstSeen: return timeText(h.firstNs);
        case LastSeen: return timeText(h.lastNs);
        case Connections: return qulonglong(h.connections);
        case Fingerprints:
            return h.fingerprintsSaturated ? QVariant(u"%1+"_s.arg(m_hosts.fingerprintCount(h)))
                                           : QVariant(qulonglong(m_hosts.fingerprintCount(h)));
        case OsGuess: return m_classes.name(h.osClass);
        }
    } else if (role == SortRole) {
        switch (index.column()) {
        case Address: {
            QByteArray key(1, char(h.ipVersion));
            key.append(reinterpret_cast<const char*>(h.address.data()), h.ipVersion == 6 ? 16 : 4);
            return key;
        }
        case FirstSeen: return qint64(h.firstNs);
        case LastSeen: return qint64(h.lastNs);
        case Connections: return qulonglong(h.connections);
        case Fingerprints: return qulonglong(m_hosts.fingerprintCount(h));
        case OsGuess: return m_classes.name(h.osClass);
        }
    } else if (role == Qt::TextAlignmentRole
               && (index.column() == Connections || index.column() == Fingerprints)) {
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
    }
    return {};
}

QVariant HostModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Address: return tr("Address");
    case FirstSeen: return tr("First seen");
    case LastSeen: return tr("Last seen");
    case Connections: return tr("Connections");
    case Fingerprints: return tr("Fingerprints");
    case OsGuess: return tr("OS guess");
    }
    return {};
}

void HostModel::addBatch(const RowBatchPtr& batch)
{
    if (!batch || batch->rows.empty())
        return;
    if (batch->database != m_database) {
        clear();
        m_database = batch->database;
        m_classes = m_database ? VerdictLabels(*m_database) : VerdictLabels();
    }
    const HostDelta* delta = batch->hosts.get();
    HostDelta own;
    if (!delta || !m_hosts.follows(*delta)) {
        // Rows no delta of the shown table's source came with (built by hand, or a second run
        // added without clear()): aggregated here, from a copy of what is shown.
        if (!m_own) {
            m_own = std::make_unique<HostTable>();
            m_own->assign(m_hosts);
        }
        m_own->setCap(m_hostCap);
        m_own->add(*batch, &own);
        delta = &own;
    }
    // Updated rows get one dataChanged over their span, new hosts are appended in one insertion,
    // evicted ones leave the front in one removal.
    const size_t before = m_hosts.size();
    m_hosts.applyUpdates(*delta);
    if (!delta->updated.empty()) {
        Q_EMIT dataChanged(index(int(delta->updated.front().first - m_hosts.evicted()), 0),
                           index(int(delta->updated.back().first - m_hosts.evicted()), NUM_COLUMNS - 1));
    }
    if (!delta->added.empty()) {
        beginInsertRows({}, int(before), int(before + delta->added.size()) - 1);
        m_hosts.applyAdditions(*delta);
        endInsertRows();
    }
    if (delta->evicted > 0) {
        beginRemoveRows({}, 0, int(delta->evicted) - 1);
        m_hosts.removeOldest(delta->evicted);
        endRemoveRows();
    }
}

void HostModel::clear()
{
    beginResetModel();
    m_hosts.clear();
    m_own.reset();
    endResetModel();
}

} // namespace synscope
