// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/connection_filter_model.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

// A connection verdict's name as a filter word ("os_mismatch", "tunnel"...), -1 for another word.
int connectionKindOf(const QString& word)
{
    for (int k = 0; k <= int(ConnectionVerdict::Kind::Unknown); ++k) {
        const auto kind = ConnectionVerdict::Kind(k);
        // "unknown" and "ambiguous" are the OS verdict's words.
        if (kind == ConnectionVerdict::Kind::Unknown || kind == ConnectionVerdict::Kind::Ambiguous)
            continue;
        if (word == QLatin1StringView(connectionVerdictName(kind)))
            return k;
    }
    return -1;
}

} // namespace

namespace {

bool parseAddress(const QString& text, IpAddress* out, uint8_t* version)
{
    const QByteArray latin = text.toLatin1();
    IpAddress a{};
    if (inet_pton(AF_INET, latin.constData(), a.data()) == 1) {
        *out = a;
        *version = 4;
        return true;
    }
    if (inet_pton(AF_INET6, latin.constData(), a.data()) == 1) {
        *out = a;
        *version = 6;
        return true;
    }
    return false;
}

} // namespace

ConnectionFilterModel::ConnectionFilterModel(QObject* parent) : QAbstractProxyModel(parent) {}

void ConnectionFilterModel::setSourceModel(QAbstractItemModel* model)
{
    beginResetModel();
    if (sourceModel())
        disconnect(sourceModel(), nullptr, this, nullptr);
    m_model = qobject_cast<ConnectionModel*>(model);
    QAbstractProxyModel::setSourceModel(m_model);
    if (m_model) {
        connect(m_model, &QAbstractItemModel::rowsInserted, this, &ConnectionFilterModel::onRowsInserted);
        connect(m_model, &QAbstractItemModel::rowsAboutToBeRemoved, this,
                &ConnectionFilterModel::onRowsAboutToBeRemoved);
        connect(m_model, &QAbstractItemModel::rowsRemoved, this, &ConnectionFilterModel::onRowsRemoved);
        connect(m_model, &QAbstractItemModel::dataChanged, this, &ConnectionFilterModel::onDataChanged);
        connect(m_model, &QAbstractItemModel::headerDataChanged, this, &QAbstractItemModel::headerDataChanged);
        connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, [this] { beginResetModel(); });
        connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
            m_base = 0;
            rebuild();
            endResetModel();
        });
        connect(m_model, &QAbstractItemModel::layoutChanged, this, &ConnectionFilterModel::resetFromSource);
    }
    m_base = 0;
    rebuild();
    endResetModel();
}

QModelIndex ConnectionFilterModel::mapToSource(const QModelIndex& proxyIndex) const
{
    if (!m_model || !proxyIndex.isValid() || proxyIndex.model() != this || size_t(proxyIndex.row()) >= m_rows.size())
        return {};
    return m_model->index(int(m_rows[size_t(proxyIndex.row())] - m_base), proxyIndex.column());
}

QModelIndex ConnectionFilterModel::mapFromSource(const QModelIndex& sourceIndex) const
{
    if (!m_model || !sourceIndex.isValid() || sourceIndex.model() != m_model)
        return {};
    const int row = proxyRowOf(m_base + uint64_t(sourceIndex.row()));
    return row < 0 ? QModelIndex() : index(row, sourceIndex.column());
}

QModelIndex ConnectionFilterModel::index(int row, int column, const QModelIndex& parent) const
{
    if (parent.isValid() || row < 0 || size_t(row) >= m_rows.size() || column < 0 || column >= columnCount())
        return {};
    return createIndex(row, column);
}

QModelIndex ConnectionFilterModel::parent(const QModelIndex&) const
{
    return {};
}

QModelIndex ConnectionFilterModel::sibling(int row, int column, const QModelIndex&) const
{
    return index(row, column);
}

int ConnectionFilterModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ConnectionFilterModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_model ? 0 : m_model->columnCount();
}

