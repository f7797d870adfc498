// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/confidencedelegate.h"

#include "ui/models/connection_model.h"

#include <QPainter>

namespace synscope {

void ConfidenceDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                               const QModelIndex& index) const
{
    QStyledItemDelegate::paint(painter, option, index);
    if (index.data(Qt::DisplayRole).toString().isEmpty())
        return;
    const int percent = std::clamp(index.data(ConnectionModel::ConfidenceRole).toInt(), 0, 100);
    // Below 0.8 the calibration is weak (docs/ACCURACY.md): amber; below 0.5 red.
    const QColor color = percent >= 80 ? QColor(76, 175, 80) : percent >= 50 ? QColor(255, 179, 0)
                                                                           : QColor(229, 57, 53);
    QRect bar = option.rect.adjusted(2, option.rect.height() - 5, -2, -2);
    bar.setWidth(bar.width() * percent / 100);
    painter->fillRect(bar, color);
}

} // namespace synscope
