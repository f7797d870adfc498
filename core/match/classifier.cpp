// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/match/classifier.h"

#include "core/detect/detect.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <atomic>
#include <numeric>

namespace synscope {

namespace {
// Scores are sums of a few binary-exact weights; the tolerance only guards the normalization.
constexpr double kTieEpsilon = 1e-9;
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
            const auto found = std::find(m_classes.begin(), m_classes.end(), cls);
            classIndex = static_cast<int>(found - m_classes.begin());
            if (found == m_classes.end()) {
                m_classes.push_back(cls);
                m_classSize.push_back(0);
            }
            ++m_classSize[classIndex];
        }
        m_classOf.push_back(classIndex);
    }
}

Classification Classifier::classifyUncached(const Fingerprint& fp) const
{
    return classifyFeatures(Profile::features(fp));
}

Classification Classifier::classifyFeatures(const Profile::Features& observed) const
{
    static std::atomic<uint64_t> lastId{0};
    Classification c;
    c.id = ++lastId;
    c.max_score = m_profile.maxScore();
    const size_t n = m_db.entries.size();
    if (n == 0)
        return c;

    std::vector<double> groupScore(m_groups.size());
    for (size_t g = 0; g < m_groups.size(); ++g)
        groupScore[g] = m_profile.score(observed, m_groups[g]);

    c.best_score = *std::max_element(groupScore.begin(), groupScore.end());
    std::vector<double> classSum(m_classes.size(), 0.0);
    for (size_t i = 0; i < n; ++i) {
        const double s = groupScore[m_groupOf[i]];
        if (s >= c.best_score - kTieEpsilon)
            c.best.push_back(static_cast<int>(i));
        if (m_classOf[i] >= 0)
            classSum[m_classOf[i]] += s;
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

    for (size_t k = 0; k < m_classes.size(); ++k)
        c.averages.push_back({m_classes[k], classSum[k] / m_classSize[k], m_classSize[k],
                              m_classSize[k] >= m_minClassSize});
    std::stable_sort(c.averages.begin(), c.averages.end(),
                     [](const ClassAverage& a, const ClassAverage& b) {
                         if (a.averaged != b.averaged)
                             return a.averaged;
                         return a.average > b.average;
                     });
    return c;
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