bool ConnectionFilterModel::hasChildren(const QModelIndex& parent) const
{
    return !parent.isValid() && !m_rows.empty();
}

QVariant ConnectionFilterModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (!m_model)
        return {};
    if (orientation == Qt::Horizontal)
        return m_model->headerData(section, orientation, role);
    return role == Qt::DisplayRole ? QVariant(section + 1) : QVariant();
}

int ConnectionFilterModel::proxyRowOf(uint64_t arrival) const
{
    if (!m_model || arrival < m_base)
        return -1;
    if (!m_proxyOfSourceValid) {
        m_proxyOfSource.assign(size_t(m_model->rowCount()), -1);
        for (size_t i = 0; i < m_rows.size(); ++i)
            m_proxyOfSource[size_t(m_rows[i] - m_base)] = int(i);
        m_proxyOfSourceValid = true;
    }
    const uint64_t source = arrival - m_base;
    return source < m_proxyOfSource.size() ? m_proxyOfSource[size_t(source)] : -1;
}

template <typename Change>
void ConnectionFilterModel::relayout(Change&& change)
{
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList from = persistentIndexList();
    std::vector<uint64_t> arrivals;
    arrivals.reserve(size_t(from.size()));
    for (const QModelIndex& i : from)
        arrivals.push_back(m_rows[size_t(i.row())]);
    change();
    m_proxyOfSourceValid = false;
    if (!from.isEmpty()) {
        QModelIndexList to;
        to.reserve(from.size());
        for (qsizetype k = 0; k < from.size(); ++k) {
            const int row = proxyRowOf(arrivals[size_t(k)]);
            to << (row < 0 ? QModelIndex() : index(row, from[k].column()));
        }
        changePersistentIndexList(from, to);
    }
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void ConnectionFilterModel::rebuild()
{
    m_rows.clear();
    m_proxyOfSourceValid = false;
    if (!m_model)
        return;
    const size_t n = size_t(m_model->rowCount());
    for (size_t r = 0; r < n; ++r)
        if (accepts(r))
            m_rows.push_back(m_base + r);
    if (m_sortColumn >= 0)
        std::sort(m_rows.begin(), m_rows.end(), [this](uint64_t a, uint64_t b) { return before(a, b); });
}

void ConnectionFilterModel::resetFromSource()
{
    beginResetModel();
    rebuild();
    endResetModel();
}

void ConnectionFilterModel::sort(int column, Qt::SortOrder order)
{
    if (column >= columnCount())
        column = -1;
    if (column == m_sortColumn && order == m_sortOrder)
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    resort();
}

void ConnectionFilterModel::resort()
{
    relayout([this] {
        std::sort(m_rows.begin(), m_rows.end(), [this](uint64_t a, uint64_t b) { return before(a, b); });
    });
}

void ConnectionFilterModel::onRowsInserted(const QModelIndex& parent, int first, int last)
{
    if (parent.isValid())
        return;
    if (last != m_model->rowCount() - 1) {
        resetFromSource();   // not an append: ConnectionModel only appends, but be correct
        return;
    }
    std::vector<uint64_t> added;
    for (int r = first; r <= last; ++r)
        if (accepts(size_t(r)))
            added.push_back(m_base + uint64_t(r));
    if (added.empty())
        return;
    const auto order = [this](uint64_t a, uint64_t b) { return before(a, b); };
    if (m_sortColumn >= 0)
        std::sort(added.begin(), added.end(), order);
    const size_t n = m_rows.size();
    // In one insertion at the end; when the batch belongs elsewhere (any sort but arrival or
    // ascending time), one merge puts it in place.
    beginInsertRows({}, int(n), int(n + added.size()) - 1);
    m_rows.insert(m_rows.end(), added.begin(), added.end());
    m_proxyOfSourceValid = false;
    endInsertRows();
    if (m_sortColumn >= 0 && n > 0 && before(m_rows[n], m_rows[n - 1]))
        relayout([&] { std::inplace_merge(m_rows.begin(), m_rows.begin() + qsizetype(n), m_rows.end(), order); });
}

void ConnectionFilterModel::onRowsAboutToBeRemoved(const QModelIndex& parent, int first, int last)
{
    if (parent.isValid())
        return;
    if (first != 0) {
        m_resetOnRemoved = true;
        beginResetModel();
        return;
    }
    const uint64_t end = m_base + uint64_t(last) + 1;   // arrival numbers below this go
    const auto gone = [end](uint64_t a) { return a < end; };
    const size_t removed = size_t(std::count_if(m_rows.begin(), m_rows.end(), gone));
    if (removed == 0)
        return;
    // The evicted rows are the oldest: at the front in arrival order, at the back newest-first;
    // scattered under any other sort, they are first gathered at the back in one layout change.
    const size_t n = m_rows.size();
    if (std::all_of(m_rows.begin(), m_rows.begin() + qsizetype(removed), gone)) {
        beginRemoveRows({}, 0, int(removed) - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + qsizetype(removed));
        m_proxyOfSourceValid = false;
        endRemoveRows();
        return;
    }
    if (!std::all_of(m_rows.end() - qsizetype(removed), m_rows.end(), gone))
        relayout([&] { std::stable_partition(m_rows.begin(), m_rows.end(), [&](uint64_t a) { return !gone(a); }); });
    beginRemoveRows({}, int(n - removed), int(n) - 1);
    m_rows.resize(n - removed);
    m_proxyOfSourceValid = false;
    endRemoveRows();
}

void ConnectionFilterModel::onRowsRemoved(const QModelIndex& parent, int first, int last)
{
    if (parent.isValid())
        return;
    if (m_resetOnRemoved) {
        m_resetOnRemoved = false;
        m_base = 0;
        rebuild();
        endResetModel();
        return;
    }
    m_base += uint64_t(last - first) + 1;
    m_proxyOfSourceValid = false;
}

void ConnectionFilterModel::onDataChanged(const QModelIndex& topLeft, const QModelIndex& bottomRight,
                                          const QList<int>& roles)
{
    // Cells change in place when a connection's verdict arrives (the connection columns) and when
    // rows are re-scored with an edited database (the OS guess to the confidence, and the
    // connection columns that follow from it). A filter that reads changed columns is applied
    // again; an order on a changed column moves the rows (persistent indexes with them); anything
    // else only announces the changed columns for every proxy row.
    const int left = topLeft.column(), right = bottomRight.column();
    const auto changed = [&](int column) { return column >= left && column <= right; };
    const auto reads = [&](const Clause& c) {
        switch (c.type) {
        case Clause::Connection: return right >= ConnectionModel::UaOs;
        case Clause::OsClass:
        case Clause::Verdict:
        case Clause::Text: return changed(ConnectionModel::OsGuess);
        default: return false;
        }
    };
    const bool refilter = std::any_of(m_clauses.begin(), m_clauses.end(), reads);
    const bool reorder = m_sortColumn >= 0 && changed(m_sortColumn);
    if (m_deferred && (refilter || reorder)) {
        // Many changes in a row (a re-scoring's chunks): filtered and sorted once, at the end.
        m_pendingRefilter = m_pendingRefilter || refilter;
        m_pendingResort = m_pendingResort || reorder;
    } else if (refilter) {
        resetFromSource();
        return;
    } else if (reorder) {
        resort();
    }
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, left), index(int(m_rows.size()) - 1, right), roles);
}

