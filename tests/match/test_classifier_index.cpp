// SPDX-License-Identifier: GPL-3.0-or-later
// The classifier's index against the exhaustive reference (every group scored): for the default
// database, every database of ../shared/data and a large jittered one, both profiles, several
// top-N sizes, every entry's fingerprint as an observation plus variants of it (window, MSS,
// TTL, IPv6, SYN+ACK) and random fingerprints, the best score, the ties, the top N and the class
// averages must be identical, doubles compared exactly. The averages are also checked against
// the entry-by-entry sums of Profile::score() the classifier used to add up: within 1e-12, and
// in an order those sums agree with.
#include "core/database/database.h"
#include "core/match/classifier.h"
#include "core/match/evaluate.h"
#include "core/match/profile.h"

#include <QFile>
#include <QHash>
#include <QTest>

#include <algorithm>
#include <array>
#include <random>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

QString sharedData(const QString& file)
{
    return QStringLiteral(SYNSCOPE_SHARED_DIR) + u"/data/"_s + file;
}

// The first difference between two classifications, or empty.
QString difference(const Classification& a, const Classification& b)
{
    if (a.best_score != b.best_score)
        return u"best_score %1 vs %2"_s.arg(a.best_score, 0, 'g', 17).arg(b.best_score, 0, 'g', 17);
    if (a.max_score != b.max_score)
        return u"max_score"_s;
    if (a.best != b.best)
        return u"best: %1 vs %2 entries"_s.arg(a.best.size()).arg(b.best.size());
    if (a.top.size() != b.top.size())
        return u"top: %1 vs %2 entries"_s.arg(a.top.size()).arg(b.top.size());
    for (size_t i = 0; i < a.top.size(); ++i)
        if (a.top[i].entry != b.top[i].entry || a.top[i].score != b.top[i].score)
            return u"top[%1]: entry %2 (%3) vs %4 (%5)"_s.arg(i).arg(a.top[i].entry)
                .arg(a.top[i].score, 0, 'g', 17).arg(b.top[i].entry).arg(b.top[i].score, 0, 'g', 17);
    if (a.averages.size() != b.averages.size())
        return u"averages: %1 vs %2 classes"_s.arg(a.averages.size()).arg(b.averages.size());
    for (size_t i = 0; i < a.averages.size(); ++i) {
        const ClassAverage& x = a.averages[i];
        const ClassAverage& y = b.averages[i];
        if (x.os_class != y.os_class || x.average != y.average || x.n != y.n ||
            x.averaged != y.averaged)
            return u"averages[%1]: %2 %3 n=%4 vs %5 %6 n=%7"_s.arg(i).arg(x.os_class)
                .arg(x.average, 0, 'g', 17).arg(x.n).arg(y.os_class).arg(y.average, 0, 'g', 17)
                .arg(y.n);
    }
    return QString();
}

// Variants of an observed fingerprint that move the fields the index looks up rather than
// compares per cell (window, MSS) and those that change the shape (IPv6 drops DF) or a cell
// term (TTL, SYN+ACK, no options).
std::vector<Fingerprint> variants(const Fingerprint& fp)
{
    std::vector<Fingerprint> out{fp};
    Fingerprint f = fp;
    f.tcp_window_size = static_cast<uint16_t>(fp.tcp_window_size + 1);
    out.push_back(f);
    if (fp.tcp_mss > 0) {
        f = fp;
        f.tcp_window_size = static_cast<uint16_t>(largestWindowMultiple(fp.tcp_mss));   // window_max
        out.push_back(f);
        f.tcp_window_size = static_cast<uint16_t>(std::min(65535, 10 * fp.tcp_mss));   // 10 x MSS
        out.push_back(f);
        out.push_back(withMss(fp, fp.tcp_mss - 40));
        f = fp;
        f.tcp_mss = -1;
        out.push_back(f);
    }
    f = fp;
    f.ip_ttl = static_cast<uint8_t>(fp.ip_ttl > 5 ? fp.ip_ttl - 5 : 200);
    out.push_back(f);
    f = fp;
    f.ip_version = fp.ip_version == 6 ? 4 : 6;
    f.ip_df = f.ip_version == 4;
    out.push_back(f);
    f = fp;
    f.tcp_flags = static_cast<uint16_t>(fp.tcp_flags ^ TcpAck);
    out.push_back(f);
    f = fp;
    f.option_count = 0;
    f.tcp_mss = -1;
    f.tcp_window_scaling = -1;
    f.tcp_sack_permitted = f.tcp_has_timestamp = false;
    out.push_back(f);
    return out;
}

