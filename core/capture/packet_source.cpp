// SPDX-License-Identifier: GPL-3.0-or-later
//
// Files are read by our own pcap/pcapng reader rather than pcap_open_offline: libpcap 1.10 refuses
// a pcapng whose interfaces differ in link type or snaplen (and reports one link type per handle),
// while capture files in the wild mix Ethernet, cooked and raw interfaces. The reader streams the
// file through a window buffer and hands out pointers into it, so a packet costs a few bounds checks
// and no copy, memory stays constant whatever the file size, and a file that shrinks while it is
// read ends with an error instead of a SIGBUS (as a memory map would). Every length is checked
// against the bytes in the window before it is used. Live interfaces and pcap streams on a pipe go
// through libpcap.
#include "core/capture/packet_source.h"

#include <pcap/pcap.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

namespace synscope {

namespace {

// Largest record we accept; anything bigger is a corrupt record header, not a packet.
constexpr uint32_t kMaxRecord = 256u * 1024 * 1024;

uint32_t swap32(uint32_t v) { return __builtin_bswap32(v); }
uint16_t swap16(uint16_t v) { return __builtin_bswap16(v); }

std::string quoted(const std::string& path) { return "'" + path + "'"; }

// Longest single wait on a pipe or FIFO before breakLoop() and the cancel flag are checked again.
constexpr int kWaitSliceMs = 100;

bool isSet(const std::atomic<bool>* flag) { return flag && flag->load(std::memory_order_relaxed); }

class FileSource final : public PacketSource {
public:
    ~FileSource() override
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }

    bool open(const std::string& path, std::string* error, const std::atomic<bool>* cancel);
    Status next(RawPacket& out) override;
    std::string errorString() const override { return m_error; }
    void breakLoop() override { m_break.store(true, std::memory_order_relaxed); }
    int linkType() const override { return m_firstLinkType; }

private:
    struct Interface {
        int link_type = 0;
        uint32_t snaplen = 0;
        uint64_t units_per_second = 1000000;   // if_tsresol, default microseconds
        int64_t offset_s = 0;                  // if_tsoffset
    };

    Status fail(const std::string& what);
    Status nextPcap(RawPacket& out);
    Status nextPcapng(RawPacket& out);
    bool readSectionHeader(uint64_t at, uint32_t blockLen);
    // Makes at least `need` unread bytes available at m_data + m_pos unless the file ends first
    // (then fewer are, and callers report the cut). May move the window: re-read pointers after.
    void fill(uint64_t need);
    // Streams: waits in slices until the descriptor is readable (data, or the writer gone); false
    // when breakLoop() or the cancel flag stopped the wait.
    bool waitReadable();
    // In next(), a stream's fill() waits one poll slice at most: with nothing to read by then it
    // stops short and sets m_wouldBlock, and next() returns Timeout with the bytes read so far
    // kept for the next call (a record split across a writer's chunks included).
    bool m_inNext = false;
    bool m_wouldBlock = false;
    bool stopRequested() const
    {
        return m_break.load(std::memory_order_relaxed) || isSet(m_cancel);
    }
    bool readInterface(const uint8_t* body, uint32_t bodyLen);
    int64_t pcapngTime(const Interface& itf, uint64_t ts) const;

    uint16_t r16(const uint8_t* p) const
    {
        uint16_t v;
        std::memcpy(&v, p, 2);
        return m_swap ? swap16(v) : v;
    }
    uint32_t r32(const uint8_t* p) const
    {
        uint32_t v;
        std::memcpy(&v, p, 4);
        return m_swap ? swap32(v) : v;
    }

