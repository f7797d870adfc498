// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/headerlayout.h"

#include <algorithm>

namespace synscope {

std::vector<HeaderField> headerFieldsOf(ScoredField field)
{
    using H = HeaderField;
    switch (field) {
    case ScoredField::IpVersion: return {H::IpVersion};
    case ScoredField::Df:
    case ScoredField::Mf: return {H::IpFragment};
    case ScoredField::Window: return {H::TcpWindow};
    case ScoredField::WindowMss: return {H::TcpWindow, H::OptMss};
    case ScoredField::Flags: return {H::TcpFlags};
    case ScoredField::HeaderLength: return {H::TcpHeaderLength};
    case ScoredField::Mss: return {H::OptMss};
    case ScoredField::ClassicOptions:
    case ScoredField::OptionLayout: return {H::TcpOptions};
    case ScoredField::InitialTtl: return {H::IpTtl};
    case ScoredField::WindowScale: return {H::OptWscale};
    case ScoredField::Timestamp: return {H::OptTimestamp};
    case ScoredField::Sack: return {H::OptSack};
    case ScoredField::Ecn: return {H::IpTos, H::TcpFlags};
    case ScoredField::Quirks: return {H::IpFragment, H::IpId, H::TcpOptions};
    case ScoredField::Kind: return {H::TcpFlags};
    }
    return {};
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
