// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/headerlayout.h"

#include <algorithm>

namespace synscope {

std::vector<HeaderField> headerFieldsOf(ScoredField field)
{
    const std::span<const HeaderField> fields = describe(field).headerFields();
    return {fields.begin(), fields.end()};
}

std::vector<ByteRange> byteRanges(const SynRecord& record, std::span<const HeaderField> fields)
{
    std::vector<ByteRange> out;
    for (HeaderField f : fields)
        if (const std::optional<ByteRange> r = headerFieldRange(record, f))
            if (std::find(out.begin(), out.end(), *r) == out.end())
                out.push_back(*r);
    return out;
}

} // namespace synscope
