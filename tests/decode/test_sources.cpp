// SPDX-License-Identifier: GPL-3.0-or-later
// Packet sources: our file reader against libpcap on every corpus file libpcap can read, files
// libpcap refuses (mixed link types), broken files, a pcap stream through a pipe, the default live
// filter, and live capture errors.
#include "core/capture/packet_source.h"
#include "core/decode/decoder.h"

#include <QDir>
#include <QDirIterator>
#include <QTemporaryDir>
#include <QTest>

#include <pcap/pcap.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <future>
#include <set>
#include <thread>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

QString sharedPcaps() { return QStringLiteral(SYNSCOPE_SHARED_DIR "/data/pcaps"); }
bool haveCorpus() { return QDir(sharedPcaps()).exists(); }
std::string corpusFile(const char* rel) { return (sharedPcaps() + u'/' + QLatin1String(rel)).toStdString(); }

// Ethernet + IPv4 + TCP SYN with MSS 1460; flags and an optional VLAN tag / IPv6 are chosen.
std::vector<uint8_t> synFrame(uint16_t flags, bool vlan = false, bool v6 = false, uint16_t sport = 1000,
                              uint8_t payload = 0)
{
    std::vector<uint8_t> f = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    if (vlan)
        f.insert(f.end(), {0x81, 0x00, 0x00, 0x05});
    const std::vector<uint8_t> tcp = {uint8_t(sport >> 8), uint8_t(sport), 0, 80, 0, 0, 0, 1, 0, 0, 0, 0,
                                      0x60, uint8_t(flags), 0xfa, 0xf0, 0, 0, 0, 0, 2, 4, 5, 0xb4};
    if (v6) {
        f.insert(f.end(), {0x86, 0xdd, 0x60, 0, 0, 0, 0, uint8_t(tcp.size() + payload), 6, 64});
        f.insert(f.end(), 32, 1);
    } else {
        f.insert(f.end(), {0x08, 0x00, 0x45, 0, 0, uint8_t(20 + tcp.size() + payload), 0, 1, 0x40, 0, 64,
                           6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
    }
    f.insert(f.end(), tcp.begin(), tcp.end());
    f.insert(f.end(), payload, 'x');
    return f;
}

struct Packet {
    int64_t ts_ns;
    bool invalid_ts;    // libpcap: fraction field out of range (it wraps it; we keep it unsigned)
    uint32_t caplen, wirelen;
    int link_type;
    QByteArray data;
};

// All packets through our reader; *status and *error tell how it ended.
std::vector<Packet> readOurs(PacketSource& src, PacketSource::Status* status)
{
    std::vector<Packet> out;
    RawPacket p;
    while ((*status = src.next(p)) == PacketSource::Status::Packet)
        out.push_back({p.ts_ns, false, p.caplen, p.wirelen, p.link_type,
                       QByteArray(reinterpret_cast<const char*>(p.data), qsizetype(p.caplen))});
    return out;
}

// All packets through libpcap: microseconds for classic microsecond files (libpcap's conversion to
// nanoseconds overflows on out-of-range fields), nanoseconds otherwise; false when libpcap cannot
// open the file.
bool readLibpcap(const std::string& path, std::vector<Packet>* out, bool* readError)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    uint32_t magic = 0;
    std::ifstream(path, std::ios::binary).read(reinterpret_cast<char*>(&magic), 4);
    const bool micro = magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1;
    pcap_t* p = pcap_open_offline_with_tstamp_precision(
        path.c_str(), micro ? PCAP_TSTAMP_PRECISION_MICRO : PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p)
        return false;
    const int64_t unit = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
    pcap_pkthdr* h;
    const u_char* d;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1)
        out->push_back({int64_t(h->ts.tv_sec) * 1000000000 + int64_t(h->ts.tv_usec) * unit,
                        h->ts.tv_usec < 0 || h->ts.tv_usec * unit >= 1000000000, h->caplen, h->len,
                        pcap_datalink(p), QByteArray(reinterpret_cast<const char*>(d), qsizetype(h->caplen))});
    *readError = rc == PCAP_ERROR;
    // libpcap 1.10 also gives up on pcapng interfaces whose link type or snaplen differ from the
    // first one's: that is a limitation of libpcap, not damage, so it counts as "not readable".
    const bool interfacesRefused = *readError && std::strstr(pcap_geterr(p), "different from") != nullptr;
    pcap_close(p);
    return !interfacesRefused;
}

