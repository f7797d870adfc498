// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/match/score_index.h"

#include "core/match/classifier.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <tuple>

namespace synscope {

namespace {

// A free slot of the posting table.
constexpr uint32_t kEmpty = UINT32_MAX;
// The cell value of a term that does not apply there: no observation has it.
constexpr int32_t kNoValue = INT32_MIN;
// An observed layout or notation that no entry has.
constexpr int32_t kUnseen = -1;

// Fields with many values (the window follows buffer sizes, the MSS the path): looked up in
// posting lists instead of splitting cells.
bool isPostingField(ScoredField f)
{
    return f == ScoredField::Window || f == ScoredField::WindowMss || f == ScoredField::Mss;
}

int32_t plainValue(ScoredField f, const Profile::Features& x)
{
    // WindowMss is keyed by entryKeys(); the option strings are interned.
    const FieldDescriptor& d = describe(f);
    return d.value ? d.value(x) : 0;
}

} // namespace

// A run of entries with one score: a cell's entries that no posting term raised, or one group
// that a posting term raised.
struct ScoreIndex::Source {
    Fraction score;
    int possible;
    int cell;    // -1 for a group
    int group;
};

// Per-thread working memory, kept between calls (all-zero where noted).
struct ScoreIndex::Scratch {
    std::vector<int> points;          // per cell
    std::vector<int> hitEntries;      // per cell, zero between calls
    std::vector<uint8_t> candidate;   // per cell
    struct Hit {
        uint32_t terms = 0;   // posting terms that matched
        int ticks = 0;        // their weight
    };
    std::vector<Hit> hits;            // per group, zero between calls
    std::vector<int> touched, candidates;
    std::vector<std::pair<Fraction, int>> floor;
    std::vector<int64_t> slotPoints;
    std::vector<Source> sources;
    std::vector<int> level, runs, nextRuns, merged, spare;
    std::vector<uint64_t> bits;       // per 64 entries, zero between calls
    std::vector<ScoredEntry> pairs;
};

size_t ScoreIndex::KeyHash::operator()(const Key& k) const
{
    uint64_t h = (uint64_t(k.head) << 32 | uint32_t(k.a)) * 0x9e3779b97f4a7c15ULL;
    h ^= uint64_t(uint32_t(k.b)) * 0xff51afd7ed558ccdULL;
    return size_t(h ^ h >> 29);
}

ScoreIndex::ScoreIndex(const Profile& profile, const std::vector<Profile::Features>& groups,
                       const std::vector<int>& groupOf, const std::vector<int>& classOf,
                       const std::vector<int>& classSize)
    : m_profile(profile), m_entries(static_cast<int>(groupOf.size())), m_classSize(classSize)
{
    // Quarters of a weight; ClassicOptions is two terms: the layout's 2/3 (a cell term) and the
    // rest, earned when the whole notation is equal (which implies the layout).
    for (const FieldWeight& fw : profile.weights()) {
        const int ticks = static_cast<int>(std::lround(fw.weight * 4));
        if (fw.field == ScoredField::ClassicOptions) {
            const int layout = static_cast<int>(std::lround(fw.weight * 2.0 / 3.0 * 4));
            m_terms.push_back({fw.field, layout, false, false});
            m_terms.push_back({fw.field, ticks - layout, true, true});
        } else {
            m_terms.push_back({fw.field, ticks, isPostingField(fw.field), false});
        }
    }
    // A weight of 0 changes no score.
    std::erase_if(m_terms, [](const Term& t) { return t.ticks == 0; });
    if (m_terms.size() > 32)
        qFatal("profile %s: more than 32 scored terms", qPrintable(profile.name()));
    for (size_t t = 0; t < m_terms.size(); ++t)
        if (!m_terms[t].posting)
            m_cellTerms.push_back(static_cast<int>(t));

    // Shapes and cells of the groups.
    Profile::Features probe[2];
    probe[1].ip_version = 6;
    std::vector<Shape> shapes;
    std::map<std::pair<uint32_t, uint32_t>, int> shapeIds;
    std::map<std::vector<int32_t>, int> cellIds;
    std::vector<std::vector<int32_t>> cellKeys;
    std::vector<int> groupShape(groups.size());
    m_groupCell.resize(groups.size());
    std::vector<std::vector<int32_t>> termValues(groups.size(),
                                                 std::vector<int32_t>(m_terms.size()));
    for (size_t g = 0; g < groups.size(); ++g) {
        const Profile::Features& e = groups[g];
        Shape shape{};
        for (size_t t = 0; t < m_terms.size(); ++t) {
            for (int v = 0; v < 2; ++v) {
                if (!profile.applies(m_terms[t].field, probe[v], e))
                    continue;
                shape.terms[v] |= 1u << t;
                shape.possible[v] += m_terms[t].ticks;
                if (m_terms[t].posting)
                    shape.postingMax[v] += m_terms[t].ticks;
            }
            termValues[g][t] = termValue(m_terms[t], e);
        }
        const auto [sit, newShape] = shapeIds.try_emplace({shape.terms[0], shape.terms[1]},
                                                          static_cast<int>(shapes.size()));
        if (newShape)
            shapes.push_back(shape);
        groupShape[g] = sit->second;

        std::vector<int32_t> key{sit->second};
        for (int t : m_cellTerms)
            key.push_back((shape.terms[0] | shape.terms[1]) >> t & 1 ? termValues[g][t] : kNoValue);
        const auto [cit, newCell] = cellIds.try_emplace(key, static_cast<int>(cellKeys.size()));
        if (newCell)
            cellKeys.push_back(std::move(key));
        m_groupCell[g] = cit->second;
    }
    // Cells by shape (the map's order): a shape's cells share the score's denominator.
    m_cellCount = static_cast<int>(cellKeys.size());
    {
        std::vector<int> renumber(m_cellCount);
        int id = 0;
        for (const auto& [key, cell] : cellIds)
            renumber[cell] = id++;
        for (int& cell : m_groupCell)
            cell = renumber[cell];
        std::vector<std::vector<int32_t>> sorted(m_cellCount);
        for (int c = 0; c < m_cellCount; ++c)
            sorted[renumber[c]] = std::move(cellKeys[c]);
        cellKeys = std::move(sorted);
        for (int c = 0; c < m_cellCount; ++c)
            if (c == 0 || cellKeys[c][0] != cellKeys[c - 1][0])
                m_shapeCells.push_back({c, 0});
        for (size_t i = 0; i < m_shapeCells.size(); ++i)
            m_shapeCells[i].end =
                i + 1 < m_shapeCells.size() ? m_shapeCells[i + 1].begin : m_cellCount;
    }
    m_cellStride = (m_cellCount + 3) / 4 * 4;
    for (int v = 0; v < 2; ++v)
        m_cellValues[v].assign(m_cellTerms.size() * m_cellStride, kNoValue);
    for (int c = 0; c < m_cellCount; ++c) {
        const Shape& shape = shapes[cellKeys[c][0]];
        for (size_t i = 0; i < m_cellTerms.size(); ++i)
            for (int v = 0; v < 2; ++v)
                if (shape.terms[v] >> m_cellTerms[i] & 1)
                    m_cellValues[v][i * m_cellStride + c] = cellKeys[c][i + 1];
    }

    // Entries of each group and each cell, in database order (counting sort).
    auto bucket = [&](size_t buckets, auto bucketOf, std::vector<int>& begin,
                      std::vector<int>& out) {
        begin.assign(buckets + 1, 0);
        for (int i = 0; i < m_entries; ++i)
            ++begin[bucketOf(i) + 1];
        std::partial_sum(begin.begin(), begin.end(), begin.begin());
        out.resize(m_entries);
        std::vector<int> next(begin.begin(), begin.end() - 1);
        for (int i = 0; i < m_entries; ++i)
            out[next[bucketOf(i)]++] = i;
    };
    bucket(groups.size(), [&](int i) { return groupOf[i]; }, m_groupEntryBegin, m_groupEntries);
    bucket(m_cellCount, [&](int i) { return m_groupCell[groupOf[i]]; }, m_cellEntryBegin,
           m_cellEntries);
    m_groupOf = groupOf;
    for (int v = 0; v < 2; ++v) {
        for (int c = 0; c < m_cellCount; ++c) {
            const Shape& shape = shapes[cellKeys[c][0]];
            const int possible = shape.possible[v];
            m_cellInfo[v].push_back({profile.normalizes() && possible > 0 ? possible : 1, possible,
                                     shape.postingMax[v],
                                     m_cellEntryBegin[c + 1] - m_cellEntryBegin[c]});
        }
    }

    // Slots, per observed IP version: (class, possible), sorted; non-normalizing profiles have
    // one per class.
    std::vector<int> entrySlot[2];
    const int classes = static_cast<int>(classSize.size());
    for (int v = 0; v < 2; ++v) {
        std::map<std::pair<int, int>, int> slotIds;
        for (int i = 0; i < m_entries; ++i)
            if (classOf[i] >= 0)
                slotIds.try_emplace({classOf[i], profile.normalizes()
                                                   ? shapes[groupShape[groupOf[i]]].possible[v]
                                                   : 0}, 0);
        m_classSlotBegin[v].assign(classes + 1, 0);
        int id = 0;
        for (auto& [key, slot] : slotIds) {
            slot = id++;
            m_slotPossible[v].push_back(key.second * 0.25);
            ++m_classSlotBegin[v][key.first + 1];
        }
        std::partial_sum(m_classSlotBegin[v].begin(), m_classSlotBegin[v].end(),
                         m_classSlotBegin[v].begin());
        entrySlot[v].assign(m_entries, -1);
        for (int i = 0; i < m_entries; ++i)
            if (classOf[i] >= 0)
                entrySlot[v][i] = slotIds.at(
                    {classOf[i],
                     profile.normalizes() ? shapes[groupShape[groupOf[i]]].possible[v] : 0});

        // Entries per (slot, cell).
        std::vector<std::pair<int, int>> slotCell;
        for (int c = 0; c < m_cellCount; ++c)
            for (int k = m_cellEntryBegin[c]; k < m_cellEntryBegin[c + 1]; ++k)
                if (entrySlot[v][m_cellEntries[k]] >= 0)
                    slotCell.push_back({entrySlot[v][m_cellEntries[k]], c});
        std::sort(slotCell.begin(), slotCell.end());
        m_slotCellBegin[v].assign(m_slotPossible[v].size() + 1, 0);
        for (size_t k = 0; k < slotCell.size();) {
            size_t end = k;
            while (end < slotCell.size() && slotCell[end] == slotCell[k])
                ++end;
            m_slotCells[v].push_back({slotCell[k].second, static_cast<int>(end - k)});
            ++m_slotCellBegin[v][slotCell[k].first + 1];
            k = end;
        }
        std::partial_sum(m_slotCellBegin[v].begin(), m_slotCellBegin[v].end(),
                         m_slotCellBegin[v].begin());
    }

    // Posting lists: groups by cell (the best entries), entries by slot (the class sums).
    struct GroupKey {
        Key key;
        int cell, group;
    };
    struct SlotKey {
        Key key;
        int slot;
    };
    std::vector<GroupKey> groupKeys;
    std::vector<SlotKey> slotKeys;
    std::vector<Key> keys;
    for (int v = 0; v < 2; ++v) {
        for (size_t t = 0; t < m_terms.size(); ++t) {
            if (!m_terms[t].posting)
                continue;
            const uint32_t head = uint32_t(v) | uint32_t(t) << 1;
            for (size_t g = 0; g < groups.size(); ++g) {
                if (!(shapes[groupShape[g]].terms[v] >> t & 1))
                    continue;
                keys.clear();
                entryKeys(head, m_terms[t], termValues[g][t], groups[g], false, keys);
                for (const Key& k : keys)
                    groupKeys.push_back({k, m_groupCell[g], static_cast<int>(g)});
                keys.clear();
                entryKeys(head, m_terms[t], termValues[g][t], groups[g], true, keys);
                for (const Key& k : keys)
                    for (int e = m_groupEntryBegin[g]; e < m_groupEntryBegin[g + 1]; ++e)
                        if (entrySlot[v][m_groupEntries[e]] >= 0)
                            slotKeys.push_back({k, entrySlot[v][m_groupEntries[e]]});
            }
        }
    }
    std::unordered_map<Key, Posting, KeyHash> postings;
    const auto keyTuple = [](const Key& k) { return std::tuple(k.head, k.a, k.b); };
    std::sort(groupKeys.begin(), groupKeys.end(), [&](const GroupKey& x, const GroupKey& y) {
        return std::tuple(keyTuple(x.key), x.cell, x.group) <
               std::tuple(keyTuple(y.key), y.cell, y.group);
    });
    for (size_t i = 0; i < groupKeys.size();) {
        const Key key = groupKeys[i].key;
        Posting& p = postings[key];
        p.segBegin = static_cast<uint32_t>(m_segments.size());
        while (i < groupKeys.size() && groupKeys[i].key == key) {
            const int cell = groupKeys[i].cell;
            Segment seg{cell, static_cast<int>(m_postingGroups.size()), 0};
            for (; i < groupKeys.size() && groupKeys[i].key == key && groupKeys[i].cell == cell;
                 ++i)
                m_postingGroups.push_back(groupKeys[i].group);
            seg.end = static_cast<int>(m_postingGroups.size());
            m_segments.push_back(seg);
        }
        p.segEnd = static_cast<uint32_t>(m_segments.size());
    }
    std::sort(slotKeys.begin(), slotKeys.end(), [&](const SlotKey& x, const SlotKey& y) {
        return std::tuple(keyTuple(x.key), x.slot) < std::tuple(keyTuple(y.key), y.slot);
    });
    for (size_t i = 0; i < slotKeys.size();) {
        const Key key = slotKeys[i].key;
        Posting& p = postings[key];
        p.countBegin = static_cast<uint32_t>(m_counts.size());
        while (i < slotKeys.size() && slotKeys[i].key == key) {
            const int slot = slotKeys[i].slot;
            int count = 0;
            for (; i < slotKeys.size() && slotKeys[i].key == key && slotKeys[i].slot == slot; ++i)
                ++count;
            m_counts.push_back({slot, count});
        }
        p.countEnd = static_cast<uint32_t>(m_counts.size());
    }
    size_t capacity = 16;
    while (capacity < 2 * postings.size())
        capacity *= 2;
    m_table.assign(capacity, {{kEmpty, 0, 0}, 0});
    for (const auto& [key, posting] : postings) {
        size_t i = KeyHash()(key) & (capacity - 1);
        while (m_table[i].key.head != kEmpty)
            i = (i + 1) & (capacity - 1);
        m_table[i] = {key, static_cast<uint32_t>(m_postingData.size())};
        m_postingData.push_back(posting);
    }
}

int32_t ScoreIndex::termValue(const Term& t, const Profile::Features& f)
{
    if (t.notation)
        return m_notations.try_emplace(f.notation, int32_t(m_notations.size())).first->second;
    if (t.field == ScoredField::OptionLayout || t.field == ScoredField::ClassicOptions)
        return m_layouts.try_emplace(f.layout, int32_t(m_layouts.size())).first->second;
    return plainValue(t.field, f);
}

int32_t ScoreIndex::observedValue(const Term& t, const Profile::Features& f) const
{
    if (t.notation || t.field == ScoredField::OptionLayout ||
        t.field == ScoredField::ClassicOptions) {
        const auto& table = t.notation ? m_notations : m_layouts;
        const auto it = table.find(t.notation ? f.notation : f.layout);
        return it == table.end() ? kUnseen : it->second;
    }
    return plainValue(t.field, f);
}

void ScoreIndex::entryKeys(uint32_t head, const Term& t, int32_t value, const Profile::Features& e,
                           bool intersections, std::vector<Key>& out)
{
    const auto key = [head](Cond c, int32_t a, int32_t b) {
        return Key{head | uint32_t(c) << 7, a, b};
    };
    if (t.field != ScoredField::WindowMss) {
        out.push_back(key(Eq, value, 0));
        return;
    }
    const int32_t k = e.window_multiple, w = e.window;
    const bool max = e.window_max;
    if (k > 0)
        out.push_back(key(Multiple, k, 0));
    if (max)
        out.push_back(key(Max, 0, 0));
    if (w > 0)
        out.push_back(key(Window, w, 0));
    if (!intersections)
        return;
    if (k > 0 && max)
        out.push_back(key(MultipleMax, k, 0));
    if (k > 0 && w > 0)
        out.push_back(key(MultipleWindow, k, w));
    if (max && w > 0)
        out.push_back(key(MaxWindow, w, 0));
    if (k > 0 && max && w > 0)
        out.push_back(key(All, k, w));
}

const ScoreIndex::Posting* ScoreIndex::find(const Key& k) const
{
    const size_t mask = m_table.size() - 1;
    for (size_t i = KeyHash()(k) & mask;; i = (i + 1) & mask) {
        if (m_table[i].key == k)
            return &m_postingData[m_table[i].posting];
        if (m_table[i].key.head == kEmpty)
            return nullptr;
    }
}

double ScoreIndex::score(int64_t points, int possible) const
{
    return m_profile.scaled({points * 0.25, possible * 0.25});
}

void ScoreIndex::appendEntries(const Source& src, size_t limit, const Scratch& s,
                               std::vector<int>& out) const
{
    auto [b, e] = span(src);
    if (src.cell < 0 || s.hitEntries[src.cell] == 0) {
        out.insert(out.end(), b, b + std::min(size_t(e - b), limit));
        return;
    }
    // Skip the entries of groups a posting term raised: they are sources of their own.
    for (size_t n = 0; b != e && n < limit; ++b)
        if (s.hits[m_groupOf[*b]].terms == 0) {
            out.push_back(*b);
            ++n;
        }
}

void ScoreIndex::classify(const Profile::Features& o, size_t topCount, Classification& c,
                          std::vector<double>& averages) const
{
    const int v = o.ip_version == 6 ? 1 : 0;
    thread_local Scratch s;
    // Grown for the largest index this thread has used; the zero parts stay zero.
    const auto atLeast = [](auto& vector, size_t size) {
        if (vector.size() < size)
            vector.resize(size);
    };
    atLeast(s.points, size_t(m_cellStride));
    atLeast(s.hitEntries, size_t(m_cellCount));
    atLeast(s.candidate, size_t(m_cellCount));
    atLeast(s.hits, m_groupCell.size());

    // Points of every cell from its compared terms, four cells at a time (the rows are padded to
    // a multiple of four): much of the work for a database with many kinds of entries.
    using Lanes = int32_t __attribute__((vector_size(16)));
    int* points = s.points.data();
    const int blocks = m_cellStride / 4;
    std::fill(points, points + m_cellStride, 0);
    for (size_t i = 0; i < m_cellTerms.size(); ++i) {
        const Term& t = m_terms[m_cellTerms[i]];
        const Lanes observed = Lanes{} + observedValue(t, o);
        const Lanes w = Lanes{} + t.ticks;
        const int32_t* values = &m_cellValues[v][i * m_cellStride];
        for (int b = 0; b < blocks; ++b) {
            Lanes x, sum;
            std::memcpy(&x, values + 4 * b, sizeof x);
            std::memcpy(&sum, points + 4 * b, sizeof sum);
            sum += (x == observed) & w;
            std::memcpy(points + 4 * b, &sum, sizeof sum);
        }
    }
    const CellInfo* info = m_cellInfo[v].data();

    // A lower bound of the topN-th best score (of the best, at least): every entry of a cell
    // scores at least the cell's points. A cell whose upper bound (every posting term matching)
    // stays below it holds none of the best or top entries. Usually the best cells alone hold
    // enough entries; otherwise the bound comes from the few best cells with their sizes.
    const int wanted = static_cast<int>(std::max<size_t>(topCount, 1));
    Fraction threshold{-1, 1};
    int atThreshold = 0;
    for (const ShapeCells& range : m_shapeCells) {
        int best = -1, count = 0;
        for (int cell = range.begin; cell < range.end; ++cell) {
            if (points[cell] > best) {
                best = points[cell];
                count = info[cell].size;
            } else if (points[cell] == best) {
                count += info[cell].size;
            }
        }
        const Fraction f{best, info[range.begin].den};
        if (greater(f, threshold)) {
            threshold = f;
            atThreshold = count;
        } else if (equal(f, threshold)) {
            atThreshold += count;
        }
    }
    if (atThreshold < wanted) {
        s.floor.clear();   // the best cell scores, descending, with their sizes
        int floorCount = 0;
        for (int cell = 0; cell < m_cellCount; ++cell) {
            const Fraction f{points[cell], info[cell].den};
            if (floorCount >= wanted && !greater(f, s.floor.back().first))
                continue;
            auto at = std::find_if(s.floor.begin(), s.floor.end(),
                                   [&](const auto& x) { return greater(f, x.first); });
            s.floor.insert(at, {f, info[cell].size});
            floorCount += info[cell].size;
            while (floorCount - s.floor.back().second >= wanted) {
                floorCount -= s.floor.back().second;
                s.floor.pop_back();
            }
        }
        threshold = s.floor.back().first;
    }
    // Candidates: (points + postingMax) / den >= threshold, i.e. points >= a bound per shape.
    s.candidates.resize(m_cellCount);
    int candidates = 0;
    for (const ShapeCells& range : m_shapeCells) {
        const int64_t den = info[range.begin].den;
        const int64_t product = threshold.num * den;
        const int bound = static_cast<int>((product + threshold.den - 1) / threshold.den) -
                          info[range.begin].postingMax;
        for (int cell = range.begin; cell < range.end; ++cell) {
            const bool in = points[cell] >= bound;
            s.candidate[cell] = in;
            s.candidates[candidates] = cell;
            candidates += in;
        }
    }
    s.candidates.resize(candidates);

    // Groups of candidate cells that posting terms raise; and the posting terms' share of the
    // class sums, entries per slot.
    const size_t slotCount = m_slotPossible[v].size();
    s.slotPoints.assign(slotCount, 0);
    s.touched.clear();
    visitPostings(o, v, [&](const Posting& p, int sign, int t, bool raises) {
        const int ticks = m_terms[t].ticks;
        for (uint32_t i = p.countBegin; i < p.countEnd; ++i)
            s.slotPoints[m_counts[i].slot] += int64_t(sign * ticks) * m_counts[i].count;
        if (!raises)
            return;
        const uint32_t bit = 1u << t;
        for (uint32_t i = p.segBegin; i < p.segEnd; ++i) {
            const Segment& seg = m_segments[i];
            if (!s.candidate[seg.cell])
                continue;
            for (int k = seg.begin; k < seg.end; ++k) {
                const int g = m_postingGroups[k];
                Scratch::Hit& hit = s.hits[g];
                if (hit.terms & bit)
                    continue;
                if (hit.terms == 0)
                    s.touched.push_back(g);
                hit.terms |= bit;
                hit.ticks += ticks;
            }
        }
    });
    for (int g : s.touched)
        s.hitEntries[m_groupCell[g]] += m_groupEntryBegin[g + 1] - m_groupEntryBegin[g];

    // Sources of the best and top entries: candidate cells (their entries no posting term
    // raised) and raised groups.
    s.sources.resize(s.candidates.size() + s.touched.size());
    Source* next = s.sources.data();
    for (int cell : s.candidates)
        if (s.hitEntries[cell] < info[cell].size)
            *next++ = {{points[cell], info[cell].den}, info[cell].possible, cell, -1};
    for (int g : s.touched) {
        const int cell = m_groupCell[g];
        *next++ = {{points[cell] + s.hits[g].ticks, info[cell].den}, info[cell].possible, -1, g};
    }
    s.sources.resize(size_t(next - s.sources.data()));
    Fraction level = s.sources.front().score;
    int levelPossible = s.sources.front().possible;
    for (const Source& src : s.sources)
        if (greater(src.score, level)) {
            level = src.score;
            levelPossible = src.possible;
        }
    c.best_score = score(level.num, levelPossible);
    c.top.reserve(topCount);
    if (level.num == 0) {
        // Nothing matched anywhere: every entry ties at 0.
        c.best.resize(m_entries);
        std::iota(c.best.begin(), c.best.end(), 0);
        for (int i = 0; i < std::min(static_cast<int>(topCount), m_entries); ++i)
            c.top.push_back({i, c.best_score});
    } else {
        // Every tie of the best score, then (when the top wants more) the other sources level by
        // level, each giving as many entries as the top still needs.
        collectBest(level, s, c.best);
        for (size_t i = 0; i < c.best.size() && c.top.size() < topCount; ++i)
            c.top.push_back({c.best[i], c.best_score});
        if (c.top.size() < topCount) {
            // The rest of the top from the other sources: at most as many entries from each as
            // the top still needs, then the best of those (score, then database order).
            const size_t need = topCount - c.top.size();
            s.pairs.clear();
            for (const Source& src : s.sources) {
                // Below the threshold: not among the topN best.
                if (equal(src.score, level) || greater(threshold, src.score))
                    continue;
                const double value = score(src.score.num, src.possible);
                s.level.clear();
                appendEntries(src, need, s, s.level);
                for (int e : s.level)
                    s.pairs.push_back({e, value});
            }
            const auto last = s.pairs.begin() + std::min(need, s.pairs.size());
            std::partial_sort(s.pairs.begin(), last, s.pairs.end(),
                              [](const ScoredEntry& a, const ScoredEntry& b) {
                                  return a.score != b.score ? a.score > b.score : a.entry < b.entry;
                              });
            c.top.insert(c.top.end(), s.pairs.begin(), last);
        }
    }

    // Class averages: per slot, the cells' points times their entries there, plus the posting
    // terms' share.
    averages.resize(m_classSize.size());
    const CellCount* cellCounts = m_slotCells[v].data();
    const int* slotCells = m_slotCellBegin[v].data();
    const int* classSlots = m_classSlotBegin[v].data();
    const double* slotPossible = m_slotPossible[v].data();
    const int64_t* slotPoints = s.slotPoints.data();
    for (size_t k = 0; k < m_classSize.size(); ++k) {
        double average = 0;
        const int n = m_classSize[k];
        for (int slot = classSlots[k], end = classSlots[k + 1]; slot < end; ++slot) {
            int64_t sum = slotPoints[slot];
            for (int i = slotCells[slot], last = slotCells[slot + 1]; i < last; ++i)
                sum += points[cellCounts[i].cell] * cellCounts[i].count;
            average += classAverageTerm(m_profile, double(sum) * 0.25, slotPossible[slot], n);
        }
        averages[k] = average;
    }

    for (int g : s.touched) {
        s.hitEntries[m_groupCell[g]] = 0;
        s.hits[g] = {};
    }
}

template <typename Visit>
void ScoreIndex::visitPostings(const Profile::Features& o, int v, Visit&& visit) const
{
    for (size_t t = 0; t < m_terms.size(); ++t) {
        const Term& term = m_terms[t];
        if (!term.posting)
            continue;
        const uint32_t head = uint32_t(v) | uint32_t(t) << 1;
        const auto look = [&](Cond cond, int32_t a, int32_t b, int sign) {
            if (const Posting* p = find(Key{head | uint32_t(cond) << 7, a, b}))
                visit(*p, sign, int(t), cond <= Window);
        };
        if (term.field != ScoredField::WindowMss) {
            const int32_t value = observedValue(term, o);
            if (value != kUnseen || !term.notation)
                look(Eq, value, 0, 1);
            continue;
        }
        // A window matches in three ways. Each raises the groups it lists; the class counts add
        // them up by inclusion-exclusion over their intersections.
        const int32_t k = o.window_multiple, w = o.window;
        const bool max = o.window_max;
        if (k > 0)
            look(Multiple, k, 0, 1);
        if (max)
            look(Max, 0, 0, 1);
        if (w > 0)
            look(Window, w, 0, 1);
        if (k > 0 && max)
            look(MultipleMax, k, 0, -1);
        if (k > 0 && w > 0)
            look(MultipleWindow, k, w, -1);
        if (max && w > 0)
            look(MaxWindow, w, 0, -1);
        if (k > 0 && max && w > 0)
            look(All, k, w, 1);
    }
}

std::pair<const int*, const int*> ScoreIndex::span(const Source& src) const
{
    if (src.cell < 0)
        return {m_groupEntries.data() + m_groupEntryBegin[src.group],
                m_groupEntries.data() + m_groupEntryBegin[src.group + 1]};
    return {m_cellEntries.data() + m_cellEntryBegin[src.cell],
            m_cellEntries.data() + m_cellEntryBegin[src.cell + 1]};
}

void ScoreIndex::collectBest(const Fraction& level, Scratch& s, std::vector<int>& best) const
{
    // A raised group scores above the rest of its cell, so a cell at the best score has none:
    // every source here lists all of its entries.
    size_t total = 0;
    s.runs.clear();   // the sources at this level
    for (size_t i = 0; i < s.sources.size(); ++i) {
        if (!equal(s.sources[i].score, level))
            continue;
        s.runs.push_back(static_cast<int>(i));
        const auto [b, e] = span(s.sources[i]);
        total += size_t(e - b);
    }
    if (s.runs.size() > 2 && total > 32 && total * 64 >= size_t(m_entries)) {
        // Many entries from several sources: a bit per database entry, marked and read back in
        // order, costs less than merging pass after pass.
        s.bits.resize(size_t(m_entries + 63) / 64);
        int low = m_entries, high = 0;
        for (int i : s.runs) {
            const auto [b, e] = span(s.sources[size_t(i)]);
            low = std::min(low, *b);
            high = std::max(high, e[-1]);
            for (const int* p = b; p != e; ++p)
                s.bits[size_t(*p) / 64] |= uint64_t(1) << (*p % 64);
        }
        best.resize(total);
        int* out = best.data();
        for (size_t w = size_t(low) / 64; w <= size_t(high) / 64; ++w) {
            for (uint64_t bits = s.bits[w]; bits; bits &= bits - 1)
                *out++ = static_cast<int>(w * 64) + std::countr_zero(bits);
            s.bits[w] = 0;
        }
        return;
    }
    best.reserve(total);
    s.nextRuns.clear();   // where each source's entries end in `best`
    for (int i : s.runs) {
        const auto [b, e] = span(s.sources[size_t(i)]);
        best.insert(best.end(), b, e);
        s.nextRuns.push_back(static_cast<int>(best.size()));
    }
    if (s.nextRuns.size() < 2)
        return;
    if (best.size() <= 32) {
        std::sort(best.begin(), best.end());
        return;
    }
    // Bottom-up, neighbouring runs pairwise: from `best` into one scratch buffer, then between
    // the two, and back.
    const std::vector<int>* from = &best;
    s.merged.resize(best.size());
    s.spare.resize(best.size());
    std::vector<int>* to = &s.merged;
    while (s.nextRuns.size() > 1) {
        s.runs.clear();
        int begin = 0;
        for (size_t r = 0; r < s.nextRuns.size(); r += 2) {
            const int mid = s.nextRuns[r];
            const int end = r + 1 < s.nextRuns.size() ? s.nextRuns[r + 1] : mid;
            std::merge(from->begin() + begin, from->begin() + mid, from->begin() + mid,
                       from->begin() + end, to->begin() + begin);
            s.runs.push_back(end);
            begin = end;
        }
        s.nextRuns.swap(s.runs);
        from = to;
        to = to == &s.merged ? &s.spare : &s.merged;
    }
    std::copy(from->begin(), from->end(), best.begin());
}

} // namespace synscope
