// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/connection_model.h"

#include "core/detect/detect.h"

#include <QColor>
#include <QDateTime>

#include <cstring>
#include <limits>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

QString addressText(const IpAddress& a, uint8_t ipVersion)
{
    return QString::fromStdString(formatAddress(a, ipVersion));
}

QString endpointText(const IpAddress& a, uint16_t port, uint8_t ipVersion)
{
    const QString addr = addressText(a, ipVersion);
    return ipVersion == 6 ? u"[%1]:%2"_s.arg(addr).arg(port) : u"%1:%2"_s.arg(addr).arg(port);
}

template <typename T>
int compare3(const T& a, const T& b)
{
    return a < b ? -1 : (b < a ? 1 : 0);
}

// IPv4 before IPv6, then by address and port.
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

ConnectionModel::ConnectionModel(QObject* parent) : QAbstractTableModel(parent) {}

ConnectionModel::~ConnectionModel() = default;

int ConnectionModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_store.size());
}

int ConnectionModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : NUM_COLUMNS;
}

QString ConnectionModel::text(size_t row, int column) const
{
    const ConnectionRow& r = m_store.row(row);
    switch (column) {
    case Time:
        if (m_relativeTime)
            return QString::number(double(r.ts_ns - m_firstTs) / 1e9, 'f', 6);
        return QDateTime::fromMSecsSinceEpoch(r.ts_ns / 1'000'000)
            .toString(u"yyyy-MM-dd hh:mm:ss.zzz"_s);
    case Source:
        return endpointText(r.src, r.src_port, r.ip_version);
    case Destination:
        return endpointText(r.dst, r.dst_port, r.ip_version);
    case Kind:
        return r.packetKind() == PacketKind::SynAck ? u"SYN+ACK"_s : u"SYN"_s;
    case TtlHops:
        return u"%1 (%2 hops)"_s.arg(r.ttl).arg(r.hops());
    case Window:
        if (r.flags & RowHasWscale)
            return u"%1 ws %2"_s.arg(r.window).arg(r.wscale);
        return QString::number(r.window);
    case Mss:
        return (r.flags & RowHasMss) ? QString::number(r.mss) : QString();
    case Options:
        return m_store.optionsText(r.options_id);
    case OsGuess: {
        // The verdict's words (decideOs()); a plain class verdict names its entry ("Linux 6.x").
        const DbEntry* e = m_store.entry(r.entry_uid);
        const QString verdict = m_store.classes().name(r.os_class);
        if (!e)
            return verdict;
        if (verdict == u"unknown"_s)
            return u"unknown (closest: %1)"_s.arg(m_store.entryGuess(r.entry_uid));
        return verdict == e->label.os_class ? m_store.entryGuess(r.entry_uid) : verdict;
    }
    case Score:
        return QString::number(r.best_score, 'f', 2);
    case Confidence:
        return m_store.classes().name(r.os_class).isEmpty() ? QString()
                                                            : QString::number(r.confidence / 100.0, 'f', 2);
    case UaOs:
        if (const ConnectionInfo* c = m_store.connection(r))
            return c->ua_os;
        return QString();
    case Verdict:
        if (const ConnectionInfo* c = m_store.connection(r))
            return QString::fromLatin1(connectionVerdictName(c->verdict));
        return QString();
    case Suspicion:
        if (const ConnectionInfo* c = m_store.connection(r))
            return QString::number(c->suspicion, 'f', 2);
        return QString();
    case LinkMtu: {
        QString s;
        if (r.flags & RowHasMss) {
            const LinkEstimate link = estimateLink(r.mss, r.ip_version);
            s = link.link.empty() ? QString::number(link.mtu)
                                   : u"%1 %2"_s.arg(link.mtu).arg(QLatin1StringView(link.link));
        }
        if (r.encapsulation) {
            const QString encap = QString::fromStdString(encapsulationString(r.encapsulation));
            s = s.isEmpty() ? u"[%1]"_s.arg(encap) : u"%1 [%2]"_s.arg(s, encap);
        }
        return s;
    }
    }
    return QString();
}

