// SPDX-License-Identifier: GPL-3.0-or-later
// The one rule that names a connection's operating system. The CLI's text and JSON, the GUI's
// table, hosts view, overview and exports all show what decideOs() returns, so no two views can
// disagree about the same SYN.
#pragma once

#include "core/database/database.h"
#include "core/match/classifier.h"

namespace synscope {

struct OsVerdict {
    int entry = -1;      // the database entry the verdict rests on; -1 when nothing matched
    QString os_class;    // empty when no best entry carries a class
};

// The first best-scoring entry that names a class (database order breaks ties); when none of the
// best entries has a class, the first best entry and no class. Class averages are shown beside
// the verdict (they penalise classes with many variants), never used to make it.
OsVerdict decideOs(const Classification& c, const Database& db);

} // namespace synscope