void ConnectionFilterModel::setDeferred(bool deferred)
{
    m_deferred = deferred;
    if (deferred)
        return;
    if (std::exchange(m_pendingRefilter, false)) {
        m_pendingResort = false;
        resetFromSource();
    } else if (std::exchange(m_pendingResort, false)) {
        resort();
    }
}

void ConnectionFilterModel::setFilterText(const QString& text)
{
    if (text == m_text)
        return;
    m_text = text;
    m_error.clear();
    m_clauses.clear();
    const QStringList words = text.simplified().split(u' ', Qt::SkipEmptyParts);
    for (qsizetype i = 0; i < words.size(); ++i) {
        const QString w = words[i];
        const QString lw = w.toLower();
        Clause c;
        if (lw == u"port"_s || lw == u"os"_s) {
            if (i + 1 >= words.size()) {
                m_error = tr("'%1' needs a value").arg(w);
                break;
            }
            const QString value = words[++i];
            if (lw == u"port"_s) {
                bool ok = false;
                const int port = value.toInt(&ok);
                if (!ok || port < 0 || port > 65535) {
                    m_error = tr("'%1' is not a port number").arg(value);
                    break;
                }
                c.type = Clause::Port;
                c.port = port;
            } else {
                c.type = Clause::OsClass;
                c.text = value;
            }
        } else if (lw == u"unknown"_s || lw == u"ambiguous"_s || lw == u"scanner"_s) {
            c.type = Clause::Verdict;
            c.text = lw;
        } else if (lw == u"suspicious"_s || connectionKindOf(lw) >= 0) {
            c.type = Clause::Connection;
            c.text = lw;
            c.kind = connectionKindOf(lw);
        } else if (lw == u"syn"_s || lw == u"synack"_s || lw == u"syn+ack"_s) {
            c.type = Clause::Kind;
            c.kind = int(lw == u"syn"_s ? PacketKind::Syn : PacketKind::SynAck);
        } else if (parseAddress(w, &c.address, &c.ipVersion)) {
            c.type = Clause::Address;
        } else {
            c.text = w;
        }
        m_clauses.push_back(std::move(c));
    }
    if (!m_error.isEmpty())
        m_clauses.clear();
    resetFromSource();
}

