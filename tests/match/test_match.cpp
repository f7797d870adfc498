// SPDX-License-Identifier: GPL-3.0-or-later
// Profiles and the classifier: the seed's two examples, the synscope profile's normalization and
// path-independent fields, explanations that add up, the cache, and leave-one-out accuracy.
#include "core/database/database.h"
#include "core/match/classifier.h"
#include "core/match/evaluate.h"
#include "core/match/profile.h"
#include "core/util/generational_cache.h"
#include "shared_databases.h"

#include <QFile>
#include <QTest>

#include <array>
#include <cmath>
#include <numeric>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {


Fingerprint makeFp(int ttl, bool df, int window, const char* options, int headerLength = 40)
{
    Fingerprint fp;
    fp.ip_ttl = static_cast<uint8_t>(ttl);
    fp.ip_df = df;
    fp.tcp_window_size = static_cast<uint16_t>(window);
    fp.tcp_flags = TcpSyn;
    fp.tcp_header_length = static_cast<uint8_t>(headerLength);
    if (!fp.setTcpOptions(options))
        qFatal("bad notation in test: %s", options);
    if (df)
        fp.quirks |= QuirkDf;
    return fp;
}

DbEntry makeEntry(const Fingerprint& fp, const QString& cls, uint32_t known = KnownAll)
{
    DbEntry e;
    e.id = cls.toLower();
    e.fp = fp;
    e.label.os_name = cls;
    e.label.os_class = cls;
    e.known = known;
    return e;
}

double explainSum(const Profile& p, const Fingerprint& fp, const DbEntry& e)
{
    double sum = 0;
    for (const FieldScore& f : p.explain(fp, e))
        sum += f.points;
    return sum;
}

} // namespace

class TestMatch : public QObject {
    Q_OBJECT
private slots:
    void profilesByName()
    {
        QCOMPARE(Profile::byName(u"classic"), &Profile::classic());
        QCOMPARE(Profile::byName(u"SynScope"), &Profile::synscope());
        QVERIFY(Profile::byName(u"nmap") == nullptr);
        QCOMPARE(Profile::classic().maxScore(), 10.0);
        double classicTotal = 0;
        for (const FieldWeight& w : Profile::classic().weights())
            classicTotal += w.weight;
        QCOMPARE(classicTotal, Profile::classic().maxScore());
    }

    void seedExamples_data()
    {
        QTest::addColumn<QString>("profile");
        QTest::addColumn<bool>("df");
        QTest::addColumn<int>("window");
        QTest::addColumn<QString>("options");
        QTest::addColumn<QString>("expected");
        for (const QString& p : {u"classic"_s, u"synscope"_s}) {
            QTest::addRow("ubuntu 18.04, %s", qPrintable(p))
                << p << true << 29200 << u"M1412,S,T,N,W7,"_s << u"Linux"_s;
            QTest::addRow("android 9, %s", qPrintable(p))
                << p << false << 65535 << u"M1412,S,T,N,W9,"_s << u"Android"_s;
        }
    }
    void seedExamples()
    {
        const std::optional<Database> db = loadCombined();
        if (!db)
            QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data/zardaxt-2021/combined.json");
        QFETCH(QString, profile);
        QFETCH(bool, df);
        QFETCH(int, window);
        QFETCH(QString, options);
        QFETCH(QString, expected);
        const Fingerprint fp = makeFp(64, df, window, options.toLatin1().constData());
        Classifier classifier(*db, *Profile::byName(profile));
        const Classification& c = classifier.classify(fp);
        QVERIFY(!c.best.empty());
        QCOMPARE(db->entries[c.best.front()].label.os_class, expected);
        QCOMPARE(c.bestAveragedClass(), expected);
    }