// A classic little-endian pcap file: header and `packets` SYN frames.
std::string pcapBytes(int packets)
{
    std::string out;
    const auto put32 = [&out](uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); };
    put32(0xa1b2c3d4);
    put32(0x00040002);   // version 2.4
    put32(0);
    put32(0);
    put32(65535);
    put32(1);
    for (int i = 0; i < packets; ++i) {
        const auto frame = synFrame(0x02, false, false, uint16_t(2000 + i));
        put32(uint32_t(1700000000 + i));
        put32(0);
        put32(uint32_t(frame.size()));
        put32(uint32_t(frame.size()));
        out.append(reinterpret_cast<const char*>(frame.data()), frame.size());
    }
    return out;
}

bool writeAll(int fd, const std::string& bytes)
{
    return ::write(fd, bytes.data(), bytes.size()) == ssize_t(bytes.size());
}

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The snaplen of a classic pcap file's header; 0 for anything else.
uint32_t classicSnaplen(const std::string& path)
{
    uint8_t h[24] = {};
    std::ifstream(path, std::ios::binary).read(reinterpret_cast<char*>(h), sizeof h);
    uint32_t magic, snaplen;
    std::memcpy(&magic, h, 4);
    std::memcpy(&snaplen, h + 16, 4);
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
        return snaplen;
    if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
        return __builtin_bswap32(snaplen);
    return 0;
}

} // namespace

class TestSources : public QObject {
    Q_OBJECT
private slots:
    void sameAsLibpcap()
    {
        if (!haveCorpus())
            QSKIP("shared corpus not found at " SYNSCOPE_SHARED_DIR "/data/pcaps");
        QDirIterator it(sharedPcaps(), {u"*.pcap"_s, u"*.pcapng"_s, u"*.cap"_s}, QDir::Files,
                        QDirIterator::Subdirectories);
        int compared = 0, onlyOurs = 0, packets = 0, clamped = 0, invalidTs = 0;
        QStringList onlyOursNames;
        while (it.hasNext()) {
            const std::string path = it.next().toStdString();
            std::vector<Packet> theirs;
            bool theirError = false;
            const bool libpcapOpens = readLibpcap(path, &theirs, &theirError);
            std::string error;
            auto src = PacketSource::openFile(path, &error);
            if (!libpcapOpens) {
                // libpcap refuses pcapng files with mixed link types; we must read those, and we
                // must reject what is really broken (checked in brokenFiles()).
                if (src) {
                    PacketSource::Status st;
                    readOurs(*src, &st);
                    QVERIFY2(st == PacketSource::Status::End, src->errorString().c_str());
                    ++onlyOurs;
                    onlyOursNames << QString::fromStdString(path).section(u'/', -1);
                }
                continue;
            }
            if (path.ends_with("/libpcap/linktype-reserved-field-not-zero.pcap")) {
                // libpcap 1.10 accepts reserved link-type bits (newer libpcap and Wireshark don't).
                QVERIFY(!src);
                QVERIFY(theirs.empty());
                continue;
            }
            QVERIFY2(src, error.c_str());
            PacketSource::Status st;
            const std::vector<Packet> ours = readOurs(*src, &st);
            QVERIFY2((st == PacketSource::Status::Error) == theirError, path.c_str());
            QVERIFY2(ours.size() == theirs.size(), path.c_str());
            const uint32_t snaplen = classicSnaplen(path);
            for (size_t i = 0; i < ours.size(); ++i) {
                if (theirs[i].invalid_ts)
                    ++invalidTs;
                else
                    QCOMPARE(ours[i].ts_ns, theirs[i].ts_ns);
                QCOMPARE(ours[i].wirelen, theirs[i].wirelen);
                // libpcap reports DLT values: LINKTYPE_RAW (101, what files store) is DLT_RAW (12).
                QCOMPARE(ours[i].link_type == 101 ? DLT_RAW : ours[i].link_type, theirs[i].link_type);
                if (snaplen && theirs[i].caplen == snaplen && ours[i].caplen > snaplen) {
                    // The record holds more than the file header's snaplen: libpcap cuts it to the
                    // snaplen, tshark and we keep what the file holds.
                    QVERIFY(ours[i].data.startsWith(theirs[i].data));
                    ++clamped;
                    continue;
                }
                QCOMPARE(ours[i].caplen, theirs[i].caplen);
                QCOMPARE(ours[i].data, theirs[i].data);
            }
            QCOMPARE(src->packetCount(), uint64_t(ours.size()));
            packets += int(ours.size());
            ++compared;

            // The same file as a stream on a descriptor (libpcap underneath).
            const int fd = ::open(path.c_str(), O_RDONLY);
            QVERIFY(fd >= 0);
            auto viaFd = PacketSource::openFd(fd, &error);
            QVERIFY2(viaFd, error.c_str());
            const std::vector<Packet> streamed = readOurs(*viaFd, &st);
            QCOMPARE(streamed.size(), theirs.size());
            for (size_t i = 0; i < streamed.size(); ++i) {
                if (!theirs[i].invalid_ts)
                    QCOMPARE(streamed[i].ts_ns, theirs[i].ts_ns);
                QCOMPARE(streamed[i].data, theirs[i].data);   // libpcap underneath: same cuts
            }
        }
        qInfo("%d files read identically by libpcap and SynScope (%d packets, %d longer than the "
              "file's snaplen kept whole, %d with out-of-range time fractions); %d read only by SynScope: %s",
              compared, packets, clamped, invalidTs, onlyOurs, qPrintable(onlyOursNames.join(u", "_s)));
        QVERIFY(compared > 250);
        QVERIFY(clamped > 0);
        QVERIFY(onlyOursNames.contains(u"pcapng-example.pcapng"_s));
        QVERIFY(onlyOursNames.contains(u"many_interfaces-1.pcapng"_s));
        QVERIFY(onlyOursNames.contains(u"GrePackets.pcap"_s));
    }

