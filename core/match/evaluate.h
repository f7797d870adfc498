// SPDX-License-Identifier: GPL-3.0-or-later
// Leave-one-out evaluation of a profile on a labelled database: each entry is classified against
// all the others. This is how the synscope profile's weights were chosen (docs/SCORING.md).
#pragma once

#include "database/database.h"
#include "match/profile.h"

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

} // namespace synscope