    // Grouping identical entries must not change anything against scoring every entry.
    void groupedScoringEqualsBruteForce()
    {
        const std::optional<Database> db = loadCombined();
        if (!db)
            QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data/zardaxt-2021/combined.json");
        for (const Profile* p : Profile::all()) {
            const Classifier classifier(*db, *p, 7);
            for (size_t o = 0; o < db->entries.size(); o += 13) {
                const Fingerprint& fp = db->entries[o].fp;
                std::vector<double> s;
                for (const DbEntry& e : db->entries)
                    s.push_back(p->score(fp, e));
                std::vector<int> order(s.size());
                std::iota(order.begin(), order.end(), 0);
                std::stable_sort(order.begin(), order.end(),
                                 [&](int a, int b) { return s[a] > s[b]; });
                const Classification c = classifier.classifyUncached(fp);
                QCOMPARE(c.best_score, s[order.front()]);
                for (size_t k = 0; k < c.top.size(); ++k)
                    QCOMPARE(c.top[k].entry, order[k]);
                std::vector<int> ties;
                for (size_t i = 0; i < s.size(); ++i)
                    if (s[i] == c.best_score)
                        ties.push_back(static_cast<int>(i));
                QVERIFY(c.best == ties);
            }
        }
    }

    void synscopeExplainSumsToScore()
    {
        const std::optional<Database> db = loadCombined();
        if (!db)
            QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data/zardaxt-2021/combined.json");
        const Profile& p = Profile::synscope();
        for (const DbEntry& o : db->entries) {
            for (const DbEntry& e : db->entries) {
                const double s = p.score(o.fp, e);
                QVERIFY(s >= 0 && s <= p.maxScore() + 1e-9);
                QVERIFY(std::abs(explainSum(p, o.fp, e) - s) < 1e-9);
            }
            QVERIFY(std::abs(p.score(o.fp, o) - p.maxScore()) < 1e-9);
        }
    }

    void unknownFieldsAreNotScored()
    {
        const Fingerprint entryFp = makeFp(64, true, 29200, "M1460,S,T,N,W7,");
        const DbEntry noTtl = makeEntry(entryFp, u"Linux"_s, KnownAll & ~KnownTtl);
        const Profile& p = Profile::synscope();
        // A Windows-like TTL does not cost anything when the entry does not know its TTL...
        QCOMPARE(p.score(makeFp(117, true, 29200, "M1460,S,T,N,W7,"), noTtl), p.maxScore());
        // ...but does when it does.
        const DbEntry withTtl = makeEntry(entryFp, u"Linux"_s);
        QVERIFY(p.score(makeFp(117, true, 29200, "M1460,S,T,N,W7,"), withTtl) < p.maxScore());
        const std::vector<FieldScore> ex = p.explain(makeFp(117, true, 29200, "M1460,S,T,N,W7,"),
                                                     noTtl);
        const auto ttl = std::find_if(ex.begin(), ex.end(), [](const FieldScore& f) {
            return f.field == u"initial TTL"_s;
        });
        QVERIFY(ttl != ex.end());
        QCOMPARE(ttl->expected, u"?"_s);
        QCOMPARE(ttl->weight, 0.0);
        double weights = 0;
        for (const FieldScore& f : ex)
            weights += f.weight;
        QVERIFY(std::abs(weights - p.maxScore()) < 1e-9);
    }

    void pathIndependentFields_data()
    {
        QTest::addColumn<int>("ttl");
        QTest::addColumn<int>("window");
        QTest::addColumn<QString>("options");
        QTest::addColumn<bool>("synscopePerfect");
        QTest::addColumn<bool>("classicPerfect");
        // Entry: Linux, TTL 64, window 20 x 1460, MSS 1460.
        QTest::newRow("identical") << 64 << 29200 << u"M1460,S,T,N,W7,"_s << true << true;
        QTest::newRow("12 hops") << 52 << 29200 << u"M1460,S,T,N,W7,"_s << true << true;
        QTest::newRow("PPPoE MSS, window still 20xMSS")
            << 60 << 28240 << u"M1412,S,T,N,W7,"_s << false << false;
        QTest::newRow("other window scale") << 64 << 29200 << u"M1460,S,T,N,W8,"_s << false << false;
        QTest::newRow("Windows TTL") << 128 << 29200 << u"M1460,S,T,N,W7,"_s << false << true;
    }
    void pathIndependentFields()
    {
        QFETCH(int, ttl);
        QFETCH(int, window);
        QFETCH(QString, options);
        const DbEntry entry = makeEntry(makeFp(64, true, 29200, "M1460,S,T,N,W7,"), u"Linux"_s);
        const Fingerprint fp = makeFp(ttl, true, window, options.toLatin1().constData());
        const double synscope = Profile::synscope().score(fp, entry);
        const double classic = Profile::classic().score(fp, entry);
        QTEST(synscope == Profile::synscope().maxScore(), "synscopePerfect");
        QTEST(classic == Profile::classic().maxScore(), "classicPerfect");
        if (options == u"M1412,S,T,N,W7,"_s) {
            // Only the (tie-breaking) MSS differs for synscope; classic loses window, MSS, options.
            QVERIFY(synscope > 9.5);
            QCOMPARE(classic, 10.0 - 1.5 - 1.5 - 1.0);
        }
    }

