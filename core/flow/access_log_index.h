// SPDX-License-Identifier: GPL-3.0-or-later
// Joins access-log lines to connections: a line belongs to the connection from its client
// address (and client port, when the format logs it) that was open at the line's time. A line
// that fits several connections is ambiguous and gives none of them a User-Agent: the correlator
// says so rather than guess.
#pragma once

#include "core/accesslog/access_log.h"

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

namespace synscope {

class AccessLogIndex {
public:
    static constexpr size_t kMaxEntries = 1u << 20;     // oldest dropped beyond (counted)
    static constexpr size_t kMaxSpansPerClient = 1024;
    // The server logs a request after its response: a line may follow the connection's last
    // packet by this much.
    static constexpr int64_t kSlackNs = 2'000'000'000;

    void add(AccessLogEntry entry);

    // The flow stage tells the index which connections exist, so that a line fitting several of
    // them is recognised.
    void noteConnection(uint64_t id, const IpAddress& client, uint8_t ipVersion, uint16_t port,
                        int64_t startNs);
    void endConnection(uint64_t id, int64_t lastNs);

    struct Match {
        const AccessLogEntry* entry = nullptr;   // the first line that fits this connection only
        int competing = 0;         // no unique line: connections the best line fits
        uint64_t ambiguous_line = 0;
    };
    Match match(uint64_t id) const;

    size_t entries() const { return m_entryCount; }
    uint64_t droppedEntries() const { return m_dropped; }

private:
    struct ClientKey {
        IpAddress addr{};
        uint8_t version = 4;
        friend bool operator==(const ClientKey&, const ClientKey&) = default;
    };
    struct ClientKeyHash {
        size_t operator()(const ClientKey& k) const noexcept;
    };
    struct Span {
        uint64_t id;
        uint16_t port;
        int64_t start_ns;
        int64_t end_ns;   // INT64_MAX while open
    };
    struct Client {
        std::vector<AccessLogEntry> entries;   // by time
        std::deque<Span> spans;                // by start
    };
    bool fits(const Span& s, const AccessLogEntry& e) const;

    std::unordered_map<ClientKey, Client, ClientKeyHash> m_clients;
    std::unordered_map<uint64_t, ClientKey> m_connections;
    std::deque<std::pair<ClientKey, int64_t>> m_order;   // entries in arrival order, to drop the oldest
    size_t m_entryCount = 0;
    uint64_t m_dropped = 0;
};

} // namespace synscope
