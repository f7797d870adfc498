// SPDX-License-Identifier: GPL-3.0-or-later
// Decodes every capture of the shared corpus and compares each SYN / SYN+ACK with tshark's ground
// truth (<capture>.syn.tsv), row by row on the frame number: the 18 fingerprint columns and the
// IP/payload extras (payload length, IP header length, IP ID, TOS, flow label); checks the
// robustness files, decodes every prefix and mutation of every frame, and reads mutated and
// truncated copies of every file.
#include "core/capture/packet_source.h"
#include "core/decode/decoder.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <set>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

QString sharedPcaps() { return QStringLiteral(SYNSCOPE_SHARED_DIR "/data/pcaps"); }

const char* const kColumns[] = {"frame", "src", "dst", "sport", "dport", "ipver", "ttl", "df", "mf",
                                "win", "tcp_flags", "tcp_hlen", "urg_ptr", "mss", "wscale",
                                "sackok", "tsval", "tsecr", "opt_kinds", "tcp_payload_len",
                                "ip_hlen", "ip_id", "tos", "flowlabel"};

struct Exception {
    const char* file;    // relative to data/pcaps
    uint64_t frame;      // 0: every row of the file
    const char* column;  // the one column not compared
    const char* reason;
};

// Where tshark's answer is an artefact of its dissectors, not of the packet. Only the named column
// of the named rows is skipped; anything else that differs fails the test.
const Exception kExceptions[] = {
    {"zeek/cisco-fabric-path.pcap", 0, "urg_ptr",
     "tshark's FabricPath dissector takes the last 4 bytes of the inner frame as an FCS, which cuts "
     "the TCP header before the urgent pointer; the bytes are there and we read them"},
    {"zeek/modbus__fuzz-72.pcap", 1, "tcp_payload_len",
     "the fuzzed IPv4 total length (58) runs past the 60-byte frame: tshark counts the 6 payload "
     "bytes present, we keep what the IP header claims (18), so that a record re-decoded from its "
     "stored headers alone keeps its payload length"},
    {"tcpdump/mptcp-dss-oobr.pcap", 1, "opt_kinds",
     "tshark's MPTCP dissector throws on the 3-byte DSS option and lists nothing after it; we list "
     "the EOL byte that follows within the captured header"},
};

const Exception* findException(const QString& file, uint64_t frame, int column)
{
    for (const Exception& e : kExceptions)
        if (file == QLatin1String(e.file) && (e.frame == 0 || e.frame == frame)
            && QLatin1String(e.column) == QLatin1String(kColumns[column]))
            return &e;
    return nullptr;
}

// Files whose header libpcap and tshark reject too: opening must fail with a message naming them.
const char* const kInvalidHeaders[] = {
    "libpcap/pcap-invalid-version-1.pcap",
    "libpcap/pcapng-invalid-vers-1.pcapng",
    "libpcap/shb-option-too-long.pcapng",
    "libpcap/linktype-reserved-field-not-zero.pcap",
};

// Files whose later record headers are corrupt: reading stops with an error naming the packet.
const char* const kCorruptRecords[] = {
    "suricata-verify/bug-1450-04__tls_DER-incomplete-header.pcap",
    "suricata-verify/smtp-to-comma__10.7.29.101_49898-178.63.41.150_25.pcap",
};

using Row = QStringList;

std::map<uint64_t, Row> readTruth(const QString& path, QString* error)
{
    std::map<uint64_t, Row> rows;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = u"cannot open "_s + path;
        return rows;
    }
    while (!f.atEnd()) {
        const QString line = QString::fromUtf8(f.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const Row cols = line.split(u'\t');
        if (cols.size() < 24) {
            *error = path + u": short row: "_s + line;
            return rows;
        }
        rows[cols[0].toULongLong()] = cols;
    }
    return rows;
}

QString num(int64_t v) { return QString::number(v); }
QString hex3(unsigned v) { return u"0x%1"_s.arg(v, 3, 16, QLatin1Char('0')); }

