// SPDX-License-Identifier: GPL-3.0-or-later
// Evaluations of a profile on labelled data (docs/SCORING.md): leave-one-out on one database (each
// entry classified against all the others; how the synscope weights were chosen), and the MSS
// shift (labelled observations re-derived behind other MTUs, classified against a database).
#pragma once

#include "core/database/database.h"
#include "core/match/profile.h"

#include <QString>

#include <functional>
#include <map>
#include <vector>

namespace synscope {

struct LeaveOneOutResult {
    int evaluated = 0;        // entries with a class
    int skipped = 0;          // entries without a class (not evaluated)
    int hits_best = 0;        // class of the best entry (first tie in database order) is right
    int hits_average = 0;     // best averaged class is right
    double accuracyBest() const { return evaluated ? double(hits_best) / evaluated : 0.0; }
    double accuracyAverage() const { return evaluated ? double(hits_average) / evaluated : 0.0; }
};

LeaveOneOutResult leaveOneOut(const Database& db, const Profile& profile, int minClassSize = 8);

// What `synscope-cli eval` measures: decideOs() verdicts against labelled entries.
struct VerdictEvaluation {
    struct PerClass {
        int truth = 0;       // labelled entries of the class evaluated
        int predicted = 0;   // verdicts naming the class
        int hits = 0;        // both
        double recall() const { return truth ? double(hits) / truth : 0.0; }
        double precision() const { return predicted ? double(hits) / predicted : 0.0; }
    };
    struct Bucket {          // verdicts whose value falls in [low, high)
        double low = 0, high = 0;
        int n = 0;
        int correct = 0;         // the verdict's claim is right (its class, or its family holds the truth)
        double confidence = 0;   // sum of the verdicts' confidence
    };
    struct Threshold {       // verdicts with confidence >= at (unknown ones excluded), right as in Bucket
        double at = 0;
        int covered = 0;
        int correct = 0;
    };
    int evaluated = 0;       // labelled entries evaluated
    int skipped = 0;         // entries without a class, or alone (nothing left to compare with)
    int correct = 0;         // the verdict names the entry's class
    int family_correct = 0;  // ... or a class or family of the same family (Apple for iOS)
    int unknown = 0;
    int scanner = 0;         // verdicts naming a scanner
    std::map<QString, PerClass> per_class;
    std::map<QString, std::map<QString, int>> confusion;   // truth -> verdict label -> count
    std::vector<Bucket> by_confidence;   // tenths of [0, 1]: the reliability table
    std::vector<Bucket> by_score;        // the best score's share of the perfect score, tenths
    std::vector<Threshold> thresholds;   // 0.5, 0.6, ..., 0.9
    // Each evaluated entry's verdict, in the order evaluated: what a later run is compared with
    // ("which entries now classify differently").
    struct Outcome {
        qint64 uid = 0;      // the labelled entry's DbEntry uid (Database::uidOf)
        QString entry;       // its name
        QString truth;       // its class
        QString verdict;     // OsVerdict::label()
        QString text;        // OsVerdict::text(): the label, or "unknown (closest: ...)"
        double confidence = 0;         // as the outputs show it (OsVerdict::confidencePercent())
        bool correct = false;          // strict: the verdict names the class
        bool family_correct = false;   // ... or its family holds the class
        int index = -1;                // the entry's position in the labelled database
    };
    std::vector<Outcome> outcomes;
    // The outcomes the verdict gets wrong, families merged (what `eval --list` and the Wrong tab
    // show): where a database needs an entry, or where a label is doubtful.
    std::vector<const Outcome*> wrong() const;

    double accuracy() const { return evaluated ? double(correct) / evaluated : 0.0; }
    double familyAccuracy() const { return evaluated ? double(family_correct) / evaluated : 0.0; }
    double unknownRate() const { return evaluated ? double(unknown) / evaluated : 0.0; }
};

// An entry as the SYN its stack would send: unknown fields stay unknown, never filled in from the
// label; a missing TTL becomes 200 (initial 255, which no desktop or mobile family uses) and a
// window given as k x MSS becomes that product.
Fingerprint observationOf(const DbEntry& entry);

// Leave-one-out: each labelled entry against all the others minus its exact duplicates (entries
// with the same scored fields), so an entry is never scored against itself.
// `progress`, when given, is called before each entry with (entries done, total); returning false
// stops the evaluation (the result then covers the entries done).
using EvaluationProgress = std::function<bool(size_t done, size_t total)>;
VerdictEvaluation evaluateLeaveOneOut(const Database& db, const Profile& profile,
                                      const EvaluationProgress& progress = {});
// Every labelled entry of `labelled` against `target`, out of sample.
VerdictEvaluation evaluateAgainst(const Database& target, const Database& labelled,
                                  const Profile& profile);

// The MSS values of the MSS-shift evaluation, for IPv4 (link MTU minus 40): Ethernet, PPPoE, and
// common VPN / tunnel / mobile MTUs. IPv6 observations get 20 less (the same MTUs).
std::vector<int> mssShiftValues();

// The observation re-derived behind another MTU: MSS set to `mss` and, when the stack's rule is
// "largest multiple of the MSS" (isLargestWindowMultiple), the window recomputed by that rule with
// the same unit (MSS, or MSS minus the timestamp option). Everything else is kept. Meant for a
// fingerprint with an MSS option (the notation shows tcp_mss only where the option is).
Fingerprint withMss(const Fingerprint& fp, int mss);

struct MssShiftResult {
    struct PerMss { int mss = 0; int evaluated = 0; int hits = 0; };
    int observations = 0;        // observations evaluated (each at every MSS value)
    int skipped_no_mss = 0;      // no MSS option: nothing to shift
    int skipped_no_class = 0;    // no class, or a class the target database does not have
    int window_rescaled = 0;     // observations whose window follows the MSS (largest multiple)
    int evaluated = 0;           // observations x MSS values
    int hits = 0;                // class of the best entry (first tie in database order) is right
    int other_kind = 0;          // best entry is a SYN+ACK for a SYN or the other way round
    // Observations taken from the target database itself (same id): how often their own entry is
    // among the best (ties included), i.e. the stack is still recognized behind the other MTU.
    int own_evaluated = 0;
    int own_hits = 0;
    std::vector<PerMss> per_mss; // in the order of mssShiftValues(), IPv4 MSS
    double accuracy() const { return evaluated ? double(hits) / evaluated : 0.0; }
};

// Classifies every labelled observation, re-derived at each of mssShiftValues(), against `target`
// and counts how often the best entry has the observation's class.
MssShiftResult mssShift(const Database& target, const std::vector<DbEntry>& observations,
                        const Profile& profile);

} // namespace synscope
