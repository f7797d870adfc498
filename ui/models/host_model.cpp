// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/host_model.h"

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

size_t HostModel::hashOf(const IpAddress& address, uint8_t ipVersion)
{
    const std::string_view bytes(reinterpret_cast<const char*>(address.data()), address.size());
    return std::hash<std::string_view>{}(bytes) ^ ipVersion;
}

uint32_t& HostModel::cellFor(Shard& shard, const IpAddress& address, uint8_t ipVersion, size_t hash)
{
    // The low bits chose the shard (addBatch); the cell comes from the high bits.
    const size_t mask = shard.cells.size() - 1;
    for (size_t i = (hash >> 8) & mask;; i = (i + 1) & mask) {
        uint32_t& cell = shard.cells[i];
        if (cell == 0)
            return cell;
        const Host& h = host(cell - 1);
        if (h.address == address && h.ipVersion == ipVersion)
            return cell;
    }
}

void HostModel::grow(Shard& shard)
{
    std::vector<uint32_t> old(shard.cells.empty() ? 8 : shard.cells.size() * 2, 0);
    old.swap(shard.cells);
    for (uint32_t number : old) {
        if (number != 0) {
            const Host& h = host(number - 1);
            cellFor(shard, h.address, h.ipVersion, hashOf(h.address, h.ipVersion)) = number;
        }
    }
}

size_t HostModel::fingerprintCount(const Host& h) const
{
    if (h.connections == 0)
        return 0;
    return 1 + (h.moreFingerprints ? m_moreFingerprints[h.moreFingerprints - 1].size() : 0);
}

void HostModel::addFingerprint(Host& h, uint64_t fp)
{
    // Called after ++connections: the first connection sets the inline hash.
    if (h.connections == 1) {
        h.firstFingerprint = fp;
        return;
    }
    if (fp == h.firstFingerprint || h.fingerprintsSaturated)
        return;
    if (h.moreFingerprints == 0) {
        if (m_freeFingerprintSets.empty()) {
            m_moreFingerprints.emplace_back();
            h.moreFingerprints = uint32_t(m_moreFingerprints.size());
        } else {
            h.moreFingerprints = m_freeFingerprintSets.back();
            m_freeFingerprintSets.pop_back();
        }
    }
    std::unordered_set<uint64_t>& more = m_moreFingerprints[h.moreFingerprints - 1];
    if (more.size() + 1 >= kMaxFingerprints && !more.contains(fp))
        h.fingerprintsSaturated = true;
    else
        more.insert(fp);
}

void HostModel::evict()
{
    const size_t keep = m_hostCap - m_hostCap / 8;
    if (m_hosts.size() <= m_hostCap)
        return;
    const size_t n = m_hosts.size() - keep;
    beginRemoveRows({}, 0, int(n) - 1);
    for (size_t i = 0; i < n; ++i) {
        if (const uint32_t slot = m_hosts[i].moreFingerprints) {
            std::unordered_set<uint64_t>().swap(m_moreFingerprints[slot - 1]);
            m_freeFingerprintSets.push_back(slot);
        }
    }
    m_hosts.erase(m_hosts.begin(), m_hosts.begin() + qsizetype(n));
    m_evicted += n;
    for (Shard& shard : m_index) {
        std::fill(shard.cells.begin(), shard.cells.end(), 0u);
        shard.used = 0;
    }
    for (size_t number = 0; number < m_hosts.size(); ++number) {
        const Host& h = m_hosts[number];
        const size_t hash = hashOf(h.address, h.ipVersion);
        Shard& shard = m_index[hash % kShards];
        cellFor(shard, h.address, h.ipVersion, hash) = uint32_t(number) + 1;
        ++shard.used;
    }
    endRemoveRows();
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
        case Fingerprints:
            return h.fingerprintsSaturated ? QVariant(u"%1+"_s.arg(fingerprintCount(h)))
                                           : QVariant(qulonglong(fingerprintCount(h)));
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
        case Fingerprints: return qulonglong(fingerprintCount(h));
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
    // New hosts are appended in one insertion; updated rows get one dataChanged over their span.
    const size_t before = m_hosts.size();
    size_t firstChanged = before;
    size_t lastChanged = 0;
    for (const ConnectionRow& r : batch->rows) {
        const size_t hash = hashOf(r.src, r.ip_version);
        Shard& shard = m_index[hash % kShards];
        if ((shard.used + 1) * 10 > shard.cells.size() * 7)   // keep the load at or under 0.7
            grow(shard);
        uint32_t& cell = cellFor(shard, r.src, r.ip_version, hash);
        Host* h;
        if (cell == 0) {
            ++shard.used;
            cell = uint32_t(before + m_pending.size()) + 1;
            h = &m_pending.emplace_back();
            h->address = r.src;
            h->ipVersion = r.ip_version;
            h->firstNs = r.ts_ns;
            h->lastNs = r.ts_ns;
        } else {
            const uint32_t number = cell - 1;
            h = &host(number);
            if (number < before) {
                firstChanged = std::min<size_t>(firstChanged, number);
                lastChanged = std::max<size_t>(lastChanged, number);
            }
        }
        h->firstNs = std::min(h->firstNs, r.ts_ns);
        h->lastNs = std::max(h->lastNs, r.ts_ns);
        ++h->connections;
        h->osClass = r.os_class;
        static const std::string kNone;
        addFingerprint(*h, fingerprintHash(
            r, r.options_id < batch->options.size() ? batch->options[r.options_id] : kNone));
    }
    if (firstChanged < before)
        Q_EMIT dataChanged(index(int(firstChanged), 0), index(int(lastChanged), NUM_COLUMNS - 1));
    if (!m_pending.empty()) {
        beginInsertRows({}, int(before), int(before + m_pending.size()) - 1);
        std::move(m_pending.begin(), m_pending.end(), std::back_inserter(m_hosts));
        m_pending.clear();
        endInsertRows();
    }
    evict();
}

void HostModel::clear()
{
    beginResetModel();
    m_hosts.clear();
    m_pending.clear();
    for (Shard& shard : m_index)
        shard = Shard();
    m_moreFingerprints.clear();
    m_freeFingerprintSets.clear();
    m_evicted = 0;
    endResetModel();
}

} // namespace synscope
