// SPDX-License-Identifier: GPL-3.0-or-later
// A bounded cache that forgets gradually: two generations of at most capacity/2 entries each.
// When the current one is full it becomes the old one (the previous old one is dropped), and an
// old entry found again moves back into the current one. Entries still in use survive any flood
// of new keys, which a wholesale clear at the bound would throw away all at once; the cache never
// holds more than `capacity` entries.
#pragma once

#include <cstddef>
#include <functional>
#include <unordered_map>
#include <utility>

namespace synscope {

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class GenerationalCache {
public:
    explicit GenerationalCache(size_t capacity) : m_half(capacity > 1 ? capacity / 2 : 1) {}

    // The cached value, or nullptr. Valid until the next find() or insert().
    Value* find(const Key& key)
    {
        if (auto it = m_current.find(key); it != m_current.end())
            return &it->second;
        auto old = m_old.find(key);
        if (old == m_old.end())
            return nullptr;
        auto node = m_old.extract(old);
        makeRoom();
        return &m_current.insert(std::move(node)).position->second;
    }

    // Stores a value for a key find() did not have. Valid until the next find() or insert().
    Value& insert(const Key& key, Value value)
    {
        makeRoom();
        return m_current.insert_or_assign(key, std::move(value)).first->second;
    }

    size_t size() const { return m_current.size() + m_old.size(); }
    size_t capacity() const { return 2 * m_half; }
    void clear()
    {
        m_current.clear();
        m_old.clear();
    }

private:
    void makeRoom()
    {
        if (m_current.size() < m_half)
            return;
        m_old = std::move(m_current);
        m_current.clear();
    }

    size_t m_half;
    std::unordered_map<Key, Value, Hash> m_current;
    std::unordered_map<Key, Value, Hash> m_old;
};

} // namespace synscope
