// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/match/classifier.h"

#include "core/detect/detect.h"

#include <QHash>
#include <QSet>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <atomic>
#include <bit>
#include <map>
#include <mutex>
#include <numeric>

namespace synscope {

namespace {
// Scores are sums of a few binary-exact weights; the tolerance only guards the normalization.
constexpr double kTieEpsilon = 1e-9;

// Class names live as long as the process and are handed out as raw-data QStrings, so that a
// Classification copies one per class without an atomic reference count: with a few hundred
// classes those counts cost more than the scoring. A process sees few distinct class names.
QString lastingClassName(const QString& name)
{
    static std::mutex lock;
    static QSet<QString>* const names = new QSet<QString>;   // never freed: copies point into it
    const std::lock_guard guard(lock);
    auto it = names->constFind(name);
    if (it == names->constEnd())
        it = names->insert(name);
    return QString::fromRawData(it->constData(), it->size());
}
} // namespace

QString Classification::bestAveragedClass() const
{
    if (!averages.empty() && averages.front().averaged)
        return averages.front().os_class;
    return QString();
}

Classifier::Classifier(const Database& db, const Profile& profile, int topN, int minClassSize)
    : m_db(db), m_profile(profile), m_topN(std::max(0, topN)), m_minClassSize(minClassSize > 0 ? minClassSize : db.min_class_size)
{
    std::unordered_map<std::string, int> groupByKey;
    QHash<QString, int> classByName;
    m_groupOf.reserve(db.entries.size());
    m_classOf.reserve(db.entries.size());
    for (size_t i = 0; i < db.entries.size(); ++i) {
        const DbEntry& entry = db.entries[i];
        Profile::Features f = Profile::features(entry);
        const auto [it, inserted] =
            groupByKey.try_emplace(profile.entryKey(f), static_cast<int>(m_groups.size()));
        if (inserted)
            m_groups.push_back(std::move(f));
        m_groupOf.push_back(it->second);

        const QString& cls = entry.label.os_class;
        int classIndex = -1;
        if (!cls.isEmpty()) {
            classIndex = classByName.value(cls, -1);
            if (classIndex < 0) {
                classIndex = static_cast<int>(m_classes.size());
                classByName.insert(cls, classIndex);
                m_classes.push_back(lastingClassName(cls));
                m_classSize.push_back(0);
            }
            ++m_classSize[classIndex];
        }
        m_classOf.push_back(classIndex);
    }
    for (int size : m_classSize)
        m_classAveraged.push_back(size >= m_minClassSize);
    double weights = 0;
    for (const FieldWeight& fw : profile.weights())
        weights += fw.weight;
    m_scoreBound = std::max(profile.normalizes() ? profile.maxScore() : weights, 1.0);
    m_index =
        std::make_unique<const ScoreIndex>(profile, m_groups, m_groupOf, m_classOf, m_classSize);
}

Classification Classifier::classifyUncached(const Fingerprint& fp) const
{
    return classifyFeatures(Profile::features(fp));
}

Classification Classifier::start() const
{
    static std::atomic<uint64_t> lastId{0};
    Classification c;
    c.id = ++lastId;
    c.max_score = m_profile.maxScore();
    return c;
}

Classification Classifier::classifyFeatures(const Profile::Features& observed) const
{
    Classification c = start();
    if (m_db.entries.empty())
        return c;
    thread_local std::vector<double> averages;
    m_index->classify(observed, static_cast<size_t>(m_topN), c, averages);
    c.averages = orderedAverages(averages);
    return c;
}

Classification Classifier::classifyExhaustive(const Fingerprint& fp) const
{
    Classification c = start();
    const size_t n = m_db.entries.size();
    if (n == 0)
        return c;
    const Profile::Features observed = Profile::features(fp);
    std::vector<Profile::Tally> groupTally(m_groups.size());
    std::vector<double> groupScore(m_groups.size());
    for (size_t g = 0; g < m_groups.size(); ++g) {
        groupTally[g] = m_profile.tally(observed, m_groups[g]);
        groupScore[g] = m_profile.scaled(groupTally[g]);
    }

    c.best_score = *std::max_element(groupScore.begin(), groupScore.end());
    // Per class, points summed per distinct `possible` (one sum when the profile does not scale).
    std::vector<std::map<double, double>> classSums(m_classes.size());
    for (size_t i = 0; i < n; ++i) {
        const int g = m_groupOf[i];
        if (groupScore[g] >= c.best_score - kTieEpsilon)
            c.best.push_back(static_cast<int>(i));
        if (m_classOf[i] >= 0)
            classSums[m_classOf[i]][m_profile.normalizes() ? groupTally[g].possible : 0.0] +=
                groupTally[g].points;
    }

    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    const size_t topCount = std::min(n, static_cast<size_t>(m_topN));
    // Stable by construction: equal scores keep database order.
    std::partial_sort(order.begin(), order.begin() + topCount, order.end(), [&](int a, int b) {
        const double sa = groupScore[m_groupOf[a]], sb = groupScore[m_groupOf[b]];
        return sa != sb ? sa > sb : a < b;
    });
    for (size_t i = 0; i < topCount; ++i)
        c.top.push_back({order[i], groupScore[m_groupOf[order[i]]]});

    std::vector<double> averages(m_classes.size(), 0.0);
    for (size_t k = 0; k < m_classes.size(); ++k)
        for (const auto& [possible, points] : classSums[k])
            averages[k] += classAverageTerm(m_profile, points, possible, m_classSize[k]);
    c.averages = orderedAverages(averages);
    return c;
}

std::vector<ClassAverage> Classifier::orderedAverages(const std::vector<double>& averages) const
{
    // Averaged classes first, then by average descending, ties in order of first appearance: a
    // counting sort on the average scaled to a bucket (stable: ties keep their order), visiting
    // only the buckets in use, then an insertion sort within each. For the few hundred classes
    // of a large database several times faster than a comparison sort, and exact: the buckets
    // only pre-sort.
    constexpr int kBuckets = 256;   // per half: averaged, not averaged
    struct Buckets {
        std::array<int, 2 * kBuckets> count{}, next{};   // count: zero between calls
        std::vector<uint16_t> of;
        std::vector<int> order;
    };
    thread_local Buckets b;
    const size_t n = m_classes.size();
    b.of.resize(n);
    b.order.resize(n);
    std::array<uint64_t, 2 * kBuckets / 64> used{};
    // No average exceeds the best possible score (by more than rounding).
    const double scale = (kBuckets - 1) / m_scoreBound;
    for (size_t k = 0; k < n; ++k) {
        const int scaled = std::min(static_cast<int>(averages[k] * scale), kBuckets - 1);
        const int bucket = kBuckets - 1 - scaled + (m_classAveraged[k] ? 0 : kBuckets);
        b.of[k] = static_cast<uint16_t>(bucket);
        ++b.count[bucket];
        used[bucket / 64] |= uint64_t(1) << (bucket % 64);
    }
    const auto forUsed = [&](auto&& visit) {
        for (size_t w = 0; w < used.size(); ++w)
            for (uint64_t bits = used[w]; bits; bits &= bits - 1)
                visit(static_cast<int>(w * 64) + std::countr_zero(bits));
    };
    int position = 0;
    forUsed([&](int bucket) {
        b.next[bucket] = position;
        position += b.count[bucket];
    });
    for (size_t k = 0; k < n; ++k)
        b.order[b.next[b.of[k]]++] = static_cast<int>(k);
    forUsed([&](int bucket) {
        const int end = b.next[bucket], begin = end - b.count[bucket];
        b.count[bucket] = 0;
        for (int i = begin + 1; i < end; ++i) {
            const int k = b.order[i];
            int j = i;
            for (; j > begin && averages[b.order[j - 1]] < averages[k]; --j)
                b.order[j] = b.order[j - 1];
            b.order[j] = k;
        }
    });
    std::vector<ClassAverage> out;
    out.reserve(n);
    for (int k : b.order)
        out.push_back({m_classes[k], averages[k], m_classSize[k], bool(m_classAveraged[k]), int(k)});   // clang 14: no paren-init of aggregates
    return out;
}

Classifier::ObservationKey::ObservationKey(const Fingerprint& fp)
    : mss(fp.tcp_mss), quirks(fp.quirks), window(fp.tcp_window_size), flags(fp.tcp_flags),
      wscale(fp.tcp_window_scaling), ip_version(fp.ip_version),
      initial_ttl(uint8_t(estimateHops(fp.ip_ttl).initial_ttl)), header_length(fp.tcp_header_length),
      option_count(std::min<uint8_t>(fp.option_count, uint8_t(fp.option_kinds.size()))),
      bits(uint8_t(fp.ip_df | fp.ip_mf << 1 | fp.tcp_sack_permitted << 2 | fp.tcp_has_timestamp << 3))
{
    std::copy_n(fp.option_kinds.begin(), option_count, option_kinds.begin());
}

bool Classifier::ObservationKey::operator==(const ObservationKey& o) const
{
    return std::memcmp(this, &o, sizeof *this) == 0;
}

size_t Classifier::KeyHash::operator()(const ObservationKey& k) const
{
    uint64_t words[sizeof k / 8];
    std::memcpy(words, &k, sizeof k);
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (uint64_t w : words) {
        h ^= w;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return size_t(h);
}

const Classification& Classifier::classify(const Fingerprint& fp)
{
    const ObservationKey key(fp);
    // Over each window of lookups, the share of hits: a flood of fingerprints that never come back
    // (spoofed SYNs with random fields) would make every miss an insert that evicts something
    // useful and costs more than the scoring. While hits are that rare, one miss in
    // kSparseInsertEvery is cached (so a fingerprint that does recur is still learnt) and the
    // others are returned uncached, with id 0.
    if (++m_windowLookups == kRateWindow) {
        m_sparse = m_windowHits * 100 < kRateWindow;
        m_windowLookups = m_windowHits = 0;
    }
    if (Classification* hit = m_cache.find(key)) {
        ++m_hits;
        ++m_windowHits;
        return *hit;
    }
    ++m_misses;
    if (m_sparse && m_misses % kSparseInsertEvery != 0) {
        m_uncached = classifyFeatures(Profile::features(fp));
        m_uncached.id = 0;
        return m_uncached;
    }
    return m_cache.insert(key, classifyFeatures(Profile::features(fp)));
}

} // namespace synscope
