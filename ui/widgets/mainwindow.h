// SPDX-License-Identifier: GPL-3.0-or-later
// The SynScope main window: a Wireshark-like connection table with a display filter, the detail
// pane that explains the selected row's score, a Hosts tab and an Overview of OS classes over
// time. Files are read by a CaptureWorker thread; live capture goes through the capture helper
// (or the worker directly when running as root).
#pragma once

#include "core/capture/packet_source.h"
#include "ui/capture/capture_worker.h"
#include "core/store/fingerprint_store.h"
#include "ui/models/rescorer.h"

#include <QMainWindow>
#include <QTimer>

#include <memory>

QT_BEGIN_NAMESPACE
class QAction;
class QActionGroup;
class QLabel;
class QLineEdit;
class QMenu;
class QSplitter;
class QTabWidget;
class QTableView;
QT_END_NAMESPACE

namespace synscope {

class ConnectionFilterModel;
class DatabaseModel;
class DatabaseWindow;
class EvaluationWindow;
class ConnectionModel;
class DetailPane;
class ExportJob;
class Database;
class HelperProcess;
class HostModel;
class OsTimelineModel;
class OverviewCharts;
class Profile;
class ScoreHistogramModel;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads a fingerprint database (any format Database::load reads, a SynScope store included);
    // an empty path selects the built-in one. The rows shown are re-scored with it in place, and
    // a running capture classifies with it from its next packet (see applySnapshot()).
    // isRescoring() is true until every row is.
    bool loadDatabase(const QString& path, QString* error);
    // "classic" or "synscope"; false for an unknown name.
    bool setProfileName(const QString& name);
    void openCaptureFile(const QString& path);
    // Live capture: directly when running as root, otherwise through the capture helper.
    void startLiveCapture(const LiveOptions& options);
    void stopCapture();
    // Selects a row of the (filtered, sorted) table and shows it in the detail pane.
    void selectRow(int row);
    // Writes the visible rows (or only the selected ones) as CSV or JSON lines, chosen by the
    // file name's suffix (see exportFormatFor), on a thread with a progress dialog. False (with
    // *error) when the file cannot be opened; the outcome otherwise arrives as exportFinished().
    bool exportRows(const QString& path, bool selectedOnly, QString* error);
    // Joins a web server's access log to the connections (File > Correlate Access Log): checked
    // here, then the open file is read again with it (a live capture restarts with it followed).
    // An empty path stops using one. False (with *error) when the log cannot be read.
    bool setAccessLog(const QString& path, QString* error);
    QString accessLog() const { return m_accessLogPath; }

    // Database > Edit Database: the store the database window edits, opened on first use: the
    // loaded database when it is a store, otherwise the user's own (FingerprintStore::
    // defaultPath(), seeded from the built-in database on first run), which then classifies.
    // Null with *error when it cannot be opened.
    DatabaseModel* databaseModel(QString* error);
    DatabaseWindow* showDatabaseWindow();
    // Analyze > Evaluate Database: leave-one-out of the database that classifies, on a thread;
    // while the window is open every change of the database runs it again.
    EvaluationWindow* showEvaluation();
    // "Add to Database": one proposed entry per distinct fingerprint of these rows (store rows),
    // labelled from their connection's User-Agent when it had one (capturedEntry()).
    std::vector<StoredEntry> proposedEntries(const std::vector<size_t>& storeRows) const;
    // Adds them to the edited store (one undoable command); the rows are re-scored with it.
    bool addToDatabase(std::vector<StoredEntry> entries, QString* error);

    const Database& database() const { return *m_db; }
    const Profile& profile() const { return *m_profile; }
    ConnectionModel* connectionModel() const { return m_model; }
    ConnectionFilterModel* filterModel() const { return m_proxy; }
    HostModel* hostModel() const { return m_hosts; }
    ScoreHistogramModel* histogramModel() const { return m_histogram; }
    OverviewCharts* overview() const { return m_overview; }
    QTableView* connectionView() const { return m_table; }
    DetailPane* detailPane() const { return m_detail; }
    QLineEdit* displayFilterEdit() const { return m_filterEdit; }
    QStringList recentFiles() const { return m_recentFiles; }
    bool isCapturing() const;
    bool isRescoring() const;
    // Connections kept in the table, and hosts in the hosts view; beyond it the oldest go as new
    // ones arrive. Saved.
    void setRowCap(size_t cap);

Q_SIGNALS:
    // A capture file was read to its end (also when it held no SYN).
    void fileLoaded();
    // A file or capture could not be opened or broke off; the message is shown too.
    void captureFailed(const QString& message);
    // Every row shown was re-scored after a change of database or profile (applySnapshot()).
    void rescored();
    // An export ended: ok, with the path; or not, with why (empty when cancelled).
    void exportFinished(bool ok, const QString& pathOrError);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    enum class Source { None, File, Live };

    void createActions();
    void createMenus();
    void createToolBar();
    void createStatusBar();
    void readSettings();
    void writeSettings() const;