    void mixedLinkTypes()
    {
        if (!haveCorpus())
            QSKIP("shared corpus not found at " SYNSCOPE_SHARED_DIR "/data/pcaps");
        std::string error;
        auto src = PacketSource::openFile(corpusFile("pcapplusplus/many_interfaces-1.pcapng"), &error);
        QVERIFY2(src, error.c_str());
        PacketSource::Status st;
        std::set<int> types;
        for (const Packet& p : readOurs(*src, &st))
            types.insert(p.link_type);
        QCOMPARE(st, PacketSource::Status::End);
        QCOMPARE(types, (std::set<int>{0, 1}));   // its RAW interfaces carry no packets

        src = PacketSource::openFile(corpusFile("pcapplusplus/pcapng-example.pcapng"), &error);
        QVERIFY2(src, error.c_str());
        types.clear();
        for (const Packet& p : readOurs(*src, &st))
            types.insert(p.link_type);
        QCOMPARE(types, (std::set<int>{1, 113}));
    }

    void brokenFiles()
    {
        if (!haveCorpus())
            QSKIP("shared corpus not found at " SYNSCOPE_SHARED_DIR "/data/pcaps");
        const struct {
            const char* file;
            const char* says;
        } invalid[] = {
            {"libpcap/pcap-invalid-version-1.pcap", "unsupported pcap version"},
            {"libpcap/pcapng-invalid-vers-1.pcapng", "unsupported pcapng version"},
            {"libpcap/shb-option-too-long.pcapng", "section header"},
            {"libpcap/linktype-reserved-field-not-zero.pcap", "reserved bits"},
        };
        for (const auto& c : invalid) {
            std::string error;
            QVERIFY(!PacketSource::openFile(corpusFile(c.file), &error));
            const QString e = QString::fromStdString(error);
            QVERIFY2(e.contains(QLatin1String(c.file).mid(QLatin1String(c.file).indexOf(u'/') + 1)), qPrintable(e));
            QVERIFY2(e.contains(QLatin1String(c.says)), qPrintable(e));
        }
        const struct {
            const char* file;
            uint64_t goodPackets;
        } corrupt[] = {
            {"suricata-verify/bug-1450-04__tls_DER-incomplete-header.pcap", 6},
            {"suricata-verify/smtp-to-comma__10.7.29.101_49898-178.63.41.150_25.pcap", 18},
        };
        for (const auto& c : corrupt) {
            std::string error;
            auto src = PacketSource::openFile(corpusFile(c.file), &error);
            QVERIFY2(src, error.c_str());
            Decoder decoder;
            RawPacket p;
            SynRecord rec;
            int records = 0;
            PacketSource::Status st;
            while ((st = src->next(p)) == PacketSource::Status::Packet)
                records += decoder.decode(p, rec);
            QCOMPARE(st, PacketSource::Status::Error);
            QCOMPARE(src->packetCount(), c.goodPackets);
            QCOMPARE(records, 2);   // the SYN and SYN+ACK before the damage are kept
            const QString e = QString::fromStdString(src->errorString());
            QVERIFY2(e.contains(u"packet %1"_s.arg(c.goodPackets + 1)) && e.contains(u"corrupt"_s), qPrintable(e));
            QVERIFY2(e.contains(QLatin1String(c.file).mid(QLatin1String(c.file).indexOf(u'/') + 1)), qPrintable(e));
            QCOMPARE(src->next(p), PacketSource::Status::Error);   // stays failed
        }
        std::string error;
        auto empty = PacketSource::openFile(corpusFile("tcpdump/empty.pcap"), &error);
        QVERIFY2(empty, error.c_str());
        RawPacket p;
        QCOMPARE(empty->next(p), PacketSource::Status::End);
    }

