// SPDX-License-Identifier: GPL-3.0-or-later
// Choose an interface (with its addresses and up/running state) and a capture filter; the filter
// is compiled with libpcap on a dead handle as it is typed, so a typo is caught before capturing.
#pragma once

#include <QDialog>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QTreeWidget;
QT_END_NAMESPACE

namespace synscope {

class CaptureDialog : public QDialog
{
    Q_OBJECT
public:
    explicit CaptureDialog(const QString& lastInterface, const QString& lastFilter, QWidget* parent = nullptr);

    QString interfaceName() const;
    QString filter() const;
    bool promiscuous() const;

    // libpcap's message when `filter` does not compile for an interface of linkType (the default
    // filter is adapted to it, as the capture does); empty when it is valid.
    static QString validateFilter(const QString& filter, int linkType);

private:
    void updateState();

    QTreeWidget* m_interfaces;
    QLineEdit* m_filter;
    QLabel* m_filterStatus;
    QCheckBox* m_promiscuous;
    QDialogButtonBox* m_buttons;
};

} // namespace synscope
