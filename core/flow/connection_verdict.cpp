// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/flow/connection_verdict.h"

#include <algorithm>
#include <cstdio>

namespace synscope {

std::string_view connectionVerdictName(ConnectionVerdict::Kind k)
{
    switch (k) {
    case ConnectionVerdict::Kind::Consistent: return "consistent";
    case ConnectionVerdict::Kind::OsMismatch: return "os_mismatch";
    case ConnectionVerdict::Kind::Tunnel: return "tunnel";
    case ConnectionVerdict::Kind::ProxyHeaders: return "proxy_headers";
    case ConnectionVerdict::Kind::ProxyRtt: return "proxy_rtt";
    case ConnectionVerdict::Kind::Ambiguous: return "ambiguous";
    case ConnectionVerdict::Kind::Unknown: return "unknown";
    }
    return "unknown";
}

namespace {

// Which kernel's TCP/IP stack an OS class runs: classes of one group cannot be told apart by
// their SYNs the way a User-Agent tells them (Android and ChromeOS run Linux's stack; iPadOS,
// iOS and macOS share XNU's). A database class outside these is its own group.
std::string_view stackGroup(std::string_view osClass)
{
    if (osClass == "Windows")
        return "Windows";
    if (osClass == "macOS" || osClass == "iOS" || osClass == "Apple")
        return "Apple";
    if (osClass == "Linux" || osClass == "Android" || osClass == "ChromeOS")
        return "Linux";
    return osClass;
}

// The initial TTL a User-Agent's OS sends with: 128 for Windows, 64 for the Unix-likes; 0 when
// it is not that clear-cut.
int expectedTtl(UaClass c)
{
    switch (c) {
    case UaClass::Windows: return 128;
    case UaClass::macOS:
    case UaClass::iOS:
    case UaClass::Android:
    case UaClass::Linux:
    case UaClass::ChromeOS:
    case UaClass::FreeBSD:
    case UaClass::OpenBSD:
    case UaClass::NetBSD: return 64;
    default: return 0;
    }
}

std::string ms(int64_t ns)
{
    char b[32];
    std::snprintf(b, sizeof b, "%.1f ms", double(ns) / 1e6);
    return b;
}

std::string str(const QString& s) { return s.toStdString(); }

// Window = k x M for a larger common MSS M than the one sent: the sender sized its window for M,
// a box on the path rewrote the MSS option (clamping, as routers in front of PPPoE or tunnels do).
int clampedFrom(const Fingerprint& fp)
{
    if (fp.tcp_mss <= 0 || fp.tcp_window_size % fp.tcp_mss == 0)
        return 0;
    for (int m : {1460, 1448, 1440, 1432, 1420, 1412, 1400, 1380})
        if (m > fp.tcp_mss && fp.tcp_window_size % m == 0 && fp.tcp_window_size / m >= 2)
            return m;
    return 0;
}

} // namespace

ConnectionVerdict decideConnection(const Flow& f)
{
    using Kind = ConnectionVerdict::Kind;
    ConnectionVerdict v;
    std::vector<std::pair<Kind, double>> evidence;   // each finding's kind and strength

    if (!f.user_agent.empty())
        v.ua = parseUserAgent(f.user_agent, f.ch_platform, f.ch_platform_version);
    const OsVerdict& os = f.os;
    const std::string uaName(uaClassName(v.ua.os_class));
    const std::string stack = os.kind == OsVerdict::Kind::Unknown ? std::string("unknown") : str(os.label());
    const int ttl = f.hops.initial_ttl;
    const int wantTtl = expectedTtl(v.ua.os_class);
    const bool ttlContradicts = wantTtl && ttl != wantTtl;
    const std::string via = f.ua_source == UaSource::AccessLog ? "the access log" : "the request";

    // The stack against the User-Agent.
    if (!v.ua.known() || v.ua.os_class == UaClass::Other) {
        if (f.user_agent.empty() && f.access_log_ambiguous > 1) {
            evidence.push_back({Kind::Ambiguous, 0});
            v.reasons.push_back("access log line " + std::to_string(f.access_log_line) + " fits "
                                + std::to_string(f.access_log_ambiguous)
                                + " connections from this client: no User-Agent taken");
        } else if (f.user_agent.empty()) {
            v.reasons.push_back("no User-Agent: nothing to compare the stack with");
        } else {
            v.reasons.push_back("the User-Agent names no OS class (" + v.ua.text() + ")");
        }
    } else if (os.kind == OsVerdict::Kind::Class || os.kind == OsVerdict::Kind::Family) {
        const std::string uaGroup(stackGroup(uaName));
        bool agrees;
        if (os.kind == OsVerdict::Kind::Class) {
            agrees = stackGroup(str(os.os_class)) == uaGroup;
        } else {
            agrees = std::any_of(os.members.begin(), os.members.end(),
                                 [&](const QString& m) { return stackGroup(str(m)) == uaGroup; });
        }
        if (agrees) {
            evidence.push_back({Kind::Consistent, 0});
            v.reasons.push_back("stack " + stack + " agrees with the User-Agent's " + v.ua.text()
                                + " (from " + via + ")");
            if (v.ua.desktop_mode_possible && str(os.os_class) != uaName)
                v.reasons.push_back("a tablet or phone asking for the desktop site sends this "
                                    "User-Agent: same stack family");
        } else if (os.kind == OsVerdict::Kind::Family && !ttlContradicts) {
            // A family is not sure enough to contradict a User-Agent on its own.
            evidence.push_back({Kind::Ambiguous, 0.3});
            v.reasons.push_back("stack " + stack + " (a family, not one class) against the User-Agent's "
                                + v.ua.text() + ": not enough to call a mismatch");
        } else if (os.confidence < kMismatchConfidence && !ttlContradicts) {
            // Nor is a verdict that is wrong as often as right, when the TTL does not back it.
            evidence.push_back({Kind::Ambiguous, 0.3});
            v.reasons.push_back("stack " + stack + " (confidence " + os.confidenceText().toStdString() + ") against the User-Agent's "
                                + v.ua.text() + ": not sure enough to call a mismatch");
        } else {
            v.os_mismatch = true;
            double s = 0.8;
            std::string why = "stack " + stack + " contradicts the User-Agent's " + v.ua.text()
                              + " (from " + via + ")";
            if (v.ua.privacy_spoof_possible && v.ua.os_class == UaClass::Windows) {
                s = 0.55;
                why += "; Tor Browser and Firefox's resistFingerprinting send this Windows "
                       "User-Agent on every OS: it may be the user's own choice";
            } else if (v.ua.os_class == UaClass::Linux && stackGroup(str(os.os_class)) == "Windows") {
                s = 0.55;
                why += "; Linux user-land on Windows's stack (WSL 1, Cygwin) looks like this";
            } else if (!ttlContradicts && wantTtl) {
                s = 0.65;
                why += " (the TTL agrees with the User-Agent)";
            }
            evidence.push_back({Kind::OsMismatch, s});
            v.reasons.push_back(why);
        }
    } else {
        evidence.push_back({ttlContradicts ? Kind::Ambiguous : Kind::Unknown, 0});
        v.reasons.push_back("stack " + stack + ": not compared with the User-Agent's " + v.ua.text());
    }
    if (ttlContradicts)
        v.reasons.push_back("initial TTL " + std::to_string(ttl) + " (seen " + std::to_string(f.syn.fp.ip_ttl)
                            + ", " + std::to_string(f.hops.hops) + " hops) is not the "
                            + std::to_string(wantTtl) + " of " + uaName);

    // Proxy headers.
    const auto header = [&](const std::string& value, const char* name) {
        if (value.empty())
            return;
        evidence.push_back({Kind::ProxyHeaders, 0.7});
        v.reasons.push_back(std::string(name) + ": " + value.substr(0, 120) + " (a proxy announced itself)");
    };
    header(f.http.via, "Via");
    header(f.http.x_forwarded_for, "X-Forwarded-For");
    header(f.http.forwarded, "Forwarded");

    // The path's MTU.
    if (f.link.tunnel) {
        evidence.push_back({Kind::Tunnel, 0.6});
        v.reasons.push_back("MSS " + std::to_string(f.syn.fp.tcp_mss) + ": MTU " + std::to_string(f.link.mtu)
                            + ", " + std::string(f.link.link));
    }
    if (const int m = clampedFrom(f.syn.fp))
        v.reasons.push_back("window " + std::to_string(f.syn.fp.tcp_window_size) + " = "
                            + std::to_string(f.syn.fp.tcp_window_size / m) + " x " + std::to_string(m)
                            + ": the MSS was clamped on the path from " + std::to_string(m) + " to "
                            + std::to_string(f.syn.fp.tcp_mss));

    // Round trips. Only a TLS handshake makes the client answer at once; an HTTP client's next
    // request also waits for the user, so its rounds are shown but decide nothing.
    const int64_t tcp = f.rttTcpNs();
    if (tcp >= 0 && f.app_rtt_ns >= 0) {
        const double ratio = double(f.app_rtt_ns) / double(std::max<int64_t>(tcp, 1000));
        char r[32];
        std::snprintf(r, sizeof r, "%.1f", ratio);
        const std::string both = "application round trip " + ms(f.app_rtt_ns) + " against TCP's "
                                 + ms(tcp) + " (x" + r + ")";
        if (f.tls && f.app_rtt_ns - tcp >= kRttExcessNs && ratio >= kRttRatio) {
            evidence.push_back({Kind::ProxyRtt, 0.6});
            v.reasons.push_back(both + ": the TCP peer is nearer than the TLS peer (a proxy or VPN exit)");
        } else {
            v.reasons.push_back(both);
        }
    }

    // The strongest finding names the verdict; independent findings add up.
    constexpr Kind kOrder[] = {Kind::OsMismatch, Kind::ProxyHeaders, Kind::ProxyRtt, Kind::Tunnel,
                               Kind::Ambiguous, Kind::Consistent};
    double clear = 1;
    for (const auto& [kind, s] : evidence)
        clear *= 1 - s;
    v.suspicion = 1 - clear;
    for (Kind k : kOrder)
        if (std::any_of(evidence.begin(), evidence.end(), [k](const auto& e) { return e.first == k; })) {
            v.kind = k;
            break;
        }
    return v;
}

} // namespace synscope
