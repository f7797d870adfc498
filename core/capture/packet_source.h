// SPDX-License-Identifier: GPL-3.0-or-later
// Where packets come from: capture files (pcap and pcapng), live interfaces, and a pcap stream on
// a file descriptor (the privileged capture helper writes one into a pipe). No Qt here.
#pragma once

#include "live_handle.h"

#include <atomic>
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

// LiveOptions and defaultLiveFilter() live in live_handle.h, which the capture helper shares.

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
    // interfaces, mixed link types). Fails with a sentence naming the file. A FIFO, pipe or other
    // non-regular file (`synscope <(ssh host tcpdump -w -)`) is read without blocking: every wait
    // (for a writer, for the header, for the next record) is a poll() of at most 100 ms that checks
    // breakLoop() and *cancel. In next(), a stream with nothing to read within one such poll is a
    // Timeout (between records or inside one, whose bytes so far are kept), so that a consumer
    // can show what it holds while the writer is quiet.
    // Cancelled while opening: nullptr with an error ending in "cancelled"; during next(): End.
    static std::unique_ptr<PacketSource> openFile(const std::string& path, std::string* error,
                                                  const std::atomic<bool>* cancel = nullptr);
    // A live interface through libpcap (openLiveHandle()), filter applied. Permission, unknown
    // interface and bad filter failures are explained in the error.
    static std::unique_ptr<PacketSource> openLive(const LiveOptions& options, std::string* error);
    // A pcap stream read from fd (a pipe); the source takes ownership of fd. The 24-byte header is
    // awaited in cancellable slices of at most 100 ms (nullptr, "cancelled", when *cancel is set).
    // next() returns Timeout after timeoutMs without data, End once *cancel is set, and breakLoop()
    // interrupts a wait.
    static std::unique_ptr<PacketSource> openFd(int fd, std::string* error, int timeoutMs = 250,
                                                const std::atomic<bool>* cancel = nullptr);

    enum class Status { Packet, Timeout, End, Error };
    // Packet: out is filled. Timeout: live, fd or a quiet stream, nothing arrived within the
    // timeout. End: end of file/stream or breakLoop(). Error: errorString() says why; packets read
    // before stay valid results, and later calls keep returning Error.
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
