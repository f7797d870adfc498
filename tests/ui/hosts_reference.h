// SPDX-License-Identifier: GPL-3.0-or-later
// Test helpers for the hosts view: its rows and the signals a model emits as string lists, and
// what the view must show for a sequence of batches, computed the plain way (maps and sets, no
// shared code with ui/models/host_table.cpp).
#pragma once

#include "ui/models/host_model.h"

#include <QStringList>

#include <deque>
#include <map>
#include <set>
#include <string>
#include <tuple>

namespace testmodels {

// One line per host: address, first and last seen (ns), connections, fingerprints, OS guess.
inline QStringList hostRows(const synscope::HostModel& hosts)
{
    using synscope::HostModel;
    QStringList rows;
    for (int r = 0; r < hosts.rowCount(); ++r) {
        rows << QStringList{hosts.index(r, HostModel::Address).data().toString(),
                            hosts.index(r, HostModel::FirstSeen).data(HostModel::SortRole).toString(),
                            hosts.index(r, HostModel::LastSeen).data(HostModel::SortRole).toString(),
                            hosts.index(r, HostModel::Connections).data().toString(),
                            hosts.index(r, HostModel::Fingerprints).data().toString(),
                            hosts.index(r, HostModel::OsGuess).data().toString()}
                    .join(u" | "_qs);
    }
    return rows;
}

// Appends every insertion, removal, change and reset `model` announces to *log, in order.
inline void recordSignals(QAbstractItemModel& model, QStringList* log)
{
    QObject::connect(&model, &QAbstractItemModel::rowsInserted, [log](const QModelIndex&, int first, int last) {
        *log << u"insert %1-%2"_qs.arg(first).arg(last);
    });
    QObject::connect(&model, &QAbstractItemModel::rowsRemoved, [log](const QModelIndex&, int first, int last) {
        *log << u"remove %1-%2"_qs.arg(first).arg(last);
    });
    QObject::connect(&model, &QAbstractItemModel::dataChanged, [log](const QModelIndex& from, const QModelIndex& to) {
        *log << u"change %1,%2-%3,%4"_qs.arg(from.row()).arg(from.column()).arg(to.row()).arg(to.column());
    });
    QObject::connect(&model, &QAbstractItemModel::modelReset, [log] { *log << u"reset"_qs; });
}

// The hosts view's rules: one host per (IP version, source address) in order of first
// appearance; a fingerprint is window, initial TTL, DF / MSS / window-scale presence, IP version,
// kind and option notation, counted up to HostModel::kMaxFingerprints ("4096+" beyond); after a
// batch that takes the hosts over the cap, the oldest go down to 7/8 of it.
class ExpectedHosts {
public:
    explicit ExpectedHosts(size_t cap) : m_cap(cap) {}

    void add(const synscope::RowBatch& batch)
    {
        using namespace synscope;
        const VerdictLabels classes = batch.database ? VerdictLabels(*batch.database) : VerdictLabels();
        for (const ConnectionRow& r : batch.rows) {
            const Key key{r.ip_version, r.src};
            auto [it, added] = m_hosts.try_emplace(key);
            Host& h = it->second;
            if (added) {
                m_order.push_back(key);
                h.first = h.last = r.ts_ns;
            }
            h.first = std::min(h.first, r.ts_ns);
            h.last = std::max(h.last, r.ts_ns);
            ++h.connections;
            h.os = classes.name(r.os_class);
            const Fingerprint fp{r.window, r.initial_ttl, uint8_t(r.flags & (RowDf | RowHasMss | RowHasWscale)),
                                 r.ip_version, r.kind,
                                 r.options_id < batch.options.size() ? batch.options[r.options_id] : std::string()};
            if (h.saturated || h.fingerprints.contains(fp))
                continue;
            if (h.fingerprints.size() >= HostModel::kMaxFingerprints)
                h.saturated = true;
            else
                h.fingerprints.insert(fp);
        }
        if (m_order.size() > m_cap) {
            const size_t n = m_order.size() - (m_cap - m_cap / 8);
            for (size_t i = 0; i < n; ++i) {
                m_hosts.erase(m_order.front());
                m_order.pop_front();
            }
            m_evicted += n;
        }
    }

    // In the format of hostRows().
    QStringList rows() const
    {
        QStringList out;
        for (const Key& key : m_order) {
            const Host& h = m_hosts.at(key);
            out << QStringList{QString::fromStdString(synscope::formatAddress(key.second, key.first)),
                               QString::number(h.first), QString::number(h.last),
                               QString::number(h.connections),
                               h.saturated ? u"%1+"_qs.arg(h.fingerprints.size())
                                           : QString::number(h.fingerprints.size()),
                               h.os}
                       .join(u" | "_qs);
        }
        return out;
    }
    uint64_t evicted() const { return m_evicted; }

private:
    using Key = std::pair<uint8_t, synscope::IpAddress>;
    using Fingerprint = std::tuple<uint16_t, uint8_t, uint8_t, uint8_t, uint8_t, std::string>;
    struct Host {
        int64_t first = 0, last = 0;
        uint64_t connections = 0;
        std::set<Fingerprint> fingerprints;
        bool saturated = false;
        QString os;
    };
    size_t m_cap;
    std::map<Key, Host> m_hosts;
    std::deque<Key> m_order;
    uint64_t m_evicted = 0;
};

} // namespace testmodels
