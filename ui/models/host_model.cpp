// SPDX-License-Identifier: GPL-3.0-or-later
#include "models/host_model.h"

#include <QDateTime>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

// What makes two SYNs "the same fingerprint" for the host view: the fields a stack sets.
uint64_t fingerprintHash(const ConnectionRow& r, const std::string& options)
{
    uint64_t h = std::hash<std::string>{}(options);
    const uint64_t fields = uint64_t(r.window) | uint64_t(r.initial_ttl) << 16
        | uint64_t(r.flags & (RowDf | RowHasMss | RowHasWscale)) << 24 | uint64_t(r.ip_version) << 32
        | uint64_t(r.kind) << 40;
    h ^= fields + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

QString timeText(int64_t ns)
{
    return QDateTime::fromMSecsSinceEpoch(ns / 1'000'000).toString(u"yyyy-MM-dd hh:mm:ss.zzz"_s);
}

} // namespace

size_t HostModel::KeyHash::operator()(const Key& k) const
{
    const std::string_view bytes(reinterpret_cast<const char*>(k.address.data()), k.address.size());
    return std::hash<std::string_view>{}(bytes) ^ k.ipVersion;
}

void HostModel::Host::addFingerprint(uint64_t fp)
{
    // Called after ++connections: the first connection sets the inline hash.
    if (connections == 1) {
        firstFingerprint = fp;
        return;
    }
    if (fp == firstFingerprint
        || std::find(moreFingerprints.begin(), moreFingerprints.end(), fp) != moreFingerprints.end())
        return;
    moreFingerprints.push_back(fp);
}

HostModel::HostModel(QObject* parent) : QAbstractTableModel(parent) {}

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
    const Host& h = m_hosts[size_t(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Address: return QString::fromStdString(formatAddress(h.address, h.ipVersion));
        case FirstSeen: return timeText(h.firstNs);
        case LastSeen: return timeText(h.lastNs);
        case Connections: return qulonglong(h.connections);
        case Fingerprints: return qulonglong(h.fingerprintCount());
        case OsGuess: return m_classes.name(h.guessClass);
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
        case Fingerprints: return qulonglong(h.fingerprintCount());
        case OsGuess: return m_classes.name(h.guessClass);
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
        beginResetModel();
        m_hosts.clear();
        for (auto& shard : m_index)
            shard.clear();
        m_database = batch->database;
        m_classes = m_database ? OsClassIndex(*m_database) : OsClassIndex();
        endResetModel();
    }
    // New hosts are appended in one insertion; updated rows get one dataChanged over their span.
    const int before = int(m_hosts.size());
    int firstChanged = before;
    int lastChanged = -1;
    std::vector<Host> added;
    for (const ConnectionRow& r : batch->rows) {
        const Key key{r.src, r.ip_version};
        auto& shard = m_index[(KeyHash{}(key) >> 24) % kShards];
        auto [it, inserted] = shard.try_emplace(key, before + int(added.size()));
        Host* h;
        if (inserted) {
            added.emplace_back();
            h = &added.back();
            h->address = r.src;
            h->ipVersion = r.ip_version;
            h->firstNs = r.ts_ns;
            h->lastNs = r.ts_ns;
        } else if (it->second >= before) {
            h = &added[size_t(it->second - before)];
        } else {
            h = &m_hosts[size_t(it->second)];
            firstChanged = std::min(firstChanged, it->second);
            lastChanged = std::max(lastChanged, it->second);
        }
        h->firstNs = std::min(h->firstNs, r.ts_ns);
        h->lastNs = std::max(h->lastNs, r.ts_ns);
        ++h->connections;
        h->guessClass = r.guessClass();
        static const std::string kNone;
        h->addFingerprint(fingerprintHash(
            r, r.options_id < batch->options.size() ? batch->options[r.options_id] : kNone));
    }
    if (lastChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, 0), index(lastChanged, NUM_COLUMNS - 1));
    if (!added.empty()) {
        beginInsertRows({}, before, before + int(added.size()) - 1);
        std::move(added.begin(), added.end(), std::back_inserter(m_hosts));
        endInsertRows();
    }
}

void HostModel::clear()
{
    beginResetModel();
    m_hosts.clear();
    for (auto& shard : m_index)
        shard.clear();
    endResetModel();
}

} // namespace synscope
