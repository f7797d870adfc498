// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/hexview.h"

#include <QFontDatabase>
#include <QScrollBar>
#include <QTextBlock>

namespace synscope {

namespace {
constexpr int kOffsetWidth = 6;   // "0000  "
}

HexView::HexView(QWidget* parent)
    : QPlainTextEdit(parent)
{
    setReadOnly(true);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setPlaceholderText(tr("Select a connection to see its IP and TCP header bytes."));
    // Room for a full line: offset, 16 bytes and the gap after the eighth.
    const QString widest = QString(6 + BytesPerLine * 3 + 1, QLatin1Char('0'));
    setMinimumWidth(fontMetrics().horizontalAdvance(widest) + 2 * frameWidth()
                    + document()->documentMargin() * 2 + verticalScrollBar()->sizeHint().width());
}

void HexView::setBytes(const QByteArray& bytes, int tcpOffset)
{
    m_bytes = bytes;
    m_tcpOffset = tcpOffset >= 0 && tcpOffset <= bytes.size() ? tcpOffset : -1;
    m_highlight.clear();
    QString text;
    for (int line = 0; line * BytesPerLine < bytes.size(); ++line) {
        if (line > 0)
            text += QLatin1Char('\n');
        text += QStringLiteral("%1  ").arg(line * BytesPerLine, 4, 16, QLatin1Char('0'));
        const int end = std::min<int>(bytes.size(), (line + 1) * BytesPerLine);
        for (int i = line * BytesPerLine; i < end; ++i) {
            text += QStringLiteral("%1").arg(static_cast<uint8_t>(bytes.at(i)), 2, 16, QLatin1Char('0'));
            if (i + 1 < end)
                text += (i % 8 == 7) ? QStringLiteral("  ") : QStringLiteral(" ");
        }
    }
    setPlainText(text);
    applySelections();
}

void HexView::setHighlight(const std::vector<ByteRange>& ranges)
{
    m_highlight = ranges;
    applySelections();
}

QTextEdit::ExtraSelection HexView::selectionFor(int byte, const QTextCharFormat& format) const
{
    const int line = byte / BytesPerLine;
    const int col = byte % BytesPerLine;
    const int start = kOffsetWidth + col * 3 + (col >= 8 ? 1 : 0);
    QTextCursor cursor(document()->findBlockByNumber(line));
    cursor.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor, start);
    cursor.movePosition(QTextCursor::Right, QTextCursor::KeepAnchor, 2);
    return {cursor, format};
}

void HexView::applySelections()
{
    QList<QTextEdit::ExtraSelection> selections;
    QTextCharFormat ipFormat;
    ipFormat.setForeground(palette().color(QPalette::Link));
    QTextCharFormat tcpFormat;
    tcpFormat.setForeground(palette().color(QPalette::Text));
    const int ipEnd = m_tcpOffset < 0 ? m_bytes.size() : m_tcpOffset;
    for (int i = 0; i < m_bytes.size(); ++i)
        selections.append(selectionFor(i, i < ipEnd ? ipFormat : tcpFormat));

    QTextCharFormat marked;
    marked.setBackground(QColor(255, 214, 102));
    marked.setForeground(Qt::black);
    marked.setFontWeight(QFont::Bold);
    for (const ByteRange& r : m_highlight)
        for (int i = r.offset; i < r.offset + r.length && i < m_bytes.size(); ++i)
            selections.append(selectionFor(i, marked));
    setExtraSelections(selections);

    if (!m_highlight.empty()) {
        QTextCursor c(document()->findBlockByNumber(m_highlight.front().offset / BytesPerLine));
        setTextCursor(c);
        ensureCursorVisible();
    }
}

} // namespace synscope