bool ConnectionFilterModel::matches(const Clause& c, size_t row) const
{
    const ConnectionStore& store = m_model->store();
    const ConnectionRow& r = store.row(row);
    switch (c.type) {
    case Clause::Port:
        return r.src_port == c.port || r.dst_port == c.port;
    case Clause::OsClass:
        return store.classes().name(r.os_class).contains(c.text, Qt::CaseInsensitive);
    case Clause::Verdict:
        if (c.text == u"ambiguous"_s)
            return (r.flags & RowAmbiguous) != 0;
        return store.classes().name(r.os_class).startsWith(c.text);   // "unknown", "scanner: nmap"
    case Clause::Kind:
        return r.kind == c.kind;
    case Clause::Connection:
        if (const ConnectionInfo* info = store.connection(r))
            return c.kind >= 0 ? int(info->verdict) == c.kind : info->suspicion >= ConnectionVerdict::kFlagAt;
        return false;
    case Clause::Address:
        return r.ip_version == c.ipVersion && (r.src == c.address || r.dst == c.address);
    case Clause::Text:
        for (int col : {ConnectionModel::Source, ConnectionModel::Destination,
                        ConnectionModel::OsGuess, ConnectionModel::Options}) {
            if (m_model->text(row, col).contains(c.text, Qt::CaseInsensitive))
                return true;
        }
        return false;
    }
    return false;
}

bool ConnectionFilterModel::accepts(size_t sourceRow) const
{
    if (!m_error.isEmpty())
        return false;
    for (const Clause& c : m_clauses) {
        if (!matches(c, sourceRow))
            return false;
    }
    return true;
}

bool ConnectionFilterModel::before(uint64_t a, uint64_t b) const
{
    if (m_sortOrder == Qt::DescendingOrder)
        std::swap(a, b);
    const int c = m_sortColumn < 0 ? 0 : m_model->compare(size_t(a - m_base), size_t(b - m_base), m_sortColumn);
    // Equal keys keep arrival order, so a sort is stable across batches.
    return c != 0 ? c < 0 : a < b;
}

} // namespace synscope
