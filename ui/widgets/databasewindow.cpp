// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/databasewindow.h"

#include "ui/models/database_model.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QRegularExpressionValidator>
#include <QSaveFile>
#include <QStatusBar>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QToolBar>
#include <QToolTip>
#include <QUndoStack>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

// Editors that refuse what cannot be valid while it is typed (a TTL of 300, a window of "abc");
// the model validates again with the database reader and says why when it refuses.
class EntryDelegate : public QStyledItemDelegate {
public:
    EntryDelegate(DatabaseModel* model, QObject* parent) : QStyledItemDelegate(parent), m_model(model) {}

    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        switch (index.column()) {
        case DatabaseModel::Class: {
            auto* box = new QComboBox(parent);
            box->addItems(m_model->classes());
            return box;
        }
        case DatabaseModel::Ttl: {
            auto* edit = new QLineEdit(parent);
            edit->setValidator(new QIntValidator(1, 255, edit));
            edit->setPlaceholderText(tr("1-255, empty: unknown"));
            return edit;
        }
        case DatabaseModel::Window: {
            auto* edit = new QLineEdit(parent);
            edit->setValidator(new QRegularExpressionValidator(
                QRegularExpression(u"\\d{0,5}|mss\\*(\\d{0,4}|m|ma|max)?"_s), edit));
            edit->setPlaceholderText(tr("0-65535, mss*N or mss*max"));
            return edit;
        }
        default: return QStyledItemDelegate::createEditor(parent, option, index);
        }
    }
    void setEditorData(QWidget* editor, const QModelIndex& index) const override
    {
        if (auto* box = qobject_cast<QComboBox*>(editor))
            box->setCurrentText(index.data(Qt::EditRole).toString());
        else
            QStyledItemDelegate::setEditorData(editor, index);
    }
    void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override
    {
        if (auto* box = qobject_cast<QComboBox*>(editor))
            model->setData(index, box->currentText());
        else
            QStyledItemDelegate::setModelData(editor, model, index);
    }

private:
    static QString tr(const char* s) { return QCoreApplication::translate("EntryDelegate", s); }
    DatabaseModel* m_model;
};

} // namespace

