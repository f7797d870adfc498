// SPDX-License-Identifier: GPL-3.0-or-later
// A small synthetic capture for the UI tests: Ethernet frames carrying TCP SYNs of three known
// stacks (IPv4 and IPv6), a SYN+ACK, a non-SYN and a truncated frame, written as a classic pcap,
// plus a three-entry database whose entries are exactly those stacks.
#pragma once

#include "core/database/database.h"

#include <QByteArray>
#include <QString>

#include <arpa/inet.h>

#include <cstdint>
#include <vector>

namespace testcapture {

enum class Stack { Linux, Windows, MacOs };

struct Packet {
    Stack stack = Stack::Linux;
    bool ipv6 = false;
    uint16_t flags = 0x002;          // SYN
    uint8_t ttl = 64;
    const char* src = "10.0.0.1";
    const char* dst = "198.51.100.7";
    uint16_t srcPort = 40000;
    uint16_t dstPort = 443;
    int64_t tsUs = 0;                // microseconds since the epoch
    int truncateTo = -1;             // cut the frame to this many bytes
};

inline void put16(QByteArray& b, uint16_t v) { b.append(char(v >> 8)); b.append(char(v & 0xFF)); }
inline void put32(QByteArray& b, uint32_t v) { put16(b, uint16_t(v >> 16)); put16(b, uint16_t(v & 0xFFFF)); }
inline void le32(QByteArray& b, uint32_t v) { for (int i = 0; i < 4; ++i) b.append(char((v >> (8 * i)) & 0xFF)); }
inline void le16(QByteArray& b, uint16_t v) { b.append(char(v & 0xFF)); b.append(char(v >> 8)); }

inline QByteArray options(Stack s)
{
    switch (s) {
    case Stack::Linux:    // M1460,S,T,N,W7,
        return QByteArray::fromHex("020405b4" "0402" "080a0000abcd00000000" "01" "030307");
    case Stack::Windows:  // M1460,N,W8,N,N,S,
        return QByteArray::fromHex("020405b4" "01" "030308" "0101" "0402");
    case Stack::MacOs:    // M1460,N,W6,N,N,T,S,E,E,
        return QByteArray::fromHex("020405b4" "01" "030306" "0101" "080a0000abcd00000000" "0402" "0000");
    }
    return {};
}

inline uint16_t window(Stack s) { return s == Stack::Windows ? 64240 : (s == Stack::Linux ? 64240 : 65535); }

inline QByteArray frame(const Packet& p)
{
    const QByteArray opts = options(p.stack);
    QByteArray tcp;
    put16(tcp, p.srcPort);
    put16(tcp, p.dstPort);
    put32(tcp, 0x11223344);
    put32(tcp, (p.flags & 0x010) ? 0x55667788 : 0);
    put16(tcp, uint16_t(((20 + opts.size()) / 4) << 12 | p.flags));
    put16(tcp, window(p.stack));
    put16(tcp, 0);   // checksum
    put16(tcp, 0);   // urgent pointer
    tcp += opts;

    QByteArray f = QByteArray::fromHex("020000000002" "020000000001");
    if (!p.ipv6) {
        put16(f, 0x0800);
        QByteArray ip;
        ip.append(char(0x45));
        ip.append(char(0));
        put16(ip, uint16_t(20 + tcp.size()));
        put16(ip, 0);
        put16(ip, 0x4000);   // DF
        ip.append(char(p.ttl));
        ip.append(char(6));
        put16(ip, 0);
        uint8_t a[4];
        inet_pton(AF_INET, p.src, a);
        ip.append(reinterpret_cast<const char*>(a), 4);
        inet_pton(AF_INET, p.dst, a);
        ip.append(reinterpret_cast<const char*>(a), 4);
        f += ip;
    } else {
        put16(f, 0x86dd);
        QByteArray ip;
        put32(ip, 0x60000000);
        put16(ip, uint16_t(tcp.size()));
        ip.append(char(6));
        ip.append(char(p.ttl));
        uint8_t a[16];
        inet_pton(AF_INET6, p.src, a);
        ip.append(reinterpret_cast<const char*>(a), 16);
        inet_pton(AF_INET6, p.dst, a);
        ip.append(reinterpret_cast<const char*>(a), 16);
        f += ip;
    }
    f += tcp;
    if (p.truncateTo >= 0)
        f.truncate(p.truncateTo);
    return f;
}

inline QByteArray pcapHeader()
{
    QByteArray b;
    le32(b, 0xa1b2c3d4);
    le16(b, 2);
    le16(b, 4);
    le32(b, 0);
    le32(b, 0);
    le32(b, 262144);
    le32(b, 1);   // Ethernet
    return b;
}

inline QByteArray pcapRecord(const Packet& p)
{
    const QByteArray f = frame(p);
    QByteArray b;
    le32(b, uint32_t(p.tsUs / 1000000));
    le32(b, uint32_t(p.tsUs % 1000000));
    le32(b, uint32_t(f.size()));
    le32(b, uint32_t(f.size()));
    return b + f;
}

inline QByteArray pcap(const std::vector<Packet>& packets)
{
    QByteArray b = pcapHeader();
    for (const Packet& p : packets)
        b += pcapRecord(p);
    return b;
}

constexpr int64_t kT0 = 1700000000000000;   // 2023-11-14T22:13:20Z, in microseconds

// Frames 1..7: Linux SYN, Windows SYN (ttl 120 after 8 hops), macOS SYN over IPv6, the server's
// SYN+ACK to the Linux SYN, a plain ACK (not a record), a truncated frame (a decode drop), and
// a second Linux SYN from 10.0.0.1 to port 80.
inline std::vector<Packet> smallCapture()
{
    std::vector<Packet> v;
    Packet p;
    p.tsUs = kT0;
    v.push_back(p);
    p = {};
    p.stack = Stack::Windows;
    p.ttl = 120;
    p.src = "10.0.0.2";
    p.srcPort = 50000;
    p.tsUs = kT0 + 250000;
    v.push_back(p);
    p = {};
    p.stack = Stack::MacOs;
    p.ipv6 = true;
    p.ttl = 60;
    p.src = "fd00::5";
    p.dst = "2001:db8::1";
    p.srcPort = 51000;
    p.tsUs = kT0 + 1500000;
    v.push_back(p);
    p = {};
    p.flags = 0x012;
    p.src = "198.51.100.7";
    p.dst = "10.0.0.1";
    p.srcPort = 443;
    p.dstPort = 40000;
    p.tsUs = kT0 + 1600000;
    v.push_back(p);
    p = {};
    p.flags = 0x010;
    p.tsUs = kT0 + 1700000;
    v.push_back(p);
    p = {};
    p.truncateTo = 14 + 20 + 10;
    p.tsUs = kT0 + 1800000;
    v.push_back(p);
    p = {};
    p.srcPort = 40001;
    p.dstPort = 80;
    p.tsUs = kT0 + 3200000;
    v.push_back(p);
    return v;
}

inline QByteArray databaseJson()
{
    return R"({ "format": "synscope-db", "version": 1, "name": "ui-test", "entries": [
  { "id": "linux", "os": { "name": "Linux", "class": "Linux", "version": "6.1" },
    "fingerprint": { "ip_version": 4, "ip_ttl": 64, "ip_df": 1, "ip_mf": 0, "tcp_window_size": 64240,
                     "tcp_flags": 2, "tcp_ack": 0, "tcp_header_length": 40, "tcp_urp": 0,
                     "tcp_options": "M1460,S,T,N,W7," } },
  { "id": "windows", "os": { "name": "Windows", "class": "Windows", "version": "10" },
    "fingerprint": { "ip_version": 4, "ip_ttl": 128, "ip_df": 1, "ip_mf": 0, "tcp_window_size": 64240,
                     "tcp_flags": 2, "tcp_ack": 0, "tcp_header_length": 32, "tcp_urp": 0,
                     "tcp_options": "M1460,N,W8,N,N,S," } },
  { "id": "macos", "os": { "name": "macOS", "class": "macOS", "version": "14" },
    "fingerprint": { "ip_version": 6, "ip_ttl": 64, "ip_df": 0, "ip_mf": 0, "tcp_window_size": 65535,
                     "tcp_flags": 2, "tcp_ack": 0, "tcp_header_length": 44, "tcp_urp": 0,
                     "tcp_options": "M1460,N,W6,N,N,T,S,E,E," } } ] })";
}

inline std::shared_ptr<const synscope::Database> database()
{
    QString error;
    auto db = synscope::Database::parse(databaseJson(), QStringLiteral("ui-test"), &error);
    if (!db)
        return nullptr;
    return std::make_shared<const synscope::Database>(std::move(*db));
}

} // namespace testcapture