    void dfIsNotScoredForIpv6()
    {
        Fingerprint v6 = makeFp(64, false, 28800, "M1440,S,T,N,W7,");
        v6.ip_version = 6;
        DbEntry entry = makeEntry(makeFp(64, true, 28800, "M1440,S,T,N,W7,"), u"Linux"_s);
        QCOMPARE(Profile::synscope().score(v6, entry), Profile::synscope().maxScore());
        v6.ip_version = 4;
        QVERIFY(Profile::synscope().score(v6, entry) < Profile::synscope().maxScore());
    }

    void classAveragesAndMinimumSize()
    {
        Database db;
        for (int i = 0; i < 3; ++i)
            db.entries.push_back(makeEntry(makeFp(64, true, 29200, "M1460,S,T,N,W7,"), u"Linux"_s));
        db.entries.push_back(makeEntry(makeFp(128, true, 64240, "M1460,N,W8,N,N,S,"), u"Windows"_s));
        db.entries.push_back(makeEntry(makeFp(128, true, 64240, "M1460,N,W8,N,N,S,"), QString()));
        Classifier classifier(db, Profile::synscope(), 2, 3);
        const Classification& c = classifier.classify(makeFp(128, true, 64240, "M1460,N,W8,N,N,S,"));
        QVERIFY((c.best == std::vector<int>{3, 4}));
        QCOMPARE(c.top.size(), size_t(2));
        QCOMPARE(c.averages.size(), size_t(2));   // the unlabelled entry is left out
        QCOMPARE(c.averages[0].os_class, u"Linux"_s);   // averaged classes come first
        QVERIFY(c.averages[0].averaged);
        QCOMPARE(c.averages[0].n, 3);
        QCOMPARE(c.averages[1].os_class, u"Windows"_s);
        QVERIFY(!c.averages[1].averaged);
        QCOMPARE(c.averages[1].average, 10.0);
        QCOMPARE(c.bestAveragedClass(), u"Linux"_s);
    }

    // The cache is keyed by the decoded fields, not the profile's key: whatever it serves must
    // be what scoring the fingerprint afresh gives, for every profile, on every entry of the
    // default database (and the shared ones) used as an observation, seen twice and with another
    // TTL of the same initial TTL.
    void cachedEqualsUncached()
    {
        std::vector<Database> dbs{Database::builtin()};
        if (auto combined = loadCombined())
            dbs.push_back(std::move(*combined));
        for (const Database& db : dbs) {
            for (const Profile* profile : Profile::all()) {
                Classifier classifier(db, *profile);
                for (int round = 0; round < 2; ++round) {
                    for (const DbEntry& e : db.entries) {
                        Fingerprint fp = e.fp;
                        if (round == 1 && fp.ip_ttl > 2)
                            fp.ip_ttl = uint8_t(fp.ip_ttl - 2);
                        const Classification fresh = classifier.classifyUncached(fp);
                        const Classification& cached = classifier.classify(fp);
                        QCOMPARE(cached.best, fresh.best);
                        QCOMPARE(cached.best_score, fresh.best_score);
                        QCOMPARE(cached.top.size(), fresh.top.size());
                        for (size_t i = 0; i < fresh.top.size(); ++i) {
                            QCOMPARE(cached.top[i].entry, fresh.top[i].entry);
                            QCOMPARE(cached.top[i].score, fresh.top[i].score);
                        }
                        QCOMPARE(cached.averages.size(), fresh.averages.size());
                        for (size_t i = 0; i < fresh.averages.size(); ++i) {
                            QCOMPARE(cached.averages[i].os_class, fresh.averages[i].os_class);
                            QCOMPARE(cached.averages[i].average, fresh.averages[i].average);
                        }
                    }
                }
                QVERIFY(classifier.cacheHits() > 0);
            }
        }
    }