DatabaseWindow::DatabaseWindow(DatabaseModel* model, QWidget* parent)
    : QMainWindow(parent), m_model(model), m_filter(new DatabaseFilterModel(this))
{
    setWindowTitle(tr("Fingerprint Database — %1").arg(QFileInfo(model->store().path()).fileName())
                   + (model->store().readOnly() ? tr(" (read-only)") : QString()));
    m_filter->setSourceModel(model);

    m_view = new QTableView;
    m_view->setObjectName(u"databaseTable"_s);
    m_view->setModel(m_filter);
    m_view->setItemDelegate(new EntryDelegate(model, m_view));
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(DatabaseModel::Name, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed
                            | QAbstractItemView::AnyKeyPressed);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    const int charWidth = m_view->fontMetrics().averageCharWidth();
    const int widths[DatabaseModel::NUM_COLUMNS] = {4, 26, 12, 10, 10, 14, 9, 9, 5, 4, 24, 28, 40, 16};
    for (int c = 0; c < DatabaseModel::NUM_COLUMNS; ++c)
        m_view->setColumnWidth(c, widths[c] * charWidth);
    m_view->setColumnHidden(DatabaseModel::Modified, true);
    // The column chooser, as in the connection table.
    QHeaderView* header = m_view->horizontalHeader();
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, this, [this, header](const QPoint& pos) {
        QMenu menu(this);
        for (int c = 0; c < DatabaseModel::NUM_COLUMNS; ++c) {
            QAction* a = menu.addAction(m_model->headerData(c, Qt::Horizontal).toString());
            a->setCheckable(true);
            a->setChecked(!m_view->isColumnHidden(c));
            connect(a, &QAction::toggled, this, [this, c](bool on) { m_view->setColumnHidden(c, !on); });
        }
        menu.exec(header->mapToGlobal(pos));
    });

    m_text = new QLineEdit;
    m_text->setClearButtonEnabled(true);
    m_text->setPlaceholderText(tr("Filter: name, OS, version, options, provenance…"));
    m_classBox = new QComboBox;
    m_originBox = new QComboBox;
    m_originBox->addItem(tr("All origins"), QString());
    for (EntryOrigin o : {EntryOrigin::Default, EntryOrigin::Imported, EntryOrigin::Captured, EntryOrigin::Manual})
        m_originBox->addItem(originName(o), originName(o));
    m_conflictsOnly = new QCheckBox(tr("&Conflicts and duplicates only"));
    connect(m_text, &QLineEdit::textChanged, m_filter, &DatabaseFilterModel::setText);
    connect(m_classBox, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setOsClass(m_classBox->currentData().toString()); updateCounts(); });
    connect(m_originBox, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setOrigin(m_originBox->currentData().toString()); });
    connect(m_conflictsOnly, &QCheckBox::toggled, m_filter, &DatabaseFilterModel::setConflictsOnly);

    auto* filters = new QHBoxLayout;
    filters->addWidget(m_text, 1);
    filters->addWidget(m_classBox);
    filters->addWidget(m_originBox);
    filters->addWidget(m_conflictsOnly);
    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->addLayout(filters);
    layout->addWidget(m_view);
    setCentralWidget(central);

    m_counts = new QLabel;
    m_counts->setObjectName(u"classCounts"_s);
    statusBar()->addPermanentWidget(m_counts, 1);

    QToolBar* tools = addToolBar(tr("Database"));
    tools->setObjectName(u"databaseToolBar"_s);
    QAction* importAction = tools->addAction(tr("&Import…"), this, &DatabaseWindow::importDialog);
    importAction->setToolTip(tr("Add the entries of a SynScope, zardaxt, p0f.fp or Satori tcp.xml file"));
    QMenu* exportMenu = new QMenu(this);
    exportMenu->addAction(tr("Export &All Entries…"), this, [this] { exportDialog(false); });
    exportMenu->addAction(tr("Export &My Labelled Entries…"), this, [this] { exportDialog(true); });
    QAction* exportAction = tools->addAction(tr("&Export"));
    exportAction->setMenu(exportMenu);
    tools->addSeparator();
    m_deleteAction = tools->addAction(tr("&Delete"), this, &DatabaseWindow::deleteSelected);
    m_deleteAction->setShortcut(QKeySequence::Delete);
    m_enableAction = tools->addAction(tr("E&nable"), this, [this] { setSelectedEnabled(true); });
    m_disableAction = tools->addAction(tr("Di&sable"), this, [this] { setSelectedEnabled(false); });
    tools->addAction(tr("&Merge Duplicates"), this, &DatabaseWindow::mergeDuplicates)
        ->setToolTip(tr("Delete the entries that repeat an earlier entry's fingerprint and label"));
    tools->addSeparator();
    QAction* undo = model->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = model->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    tools->addAction(undo);
    tools->addAction(redo);
    for (QAction* a : {importAction, m_deleteAction, m_enableAction, m_disableAction})
        a->setEnabled(!model->store().readOnly());

    connect(model, &DatabaseModel::changed, this, [this] { updateFilterChoices(); updateCounts(); });
    connect(model, &DatabaseModel::modelReset, this, &DatabaseWindow::updateCounts);
    connect(model, &DatabaseModel::editRejected, this, [this](const QModelIndex& source, const QString& message) {
        const QModelIndex at = m_filter->mapFromSource(source);
        const QRect cell = m_view->visualRect(at);
        QToolTip::showText(m_view->viewport()->mapToGlobal(cell.bottomLeft()), message, m_view->viewport(), cell, 8000);
        statusBar()->showMessage(message, 8000);
    });
    connect(model, &DatabaseModel::failed, this, [this](const QString& message) {
        QMessageBox::warning(this, tr("Database unchanged"), message);
    });
    updateFilterChoices();
    updateCounts();
    resize(1300, 700);
}

void DatabaseWindow::updateFilterChoices()
{
    const QString current = m_classBox->currentData().toString();
    const QSignalBlocker block(m_classBox);
    m_classBox->clear();
    m_classBox->addItem(tr("All classes"), QString());
    for (const QString& c : m_model->classes())
        m_classBox->addItem(c, c);
    m_classBox->setCurrentIndex(std::max(0, m_classBox->findData(current)));
}

void DatabaseWindow::updateCounts()
{
    const StoreStats stats = m_model->store().stats();
    QStringList parts{tr("%n entries", nullptr, stats.entries) + tr(" (%n enabled)", nullptr, stats.enabled)};
    for (const auto& [cls, n] : stats.per_class)
        parts << u"%1 %2"_s.arg(cls.isEmpty() ? tr("(no class)") : cls).arg(n);
    int conflicts = 0, duplicates = 0;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const int kind = m_model->index(r, 0).data(DatabaseModel::ConflictRole).toInt();
        conflicts += kind == DatabaseModel::Conflicting;
        duplicates += kind == DatabaseModel::Duplicate;
    }
    if (conflicts || duplicates)
        parts << tr("%1 in conflict, %2 duplicates").arg(conflicts).arg(duplicates);
    m_counts->setText(parts.join(u" · "_s));
}