// Our record in the truth file's columns 1..24 (frame ... flowlabel).
Row toRow(const SynRecord& r)
{
    const Fingerprint& fp = r.fp;
    Row row;
    row << QString::number(r.frame)
        << QString::fromStdString(formatAddress(r.src, fp.ip_version))
        << QString::fromStdString(formatAddress(r.dst, fp.ip_version))
        << num(r.src_port) << num(r.dst_port) << num(fp.ip_version) << num(fp.ip_ttl)
        << (fp.ip_version == 4 ? num(fp.ip_df) : u"-"_s) << num(fp.ip_mf)
        << num(fp.tcp_window_size) << hex3(fp.tcp_flags) << num(fp.tcp_header_length)
        << num(fp.tcp_urp)
        << (fp.tcp_mss >= 0 ? num(fp.tcp_mss) : u"-"_s)
        << (fp.tcp_window_scaling >= 0 ? num(fp.tcp_window_scaling) : u"-"_s)
        << num(fp.tcp_sack_permitted)
        << (fp.tcp_has_timestamp ? num(fp.tcp_timestamp) : u"-"_s)
        << (fp.tcp_has_timestamp ? num(fp.tcp_timestamp_echo_reply) : u"-"_s)
        << (fp.option_count ? QString::fromStdString(fp.optionKindList()) : u"-"_s)
        << num(fp.tcp_payload_length)
        << (fp.ip_version == 4 ? num(fp.ip_header_length) : u"-"_s)
        << (fp.ip_version == 4 ? u"0x%1"_s.arg(fp.ip_id, 4, 16, QLatin1Char('0')) : u"-"_s)
        << u"0x%1"_s.arg(fp.ip_tos, 2, 16, QLatin1Char('0'))
        << (fp.ip_version == 6 ? u"0x%1"_s.arg(fp.ip_flow_label, 5, 16, QLatin1Char('0')) : u"-"_s);
    return row;
}

// Differences between our row and tshark's, as "column: ours != tshark" strings.
QStringList compare(const QString& file, uint64_t frame, const Row& ours, const Row& truth,
                    std::set<const Exception*>& used)
{
    QStringList diffs;
    for (int i = 1; i < 24; ++i) {
        if (const Exception* e = findException(file, frame, i)) {
            used.insert(e);
            continue;
        }
        QString expected = truth[i];
        // tshark lists every MSS option's value; the fingerprint keeps the first.
        if (i == 13)
            expected = expected.section(u',', 0, 0);
        // tshark has no payload length for a header it calls malformed; we still report one.
        if (i == 19 && expected == u"-"_s)
            continue;
        if (ours[i] != expected)
            diffs << u"%1: %2 != %3"_s.arg(QLatin1String(kColumns[i]), ours[i], truth[i]);
    }
    return diffs;
}

} // namespace

class TestCorpus : public QObject {
    Q_OBJECT
private slots:
    // The decoder's layout points at the bytes it read: each located field, read back from the
    // frame, gives the decoded value.
    static QStringList layoutDisagreements(const RawPacket& pkt, const SynRecord& rec)
    {
        QStringList out;
        const uint8_t* ip = pkt.data + rec.ip_offset;
        const auto value = [&](HeaderField f, int skip = 0) -> std::optional<uint64_t> {
            const std::optional<ByteRange> r = headerFieldRange(rec, f);
            if (!r)
                return std::nullopt;
            uint64_t v = 0;
            for (int i = r->offset + skip; i < r->offset + r->length; ++i)
                v = v << 8 | ip[i];
            return v;
        };
        const auto expect = [&](const char* name, std::optional<uint64_t> got, uint64_t want) {
            if (!got)
                out << u"%1 not located"_s.arg(QLatin1String(name));
            else if (*got != want)
                out << u"%1 at its range reads %2, decoded %3"_s.arg(QLatin1String(name)).arg(*got).arg(want);
        };
        const Fingerprint& fp = rec.fp;
        expect("ttl", value(HeaderField::IpTtl), fp.ip_ttl);
        expect("window", value(HeaderField::TcpWindow), fp.tcp_window_size);
        const std::optional<uint64_t> flags = value(HeaderField::TcpFlags);
        expect("flags", flags ? std::optional<uint64_t>(*flags & 0x0fff) : std::nullopt, fp.tcp_flags);
        expect("seq", value(HeaderField::TcpSeq), fp.tcp_seq);
        expect("ack", value(HeaderField::TcpAck), fp.tcp_ack);
        if (fp.ip_version == 4)
            expect("ip id", value(HeaderField::IpId), fp.ip_id);
        if (fp.tcp_mss >= 0)
            expect("mss", value(HeaderField::OptMss, 2), uint64_t(fp.tcp_mss));
        if (fp.tcp_window_scaling >= 0)
            expect("wscale", value(HeaderField::OptWscale, 2), uint64_t(fp.tcp_window_scaling));
        if (fp.tcp_has_timestamp)
            expect("tsval", value(HeaderField::OptTimestampValue), fp.tcp_timestamp);
        return out;
    }

