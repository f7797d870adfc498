// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/match/verdict.h"

#include <algorithm>
#include <iterator>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

// Observed accuracy of a verdict by its best score (share of the perfect score) and by whether
// it is contested: another class (outside the verdict's family) among the top N entries within
// kContestedWithin of the best. `synscope-cli eval` on the zardaxt 2021 and p0f databases
// (leave-one-out) and the zardaxt entries against the default database, 691 verdicts pooled, per
// tenth of the score, made monotone by pooling adjacent tenths (docs/ACCURACY.md, "Calibration"):
// 94% of the uncontested verdicts are right and 59% of the contested ones, at any score above
// 0.7, which the score alone hid. A score between two points is interpolated; a verdict whose
// best entries disagree gets this times the share of them that agree.
struct CalibrationPoint {
    double score;
    double accuracy;
};
constexpr CalibrationPoint kUncontested[] = {{0.65, 0.60}, {0.75, 0.945}, {1.00, 0.945}};
constexpr CalibrationPoint kContested[] = {{0.65, 0.37}, {0.75, 0.64}, {1.00, 0.64}};

template <size_t N>
double calibrated(const CalibrationPoint (&table)[N], double share)
{
    if (share <= table[0].score)
        return table[0].accuracy;
    for (size_t i = 1; i < N; ++i) {
        const CalibrationPoint& a = table[i - 1];
        const CalibrationPoint& b = table[i];
        if (share <= b.score)
            return a.accuracy + (b.accuracy - a.accuracy) * (share - a.score) / (b.score - a.score);
    }
    return table[N - 1].accuracy;
}

QString points(double score, double max)
{
    return u"%1/%2"_s.arg(score, 0, 'g', 3).arg(max, 0, 'g', 3);
}

QString entryName(const DbEntry& e)
{
    return e.id.isEmpty() ? e.label.os_name : e.id;
}

// What a best entry names: its class, or for a scanner its tool.
QString nameOf(const DbEntry& e)
{
    return e.label.os_class == Database::kScannerClass && !e.label.os_name.isEmpty() ? e.label.os_name
                                                                                     : e.label.os_class;
}

} // namespace

QString familyLabel(const Family& family)
{
    const QStringList& c = family.classes;
    QString list = c.back();
    if (c.size() > 1)
        list = QStringList(c.begin(), c.end() - 1).join(u", "_s) + u" or "_s + list;
    return u"%1 (%2)"_s.arg(family.name, list);
}

QString OsVerdict::label() const
{
    switch (kind) {
    case Kind::Class: return os_class;
    case Kind::Family: return os_class;   // decideOs() stores the family's label
    case Kind::Scanner: return u"scanner: "_s + os_class;
    case Kind::Unknown: return u"unknown"_s;
    }
    return QString();
}

QString OsVerdict::text() const
{
    if (kind != Kind::Unknown || nearest.isEmpty())
        return label();
    return u"unknown (closest: %1, %2)"_s.arg(nearest, points(score, max_score));
}

