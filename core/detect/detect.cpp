// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/detect/detect.h"

#include <algorithm>
#include <iterator>

namespace synscope {

HopEstimate estimateHops(uint8_t ttl)
{
    // Stacks start at 32 (old Windows 9x, some embedded), 64 (Linux, BSD, macOS, Android, iOS),
    // 128 (Windows) or 255 (network gear, Solaris): the nearest one at or above the observed TTL.
    int initial = 255;
    for (int candidate : {32, 64, 128})
        if (ttl <= candidate) {
            initial = candidate;
            break;
        }
    return {initial, initial - ttl};
}

namespace {

struct MtuRow {
    int mtu;
    const char* link;
    bool tunnel;
};

// Link MTU -> what usually produces it. Sources: RFC 894 (Ethernet 1500), RFC 2516 (PPPoE: 8
// bytes of PPPoE+PPP), RFC 2684/ITU DSL practice (PPPoA 1454), RFC 2003 / RFC 4213 (IPIP, SIT:
// 20-byte outer IPv4 header), RFC 2784 (GRE: 24 bytes), RFC 4303 (IPsec ESP, commonly configured
// 1400-1438), RFC 2637 (PPTP), RFC 7348 (VXLAN: 50 bytes over IPv4), RFC 8926 (Geneve, 1442 in
// OpenStack OVN), RFC 8200 (IPv6 minimum 1280), RFC 791 (IPv4 minimum reassembly 576), WireGuard's
// wg-quick default 1420 (1500 - 80: IPv6 underlay) and 1440 (1500 - 60: IPv4 underlay), OpenVPN's
// default "mssfix 1450" (the whole UDP datagram kept at 1450, leaving roughly 1400-1410 for the
// inner packet), AWS/GCP VPC jumbo (9001, 8896), Linux loopback (65536: MSS 65495 gives 65535 for
// IPv4), macOS lo0 (16384), and the MTU table in p0f's p0f.fp.
constexpr MtuRow kMtuTable[] = {
    {576, "minimum IPv4 (dial-up, X.25, old stacks)", false},
    {1240, "IPv6 tunnel over a 1280 link (GIF)", true},
    {1280, "IPv6 minimum (tunnel or IPv6-in-IPv4)", true},
    {1300, "generic tunnel/VPN (MSS clamped to 1260)", true},
    {1360, "IPsec (ESP in UDP, NAT traversal)", true},
    {1380, "generic tunnel/VPN (IPsec or SSL VPN)", true},
    {1400, "generic tunnel/VPN (OpenVPN mssfix, IPsec, PPTP on Windows)", true},
    {1410, "OpenVPN (mssfix 1450, UDP)", true},
    {1420, "WireGuard (IPv6 underlay, wg-quick default)", true},
    {1422, "IPsec ESP (AES-CBC, IPv4)", true},
    {1438, "IPsec ESP (AES-GCM, IPv4)", true},
    {1440, "WireGuard (IPv4 underlay)", true},
    {1442, "Geneve overlay", true},
    {1450, "VXLAN overlay", true},
    {1452, "PPPoE/DSL with clamped MSS (PPPoA, MSS 1412 seen with PPPoE)", false},
    {1454, "DSL (PPPoA/PPPoE, LLC)", false},
    {1460, "generic tunnel/VPN", true},
    {1468, "GRE over IPv4 with key and checksum", true},
    {1470, "cloud tunnel (Google)", true},
    {1472, "GRE over IPv4 with key", true},
    {1476, "IPsec/GRE (GRE over IPv4)", true},
    {1480, "IPIP/SIT (IPv4 or IPv6 in IPv4)", true},
    {1488, "PPPoE over VLAN", false},
    {1490, "PPTP", true},
    {1492, "PPPoE/DSL", false},
    {1496, "VLAN (802.1Q without larger MTU)", false},
    {1500, "Ethernet", false},
    {1656, "Ericsson HIS modem", false},
    {4352, "FDDI", false},
    {8896, "cloud VPC jumbo (GCP)", false},
    {9000, "jumbo Ethernet", false},
    {9001, "cloud VPC jumbo (AWS)", false},
    {16384, "loopback (macOS lo0)", false},
    {16436, "loopback (old Linux)", false},
    {65535, "loopback (Linux, 65536 MTU)", false},
    {65536, "loopback (Linux)", false},
};

static_assert(std::is_sorted(std::begin(kMtuTable), std::end(kMtuTable),
                             [](const MtuRow& a, const MtuRow& b) { return a.mtu < b.mtu; }),
              "kMtuTable is searched by MTU");

} // namespace

LinkEstimate estimateLink(int mss, int ipVersion)
{
    if (mss < 0)
        return {-1, {}, false};
    const int mtu = mss + (ipVersion == 6 ? 60 : 40);
    // Every record passes here (the pipeline's detect stage): a binary search of the sorted table.
    const auto row = std::lower_bound(std::begin(kMtuTable), std::end(kMtuTable), mtu,
                                      [](const MtuRow& r, int m) { return r.mtu < m; });
    if (row != std::end(kMtuTable) && row->mtu == mtu)
        return {mtu, row->link, row->tunnel};
    if (mtu < 1500)
        return {mtu, "reduced MTU (tunnel or MSS clamping)", true};
    return {mtu, "non-standard MTU", false};
}

} // namespace synscope