    void cacheHitsAndBound()
    {
        Database db;
        db.entries.push_back(makeEntry(makeFp(64, true, 29200, "M1460,S,T,N,W7,"), u"Linux"_s));
        db.entries.push_back(makeEntry(makeFp(128, true, 64240, "M1460,N,W8,N,N,S,"), u"Windows"_s));
        Classifier classifier(db, Profile::synscope());
        classifier.classify(makeFp(57, true, 29200, "M1460,S,T,N,W7,"));
        // Same initial TTL class, same scored fields: served from the cache.
        const Classification& again = classifier.classify(makeFp(50, true, 29200, "M1460,S,T,N,W7,"));
        QCOMPARE(classifier.cacheHits(), uint64_t(1));
        QCOMPARE(classifier.cacheMisses(), uint64_t(1));
        QCOMPARE(again.best, std::vector<int>{0});
        classifier.classify(makeFp(120, true, 29200, "M1460,S,T,N,W7,"));
        QCOMPARE(classifier.cacheMisses(), uint64_t(2));

        // Distinct windows x MSS values overflow the bound: the cache never exceeds it.
        Fingerprint fp = makeFp(64, true, 0, "M1460,S,T,N,W7,");
        size_t peak = 0;
        for (int mss = 1000; mss < 1003; ++mss) {
            fp.tcp_mss = mss;
            for (int w = 0; w < 40000; ++w) {
                fp.tcp_window_size = static_cast<uint16_t>(w);
                classifier.classify(fp);
                peak = std::max(peak, classifier.cacheSize());
            }
        }
        QVERIFY(classifier.cacheMisses() > Classifier::kMaxCacheEntries);
        QVERIFY(peak <= Classifier::kMaxCacheEntries);
        // A flood that never hits is cached sparsely: far fewer entries than misses, but some, and
        // what comes back uncached says so (id 0) and scores the same.
        QVERIFY(peak > 1000 && peak < classifier.cacheMisses() / 4);
        fp.tcp_mss = 1100;
        fp.tcp_window_size = 4321;
        const Classification& flood = classifier.classify(fp);
        const Classification fresh = classifier.classifyUncached(fp);
        QCOMPARE(flood.best, fresh.best);
        QCOMPARE(flood.best_score, fresh.best_score);
        // Traffic that does hit (here every other SYN) caches every miss, up to the bound.
        Classifier busy(db, Profile::synscope());
        const Fingerprint regular = makeFp(64, true, 29200, "M1460,S,T,N,W7,");
        size_t busyPeak = 0;
        for (int w = 0; w < 50000; ++w) {
            busy.classify(regular);
            fp.tcp_mss = 900;
            fp.tcp_window_size = static_cast<uint16_t>(w);
            busy.classify(fp);
            busyPeak = std::max(busyPeak, busy.cacheSize());
        }
        QVERIFY(busyPeak > Classifier::kMaxCacheEntries * 3 / 4 && busyPeak <= Classifier::kMaxCacheEntries);

        // Eviction is gradual: a fingerprint that keeps coming during a flood of new ones stays
        // cached (a wholesale clear would make it miss after every clear).
        const Fingerprint hot = makeFp(64, true, 29200, "M1460,S,T,N,W7,");
        classifier.classify(hot);
        fp.tcp_mss = 1200;
        int hotMisses = 0;
        for (int w = 0; w < 3 * int(Classifier::kMaxCacheEntries); ++w) {
            fp.tcp_window_size = static_cast<uint16_t>(w % 65536);
            fp.tcp_mss = 1200 + w / 65536;
            classifier.classify(fp);
            if (w % 1000 == 0) {
                const uint64_t misses = classifier.cacheMisses();
                classifier.classify(hot);
                hotMisses += classifier.cacheMisses() != misses;
            }
        }
        QCOMPARE(hotMisses, 0);
    }

