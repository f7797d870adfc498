// SPDX-License-Identifier: GPL-3.0-or-later
// Scores an observed fingerprint against a whole database with one profile: best score, every
// tie, the top N entries and per-class averages. An index (score_index.h) makes a fingerprint
// not seen before cost about the same whatever the database's size; results are cached by the
// observation's decoded fields.
#pragma once

#include "core/database/database.h"
#include "core/match/profile.h"
#include "core/match/score_index.h"
#include "core/util/generational_cache.h"

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace synscope {

struct ScoredEntry {
    int entry;           // index into Database::entries
    double score;
};

struct ClassAverage {
    QString os_class;
    // The class's entry scores summed / n, from exact point sums (classAverageTerm(): equal
    // classes average to equal doubles).
    double average;
    int n;
    bool averaged;       // n >= the classifier's minimum class size
    int index = 0;       // the class's position in the classifier's classes (first appearance)
};

struct Classification {
    // Unique in the process for every classification a Classifier caches or makes uncached, so
    // consumers can cache what they derive from it; 0 when default-constructed and for what
    // classify() returns uncached during a flood: consumers derive from it afresh, never cache.
    uint64_t id = 0;
    double max_score = 0;          // the profile's perfect score
    double best_score = 0;
    std::vector<int> best;         // every entry with best_score, in database order
    std::vector<ScoredEntry> top;  // top N by score, stable (database order on ties)
    // Averaged classes first (average descending, ties in order of first appearance), then the
    // classes below the minimum size, same order. Entries without a class are left out.
    std::vector<ClassAverage> averages;

    // The first averaged class, or empty when no class reaches the minimum size.
    QString bestAveragedClass() const;
};

class Classifier {
public:
    // minClassSize 0: the database's own min_class_size.
    Classifier(const Database& db, const Profile& profile, int topN = 5, int minClassSize = 0);

    // The reference stays valid until the next classify() call.
    const Classification& classify(const Fingerprint& fp);
    // Without the cache (one-off scoring, tests).
    Classification classifyUncached(const Fingerprint& fp) const;
    // The same by scoring every group of entries, without the index: the reference the index is
    // tested and measured against.
    Classification classifyExhaustive(const Fingerprint& fp) const;

    const Database& database() const { return m_db; }
    const Profile& profile() const { return m_profile; }
    size_t cacheSize() const { return m_cache.size(); }
    uint64_t cacheHits() const { return m_hits; }
    uint64_t cacheMisses() const { return m_misses; }

    // Ordinary traffic has tens to thousands of distinct fingerprints; a flood of random ones
    // must not grow the process (a Classification with its lists is about 0.5 KB).
    static constexpr size_t kMaxCacheEntries = 32768;

private:
    Classification classifyFeatures(const Profile::Features& observed) const;
    Classification start() const;
    // Classes ordered as Classification::averages lists them, from averages[class index].
    std::vector<ClassAverage> orderedAverages(const std::vector<double>& averages) const;

    const Database& m_db;
    const Profile& m_profile;
    int m_topN;
    int m_minClassSize;
    // Entries whose scored fields (and known bits) are identical score identically: the index
    // and the exhaustive reference work on these groups.
    std::vector<Profile::Features> m_groups;
    std::vector<int> m_groupOf;        // entry -> group
    std::vector<QString> m_classes;    // distinct classes in order of first appearance
    std::vector<int> m_classOf;        // entry -> class index, -1 without a class
    std::vector<int> m_classSize;
    std::vector<uint8_t> m_classAveraged;   // size >= the minimum class size
    double m_scoreBound = 1;                // no score exceeds it
    std::unique_ptr<const ScoreIndex> m_index;
    // Every decoded field Profile::features() reads, in fixed-size binary form: a cache hit
    // builds no string and allocates nothing. (Wider than any profile's key: observations that
    // differ only in a field the profile ignores are cached apart, and classified alike.)
    struct ObservationKey {
        std::array<uint8_t, 40> option_kinds{};   // the first option_count, the rest zero
        int32_t mss = 0;
        uint32_t quirks = 0;
        uint16_t window = 0, flags = 0;
        int16_t wscale = 0;
        uint8_t ip_version = 0, initial_ttl = 0, header_length = 0, option_count = 0;
        uint8_t bits = 0;   // df, mf, sack, timestamp
        uint8_t zero[5] = {};   // the rest of 64 bytes, zero: keys compare and hash as bytes

        explicit ObservationKey(const Fingerprint& fp);
        bool operator==(const ObservationKey& o) const;
    };
    static_assert(sizeof(ObservationKey) == 64 && offsetof(ObservationKey, zero) == 59,
                  "no hidden padding in the cache key");
    struct KeyHash {
        size_t operator()(const ObservationKey& k) const;
    };
    GenerationalCache<ObservationKey, Classification, KeyHash> m_cache{kMaxCacheEntries};
    uint64_t m_hits = 0;
    uint64_t m_misses = 0;
    // The flood guard of classify().
    static constexpr uint32_t kRateWindow = 4096;
    static constexpr uint64_t kSparseInsertEvery = 16;
    uint32_t m_windowLookups = 0;
    uint32_t m_windowHits = 0;
    bool m_sparse = false;
    Classification m_uncached;   // what classify() returned without caching it
};

} // namespace synscope
