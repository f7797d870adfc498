// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/flow/access_log_index.h"

#include "core/util/hash.h"

#include <algorithm>
#include <climits>

namespace synscope {

size_t AccessLogIndex::ClientKeyHash::operator()(const ClientKey& k) const noexcept
{
    return size_t(fnv1a(k.addr.data(), k.addr.size(), kFnvOffset ^ k.version));
}

void AccessLogIndex::add(AccessLogEntry e)
{
    const ClientKey key{e.client, e.ip_version};
    auto& entries = m_clients[key].entries;
    // Lines come in time order, nearly: insert where the time says.
    const auto at = std::upper_bound(entries.begin(), entries.end(), e.ts_ns,
                                     [](int64_t t, const AccessLogEntry& x) { return t < x.ts_ns; });
    m_order.emplace_back(key, e.ts_ns);
    entries.insert(at, std::move(e));
    if (++m_entryCount > kMaxEntries) {
        const auto [oldKey, ts] = m_order.front();
        m_order.pop_front();
        auto it = m_clients.find(oldKey);
        if (it != m_clients.end()) {
            auto& v = it->second.entries;
            const auto victim = std::lower_bound(
                v.begin(), v.end(), ts, [](const AccessLogEntry& x, int64_t t) { return x.ts_ns < t; });
            if (victim != v.end()) {
                v.erase(victim);
                --m_entryCount;
                ++m_dropped;
            }
        }
    }
}

void AccessLogIndex::noteConnection(uint64_t id, const IpAddress& client, uint8_t ipVersion,
                                    uint16_t port, int64_t startNs)
{
    const ClientKey key{client, ipVersion};
    auto& spans = m_clients[key].spans;
    if (spans.size() >= kMaxSpansPerClient) {
        m_connections.erase(spans.front().id);
        spans.pop_front();
    }
    spans.push_back({id, port, startNs, INT64_MAX});
    m_connections[id] = key;
}

void AccessLogIndex::endConnection(uint64_t id, int64_t lastNs)
{
    const auto c = m_connections.find(id);
    if (c == m_connections.end())
        return;
    for (Span& s : m_clients[c->second].spans)
        if (s.id == id)
            s.end_ns = lastNs;
}

bool AccessLogIndex::fits(const Span& s, const AccessLogEntry& e) const
{
    if (e.client_port >= 0 && e.client_port != s.port)
        return false;
    const int64_t precision = std::max<int64_t>(e.ts_precision_ns, 1'000'000);
    // A line's time is when the request was logged: after the SYN, at most the slack after the
    // connection's last packet. A whole-second time may lie up to a second before the SYN.
    const int64_t end = s.end_ns == INT64_MAX ? INT64_MAX : s.end_ns + kSlackNs + precision;
    return e.ts_ns + precision >= s.start_ns && e.ts_ns <= end;
}

AccessLogIndex::Match AccessLogIndex::match(uint64_t id) const
{
    Match m;
    const auto c = m_connections.find(id);
    if (c == m_connections.end())
        return m;
    const auto client = m_clients.find(c->second);
    if (client == m_clients.end())
        return m;
    const Client& cl = client->second;
    const auto self = std::find_if(cl.spans.begin(), cl.spans.end(),
                                   [id](const Span& s) { return s.id == id; });
    if (self == cl.spans.end())
        return m;
    const auto from = std::lower_bound(cl.entries.begin(), cl.entries.end(),
                                       self->start_ns - 2'000'000'000,
                                       [](const AccessLogEntry& x, int64_t t) { return x.ts_ns < t; });
    for (auto e = from; e != cl.entries.end(); ++e) {
        if (!fits(*self, *e)) {
            if (self->end_ns != INT64_MAX && e->ts_ns > self->end_ns + kSlackNs + 1'000'000'000)
                break;
            continue;
        }
        int fitting = 0;
        for (const Span& s : cl.spans)
            fitting += fits(s, *e);
        if (fitting == 1) {
            m.entry = &*e;
            m.competing = 0;
            return m;
        }
        if (!m.competing) {
            m.competing = fitting;
            m.ambiguous_line = e->line;
        }
    }
    return m;
}

} // namespace synscope