    std::string m_path;
    int m_fd = -1;
    std::vector<uint8_t> m_buffer;   // the window: file bytes [m_base, m_base + m_size)
    const uint8_t* m_data = nullptr; // m_buffer.data()
    uint64_t m_size = 0;             // valid bytes in the window
    uint64_t m_pos = 0;              // read position within the window
    uint64_t m_base = 0;             // file offset of the window's first byte
    uint64_t m_fileSize = 0;         // from fstat when a regular file, else 0
    bool m_stream = false;           // not a regular file: non-blocking reads behind poll()
    bool m_interrupted = false;      // a wait was ended by breakLoop() or the cancel flag
    const std::atomic<bool>* m_cancel = nullptr;
    bool m_eof = false;
    std::string m_readError;
    bool m_pcapng = false;
    bool m_swap = false;
    bool m_nano = false;
    int m_linkType = 0;              // classic pcap
    uint32_t m_snaplen = 0;
    int m_firstLinkType = -1;
    std::vector<Interface> m_interfaces;   // pcapng, current section
    std::string m_error;
    bool m_failed = false;
    std::atomic<bool> m_break{false};
};

PacketSource::Status FileSource::fail(const std::string& what)
{
    m_failed = true;
    m_error = "capture file " + quoted(m_path) + ": " + what;
    return Status::Error;
}

bool FileSource::open(const std::string& path, std::string* error, const std::atomic<bool>* cancel)
{
    m_path = path;
    m_cancel = cancel;
    const auto setError = [&](const std::string& what) {
        if (error)
            *error = "cannot read capture file " + quoted(path) + ": " + what;
        return false;
    };
    // O_NONBLOCK: a FIFO without a writer would block open() itself, where nothing can reach.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return setError(std::strerror(errno));
    struct stat st{};
    if (fstat(fd, &st) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        return setError(why);
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return setError("it is a directory");
    }
    m_fd = fd;
    m_fileSize = S_ISREG(st.st_mode) ? uint64_t(st.st_size) : 0;
    m_stream = !S_ISREG(st.st_mode);
    if (!m_stream)
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    // A stream may hold just a pcap file header (24 bytes) for a long time: ask for no more than
    // the magic number until it tells which format follows.
    fill(m_stream ? 4 : 28);
    if (m_interrupted)
        return setError("cancelled");
    if (!m_readError.empty())
        return setError(m_readError);

    if (m_size < 4)
        return setError("too short to be a pcap or pcapng file (" + std::to_string(m_size) + " bytes)");
    uint32_t magic;
    std::memcpy(&magic, m_data, 4);
    if (magic == 0x0a0d0d0a) {
        m_pcapng = true;
        fill(28);
        if (m_interrupted)
            return setError("cancelled");
        if (m_size < 28)
            return setError("truncated pcapng section header");
        uint32_t bom;
        std::memcpy(&bom, m_data + 8, 4);
        if (bom == 0x1a2b3c4d)
            m_swap = false;
        else if (bom == 0x4d3c2b1a)
            m_swap = true;
        else
            return setError("pcapng section header has an invalid byte-order magic");
        const uint32_t len = r32(m_data + 4);
        if (len <= kMaxRecord)
            fill(len);
        if (m_interrupted)
            return setError("cancelled");
        if (!readSectionHeader(0, len))
            return setError(m_error);
        return true;
    }

    switch (magic) {
    case 0xa1b2c3d4: break;
    case 0xd4c3b2a1: m_swap = true; break;
    case 0xa1b23c4d: m_nano = true; break;
    case 0x4d3cb2a1: m_swap = true; m_nano = true; break;
    default:
        return setError("not a pcap or pcapng file (unknown magic number)");
    }
    fill(24);
    if (m_interrupted)
        return setError("cancelled");
    if (m_size < 24)
        return setError("truncated pcap file header (" + std::to_string(m_size) + " of 24 bytes)");
    const uint16_t major = r16(m_data + 4);
    const uint16_t minor = r16(m_data + 6);
    if (major != 2)
        return setError("unsupported pcap version " + std::to_string(major) + "." + std::to_string(minor));
    m_snaplen = r32(m_data + 16);
    const uint32_t linkField = r32(m_data + 20);
    // Bits 16-25 are reserved and must be zero; 26-31 carry the FCS length, which the IP length
    // makes irrelevant to us.
    if (linkField & 0x03ff0000)
        return setError("invalid link type field in the pcap header (reserved bits set)");
    m_linkType = static_cast<int>(linkField & 0xffff);
    m_firstLinkType = m_linkType;
    m_pos = 24;
    return true;
}

void FileSource::fill(uint64_t need)
{
    // A corrupt length can ask for up to kMaxRecord bytes: never more than the file holds.
    if (m_fileSize > 0)
        need = std::min(need, m_fileSize > m_base + m_pos ? m_fileSize - (m_base + m_pos) : 0);
    if (m_size - m_pos >= need || m_eof)
        return;
    // Slide the unread tail to the front, then read in large chunks until `need` bytes are there.
    // A small file gets a window of its own size, not a zero-filled megabyte.
    constexpr uint64_t kChunk = 1u << 20;
    const uint64_t chunk = m_fileSize > 0 ? std::min(kChunk, m_fileSize) : kChunk;
    const uint64_t unread = m_size - m_pos;
    if (m_buffer.size() < need + chunk)
        m_buffer.resize(need + chunk);
    std::memmove(m_buffer.data(), m_buffer.data() + m_pos, unread);
    m_base += m_pos;
    m_pos = 0;
    m_size = unread;
    while (m_size < need && !m_eof) {
        if (m_stream && m_inNext) {
            if (stopRequested()) {
                m_interrupted = true;
                m_eof = true;
                break;
            }
            pollfd pfd{m_fd, POLLIN, 0};
            const int n = ::poll(&pfd, 1, kWaitSliceMs);
            if (n == 0 || (n < 0 && errno == EINTR)) {
                m_wouldBlock = true;
                break;
            }
        } else if (m_stream && !waitReadable()) {
            m_interrupted = true;
            m_eof = true;
            break;
        }
        const ssize_t n = ::read(m_fd, m_buffer.data() + m_size, m_buffer.size() - m_size);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            m_readError = std::strerror(errno);
        if (n <= 0) {
            m_eof = true;
            break;
        }
        m_size += static_cast<uint64_t>(n);
    }
    m_data = m_buffer.data();
}

bool FileSource::waitReadable()
{
    // A FIFO opened without a writer reads as end of file (0) but polls as "nothing yet": POLLHUP
    // only comes once a writer has come and gone. So read only what poll() reports, and a FIFO
    // nobody has opened for writing yet waits instead of looking like an empty file.
    for (;;) {
        if (stopRequested())
            return false;
        pollfd pfd{m_fd, POLLIN, 0};
        const int n = ::poll(&pfd, 1, kWaitSliceMs);
        if (n > 0 || (n < 0 && errno != EINTR))
            return true;   // readable, hung up or failed: read() tells which
    }
}

// Validates a section header block at `at` and resets the interface table.
bool FileSource::readSectionHeader(uint64_t at, uint32_t blockLen)
{
    const auto bad = [&](const std::string& what) {
        m_error = what;
        return false;
    };
    if (blockLen < 28 || blockLen % 4 || at + blockLen > m_size)
        return bad("pcapng section header has an invalid length (" + std::to_string(blockLen) + ")");
    const uint8_t* b = m_data + at;
    if (r32(b + blockLen - 4) != blockLen)
        return bad("pcapng section header's trailing length does not match");
    const uint16_t major = r16(b + 12);
    if (major != 1)
        return bad("unsupported pcapng version " + std::to_string(major) + "." + std::to_string(r16(b + 14)));
    // Options: code, length, value padded to 4 bytes, all inside the block.
    uint64_t p = 24;
    const uint64_t end = blockLen - 4;
    while (p + 4 <= end) {
        const uint16_t code = r16(b + p);
        const uint32_t len = r16(b + p + 2);
        if (code == 0)
            break;
        if (p + 4 + ((len + 3u) & ~3u) > end)
            return bad("pcapng section header option " + std::to_string(code) + " is longer than its block");
        p += 4 + ((len + 3u) & ~3u);
    }
    m_interfaces.clear();
    m_pos = at + blockLen;
    return true;
}

bool FileSource::readInterface(const uint8_t* body, uint32_t bodyLen)
{
    if (bodyLen < 8) {
        m_error = "interface description block too short";
        return false;
    }
    Interface itf;
    itf.link_type = r16(body);
    itf.snaplen = r32(body + 4);
    uint32_t p = 8;
    while (p + 4 <= bodyLen) {
        const uint16_t code = r16(body + p);
        const uint32_t len = r16(body + p + 2);
        if (code == 0)
            break;
        if (p + 4 + len > bodyLen) {
            m_error = "interface description block option " + std::to_string(code) + " overruns its block";
            return false;
        }
        const uint8_t* v = body + p + 4;
        if (code == 9 && len >= 1) {   // if_tsresol: 10^-n, or 2^-n with the top bit set
            const bool binary = v[0] & 0x80;
            const int exponent = v[0] & 0x7f;
            if (exponent > (binary ? 63 : 19)) {
                m_error = "interface description block has an unusable time resolution";
                return false;
            }
            uint64_t units = 1;
            for (int i = 0; i < exponent; ++i)
                units *= binary ? 2 : 10;
            itf.units_per_second = units;
        } else if (code == 14 && len >= 8) {   // if_tsoffset, seconds
            uint64_t v64;
            std::memcpy(&v64, v, 8);
            itf.offset_s = static_cast<int64_t>(m_swap ? __builtin_bswap64(v64) : v64);
        }
        p += 4 + ((len + 3u) & ~3u);
    }
    if (m_firstLinkType < 0)
        m_firstLinkType = itf.link_type;
    m_interfaces.push_back(itf);
    return true;
}

int64_t FileSource::pcapngTime(const Interface& itf, uint64_t ts) const
{
    const uint64_t units = itf.units_per_second;
    const uint64_t secs = ts / units;
    const uint64_t frac = ts % units;
    // frac < units: exact in integers up to nanosecond resolution, long double beyond.
    const uint64_t ns = units <= 1000000000u
        ? frac * 1000000000u / units
        : static_cast<uint64_t>(static_cast<long double>(frac) * 1e9L / static_cast<long double>(units));
    // Unsigned arithmetic wraps (defined) for timestamps beyond 2262 that a corrupt file may hold.
    const uint64_t total = (secs + static_cast<uint64_t>(itf.offset_s)) * 1000000000u + ns;
    return static_cast<int64_t>(total);
}

PacketSource::Status FileSource::next(RawPacket& out)
{
    if (m_failed)
        return Status::Error;
    if (stopRequested())
        return Status::End;
    m_inNext = true;
    m_wouldBlock = false;
    const Status st = m_pcapng ? nextPcapng(out) : nextPcap(out);
    m_inNext = false;
    if (m_wouldBlock)
        return Status::Timeout;
    if (st != Status::Packet && m_interrupted) {
        // Stopped while waiting for more: the end, not a record cut short.
        m_failed = false;
        m_error.clear();
        return Status::End;
    }
    return st;
}

PacketSource::Status FileSource::nextPcap(RawPacket& out)
{
    fill(16);
    if (m_wouldBlock)
        return Status::Timeout;
    if (!m_readError.empty())
        return fail(m_readError);
    if (m_pos == m_size)
        return Status::End;
    const uint64_t packet = m_count + 1;
    if (m_size - m_pos < 16)
        return fail("packet " + std::to_string(packet) + ": record header cut short ("
                    + std::to_string(m_size - m_pos) + " of 16 bytes)");
    const uint8_t* h = m_data + m_pos;
    const uint32_t caplen = r32(h + 8);
    if (caplen <= kMaxRecord) {
        fill(16 + uint64_t(caplen));
        if (m_wouldBlock)
            return Status::Timeout;
        h = m_data + m_pos;
    }
    const uint32_t sec = r32(h);
    const uint32_t frac = r32(h + 4);
    const uint32_t wirelen = r32(h + 12);
    if (caplen > kMaxRecord || (caplen > m_snaplen && caplen > 262144))
        return fail("packet " + std::to_string(packet) + ": corrupt record header (captured length "
                    + std::to_string(caplen) + ")");
    if (m_size - m_pos - 16 < caplen)
        return fail("packet " + std::to_string(packet) + ": record cut short (" + std::to_string(caplen)
                    + " bytes announced, " + std::to_string(m_size - m_pos - 16) + " left)");
    out.ts_ns = static_cast<int64_t>(sec) * 1000000000 + static_cast<int64_t>(m_nano ? frac : uint64_t(frac) * 1000);
    out.caplen = caplen;
    out.wirelen = wirelen;
    out.link_type = m_linkType;
    out.data = h + 16;
    m_pos += 16 + caplen;
    ++m_count;
    return Status::Packet;
}

PacketSource::Status FileSource::nextPcapng(RawPacket& out)
{
    for (;;) {
        fill(28);
        if (m_wouldBlock)
            return Status::Timeout;
        if (!m_readError.empty())
            return fail(m_readError);
        if (m_pos == m_size)
            return Status::End;
        const uint64_t packet = m_count + 1;
        const auto where = [&] { return "block at offset " + std::to_string(m_base + m_pos) + " (before packet "
                                        + std::to_string(packet) + ")"; };
        if (m_size - m_pos < 12)
            return fail(where() + ": cut short");
        const uint8_t* b = m_data + m_pos;
        uint32_t type;
        std::memcpy(&type, b, 4);
        if (type == 0x0a0d0d0a) {   // new section, possibly with the other byte order
            uint32_t bom;
            if (m_size - m_pos < 28)
                return fail(where() + ": section header cut short");
            std::memcpy(&bom, b + 8, 4);
            if (bom != 0x1a2b3c4d && bom != 0x4d3c2b1a)
                return fail(where() + ": invalid byte-order magic");
            m_swap = bom == 0x4d3c2b1a;
            const uint32_t shbLen = r32(b + 4);
            if (shbLen <= kMaxRecord)
                fill(shbLen);
            if (m_wouldBlock)
                return Status::Timeout;
            if (!readSectionHeader(m_pos, shbLen))
                return fail(where() + ": " + m_error);
            continue;
        }
        type = r32(b);
        const uint32_t len = r32(b + 4);
        if (len <= kMaxRecord) {
            fill(len);
            if (m_wouldBlock)
                return Status::Timeout;
            b = m_data + m_pos;
        }
        if (len < 12 || len % 4 || len > m_size - m_pos)
            return fail(where() + ": invalid block length " + std::to_string(len));
        if (r32(b + len - 4) != len)
            return fail(where() + ": trailing block length does not match");
        const uint8_t* body = b + 8;
        const uint32_t bodyLen = len - 12;
        m_pos += len;
        switch (type) {
        case 1:   // interface description
            if (!readInterface(body, bodyLen))
                return fail(where() + ": " + m_error);
            continue;
        case 6:   // enhanced packet
        case 2: { // obsolete packet block: 16-bit interface id and drop count
            if (bodyLen < 20)
                return fail("packet " + std::to_string(packet) + ": packet block too short");
            const uint32_t ifId = type == 6 ? r32(body) : r16(body);
            const uint64_t ts = uint64_t(r32(body + 4)) << 32 | r32(body + 8);
            const uint32_t caplen = r32(body + 12);
            const uint32_t wirelen = r32(body + 16);
            if (ifId >= m_interfaces.size())
                return fail("packet " + std::to_string(packet) + ": refers to interface "
                            + std::to_string(ifId) + ", but only " + std::to_string(m_interfaces.size())
                            + " are described");
            if (caplen > bodyLen - 20)
                return fail("packet " + std::to_string(packet) + ": captured length "
                            + std::to_string(caplen) + " exceeds its block");
            const Interface& itf = m_interfaces[ifId];
            out.ts_ns = pcapngTime(itf, ts);
            out.caplen = caplen;
            out.wirelen = wirelen;
            out.link_type = itf.link_type;
            out.data = body + 20;
            ++m_count;
            return Status::Packet;
        }
        case 3: { // simple packet: interface 0, no timestamp
            if (bodyLen < 4)
                return fail("packet " + std::to_string(packet) + ": simple packet block too short");
            if (m_interfaces.empty())
                return fail("packet " + std::to_string(packet) + ": simple packet block before any interface");
            const Interface& itf = m_interfaces[0];
            const uint32_t wirelen = r32(body);
            uint32_t caplen = std::min(wirelen, bodyLen - 4);
            if (itf.snaplen)
                caplen = std::min(caplen, itf.snaplen);
            out.ts_ns = 0;
            out.caplen = caplen;
            out.wirelen = wirelen;
            out.link_type = itf.link_type;
            out.data = body + 4;
            ++m_count;
            return Status::Packet;
        }
        default:  // statistics, name resolution, custom, decryption secrets...: not packets
            continue;
        }
    }
}

// libpcap handle: live interfaces and pcap streams on a descriptor. Both wait with poll() on the
// handle's descriptor and an eventfd: libpcap's own timeout does not make pcap_next_ex() return on
// Linux when no packet arrives at all, a blocking read on a pipe ignores pcap_breakloop(), and the
// eventfd lets breakLoop() wake the wait at once. Live handles are non-blocking; a stream is read
// unbuffered, so poll() never misses data already sitting in a stdio buffer.
class PcapSource final : public PacketSource {
public:
    enum class Kind { Live, Stream };
    PcapSource(pcap_t* p, Kind kind, int timeoutMs, const std::atomic<bool>* cancel = nullptr)
        : m_pcap(p), m_kind(kind), m_timeoutMs(timeoutMs), m_cancel(cancel)
    {
    }
    ~PcapSource() override
    {
        pcap_close(m_pcap);
        if (m_wakeFd >= 0)
            ::close(m_wakeFd);
    }