QVariant ConnectionModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const size_t row = size_t(index.row());
    const ConnectionRow& r = m_store.row(row);
    switch (role) {
    case Qt::DisplayRole:
        return text(row, index.column());
    case Qt::ToolTipRole:
        if (index.column() == OsGuess) {
            const DbEntry* e = m_store.entry(r.entry_uid);
            if (!e)
                return tr("No database entry matched");
            return tr("%1 (entry %2)\nclass %3, device %4\n%5")
                .arg(text(row, OsGuess), e->id, e->label.os_class, e->label.device, e->label.provenance);
        }
        return {};
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case Time: case TtlHops: case Window: case Mss: case Score: case Confidence: case Suspicion:
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        default:
            return {};
        }
    case ConfidenceRole:
        return int(r.confidence);
    case RowIndexRole:
        return qulonglong(row);
    case ScoreRole:
        return double(r.best_score);
    case MaxScoreRole:
        return m_store.maxScore();
    case OsClassRole:
        return m_store.classes().name(r.os_class);
    case SourceAddressRole:
        return addressText(r.src, r.ip_version);
    case DestinationAddressRole:
        return addressText(r.dst, r.ip_version);
    case SourcePortRole:
        return int(r.src_port);
    case DestinationPortRole:
        return int(r.dst_port);
    case BestEntryRole:
        return qlonglong(r.entry_uid);
    case KindRole:
        return int(r.kind);
    case SuspicionRole:
        return double(m_store.suspicionKey(r));
    case Qt::ForegroundRole:
        if (index.column() == Verdict || index.column() == Suspicion)
            if (const ConnectionInfo* c = m_store.connection(r); c && c->suspicion >= ConnectionVerdict::kFlagAt)
                return QColor(0xb0, 0x20, 0x20);
        return {};
    }
    return {};
}

QVariant ConnectionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= NUM_COLUMNS)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Time: return tr("Time");
        case Source: return tr("Source");
        case Destination: return tr("Destination");
        case Kind: return tr("Kind");
        case TtlHops: return tr("TTL / hops");
        case Window: return tr("Window");
        case Mss: return tr("MSS");
        case Options: return tr("Options");
        case OsGuess: return tr("OS guess");
        case Score: return tr("Score");
        case LinkMtu: return tr("Link / MTU");
        case Confidence: return tr("Confidence");
        case UaOs: return tr("UA OS");
        case Verdict: return tr("Verdict");
        case Suspicion: return tr("Suspicion");
        }
    } else if (role == Qt::ToolTipRole) {
        switch (section) {
        case Time: return m_relativeTime ? tr("Seconds since the first packet") : tr("Capture time");
        case TtlHops: return tr("Observed TTL and hops from the nearest initial TTL (32/64/128/255)");
        case Window: return tr("Window as sent, with the window scale shift");
        case Score: return tr("Best score against the database");
        case LinkMtu: return tr("MTU implied by the MSS, the link it suggests, and the encapsulation seen");
        case UaOs: return tr("The OS the connection's User-Agent names (HTTP, an access log, or typed in)");
        case Verdict: return tr("The connection's verdict: consistent, os_mismatch, tunnel, proxy_headers, "
                                "proxy_rtt, ambiguous or unknown");
        case Suspicion: return tr("How strongly the evidence says proxy, VPN or spoof (0 to 1); flagged from %1")
                            .arg(ConnectionVerdict::kFlagAt);
        default: return {};
        }
    }
    return {};
}

void ConnectionModel::setRelativeTime(bool relative)
{
    if (relative == m_relativeTime)
        return;
    m_relativeTime = relative;
    if (m_store.size() > 0)
        Q_EMIT dataChanged(index(0, Time), index(int(m_store.size()) - 1, Time), {Qt::DisplayRole});
    Q_EMIT headerDataChanged(Qt::Horizontal, Time, Time);
}

void ConnectionModel::appendBatch(const RowBatchPtr& batch)
{
    if (!batch || (batch->rows.empty() && batch->connections.empty()))
        return;
    const ConnectionStore::AppendPlan plan = m_store.plan(*batch);
    if (plan.evict > 0) {
        beginRemoveRows({}, 0, int(plan.evict) - 1);
        m_store.removeFront(plan.evict);
        endRemoveRows();
    }
    const int first = int(m_store.size());
    if (plan.insert > 0) {
        beginInsertRows({}, first, first + int(plan.insert) - 1);
        m_store.append(*batch);
        if (m_firstTs < 0)
            m_firstTs = m_store.row(0).ts_ns;
        endInsertRows();
        Q_EMIT rowsAppended(int(plan.insert), int(plan.evict));
    }
    applyConnections(*batch, plan.insert);
}

void ConnectionModel::switchDatabase(std::shared_ptr<const Database> database, const Profile* profile)
{
    m_store.switchDatabase(std::move(database), profile);
    if (m_store.size() > 0)
        Q_EMIT dataChanged(index(0, OsGuess), index(int(m_store.size()) - 1, Suspicion));
}

