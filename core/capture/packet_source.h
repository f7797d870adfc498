// SPDX-License-Identifier: GPL-3.0-or-later
// Where packets come from: capture files (pcap and pcapng), live interfaces, and a pcap stream on
// a file descriptor (the privileged capture helper writes one into a pipe). No Qt here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace synscope {

// One captured frame. data points into the source's buffer and stays valid until the next call to
// PacketSource::next().
struct RawPacket {
    int64_t ts_ns = 0;         // capture time, ns since the epoch
    uint32_t caplen = 0;       // bytes available at data
    uint32_t wirelen = 0;      // length of the frame on the wire
    int link_type = 0;         // LINKTYPE_/DLT_ value of this frame (pcapng: of its interface)
    const uint8_t* data = nullptr;
};

// BPF filter for TCP SYN and SYN+ACK over IPv4, IPv6 (TCP right after the fixed header) and, on
// Ethernet (link type 1), VLAN-tagged frames. libpcap has no VLAN matching for other link types,
// so openLive() uses the variant for the interface's link type when given the Ethernet default.
std::string defaultLiveFilter(int linkType = 1);

struct LiveOptions {
    std::string interface;
    std::string filter = defaultLiveFilter();   // empty: capture everything
    int snaplen = 262144;
    bool promiscuous = true;
    int timeout_ms = 250;                       // next() returns Timeout after this long without a packet
};

struct InterfaceInfo {
    std::string name;
    std::string description;
    std::vector<std::string> addresses;         // numeric text, IPv4 and IPv6
    bool up = false;
    bool running = false;
    bool loopback = false;
};

// The interfaces libpcap can capture on; on failure an empty list and *error set.
std::vector<InterfaceInfo> listInterfaces(std::string* error);

class PacketSource {
public:
    virtual ~PacketSource();

    // pcap (either byte order, micro- or nanosecond) or pcapng (any number of sections and
    // interfaces, mixed link types). Fails with a sentence naming the file.
    static std::unique_ptr<PacketSource> openFile(const std::string& path, std::string* error);
    // A live interface through libpcap, filter applied. Permission, unknown interface and bad
    // filter failures are explained in the error.
    static std::unique_ptr<PacketSource> openLive(const LiveOptions& options, std::string* error);
    // A pcap stream read from fd (a pipe); the source takes ownership of fd. next() returns
    // Timeout after timeoutMs without data, and breakLoop() interrupts a wait.
    static std::unique_ptr<PacketSource> openFd(int fd, std::string* error, int timeoutMs = 250);

    enum class Status { Packet, Timeout, End, Error };
    // Packet: out is filled. Timeout: live or fd, nothing arrived within the timeout. End: end of
    // file/stream or breakLoop(). Error: errorString() says why; packets read before stay valid
    // results, and later calls keep returning Error.
    virtual Status next(RawPacket& out) = 0;
    virtual std::string errorString() const = 0;
    // Callable from another thread: next() returns End soon.
    virtual void breakLoop() = 0;
    // Live only (false otherwise): packets received and dropped by the kernel / the interface.
    virtual bool stats(uint64_t* received, uint64_t* dropped, uint64_t* ifDropped) const;
    // Link type of the source (pcapng: of its first interface); -1 before it is known.
    virtual int linkType() const = 0;
    // Packets returned by next() so far: the frame number of the last packet.
    uint64_t packetCount() const { return m_count; }

protected:
    uint64_t m_count = 0;
};

} // namespace synscope