    CaptureConfig captureConfig() const;
    void rescan();
    void applySnapshot();
    void startRescore(const std::vector<uint32_t>& frames, int64_t firstFrame = -1);
    void onRescoreChunk(const synscope::RescoreChunkPtr& chunk);
    void onRescoreFinished();
    void rebuildAggregates();
    // Cancels a running re-scoring and drops what it left (held chunks, recount, deferred filter).
    void stopRescore();
    int64_t currentFrame() const;   // the frame of the table's current row; -1 without
    void updateMatcherLabels();
    bool openStore(const QString& path, QString* error);
    void closeStore();
    void addRowsToDatabaseDialog(const std::vector<size_t>& storeRows);
    void captureDialog();
    void restartCapture();
    void openFileDialog();
    void exportDialog(bool selectedOnly);
    void loadDatabaseDialog();
    void addRecentFile(const QString& path);
    void updateRecentMenu();
    void updateActions();
    void updateTitle();
    void showStats(const CaptureStats& stats);
    void onOpened();
    void addBatch(const synscope::RowBatchPtr& batch);
    void onFinished(quint64 generation, const QString& error);
    void onCurrentRowChanged(const QModelIndex& current);
    void applyDisplayFilter();
    void showError(const QString& title, const QString& message);
    // showError() and captureFailed(): a file or capture could not be opened or broke off.
    void reportFailure(const QString& title, const QString& message);
    void clearData();
    void copySelectedRows();
    void tableContextMenu(const QPoint& pos);

    std::shared_ptr<const Database> m_db;
    QString m_dbPath;
    std::unique_ptr<FingerprintStore> m_store;   // the edited store, when one is open
    DatabaseModel* m_dbModel = nullptr;
    DatabaseWindow* m_dbWindow = nullptr;
    EvaluationWindow* m_evalWindow = nullptr;
    QString m_accessLogPath;
    const Profile* m_profile;

    CaptureWorker* m_worker;
    ConnectionModel* m_model;
    ConnectionFilterModel* m_proxy;
    HostModel* m_hosts;
    OsTimelineModel* m_timeline;
    ScoreHistogramModel* m_histogram;
    HelperProcess* m_helper;
    Rescorer* m_rescorer;
    std::vector<RescoreChunkPtr> m_heldChunks;   // arrived during an export
    bool m_snapshotPending = false;              // a new snapshot waits for the export
    int64_t m_keptFrame = -1;                    // the selected row's frame across a filter reset
    RowBatchPtr m_recount;                       // the running job's recount, once delivered
    size_t m_rescoreArrivals = 0;                // rows stored + evicted when the job started

    // What is shown: the source of the rows on screen. A new file or capture waits in m_pending
    // until it has opened, so a failed one leaves the shown state alone.
    Source m_source = Source::None;
    struct Pending {
        Source source = Source::None;
        QString path;
        LiveOptions live;
    };
    Pending m_pending;
    QString m_deferredError;   // a helper-fed stream's error, held until the helper's exit
    ExportJob* m_export = nullptr;           // the running export, if any
    std::vector<RowBatchPtr> m_heldBatches;  // arrived during it
    QString m_filePath;
    LiveOptions m_live;
    QStringList m_recentFiles;

    QTabWidget* m_tabs = nullptr;
    QSplitter* m_splitter = nullptr;
    QTableView* m_table = nullptr;
    DetailPane* m_detail = nullptr;
    OverviewCharts* m_overview = nullptr;
    QLineEdit* m_filterEdit = nullptr;
    QTimer m_filterTimer;
    QTimer m_scrollTimer;
    bool m_scrollPending = false;
    QTimer m_hostSortTimer;
    bool m_hostsDirty = false;
    QByteArray m_hostHeaderState;

    QAction* m_openAction = nullptr;
    QAction* m_exportAction = nullptr;
    QAction* m_exportSelectedAction = nullptr;
    QAction* m_startAction = nullptr;
    QAction* m_stopAction = nullptr;
    QAction* m_restartAction = nullptr;
    QAction* m_autoScrollAction = nullptr;
    QAction* m_relativeTimeAction = nullptr;
    QAction* m_loadDbAction = nullptr;
    QAction* m_builtinDbAction = nullptr;
    QAction* m_editDbAction = nullptr;
    QAction* m_addToDbAction = nullptr;
    QAction* m_evaluateAction = nullptr;
    QAction* m_accessLogAction = nullptr;
    QAction* m_suspiciousAction = nullptr;
    QActionGroup* m_profileGroup = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;

    QLabel* m_packetsLabel = nullptr;
    QLabel* m_synLabel = nullptr;
    QLabel* m_dropsLabel = nullptr;
    QLabel* m_rateLabel = nullptr;
    QLabel* m_flowsLabel = nullptr;
    QLabel* m_evictedLabel = nullptr;
    QLabel* m_dbLabel = nullptr;
    QLabel* m_rescoreLabel = nullptr;
    QLabel* m_profileLabel = nullptr;
};

} // namespace synscope
