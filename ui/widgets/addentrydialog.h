// SPDX-License-Identifier: GPL-3.0-or-later
// "Add to Database": the fingerprints of the selected connections (or of a host) as entries the
// user labels. Filled from capturedEntry(): the fingerprint, the provenance, and when the
// connection sent a User-Agent, the OS it names as the proposed label. The user sets name, OS,
// class (from the database's classes), version, device and notes; one label for all of them.
#pragma once

#include "core/store/fingerprint_store.h"

#include <QDialog>

#include <vector>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
QT_END_NAMESPACE

namespace synscope {

class AddEntryDialog : public QDialog {
    Q_OBJECT
public:
    AddEntryDialog(std::vector<StoredEntry> proposed, const QStringList& classes, QWidget* parent = nullptr);

    // The proposed entries with the label typed in (and the name, for a single entry).
    std::vector<StoredEntry> entries() const;

    QLineEdit* nameEdit() const { return m_name; }
    QLineEdit* osEdit() const { return m_os; }
    QComboBox* classBox() const { return m_class; }
    QLineEdit* versionEdit() const { return m_version; }

private:
    void updateState();

    std::vector<StoredEntry> m_proposed;
    QLineEdit* m_name;
    QLineEdit* m_os;
    QComboBox* m_class;
    QLineEdit* m_version;
    QLineEdit* m_device;
    QPlainTextEdit* m_notes;
    QLabel* m_status;
    QDialogButtonBox* m_buttons;
};

} // namespace synscope
