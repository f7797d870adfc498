// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/flow/flow_table.h"

#include "core/flow/access_log_index.h"

#include <algorithm>
#include <cstring>

namespace synscope {

size_t FlowKeyHash::operator()(const FlowKey& k) const noexcept
{
    // Word at a time: a flood's every SYN is hashed, byte-wise FNV was a third of its cost.
    // Unused address bytes are zero, so equal keys hash alike.
    uint64_t w[4];
    std::memcpy(w, k.client.data(), 16);
    std::memcpy(w + 2, k.server.data(), 16);
    uint64_t h = (uint64_t(k.client_port) << 24 | uint64_t(k.server_port) << 8 | k.ip_version)
                 * 0x9E3779B97F4A7C15ull;
    for (const uint64_t x : w) {
        h = (h ^ x) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    return size_t(h);
}

std::string_view uaSourceName(UaSource s)
{
    switch (s) {
    case UaSource::None: return "";
    case UaSource::Http: return "http";
    case UaSource::AccessLog: return "access-log";
    case UaSource::Manual: return "manual";
    }
    return "";
}

std::string_view flowEndName(FlowEnd e)
{
    switch (e) {
    case FlowEnd::Complete: return "complete";
    case FlowEnd::Closed: return "closed";
    case FlowEnd::Expired: return "expired";
    case FlowEnd::Evicted: return "evicted";
    case FlowEnd::EndOfRun: return "end of capture";
    }
    return "";
}

namespace {

// The index entry's check bits: hash bits above those that chose the entry.
uint32_t tagOf(size_t hash) { return uint32_t(uint64_t(hash) >> 49); }

// Sequence-space "a is before b" (RFC 1982 arithmetic).
bool seqBefore(uint32_t a, uint32_t b) { return int32_t(a - b) < 0; }

FlowKey keyOf(const IpAddress& client, uint16_t cport, const IpAddress& server, uint16_t sport,
              uint8_t version)
{
    FlowKey k;
    k.client = client;
    k.server = server;
    k.client_port = cport;
    k.server_port = sport;
    k.ip_version = version;
    return k;
}

// The connection a SYN (from its client) or SYN+ACK (to it) belongs to.
FlowKey connectionOf(const SynRecord& r)
{
    return r.kind == PacketKind::Syn ? keyOf(r.src, r.src_port, r.dst, r.dst_port, r.fp.ip_version)
                                     : keyOf(r.dst, r.dst_port, r.src, r.src_port, r.fp.ip_version);
}

} // namespace

void FlowTable::touch(List::iterator it, int64_t ns)
{
    it->last_ns = std::max(it->last_ns, ns);
    m_lru.splice(m_lru.end(), m_lru, it);
}

FlowTable::Pending* FlowTable::pendingOf(const FlowKey& key, size_t hash)
{
    const uint32_t e = m_pendingIndex[hash & (kPendingIndex - 1)];
    if (e == 0 || e >> kPositionBits != tagOf(hash))
        return nullptr;
    Pending& p = m_pending[(e & ((1u << kPositionBits) - 1)) - 1];
    return p.used && p.key == key ? &p : nullptr;
}

void FlowTable::prefetch(const SynRecord& r) const
{
    if (m_pendingIndex.empty())
        return;
    __builtin_prefetch(&m_pendingIndex[FlowKeyHash{}(connectionOf(r)) & (kPendingIndex - 1)]);
}

void FlowTable::onSyn(const SynRecord& syn)
{
    const FlowKey key = connectionOf(syn);
    if (!m_flows.empty()) {
        const auto found = m_flows.find(key);
        if (found != m_flows.end())   // the same 4-tuple after a handshake: a new connection
            end(found->second, FlowEnd::Closed);
    }
    if (m_pending.empty()) {
        m_pending.resize(kPendingSlots);
        m_pendingIndex.assign(kPendingIndex, 0);
    }
    const size_t hash = FlowKeyHash{}(key);
    if (Pending* earlier = pendingOf(key, hash))
        earlier->used = false;   // a retransmission replaces its own SYN, uncounted
    Pending& slot = m_pending[m_pendingNext];
    if (slot.used)
        ++m_stats.without_handshake;   // the oldest unanswered SYN makes room
    slot.used = true;
    slot.key = key;
    slot.syn = syn;
    m_pendingIndex[hash & (kPendingIndex - 1)] = tagOf(hash) << kPositionBits
                                                 | uint32_t(m_pendingNext + 1);
    m_pendingNext = (m_pendingNext + 1) & (kPendingSlots - 1);
}

void FlowTable::onSynAck(const SynRecord& sa)
{
    const FlowKey key = connectionOf(sa);
    if (!m_pending.empty()) {
        if (Pending* slot = pendingOf(key, FlowKeyHash{}(key))) {
            slot->used = false;
            startFlow(slot->syn, sa);
            return;
        }
    }
    const auto it = m_flows.find(key);   // a retransmitted SYN+ACK
    if (it != m_flows.end())
        touch(it->second, sa.ts_ns);
}

void FlowTable::startFlow(const SynRecord& syn, const SynRecord& sa)
{
    if (m_flows.size() >= m_maxFlows) {
        ++m_stats.evicted;
        end(m_lru.begin(), FlowEnd::Evicted);
    }
    Flow& f = m_lru.emplace_back();
    f.id = m_nextId++;
    f.key = connectionOf(syn);
    f.syn = syn;   // the answered SYN: a retransmission replaced an earlier one in its slot
    f.syn_ns = syn.ts_ns;
    f.last_ns = std::max(syn.ts_ns, sa.ts_ns);
    f.synack_ns = sa.ts_ns;
    f.server_isn = sa.fp.tcp_seq;
    f.client_next_seq = syn.fp.tcp_seq + 1;
    m_flows.emplace(f.key, std::prev(m_lru.end()));
    ++m_stats.flows;
    if (m_accessLog)
        m_accessLog->noteConnection(f.id, f.key.client, f.key.ip_version, f.key.client_port, f.syn_ns);
}

void FlowTable::clientData(Flow& f, const TcpSegment& s)
{
    if (f.client_data.size() >= kMaxClientBytes || f.client_out_of_order)
        return;
    uint32_t seq = s.seq;
    const char* p = reinterpret_cast<const char*>(s.payload);
    uint32_t n = s.payload_captured;
    if (seqBefore(seq, f.client_next_seq)) {   // a retransmission overlapping what we have
        const uint32_t skip = f.client_next_seq - seq;
        if (skip >= n)
            return;
        p += skip, n -= skip, seq += skip;
    }
    if (seq != f.client_next_seq || s.payload_captured < s.payload_length) {
        // A gap (a lost or reordered segment, or a payload cut by the snap length): what follows
        // cannot be read in order, so the request is read from what came before.
        f.client_out_of_order = true;
        if (seq != f.client_next_seq)
            return;
    }
    const size_t room = kMaxClientBytes - f.client_data.size();
    size_t take = std::min<size_t>(n, room);
    if (m_bufferedBytes + take > kMaxBufferedBytes) {
        m_stats.bytes_refused += take;
        f.client_out_of_order = true;
        return;
    }
    const bool first = f.client_data.empty();
    f.client_data.append(p, take);
    m_bufferedBytes += take;
    f.client_next_seq = seq + uint32_t(take);

    const std::string_view data(f.client_data);
    if (first)
        f.tls = looksLikeTlsHandshake(data);
    if (!f.tls && f.http.state != HttpRequest::State::Complete) {
        f.http = parseHttpRequest(data);
        if (f.http.state == HttpRequest::State::Complete && !f.http.user_agent.empty()) {
            f.ua_source = UaSource::Http;
            f.user_agent = f.http.user_agent;
            f.ch_platform = f.http.sec_ch_ua_platform;
            f.ch_platform_version = f.http.sec_ch_ua_platform_version;
        }
    }
}

void FlowTable::onSegment(const TcpSegment& s)
{
    bool fromClient = true;
    auto it = m_flows.find(keyOf(s.src, s.src_port, s.dst, s.dst_port, s.ip_version));
    if (it == m_flows.end()) {
        it = m_flows.find(keyOf(s.dst, s.dst_port, s.src, s.src_port, s.ip_version));
        if (it == m_flows.end())
            return;
        fromClient = false;
    }
    Flow& f = *it->second;
    const bool data = s.payload_length > 0;
    if (fromClient) {
        if (f.ack_ns < 0 && f.synack_ns >= 0 && (s.flags & TcpAck) && s.ack == f.server_isn + 1)
            f.ack_ns = s.ts_ns;
        if (data) {
            if (f.last_data == Flow::Side::Server && f.server_last_data_ns >= 0) {
                const int64_t round = s.ts_ns - f.server_last_data_ns;
                if (f.app_rtt_ns < 0 || round < f.app_rtt_ns)
                    f.app_rtt_ns = round;
                ++f.app_rounds;
            }
            f.last_data = Flow::Side::Client;
            clientData(f, s);
        }
    } else if (data) {
        f.last_data = Flow::Side::Server;
        f.server_last_data_ns = s.ts_ns;
    }
    if ((s.flags & (TcpFin | TcpRst)) && f.closed_ns < 0)
        f.closed_ns = s.ts_ns;
    touch(it->second, s.ts_ns);
    // With an access log, flows wait for their line (sweep()).
    if (m_accessLog)
        return;
    if (const bool complete = evidenceComplete(f); complete || f.closed_ns >= 0)
        end(it->second, complete ? FlowEnd::Complete : FlowEnd::Closed);
}

bool FlowTable::evidenceComplete(const Flow& f) const
{
    // TLS: the client's answer to the server's first flight times the application round trip.
    // HTTP: the request's headers, and one response -> next request round (a single request's
    // flow ends when it closes).
    if (f.tls)
        return f.app_rounds > 0;
    return f.http.state == HttpRequest::State::Complete && f.app_rounds > 0;
}

void FlowTable::end(List::iterator it, FlowEnd how)
{
    Flow& f = *it;
    m_bufferedBytes -= f.client_data.size();
    m_flows.erase(f.key);
    if (how == FlowEnd::Expired)
        ++m_stats.expired;
    if (m_accessLog) {
        m_accessLog->endConnection(f.id, f.last_ns);
        if (f.ua_source == UaSource::None) {
            const AccessLogIndex::Match m = m_accessLog->match(f.id);
            if (m.entry) {
                f.ua_source = UaSource::AccessLog;
                f.user_agent = m.entry->user_agent;
                f.access_log_line = m.entry->line;
                ++m_stats.access_log_matched;
            } else if (m.competing > 1) {
                f.access_log_ambiguous = m.competing;
                f.access_log_line = m.ambiguous_line;
                ++m_stats.access_log_ambiguous;
            }
        }
    }
    ++m_stats.reported;
    m_stats.http += f.http.state != HttpRequest::State::NotHttp;
    m_stats.tls += f.tls;
    m_stats.user_agents += !f.user_agent.empty();
    // The reported flow no longer needs its bytes: the request's fields were kept.
    std::string().swap(f.client_data);
    m_ended.push_back({std::move(f), how});
    m_lru.erase(it);
}

void FlowTable::sweep(int64_t nowNs)
{
    // Least recently active first: without an access log, stop at the first flow still within
    // its idle timeout. With one, closed flows wait for their line anywhere in the list.
    for (auto it = m_lru.begin(); it != m_lru.end();) {
        auto next = std::next(it);
        if (it->last_ns < nowNs - kIdleTimeoutNs)
            end(it, FlowEnd::Expired);
        else if (it->closed_ns >= 0 && it->closed_ns < nowNs - kCloseGraceNs)
            end(it, FlowEnd::Closed);
        else if (!m_accessLog)
            break;
        it = next;
    }
}

void FlowTable::finish()
{
    while (!m_lru.empty())
        end(m_lru.begin(), FlowEnd::EndOfRun);
    for (Pending& p : m_pending)
        if (p.used) {
            p.used = false;
            ++m_stats.without_handshake;
        }
}

std::vector<FlowTable::Ended> FlowTable::takeEnded()
{
    std::vector<Ended> out;
    out.swap(m_ended);
    return out;
}

} // namespace synscope
