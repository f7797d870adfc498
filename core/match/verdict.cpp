// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/match/verdict.h"

namespace synscope {

OsVerdict decideOs(const Classification& c, const Database& db)
{
    OsVerdict v;
    for (int i : c.best) {
        if (i < 0 || size_t(i) >= db.entries.size())
            continue;
        if (v.entry < 0)
            v.entry = i;
        const QString& cls = db.entries[size_t(i)].label.os_class;
        if (!cls.isEmpty()) {
            v.entry = i;
            v.os_class = cls;
            break;
        }
    }
    return v;
}

} // namespace synscope