    bool makePollable(int fd, std::string* error)
    {
        char errbuf[PCAP_ERRBUF_SIZE] = {};
        m_selectFd = fd;
        m_wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        const bool ok = m_selectFd >= 0 && m_wakeFd >= 0
            && (m_kind == Kind::Stream || pcap_setnonblock(m_pcap, 1, errbuf) == 0);
        if (!ok && error)
            *error = std::string("cannot wait for packets: ") + (errbuf[0] ? errbuf : std::strerror(errno));
        return ok;
    }

    Status next(RawPacket& out) override
    {
        for (;;) {
            if (m_failed)
                return Status::Error;
            if (m_break.load(std::memory_order_relaxed) || isSet(m_cancel))
                return Status::End;
            if (m_kind == Kind::Stream) {
                // Wait before reading: a blocking read could not be interrupted.
                const Status waited = wait();
                if (waited != Status::Packet)
                    return waited;
            }
            pcap_pkthdr* hdr = nullptr;
            const u_char* data = nullptr;
            const int rc = pcap_next_ex(m_pcap, &hdr, &data);
            if (rc == 1) {
                out.ts_ns = static_cast<int64_t>(hdr->ts.tv_sec) * 1000000000
                    + static_cast<int64_t>(hdr->ts.tv_usec) * (m_nano ? 1 : 1000);
                out.caplen = hdr->caplen;
                out.wirelen = hdr->len;
                out.link_type = m_linkType;
                out.data = data;
                ++m_count;
                return Status::Packet;
            }
            if (rc == PCAP_ERROR_BREAK)   // end of stream, or breakLoop()
                return Status::End;
            if (rc < 0)
                return fail(pcap_geterr(m_pcap));
            // Live, nothing buffered: wait for the interface.
            const Status waited = wait();
            if (waited != Status::Packet)
                return waited;
        }
    }
    std::string errorString() const override { return m_error; }
    void breakLoop() override
    {
        m_break.store(true, std::memory_order_relaxed);
        pcap_breakloop(m_pcap);
        if (m_wakeFd >= 0) {
            const uint64_t one = 1;
            [[maybe_unused]] const ssize_t n = ::write(m_wakeFd, &one, sizeof one);
        }
    }
    bool stats(uint64_t* received, uint64_t* dropped, uint64_t* ifDropped) const override
    {
        pcap_stat st{};
        if (m_kind != Kind::Live || pcap_stats(m_pcap, &st) != 0)
            return false;
        if (received) *received = st.ps_recv;
        if (dropped) *dropped = st.ps_drop;
        if (ifDropped) *ifDropped = st.ps_ifdrop;
        return true;
    }
    int linkType() const override { return m_linkType; }

