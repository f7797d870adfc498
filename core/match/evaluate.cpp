// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/match/evaluate.h"

#include "core/match/classifier.h"
#include "core/match/verdict.h"

#include <QHash>
#include <QSet>

#include <algorithm>
#include <map>
#include <memory>

namespace synscope {

LeaveOneOutResult leaveOneOut(const Database& db, const Profile& profile, int minClassSize)
{
    LeaveOneOutResult r;
    Database rest;
    rest.entries.reserve(db.entries.size());
    for (size_t i = 0; i < db.entries.size(); ++i) {
        const DbEntry& held = db.entries[i];
        if (held.label.os_class.isEmpty()) {
            ++r.skipped;
            continue;
        }
        rest.entries.assign(db.entries.begin(), db.entries.begin() + i);
        rest.entries.insert(rest.entries.end(), db.entries.begin() + i + 1, db.entries.end());
        const Classifier classifier(rest, profile, 1, minClassSize);
        const Classification c = classifier.classifyUncached(held.fp);
        ++r.evaluated;
        if (!c.best.empty() && rest.entries[c.best.front()].label.os_class == held.label.os_class)
            ++r.hits_best;
        if (c.bestAveragedClass() == held.label.os_class)
            ++r.hits_average;
    }
    return r;
}

Fingerprint observationOf(const DbEntry& entry)
{
    Fingerprint fp = entry.fp;
    if (!(entry.known & KnownTtl))
        fp.ip_ttl = 200;
    if (entry.window_mss_multiple > 0 && fp.tcp_mss > 0)
        fp.tcp_window_size = static_cast<uint16_t>(std::min(65535, entry.window_mss_multiple * fp.tcp_mss));
    else if (entry.window_mss_max && fp.tcp_mss > 0)
        fp.tcp_window_size = static_cast<uint16_t>(largestWindowMultiple(fp.tcp_mss));
    return fp;
}

namespace {

std::vector<VerdictEvaluation::Bucket> tenths()
{
    std::vector<VerdictEvaluation::Bucket> out(11);
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = {double(i) / 10, i == 10 ? 1.0 + 1e-9 : double(i + 1) / 10, 0, 0, 0};
    out[9].high = 1.0;   // [0.9, 1), and exactly 1 on its own
    return out;
}

void addTo(std::vector<VerdictEvaluation::Bucket>& buckets, double value, bool correct,
           double confidence)
{
    for (VerdictEvaluation::Bucket& b : buckets)
        if (value >= b.low && value < b.high) {
            ++b.n;
            b.correct += correct;
            b.confidence += confidence;
            return;
        }
}

class Tally {
public:
    Tally()
    {
        m_e.by_confidence = tenths();
        m_e.by_score = tenths();
        for (int t = 5; t <= 9; ++t)
            m_e.thresholds.push_back({t / 10.0, 0, 0});
    }