    void generationalCache()
    {
        // Two generations of capacity/2: a key found again survives rotations, one left alone is
        // forgotten after two; the size never exceeds the capacity; absent keys are never found
        // (the per-generation hash filter only skips lookups that would fail). A hash that
        // collides everywhere makes every filter check pass: the maps still decide.
        struct Collide {
            size_t operator()(int) const { return 7; }
        };
        const auto exercise = [](auto& cache) {
            for (int k = 0; k < 4; ++k)
                cache.insert(k, k * 10);
            QVERIFY(cache.find(4) == nullptr);
            for (int round = 1; round <= 5; ++round) {
                for (int k = 100 * round; k < 100 * round + 4; ++k) {
                    cache.insert(k, k * 10);
                    QVERIFY(cache.size() <= cache.capacity());
                    QVERIFY(cache.find(0) != nullptr);   // in use: moved back each time
                    QCOMPARE(*cache.find(0), 0);
                }
            }
            QVERIFY(cache.find(1) == nullptr);      // forgotten
            QVERIFY(cache.find(500) != nullptr);    // the newest generation
            QCOMPARE(*cache.find(503), 5030);
            QVERIFY(cache.find(99) == nullptr);
            cache.clear();
            QCOMPARE(cache.size(), size_t(0));
            QVERIFY(cache.find(0) == nullptr);
        };
        GenerationalCache<int, int> plain(8);
        exercise(plain);
        GenerationalCache<int, int, Collide> colliding(8);
        exercise(colliding);
    }

    // The synscope profile's weights were chosen on this measurement (docs/SCORING.md).
    void leaveOneOutSynscopeBeatsClassic()
    {
        const std::optional<Database> db = loadCombined();
        if (!db)
            QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data/zardaxt-2021/combined.json");
        const LeaveOneOutResult classic = leaveOneOut(*db, Profile::classic());
        const LeaveOneOutResult synscope = leaveOneOut(*db, Profile::synscope());
        qInfo("leave-one-out, best entry:  classic %d/%d (%.1f%%), synscope %d/%d (%.1f%%)",
              classic.hits_best, classic.evaluated, 100 * classic.accuracyBest(),
              synscope.hits_best, synscope.evaluated, 100 * synscope.accuracyBest());
        qInfo("leave-one-out, best class average: classic %d (%.1f%%), synscope %d (%.1f%%)",
              classic.hits_average, 100 * classic.accuracyAverage(), synscope.hits_average,
              100 * synscope.accuracyAverage());
        QCOMPARE(classic.evaluated + classic.skipped, 260);
        QCOMPARE(synscope.evaluated, classic.evaluated);
        QVERIFY(synscope.hits_best > classic.hits_best);
        QVERIFY(synscope.hits_average >= classic.hits_average);
    }

    void largestMultipleRule_data()
    {
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("mss");
        QTest::addColumn<bool>("timestamp");
        QTest::addColumn<bool>("largest");
        QTest::newRow("Ethernet") << 64240 << 1460 << false << true;
        QTest::newRow("PPPoE") << 65340 << 1452 << false << true;
        QTest::newRow("VPN 1420") << 64860 << 1380 << false << true;
        QTest::newRow("IPv6 Ethernet") << 64800 << 1440 << true << true;
        QTest::newRow("clamped MSS, window kept") << 64240 << 1452 << false << false;
        QTest::newRow("20 x MSS") << 29200 << 1460 << true << false;
        QTest::newRow("65535") << 65535 << 1460 << true << false;
        // Linux SYN+ACK with timestamps: segments of MSS - 12.
        QTest::newRow("MSS-12 with timestamps") << 65160 << 1460 << true << true;
        QTest::newRow("MSS-12 without timestamps") << 65160 << 1460 << false << false;
        QTest::newRow("tiny MSS") << 65535 << 5 << false << false;
        QTest::newRow("no MSS") << 65535 << -1 << false << false;
    }
    void largestMultipleRule()
    {
        QFETCH(int, window);
        QFETCH(int, mss);
        QFETCH(bool, timestamp);
        QTEST(isLargestWindowMultiple(window, mss, timestamp), "largest");
    }