    void init()
    {
        m_linkType = pcap_datalink(m_pcap);
        m_nano = pcap_get_tstamp_precision(m_pcap) == PCAP_TSTAMP_PRECISION_NANO;
    }

private:
    Status fail(const char* why)
    {
        m_failed = true;
        m_error = std::string(m_kind == Kind::Live ? "capture failed: " : "pcap stream: ") + why;
        return Status::Error;
    }

    // Packet: data (or end of stream) can be read now; Timeout, End (woken by breakLoop() or the
    // cancel flag, which is looked at every kWaitSliceMs), Error.
    Status wait()
    {
        int left = m_timeoutMs;
        for (;;) {
            if (isSet(m_cancel))
                return Status::End;
            const int slice = m_cancel && (left < 0 || left > kWaitSliceMs) ? kWaitSliceMs : left;
            pollfd fds[2] = {{m_selectFd, POLLIN, 0}, {m_wakeFd, POLLIN, 0}};
            const int n = poll(fds, 2, slice);
            // A signal that interrupts the wait is a short timeout: going on to read would block
            // on a stream with nothing in it, where breakLoop() cannot reach.
            if (n < 0 && errno != EINTR)
                return fail(std::strerror(errno));
            if (n < 0)
                return Status::Timeout;
            if (n > 0)
                return (fds[1].revents & POLLIN) ? Status::End : Status::Packet;
            if (left >= 0 && (left -= slice) <= 0)
                return Status::Timeout;
        }
    }

