// SPDX-License-Identifier: GPL-3.0-or-later
// The database workbench on a real SQLite store: the model under QAbstractItemModelTester while it
// is edited, validation that refuses at the field, the undo stack over every kind of change (the
// store checked after each step), conflicts and duplicates, import with diagnostics, export of the
// user's own entries, and labelling a captured connection from the main window, which re-scores
// the rows with the new entry and back again on undo.
#include "ui/models/connection_model.h"
#include "ui/models/database_model.h"
#include "ui/widgets/addentrydialog.h"
#include "ui/widgets/databasewindow.h"
#include "ui/widgets/evaluationwindow.h"
#include "ui/widgets/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include <memory>
#include <unistd.h>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

// Every stored entry as text: what "the store is unchanged" compares.
QStringList storeText(const FingerprintStore& store)
{
    QStringList out;
    for (const StoredEntry& s : store.entries())
        out << u"%1 %2 %3 %4 %5 %6 %7"_s.arg(s.id).arg(s.entry.id, entryLabel(s.entry), s.entry.label.os_class,
                                               QString::fromUtf8(fingerprintKey(s.entry)),
                                               s.enabled ? u"on"_s : u"off"_s, s.created.toString(Qt::ISODateWithMs));
    return out;
}

// The model's snapshot (what an edit publishes) is the store's.
QStringList snapshotText(const Database& db)
{
    QStringList out{db.name, QString::number(db.families.size()), QString::number(db.min_class_size)};
    for (const DbEntry& e : db.entries)
        out << u"%1 %2 %3 %4"_s.arg(e.uid).arg(e.id, entryLabel(e), QString::fromUtf8(fingerprintKey(e)));
    return out;
}

int rowOfName(const DatabaseModel& model, const QString& name)
{
    for (int r = 0; r < model.rowCount(); ++r)
        if (model.entryAt(r).entry.id == name)
            return r;
    return -1;
}

} // namespace

