// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/match/evaluate.h"

#include "core/match/classifier.h"

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