    pcap_t* m_pcap;
    Kind m_kind;
    int m_timeoutMs;
    const std::atomic<bool>* m_cancel;
    bool m_nano = false;
    bool m_failed = false;
    int m_linkType = -1;
    int m_selectFd = -1;
    int m_wakeFd = -1;
    std::atomic<bool> m_break{false};
    std::string m_error;
};

std::string addressText(const sockaddr* sa)
{
    if (!sa)
        return {};
    char buf[INET6_ADDRSTRLEN] = {};
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    return buf;
}

} // namespace

PacketSource::~PacketSource() = default;

bool PacketSource::stats(uint64_t*, uint64_t*, uint64_t*) const
{
    return false;
}

std::vector<InterfaceInfo> listInterfaces(std::string* error)
{
    std::vector<InterfaceInfo> out;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_if_t* all = nullptr;
    if (pcap_findalldevs(&all, errbuf) != 0) {
        if (error)
            *error = std::string("cannot list capture interfaces: ") + errbuf;
        return out;
    }
    for (pcap_if_t* d = all; d; d = d->next) {
        InterfaceInfo info;
        info.name = d->name;
        info.description = d->description ? d->description : "";
        info.up = d->flags & PCAP_IF_UP;
        info.running = d->flags & PCAP_IF_RUNNING;
        info.loopback = d->flags & PCAP_IF_LOOPBACK;
        for (pcap_addr_t* a = d->addresses; a; a = a->next) {
            std::string text = addressText(a->addr);
            if (!text.empty())
                info.addresses.push_back(std::move(text));
        }
        out.push_back(std::move(info));
    }
    pcap_freealldevs(all);
    return out;
}