OsVerdict decideOs(const Classification& c, const Database& db, double minConfidence)
{
    OsVerdict v;
    v.score = c.best_score;
    v.max_score = c.max_score;
    v.min_confidence = minConfidence;
    const auto valid = [&](int i) { return i >= 0 && size_t(i) < db.entries.size(); };

    // The classes of the evidence, with how many entries each has, in order of appearance.
    struct Count {
        const QString* cls;
        int n;
        int first;   // the first best entry of the class
    };
    std::vector<Count> counts;
    const auto count = [&](int i) {
        const QString& cls = db.entries[size_t(i)].label.os_class;
        auto it = std::find_if(counts.begin(), counts.end(), [&](const Count& k) { return *k.cls == cls; });
        if (it == counts.end())
            counts.push_back({&cls, 1, i});
        else
            ++it->n;
    };
    // Entries without a class name no OS: when the best ones carry none (an unlabelled capture in
    // a user's store, a third-party entry without a label), the verdict rests on the best classed
    // entries among the top N instead of turning a near-perfect match into "unknown".
    int firstBest = -1;
    for (int i : c.best) {
        if (!valid(i))
            continue;
        if (firstBest < 0)
            firstBest = i;
        if (!db.entries[size_t(i)].label.os_class.isEmpty())
            count(i);
    }
    if (firstBest < 0) {
        v.limit = OsVerdict::Limit::NoEntries;
        return v;
    }
    if (counts.empty()) {
        for (const ScoredEntry& s : c.top) {
            if (!valid(s.entry) || db.entries[size_t(s.entry)].label.os_class.isEmpty())
                continue;
            if (!counts.empty() && s.score != v.score)
                break;   // top is ordered by score: the classed entries tied at the best classed score
            v.score = s.score;
            count(s.entry);
        }
        if (counts.empty()) {
            v.entry = firstBest;
            v.nearest = entryName(db.entries[size_t(firstBest)]);
            v.limit = OsVerdict::Limit::NoClass;
            return v;
        }
        // All the best entries, and the unclassed ones of the top between them and the evidence.
        v.unclassed_above = int(std::count_if(c.best.begin(), c.best.end(), valid)) +
                            int(std::count_if(c.top.begin(), c.top.end(), [&](const ScoredEntry& s) {
                                return valid(s.entry) && s.score < c.best_score && s.score > v.score;
                            }));
        v.unclassed_score = c.best_score;
    }

    // The class most of the tied best entries have (the first of equals); a family when all of
    // them belong to one.
    const Count& top = *std::max_element(counts.begin(), counts.end(),
                                         [](const Count& a, const Count& b) { return a.n < b.n; });
    v.entry = top.first;
    v.nearest = nameOf(db.entries[size_t(v.entry)]);
    for (const Count& k : counts)
        v.tied += k.n;
    v.agreeing = top.n;
    double share = 1.0;   // of the tied best entries that agree with the verdict
    const Family* family = counts.size() > 1 ? db.familyOf(*counts.front().cls) : nullptr;
    if (family && std::all_of(counts.begin(), counts.end(),
                              [&](const Count& k) { return db.familyOf(*k.cls) == family; })) {
        v.kind = OsVerdict::Kind::Family;
        v.os_class = familyLabel(*family);
        for (const Count& k : counts)
            v.members << *k.cls;
        v.agreeing = v.tied;
    } else {
        v.kind = *top.cls == Database::kScannerClass ? OsVerdict::Kind::Scanner : OsVerdict::Kind::Class;
        v.os_class = v.nearest;
        if (counts.size() > 1) {
            share = double(top.n) / v.tied;
            for (const Count& k : counts)
                if (&k != &top)
                    v.others << u"%1 (%2)"_s.arg(*k.cls).arg(k.n);
        }
    }

    // The margin over the best entry of another class (outside the verdict's family).
    for (const ScoredEntry& s : c.top) {
        if (!valid(s.entry))
            continue;
        const QString& cls = db.entries[size_t(s.entry)].label.os_class;
        if (cls.isEmpty() || cls == *top.cls || (v.kind == OsVerdict::Kind::Family && v.members.contains(cls)))
            continue;
        v.next_entry = s.entry;
        v.next_score = s.score;
        break;
    }

    const double scoreShare = c.max_score > 0 ? v.score / c.max_score : 0.0;
    v.contested = v.next_entry >= 0 && v.score - v.next_score < kContestedWithin * c.max_score;
    v.confidence = (v.contested ? calibrated(kContested, scoreShare) : calibrated(kUncontested, scoreShare)) * share;
    const bool weak = scoreShare < kUnknownBelow;
    if (weak || v.confidence < minConfidence) {
        v.kind = OsVerdict::Kind::Unknown;
        v.os_class.clear();
        v.members.clear();
        v.limit = weak ? OsVerdict::Limit::WeakScore : OsVerdict::Limit::BelowMinConfidence;
    }
    return v;
}

QStringList OsVerdict::reasons(const Database& db) const
{
    QStringList out;
    const auto valid = [&](int i) { return i >= 0 && size_t(i) < db.entries.size(); };
    if (limit == Limit::NoEntries)
        return {u"no database entry to compare with"_s};
    if (limit == Limit::NoClass)
        return {u"the best entries carry no class"_s};
    if (unclassed_above > 0)
        out << u"%1 entries without a class score higher (%2): they name no OS"_s.arg(unclassed_above).arg(
                   points(unclassed_score, max_score));
    if (valid(entry))
        out << u"best entry %1 at %2"_s.arg(entryName(db.entries[size_t(entry)]), points(score, max_score));
    if (!members.isEmpty())
        out << u"the best entries span %1, which SYNs cannot tell apart"_s.arg(members.join(u", "_s));
    if (!others.isEmpty())
        out << u"ambiguous: %1 of %2 tied best entries are %3, the others %4"_s.arg(agreeing).arg(tied).arg(
                   nearest, others.join(u", "_s));
    if (valid(next_entry))
        out << u"next other class: %1 at %2%3"_s.arg(db.entries[size_t(next_entry)].label.os_class,
                                                     points(next_score, max_score),
                                                     contested ? u" (close: contested)"_s : QString());
    if (limit == Limit::WeakScore)
        out << u"best score %1 is below %2: no entry matches well enough"_s.arg(
                   points(score, max_score), points(kUnknownBelow * max_score, max_score));
    else if (limit == Limit::BelowMinConfidence)
        out << u"confidence %1 is below the minimum %2"_s.arg(confidenceText()).arg(min_confidence, 0, 'f', 2);
    return out;
}

std::vector<QString> verdictLabels(const Database& db)
{
    std::vector<QString> out;
    const auto add = [&out](const QString& s) {
        if (!s.isEmpty() && std::find(out.begin(), out.end(), s) == out.end())
            out.push_back(s);
    };
    for (const DbEntry& e : db.entries)
        if (e.label.os_class != Database::kScannerClass)
            add(e.label.os_class);
    for (const Family& f : db.families)
        add(familyLabel(f));
    for (const DbEntry& e : db.entries)
        if (e.label.os_class == Database::kScannerClass)
            add(u"scanner: "_s + nameOf(e));
    add(u"unknown"_s);
    return out;
}

VerdictLabels::VerdictLabels(const Database& db)
{
    for (QString& label : verdictLabels(db)) {
        if (m_names.size() >= kNone)   // more labels than ids: the rest show as no verdict
            break;
        m_ids.insert(label, uint16_t(m_names.size()));
        m_names.push_back(std::move(label));
    }
    m_unknown = idOf(OsVerdict().label());
}

uint16_t VerdictLabels::idOf(const QString& label) const
{
    return m_ids.value(label, kNone);
}

QString VerdictLabels::name(uint16_t id) const
{
    return id < m_names.size() ? m_names[id] : QString();
}

} // namespace synscope
