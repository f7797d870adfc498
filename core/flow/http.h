// SPDX-License-Identifier: GPL-3.0-or-later
// What a client's first bytes on a connection say: an HTTP/1.x request's headers (the
// User-Agent and the proxy headers) or the start of a TLS handshake. Read from the reassembled
// first data of a flow, bounded by what the flow stage keeps.
#pragma once

#include <string>
#include <string_view>

namespace synscope {

struct HttpRequest {
    enum class State : uint8_t {
        NotHttp,     // the bytes cannot be the start of an HTTP/1.x request
        Partial,     // a request line, the headers not yet complete
        Complete,    // request line and headers up to the empty line
    };
    State state = State::NotHttp;
    std::string method;
    std::string target;
    std::string host;
    std::string user_agent;
    std::string sec_ch_ua_platform;          // as sent, quotes included
    std::string sec_ch_ua_platform_version;
    std::string via;
    std::string x_forwarded_for;
    std::string forwarded;
    size_t header_end = 0;                   // Complete: bytes up to and including the empty line
};

// Headers repeated in one request are joined with ", " (RFC 9110 5.3); each value is capped at
// kMaxHeaderValue bytes.
inline constexpr size_t kMaxHeaderValue = 1024;
HttpRequest parseHttpRequest(std::string_view bytes);

// A TLS record header starting a handshake: content type 22, version 3.x.
bool looksLikeTlsHandshake(std::string_view bytes);

} // namespace synscope