    void initTestCase()
    {
        if (!QDir(sharedPcaps()).exists())
            QSKIP("shared corpus not found at " SYNSCOPE_SHARED_DIR "/data/pcaps");
    }

    void tsharkAgreement()
    {
        QStringList files;
        QDirIterator it(sharedPcaps(), {u"*.pcap"_s, u"*.pcapng"_s, u"*.cap"_s}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext())
            files << it.next();
        files.sort();
        QVERIFY2(files.size() >= 250, qPrintable(u"only %1 captures found"_s.arg(files.size())));

        std::set<QString> invalid;
        for (const char* f : kInvalidHeaders)
            invalid.insert(QLatin1String(f));
        int rows = 0, agreeing = 0, openFailures = 0;
        std::set<const Exception*> usedExceptions;
        QStringList failures;
        for (const QString& path : files) {
            const QString rel = QDir(sharedPcaps()).relativeFilePath(path);
            QString truthError;
            auto truth = readTruth(path + u".syn.tsv"_s, &truthError);
            if (!truthError.isEmpty()) {
                failures << truthError;
                continue;
            }
            std::string error;
            auto src = PacketSource::openFile(path.toStdString(), &error);
            if (!src) {
                ++openFailures;
                if (!invalid.count(rel))
                    failures << rel + u": cannot open: "_s + QString::fromStdString(error);
                rows += int(truth.size());
                for (const auto& [frame, row] : truth)
                    failures << rel + u" frame %1: file not readable"_s.arg(frame);
                continue;
            }
            if (invalid.count(rel))
                failures << rel + u": opened although its header is invalid"_s;
            Decoder decoder;
            RawPacket pkt;
            SynRecord rec;
            std::set<uint64_t> seen;
            PacketSource::Status st;
            while ((st = src->next(pkt)) == PacketSource::Status::Packet) {
                if (!decoder.decode(pkt, rec))
                    continue;
                QCOMPARE(rec.frame, src->packetCount());
                seen.insert(rec.frame);
                for (const QString& d : layoutDisagreements(pkt, rec))
                    failures << rel + u" frame %1: layout: "_s.arg(rec.frame) + d;
                const Row ours = toRow(rec);
                auto t = truth.find(rec.frame);
                if (t == truth.end()) {
                    failures << rel + u" frame %1: decoded a SYN tshark does not report: "_s.arg(rec.frame)
                                    + ours.join(u' ');
                    continue;
                }
                const QStringList diffs = compare(rel, rec.frame, ours, t->second, usedExceptions);
                if (diffs.isEmpty())
                    ++agreeing;
                else
                    failures << rel + u" frame %1: "_s.arg(rec.frame) + diffs.join(u"; "_s);
            }
            rows += int(truth.size());
            for (const auto& [frame, row] : truth) {
                if (seen.count(frame))
                    continue;
                failures << rel + u" frame %1: tshark row not decoded (%2)"_s.arg(frame).arg(row.value(25));
            }
            const bool corrupt = std::find_if(std::begin(kCorruptRecords), std::end(kCorruptRecords),
                                              [&](const char* c) { return rel == QLatin1String(c); })
                != std::end(kCorruptRecords);
            if (st == PacketSource::Status::Error && !corrupt)
                failures << rel + u": read error: "_s + QString::fromStdString(src->errorString());
            if (st != PacketSource::Status::Error && corrupt)
                failures << rel + u": corrupt record header not reported"_s;
        }
        for (const Exception& e : kExceptions)
            if (!usedExceptions.count(&e))
                failures << u"stale exception: %1 frame %2"_s.arg(QLatin1String(e.file)).arg(e.frame);
        qInfo("tshark agreement: %lld files (%d with an invalid header), %d rows, %d agree "
              "(%d listed exceptions, one column each), %lld failures",
              static_cast<long long>(files.size()), openFailures, rows, agreeing,
              static_cast<int>(std::size(kExceptions)), static_cast<long long>(failures.size()));
        for (const QString& f : failures)
            qWarning("%s", qPrintable(f));
        QVERIFY2(failures.isEmpty(), qPrintable(u"%1 disagreements with tshark"_s.arg(failures.size())));
        QCOMPARE(agreeing, rows);
    }

