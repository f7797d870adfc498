// SPDX-License-Identifier: GPL-3.0-or-later
// Database > Edit Database: the workbench over a FingerprintStore (ui/models/database_model.h).
// A table of entries with a text, class, origin and conflict filter, sorting and a column chooser,
// the count of entries per class, editing in place with validating editors, delete, enable and
// disable, merge of exact duplicates, import (with what was skipped and why) and export, and
// undo/redo of all of it. Every change is saved at once; the main window publishes it as a new
// snapshot through DatabaseModel::changed().
#pragma once

#include "core/store/fingerprint_store.h"

#include <QMainWindow>

QT_BEGIN_NAMESPACE
class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
QT_END_NAMESPACE

namespace synscope {

class DatabaseFilterModel;
class DatabaseModel;

class DatabaseWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit DatabaseWindow(DatabaseModel* model, QWidget* parent = nullptr);

    DatabaseModel* model() const { return m_model; }
    DatabaseFilterModel* filterModel() const { return m_filter; }
    QTableView* view() const { return m_view; }
    QLabel* countsLabel() const { return m_counts; }
    QLineEdit* textFilter() const { return m_text; }
    QComboBox* classFilter() const { return m_classBox; }

    // Imports each file; returns the report (imported, skipped and why, per file). *ok is false
    // when a file could not be imported at all (its error is in the report).
    QString importFiles(const QStringList& paths, bool* ok);
    // Writes the selected entries; false with *message on failure, else *message says how many.
    bool exportTo(const QString& path, EntryFormat format, const EntrySelection& selection, QString* message);
    // Ids of the entries selected in the view.
    std::vector<qint64> selectedIds() const;
    void deleteSelected();
    void setSelectedEnabled(bool enabled);
    void mergeDuplicates();

private:
    void importDialog();
    void exportDialog(bool mineOnly);
    void updateCounts();
    void updateFilterChoices();
    void report(const QString& message);
    // One undoable removal: `done` is reported, or why the store refused it.
    void removeEntries(const std::vector<qint64>& ids, const QString& command, const QString& done);

    DatabaseModel* m_model;
    DatabaseFilterModel* m_filter;
    QTableView* m_view;
    QLineEdit* m_text;
    QComboBox* m_classBox;
    QComboBox* m_originBox;
    QCheckBox* m_conflictsOnly;
    QLabel* m_counts;
    QAction* m_deleteAction;
    QAction* m_enableAction;
    QAction* m_disableAction;
};

} // namespace synscope
