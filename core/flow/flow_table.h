// SPDX-License-Identifier: GPL-3.0-or-later
// The flow stage: follows each connection whose SYN was seen past its handshake, far enough for
// the evidence a connection verdict needs (the handshake ACK, the client's first request, the
// round trips of the first data exchanges), in bounded memory. docs/ARCHITECTURE.md places it in
// the pipeline.
#pragma once

#include "core/decode/decoder.h"
#include "core/detect/detect.h"
#include "core/flow/http.h"
#include "core/match/verdict.h"

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

namespace synscope {

class AccessLogIndex;

// A connection, named by its client (the SYN's sender) and server.
struct FlowKey {
    IpAddress client{};
    IpAddress server{};
    uint16_t client_port = 0;
    uint16_t server_port = 0;
    uint8_t ip_version = 4;
    friend bool operator==(const FlowKey&, const FlowKey&) = default;
};
struct FlowKeyHash {
    size_t operator()(const FlowKey& k) const noexcept;
};

// Where a connection's User-Agent came from.
enum class UaSource : uint8_t { None, Http, AccessLog, Manual };
std::string_view uaSourceName(UaSource s);   // "", "http", "access-log", "manual"

struct Flow {
    uint64_t id = 0;              // 1-based, in order of the handshakes
    FlowKey key;
    SynRecord syn;                // the client's (last) SYN
    // Filled when the flow is reported (the pipeline's, from the SYN): the stack's verdict
    // (Unknown without a database) and what the SYN says about the path.
    OsVerdict os;
    HopEstimate hops{};
    LinkEstimate link{};

    int64_t syn_ns = 0;
    int64_t synack_ns = -1;
    int64_t ack_ns = -1;          // the client's first segment acknowledging the SYN+ACK
    int64_t last_ns = 0;          // the newest packet of the flow
    int64_t closed_ns = -1;       // FIN or RST seen
    uint32_t server_isn = 0;

    // The client's first bytes, reassembled in sequence order up to kMaxClientBytes.
    std::string client_data;
    uint32_t client_next_seq = 0;
    bool client_out_of_order = false;   // bytes beyond a gap were not kept
    HttpRequest http;
    bool tls = false;

    // Application round trips: the client's next data after the server's, timed from the
    // server's last segment before it (docs/ARCHITECTURE.md "Round trips").
    enum class Side : uint8_t { None, Client, Server };
    Side last_data = Side::None;
    int64_t server_last_data_ns = -1;
    int64_t app_rtt_ns = -1;      // the smallest round so far
    int app_rounds = 0;

    UaSource ua_source = UaSource::None;
    std::string user_agent;       // from HTTP, the access log or typed in
    std::string ch_platform, ch_platform_version;
    uint64_t access_log_line = 0;   // the matched line; 0 without one
    int access_log_ambiguous = 0;   // connections that fit the best line (when > 1)