    // Every prefix of every corpus frame, and every frame with bytes flipped, in an exactly sized
    // buffer (run under ASan): no read past caplen, each frame counted exactly once.
    void truncatedAndMutatedFrames()
    {
        QDirIterator it(sharedPcaps(), {u"*.pcap"_s, u"*.pcapng"_s, u"*.cap"_s}, QDir::Files,
                        QDirIterator::Subdirectories);
        Decoder decoder;
        SynRecord rec;
        uint64_t decoded = 0;
        uint32_t rng = 12345;
        while (it.hasNext()) {
            auto src = PacketSource::openFile(it.next().toStdString(), nullptr);
            if (!src)
                continue;
            RawPacket pkt;
            while (src->next(pkt) == PacketSource::Status::Packet) {
                const uint32_t len = std::min<uint32_t>(pkt.caplen, 256);
                for (uint32_t n = 0; n <= len; ++n) {
                    std::unique_ptr<uint8_t[]> buf(new uint8_t[n ? n : 1]);
                    std::copy(pkt.data, pkt.data + n, buf.get());
                    for (int mutate = 0; mutate < (n == len ? 8 : 1); ++mutate) {
                        if (mutate) {
                            rng = rng * 1103515245 + 12345;
                            buf[(rng >> 8) % n] ^= uint8_t(1u << (rng % 8));
                        }
                        RawPacket cut{pkt.ts_ns, n, pkt.wirelen, pkt.link_type, buf.get()};
                        if (decoder.decode(cut, rec))
                            QVERIFY(rec.ip_offset + rec.header_bytes <= n);
                        ++decoded;
                    }
                }
            }
        }
        const DecodeStats& s = decoder.stats();
        QCOMPARE(s.packets, decoded);
        QCOMPARE(s.syn + s.syn_ack + s.other_tcp + s.non_tcp + s.droppedTotal() + s.unsupportedTotal(), decoded);
        qInfo("%llu truncated or mutated frames: %llu SYN, %llu SYN+ACK, %llu dropped as malformed",
              static_cast<unsigned long long>(decoded), static_cast<unsigned long long>(s.syn),
              static_cast<unsigned long long>(s.syn_ack), static_cast<unsigned long long>(s.droppedTotal()));
    }