void ConnectionModel::applyScores(const RescoreChunk& chunk)
{
    const auto [first, last] = m_store.applyScores(chunk.scores);
    long long cfirst = std::numeric_limits<long long>::max(), clast = -1;
    for (const RescoreChunk::Connection& c : chunk.connections) {
        const long long r = m_store.rowOfFrame(c.frame);
        const ConnectionInfo* now = r < 0 ? nullptr : m_store.connection(m_store.row(size_t(r)));
        if (!now || now->flow != c.from)
            continue;   // gone, or its evidence changed since the job copied it
        m_store.setConnection(c.frame, c.info);
        cfirst = std::min(cfirst, r);
        clast = std::max(clast, r);
    }
    if (first <= last)
        Q_EMIT dataChanged(index(int(first), OsGuess), index(int(last), Confidence));
    if (cfirst <= clast) {
        Q_EMIT dataChanged(index(int(cfirst), UaOs), index(int(clast), Suspicion));
        Q_EMIT connectionsChanged(int(cfirst), int(clast));
    }
}

void ConnectionModel::applyConnections(const RowBatch& batch, size_t inserted)
{
    if (batch.connections.empty())
        return;
    // One dataChanged for the batch's updated rows that were already shown.
    const auto [first, last] = m_store.applyConnections(batch, inserted);
    if (first <= last) {
        Q_EMIT dataChanged(index(int(first), UaOs), index(int(last), Suspicion));
        Q_EMIT connectionsChanged(int(first), int(last));
    }
}

bool ConnectionModel::setUserAgent(int row, const QString& userAgent, const OsVerdict& stack)
{
    if (row < 0 || size_t(row) >= m_store.size())
        return false;
    const ConnectionRow& r = m_store.row(size_t(row));
    if (r.packetKind() != PacketKind::Syn)
        return false;
    auto flow = std::make_shared<Flow>();
    FlowEnd end = FlowEnd::Complete;
    if (const ConnectionInfo* c = m_store.connection(r)) {
        *flow = *c->flow;
        end = c->end;
    } else {
        // No followed connection (a capture of SYNs only): the SYN alone is the evidence.
        if (!m_store.record(size_t(row), &flow->syn))
            return false;
        flow->os = stack;
        flow->hops = estimateHops(flow->syn.fp.ip_ttl);
        flow->link = estimateLink(flow->syn.fp.tcp_mss, flow->syn.fp.ip_version);
        flow->key.client = r.src;
        flow->key.server = r.dst;
        flow->key.client_port = r.src_port;
        flow->key.server_port = r.dst_port;
        flow->key.ip_version = r.ip_version;
        flow->syn_ns = r.ts_ns;
    }
    flow->user_agent = userAgent.toStdString();
    flow->ua_source = userAgent.isEmpty() ? UaSource::None : UaSource::Manual;
    flow->ch_platform.clear();
    flow->ch_platform_version.clear();
    m_store.setConnection(r.frame, connectionInfo(std::move(flow), end));
    Q_EMIT dataChanged(index(row, UaOs), index(row, Suspicion));
    Q_EMIT connectionsChanged(row, row);
    return true;
}

void ConnectionModel::clear()
{
    beginResetModel();
    m_store.clear();
    m_firstTs = -1;
    endResetModel();
}

int ConnectionModel::compare(size_t left, size_t right, int column) const
{
    const ConnectionStore& store = m_store;
    const ConnectionRow& a = store.row(left);
    const ConnectionRow& b = store.row(right);
    switch (column) {
    case Time: return compare3(a.ts_ns, b.ts_ns);
    case Source:
        return compareEndpoint(a.src, a.src_port, b.src, b.src_port, a.ip_version, b.ip_version);
    case Destination:
        return compareEndpoint(a.dst, a.dst_port, b.dst, b.dst_port, a.ip_version, b.ip_version);
    case Kind: return compare3(a.kind, b.kind);
    case TtlHops: return compare3(a.hops() * 256 + a.ttl, b.hops() * 256 + b.ttl);
    case Window: return compare3(a.window, b.window);
    case Mss:
        return compare3((a.flags & RowHasMss) ? int(a.mss) : -1, (b.flags & RowHasMss) ? int(b.mss) : -1);
    case Options: return compare3(store.optionsRank(a.options_id), store.optionsRank(b.options_id));
    case OsGuess: return compare3(store.osGuessKey(a), store.osGuessKey(b));
    case Score: return compare3(a.best_score, b.best_score);
    case LinkMtu: return compare3(a.mtu(), b.mtu());
    case Confidence: return compare3(a.confidence, b.confidence);
    case UaOs:
        return QString::compare(text(left, UaOs), text(right, UaOs));
    case Verdict: return compare3(store.verdictKey(a), store.verdictKey(b));
    case Suspicion: return compare3(store.suspicionKey(a), store.suspicionKey(b));
    }
    return 0;
}

} // namespace synscope