    // Linux and Windows send the largest multiple of the MSS: an entry recorded at MSS 1460 with
    // 64240 must keep the window points for the same stack behind a smaller MTU.
    void windowFollowsMss_data()
    {
        QTest::addColumn<int>("window");
        QTest::addColumn<QString>("options");
        QTest::addColumn<bool>("literalPoints");   // entry: 64240 at MSS 1460
        QTest::addColumn<bool>("rulePoints");      // entry: "mss*max"
        QTest::newRow("same MTU") << 64240 << u"M1460,N,W8,N,N,S,"_s << true << true;
        QTest::newRow("MTU 1420, own stack") << 64860 << u"M1380,N,W8,N,N,S,"_s << true << true;
        QTest::newRow("PPPoE, own stack") << 65340 << u"M1452,N,W8,N,N,S,"_s << true << true;
        // A router rewrote the MSS, the window is still the literal one.
        QTest::newRow("MSS clamped") << 64240 << u"M1380,N,W8,N,N,S,"_s << true << false;
        QTest::newRow("other fixed multiple") << 45 * 1380 << u"M1380,N,W8,N,N,S,"_s << false
                                              << false;
        QTest::newRow("65535") << 65535 << u"M1380,N,W8,N,N,S,"_s << false << false;
    }
    void windowFollowsMss()
    {
        QFETCH(int, window);
        QFETCH(QString, options);
        QFETCH(bool, literalPoints);
        QFETCH(bool, rulePoints);
        const Profile& p = Profile::synscope();
        const char* entryOptions = "M1460,N,W8,N,N,S,";
        const DbEntry literal = makeEntry(makeFp(128, true, 64240, entryOptions), u"Windows"_s);
        DbEntry rule = makeEntry(makeFp(128, true, 0, entryOptions), u"Windows"_s);
        rule.window_mss_max = true;
        const Fingerprint fp = makeFp(128, true, window, options.toLatin1().constData());
        auto windowScored = [&](const DbEntry& e) {
            const std::vector<FieldScore> ex = p.explain(fp, e);
            const auto w = std::find_if(ex.begin(), ex.end(), [](const FieldScore& f) {
                return f.field.startsWith(u"window"_s);
            });
            if (w == ex.end() || w->weight <= 0)
                qFatal("no scored window row");
            return w->points == w->weight;
        };
        QCOMPARE(windowScored(literal), literalPoints);
        QCOMPARE(windowScored(rule), rulePoints);
        for (const DbEntry* e : std::array<const DbEntry*, 2>{&literal, &rule})
            QVERIFY(std::abs(explainSum(p, fp, *e) - p.score(fp, *e)) < 1e-9);
        // The classic profile compares the raw window: only the unchanged one scores.
        const std::vector<FieldScore> classic = Profile::classic().explain(fp, literal);
        const auto w = std::find_if(classic.begin(), classic.end(), [](const FieldScore& f) {
            return f.field == u"tcp_window_size"_s;
        });
        QVERIFY(w != classic.end());
        QCOMPARE(w->points > 0, window == 64240);
    }

    // The default database holds SYN and SYN+ACK entries of one stack: a SYN must prefer the SYN.
    void packetKindIsScored()
    {
        const Fingerprint syn = makeFp(64, true, 64240, "M1460,S,T,N,W7,");
        Fingerprint synAck = makeFp(64, true, 65160, "M1460,S,T,N,W7,");
        synAck.tcp_flags = TcpSyn | TcpAck;
        Database db;
        db.entries.push_back(makeEntry(synAck, u"Linux"_s));
        db.entries.push_back(makeEntry(syn, u"Linux"_s));
        Classifier classifier(db, Profile::synscope());
        QCOMPARE(classifier.classify(withMss(syn, 1380)).best, std::vector<int>{1});
        QCOMPARE(classifier.classify(withMss(synAck, 1380)).best, std::vector<int>{0});
        QVERIFY(Profile::synscope().score(syn, db.entries[0]) < Profile::synscope().maxScore());
    }

