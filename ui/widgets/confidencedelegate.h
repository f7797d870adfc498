// SPDX-License-Identifier: GPL-3.0-or-later
// Draws a verdict's confidence (the model's ConfidenceRole, in percent) as a bar behind its number, so a
// column of weak verdicts stands out at a glance.
#pragma once

#include <QStyledItemDelegate>

namespace synscope {

class ConfidenceDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace synscope
