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
    m_index = std::make_unique<const ScoreIndex>(profile, m_groups, m_groupOf, m_classOf, m_classSize);
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

    std::vector<double> averages(m_classes.size());
    for (size_t k = 0; k < m_classes.size(); ++k) {
        std::vector<ClassSum> sums;
        for (const auto& [possible, points] : classSums[k])
            sums.push_back({possible, points});
        averages[k] = classAverage(m_profile, sums.data(), sums.size(), m_classSize[k]);
    }
    c.averages = orderedAverages(averages);
    return c;
}

std::vector<ClassAverage> Classifier::orderedAverages(const std::vector<double>& averages) const
{
    // Averaged classes first, then by average descending, ties in order of first appearance.
    const size_t n = m_classes.size();
    thread_local std::vector<int> order;
    order.resize(n);
    const auto insertionSort = [&](int begin, int end) {
        for (int i = begin + 1; i < end; ++i) {
            const int k = order[i];
            int j = i;
            for (; j > begin && averages[order[j - 1]] < averages[k]; --j)
                order[j] = order[j - 1];
            order[j] = k;
        }
    };
    // Many classes: a counting sort on the scaled average first (stable, so ties keep their
    // order), several times faster than a comparison sort; the insertion sort then only orders
    // within a bucket.
    constexpr size_t kFewClasses = 24;
    constexpr int kBuckets = 128;   // per half (averaged, not averaged)
    if (n <= kFewClasses) {
        size_t averaged = 0;
        for (size_t k = 0; k < n; ++k)
            if (m_classAveraged[k])
                order[averaged++] = static_cast<int>(k);
        for (size_t k = 0, rest = averaged; k < n; ++k)
            if (!m_classAveraged[k])
                order[rest++] = static_cast<int>(k);
        insertionSort(0, static_cast<int>(averaged));
        insertionSort(static_cast<int>(averaged), static_cast<int>(n));
    } else {
        // No average exceeds the best possible score (by more than rounding).
        const double scale = (kBuckets - 1) / m_scoreBound;
        thread_local std::vector<uint8_t> bucketOf;
        std::array<int, 2 * kBuckets + 1> start{};
        bucketOf.resize(n);
        for (size_t k = 0; k < n; ++k) {
            const int b = kBuckets - 1 - std::min(static_cast<int>(averages[k] * scale), kBuckets - 1) +
                          (m_classAveraged[k] ? 0 : kBuckets);
            bucketOf[k] = static_cast<uint8_t>(b);
            ++start[b + 1];
        }
        std::partial_sum(start.begin(), start.end(), start.begin());
        std::array<int, 2 * kBuckets> next;
        std::copy(start.begin(), start.end() - 1, next.begin());
        for (size_t k = 0; k < n; ++k)
            order[next[bucketOf[k]]++] = static_cast<int>(k);
        for (int b = 0; b < 2 * kBuckets; ++b)
            if (start[b + 1] - start[b] > 1)
                insertionSort(start[b], start[b + 1]);
    }
    std::vector<ClassAverage> out;
    out.reserve(n);
    for (int k : order)
        out.push_back({m_classes[k], averages[k], m_classSize[k], bool(m_classAveraged[k])});
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
    if (Classification* hit = m_cache.find(key)) {
        ++m_hits;
        return *hit;
    }
    ++m_misses;
    return m_cache.insert(key, classifyFeatures(Profile::features(fp)));
}

} // namespace synscope
