// SPDX-License-Identifier: GPL-3.0-or-later
// One frame through Decoder::decode. Input: 2 bytes (big-endian) choose the link type, the rest is
// the frame. A supported link type is used as is (the seeds name real link types); any other value
// picks one of the supported types by index, so every mutation of the first two bytes still lands
// on a link type the decoder dispatches on.
#include "fuzz_common.h"

#include <cstring>
#include <memory>
#include <vector>

using namespace synscope;

namespace {

const std::vector<int>& supportedLinkTypes()
{
    static const std::vector<int> types = [] {
        std::vector<int> t;
        for (int lt = 0; lt <= 0xffff; ++lt)
            if (Decoder::supportsLinkType(lt))
                t.push_back(lt);
        return t;
    }();
    return types;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 2)
        return 0;
    const std::vector<int>& types = supportedLinkTypes();
    FUZZ_CHECK(!types.empty(), "no supported link types");
    int linkType = data[0] << 8 | data[1];
    if (!Decoder::supportsLinkType(linkType))
        linkType = types[size_t(linkType) % types.size()];

    // An exact-size copy, so reading one byte past the frame is a heap overflow under ASan even
    // when the input buffer has slack; an empty frame has data == nullptr like a zero caplen could.
    const size_t len = size - 2;
    std::unique_ptr<uint8_t[]> frame(len ? new uint8_t[len] : nullptr);
    if (len)
        std::memcpy(frame.get(), data + 2, len);

    RawPacket pkt;
    pkt.ts_ns = 1700000000123456789;
    pkt.caplen = uint32_t(len);
    pkt.wirelen = uint32_t(len) + (len & 1 ? 0 : 100);   // sometimes a snapped frame
    pkt.link_type = linkType;
    pkt.data = frame.get();

    Decoder decoder;
    SynRecord rec;
    const bool syn = decoder.decode(pkt, rec);
    const DecodeStats& s = decoder.stats();
    FUZZ_CHECK(s.packets == 1, "packets %llu", (unsigned long long)s.packets);
    const uint64_t outcomes = s.syn + s.syn_ack + s.other_tcp + s.non_tcp + s.droppedTotal() +
                              s.unsupportedTotal();
    FUZZ_CHECK(outcomes == 1, "one frame counted %llu times", (unsigned long long)outcomes);
    FUZZ_CHECK(s.unsupportedTotal() == 0, "supported link type %d counted as unsupported", linkType);
    FUZZ_CHECK(syn == (s.syn + s.syn_ack == 1), "decode() result disagrees with the stats");
    if (fuzz::verbose())
        std::fprintf(stderr, "  link type %d: %s\n", linkType,
                     syn ? "SYN record" : s.other_tcp ? "other TCP" : s.non_tcp ? "not TCP" : "dropped");
    if (syn) {
        FUZZ_CHECK(rec.frame == 1, "frame %llu", (unsigned long long)rec.frame);
        fuzz::Harness::instance().run(pkt, rec);
    }
    return 0;
}
