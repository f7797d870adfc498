// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/connection_filter_model.h"

#include <arpa/inet.h>

#include <cstring>

using namespace Qt::StringLiterals;

namespace synscope {

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

template <typename T>
int compare3(const T& a, const T& b)
{
    return a < b ? -1 : (b < a ? 1 : 0);
}

int compareEndpoint(const IpAddress& a, uint16_t ap, const IpAddress& b, uint16_t bp, uint8_t av,
                    uint8_t bv)
{
    if (int c = compare3(av, bv))
        return c;
    if (int c = std::memcmp(a.data(), b.data(), a.size()))
        return c;
    return compare3(ap, bp);
}

} // namespace

ConnectionFilterModel::ConnectionFilterModel(QObject* parent) : QSortFilterProxyModel(parent)
{
    setSortRole(ConnectionModel::SortRole);
}

void ConnectionFilterModel::setSourceModel(QAbstractItemModel* model)
{
    m_model = qobject_cast<ConnectionModel*>(model);
    QSortFilterProxyModel::setSourceModel(model);
}

void ConnectionFilterModel::setBulkInsert(bool bulk)
{
    setDynamicSortFilter(!bulk);
    if (!bulk) {
        invalidate();
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
    // A full invalidate rebuilds the mapping in one pass; invalidateFilter() would announce every
    // changed range separately, which is quadratic on a sorted view of a million rows.
    invalidate();
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
    case Clause::Kind:
        return r.kind == c.kind;
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

bool ConnectionFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (sourceParent.isValid() || !m_model)
        return false;
    if (!m_error.isEmpty())
        return false;
    for (const Clause& c : m_clauses) {
        if (!matches(c, size_t(sourceRow)))
            return false;
    }
    return true;
}

bool ConnectionFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    if (!m_model || sortRole() != ConnectionModel::SortRole)
        return QSortFilterProxyModel::lessThan(left, right);
    const ConnectionStore& store = m_model->store();
    const ConnectionRow& a = store.row(size_t(left.row()));
    const ConnectionRow& b = store.row(size_t(right.row()));
    int c = 0;
    switch (left.column()) {
    case ConnectionModel::Time: c = compare3(a.ts_ns, b.ts_ns); break;
    case ConnectionModel::Source:
        c = compareEndpoint(a.src, a.src_port, b.src, b.src_port, a.ip_version, b.ip_version);
        break;
    case ConnectionModel::Destination:
        c = compareEndpoint(a.dst, a.dst_port, b.dst, b.dst_port, a.ip_version, b.ip_version);
        break;
    case ConnectionModel::Kind: c = compare3(a.kind, b.kind); break;
    case ConnectionModel::TtlHops:
        c = compare3(a.hops() * 256 + a.ttl, b.hops() * 256 + b.ttl);
        break;
    case ConnectionModel::Window: c = compare3(a.window, b.window); break;
    case ConnectionModel::Mss:
        c = compare3((a.flags & RowHasMss) ? int(a.mss) : -1, (b.flags & RowHasMss) ? int(b.mss) : -1);
        break;
    case ConnectionModel::Options:
        c = compare3(store.optionsRank(a.options_id), store.optionsRank(b.options_id));
        break;
    case ConnectionModel::OsGuess:
        c = compare3(store.entryGuessRank(a.best_entry), store.entryGuessRank(b.best_entry));
        break;
    case ConnectionModel::Score: c = compare3(a.best_score, b.best_score); break;
    case ConnectionModel::LinkMtu: c = compare3(a.mtu(), b.mtu()); break;
    default: return QSortFilterProxyModel::lessThan(left, right);
    }
    // Equal keys keep arrival order, so a sort is stable across batches.
    return c != 0 ? c < 0 : left.row() < right.row();
}

} // namespace synscope