class TestDatabaseUi : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    int m_stores = 0;
    const QString m_sample = QStringLiteral(SYNSCOPE_SOURCE_DIR "/resources/samples/synscope-sample.pcapng");

    std::unique_ptr<FingerprintStore> newStore()
    {
        const Database seed = Database::builtin();
        QString error;
        auto store = FingerprintStore::open(m_dir.filePath(u"store-%1.sqlite"_s.arg(++m_stores)), &error, &seed);
        if (!store)
            qWarning("%s", qPrintable(error));
        return store;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void editsAreValidatedAndUndone()
    {
        auto store = newStore();
        QVERIFY(store);
        DatabaseModel model(*store);
        DatabaseFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester filterTester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), int(Database::builtin().entries.size()));
        const QStringList original = storeText(*store);
        QSignalSpy rejected(&model, &DatabaseModel::editRejected);
        QSignalSpy changed(&model, &DatabaseModel::changed);

        const int row = 0;
        const qint64 id = model.entryAt(row).id;
        // Refused at the field, with the reader's reason; nothing stored, nothing to undo.
        QVERIFY(!model.setData(model.index(row, DatabaseModel::Ttl), u"300"_s));
        QCOMPARE(rejected.count(), 1);
        QVERIFY2(rejected.last().at(1).toString().contains(u"ip_ttl"_s), qPrintable(rejected.last().at(1).toString()));
        QVERIFY(!model.setData(model.index(row, DatabaseModel::Options), u"M1460,Q,zz"_s));
        QVERIFY2(rejected.last().at(1).toString().contains(u"tcp_options"_s), qPrintable(rejected.last().at(1).toString()));
        QVERIFY(!model.setData(model.index(row, DatabaseModel::Window), u"mss*"_s));
        QVERIFY(!model.setData(model.index(row, DatabaseModel::Class), QString()));
        QCOMPARE(storeText(*store), original);
        QCOMPARE(model.undoStack()->count(), 0);
        QCOMPARE(changed.count(), 0);

        // Accepted: stored at once, one command each, normalized as a file's entry would be.
        QVERIFY(model.setData(model.index(row, DatabaseModel::Ttl), u"100"_s));
        QCOMPARE(store->entry(id)->entry.fp.ip_ttl, 128);   // the initial TTL at or above it
        QVERIFY(model.setData(model.index(row, DatabaseModel::Window), u"mss*10"_s));
        QCOMPARE(store->entry(id)->entry.window_mss_multiple, 10);
        QVERIFY(model.setData(model.index(row, DatabaseModel::Options), u"M1400,N,W8,S,T"_s));
        QCOMPARE(store->entry(id)->entry.fp.tcp_mss, 1400);
        QVERIFY(model.setData(model.index(row, DatabaseModel::Version), u"edited"_s));
        QVERIFY(model.setData(model.index(row, DatabaseModel::Class), u"Windows"_s));
        QCOMPARE(model.index(row, DatabaseModel::Options).data().toString(),
                 QString::fromStdString(store->entry(id)->entry.fp.tcpOptions()));
        QCOMPARE(model.undoStack()->count(), 5);
        QCOMPARE(changed.count(), 5);
        const QStringList edited = storeText(*store);

        // Undo walks back through every state to the original; redo forward to the edited one.
        while (model.undoStack()->canUndo())
            model.undoStack()->undo();
        QCOMPARE(storeText(*store), original);
        while (model.undoStack()->canRedo())
            model.undoStack()->redo();
        QCOMPARE(storeText(*store), edited);
        QCOMPARE(model.index(row, DatabaseModel::Version).data().toString(), u"edited"_s);
        QCOMPARE(snapshotText(model.snapshot()), snapshotText(store->snapshot()));
        QCOMPARE(store->integrityCheck(), u"ok"_s);
    }

    void deleteEnableAddUndo()
    {
        auto store = newStore();
        QVERIFY(store);
        DatabaseModel model(*store);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QStringList original = storeText(*store);
        const int before = model.rowCount();
        std::vector<qint64> ids{model.entryAt(1).id, model.entryAt(2).id, model.entryAt(5).id};
        QString error;

        QVERIFY2(model.removeEntries(ids, u"Delete 3"_s, &error), qPrintable(error));
        QCOMPARE(model.rowCount(), before - 3);
        QCOMPARE(int(store->entries().size()), before - 3);
        model.undoStack()->undo();
        QCOMPARE(storeText(*store), original);   // same ids, same created times

        QVERIFY2(model.setEnabled(ids, false, &error), qPrintable(error));
        QCOMPARE(int(store->snapshot().entries.size()), before - 3);
        QCOMPARE(model.index(model.rowOfId(ids[0]), DatabaseModel::Enabled).data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
        model.undoStack()->undo();
        QCOMPARE(int(store->snapshot().entries.size()), before);
        // The check box is the same command.
        QVERIFY(model.setData(model.index(model.rowOfId(ids[0]), DatabaseModel::Enabled), Qt::Unchecked, Qt::CheckStateRole));
        QCOMPARE(int(store->snapshot().entries.size()), before - 1);
        model.undoStack()->undo();

        StoredEntry manual;
        manual.origin = EntryOrigin::Manual;
        manual.entry = model.entryAt(0).entry;
        manual.entry.id = u"typed-in"_s;
        manual.entry.label.os_name = u"Plan 9"_s;
        manual.entry.label.os_class = u"Plan 9"_s;
        std::vector<qint64> added;
        QVERIFY2(model.addEntries({manual}, u"Add"_s, &error, &added), qPrintable(error));
        QCOMPARE(added.size(), size_t(1));
        QVERIFY(model.classes().contains(u"Plan 9"_s));
        model.undoStack()->undo();
        QCOMPARE(storeText(*store), original);
        model.undoStack()->redo();
        QCOMPARE(store->entry(added.front())->entry.id, u"typed-in"_s);   // back with its id
        QVERIFY2(model.setEnabled({ids[1]}, false, &error), qPrintable(error));
        QCOMPARE(snapshotText(model.snapshot()), snapshotText(store->snapshot()));
        // The rows follow the store after every step (none re-read wholesale here).
        for (int r = 0; r < model.rowCount(); ++r)
            QCOMPARE(model.entryAt(r).id, store->entries()[size_t(r)].id);
        QCOMPARE(model.rowCount(), int(store->entries().size()));
        QCOMPARE(store->integrityCheck(), u"ok"_s);
    }

    void conflictsAndDuplicates()
    {
        auto store = newStore();
        QVERIFY(store);
        DatabaseModel model(*store);
        for (int r = 0; r < model.rowCount(); ++r)
            QCOMPARE(model.index(r, 0).data(DatabaseModel::ConflictRole).toInt(), int(DatabaseModel::NoConflict));
        const StoredEntry base = model.entryAt(3);
        StoredEntry copy = base, other = base;
        copy.entry.id = u"copy"_s;
        other.entry.id = u"other"_s;
        other.entry.label.os_name = u"Elsewhere"_s;
        other.entry.label.os_class = u"Elsewhere"_s;
        QString error;
        QVERIFY(model.addEntries({copy}, u"Add copy"_s, &error));
        QCOMPARE(model.index(rowOfName(model, u"copy"_s), 0).data(DatabaseModel::ConflictRole).toInt(), int(DatabaseModel::Duplicate));
        QCOMPARE(model.index(rowOfName(model, base.entry.id), 0).data(DatabaseModel::ConflictRole).toInt(), int(DatabaseModel::NoConflict));
        QCOMPARE(model.duplicateIds().size(), size_t(1));
        QVERIFY(model.addEntries({other}, u"Add other"_s, &error));
        for (const QString& name : {base.entry.id, u"copy"_s, u"other"_s}) {
            const QModelIndex i = model.index(rowOfName(model, name), DatabaseModel::Conflict);
            QCOMPARE(i.data(DatabaseModel::ConflictRole).toInt(), int(DatabaseModel::Conflicting));
            QVERIFY2(i.data().toString().contains(u"Elsewhere"_s), qPrintable(i.data().toString()));
        }
        // Classes of one family (iOS and macOS share XNU's stack) are not in conflict.
        const Database builtin = Database::builtin();
        const Family* apple = builtin.familyOf(u"macOS"_s);
        QVERIFY(apple);
        for (const QString& c : apple->classes) {
            StoredEntry s = base;
            s.entry.id = u"family-"_s + c;
            s.entry.label.os_class = c;
            s.entry.label.os_name = c;
            s.entry.fp.ip_ttl = 255;   // a fingerprint of their own
            QVERIFY(model.addEntries({s}, u"Add"_s, &error));
        }
        for (const QString& c : apple->classes)
            QCOMPARE(model.index(rowOfName(model, u"family-"_s + c), 0).data(DatabaseModel::ConflictRole).toInt(),
                     int(DatabaseModel::NoConflict));
        for (int k = 0; k < apple->classes.size(); ++k)
            model.undoStack()->undo();
        DatabaseFilterModel filter;
        filter.setSourceModel(&model);
        filter.setConflictsOnly(true);
        QCOMPARE(filter.rowCount(), 3);
        model.undoStack()->undo();
        QCOMPARE(filter.rowCount(), 1);   // the copy: a duplicate of base

        DatabaseWindow window(&model);
        window.mergeDuplicates();
        QCOMPARE(filter.rowCount(), 0);
        QCOMPARE(rowOfName(model, u"copy"_s), -1);
        QVERIFY(rowOfName(model, base.entry.id) >= 0);   // the oldest stays
    }

    void importReportsSkippedLinesAndUndoes()
    {
        auto store = newStore();
        QVERIFY(store);
        DatabaseModel model(*store);
        const QStringList original = storeText(*store);
        const QString path = m_dir.filePath(u"mine.fp"_s);
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("[tcp:request]\n"
                "label = s:unix:Linux:3.11 and newer\n"
                "sig   = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n"
                "label = s:win:Windows:7 or 8\n"
                "sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0\n"
                "label = s:unix:Broken:1\n"
                "sig   = *:64:0:*:banana:mss:df:0\n");
        f.close();
        DatabaseWindow window(&model);
        bool ok = false;
        const QString report = window.importFiles({path}, &ok);
        QVERIFY(ok);
        QVERIFY2(report.contains(u"imported 2 entries"_s) && report.contains(u"skipped 1"_s), qPrintable(report));
        QVERIFY2(report.contains(u"line 7"_s), qPrintable(report));
        QCOMPARE(int(store->entries().size()), original.size() + 2);
        QVERIFY(window.countsLabel()->text().contains(u"Windows"_s));
        model.undoStack()->undo();
        QCOMPARE(storeText(*store), original);
        model.undoStack()->redo();
        QCOMPARE(int(store->entries().size()), original.size() + 2);

        // A file with nothing readable is refused, naming it; the store is unchanged.
        const QString bad = m_dir.filePath(u"bad.json"_s);
        QFile b(bad);
        QVERIFY(b.open(QIODevice::WriteOnly));
        b.write("{\"format\": \"synscope-db\", \"entries\": [");
        b.close();
        const QStringList afterImport = storeText(*store);
        const QString badReport = window.importFiles({bad}, &ok);
        QVERIFY(!ok);
        QVERIFY2(badReport.contains(u"bad.json"_s), qPrintable(badReport));
        QCOMPARE(storeText(*store), afterImport);
    }

    void windowFiltersCountsAndExportsMine()
    {
        auto store = newStore();
        QVERIFY(store);
        DatabaseModel model(*store);
        DatabaseWindow window(&model);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QString counts = window.countsLabel()->text();
        QVERIFY2(counts.contains(u"Linux"_s) && counts.contains(u"entries"_s), qPrintable(counts));

        window.textFilter()->setText(u"windows"_s);
        const int windowsRows = window.filterModel()->rowCount();
        QVERIFY(windowsRows > 0 && windowsRows < model.rowCount());
        window.textFilter()->clear();
        window.classFilter()->setCurrentIndex(window.classFilter()->findData(u"Linux"_s));
        QVERIFY(window.filterModel()->rowCount() > 0);
        for (int r = 0; r < window.filterModel()->rowCount(); ++r)
            QCOMPARE(window.filterModel()->index(r, DatabaseModel::Class).data().toString(), u"Linux"_s);
        window.classFilter()->setCurrentIndex(0);

        // Select and delete through the window's own action path.
        window.view()->selectRow(0);
        const std::vector<qint64> selected = window.selectedIds();
        QCOMPARE(selected.size(), size_t(1));
        window.deleteSelected();
        QVERIFY(!store->entry(selected.front()));
        model.undoStack()->undo();
        QVERIFY(store->entry(selected.front()));

        // "Export my labelled entries" writes the user's own only, ready to import elsewhere.
        StoredEntry mine;
        mine.origin = EntryOrigin::Captured;
        mine.entry = model.entryAt(0).entry;
        mine.entry.id = u"my-laptop"_s;
        mine.entry.label.provenance = u"captured from 10.0.0.2 in home.pcap, frame 1"_s;
        QString error;
        QVERIFY(model.addEntries({mine}, u"Add"_s, &error));
        EntrySelection selection;
        selection.mine_only = true;
        const QString out = m_dir.filePath(u"mine.json"_s);
        QString message;
        QVERIFY2(window.exportTo(out, EntryFormat::SynScope, selection, &message), qPrintable(message));
        QVERIFY2(message.contains(u"1 entries"_s) || message.contains(u"1 entry"_s), qPrintable(message));
        const std::optional<Database> back = Database::load(out, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->entries.size(), size_t(1));
        QCOMPARE(back->entries.front().id, u"my-laptop"_s);
        QCOMPARE(back->entries.front().label.provenance, mine.entry.label.provenance);
        QVERIFY(!window.exportTo(m_dir.filePath(u"no-such-dir/x.json"_s), EntryFormat::SynScope, selection, &message));
        QVERIFY(message.contains(u"no-such-dir"_s));
    }

    void readOnlyStoreRefusesEdits()
    {
        if (::geteuid() == 0)
            QSKIP("root writes read-only files: the refusal cannot be seen as root");
        const QString path = m_dir.filePath(u"readonly.sqlite"_s);
        {
            const Database seed = Database::builtin();
            QString error;
            QVERIFY(FingerprintStore::open(path, &error, &seed));
        }
        QFile::setPermissions(path, QFileDevice::ReadOwner);
        QString error;
        auto store = FingerprintStore::open(path, &error);
        QVERIFY2(store && store->readOnly(), qPrintable(error));
        DatabaseModel model(*store);
        QVERIFY(!(model.flags(model.index(0, DatabaseModel::Os)) & Qt::ItemIsEditable));
        QVERIFY(!model.removeEntries({model.entryAt(0).id}, u"Delete"_s, &error));
        QVERIFY(!error.isEmpty());
        QCOMPARE(model.undoStack()->count(), 0);
    }

    // The whole path a user takes: a connection, Add to Database with a label, the row re-scored
    // against its own new entry; undo takes the entry away and the row goes back.
    void labelFromCaptureRescoresRows()
    {
        QFile::remove(FingerprintStore::defaultPath());
        MainWindow window;
        QSignalSpy loaded(&window, &MainWindow::fileLoaded);
        window.openCaptureFile(m_sample);
        QVERIFY(loaded.wait(20000));
        const ConnectionModel* rows = window.connectionModel();
        QVERIFY(rows->rowCount() > 0);
        // The row the database knows least well: its own entry will be its one best match.
        size_t row = 0;
        for (size_t r = 1; r < rows->store().size(); ++r)
            if (rows->store().row(r).best_score < rows->store().row(row).best_score)
                row = r;
        QVERIFY(double(rows->store().row(row).best_score) < Profile::synscope().maxScore());
        const RowScore before = RowScore::of(rows->store().row(row));
        const QString osBefore = rows->index(int(row), ConnectionModel::OsGuess).data().toString();

        QString error;
        DatabaseModel* model = window.databaseModel(&error);
        QVERIFY2(model, qPrintable(error));
        QCOMPARE(model->store().path(), FingerprintStore::defaultPath());
        QCOMPARE(int(window.database().entries.size()), int(Database::builtin().entries.size()));

        std::vector<StoredEntry> proposed = window.proposedEntries({row});
        QCOMPARE(proposed.size(), size_t(1));
        QCOMPARE(proposed.front().origin, EntryOrigin::Captured);
        QVERIFY(proposed.front().entry.label.provenance.contains(u"synscope-sample.pcapng"_s));
        AddEntryDialog dialog(proposed, model->classes());
        dialog.osEdit()->setText(u"Workbench OS"_s);
        dialog.classBox()->setCurrentText(u"Linux"_s);
        dialog.versionEdit()->setText(u"42"_s);
        QSignalSpy rescored(&window, &MainWindow::rescored);
        QVERIFY2(window.addToDatabase(dialog.entries(), &error), qPrintable(error));
        QVERIFY(rescored.wait(20000));
        const qint64 newId = model->entryAt(model->rowCount() - 1).id;
        QCOMPARE(qint64(rows->store().row(row).entry_uid), newId);
        QCOMPARE(rows->index(int(row), ConnectionModel::OsGuess).data().toString(), u"Workbench OS 42"_s);
        QCOMPARE(double(rows->store().row(row).best_score), Profile::synscope().maxScore());

        rescored.clear();
        model->undoStack()->undo();
        QVERIFY(rescored.wait(20000));
        QVERIFY(RowScore::of(rows->store().row(row)) == before);
        QCOMPARE(rows->index(int(row), ConnectionModel::OsGuess).data().toString(), osBefore);
        QCOMPARE(model->store().integrityCheck(), u"ok"_s);
    }

    // Analyze > Evaluate: the window's figures are core's leave-one-out of the snapshot, and an
    // edit runs it again and lists the entries whose verdict changed.
    void evaluationFollowsEdits()
    {
        QFile::remove(FingerprintStore::defaultPath());
        MainWindow window;
        QString error;
        DatabaseModel* model = window.databaseModel(&error);
        QVERIFY2(model, qPrintable(error));
        EvaluationWindow* eval = window.showEvaluation();
        QSignalSpy finished(eval, &EvaluationWindow::finished);
        QVERIFY(finished.wait(30000));
        const VerdictEvaluation expected = evaluateLeaveOneOut(window.database(), window.profile());
        QVERIFY(eval->result());
        QCOMPARE(eval->result()->evaluated, expected.evaluated);
        QCOMPARE(eval->result()->correct, expected.correct);
        QCOMPARE(eval->confusionTable()->rowCount(), int(expected.confusion.size()));
        QVERIFY(eval->summaryLabel()->text().contains(QString::number(expected.accuracy(), 'f', 3)));
        QCOMPARE(eval->changesTable()->rowCount(), 0);
        // The Wrong tab lists exactly the entries the evaluation got wrong, families merged.
        const auto wrong = std::count_if(expected.outcomes.begin(), expected.outcomes.end(),
                                         [](const VerdictEvaluation::Outcome& o) { return !o.family_correct; });
        QVERIFY(wrong > 0);
        QCOMPARE(eval->wrongTable()->rowCount(), int(wrong));
        QCOMPARE(expected.wrong().size(), size_t(wrong));
        for (int r = 0; r < eval->wrongTable()->rowCount(); ++r)
            QVERIFY(eval->wrongTable()->item(r, 4)->text().contains(u"tcp_options"_s));

        // Relabel an entry the evaluation got right: it (at least) classifies differently now.
        const auto right = std::find_if(expected.outcomes.begin(), expected.outcomes.end(),
                                        [](const VerdictEvaluation::Outcome& o) { return o.correct; });
        QVERIFY(right != expected.outcomes.end());
        const int row = model->rowOfId(right->uid);
        QVERIFY(row >= 0);
        finished.clear();
        QVERIFY(model->setData(model->index(row, DatabaseModel::Class), u"Scanner"_s));
        QVERIFY(finished.wait(30000));
        bool listed = false;
        for (int r = 0; r < eval->changesTable()->rowCount(); ++r)
            listed = listed || eval->changesTable()->item(r, 0)->text() == right->entry;
        QVERIFY2(listed, qPrintable(right->entry));
    }
};

QTEST_MAIN(TestDatabaseUi)
#include "test_database_ui.moc"
