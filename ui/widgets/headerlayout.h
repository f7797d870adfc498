// SPDX-License-Identifier: GPL-3.0-or-later
// Where each fingerprint field sits in the IP+TCP header bytes, so the detail pane can highlight
// the bytes of the field selected in the score table. Plain functions, tested without painting.
#pragma once

#include <QByteArray>
#include <QStringView>

#include <vector>

namespace synscope {

struct ByteRange {
    int offset = 0;
    int length = 0;
    friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// Offset of the TCP header inside `header` (an IPv4 or IPv6 packet starting at its IP header);
// -1 when the IP header is cut or carries an unsupported extension chain.
int tcpHeaderOffset(const QByteArray& header);

// The bytes that carry `field` (a Profile field name such as "ip_ttl", "tcp_window_size",
// "tcp_options", "tcp_mss"); empty for unknown names or fields beyond the captured bytes.
std::vector<ByteRange> fieldByteRanges(QStringView field, const QByteArray& header);

} // namespace synscope
