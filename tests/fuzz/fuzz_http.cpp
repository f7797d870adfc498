// SPDX-License-Identifier: GPL-3.0-or-later
// A client's first bytes on a connection: parseHttpRequest (what the flow stage reads the
// User-Agent and the proxy headers from), looksLikeTlsHandshake, and the User-Agent parser on
// what the request carried, with its client-hint platform. The input is the bytes.
#include "fuzz_common.h"

#include "core/flow/http.h"
#include "core/ua/useragent.h"

#include <string_view>

using namespace synscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const HttpRequest r = parseHttpRequest(bytes);
    (void)looksLikeTlsHandshake(bytes);
    if (r.state == HttpRequest::State::Complete) {
        FUZZ_CHECK(r.header_end > 0 && r.header_end <= size, "header_end %zu of %zu", r.header_end, size);
        // The request is its headers: the same bytes cut at header_end parse the same.
        const HttpRequest again = parseHttpRequest(bytes.substr(0, r.header_end));
        FUZZ_CHECK(again.state == HttpRequest::State::Complete && again.user_agent == r.user_agent
                       && again.host == r.host && again.via == r.via,
                   "the request cut at its end parses differently");
    }
    if (r.state == HttpRequest::State::NotHttp)
        FUZZ_CHECK(r.user_agent.empty() && r.host.empty(), "headers of something that is not HTTP");
    for (const std::string* v : {&r.host, &r.via, &r.x_forwarded_for, &r.forwarded, &r.sec_ch_ua_platform})
        FUZZ_CHECK(v->size() <= size, "a header longer than the input");

    const UaOs ua = parseUserAgent(r.user_agent.empty() ? bytes : std::string_view(r.user_agent),
                                   r.sec_ch_ua_platform, r.sec_ch_ua_platform_version);
    const std::string text = ua.text();
    FUZZ_CHECK(!ua.known() || !text.empty(), "a known OS without a name");
    return 0;
}