void DatabaseWindow::report(const QString& message)
{
    statusBar()->showMessage(message, 8000);
}

std::vector<qint64> DatabaseWindow::selectedIds() const
{
    std::vector<qint64> ids;
    for (const QModelIndex& i : m_view->selectionModel()->selectedRows())
        ids.push_back(i.data(DatabaseModel::IdRole).toLongLong());
    std::sort(ids.begin(), ids.end());
    return ids;
}

void DatabaseWindow::deleteSelected()
{
    const std::vector<qint64> ids = selectedIds();
    if (ids.empty())
        return;
    removeEntries(ids, tr("Delete %n entries", nullptr, int(ids.size())),
                  tr("Deleted %n entries (Undo brings them back)", nullptr, int(ids.size())));
}

void DatabaseWindow::removeEntries(const std::vector<qint64>& ids, const QString& command, const QString& done)
{
    QString error;
    if (!m_model->removeEntries(ids, command, &error))
        QMessageBox::warning(this, tr("Database unchanged"), error);
    else
        report(done);
}

void DatabaseWindow::setSelectedEnabled(bool enabled)
{
    QString error;
    if (!m_model->setEnabled(selectedIds(), enabled, &error))
        QMessageBox::warning(this, tr("Database unchanged"), error);
}

void DatabaseWindow::mergeDuplicates()
{
    const std::vector<qint64> ids = m_model->duplicateIds();
    if (ids.empty()) {
        report(tr("No exact duplicates"));
        return;
    }
    removeEntries(ids, tr("Merge %n duplicates", nullptr, int(ids.size())),
                  tr("Merged %n duplicates into the entries they repeat", nullptr, int(ids.size())));
}

QString DatabaseWindow::importFiles(const QStringList& paths, bool* ok)
{
    QStringList reports;
    *ok = true;
    for (const QString& path : paths) {
        QString report, error;
        if (m_model->importFile(path, &report, &error)) {
            reports << report;
        } else {
            reports << error;
            *ok = false;
        }
    }
    return reports.join(u"\n\n"_s);
}

void DatabaseWindow::importDialog()
{
    const QStringList paths = QFileDialog::getOpenFileNames(
        this, tr("Import Fingerprint Database"), QString(),
        tr("Fingerprint databases (*.json *.fp *.xml *.sqlite);;All files (*)"));
    if (paths.isEmpty())
        return;
    bool ok = false;
    const QString text = importFiles(paths, &ok);
    // The summary line of each file up front, every skipped line or entry in the details.
    QStringList summary;
    for (const QString& block : text.split(u"\n\n"_s))
        summary << block.section(u'\n', 0, 0);
    QMessageBox box(ok ? QMessageBox::Information : QMessageBox::Warning, tr("Import"), summary.join(u'\n'),
                    QMessageBox::Ok, this);
    if (text.count(u'\n') > summary.size() - 1)
        box.setDetailedText(text);
    box.exec();
}

bool DatabaseWindow::exportTo(const QString& path, EntryFormat format, const EntrySelection& selection,
                              QString* message)
{
    std::vector<Diagnostic> skipped;
    int exported = 0;
    const QByteArray bytes = m_model->store().exportEntries(format, selection, &skipped, &exported);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        *message = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    *message = tr("Exported %n entries to %1", nullptr, exported).arg(QFileInfo(path).fileName());
    if (!skipped.empty())
        *message += tr(" (%n left out: the format cannot express them)", nullptr, int(skipped.size()));
    return true;
}

void DatabaseWindow::exportDialog(bool mineOnly)
{
    const QString synscope = tr("SynScope JSON (*.json)"), zardaxt = tr("zardaxt 2021 JSON (*.json)"),
                  csv = tr("CSV (*.csv)");
    QString chosen;
    QString path = QFileDialog::getSaveFileName(this, mineOnly ? tr("Export My Labelled Entries") : tr("Export Database"),
                                                mineOnly ? u"my-fingerprints.json"_s : u"fingerprints.json"_s,
                                                QStringList{synscope, zardaxt, csv}.join(u";;"_s), &chosen);
    if (path.isEmpty())
        return;
    const EntryFormat format = chosen == csv || path.endsWith(u".csv"_s, Qt::CaseInsensitive) ? EntryFormat::Csv
                                : chosen == zardaxt                                            ? EntryFormat::Zardaxt
                                                                                               : EntryFormat::SynScope;
    EntrySelection selection;
    selection.mine_only = mineOnly;
    QString message;
    if (!exportTo(path, format, selection, &message))
        QMessageBox::warning(this, tr("Export failed"), message);
    else
        report(message);
}

} // namespace synscope
