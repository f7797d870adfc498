// SPDX-License-Identifier: GPL-3.0-or-later
// One classified SYN as the outside world sees it: a JSON object (synscope-cli --json, GUI export)
// and the human-readable block synscope-cli prints. Shared so the CLI and the GUI say the same.
#pragma once

#include "detect/detect.h"
#include "fingerprint/fingerprint.h"
#include "match/classifier.h"

#include <QJsonObject>
#include <QString>

namespace synscope {

struct ClassifiedRecord {
    const SynRecord& record;
    const Classification& classification;
    const Database& database;
    HopEstimate hops;
    LinkEstimate link;
};

ClassifiedRecord classifiedRecord(const SynRecord& record, const Classification& classification,
                                  const Database& database);

// "Linux 6.1" from an entry's label: OS name and version, or the id when unlabelled.
QString entryLabel(const DbEntry& entry);
// The OS guess: the class of the first best-scoring entry (database order), or empty.
QString osGuess(const Classification& c, const Database& db);

QJsonObject toJson(const ClassifiedRecord& r, int maxGuesses = 3);
// The seed-style block: addresses, kind, fingerprint, best guesses with score out of the maximum,
// per-class averages. Ends with a newline.
QString toText(const ClassifiedRecord& r, int maxGuesses = 3);

QString linkTypeName(int linkType);
QString formatTimestamp(int64_t tsNs);

} // namespace synscope