    // `verdictDb` declares the families a verdict and the truth are compared by.
    void add(const DbEntry& held, int index, qint64 uid, const OsVerdict& v, const Database& verdictDb)
    {
        const QString& truth = held.label.os_class;
        ++m_e.evaluated;
        const QString label = v.label();
        ++m_e.confusion[truth][label];
        ++m_e.per_class[truth].truth;
        bool strict = v.kind == OsVerdict::Kind::Class && v.os_class == truth;
        bool family = strict;
        if (v.kind == OsVerdict::Kind::Class) {
            ++m_e.per_class[v.os_class].predicted;
            const Family* f = verdictDb.familyOf(v.os_class);
            family = strict || (f && f->classes.contains(truth));
        } else if (v.kind == OsVerdict::Kind::Family) {
            const Family* f = verdictDb.familyOf(v.members.value(0));   // members are its classes
            family = f && f->classes.contains(truth);
        } else if (v.kind == OsVerdict::Kind::Scanner) {
            ++m_e.scanner;
            family = strict = truth == Database::kScannerClass;
        } else {
            ++m_e.unknown;
        }
        if (strict)
            ++m_e.per_class[truth].hits;
        m_e.correct += strict;
        m_e.family_correct += family;
        // What the confidence promises: that the verdict's own claim is right (a class verdict
        // names the class, a family verdict holds it).
        const bool right = strict || (v.kind == OsVerdict::Kind::Family && family);
        if (!v.unknown()) {
            addTo(m_e.by_confidence, v.confidence, right, v.confidence);
            for (VerdictEvaluation::Threshold& t : m_e.thresholds)
                if (v.confidence >= t.at) {
                    ++t.covered;
                    t.correct += right;
                }
        }
        addTo(m_e.by_score, v.max_score > 0 ? v.score / v.max_score : 0.0, right, v.confidence);
        m_e.outcomes.push_back({uid, held.id, truth, label, v.text(), v.confidencePercent() / 100.0, strict, family, index});
    }
    void skip() { ++m_e.skipped; }
    VerdictEvaluation result() && { return std::move(m_e); }

private:
    VerdictEvaluation m_e;
};

} // namespace

VerdictEvaluation evaluateLeaveOneOut(const Database& db, const Profile& profile,
                                      const EvaluationProgress& progress)
{
    Tally tally;
    std::vector<std::string> keys;
    keys.reserve(db.entries.size());
    for (const DbEntry& e : db.entries)
        keys.push_back(profile.entryKey(Profile::features(e)));
    Database rest;
    rest.families = db.families;
    rest.min_class_size = db.min_class_size;
    for (size_t i = 0; i < db.entries.size(); ++i) {
        if (progress && !progress(i, db.entries.size()))
            break;
        const DbEntry& held = db.entries[i];
        if (held.label.os_class.isEmpty()) {
            tally.skip();
            continue;
        }
        rest.entries.clear();
        for (size_t j = 0; j < db.entries.size(); ++j)
            if (keys[j] != keys[i])
                rest.entries.push_back(db.entries[j]);
        if (rest.entries.empty()) {
            tally.skip();
            continue;
        }
        const Classifier classifier(rest, profile, kVerdictTopN);
        tally.add(held, int(i), db.uidOf(int(i)), decideOs(classifier.classifyUncached(observationOf(held)), rest), rest);
    }
    return std::move(tally).result();
}

VerdictEvaluation evaluateAgainst(const Database& target, const Database& labelled,
                                  const Profile& profile)
{
    Tally tally;
    const Classifier classifier(target, profile, kVerdictTopN);
    for (size_t i = 0; i < labelled.entries.size(); ++i) {
        const DbEntry& e = labelled.entries[i];
        if (e.label.os_class.isEmpty() || target.entries.empty()) {
            tally.skip();
            continue;
        }
        tally.add(e, int(i), labelled.uidOf(int(i)), decideOs(classifier.classifyUncached(observationOf(e)), target), target);
    }
    return std::move(tally).result();
}

std::vector<const VerdictEvaluation::Outcome*> VerdictEvaluation::wrong() const
{
    std::vector<const Outcome*> out;
    for (const Outcome& o : outcomes)
        if (!o.family_correct)
            out.push_back(&o);
    return out;
}

std::vector<int> mssShiftValues()
{
    return {1460, 1452, 1440, 1400, 1380, 1360};
}

Fingerprint withMss(const Fingerprint& fp, int mss)
{
    Fingerprint out = fp;
    if (isLargestWindowMultiple(fp.tcp_window_size, fp.tcp_mss, fp.tcp_has_timestamp)) {
        const bool ofMss = fp.tcp_window_size == largestWindowMultiple(fp.tcp_mss);
        out.tcp_window_size = static_cast<uint16_t>(
            largestWindowMultiple(ofMss ? mss : mss - kTimestampOptionBytes));
    }
    out.tcp_mss = mss;
    return out;
}

MssShiftResult mssShift(const Database& target, const std::vector<DbEntry>& observations,
                        const Profile& profile)
{
    MssShiftResult r;
    const std::vector<int> values = mssShiftValues();
    for (int mss : values)
        r.per_mss.push_back({mss, 0, 0});
    // A field the observation does not know (the zardaxt list has no quirks and mostly no TTL) is
    // not scored either: one masked copy of the target per distinct set of known fields.
    std::map<uint32_t, std::pair<Database, std::unique_ptr<Classifier>>> byKnown;
    auto classifierFor = [&](uint32_t known) -> const Classifier& {
        auto [it, inserted] = byKnown.try_emplace(known);
        if (inserted) {
            Database& masked = it->second.first;
            masked.entries = target.entries;
            // The IP version is always known for an observation (imports without it are IPv4).
            for (DbEntry& e : masked.entries)
                e.known &= known | KnownIpVersion;
            it->second.second = std::make_unique<Classifier>(masked, profile, 1);
        }
        return *it->second.second;
    };
    QHash<QString, int> targetIndex;
    QSet<QString> classes;
    for (size_t i = 0; i < target.entries.size(); ++i) {
        targetIndex.insert(target.entries[i].id, static_cast<int>(i));
        classes.insert(target.entries[i].label.os_class);
    }
    for (const DbEntry& o : observations) {
        if (o.fp.tcp_mss <= 0) {
            ++r.skipped_no_mss;
            continue;
        }
        if (o.label.os_class.isEmpty() || !classes.contains(o.label.os_class)) {
            ++r.skipped_no_class;
            continue;
        }
        ++r.observations;
        if (isLargestWindowMultiple(o.fp.tcp_window_size, o.fp.tcp_mss, o.fp.tcp_has_timestamp))
            ++r.window_rescaled;
        const Classifier& classifier = classifierFor(o.known);
        const int own = targetIndex.value(o.id, -1);
        const int ipOffset = o.fp.ip_version == 6 ? 20 : 0;
        for (size_t k = 0; k < values.size(); ++k) {
            const Fingerprint shifted = withMss(o.fp, values[k] - ipOffset);
            const Classification c = classifier.classifyUncached(shifted);
            const bool hit = !c.best.empty() &&
                             target.entries[c.best.front()].label.os_class == o.label.os_class;
            ++r.evaluated;
            ++r.per_mss[k].evaluated;
            r.hits += hit;
            r.per_mss[k].hits += hit;
            r.other_kind += !c.best.empty() &&
                            target.entries[c.best.front()].fp.isSynAck() != o.fp.isSynAck();
            if (own >= 0) {
                ++r.own_evaluated;
                r.own_hits += std::find(c.best.begin(), c.best.end(), own) != c.best.end();
            }
        }
    }
    return r;
}

} // namespace synscope
