// SPDX-License-Identifier: GPL-3.0-or-later
// Decimal text of small non-negative integers, two digits per step from a table: what the report
// writers spend most of their formatting time on (std::to_chars is several times slower for the
// one- to five-digit numbers a SYN is made of).
#pragma once

#include <cstdint>

namespace synscope {

// Writes `v` at `out` (room for 10 bytes) and returns the end.
inline char* writeDecimal(char* out, uint32_t v)
{
    static constexpr char kPairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    const int digits = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5
                     : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
    char* const end = out + digits;
    char* q = end;
    while (v >= 100) {
        const uint32_t pair = v % 100 * 2;
        v /= 100;
        *--q = kPairs[pair + 1];
        *--q = kPairs[pair];
    }
    if (v >= 10) {
        *--q = kPairs[v * 2 + 1];
        *--q = kPairs[v * 2];
    } else {
        *--q = char('0' + v);
    }
    return end;
}

} // namespace synscope
