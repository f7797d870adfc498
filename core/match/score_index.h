// SPDX-License-Identifier: GPL-3.0-or-later
// The classifier's index: the best entries, the top N and the per-class score sums of one
// observation against a whole database, at a cost set by how many kinds of entries the database
// holds rather than by how many entries it holds.
//
// A score is a sum of per-field terms, scaled (normalizing profiles) by one factor per set of
// fields that apply. Entries that apply the same fields form a shape; within a shape, entries
// that agree on every low-cardinality field (option layout, window scale, initial TTL, DF, flags,
// quirks ...) form a cell, and score alike unless a high-cardinality field (window, MSS, the
// option values) matches too. Per observation the index scores every cell once, looks the
// high-cardinality values up in posting lists (only in cells whose upper bound can still reach
// the top), and sums classes from per-cell class counts and per-(value, class) counts. Point
// sums are integers in quarters of a weight (Profile's weights are multiples of 0.25), so ties
// are exact.
#pragma once

#include "core/match/profile.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace synscope {

struct Classification;

// A class's average is the sum of one term per distinct `possible` (see Profile::Tally) among
// its entries, in ascending order of possible: the points those entries scored, scaled and
// divided by n, the class size. Exact point sums and one rounding per term: equal classes average
// to equal doubles, within a few ulp of adding the entries' scores one by one.
inline double classAverageTerm(const Profile& profile, double points, double possible, int n)
{
    if (!profile.normalizes())
        return points / n;
    return possible > 0 ? points * profile.maxScore() / (possible * n) : 0.0;
}

class ScoreIndex {
public:
    // groups: the features of each group of identically scored entries; groupOf: entry -> group;
    // classOf: entry -> class index (0 .. classSize.size()-1) or -1 for none.
    ScoreIndex(const Profile& profile, const std::vector<Profile::Features>& groups,
               const std::vector<int>& groupOf, const std::vector<int>& classOf,
               const std::vector<int>& classSize);

    // Fills c.best_score, c.best, c.top (topCount entries) and averages[k], the average of class
    // k (classAverageTerm()). The database has at least one entry.
    void classify(const Profile::Features& observed, size_t topCount, Classification& c,
                  std::vector<double>& averages) const;

private:
    // Conditions a posting list is keyed by: field equal (Eq), and for WindowMss its three
    // alternatives and their intersections (the class counts add those up by inclusion-exclusion).
    enum Cond : uint8_t { Eq, Multiple, Max, Window, MultipleMax, MultipleWindow, MaxWindow, All };
    struct Key {
        uint32_t head;   // IP version of the observation (0: IPv4, 1: IPv6), term, condition
        int32_t a, b;
        bool operator==(const Key& o) const { return head == o.head && a == o.a && b == o.b; }
    };
    struct KeyHash {
        size_t operator()(const Key& k) const;
    };
    struct Term {
        ScoredField field;
        int ticks;        // weight in quarters
        bool posting;     // high-cardinality: looked up, not compared cell by cell
        bool notation;    // ClassicOptions' share that needs the whole notation (the layout's
                          // share is a cell term)
    };
    struct Shape {
        uint32_t terms[2];   // terms that apply, for an IPv4 / IPv6 observation
        int possible[2];     // their weight in quarters
        int postingMax[2];   // the posting terms' share of that
    };
    struct Segment {
        int cell, begin, end;   // groups [begin, end) of postingGroups, all in `cell`
    };
    struct Posting {
        uint32_t segBegin = 0, segEnd = 0;     // into m_segments (group hits)
        uint32_t countBegin = 0, countEnd = 0; // into m_counts (entries per slot)
    };
    struct SlotCount {
        int slot, count;
    };
    struct Fraction {
        int64_t num, den;
    };
    struct Source;
    struct Scratch;

    int32_t termValue(const Term& t, const Profile::Features& f);   // interns strings
    int32_t observedValue(const Term& t, const Profile::Features& f) const;
    // The keys an entry (or group) is listed under for posting term t; with intersections for the
    // class counts.
    static void entryKeys(uint32_t head, const Term& t, int32_t value, const Profile::Features& e,
                          bool intersections, std::vector<Key>& out);
    const Posting* find(const Key& k) const;
    static bool greater(const Fraction& a, const Fraction& b)
    {
        return a.num * b.den > b.num * a.den;
    }
    static bool equal(const Fraction& a, const Fraction& b)
    {
        return a.num * b.den == b.num * a.den;
    }
    double score(int64_t points, int possible) const;
    // Calls visit(posting, sign, term, raises) for every posting list the observation's values
    // select; raises: a list of groups that match (not an intersection, which only counts).
    template <typename Visit>
    void visitPostings(const Profile::Features& o, int v, Visit&& visit) const;
    // A source's entries in database order: a cell's (including those of raised groups, which
    // appendEntries() skips) or a group's.
    std::pair<const int*, const int*> span(const Source& src) const;
    void appendEntries(const Source& src, size_t limit, const Scratch& s,
                       std::vector<int>& out) const;
    // Every entry of the sources at `level`, in database order.
    void collectBest(const Fraction& level, Scratch& s, std::vector<int>& best) const;

    const Profile& m_profile;
    std::vector<Term> m_terms;
    std::vector<int> m_cellTerms;            // indices of the terms compared per cell
    std::unordered_map<std::string, int32_t> m_layouts, m_notations;   // interned entry values
    int m_entries = 0;

    // Cells: per observed IP version and cell term, the cells' values (terms that do not apply:
    // a value no observation has), so a cell's points are a few compares.
    int m_cellCount = 0;
    int m_cellStride = 0;                    // m_cellCount rounded up to a multiple of 4
    std::vector<int32_t> m_cellValues[2];    // [term][cell], m_cellTerms.size() x m_cellStride
    struct CellInfo {
        int den;           // the score's denominator: possible, or 1 (not normalizing, or none)
        int possible;
        int postingMax;    // what the posting terms can add
        int size;          // entries
    };
    std::vector<CellInfo> m_cellInfo[2];
    struct ShapeCells {
        int begin, end;
    };
    std::vector<ShapeCells> m_shapeCells;    // cells are sorted by shape: each shape's range
    std::vector<int> m_cellEntryBegin;       // m_cellCount + 1 offsets into m_cellEntries
    std::vector<int> m_cellEntries;          // database order within a cell
    struct CellCount {
        int cell, count;
    };
    std::vector<CellCount> m_slotCells[2];   // entries per (slot, cell), by slot
    std::vector<int> m_slotCellBegin[2];     // slots + 1 offsets

    std::vector<int> m_groupOf;              // entry -> group
    std::vector<int> m_groupCell;
    std::vector<int> m_groupEntryBegin;      // groups + 1 offsets into m_groupEntries
    std::vector<int> m_groupEntries;

    // Open addressing, linear probing, at most half full (most observed values are in no list).
    struct TableSlot {
        Key key;
        uint32_t posting;   // into m_postingData
    };
    std::vector<TableSlot> m_table;
    std::vector<Posting> m_postingData;
    std::vector<Segment> m_segments;
    std::vector<int> m_postingGroups;
    std::vector<SlotCount> m_counts;

    // Slots: (class, possible) per observed IP version, sorted by class then possible, so a
    // class's sums are a contiguous ascending run.
    std::vector<double> m_slotPossible[2];   // in weight units
    std::vector<int> m_classSlotBegin[2];    // classes + 1 offsets
    std::vector<int> m_classSize;
};

} // namespace synscope
