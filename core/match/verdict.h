// SPDX-License-Identifier: GPL-3.0-or-later
// The one rule that names what sent a SYN: an OS class, a family when the best evidence cannot
// separate classes (Apple: macOS or iOS), a scanner or tool, or unknown when nothing matches well
// enough; with a calibrated confidence and the reasons. The CLI's text and JSON, the GUI's table,
// hosts view, overview, filter and exports all show what decideOs() returns, so no two views can
// disagree about the same SYN. docs/ACCURACY.md measures it.
#pragma once

#include "core/database/database.h"
#include "core/match/classifier.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <vector>

namespace synscope {

struct OsVerdict {
    enum class Kind : uint8_t {
        Class,     // one OS class
        Family,    // the best entries span classes of one family
        Scanner,   // a scanner or tool (class Database::kScannerClass)
        Unknown,   // the best score is too low, or there is nothing to compare with
    };
    Kind kind = Kind::Unknown;
    int entry = -1;          // the best entry the verdict rests on (the nearest guess); -1: none
    QString os_class;        // Class: the class; Family: the family; Scanner: the tool's name;
                             // Unknown: empty
    QString nearest;         // the best entry's class (or tool), also when the verdict is Unknown
    QStringList members;     // Family: the family's classes among the best entries
    double score = 0;        // the best classed entry's score, out of max_score
    double max_score = 0;
    double confidence = 0;   // in [0, 1]: the share of such verdicts that are right (calibrated)

    // The evidence, kept as numbers: a verdict is decided for every new fingerprint (a flood of
    // them included), its reasons are written only for the outputs that show them.
    enum class Limit : uint8_t { None, NoEntries, NoClass, WeakScore, BelowMinConfidence };
    Limit limit = Limit::None;
    double min_confidence = 0;
    int tied = 0;            // classed entries tied at the best classed score
    int agreeing = 0;        // of them, of the verdict's class
    QStringList others;      // ambiguous: the other tied classes, "Windows (1)"
    int next_entry = -1;     // the best entry of another class (outside the family); -1: none
    double next_score = 0;
    bool contested = false;  // next_score within kContestedWithin of the score: less sure
    int unclassed_above = 0; // entries without a class that score above the verdict's entries
    double unclassed_score = 0;

    // "best entry linux-6-default at 10/10", "next other class: Windows at 6/10", ...
    QStringList reasons(const Database& db) const;

    bool unknown() const { return kind == Kind::Unknown; }
    // The confidence as every output shows it, in hundredths: one rounding, so the JSON's 0.95,
    // the text's and the table's agree for the same SYN.
    int confidencePercent() const { return int(std::lround(std::clamp(confidence, 0.0, 1.0) * 100)); }
    QString confidenceText() const { return QString::number(confidencePercent() / 100.0, 'f', 2); }
    // What every view shows: "Linux", "Apple (macOS or iOS)", "scanner: nmap",
    // "unknown (closest: Linux, 3.1/10)", "unknown" without any entry.
    QString text() const;
    // The same without the closest guess's score: a label views can count and filter by.
    QString label() const;
};

// Below this share of the perfect score the best entry is only "the closest": the verdict is
// unknown. Chosen on data (docs/ACCURACY.md).
inline constexpr double kUnknownBelow = 0.6;
// Another class within this share of the perfect score of the verdict's makes it contested, which
// the confidence is calibrated by (docs/ACCURACY.md).
inline constexpr double kContestedWithin = 0.2;

// How many best entries a classification must list (Classifier's topN) for the verdict's margin
// over the next class.
inline constexpr int kVerdictTopN = 5;

// minConfidence: a verdict less sure than this is unknown too (synscope-cli --min-confidence).
OsVerdict decideOs(const Classification& c, const Database& db, double minConfidence = 0);

// Every label decideOs() can give for this database, in a fixed order: the classes (in order of
// first appearance), then each family, each scanner, and "unknown" last. Views number them.
std::vector<QString> verdictLabels(const Database& db);

// Numbers verdictLabels(): what views store per row, count and filter by.
class VerdictLabels {
public:
    static constexpr uint16_t kNone = 0xFFFF;   // no verdict (no database)

    VerdictLabels() = default;
    explicit VerdictLabels(const Database& db);
    uint16_t idOf(const QString& label) const;   // kNone for a label the database cannot give
    // idOf(v.label()), without building the label for the commonest verdict of a flood
    // (unknown).
    uint16_t idOf(const OsVerdict& v) const { return v.unknown() ? m_unknown : idOf(v.label()); }
    QString name(uint16_t id) const;             // empty for kNone
    int size() const { return int(m_names.size()); }

private:
    std::vector<QString> m_names;
    QHash<QString, uint16_t> m_ids;
    uint16_t m_unknown = kNone;
};

// "Apple (macOS or iOS)": a family's label, naming its classes.
QString familyLabel(const Family& family);

} // namespace synscope
