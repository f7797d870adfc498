// SPDX-License-Identifier: GPL-3.0-or-later
// Path properties read off one SYN: hop distance from the TTL, link MTU and tunnels from the MSS.
#pragma once

#include <cstdint>
#include <string_view>

namespace synscope {

struct HopEstimate {
    int initial_ttl;   // 32, 64, 128 or 255: the smallest of those >= the observed TTL
    int hops;          // initial_ttl - observed TTL
};
HopEstimate estimateHops(uint8_t ttl);

struct LinkEstimate {
    int mtu;           // MSS + 40 (IPv4) or + 60 (IPv6); -1 without MSS
    std::string_view link;   // "Ethernet", "PPPoE/DSL", "WireGuard (IPv4 underlay)", ...; empty
                             // without MSS. Static ASCII text.
    bool tunnel;       // the MTU points at encapsulation (VPN, tunnel, overlay)
};
LinkEstimate estimateLink(int mss, int ipVersion);

} // namespace synscope
