// SPDX-License-Identifier: GPL-3.0-or-later
// The one rule that decides what a connection's evidence says about its path: is the client
// what it claims (consistent), does its TCP/IP stack contradict its User-Agent (os_mismatch),
// does it come through a tunnel, a proxy that says so (proxy_headers) or one that betrays itself
// by its round trips (proxy_rtt)? Every output (CLI text and JSON, GUI table, detail pane,
// exports) shows what decideConnection() returns. docs/ACCURACY.md "Connection verdicts" tests it.
#pragma once

#include "core/flow/flow_table.h"
#include "core/ua/useragent.h"

#include <string>
#include <vector>

namespace synscope {

struct ConnectionVerdict {
    enum class Kind : uint8_t {
        Consistent,     // the User-Agent's OS agrees with the stack, nothing else is off
        OsMismatch,     // the stack (and its TTL) contradict the User-Agent
        Tunnel,         // the MSS says the path has a tunnel or VPN
        ProxyHeaders,   // Via / X-Forwarded-For / Forwarded: a proxy said so
        ProxyRtt,       // the application's round trip is far longer than TCP's
        Ambiguous,      // the evidence points both ways (a family verdict against the UA, an
                        // access-log line that fits several connections)
        Unknown,        // not enough evidence (no User-Agent, unknown stack)
    };
    Kind kind = Kind::Unknown;
    double suspicion = 0;        // [0, 1]: how strongly the evidence says proxy, VPN or spoof
    bool os_mismatch = false;
    UaOs ua;                     // the User-Agent's OS (unknown without one)
    std::vector<std::string> reasons;   // each citing its evidence

    bool flagged() const { return suspicion >= kFlagAt; }
    // A connection is flagged (the "suspicious only" filter) from this suspicion on.
    static constexpr double kFlagAt = 0.5;
};
std::string_view connectionVerdictName(ConnectionVerdict::Kind k);   // "os_mismatch", ...

// The round-trip rule (docs/ARCHITECTURE.md "Round trips"): the application round trip exceeds
// the TCP one by at least kRttExcessNs and is at least kRttRatio times it.
inline constexpr int64_t kRttExcessNs = 40'000'000;
inline constexpr double kRttRatio = 4.0;

// A stack verdict less sure than this (its calibrated confidence) contradicts a User-Agent only
// when the TTL backs it; otherwise the connection is ambiguous. The shared corpus's one such
// case (docs/ACCURACY.md) was an old Mac read as Android at 0.39.
inline constexpr double kMismatchConfidence = 0.5;

ConnectionVerdict decideConnection(const Flow& flow);

} // namespace synscope