// Random SYNs as an attack tool sends them (the shape of ../shared/bench/gen-distinct-syn.py):
// random window, MSS, TTL, window scale, option subset and order, DF.
std::vector<Fingerprint> randomSyns(size_t count, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<Fingerprint> out;
    for (size_t i = 0; i < count; ++i) {
        Fingerprint fp;
        fp.tcp_flags = TcpSyn;
        fp.ip_version = rng() % 8 == 0 ? 6 : 4;
        fp.ip_ttl = static_cast<uint8_t>(std::array{32, 64, 128, 255}[rng() % 4] - int(rng() % 21));
        fp.ip_df = fp.ip_version == 4 && rng() % 2;
        if (fp.ip_df)
            fp.quirks |= QuirkDf;
        std::array<uint8_t, 5> kinds{OptMss, OptNop, OptWscale, OptSackOk, OptTimestamp};
        std::shuffle(kinds.begin(), kinds.end(), rng);
        const int n = 2 + int(rng() % 4);
        for (int k = 0; k < n; ++k) {
            fp.option_kinds[fp.option_count++] = kinds[size_t(k)];
            if (kinds[size_t(k)] == OptMss)
                fp.tcp_mss = 500 + int(rng() % 8501);
            else if (kinds[size_t(k)] == OptWscale)
                fp.tcp_window_scaling = static_cast<int16_t>(rng() % 15);
            else if (kinds[size_t(k)] == OptSackOk)
                fp.tcp_sack_permitted = true;
            else if (kinds[size_t(k)] == OptTimestamp)
                fp.tcp_has_timestamp = true;
        }
        fp.tcp_header_length = static_cast<uint8_t>(20 + (fp.option_count * 3 + 3) / 4 * 4);
        // Now and then a window that is a multiple of the MSS, or the largest one.
        const uint32_t pick = rng() % 8;
        if (fp.tcp_mss > 0 && pick == 0)
            fp.tcp_window_size = static_cast<uint16_t>(largestWindowMultiple(fp.tcp_mss));
        else if (fp.tcp_mss > 0 && pick == 1)
            fp.tcp_window_size = static_cast<uint16_t>(fp.tcp_mss * int(1 + rng() % (65535 / fp.tcp_mss)));
        else
            fp.tcp_window_size = static_cast<uint16_t>(1 + rng() % 65535);
        out.push_back(fp);
    }
    return out;
}

// Many entries per kind: copies with window, MSS and TTL jittered, a few dozen values each, so
// that cells hold many entries and observations taken from entries hit posting lists inside them.
Database jittered(const std::vector<const Database*>& sources, size_t count)
{
    std::vector<const DbEntry*> pool;
    for (const Database* db : sources)
        for (const DbEntry& e : db->entries)
            pool.push_back(&e);
    Database out;
    std::mt19937 rng(7);
    for (size_t i = 0; i < count; ++i) {
        DbEntry e = *pool[i % pool.size()];
        if (i >= pool.size()) {
            if (e.fp.tcp_window_size > 100 && !e.window_mss_max && e.window_mss_multiple == 0)
                e.fp.tcp_window_size = static_cast<uint16_t>(e.fp.tcp_window_size - rng() % 40);
            if (e.fp.tcp_mss > 600)
                e.fp.tcp_mss -= int(rng() % 40);
            if (e.fp.ip_ttl > 20)
                e.fp.ip_ttl = static_cast<uint8_t>(e.fp.ip_ttl - rng() % 20);
        }
        out.entries.push_back(std::move(e));
    }
    return out;
}

} // namespace

class TestClassifierIndex : public QObject {
    Q_OBJECT

    std::vector<std::pair<QString, Database>> m_dbs;

    // Index and reference agree on every observation, for both profiles and several top-N sizes;
    // and the averages agree with the entry-by-entry sums.
    void compare(const Database& db, const std::vector<Fingerprint>& observations,
                 const QString& name)
    {
        for (const Profile* profile : Profile::all()) {
            for (int topN : {5, 1, 0, 40}) {
                const Classifier classifier(db, *profile, topN);
                for (size_t o = 0; o < observations.size(); ++o) {
                    const Classification indexed = classifier.classifyUncached(observations[o]);
                    const Classification reference = classifier.classifyExhaustive(observations[o]);
                    const QString diff = difference(indexed, reference);
                    QVERIFY2(diff.isEmpty(), qPrintable(u"%1, %2, top %3, observation %4: %5"_s.arg(
                                                 name, profile->name()).arg(topN).arg(o).arg(diff)));
                }
            }
            checkAgainstEntrySums(db, *profile, observations, name);
        }
    }

