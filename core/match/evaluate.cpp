// SPDX-License-Identifier: GPL-3.0-or-later
#include "evaluate.h"

#include "match/classifier.h"

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

} // namespace synscope