    void withMssFollowsTheStacksRule()
    {
        const Fingerprint linux = makeFp(64, true, 64240, "M1460,S,T,N,W7,");
        const Fingerprint shifted = withMss(linux, 1380);
        QCOMPARE(shifted.tcp_mss, 1380);
        QCOMPARE(int(shifted.tcp_window_size), 64860);
        QCOMPARE(QString::fromStdString(shifted.tcpOptions()), u"M1380,S,T,N,W7,"_s);
        Fingerprint synAck = makeFp(64, true, 65160, "M1460,S,T,N,W7,");   // MSS-12 unit
        synAck.tcp_flags = TcpSyn | TcpAck;
        QCOMPARE(int(withMss(synAck, 1452).tcp_window_size), largestWindowMultiple(1440));
        const Fingerprint apple = makeFp(64, true, 65535, "M1460,N,W6,N,N,T,S,E,E,");
        QCOMPARE(int(withMss(apple, 1380).tcp_window_size), 65535);
        const Fingerprint old = makeFp(64, true, 29200, "M1460,S,T,N,W7,");
        QCOMPARE(int(withMss(old, 1380).tcp_window_size), 29200);
    }

    // Real stacks behind other MTUs against the default database (docs/SCORING.md): synscope must
    // beat classic here and not lose on leave-one-out.
    void mssShiftSynscopeBeatsClassic()
    {
        const std::optional<Database> combined = loadCombined();
        if (!combined)
            QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data/zardaxt-2021/combined.json");
        const Database defaults = Database::builtin();
        QVERIFY2(!defaults.entries.empty(), qPrintable(defaults.description));
        std::vector<DbEntry> observations = defaults.entries;
        observations.insert(observations.end(), combined->entries.begin(),
                            combined->entries.end());
        const MssShiftResult classic = mssShift(defaults, observations, Profile::classic());
        const MssShiftResult synscope = mssShift(defaults, observations, Profile::synscope());
        for (const MssShiftResult* r : {&classic, &synscope}) {
            QCOMPARE(r->observations + r->skipped_no_mss + r->skipped_no_class,
                     int(observations.size()));
            QCOMPARE(r->evaluated, r->observations * int(mssShiftValues().size()));
        }
        qInfo("MSS shift: %d observations (%d with a largest-multiple window), %d without MSS, "
              "%d without a class in the database; %d classifications",
              synscope.observations, synscope.window_rescaled, synscope.skipped_no_mss,
              synscope.skipped_no_class, synscope.evaluated);
        for (size_t k = 0; k < synscope.per_mss.size(); ++k)
            qInfo("  MSS %d: classic %d/%d, synscope %d/%d", synscope.per_mss[k].mss,
                  classic.per_mss[k].hits, classic.per_mss[k].evaluated, synscope.per_mss[k].hits,
                  synscope.per_mss[k].evaluated);
        qInfo("MSS shift, best entry: classic %d/%d (%.1f%%), synscope %d/%d (%.1f%%)",
              classic.hits, classic.evaluated, 100 * classic.accuracy(), synscope.hits,
              synscope.evaluated, 100 * synscope.accuracy());
        qInfo("MSS shift, own entry among the best: classic %d/%d, synscope %d/%d",
              classic.own_hits, classic.own_evaluated, synscope.own_hits, synscope.own_evaluated);
        qInfo("MSS shift, best entry of the other packet kind: classic %d, synscope %d",
              classic.other_kind, synscope.other_kind);
        QVERIFY(synscope.window_rescaled > 0);
        // Every default entry with an MSS option is shifted (scanners such as masscan send none).
        const auto withMssOption = std::count_if(defaults.entries.begin(), defaults.entries.end(),
                                                 [](const DbEntry& e) { return e.fp.tcp_mss >= 0; });
        QVERIFY(withMssOption >= 60);
        QCOMPARE(synscope.own_evaluated, int(withMssOption * qsizetype(mssShiftValues().size())));
        QVERIFY(synscope.hits > classic.hits);
        QVERIFY(synscope.own_hits > classic.own_hits);

        const LeaveOneOutResult looClassic = leaveOneOut(*combined, Profile::classic());
        const LeaveOneOutResult looSynscope = leaveOneOut(*combined, Profile::synscope());
        QVERIFY(looSynscope.hits_best >= looClassic.hits_best);
    }
};

QTEST_GUILESS_MAIN(TestMatch)
#include "test_match.moc"
