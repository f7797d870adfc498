// SPDX-License-Identifier: GPL-3.0-or-later
// Read-only hex dump of IP+TCP header bytes: the IP header and the TCP header are tinted apart,
// and the byte ranges of the field selected elsewhere are highlighted.
#pragma once

#include "ui/widgets/headerlayout.h"

#include <QPlainTextEdit>

namespace synscope {

class HexView : public QPlainTextEdit
{
    Q_OBJECT
public:
    explicit HexView(QWidget* parent = nullptr);

    // tcpOffset: where the TCP header starts in `bytes` (the decoder's layout); -1 when unknown.
    void setBytes(const QByteArray& bytes, int tcpOffset = -1);
    void setHighlight(const std::vector<ByteRange>& ranges);
    const QByteArray& bytes() const { return m_bytes; }
    const std::vector<ByteRange>& highlight() const { return m_highlight; }

    static constexpr int BytesPerLine = 16;

private:
    QTextEdit::ExtraSelection selectionFor(int byte, const QTextCharFormat& format) const;
    void applySelections();

    QByteArray m_bytes;
    int m_tcpOffset = -1;
    std::vector<ByteRange> m_highlight;
};

} // namespace synscope