    int64_t rttTcpNs() const { return synack_ns >= 0 && ack_ns >= 0 ? ack_ns - syn_ns : -1; }
};

enum class FlowEnd : uint8_t {
    Complete,   // the verdict's evidence is in
    Closed,     // FIN or RST (after a grace period for a live access log)
    Expired,    // idle for FlowTable::kIdleTimeoutNs
    Evicted,    // the table was full: the least recently active flow made room
    EndOfRun,   // the source ended
};
std::string_view flowEndName(FlowEnd e);   // "complete", "closed", ...

struct FlowStats {
    uint64_t flows = 0;           // connections followed: SYN and SYN+ACK seen
    uint64_t reported = 0;        // flows reported
    uint64_t without_handshake = 0;   // SYNs no SYN+ACK answered (a flood's, or one direction
                                      // of the traffic captured): nothing to report
    uint64_t expired = 0;
    uint64_t evicted = 0;         // the table was full
    uint64_t http = 0;            // flows whose first client data is an HTTP request
    uint64_t tls = 0;
    uint64_t user_agents = 0;     // flows reported with a User-Agent
    uint64_t access_log_matched = 0;
    uint64_t access_log_ambiguous = 0;
    uint64_t bytes_refused = 0;   // client bytes not kept: the table's byte budget was spent
};

class FlowTable {
public:
    static constexpr size_t kMaxFlows = 65536;
    // SYNs waiting for their SYN+ACK: a fixed ring, written in arrival order so that a flood of
    // SYNs costs a sequential copy each and no allocation, found through a small index by
    // connection. The oldest unanswered SYN makes room for a new one and is counted. A SYN whose
    // index entry a colliding connection took is no longer found (rare: 4 entries per slot); it is
    // counted as unanswered when the ring reaches it, and so is an earlier copy of it that a
    // retransmission could not find.
    static constexpr size_t kPendingSlots = 65536;
    static constexpr size_t kPendingIndex = 4 * kPendingSlots;   // 1 MiB: stays in cache
    static constexpr size_t kMaxClientBytes = 4096;
    // All flows' client bytes together: at most a quarter of the flows can hold a full buffer.
    static constexpr size_t kMaxBufferedBytes = 64u << 20;
    static constexpr int64_t kIdleTimeoutNs = 60'000'000'000;
    // A closed flow waits this long for its access-log line (the server writes it after the
    // response), then is reported.
    static constexpr int64_t kCloseGraceNs = 2'000'000'000;

    explicit FlowTable(size_t maxFlows = kMaxFlows) : m_maxFlows(maxFlows) {}

    // accessLog: flows wait for their line until they close or expire (instead of reporting as
    // soon as the HTTP/TLS evidence is complete) and then take it. Must outlive the table.
    void setAccessLog(AccessLogIndex* index) { m_accessLog = index; }

    // Starts loading the index entry onSyn() / onSynAck() of this record will read: the cache
    // miss then overlaps the classification the pipeline does in between.
    void prefetch(const SynRecord& record) const;
    void onSyn(const SynRecord& syn);
    void onSynAck(const SynRecord& synAck);
    void onSegment(const TcpSegment& segment);
    // Ends flows idle since before now - kIdleTimeoutNs and closed ones past their grace.
    void sweep(int64_t nowNs);
    // The source ended: every remaining flow ends.
    void finish();

    // Flows that ended or completed since the last call, oldest first; the caller reports them.
    struct Ended {
        Flow flow;
        FlowEnd end;
    };
    std::vector<Ended> takeEnded();
    bool hasEnded() const { return !m_ended.empty(); }

    const FlowStats& stats() const { return m_stats; }
    size_t size() const { return m_flows.size(); }

private:
    using List = std::list<Flow>;
    struct Pending {
        bool used = false;
        FlowKey key;
        SynRecord syn;
    };
    // The waiting SYN of this connection, or null.
    Pending* pendingOf(const FlowKey& key, size_t hash);
    void startFlow(const SynRecord& syn, const SynRecord& synAck);
    void touch(List::iterator it, int64_t ns);
    void end(List::iterator it, FlowEnd how);
    void clientData(Flow& f, const TcpSegment& s);
    bool evidenceComplete(const Flow& f) const;

    size_t m_maxFlows;
    std::vector<Pending> m_pending;   // the ring: kPendingSlots, allocated with the first SYN
    // By hash: 15 more bits of the hash above the ring position + 1 (0: none), so that a stale
    // or colliding entry is nearly always told without reading the ring (a cache miss per SYN
    // in a flood).
    static constexpr int kPositionBits = 17;
    static_assert(kPendingSlots < (size_t(1) << kPositionBits));
    std::vector<uint32_t> m_pendingIndex;
    size_t m_pendingNext = 0;         // the ring position the next SYN takes
    List m_lru;   // least recently active first
    std::unordered_map<FlowKey, List::iterator, FlowKeyHash> m_flows;
    std::vector<Ended> m_ended;
    AccessLogIndex* m_accessLog = nullptr;
    size_t m_bufferedBytes = 0;
    uint64_t m_nextId = 1;
    FlowStats m_stats;
};

} // namespace synscope