    void fileErrors()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::string error;
        QVERIFY(!PacketSource::openFile("/nonexistent/x.pcap", &error));
        QVERIFY(QString::fromStdString(error).contains(u"'/nonexistent/x.pcap'"_s));
        QVERIFY(!PacketSource::openFile(dir.path().toStdString(), &error));
        QVERIFY(QString::fromStdString(error).contains(u"directory"_s));

        const auto write = [&](const char* name, const std::vector<uint8_t>& bytes) {
            const std::string path = (dir.path() + u'/' + QLatin1String(name)).toStdString();
            std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
            return path;
        };
        QVERIFY(!PacketSource::openFile(write("text.pcap", {'h', 'e', 'l', 'l', 'o', '\n'}), &error));
        QVERIFY(QString::fromStdString(error).contains(u"not a pcap or pcapng file"_s));
        QVERIFY(!PacketSource::openFile(write("short.pcap", {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0}), &error));
        QVERIFY(QString::fromStdString(error).contains(u"truncated pcap file header"_s));

        // Big-endian nanosecond header, one record, then a record header cut short.
        std::vector<uint8_t> be = {0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0, 0xff, 0xff, 0, 0, 0, 101};
        const std::vector<uint8_t> v4 = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
        be.insert(be.end(), {0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 20, 0, 0, 0, 20});
        be.insert(be.end(), v4.begin(), v4.end());
        be.insert(be.end(), {0, 0, 0, 8, 0, 0});
        auto src = PacketSource::openFile(write("be.pcap", be), &error);
        QVERIFY2(src, error.c_str());
        RawPacket p;
        QCOMPARE(src->next(p), PacketSource::Status::Packet);
        QCOMPARE(p.ts_ns, 7000000009);
        QCOMPARE(p.link_type, 101);
        QCOMPARE(p.caplen, 20u);
        QCOMPARE(src->linkType(), 101);
        QCOMPARE(src->next(p), PacketSource::Status::Error);
        QVERIFY2(QString::fromStdString(src->errorString()).contains(u"packet 2: record header cut short"_s),
                 src->errorString().c_str());

