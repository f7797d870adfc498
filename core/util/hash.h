// SPDX-License-Identifier: GPL-3.0-or-later
// FNV-1a over bytes, for the flow stage's small keys (a connection, a client address).
#pragma once

#include <cstddef>
#include <cstdint>

namespace synscope {

inline constexpr uint64_t kFnvOffset = 1469598103934665603ull;

inline uint64_t fnv1a(const uint8_t* p, size_t n, uint64_t h = kFnvOffset)
{
    for (size_t i = 0; i < n; ++i)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

} // namespace synscope