std::unique_ptr<PacketSource> PacketSource::openFile(const std::string& path, std::string* error,
                                                     const std::atomic<bool>* cancel)
{
    auto src = std::make_unique<FileSource>();
    if (!src->open(path, error, cancel))
        return nullptr;
    return src;
}

std::unique_ptr<PacketSource> PacketSource::openLive(const LiveOptions& options, std::string* error)
{
    LiveOpenError e;
    pcap_t* p = openLiveHandle(options, &e);
    if (!p) {
        if (!error)
            return nullptr;
        std::string why = e.message;
        std::string detail = e.detail;
        switch (e.kind) {
        case LiveOpenError::Kind::NoInterface:
            why += "; use --list-interfaces to see the available ones";
            break;
        case LiveOpenError::Kind::NoSuchDevice:
            why += "; run with --list-interfaces to see the available ones";
            break;
        case LiveOpenError::Kind::PermissionDenied: {
            // Capture rights belong to the helper, the one program made to hold them (it drops
            // them once its socket is open and, installed from the package, only the synscope
            // group may run it); this program can read its stream.
            const std::string helper = captureHelperPath();
            why += ". Run as root, or capture through the capture helper: grant it capture rights once "
                   "with `sudo setcap cap_net_raw,cap_net_admin=eip " + helper + "` (the synscope "
                   "package does this; then join the synscope group) and read its stream with `"
                   + helper + " -i " + options.interface + " 2>/dev/null | synscope-cli -r -`";
            break;
        }
        case LiveOpenError::Kind::BadFilter:
        case LiveOpenError::Kind::SetFilter:
        case LiveOpenError::Kind::Capabilities:
            why += ": " + detail;
            detail.clear();
            break;
        default:
            break;
        }
        if (!detail.empty())
            why += " (libpcap: " + detail + ")";
        *error = why;
        return nullptr;
    }
    auto src = std::make_unique<PcapSource>(p, PcapSource::Kind::Live, options.timeout_ms);
    src->init();
    if (!src->makePollable(pcap_get_selectable_fd(p), error))
        return nullptr;
    return src;
}

