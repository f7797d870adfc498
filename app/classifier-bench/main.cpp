// SPDX-License-Identifier: GPL-3.0-or-later
// synscope-classifier-bench: how fast the classifier scores SYNs it has not seen before, against
// databases from a few dozen to 100,000 entries. The capture's SYNs are decoded first (not timed),
// then each database classifies all of them: with the index and no cache (classifyUncached(),
// every call a miss), through the cache (classify() on a fresh classifier: on an all-distinct
// capture every call is a miss, plus the cache's own work), and with the exhaustive reference
// on a subset, whose results must equal the index's. The large databases are made here from
// the shared ones by jittering window, MSS and TTL; they are never stored.
#include "core/capture/packet_source.h"
#include "core/database/database.h"
#include "core/decode/decoder.h"
#include "core/match/classifier.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <random>
#include <unordered_set>

using namespace Qt::StringLiterals;
using namespace synscope;

namespace {

struct NamedDatabase {
    QString name;
    Database db;
};

// Copies of the sources' entries, cycled, until `count`: the first round as they are, every later
// copy with its window jittered by up to a quarter (where it is a literal value), its MSS lowered
// by up to 160 (tunnels, PPPoE, VPNs) and its TTL by up to 20 hops, where the entry knows them.
// A deterministic generator: the same database on every run and machine.
Database jittered(const std::vector<const Database*>& sources, size_t count, uint32_t seed)
{
    std::vector<const DbEntry*> pool;
    for (const Database* db : sources)
        for (const DbEntry& e : db->entries)
            pool.push_back(&e);
    Database out;
    out.name = u"jittered"_s;
    out.min_class_size = sources.front()->min_class_size;
    out.entries.reserve(count);
    std::mt19937 rng(seed);
    const auto below = [&rng](uint32_t n) { return n ? rng() % n : 0; };
    for (size_t i = 0; i < count; ++i) {
        DbEntry e = *pool[i % pool.size()];
        if (i >= pool.size()) {
            Fingerprint& fp = e.fp;
            if ((e.known & KnownWindow) && e.window_mss_multiple == 0 && !e.window_mss_max &&
                fp.tcp_window_size > 0) {
                const int w = fp.tcp_window_size, spread = w / 4;
                fp.tcp_window_size = static_cast<uint16_t>(
                    std::clamp(w - spread + int(below(2 * spread + 1)), 1, 65535));
            }
            if ((e.known & KnownMss) && fp.tcp_mss > 536)
                fp.tcp_mss = std::max(536, fp.tcp_mss - int(below(161)));
            if ((e.known & KnownTtl) && fp.ip_ttl > 1)
                fp.ip_ttl = static_cast<uint8_t>(std::max(1, fp.ip_ttl - int(below(21))));
            e.id += u"~%1"_s.arg(i);
        }
        out.entries.push_back(std::move(e));
    }
    return out;
}

bool identical(const Classification& a, const Classification& b)
{
    if (a.best_score != b.best_score || a.best != b.best || a.top.size() != b.top.size() ||
        a.averages.size() != b.averages.size())
        return false;
    for (size_t i = 0; i < a.top.size(); ++i)
        if (a.top[i].entry != b.top[i].entry || a.top[i].score != b.top[i].score)
            return false;
    for (size_t i = 0; i < a.averages.size(); ++i)
        if (a.averages[i].os_class != b.averages[i].os_class ||
            a.averages[i].average != b.averages[i].average || a.averages[i].n != b.averages[i].n ||
            a.averages[i].averaged != b.averages[i].averaged)
            return false;
    return true;
}

struct Rates {
    double cpu, cpuMin, cpuMax;   // by the thread's CPU time: steadier on a shared machine
    double wall;
};

double threadCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

// SYNs per second of `runs` timed passes of `pass` over `count` SYNs: medians, CPU-time range.
template <typename Pass>
Rates rates(int runs, size_t count, Pass&& pass)
{
    std::vector<double> cpu, wall;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer t;
        t.start();
        const double start = threadCpuSeconds();
        pass();
        cpu.push_back(double(count) / std::max(threadCpuSeconds() - start, 1e-9));
        wall.push_back(double(count) / (double(std::max<qint64>(t.nsecsElapsed(), 1)) / 1e9));
    }
    std::sort(cpu.begin(), cpu.end());
    std::sort(wall.begin(), wall.end());
    return {cpu[cpu.size() / 2], cpu.front(), cpu.back(), wall[wall.size() / 2]};
}