    // Every corpus file truncated and with bytes flipped in its file structure (headers, block
    // lengths, options), read to the end (run under ASan): each ends at End or with an error that
    // names the file, never reads outside what a packet claims, and later calls keep the status.
    void mutatedCaptureFiles()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath(u"mutant.pcap"_s).toStdString();
        QDirIterator it(sharedPcaps(), {u"*.pcap"_s, u"*.pcapng"_s, u"*.cap"_s}, QDir::Files,
                        QDirIterator::Subdirectories);
        Decoder decoder;
        SynRecord rec;
        uint32_t rng = 4242;
        auto next = [&rng] { return rng = rng * 1103515245u + 12345u, rng >> 8; };
        uint64_t mutants = 0, errors = 0, packets = 0;
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray original = f.read(64 * 1024);
            if (original.isEmpty())
                continue;
            for (int m = 0; m < 24; ++m) {
                QByteArray bytes = original;
                // Mostly the first bytes: the file and section headers and the first records.
                const int flips = 1 + int(next() % 4);
                for (int i = 0; i < flips; ++i) {
                    const qsizetype span = (next() % 2) ? std::min<qsizetype>(bytes.size(), 96) : bytes.size();
                    bytes[qsizetype(next() % uint32_t(span))] ^= char(1u << (next() % 8));
                }
                if (m % 3 == 0)
                    bytes.truncate(qsizetype(next() % uint32_t(bytes.size() + 1)));
                QFile out(QString::fromStdString(path));
                QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
                out.write(bytes);
                out.close();
                ++mutants;
                std::string error;
                auto src = PacketSource::openFile(path, &error);
                if (!src) {
                    QVERIFY2(error.find(path) != std::string::npos, error.c_str());
                    ++errors;
                    continue;
                }
                RawPacket pkt;
                PacketSource::Status st;
                while ((st = src->next(pkt)) == PacketSource::Status::Packet) {
                    QVERIFY(pkt.caplen == 0 || pkt.data);
                    // Touch every byte the packet claims: ASan reports any that is not there.
                    volatile uint8_t sum = 0;
                    for (uint32_t i = 0; i < pkt.caplen; ++i)
                        sum = uint8_t(sum + pkt.data[i]);
                    decoder.decode(pkt, rec);
                    ++packets;
                }
                QVERIFY(st == PacketSource::Status::End || st == PacketSource::Status::Error);
                if (st == PacketSource::Status::Error) {
                    QVERIFY2(src->errorString().find(path) != std::string::npos, src->errorString().c_str());
                    QCOMPARE(src->next(pkt), PacketSource::Status::Error);
                    ++errors;
                }
            }
        }
        QVERIFY(mutants > 0);
        QCOMPARE(decoder.stats().packets, packets);
        qInfo("%llu mutated files: %llu ended with an error, %llu packets read",
              static_cast<unsigned long long>(mutants), static_cast<unsigned long long>(errors),
              static_cast<unsigned long long>(packets));
    }

    // The robustness captures hold no SYN tshark can decode: each frame must land in the named
    // drop counter, nothing else.
    void robustnessCounters_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("reason");
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("truncatedTcp");
        const auto row = [](const char* file, DropReason r, int n, int truncatedTcp = 0) {
            QTest::newRow(file) << QString::fromLatin1(file) << int(r) << n << truncatedTcp;
        };
        row("zeek/trunc__ip-discarder-truncated-tcp-oob.pcapng", DropReason::TruncatedTcp, 1);
        row("zeek/trunc__ip4-trunc.pcap", DropReason::TruncatedIp, 1);
        row("zeek/trunc__ip6-ext-trunc.pcap", DropReason::TruncatedIpv6Ext, 1);
        row("zeek/trunc__ipv4-internally-truncated-header.pcap", DropReason::TruncatedIp, 1);
        row("zeek/trunc__ipv4-truncated-broken-header.pcap", DropReason::BadIpLength, 1);
        row("zeek/trunc__mpls-6in6-6in6-4in6-trunc.pcap", DropReason::TruncatedIp, 1);
        row("zeek/trunc__trunc-hdr.pcap", DropReason::TruncatedLink, 1);
        row("zeek/tunnels__geneve-truncated.pcapng", DropReason::TruncatedLink, 1);
        // Tiny-fragment SYNs: the first fragment holds 8 TCP bytes, the flags come later.
        row("suricata-verify/defrag__bug-6887-defrag-ipv4-tcp-syn__frag-ip-tcp-syn.pcap",
            DropReason::NonFirstFragment, 2, 1);
        row("suricata-verify/defrag__bug-6887-defrag-eth-vlan-ipv4-tcp-syn__frag-eth-vlan-ip-tcp-syn.pcap",
            DropReason::NonFirstFragment, 2, 1);
        row("suricata-verify/defrag__bug-6887-defrag-ppp-ipv4-tcp-syn__frag-ppp-ip-tcp-syn.pcap",
            DropReason::NonFirstFragment, 2, 1);
    }

    void robustnessCounters()
    {
        QFETCH(QString, file);
        QFETCH(int, reason);
        QFETCH(int, count);
        QFETCH(int, truncatedTcp);
        std::string error;
        auto src = PacketSource::openFile((sharedPcaps() + u'/' + file).toStdString(), &error);
        QVERIFY2(src, error.c_str());
        Decoder decoder;
        RawPacket pkt;
        SynRecord rec;
        PacketSource::Status st;
        while ((st = src->next(pkt)) == PacketSource::Status::Packet)
            QVERIFY(!decoder.decode(pkt, rec));
        QCOMPARE(st, PacketSource::Status::End);
        const DecodeStats& s = decoder.stats();
        QCOMPARE(s.droppedFor(DropReason(reason)), uint64_t(count));
        QCOMPARE(s.droppedFor(DropReason::TruncatedTcp), uint64_t(reason == int(DropReason::TruncatedTcp) ? count : truncatedTcp));
        QCOMPARE(s.droppedTotal(), uint64_t(count + (reason == int(DropReason::TruncatedTcp) ? 0 : truncatedTcp)));
        QCOMPARE(s.packets, s.droppedTotal());
    }
};

QTEST_GUILESS_MAIN(TestCorpus)
#include "test_corpus.moc"
