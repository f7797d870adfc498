// SPDX-License-Identifier: GPL-3.0-or-later
// The capture-file reader: the input is a whole file (pcap or pcapng), written to a memfd and
// opened by path (/proc/self/fd/N) with PacketSource::openFile like any file; every packet is read
// with next() and decoded, and each SYN goes through the classify/report pipeline.
#include "fuzz_common.h"

#include "core/capture/packet_source.h"

#include <sys/mman.h>
#include <unistd.h>

#include <string>

using namespace synscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const int fd = memfd_create("synscope-fuzz-capture", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0, "memfd_create failed");
    size_t done = 0;
    while (done < size) {
        const ssize_t n = write(fd, data + done, size - done);
        FUZZ_CHECK(n > 0, "write to memfd failed");
        done += size_t(n);
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd);

    std::string error;
    std::unique_ptr<PacketSource> src = PacketSource::openFile(path, &error);
    if (!src) {
        if (fuzz::verbose())
            std::fprintf(stderr, "  not opened: %s\n", error.c_str());
        FUZZ_CHECK(!error.empty(), "openFile failed without an error");
        close(fd);
        return 0;
    }
    Decoder decoder;
    RawPacket pkt;
    SynRecord rec;
    uint64_t packets = 0;
    uint64_t bytes = 0;
    for (;;) {
        const PacketSource::Status st = src->next(pkt);
        if (st == PacketSource::Status::Packet) {
            ++packets;
            // Every packet's bytes come from the file: a reader that hands out more than the
            // input holds in total is making them up (or overreading).
            bytes += pkt.caplen;
            FUZZ_CHECK(pkt.caplen <= size, "caplen %u beyond a %zu-byte file", pkt.caplen, size);
            FUZZ_CHECK(pkt.data || !pkt.caplen, "caplen %u without data", pkt.caplen);
            FUZZ_CHECK(src->packetCount() == packets, "packetCount %llu after %llu packets",
                       (unsigned long long)src->packetCount(), (unsigned long long)packets);
            FUZZ_CHECK(packets <= size, "more packets than bytes");
            if (decoder.decode(pkt, rec))
                fuzz::Harness::instance().run(pkt, rec);
            continue;
        }
        FUZZ_CHECK(st != PacketSource::Status::Timeout, "a file timed out");
        if (fuzz::verbose())
            std::fprintf(stderr, "  %llu packets, %llu SYN records, then %s %s\n",
                         (unsigned long long)packets,
                         (unsigned long long)(decoder.stats().syn + decoder.stats().syn_ack),
                         st == PacketSource::Status::End ? "end" : "error:",
                         st == PacketSource::Status::End ? "" : src->errorString().c_str());
        if (st == PacketSource::Status::Error) {
            FUZZ_CHECK(!src->errorString().empty(), "Error without an error string");
            FUZZ_CHECK(src->next(pkt) == PacketSource::Status::Error, "Error is not sticky");
        }
        break;
    }
    FUZZ_CHECK(bytes <= size, "%llu packet bytes from a %zu-byte file", (unsigned long long)bytes,
               size);
    src.reset();
    close(fd);
    return 0;
}
