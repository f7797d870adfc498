// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/host_table.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>

namespace synscope {

namespace {

// What makes two SYNs "the same fingerprint" for the host view: the fields a stack sets, and the
// option notation (optionsHash: std::hash of its text).
uint64_t fingerprintHash(const ConnectionRow& r, uint64_t optionsHash)
{
    uint64_t h = optionsHash;
    const uint64_t fields = uint64_t(r.window) | uint64_t(r.initial_ttl) << 16
        | uint64_t(r.flags & (RowDf | RowHasMss | RowHasWscale)) << 24 | uint64_t(r.ip_version) << 32
        | uint64_t(r.kind) << 40;
    h ^= fields + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

std::atomic<uint64_t> nextTableId{1};

} // namespace

HostTable::HostTable() : m_id(nextTableId++) {}

uint64_t HostTable::hashOf(const IpAddress& address, uint8_t ipVersion)
{
    // splitmix64's finaliser over both halves of the address.
    const auto mix = [](uint64_t x) {
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    };
    uint64_t low, high;
    std::memcpy(&low, address.data(), 8);
    std::memcpy(&high, address.data() + 8, 8);
    return mix(low ^ mix(high + ipVersion));
}

HostTable::Cell& HostTable::cellFor(const IpAddress& address, uint8_t ipVersion, uint64_t hash)
{
    Shard& shard = shardOf(hash);
    if ((shard.used + 1) * 10 > shard.cells.size() * 7)
        grow(shard);
    const uint32_t tag = uint32_t(hash >> 8);
    const size_t mask = shard.cells.size() - 1;
    for (size_t i = tag & mask;; i = (i + 1) & mask) {
        Cell& cell = shard.cells[i];
        if (cell.row == 0)
            return cell;
        if (cell.hash == tag) {
            const HostRecord& h = host(cell.row - 1);
            if (h.address == address && h.ipVersion == ipVersion)
                return cell;
        }
    }
}

void HostTable::grow(Shard& shard)
{
    std::vector<Cell> old(shard.cells.empty() ? 8 : shard.cells.size() * 2);
    old.swap(shard.cells);
    const size_t mask = shard.cells.size() - 1;
    for (const Cell& cell : old) {
        if (cell.row == 0)
            continue;
        size_t i = cell.hash & mask;   // every host is distinct: the first free cell is its place
        while (shard.cells[i].row != 0)
            i = (i + 1) & mask;
        shard.cells[i] = cell;
    }
}

void HostTable::reindex()
{
    for (Shard& shard : m_index) {
        std::fill(shard.cells.begin(), shard.cells.end(), Cell());
        shard.used = 0;
    }
    for (size_t row = 0; row < m_hosts.size(); ++row) {
        const HostRecord& h = m_hosts[row];
        const uint64_t hash = hashOf(h.address, h.ipVersion);
        Cell& cell = cellFor(h.address, h.ipVersion, hash);
        cell = Cell{uint32_t(hash >> 8), uint32_t(row) + 1};
        ++shardOf(hash).used;
    }
    m_indexed = true;
}

size_t HostTable::fingerprintCount(const HostRecord& h) const
{
    if (h.connections == 0)
        return 0;
    return 1 + (h.moreFingerprints ? m_moreFingerprints[h.moreFingerprints - 1].size() : 0);
}

bool HostTable::insertFingerprint(HostRecord& h, uint64_t fp)
{
    if (h.moreFingerprints == 0) {
        if (m_freeFingerprintSets.empty()) {
            m_moreFingerprints.emplace_back();
            h.moreFingerprints = uint32_t(m_moreFingerprints.size());
        } else {
            h.moreFingerprints = m_freeFingerprintSets.back();
            m_freeFingerprintSets.pop_back();
        }
    }
    return m_moreFingerprints[h.moreFingerprints - 1].insert(fp).second;
}

void HostTable::add(const RowBatch& batch, HostDelta* delta)
{
    if (!m_indexed)
        reindex();
    // The notation's hash once per distinct notation of the batch, not once per row.
    std::vector<uint64_t> optionHashes;
    optionHashes.reserve(batch.options.size());
    for (const std::string& options : batch.options)
        optionHashes.push_back(std::hash<std::string>{}(options));
    const uint64_t noOptions = std::hash<std::string>{}(std::string());

    const size_t before = m_hosts.size();
    delta->table = m_id;
    delta->before = numbered();
    m_touched.clear();
    for (const ConnectionRow& r : batch.rows) {
        const uint64_t hash = hashOf(r.src, r.ip_version);
        Cell& cell = cellFor(r.src, r.ip_version, hash);
        uint32_t row;
        if (cell.row == 0) {
            ++shardOf(hash).used;
            row = uint32_t(before + m_pending.size());
            cell = Cell{uint32_t(hash >> 8), row + 1};
            HostRecord& h = m_pending.emplace_back();
            h.address = r.src;
            h.ipVersion = r.ip_version;
            h.firstNs = r.ts_ns;
            h.lastNs = r.ts_ns;
        } else {
            row = cell.row - 1;
            if (row < before)
                m_touched.push_back(row);
        }
        HostRecord& h = host(row);
        h.firstNs = std::min(h.firstNs, r.ts_ns);
        h.lastNs = std::max(h.lastNs, r.ts_ns);
        ++h.connections;
        h.osClass = r.os_class;
        const uint64_t fp = fingerprintHash(
            r, r.options_id < optionHashes.size() ? optionHashes[r.options_id] : noOptions);
        if (h.connections == 1) {
            h.firstFingerprint = fp;
        } else if (fp != h.firstFingerprint && !h.fingerprintsSaturated) {
            const size_t more = h.moreFingerprints ? m_moreFingerprints[h.moreFingerprints - 1].size() : 0;
            if (more + 1 >= kMaxFingerprints && !m_moreFingerprints[h.moreFingerprints - 1].contains(fp))
                h.fingerprintsSaturated = true;
            else if (insertFingerprint(h, fp))
                delta->fingerprints.emplace_back(m_evicted + row, fp);
        }
    }
    std::sort(m_touched.begin(), m_touched.end());
    m_touched.erase(std::unique(m_touched.begin(), m_touched.end()), m_touched.end());
    delta->updated.reserve(m_touched.size());
    for (uint32_t row : m_touched)
        delta->updated.emplace_back(m_evicted + row, m_hosts[row]);
    delta->added = m_pending;
    m_hosts.insert(m_hosts.end(), m_pending.begin(), m_pending.end());
    m_pending.clear();
    // Down to 7/8 of the cap at once, so eviction (and the re-indexing it needs) costs O(1) per
    // host on average.
    if (m_hosts.size() > m_cap) {
        const size_t n = m_hosts.size() - (m_cap - m_cap / 8);
        removeOldest(n);
        reindex();
        delta->evicted = n;
    }
}

bool HostTable::follows(const HostDelta& delta) const
{
    return delta.before == numbered() && (delta.table == m_source || numbered() == 0);
}

void HostTable::applyUpdates(const HostDelta& delta)
{
    for (const auto& [number, record] : delta.updated) {
        HostRecord& h = m_hosts[size_t(number - m_evicted)];
        const uint32_t more = h.moreFingerprints;   // this table's own set
        h = record;
        h.moreFingerprints = more;
    }
    for (const auto& [number, fp] : delta.fingerprints) {
        if (number < delta.before)
            insertFingerprint(m_hosts[size_t(number - m_evicted)], fp);
    }
    m_source = delta.table;
    m_indexed = false;
}

void HostTable::applyAdditions(const HostDelta& delta)
{
    for (const HostRecord& record : delta.added) {
        m_hosts.push_back(record);
        m_hosts.back().moreFingerprints = 0;
    }
    for (const auto& [number, fp] : delta.fingerprints) {
        if (number >= delta.before)
            insertFingerprint(m_hosts[size_t(number - m_evicted)], fp);
    }
    m_source = delta.table;
    m_indexed = false;
}

void HostTable::removeOldest(size_t n)
{
    n = std::min(n, m_hosts.size());
    for (size_t i = 0; i < n; ++i) {
        if (const uint32_t slot = m_hosts[i].moreFingerprints) {
            std::unordered_set<uint64_t>().swap(m_moreFingerprints[slot - 1]);
            m_freeFingerprintSets.push_back(slot);
        }
    }
    m_hosts.erase(m_hosts.begin(), m_hosts.begin() + qsizetype(n));
    m_evicted += n;
    m_indexed = false;
}

void HostTable::assign(const HostTable& other)
{
    m_hosts = other.m_hosts;
    m_moreFingerprints = other.m_moreFingerprints;
    m_freeFingerprintSets = other.m_freeFingerprintSets;
    m_evicted = other.m_evicted;
    m_source = other.m_source;
    m_indexed = false;
}

void HostTable::clear()
{
    m_source = 0;
    m_evicted = 0;
    m_hosts.clear();
    m_pending.clear();
    for (Shard& shard : m_index)
        shard = Shard();
    m_indexed = true;
    m_moreFingerprints.clear();
    m_freeFingerprintSets.clear();
}

} // namespace synscope
