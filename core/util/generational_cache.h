// SPDX-License-Identifier: GPL-3.0-or-later
// A bounded cache that forgets gradually: two generations of at most capacity/2 entries each.
// When the current one is full it becomes the old one (the previous old one is dropped), and an
// old entry found again moves back into the current one. Entries still in use survive any flood
// of new keys, which a wholesale clear at the bound would throw away all at once; the cache never
// holds more than `capacity` entries.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace synscope {

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class GenerationalCache {
public:
    explicit GenerationalCache(size_t capacity)
        : m_half(capacity > 1 ? capacity / 2 : 1), m_filterMask(filterBits(m_half) - 1)
    {
        m_current.filter.assign((m_filterMask + 1) / 64, 0);
        m_old.filter = m_current.filter;
    }

    // The cached value, or nullptr. Valid until the next find() or insert().
    Value* find(const Key& key)
    {
        const size_t h = m_hash(key);
        if (m_current.mayHold(h, m_filterMask))
            if (auto it = m_current.map.find(Probe{key, h}); it != m_current.map.end())
                return &it->second;
        if (!m_old.mayHold(h, m_filterMask))
            return nullptr;
        auto old = m_old.map.find(Probe{key, h});
        if (old == m_old.map.end())
            return nullptr;
        auto node = m_old.map.extract(old);
        makeRoom();
        m_current.note(h, m_filterMask);
        return &m_current.map.insert(std::move(node)).position->second;
    }

    // Stores a value for a key find() did not have. Valid until the next find() or insert().
    Value& insert(const Key& key, Value value)
    {
        makeRoom();
        m_current.note(m_hash(key), m_filterMask);
        return m_current.map.insert_or_assign(key, std::move(value)).first->second;
    }

    size_t size() const { return m_current.map.size() + m_old.map.size(); }
    size_t capacity() const { return 2 * m_half; }
    void clear()
    {
        m_current.clear();
        m_old.clear();
    }

private:
    // Lookups hand the map the hash already computed for the filter.
    struct Probe {
        const Key& key;
        size_t hash;
    };
    struct MapHash : Hash {
        using is_transparent = void;
        using Hash::operator();
        size_t operator()(const Probe& p) const { return p.hash; }
    };
    struct MapEqual {
        using is_transparent = void;
        bool operator()(const Key& a, const Key& b) const { return a == b; }
        bool operator()(const Probe& a, const Key& b) const { return a.key == b; }
        bool operator()(const Key& a, const Probe& b) const { return a == b.key; }
    };
    // Each generation keeps a bit per hash (16 bits per entry it can hold: 32 KiB for the
    // classifier's 16,384, which stay in cache) set for every key it holds: a key that is in
    // neither, as every SYN of a flood of new fingerprints is, is told without walking the maps'
    // scattered nodes.
    struct Generation {
        std::unordered_map<Key, Value, MapHash, MapEqual> map;
        std::vector<uint64_t> filter;
        bool mayHold(size_t h, size_t mask) const
        {
            const size_t bit = h & mask;
            return filter[bit / 64] >> (bit % 64) & 1;
        }
        void note(size_t h, size_t mask)
        {
            const size_t bit = h & mask;
            filter[bit / 64] |= uint64_t(1) << (bit % 64);
        }
        void clear()
        {
            map.clear();
            std::fill(filter.begin(), filter.end(), 0);
        }
    };
    static size_t filterBits(size_t entries)
    {
        size_t bits = 64;
        while (bits < 16 * entries)
            bits *= 2;
        return bits;
    }
    void makeRoom()
    {
        if (m_current.map.size() < m_half)
            return;
        std::swap(m_old, m_current);
        m_current.clear();
    }

    size_t m_half;
    size_t m_filterMask;
    Hash m_hash;
    Generation m_current;
    Generation m_old;
};

} // namespace synscope
