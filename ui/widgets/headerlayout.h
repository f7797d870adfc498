// SPDX-License-Identifier: GPL-3.0-or-later
// Which header bytes the detail pane highlights for a scored field: the header fields the field
// reads, at the places the decoder recorded for them (core/decode headerFieldRange).
#pragma once

#include "core/decode/decoder.h"
#include "core/match/profile.h"

#include <span>
#include <vector>

namespace synscope {

// The header fields a scored field is computed from.
std::vector<HeaderField> headerFieldsOf(ScoredField field);

// The byte ranges of `fields` in the record's headers, in order and without duplicates; fields
// the packet does not carry, or carries beyond its captured header bytes, are left out.
std::vector<ByteRange> byteRanges(const SynRecord& record, std::span<const HeaderField> fields);

} // namespace synscope