std::unique_ptr<PacketSource> PacketSource::openFd(int fd, std::string* error, int timeoutMs,
                                                   const std::atomic<bool>* cancel)
{
    // pcap_fopen_offline() reads the 24-byte file header with a blocking fread(): start it only
    // once the header is there (or the writer is gone), waiting in slices that look at *cancel.
    for (;;) {
        if (isSet(cancel)) {
            if (error)
                *error = "cannot read the pcap stream: cancelled";
            ::close(fd);
            return nullptr;
        }
        pollfd pfd{fd, POLLIN, 0};
        const int n = ::poll(&pfd, 1, kWaitSliceMs);
        if (n < 0 && errno != EINTR)
            break;   // fread reports it
        if (n <= 0)
            continue;
        int available = 0;
        if ((pfd.revents & ~POLLIN) || ::ioctl(fd, FIONREAD, &available) != 0 || available >= 24)
            break;
        // Part of the header: the rest follows at once from any real writer.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FILE* f = fdopen(fd, "rb");
    if (!f) {
        if (error)
            *error = std::string("cannot read the pcap stream: ") + std::strerror(errno);
        ::close(fd);
        return nullptr;
    }
    setvbuf(f, nullptr, _IONBF, 0);
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        if (error)
            *error = std::string("cannot read the pcap stream: ") + errbuf;
        fclose(f);
        return nullptr;
    }
    auto src = std::make_unique<PcapSource>(p, PcapSource::Kind::Stream, timeoutMs, cancel);
    src->init();
    if (!src->makePollable(fd, error))
        return nullptr;
    return src;
}

} // namespace synscope