    // What the classifier used to compute: each class's entry scores added in database order.
    void checkAgainstEntrySums(const Database& db, const Profile& profile,
                               const std::vector<Fingerprint>& observations, const QString& name)
    {
        const Classifier classifier(db, profile);
        std::vector<Profile::Features> entries;
        for (const DbEntry& e : db.entries)
            entries.push_back(Profile::features(e));
        const size_t step = std::max<size_t>(1, observations.size() / 500);
        for (size_t o = 0; o < observations.size(); o += step) {
            const Profile::Features observed = Profile::features(observations[o]);
            QHash<QString, double> sums;
            for (size_t i = 0; i < db.entries.size(); ++i)
                if (!db.entries[i].label.os_class.isEmpty())
                    sums[db.entries[i].label.os_class] += profile.score(observed, entries[i]);
            const Classification c = classifier.classifyUncached(observations[o]);
            QCOMPARE(size_t(sums.size()), c.averages.size());
            for (size_t k = 0; k < c.averages.size(); ++k) {
                const ClassAverage& a = c.averages[k];
                const double old = sums.value(a.os_class) / a.n;
                QVERIFY2(std::abs(a.average - old) <= 1e-12,
                         qPrintable(u"%1, %2, observation %3: %4 averages %5, entry by entry %6"_s.arg(
                             name, profile.name()).arg(o).arg(a.os_class).arg(a.average, 0, 'g', 17)
                             .arg(old, 0, 'g', 17)));
                if (k > 0 && c.averages[k - 1].averaged == a.averaged) {
                    const double before = sums.value(c.averages[k - 1].os_class) / c.averages[k - 1].n;
                    QVERIFY2(before >= old - 1e-12,
                             qPrintable(u"%1, %2, observation %3: %4 before %5"_s.arg(
                                 name, profile.name()).arg(o).arg(c.averages[k - 1].os_class, a.os_class)));
                }
            }
        }
    }

private slots:
    void initTestCase()
    {
        m_dbs.push_back({u"default"_s, Database::builtin()});
        QVERIFY(!m_dbs.back().second.entries.empty());
        for (const QString& file : {u"zardaxt-2021/combined.json"_s, u"p0f/p0f.fp"_s,
                                    u"satori/tcp.xml"_s}) {
            if (!QFile::exists(sharedData(file)))
                continue;
            QString error;
            std::optional<Database> db = Database::load(sharedData(file), &error);
            QVERIFY2(db, qPrintable(error));
            m_dbs.push_back({file, std::move(*db)});
        }
    }

    void everyEntryAndVariants_data()
    {
        QTest::addColumn<QString>("name");
        for (const QString& name : {u"default"_s, u"zardaxt-2021/combined.json"_s, u"p0f/p0f.fp"_s,
                                    u"satori/tcp.xml"_s})
            QTest::newRow(qPrintable(name)) << name;
    }

    void everyEntryAndVariants()
    {
        QFETCH(QString, name);
        const auto found = std::find_if(m_dbs.begin(), m_dbs.end(),
                                        [&](const auto& d) { return d.first == name; });
        if (found == m_dbs.end())
            QSKIP(qPrintable(u"shared corpus absent: SYNSCOPE_SHARED_DIR/data/"_s + name));
        const Database& database = found->second;
        const uint32_t seed = static_cast<uint32_t>(found - m_dbs.begin()) + 1;
        std::vector<Fingerprint> observations;
        for (const DbEntry& e : database.entries)
            for (const Fingerprint& fp : variants(e.fp))
                observations.push_back(fp);
        const std::vector<Fingerprint> random = randomSyns(2000, seed);
        observations.insert(observations.end(), random.begin(), random.end());
        compare(database, observations, name);
    }

    // All databases together, jittered to many entries per kind: big cells, posting hits inside
    // them, many ties, leaves that merge.
    void jitteredLargeDatabase()
    {
        std::vector<const Database*> sources;
        for (const auto& [name, db] : m_dbs)
            sources.push_back(&db);
        const Database db = jittered(sources, 6000);
        std::vector<Fingerprint> observations;
        for (size_t i = 0; i < db.entries.size(); i += 37)
            for (const Fingerprint& fp : variants(db.entries[i].fp))
                observations.push_back(fp);
        const std::vector<Fingerprint> random = randomSyns(300, 99);
        observations.insert(observations.end(), random.begin(), random.end());
        compare(db, observations, u"jittered"_s);
    }

    // Edge cases: no entries, no classes, entries that know nothing (nothing applies: score 0),
    // every score 0, top N beyond the database.
    void smallCases()
    {
        const Fingerprint syn = randomSyns(1, 5).front();
        {
            const Database empty;
            const Classifier classifier(empty, Profile::synscope());
            const Classification c = classifier.classifyUncached(syn);
            QVERIFY(c.best.empty() && c.top.empty() && c.averages.empty());
            QCOMPARE(difference(c, classifier.classifyExhaustive(syn)), QString());
        }
        Database db = Database::builtin();
        for (size_t i = 0; i < db.entries.size(); i += 3)
            db.entries[i].label.os_class.clear();
        for (size_t i = 1; i < db.entries.size(); i += 5)
            db.entries[i].known = 0;
        compare(db, randomSyns(200, 6), u"unlabelled and unknown"_s);
        for (DbEntry& e : db.entries)
            e.known = 0;
        compare(db, randomSyns(20, 7), u"nothing known"_s);
        db.entries.resize(2);
        compare(db, {syn}, u"two entries"_s);
    }
};

QTEST_MAIN(TestClassifierIndex)
#include "test_classifier_index.moc"
