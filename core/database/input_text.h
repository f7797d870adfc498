// SPDX-License-Identifier: GPL-3.0-or-later
// Input text quoted in error messages: at most a short prefix, so a field of megabytes never
// becomes a message of megabytes (a terminal, a dialog or a log has to show it).
#pragma once

#include <QString>
#include <QStringView>

namespace synscope {

// How many characters of an input text an error message quotes.
inline constexpr qsizetype kQuotedInputChars = 80;

// "text" in double quotes when it has at most kQuotedInputChars characters; otherwise its first
// kQuotedInputChars characters (never half a surrogate pair), an ellipsis and the whole length:
// "M1460,QQQQ…" (10485766 characters).
inline QString quoteInput(QStringView text)
{
    using namespace Qt::StringLiterals;
    if (text.size() <= kQuotedInputChars)
        return u'"' + text.toString() + u'"';
    qsizetype cut = kQuotedInputChars;
    if (text.at(cut - 1).isHighSurrogate())
        --cut;
    // Concatenated, not arg(): a "%1" in the input must stay as it is.
    return u'"' + text.left(cut).toString() + u"…\" ("_s + QString::number(text.size()) +
           u" characters)"_s;
}

// A message from a parser that may quote the input (QXmlStreamReader names entities and tokens),
// clipped the same way but without quotes.
inline QString clipMessage(QStringView text, qsizetype max = 4 * kQuotedInputChars)
{
    using namespace Qt::StringLiterals;
    if (text.size() <= max)
        return text.toString();
    qsizetype cut = max;
    if (text.at(cut - 1).isHighSurrogate())
        --cut;
    return text.left(cut).toString() + u"… ("_s + QString::number(text.size()) + u" characters)"_s;
}

} // namespace synscope