QString rate(double r)
{
    return r >= 1e6 ? u"%1M"_s.arg(r / 1e6, 0, 'f', 2) : u"%1k"_s.arg(r / 1e3, 0, 'f', 1);
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"synscope-classifier-bench"_s);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Classify every SYN of a capture (misses: SYNs never seen before) against databases "
        "of growing size, with the index and with the exhaustive reference."_s);
    parser.addHelpOption();
    parser.addPositionalArgument(u"capture"_s,
                                 u"pcap or pcapng file (default /tmp/synscope-bench/distinct-1m.pcap)"_s);
    const QCommandLineOption dataOpt(u"data"_s, u"shared databases folder (default %1)"_s.arg(
                                                    QStringLiteral(SYNSCOPE_SHARED_DIR "/data")),
                                     u"dir"_s, QStringLiteral(SYNSCOPE_SHARED_DIR "/data"));
    const QCommandLineOption profileOpt(u"profile"_s, u"synscope, classic or all (default all)"_s,
                                        u"name"_s, u"all"_s);
    const QCommandLineOption limitOpt(u"limit"_s, u"classify at most this many SYNs"_s, u"n"_s);
    const QCommandLineOption runsOpt(u"runs"_s, u"timed passes per figure, median quoted (default 3)"_s,
                                     u"n"_s, u"3"_s);
    const QCommandLineOption budgetOpt(
        u"exhaustive-budget"_s,
        u"entries scored by the exhaustive reference per database (default 20000000): its subset "
        "is this / entries SYNs"_s, u"n"_s, u"20000000"_s);
    parser.addOptions({dataOpt, profileOpt, limitOpt, runsOpt, budgetOpt});
    parser.process(app);
    const QString capture = parser.positionalArguments().value(0, u"/tmp/synscope-bench/distinct-1m.pcap"_s);
    const int runs = std::max(1, parser.value(runsOpt).toInt());
    const double budget = parser.value(budgetOpt).toDouble();

    // Decode first: only classification is timed.
    std::string error;
    const std::unique_ptr<PacketSource> source = PacketSource::openFile(capture.toStdString(), &error);
    if (!source) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    std::vector<Fingerprint> syns;
    const size_t limit = parser.isSet(limitOpt) ? parser.value(limitOpt).toULongLong() : SIZE_MAX;
    Decoder decoder;
    RawPacket packet;
    SynRecord record;
    QElapsedTimer decodeTimer;
    decodeTimer.start();
    for (PacketSource::Status st; syns.size() < limit &&
                                  (st = source->next(packet)) != PacketSource::Status::End &&
                                  st != PacketSource::Status::Error;)
        if (st == PacketSource::Status::Packet && decoder.decode(packet, record))   // Timeout: a quiet stream
            syns.push_back(record.fp);
    if (syns.empty()) {
        std::fprintf(stderr, "%s: no SYN or SYN+ACK\n", qPrintable(capture));
        return 1;
    }
    std::printf("capture %s: %zu SYN/SYN+ACK decoded in %.2f s (not timed below)\n",
                qPrintable(QDir::toNativeSeparators(capture)), syns.size(),
                double(decodeTimer.nsecsElapsed()) / 1e9);

    std::vector<NamedDatabase> dbs;
    dbs.reserve(16);   // the jittered ones are made from pointers to the first ones
    dbs.push_back({u"default (built in)"_s, Database::builtin()});
    const QString data = parser.value(dataOpt);
    for (const auto& [name, file] : {std::pair{u"zardaxt-2021"_s, u"zardaxt-2021/combined.json"_s},
                                     std::pair{u"p0f"_s, u"p0f/p0f.fp"_s},
                                     std::pair{u"satori"_s, u"satori/tcp.xml"_s}}) {
        QString loadError;
        if (std::optional<Database> db = Database::load(data + u'/' + file, &loadError))
            dbs.push_back({name, std::move(*db)});
        else
            std::fprintf(stderr, "skipped: %s\n", qPrintable(loadError));
    }
    std::vector<const Database*> all;
    for (const NamedDatabase& d : dbs)
        all.push_back(&d.db);
    const Database* zardaxt = nullptr;
    for (const NamedDatabase& d : dbs)
        if (d.name == u"zardaxt-2021"_s)
            zardaxt = &d.db;
    const size_t allEntries = [&] {
        size_t n = 0;
        for (const Database* db : all)
            n += db->entries.size();
        return n;
    }();
    // All of them together, then jittered to 10,000 and 100,000 entries; and the zardaxt list
    // alone jittered the same way (few kinds of entries: many ties per SYN).
    dbs.push_back({u"all of the above"_s, jittered(all, allEntries, 1)});
    dbs.push_back({u"all, jittered"_s, jittered(all, 10000, 2)});
    dbs.push_back({u"all, jittered"_s, jittered(all, 100000, 3)});
    if (zardaxt) {
        dbs.push_back({u"zardaxt, jittered"_s, jittered({zardaxt}, 10000, 4)});
        dbs.push_back({u"zardaxt, jittered"_s, jittered({zardaxt}, 100000, 5)});
    }

    std::vector<const Profile*> profiles = Profile::all();
    if (parser.value(profileOpt) != u"all"_s) {
        const Profile* p = Profile::byName(parser.value(profileOpt));
        if (!p) {
            std::fprintf(stderr, "unknown profile %s\n", qPrintable(parser.value(profileOpt)));
            return 1;
        }
        profiles = {p};
    }

    for (const Profile* profile : profiles) {
        std::unordered_set<size_t> distinct;
        for (const Fingerprint& fp : syns)
            distinct.insert(std::hash<std::string>()(profile->observationKey(Profile::features(fp))));
        std::printf("\nprofile %s: %zu SYNs, %zu distinct to the profile. SYN/s by thread CPU time, "
                    "median of %d runs (min-max), and by wall time\n",
                    qPrintable(profile->name()), syns.size(), distinct.size(), runs);
        std::printf("%-18s %7s %7s %9s | %-31s | %-16s %8s | %-9s %9s %s\n", "database", "entries",
                    "classes", "ties/SYN", "index, no cache: CPU (range) wall", "classify(): CPU wall",
                    "misses", "exh. SYNs", "exh. SYN/s", "speed-up, identical");
        for (const NamedDatabase& d : dbs) {
            const Classifier classifier(d.db, *profile);
            size_t ties = 0;
            const Rates indexed = rates(runs, syns.size(), [&] {
                ties = 0;
                for (const Fingerprint& fp : syns)
                    ties += classifier.classifyUncached(fp).best.size();
            });
            uint64_t misses = 0;
            std::unique_ptr<Classifier> fresh;
            const Rates cached = rates(runs, syns.size(), [&] {
                fresh = std::make_unique<Classifier>(d.db, *profile);
                for (const Fingerprint& fp : syns)
                    fresh->classify(fp);
                misses = fresh->cacheMisses();
            });
            fresh.reset();
            const size_t subset = std::clamp<size_t>(
                size_t(budget / double(std::max<size_t>(d.db.entries.size(), 1))), 100, syns.size());
            const Rates exhaustive = rates(1, subset, [&] {
                for (size_t i = 0; i < subset; ++i)
                    classifier.classifyExhaustive(syns[i]);
            });
            size_t same = 0;
            for (size_t i = 0; i < subset; ++i)
                same += identical(classifier.classifyUncached(syns[i]),
                                  classifier.classifyExhaustive(syns[i]));
            const QString verdict = same == subset
                                        ? u"yes"_s
                                        : u"NO, %1 of %2 differ"_s.arg(subset - same).arg(subset);
            std::printf("%-18s %7zu %7zu %9.1f | %7s (%7s-%7s) %7s | %7s %8s %8llu | %9zu %9s %6.0fx, %s\n",
                        qPrintable(d.name), d.db.entries.size(),
                        classifier.classifyUncached(syns[0]).averages.size(),
                        double(ties) / double(syns.size()), qPrintable(rate(indexed.cpu)),
                        qPrintable(rate(indexed.cpuMin)), qPrintable(rate(indexed.cpuMax)),
                        qPrintable(rate(indexed.wall)), qPrintable(rate(cached.cpu)),
                        qPrintable(rate(cached.wall)), static_cast<unsigned long long>(misses),
                        subset, qPrintable(rate(exhaustive.cpu)), indexed.cpu / exhaustive.cpu,
                        qPrintable(verdict));
            std::fflush(stdout);
        }
    }
    return 0;
}