        // A corrupt length claims 200 MB in a 60-byte file: refused without allocating it.
        std::vector<uint8_t> ng = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0};
        ng.insert(ng.end(), {1, 0, 0, 0, 0, 0xc2, 0xeb, 0x0b});   // IDB claiming 200,000,000 bytes
        ng.resize(60, 0);
        const size_t heapBefore = mallinfo2().uordblks + mallinfo2().hblkhd;
        src = PacketSource::openFile(write("huge-block.pcapng", ng), &error);
        QVERIFY2(src, error.c_str());
        QCOMPARE(src->next(p), PacketSource::Status::Error);
        QVERIFY2(QString::fromStdString(src->errorString()).contains(u"invalid block length 200000000"_s),
                 src->errorString().c_str());
        QVERIFY(mallinfo2().uordblks + mallinfo2().hblkhd < heapBefore + (1u << 20));

        // breakLoop() ends a file source too.
        src = PacketSource::openFile(write("be2.pcap", be), &error);
        src->breakLoop();
        QCOMPARE(src->next(p), PacketSource::Status::End);
    }

    // The GUI's path: the capture helper pcap_dumps into a pipe, the GUI reads it with openFd().
    void pipeStream()
    {
        int fds[2];
        QCOMPARE(pipe(fds), 0);
        constexpr int kPackets = 500;
        std::thread writer([wfd = fds[1]] {
            pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
            pcap_dumper_t* dumper = pcap_dump_fopen(dead, fdopen(wfd, "wb"));
            for (int i = 0; i < kPackets; ++i) {
                const auto frame = synFrame(i % 2 ? 0x12 : 0x02, i % 5 == 0, i % 7 == 0, uint16_t(1000 + i));
                pcap_pkthdr h{};
                h.ts.tv_sec = 1700000000 + i;
                h.ts.tv_usec = 250;
                h.caplen = h.len = uint32_t(frame.size());
                pcap_dump(reinterpret_cast<u_char*>(dumper), &h, frame.data());
                if (i % 50 == 0)
                    pcap_dump_flush(dumper);
            }
            pcap_dump_close(dumper);
            pcap_close(dead);
        });
        std::string error;
        auto src = PacketSource::openFd(fds[0], &error);
        QVERIFY2(src, error.c_str());
        Decoder decoder;
        RawPacket p;
        SynRecord rec;
        int n = 0;
        PacketSource::Status st;
        while ((st = src->next(p)) == PacketSource::Status::Packet || st == PacketSource::Status::Timeout) {
            if (st == PacketSource::Status::Timeout)
                continue;
            QVERIFY(decoder.decode(p, rec));
            QCOMPARE(rec.src_port, 1000 + n);
            QCOMPARE(rec.ts_ns, (1700000000LL + n) * 1000000000 + 250000);
            QCOMPARE(rec.kind, n % 2 ? PacketKind::SynAck : PacketKind::Syn);
            QCOMPARE(rec.fp.ip_version, n % 7 == 0 ? 6 : 4);
            QCOMPARE(bool(rec.encapsulation & EncapVlan), n % 5 == 0);
            ++n;
        }
        writer.join();
        QCOMPARE(st, PacketSource::Status::End);
        QCOMPARE(n, kPackets);
        QCOMPARE(src->linkType(), 1);
        uint64_t a, b, c;
        QVERIFY(!src->stats(&a, &b, &c));   // statistics are for live captures only

        // A helper that wrote its header and then went quiet: next() times out, and breakLoop()
        // from another thread ends the wait at once although the pipe stays open.
        QCOMPARE(pipe(fds), 0);
        {
            pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
            FILE* w = fdopen(fds[1], "wb");
            pcap_dumper_t* dumper = pcap_dump_fopen(dead, w);
            pcap_dump_flush(dumper);
            auto quiet = PacketSource::openFd(fds[0], &error, 50);
            QVERIFY2(quiet, error.c_str());
            QCOMPARE(quiet->next(p), PacketSource::Status::Timeout);
            const auto started = std::chrono::steady_clock::now();
            std::thread stopper([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                quiet->breakLoop();
            });
            PacketSource::Status qs = PacketSource::Status::Timeout;
            while (qs == PacketSource::Status::Timeout)
                qs = quiet->next(p);
            stopper.join();
            QCOMPARE(qs, PacketSource::Status::End);
            QVERIFY(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
            pcap_dump_close(dumper);
            pcap_close(dead);
        }

        // Something that is not a pcap stream.
        QCOMPARE(pipe(fds), 0);
        QCOMPARE(::write(fds[1], "garbage!garbage!garbage!", 24), 24);
        ::close(fds[1]);
        QVERIFY(!PacketSource::openFd(fds[0], &error));
        QVERIFY2(QString::fromStdString(error).contains(u"pcap stream"_s), error.c_str());
    }

    // A signal that interrupts the wait on a quiet stream is a timeout: reading on would block in
    // the pipe, where breakLoop() cannot reach.
    void pipeStreamSignal()
    {
        struct sigaction sa{};
        struct sigaction previous{};
        sa.sa_handler = [](int) {};   // no SA_RESTART: the signal interrupts poll() and read()
        sigemptyset(&sa.sa_mask);
        QCOMPARE(sigaction(SIGUSR1, &sa, &previous), 0);
        int fds[2];
        QCOMPARE(pipe(fds), 0);
        pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
        pcap_dumper_t* dumper = pcap_dump_fopen(dead, fdopen(fds[1], "wb"));
        pcap_dump_flush(dumper);
        std::string error;
        auto quiet = PacketSource::openFd(fds[0], &error, 10000);
        QVERIFY2(quiet, error.c_str());
        RawPacket p;
        PacketSource::Status st = PacketSource::Status::Packet;
        std::atomic<bool> done{false};
        std::thread reader([&] {
            st = quiet->next(p);
            done = true;
        });
        // Until one signal lands inside the wait (one sent before it starts changes nothing).
        const auto started = std::chrono::steady_clock::now();
        while (!done && std::chrono::steady_clock::now() - started < std::chrono::seconds(5)) {
            pthread_kill(reader.native_handle(), SIGUSR1);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        const bool returned = done;
        quiet->breakLoop();
        pcap_dump_close(dumper);   // end of stream: also frees a reader stuck in read()
        reader.join();
        pcap_close(dead);
        sigaction(SIGUSR1, &previous, nullptr);
        QVERIFY(returned);
        QCOMPARE(st, PacketSource::Status::Timeout);
    }

    void defaultFilter()
    {
        const auto matches = [](const std::string& filter, int dlt, const std::vector<uint8_t>& frame) {
            pcap_t* dead = pcap_open_dead(dlt, 65535);
            bpf_program prog{};
            const bool compiled = pcap_compile(dead, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0;
            pcap_pkthdr h{};
            h.caplen = h.len = uint32_t(frame.size());
            const bool hit = compiled && pcap_offline_filter(&prog, &h, frame.data()) != 0;
            if (compiled)
                pcap_freecode(&prog);
            pcap_close(dead);
            return hit;
        };
        const std::string f = defaultLiveFilter();
        QVERIFY(matches(f, DLT_EN10MB, synFrame(0x02)));
        QVERIFY(matches(f, DLT_EN10MB, synFrame(0x12)));
        QVERIFY(matches(f, DLT_EN10MB, synFrame(0x02, false, true)));
        QVERIFY(matches(f, DLT_EN10MB, synFrame(0x12, true)));
        QVERIFY(matches(f, DLT_EN10MB, synFrame(0x02, true, true)));
        // The flow stage's segments (PSH data, FIN, RST, pure ACKs) pass; data without PSH, the
        // bulk of a transfer, does not.
        for (const bool vlan : {false, true})
            for (const bool v6 : {false, true}) {
                QVERIFY(matches(f, DLT_EN10MB, synFrame(0x10, vlan, v6)));
                QVERIFY(matches(f, DLT_EN10MB, synFrame(0x10 | 0x80, vlan, v6)));   // CWR too
                QVERIFY(!matches(f, DLT_EN10MB, synFrame(0x10, vlan, v6, 1000, 100)));
                QVERIFY(matches(f, DLT_EN10MB, synFrame(0x18, vlan, v6, 1000, 100)));
            }
        QVERIFY(!matches(f, DLT_EN10MB, synFrame(0x30)));   // URG+ACK: not a pure ACK
        QVERIFY(matches(f, DLT_EN10MB, synFrame(0x18, true, true)));
        QVERIFY(matches(f, DLT_EN10MB, synFrame(0x18)));
        QVERIFY(matches(f, DLT_EN10MB, synFrame(0x11)));
        QVERIFY(matches(f, DLT_EN10MB, synFrame(0x04, false, true)));
        // Other link types get the variant without VLAN matching, which libpcap can compile.
        for (int dlt : {DLT_LINUX_SLL, DLT_NULL, DLT_RAW}) {
            const auto frame = synFrame(0x02);
            std::vector<uint8_t> raw(frame.begin() + 14, frame.end());
            if (dlt == DLT_RAW)
                QVERIFY(matches(defaultLiveFilter(dlt), dlt, raw));
            pcap_t* dead = pcap_open_dead(dlt, 65535);
            bpf_program prog{};
            QCOMPARE(pcap_compile(dead, &prog, defaultLiveFilter(dlt).c_str(), 1, PCAP_NETMASK_UNKNOWN), 0);
            pcap_freecode(&prog);
            pcap_close(dead);
        }
    }

    void listInterfaces_()
    {
        std::string error;
        const auto list = listInterfaces(&error);
        if (list.empty())
            QSKIP(qPrintable(u"no capture interfaces visible here: "_s + QString::fromStdString(error)));
        bool sawLoopback = false;
        for (const InterfaceInfo& i : list) {
            QVERIFY(!i.name.empty());
            if (i.name == "lo") {
                sawLoopback = true;
                QVERIFY(i.loopback);
                QVERIFY(std::find(i.addresses.begin(), i.addresses.end(), "127.0.0.1") != i.addresses.end());
            }
        }
        if (!sawLoopback)
            QSKIP("no 'lo' interface listed");
    }

    void liveErrors()
    {
        LiveOptions o;
        o.interface = "synscope-no-such-if0";
        std::string error;
        QVERIFY(!PacketSource::openLive(o, &error));
        const QString e = QString::fromStdString(error);
        if (geteuid() == 0) {
            QVERIFY2(e.contains(u"there is no interface 'synscope-no-such-if0'"_s) && e.contains(u"--list-interfaces"_s),
                     qPrintable(e));
        } else {
            // Without capture rights libpcap fails on permissions before it looks at the name.
            QVERIFY2(e.contains(u"setcap cap_net_raw,cap_net_admin=eip"_s) || e.contains(u"--list-interfaces"_s),
                     qPrintable(e));
        }
        o.interface.clear();
        QVERIFY(!PacketSource::openLive(o, &error));
        QVERIFY(QString::fromStdString(error).contains(u"--list-interfaces"_s));

        if (geteuid() != 0)
            QSKIP("bad-filter and live capture checks need root (capture on 'lo')");
        o.interface = "lo";
        o.filter = "tcp and and port";
        QVERIFY(!PacketSource::openLive(o, &error));
        QVERIFY2(QString::fromStdString(error).contains(u"invalid capture filter \"tcp and and port\": can't parse filter expression: syntax error"_s),
                 error.c_str());
    }

    // A real handshake on the loopback interface: the Linux SYN and SYN+ACK are captured with the
    // default filter and decoded; Timeout and breakLoop() behave.
    void liveLoopback()
    {
        if (geteuid() != 0)
            QSKIP("live capture on 'lo' needs root");
        LiveOptions o;
        o.interface = "lo";
        o.timeout_ms = 100;
        std::string error;
        auto src = PacketSource::openLive(o, &error);
        if (!src)
            QSKIP(qPrintable(u"cannot capture on lo here: "_s + QString::fromStdString(error)));

        const int server = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        QCOMPARE(listen(server, 4), 0);
        socklen_t len = sizeof addr;
        getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len);
        const uint16_t port = ntohs(addr.sin_port);
        const int client = socket(AF_INET, SOCK_STREAM, 0);
        QCOMPARE(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);

        Decoder decoder;
        RawPacket p;
        SynRecord rec;
        bool syn = false, synAck = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!(syn && synAck) && std::chrono::steady_clock::now() < deadline) {
            const auto st = src->next(p);
            QVERIFY2(st != PacketSource::Status::Error, src->errorString().c_str());
            if (st != PacketSource::Status::Packet || !decoder.decode(p, rec))
                continue;
            if (rec.kind == PacketKind::Syn && rec.dst_port == port) {
                syn = true;
                QCOMPARE(rec.fp.tcp_mss, 65495);   // lo MTU 65536 - 40
                QVERIFY(rec.fp.ip_df);
                QCOMPARE(rec.fp.ip_ttl, 64);
            }
            if (rec.kind == PacketKind::SynAck && rec.src_port == port)
                synAck = true;
        }
        ::close(client);
        ::close(server);
        QVERIFY(syn);
        QVERIFY(synAck);
        uint64_t received = 0, dropped = 0, ifDropped = 0;
        QVERIFY(src->stats(&received, &dropped, &ifDropped));
        QVERIFY(received >= 2);

        // Nothing matches: Timeout; then breakLoop() from another thread ends the loop.
        o.filter = "tcp port 9 and host 192.0.2.99";
        src = PacketSource::openLive(o, &error);
        QVERIFY2(src, error.c_str());
        QCOMPARE(src->next(p), PacketSource::Status::Timeout);
        std::thread stopper([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            src->breakLoop();
        });
        PacketSource::Status st = PacketSource::Status::Timeout;
        for (int i = 0; i < 50 && st == PacketSource::Status::Timeout; ++i)
            st = src->next(p);
        stopper.join();
        QCOMPARE(st, PacketSource::Status::End);
    }
    // A FIFO nobody has opened for writing yet: openFile() waits (it is not an empty file) instead
    // of sitting in open() for good, and the cancel flag ends the wait within one poll slice.
    void fifoWithoutWriterIsCancelled()
    {
        QTemporaryDir dir;
        const std::string fifo = dir.filePath(u"capture.fifo"_s).toStdString();
        QCOMPARE(mkfifo(fifo.c_str(), 0600), 0);
        std::atomic<bool> cancel{false};
        std::thread canceller([&] {
            std::this_thread::sleep_for(milliseconds(300));
            cancel = true;
        });
        std::string error;
        const auto started = Clock::now();
        auto src = PacketSource::openFile(fifo, &error, &cancel);
        const auto took = Clock::now() - started;
        canceller.join();
        QVERIFY(!src);
        QVERIFY2(error.find("cancelled") != std::string::npos, error.c_str());
        QVERIFY2(error.find(fifo) != std::string::npos, error.c_str());
        QVERIFY(took >= milliseconds(250));   // it waited for a writer
        QVERIFY(took < milliseconds(300 + 1000));
    }

    // A writer that comes later, and writes in pieces, is read in full.
    void fifoWriterComesLater()
    {
        QTemporaryDir dir;
        const std::string fifo = dir.filePath(u"capture.fifo"_s).toStdString();
        QCOMPARE(mkfifo(fifo.c_str(), 0600), 0);
        const std::string bytes = pcapBytes(3);
        std::thread writer([&] {
            std::this_thread::sleep_for(milliseconds(200));
            const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
            writeAll(fd, bytes.substr(0, 30));
            std::this_thread::sleep_for(milliseconds(100));
            writeAll(fd, bytes.substr(30));
            ::close(fd);
        });
        std::string error;
        auto src = PacketSource::openFile(fifo, &error);
        QVERIFY2(src, error.c_str());
        PacketSource::Status st;
        const std::vector<Packet> got = readOurs(*src, &st);
        writer.join();
        QCOMPARE(st, PacketSource::Status::End);
        QCOMPARE(got.size(), size_t(3));
        QCOMPARE(src->linkType(), 1);
    }

    // A writer that sent the header, one packet and part of the next record, then stays open and
    // silent: next() waits, and breakLoop() or the cancel flag ends it within a second with End
    // (not a record cut short).
    void stalledFifoWriterIsInterruptible_data()
    {
        QTest::addColumn<bool>("viaCancel");
        QTest::newRow("breakLoop") << false;
        QTest::newRow("cancel flag") << true;
    }
    void stalledFifoWriterIsInterruptible()
    {
        QFETCH(bool, viaCancel);
        QTemporaryDir dir;
        const std::string fifo = dir.filePath(u"capture.fifo"_s).toStdString();
        QCOMPARE(mkfifo(fifo.c_str(), 0600), 0);
        const std::string bytes = pcapBytes(2);
        std::promise<void> release;
        std::thread writer([&, done = release.get_future()] {
            const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
            writeAll(fd, bytes.substr(0, bytes.size() - 20));
            done.wait();
            ::close(fd);
        });
        std::atomic<bool> cancel{false};
        std::string error;
        auto src = PacketSource::openFile(fifo, &error, &cancel);
        QVERIFY2(src, error.c_str());
        RawPacket p;
        QCOMPARE(src->next(p), PacketSource::Status::Packet);
        std::thread stopper([&] {
            std::this_thread::sleep_for(milliseconds(200));
            if (viaCancel)
                cancel = true;
            else
                src->breakLoop();
        });
        // The cut record waits in Timeouts (a slice each, the bytes so far kept) until the stop.
        const auto started = Clock::now();
        PacketSource::Status st;
        int timeouts = 0;
        while ((st = src->next(p)) == PacketSource::Status::Timeout)
            ++timeouts;
        const auto took = Clock::now() - started;
        stopper.join();
        release.set_value();
        writer.join();
        QVERIFY(timeouts >= 1);
        QCOMPARE(st, PacketSource::Status::End);
        QVERIFY2(src->errorString().empty(), src->errorString().c_str());
        QVERIFY(took < milliseconds(200 + 1000));
        QCOMPARE(src->next(p), PacketSource::Status::End);
    }

    // `synscope <(ssh host tcpdump -w -)`: a pipe opened by path whose writer stays open and
    // silent; opening it is cancellable.
    void silentPipeByPathIsCancelled()
    {
        int fds[2];
        QCOMPARE(pipe(fds), 0);
        const std::string path = "/proc/self/fd/" + std::to_string(fds[0]);
        std::atomic<bool> cancel{false};
        std::thread canceller([&] {
            std::this_thread::sleep_for(milliseconds(200));
            cancel = true;
        });
        std::string error;
        const auto started = Clock::now();
        auto src = PacketSource::openFile(path, &error, &cancel);
        const auto took = Clock::now() - started;
        canceller.join();
        ::close(fds[0]);
        ::close(fds[1]);
        QVERIFY(!src);
        QVERIFY2(error.find("cancelled") != std::string::npos, error.c_str());
        QVERIFY(took < milliseconds(200 + 1000));
    }

    // openFd(): the wait for the header is cancellable (pcap_fopen_offline would block in
    // fread), and so is next() on a stream that went quiet, whatever the timeout.
    void openFdIsCancellable()
    {
        int fds[2];
        QCOMPARE(pipe(fds), 0);
        std::atomic<bool> cancel{false};
        std::thread canceller([&] {
            std::this_thread::sleep_for(milliseconds(200));
            cancel = true;
        });
        std::string error;
        auto started = Clock::now();
        auto src = PacketSource::openFd(fds[0], &error, 250, &cancel);
        auto took = Clock::now() - started;
        canceller.join();
        ::close(fds[1]);
        QVERIFY(!src);
        QVERIFY2(error.find("cancelled") != std::string::npos, error.c_str());
        QVERIFY(took < milliseconds(200 + 1000));

        // Half a header, then the rest: it waits for all 24 bytes and reads the stream.
        QCOMPARE(pipe(fds), 0);
        cancel = false;
        const std::string bytes = pcapBytes(1);
        QVERIFY(writeAll(fds[1], bytes.substr(0, 10)));
        std::thread rest([&] {
            std::this_thread::sleep_for(milliseconds(100));
            writeAll(fds[1], bytes.substr(10));
        });
        src = PacketSource::openFd(fds[0], &error, 10000, &cancel);
        rest.join();
        QVERIFY2(src, error.c_str());
        RawPacket p;
        QCOMPARE(src->next(p), PacketSource::Status::Packet);
        // Then silence with the writer open: the cancel flag ends next() long before its timeout.
        std::thread stopper([&] {
            std::this_thread::sleep_for(milliseconds(200));
            cancel = true;
        });
        started = Clock::now();
        const PacketSource::Status st = src->next(p);
        took = Clock::now() - started;
        stopper.join();
        ::close(fds[1]);
        QCOMPARE(st, PacketSource::Status::End);
        QVERIFY(took < milliseconds(200 + 1000));
    }
};

QTEST_GUILESS_MAIN(TestSources)
#include "test_sources.moc"
