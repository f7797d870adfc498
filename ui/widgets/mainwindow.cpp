// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/mainwindow.h"

#include "ui/models/database_model.h"
#include "ui/widgets/addentrydialog.h"
#include "ui/widgets/databasewindow.h"
#include "ui/widgets/evaluationwindow.h"

#include "ui/widgets/confidencedelegate.h"

#include "ui/widgets/capturedialog.h"
#include "ui/widgets/detailpane.h"
#include "ui/widgets/exporter.h"
#include "ui/widgets/overviewcharts.h"

#include "core/database/database.h"
#include "core/flow/access_log_tail.h"
#include "core/match/profile.h"
#include "ui/capture/helper_process.h"
#include "ui/models/aggregate_models.h"
#include "ui/models/connection_filter_model.h"
#include "ui/models/connection_model.h"
#include "ui/models/host_model.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QProgressDialog>
#include <QSaveFile>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <unistd.h>

#include <utility>

namespace synscope {

namespace {

constexpr int kMaxRecentFiles = 10;
constexpr int kFilterDebounceMs = 300;
constexpr int kAutoScrollMs = 100;

const QString kCaptureFileFilter = QStringLiteral("Capture files (*.pcap *.pcapng *.cap *.ntar);;All files (*)");

QString count(quint64 n) { return QLocale().toString(n); }

// Theme icons where the desktop has them, Qt's own otherwise (a bare X server has no theme).
QIcon themedIcon(const char* name, QStyle::StandardPixmap fallback)
{
    return QIcon::fromTheme(QLatin1String(name), QApplication::style()->standardIcon(fallback));
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_db(std::make_shared<const Database>(Database::builtin()))
    , m_profile(&Profile::synscope())
    , m_worker(new CaptureWorker(this))
    , m_model(new ConnectionModel(this))
    , m_proxy(new ConnectionFilterModel(this))
    , m_hosts(new HostModel(this))
    , m_timeline(new OsTimelineModel(this))
    , m_histogram(new ScoreHistogramModel(20, this))
    , m_helper(new HelperProcess(this))
    , m_rescorer(new Rescorer(this))
{
    setWindowIcon(QIcon::fromTheme(QStringLiteral("network-wired")));
    setAcceptDrops(true);
    m_proxy->setSourceModel(m_model);

    m_filterEdit = new QLineEdit;
    m_filterEdit->setObjectName(QStringLiteral("displayFilter"));
    m_filterEdit->setClearButtonEnabled(true);
    m_filterEdit->setPlaceholderText(tr("Display filter: port 443, os linux, syn, synack, unknown, ambiguous, scanner, 10.0.0.1, or any text"));
    m_filterTimer.setSingleShot(true);
    m_filterTimer.setInterval(kFilterDebounceMs);
    connect(m_filterEdit, &QLineEdit::textChanged, &m_filterTimer, qOverload<>(&QTimer::start));
    connect(&m_filterTimer, &QTimer::timeout, this, &MainWindow::applyDisplayFilter);

    m_table = new QTableView;
    m_table->setItemDelegateForColumn(ConnectionModel::Confidence, new ConfidenceDelegate(m_table));
    m_table->setObjectName(QStringLiteral("connectionTable"));
    m_table->setModel(m_proxy);
    // The filter model is rebuilt when a filter changes or a re-scoring moved rows in or out of
    // it: the connection the user was looking at stays selected when it is still shown. Connected
    // after setModel(), so this runs after the view's own reset, which clears the selection.
    connect(m_proxy, &QAbstractItemModel::modelAboutToBeReset, this, [this] { m_keptFrame = currentFrame(); });
    connect(m_proxy, &QAbstractItemModel::modelReset, this, [this] {
        const int64_t frame = std::exchange(m_keptFrame, -1);
        const long long row = frame >= 0 ? m_model->store().rowOfFrame(uint32_t(frame)) : -1;
        const QModelIndex at = row >= 0 ? m_proxy->mapFromSource(m_model->index(int(row), 0)) : QModelIndex();
        if (at.isValid()) {
            m_table->selectionModel()->setCurrentIndex(
                at, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        }
    });
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder);   // arrival order until a header is clicked
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    const int charWidth = m_table->fontMetrics().averageCharWidth();
    const int widths[ConnectionModel::NUM_COLUMNS] = {13, 26, 26, 9, 13, 17, 7, 28, 30, 8, 24, 10, 14, 13, 9};
    for (int c = 0; c < ConnectionModel::NUM_COLUMNS; ++c)
        m_table->setColumnWidth(c, widths[c] * charWidth);

    m_detail = new DetailPane;
    m_detail->setMatcher(m_db, *m_profile);
    // A User-Agent typed in for the shown SYN: its connection is decided again with it.
    connect(m_detail, &DetailPane::userAgentEntered, this, [this](const QString& ua) {
        const QModelIndex source = m_proxy->mapToSource(m_table->currentIndex());
        if (!source.isValid() || !m_detail->hasRecord())
            return;
        if (m_model->setUserAgent(source.row(), ua, m_detail->stackVerdict()))
            m_detail->showConnectionVerdict(m_model->store().connection(m_model->store().row(size_t(source.row()))));
    });

    auto* top = new QWidget;
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->setSpacing(2);
    topLayout->addWidget(m_filterEdit);
    topLayout->addWidget(m_table, 1);

    m_splitter = new QSplitter(Qt::Vertical);
    m_splitter->addWidget(top);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 2);
    m_splitter->setStretchFactor(1, 3);

    m_tabs = new QTabWidget;
    m_tabs->setDocumentMode(true);
    // Tab mnemonics stay clear of the menu bar's (File, Capture, View, Analyze, Help).
    m_tabs->addTab(m_splitter, tr("Co&nnections"));

    // The host table can hold a row per source address; keeping it sorted on every batch would
    // cost more than the capture itself. It is attached only while its tab is shown and re-sorted
    // at most once a second.
    auto* hostProxy = new QSortFilterProxyModel(this);
    hostProxy->setSortRole(HostModel::SortRole);
    hostProxy->setDynamicSortFilter(false);
    auto* hostView = new QTableView;
    hostView->setObjectName(QStringLiteral("hostTable"));
    hostView->setModel(hostProxy);
    hostView->setSortingEnabled(true);
    hostView->setSelectionBehavior(QAbstractItemView::SelectRows);
    hostView->setAlternatingRowColors(true);
    hostView->setShowGrid(false);
    hostView->verticalHeader()->hide();
    hostView->verticalHeader()->setDefaultSectionSize(m_table->verticalHeader()->defaultSectionSize());
    hostView->horizontalHeader()->setStretchLastSection(true);
    hostView->horizontalHeader()->setSortIndicator(HostModel::Connections, Qt::DescendingOrder);
    // A host's fingerprints, labelled at once (a machine the user knows).
    hostView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(hostView, &QWidget::customContextMenuRequested, this, [this, hostView, hostProxy](const QPoint& pos) {
        const QModelIndex at = hostView->indexAt(pos);
        if (!at.isValid())
            return;
        const QString address = hostProxy->index(at.row(), HostModel::Address).data().toString();
        QMenu menu(this);
        menu.addAction(tr("Add Fingerprints of %1 to Database…").arg(address), this, [this, address] {
            std::vector<size_t> rows;
            for (int i = 0; i < m_model->rowCount(); ++i)
                if (m_model->index(i, 0).data(ConnectionModel::SourceAddressRole).toString() == address)
                    rows.push_back(size_t(i));
            addRowsToDatabaseDialog(rows);
        });
        menu.exec(hostView->viewport()->mapToGlobal(pos));
    });
    // Double-clicking a host filters the connection table to it.
    connect(hostView, &QTableView::doubleClicked, this, [this, hostProxy](const QModelIndex& index) {
        m_filterEdit->setText(hostProxy->index(index.row(), HostModel::Address).data().toString());
        m_tabs->setCurrentIndex(0);
    });
    const int hostTab = m_tabs->addTab(hostView, tr("Hos&ts"));
    m_hostSortTimer.setInterval(1000);
    connect(&m_hostSortTimer, &QTimer::timeout, this, [this, hostProxy] {
        if (m_hostsDirty)
            hostProxy->sort(hostProxy->sortColumn(), hostProxy->sortOrder());
        m_hostsDirty = false;
    });
    connect(m_hosts, &QAbstractItemModel::rowsInserted, this, [this] { m_hostsDirty = true; });
    connect(m_hosts, &QAbstractItemModel::dataChanged, this, [this] { m_hostsDirty = true; });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this, hostTab, hostProxy, hostView, charWidth](int index) {
        if (index == hostTab) {
            const int column = hostView->horizontalHeader()->sortIndicatorSection();
            const Qt::SortOrder order = hostView->horizontalHeader()->sortIndicatorOrder();
            hostProxy->setSourceModel(m_hosts);
            // Attaching resets the header: bring back the user's widths, or sensible ones.
            if (!hostView->horizontalHeader()->restoreState(m_hostHeaderState)) {
                hostView->setColumnWidth(HostModel::Address, 30 * charWidth);
                hostView->setColumnWidth(HostModel::FirstSeen, 32 * charWidth);
                hostView->setColumnWidth(HostModel::LastSeen, 32 * charWidth);
            }
            hostView->horizontalHeader()->setSortIndicator(column, order);
            hostProxy->sort(column, order);
            m_hostsDirty = false;
            m_hostSortTimer.start();
        } else if (hostProxy->sourceModel()) {
            m_hostSortTimer.stop();
            m_hostHeaderState = hostView->horizontalHeader()->saveState();
            hostProxy->setSourceModel(nullptr);
        }
    });

    m_overview = new OverviewCharts(m_timeline, m_histogram);
    m_tabs->addTab(m_overview, tr("&Overview"));
    setCentralWidget(m_tabs);

    connect(m_worker, &CaptureWorker::batchReady, this, &MainWindow::addBatch);
    connect(m_helper, &HelperProcess::dropsChanged, m_worker, &CaptureWorker::setCaptureDrops);
    connect(m_helper, &HelperProcess::started, this, [this](int, const QString& interface) {
        statusBar()->showMessage(tr("Capture helper is capturing on %1").arg(interface), 5000);
    });
    connect(m_helper, &HelperProcess::finished, this, [this] {
        // The stream broke because the helper ended: its own message (already shown) says why;
        // the reader's libpcap wording is shown only when the helper said nothing.
        if (!m_deferredError.isEmpty() && m_helper->lastError().isEmpty())
            reportFailure(tr("Capture failed"), m_deferredError);
        m_deferredError.clear();
        updateActions();
        updateTitle();
    });
    connect(m_helper, &HelperProcess::errorOccurred, this, [this](HelperProcess::ErrorKind kind, const QString& message) {
        m_worker->stop();
        m_deferredError.clear();
        // HelperProcess's messages are complete: the permission one carries the grant command.
        reportFailure(kind == HelperProcess::ErrorKind::BadFilter ? tr("Invalid capture filter") : tr("Capture failed"), message);
        updateActions();
        updateTitle();
    });
    connect(m_worker, &CaptureWorker::opened, this, &MainWindow::onOpened);
    connect(m_worker, &CaptureWorker::statsChanged, this, &MainWindow::showStats);
    connect(m_worker, &CaptureWorker::finished, this, &MainWindow::onFinished);
    connect(m_rescorer, &Rescorer::chunkReady, this, &MainWindow::onRescoreChunk);
    connect(m_rescorer, &Rescorer::finished, this, &MainWindow::onRescoreFinished);
    // Clearing the table (a new file or capture) resets the count too.
    const auto showEvicted = [this] {
        const quint64 evicted = m_model->store().evictedCount();
        const quint64 hosts = m_hosts->evictedCount();
        m_evictedLabel->setText(hosts > 0 ? tr("Evicted: %1 rows, %2 hosts").arg(count(evicted), count(hosts))
                                          : tr("Evicted: %1").arg(count(evicted)));
        m_evictedLabel->setVisible(evicted > 0 || hosts > 0);
    };
    connect(m_model, &QAbstractItemModel::modelReset, this, showEvicted);
    connect(m_model, &ConnectionModel::rowsAppended, this, [this, showEvicted] {
        m_scrollPending = true;
        showEvicted();
    });
    // The shown SYN's connection was reported meanwhile: its verdict appears in the pane.
    connect(m_model, &ConnectionModel::connectionsChanged, this, [this](int first, int last) {
        const QModelIndex source = m_proxy->mapToSource(m_table->currentIndex());
        if (source.isValid() && source.row() >= first && source.row() <= last)
            m_detail->showConnectionVerdict(m_model->store().connection(m_model->store().row(size_t(source.row()))));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { onCurrentRowChanged(current); });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::updateActions);

    // Right-click on the header shows or hides columns (kept with the header state).
    m_table->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table->horizontalHeader(), &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        QHeaderView* header = m_table->horizontalHeader();
        QMenu menu(this);
        for (int c = 0; c < m_proxy->columnCount(); ++c) {
            QAction* a = menu.addAction(m_proxy->headerData(c, Qt::Horizontal).toString());
            a->setCheckable(true);
            a->setChecked(!header->isSectionHidden(c));
            a->setEnabled(header->hiddenSectionCount() < m_proxy->columnCount() - 1 || header->isSectionHidden(c));
            connect(a, &QAction::toggled, header, [header, c](bool on) { header->setSectionHidden(c, !on); });
        }
        menu.exec(header->mapToGlobal(pos));
    });
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, &MainWindow::tableContextMenu);
    auto* copy = new QAction(tr("&Copy Rows"), m_table);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    connect(copy, &QAction::triggered, this, &MainWindow::copySelectedRows);
    m_table->addAction(copy);

    // Auto-scroll at most every 100 ms, never per row.
    m_scrollTimer.setInterval(kAutoScrollMs);
    connect(&m_scrollTimer, &QTimer::timeout, this, [this] {
        if (m_scrollPending && m_autoScrollAction->isChecked())
            m_table->scrollToBottom();
        m_scrollPending = false;
    });
    m_scrollTimer.start();

    createActions();
    createMenus();
    createToolBar();
    createStatusBar();
    readSettings();
    updateActions();
    updateTitle();
}

MainWindow::~MainWindow()
{
    stopCapture();
}

void MainWindow::createActions()
{
    m_openAction = new QAction(themedIcon("document-open", QStyle::SP_DialogOpenButton), tr("&Open…"), this);
    m_openAction->setShortcut(QKeySequence::Open);
    m_openAction->setToolTip(tr("Open a pcap or pcapng capture file (Ctrl+O)"));
    connect(m_openAction, &QAction::triggered, this, &MainWindow::openFileDialog);

    m_exportAction = new QAction(themedIcon("document-save-as", QStyle::SP_DialogSaveButton), tr("&Export Table…"), this);
    m_exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_exportAction->setToolTip(tr("Write the rows that pass the display filter as CSV or JSON lines"));
    connect(m_exportAction, &QAction::triggered, this, [this] { exportDialog(false); });

    m_exportSelectedAction = new QAction(tr("Export &Selected Rows…"), this);
    m_exportSelectedAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    connect(m_exportSelectedAction, &QAction::triggered, this, [this] { exportDialog(true); });

    m_accessLogAction = new QAction(tr("Correlate Access &Log…"), this);
    m_accessLogAction->setToolTip(tr("Join a web server's access log (nginx, Apache) to the connections: "
                                     "each request's User-Agent is compared with its SYN's stack"));
    connect(m_accessLogAction, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Correlate Access Log"), QString(),
                                                          tr("Access logs (*.log access*);;All files (*)"));
        if (path.isEmpty())
            return;
        QString error;
        if (!setAccessLog(path, &error))
            reportFailure(tr("Cannot use access log"), error);
    });

    m_suspiciousAction = new QAction(tr("&Suspicious Only"), this);
    m_suspiciousAction->setCheckable(true);
    m_suspiciousAction->setToolTip(tr("Show only connections whose verdict is flagged (filter word \"suspicious\")"));
    connect(m_suspiciousAction, &QAction::toggled, this, [this](bool on) {
        QStringList words = m_filterEdit->text().split(u' ', Qt::SkipEmptyParts);
        words.removeAll(QStringLiteral("suspicious"));
        if (on)
            words.prepend(QStringLiteral("suspicious"));
        m_filterEdit->setText(words.join(u' '));
        applyDisplayFilter();
    });

    m_startAction = new QAction(themedIcon("media-record", QStyle::SP_MediaPlay), tr("&Start Capture…"), this);
    m_startAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    m_startAction->setToolTip(tr("Choose an interface and start a live capture (Ctrl+K)"));
    connect(m_startAction, &QAction::triggered, this, &MainWindow::captureDialog);

    m_stopAction = new QAction(themedIcon("media-playback-stop", QStyle::SP_MediaStop), tr("S&top Capture"), this);
    m_stopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    m_stopAction->setToolTip(tr("Stop the running capture or file read (Ctrl+.)"));
    connect(m_stopAction, &QAction::triggered, this, &MainWindow::stopCapture);

    m_restartAction = new QAction(themedIcon("view-refresh", QStyle::SP_BrowserReload), tr("&Restart Capture"), this);
    m_restartAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_restartAction->setToolTip(tr("Clear the table and capture (or read the file) again (Ctrl+R)"));
    connect(m_restartAction, &QAction::triggered, this, &MainWindow::restartCapture);

    m_autoScrollAction = new QAction(themedIcon("go-bottom", QStyle::SP_ArrowDown), tr("&Auto-Scroll"), this);
    m_autoScrollAction->setCheckable(true);
    m_autoScrollAction->setChecked(true);
    m_autoScrollAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    m_autoScrollAction->setToolTip(tr("Keep the newest connection in view; untick to pause scrolling"));

    m_relativeTimeAction = new QAction(tr("&Relative Time"), this);
    m_relativeTimeAction->setCheckable(true);
    m_relativeTimeAction->setChecked(m_model->relativeTime());
    connect(m_relativeTimeAction, &QAction::toggled, m_model, &ConnectionModel::setRelativeTime);

    m_loadDbAction = new QAction(themedIcon("document-import", QStyle::SP_DirOpenIcon), tr("Load &Database…"), this);
    m_loadDbAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    connect(m_loadDbAction, &QAction::triggered, this, &MainWindow::loadDatabaseDialog);
    m_editDbAction = new QAction(tr("&Edit Database…"), this);
    m_editDbAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    m_editDbAction->setStatusTip(tr("Browse, label, import and export the fingerprint database; edits re-score the rows at once"));
    connect(m_editDbAction, &QAction::triggered, this, &MainWindow::showDatabaseWindow);
    m_addToDbAction = new QAction(tr("&Add to Database…"), this);
    m_addToDbAction->setStatusTip(tr("Label the selected connections' fingerprints as database entries"));
    connect(m_addToDbAction, &QAction::triggered, this, [this] {
        std::vector<size_t> rows;
        for (const QModelIndex& i : m_table->selectionModel()->selectedRows())
            rows.push_back(size_t(m_proxy->mapToSource(i).row()));
        std::sort(rows.begin(), rows.end());
        addRowsToDatabaseDialog(rows);
    });
    m_evaluateAction = new QAction(tr("E&valuate Database…"), this);
    m_evaluateAction->setStatusTip(tr("Leave-one-out accuracy, confusion matrix and confidence of the database that classifies"));
    connect(m_evaluateAction, &QAction::triggered, this, &MainWindow::showEvaluation);
    m_builtinDbAction = new QAction(tr("Use &Built-in Database"), this);
    connect(m_builtinDbAction, &QAction::triggered, this, [this] {
        QString error;
        if (!loadDatabase(QString(), &error))
            showError(tr("Database"), error);
    });

    m_profileGroup = new QActionGroup(this);
    for (const Profile* p : Profile::all()) {
        QAction* a = m_profileGroup->addAction(p->name());
        a->setCheckable(true);
        a->setChecked(p == m_profile);
        a->setToolTip(p->description());
        a->setStatusTip(p->description());
        connect(a, &QAction::triggered, this, [this, p] { setProfileName(p->name()); });
    }
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    file->addAction(m_accessLogAction);
    file->addSeparator();
    file->addAction(m_exportAction);
    file->addAction(m_exportSelectedAction);
    file->addSeparator();
    QAction* quit = file->addAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* capture = menuBar()->addMenu(tr("&Capture"));
    capture->addAction(m_startAction);
    capture->addAction(m_stopAction);
    capture->addAction(m_restartAction);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    QAction* focusFilter = m_viewMenu->addAction(tr("Go to Display &Filter"), this, [this] {
        m_filterEdit->setFocus();
        m_filterEdit->selectAll();
    });
    focusFilter->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Slash));
    m_viewMenu->addAction(m_suspiciousAction);
    m_viewMenu->addAction(m_autoScrollAction);
    m_viewMenu->addAction(m_relativeTimeAction);
    QAction* showDetail = m_viewMenu->addAction(tr("&Detail Pane"));
    showDetail->setCheckable(true);
    showDetail->setChecked(true);
    showDetail->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_J));
    connect(showDetail, &QAction::toggled, m_detail, &QWidget::setVisible);
    m_viewMenu->addAction(tr("Row &Limit..."), this, [this] {
        bool ok = false;
        const int cap = QInputDialog::getInt(
            this, tr("Row Limit"),
            tr("Connections (and hosts) kept; beyond this the oldest are removed:"),
            int(m_model->store().rowCap()), 1000, 50'000'000, 100'000, &ok);
        if (ok)
            setRowCap(size_t(cap));
    });
    m_viewMenu->addSeparator();

    QMenu* analyze = menuBar()->addMenu(tr("&Analyze"));
    analyze->addAction(m_loadDbAction);
    analyze->addAction(m_builtinDbAction);
    analyze->addSeparator();
    analyze->addAction(m_editDbAction);
    analyze->addAction(m_addToDbAction);
    analyze->addAction(m_evaluateAction);
    analyze->addSeparator();
    QMenu* profiles = analyze->addMenu(tr("Scoring &Profile"));
    profiles->addActions(m_profileGroup->actions());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(QIcon::fromTheme(QStringLiteral("help-about")), tr("&About SynScope"), this, [this] {
        QMessageBox::about(this, tr("About SynScope"),
                           tr("<h3>SynScope %1</h3>"
                              "<p>Passive TCP/IP SYN fingerprinting: the first packet of every TCP "
                              "connection, scored field by field against a labelled database, with "
                              "hop distance, MTU and tunnel detection.</p>"
                              "<p>Licensed under the GNU General Public License, version 3 or later.</p>")
                               .arg(QApplication::applicationVersion()));
    });
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::createToolBar()
{
    QToolBar* bar = addToolBar(tr("Main Toolbar"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_openAction);
    bar->addSeparator();
    bar->addAction(m_startAction);
    bar->addAction(m_stopAction);
    bar->addAction(m_restartAction);
    bar->addSeparator();
    bar->addAction(m_autoScrollAction);
    bar->addAction(m_exportAction);
    m_viewMenu->addAction(bar->toggleViewAction());
    QAction* statusToggle = m_viewMenu->addAction(tr("&Status Bar"));
    statusToggle->setCheckable(true);
    statusToggle->setChecked(true);
    connect(statusToggle, &QAction::toggled, statusBar(), &QWidget::setVisible);
}

void MainWindow::createStatusBar()
{
    auto label = [this](const QString& tip) {
        auto* l = new QLabel;
        l->setToolTip(tip);
        statusBar()->addPermanentWidget(l);
        return l;
    };
    m_packetsLabel = label(tr("Frames read from the file or interface"));
    m_synLabel = label(tr("SYN and SYN+ACK packets decoded"));
    m_dropsLabel = label(tr("Frames that could not be decoded or were dropped by the capture"));
    m_rateLabel = label(tr("SYN and SYN+ACK per second"));
    m_flowsLabel = label(QString());
    m_evictedLabel = label(tr("Oldest rows and hosts removed to stay under the limit (View > Row Limit)"));
    m_dbLabel = label(QString());
    m_rescoreLabel = label(tr("Rows shown are being scored again with the edited database"));
    m_rescoreLabel->hide();
    m_profileLabel = label(tr("Scoring profile (Analyze > Scoring Profile)"));
    showStats(CaptureStats{});
    m_evictedLabel->hide();
}

void MainWindow::readSettings()
{
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    if (!m_splitter->restoreState(s.value(QStringLiteral("window/splitter")).toByteArray()))
        m_splitter->setSizes({300, 450});
    m_table->horizontalHeader()->restoreState(s.value(QStringLiteral("table/header")).toByteArray());
    m_detail->restoreLayout(s.value(QStringLiteral("window/detailSplitter")).toByteArray());
    m_autoScrollAction->setChecked(s.value(QStringLiteral("table/autoScroll"), true).toBool());
    // Not setRowCap(): its status message confirms a change the user made, not a restored value.
    const size_t rowCap = s.value(QStringLiteral("table/rowCap"), qulonglong(ConnectionStore::kDefaultRowCap))
                              .toULongLong();
    m_model->setRowCap(rowCap);
    m_hosts->setHostCap(rowCap);
    m_worker->setHostCap(rowCap);
    m_relativeTimeAction->setChecked(s.value(QStringLiteral("table/relativeTime"), true).toBool());
    m_recentFiles = s.value(QStringLiteral("files/recent")).toStringList();
    m_live.interface = s.value(QStringLiteral("capture/interface")).toString().toStdString();
    m_live.filter = s.value(QStringLiteral("capture/filter"), QString::fromStdString(defaultLiveFilter())).toString().toStdString();
    m_filterEdit->setText(s.value(QStringLiteral("table/displayFilter")).toString());
    applyDisplayFilter();
    if (const Profile* p = Profile::byName(s.value(QStringLiteral("match/profile")).toString()))
        setProfileName(p->name());
    const QString db = s.value(QStringLiteral("match/database")).toString();
    QString error;
    if (!db.isEmpty() && !loadDatabase(db, &error))
        statusBar()->showMessage(tr("Saved database not loaded: %1").arg(error), 10000);
    updateRecentMenu();
}

void MainWindow::writeSettings() const
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("window/splitter"), m_splitter->saveState());
    s.setValue(QStringLiteral("table/header"), m_table->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("window/detailSplitter"), m_detail->saveLayout());
    s.setValue(QStringLiteral("table/autoScroll"), m_autoScrollAction->isChecked());
    s.setValue(QStringLiteral("table/rowCap"), qulonglong(m_model->store().rowCap()));
    s.setValue(QStringLiteral("table/relativeTime"), m_relativeTimeAction->isChecked());
    s.setValue(QStringLiteral("table/displayFilter"), m_filterEdit->text());
    s.setValue(QStringLiteral("files/recent"), m_recentFiles);
    s.setValue(QStringLiteral("capture/interface"), QString::fromStdString(m_live.interface));
    s.setValue(QStringLiteral("capture/filter"), QString::fromStdString(m_live.filter));
    s.setValue(QStringLiteral("match/profile"), m_profile->name());
    s.setValue(QStringLiteral("match/database"), m_dbPath);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    stopCapture();
    writeSettings();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.front().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.front().isLocalFile()) {
        event->acceptProposedAction();
        openCaptureFile(urls.front().toLocalFile());
    }
}

bool MainWindow::loadDatabase(const QString& path, QString* error)
{
    if (!path.isEmpty() && FingerprintStore::isStoreFile(path))
        return openStore(path, error);   // a store is edited where it is
    if (path.isEmpty()) {
        m_db = std::make_shared<const Database>(Database::builtin());
    } else {
        std::optional<Database> db = Database::load(path, error);
        if (!db)
            return false;
        m_db = std::make_shared<const Database>(std::move(*db));
    }
    m_dbPath = path;
    closeStore();   // another database classifies now: the editor's store no longer does
    applySnapshot();
    return true;
}

bool MainWindow::openStore(const QString& path, QString* error)
{
    const Database seed = Database::builtin();
    std::unique_ptr<FingerprintStore> store = FingerprintStore::open(path, error, &seed);
    if (!store)
        return false;
    closeStore();
    m_store = std::move(store);
    m_dbModel = new DatabaseModel(*m_store, this);
    // Every change of the store (and its undo and redo) is a new snapshot: the capture classifies
    // with it from its next packet, the rows shown are re-scored.
    connect(m_dbModel, &DatabaseModel::changed, this, [this] {
        m_db = std::make_shared<const Database>(m_dbModel->snapshot());
        applySnapshot();
    });
    m_db = std::make_shared<const Database>(m_dbModel->snapshot());
    m_dbPath = path;
    applySnapshot();
    return true;
}

void MainWindow::closeStore()
{
    delete m_dbWindow;
    m_dbWindow = nullptr;
    delete m_dbModel;
    m_dbModel = nullptr;
    m_store.reset();
}

DatabaseModel* MainWindow::databaseModel(QString* error)
{
    if (!m_dbModel && !openStore(FingerprintStore::defaultPath(), error))
        return nullptr;
    return m_dbModel;
}

DatabaseWindow* MainWindow::showDatabaseWindow()
{
    QString error;
    DatabaseModel* model = databaseModel(&error);
    if (!model) {
        showError(tr("Cannot open the fingerprint database"), error);
        return nullptr;
    }
    if (!m_dbWindow)
        m_dbWindow = new DatabaseWindow(model, this);
    m_dbWindow->setWindowFlag(Qt::Window);
    m_dbWindow->show();
    m_dbWindow->raise();
    m_dbWindow->activateWindow();
    return m_dbWindow;
}

EvaluationWindow* MainWindow::showEvaluation()
{
    if (!m_evalWindow)
        m_evalWindow = new EvaluationWindow(this);
    m_evalWindow->show();
    m_evalWindow->raise();
    m_evalWindow->evaluate(m_db, *m_profile);
    return m_evalWindow;
}

std::vector<StoredEntry> MainWindow::proposedEntries(const std::vector<size_t>& storeRows) const
{
    const ConnectionStore& store = m_model->store();
    const QString capture = m_source == Source::Live ? QString::fromStdString(m_live.interface) : m_filePath;
    std::vector<StoredEntry> out;
    QSet<QByteArray> seen;
    for (size_t i : storeRows) {
        SynRecord rec;
        if (i >= store.size() || !store.record(i, &rec))
            continue;
        QString userAgent;
        if (const ConnectionInfo* c = store.connection(store.row(i)); c && c->flow)
            userAgent = QString::fromStdString(c->flow->user_agent);
        StoredEntry e = capturedEntry(rec, capture, userAgent);
        // One entry per fingerprint: a host's hundred identical SYNs are one stack.
        const QByteArray key = fingerprintKey(e.entry);
        if (!seen.contains(key)) {
            seen.insert(key);
            out.push_back(std::move(e));
        }
    }
    return out;
}

bool MainWindow::addToDatabase(std::vector<StoredEntry> entries, QString* error)
{
    DatabaseModel* model = databaseModel(error);
    if (!model)
        return false;
    const int n = int(entries.size());
    if (!model->addEntries(std::move(entries), tr("Add %n fingerprints from the capture", nullptr, n), error))
        return false;
    statusBar()->showMessage(tr("Added %n entries to %1", nullptr, n).arg(QFileInfo(m_store->path()).fileName()), 8000);
    return true;
}

void MainWindow::addRowsToDatabaseDialog(const std::vector<size_t>& storeRows)
{
    QString error;
    DatabaseModel* model = databaseModel(&error);
    if (!model) {
        showError(tr("Cannot open the fingerprint database"), error);
        return;
    }
    std::vector<StoredEntry> proposed = proposedEntries(storeRows);
    if (proposed.empty()) {
        statusBar()->showMessage(tr("The selected rows' stored bytes no longer decode: nothing to add"), 8000);
        return;
    }
    AddEntryDialog dialog(std::move(proposed), model->classes(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    if (!addToDatabase(dialog.entries(), &error))
        showError(tr("Database unchanged"), error);
}

bool MainWindow::setProfileName(const QString& name)
{
    const Profile* p = Profile::byName(name);
    if (!p)
        return false;
    for (QAction* a : m_profileGroup->actions())
        a->setChecked(a->text() == p->name());
    if (p == m_profile)
        return true;
    m_profile = p;
    applySnapshot();
    return true;
}

// The database or the profile changed: a running capture classifies with the new snapshot from
// its next packet, and the rows on screen are re-scored in place (the selected one first) without
// reading the file again.
void MainWindow::applySnapshot()
{
    // An export reads the rows and their database from its thread: the new snapshot waits for it.
    if (m_export) {
        m_snapshotPending = true;
        return;
    }
    m_snapshotPending = false;
    m_detail->setMatcher(m_db, *m_profile);
    m_worker->setDatabase(m_db, m_profile);
    m_model->switchDatabase(m_db, m_profile);
    updateTitle();
    updateMatcherLabels();
    if (m_evalWindow && m_evalWindow->isVisible())
        m_evalWindow->evaluate(m_db, *m_profile);   // what the change did, against the last run
    if (m_model->store().size() == 0) {
        stopRescore();
        rebuildAggregates();
        return;
    }
    m_model->takeStale();   // every row is in this job
    startRescore({}, currentFrame());
}

int64_t MainWindow::currentFrame() const
{
    const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
    return current.isValid() ? int64_t(m_model->store().row(size_t(current.row())).frame) : -1;
}

void MainWindow::stopRescore()
{
    m_rescorer->cancel();
    m_heldChunks.clear();
    m_recount.reset();
    m_rescoreLabel->hide();
    m_proxy->setDeferred(false);
}

void MainWindow::startRescore(const std::vector<uint32_t>& frames, int64_t firstFrame)
{
    const ConnectionStore& store = m_model->store();
    m_recount.reset();
    m_heldChunks.clear();   // of the job this one replaces
    m_rescoreArrivals = store.size() + store.evictedCount();
    m_rescorer->start(store, frames, firstFrame, m_hosts->hostCap());
    m_proxy->setDeferred(true);
    m_rescoreLabel->setText(tr("Re-scoring…"));
    m_rescoreLabel->show();
}

void MainWindow::onRescoreChunk(const RescoreChunkPtr& chunk)
{
    // An export reads the rows from its thread: their new scores wait until it is done.
    if (m_export) {
        m_heldChunks.push_back(chunk);
        return;
    }
    m_model->applyScores(*chunk);
    if (chunk->recount)
        m_recount = chunk->recount;
    m_rescoreLabel->setText(tr("Re-scoring: %1 of %2").arg(count(chunk->done), count(chunk->total)));
}

void MainWindow::onRescoreFinished()
{
    if (m_export)
        return;   // once the held chunks are applied (exportFinished)
    // Rows of batches that were on their way when the snapshot changed come next.
    const std::vector<uint32_t> stale = m_model->takeStale();
    if (!stale.empty()) {
        startRescore(stale);
        return;
    }
    m_rescoreLabel->hide();
    m_proxy->setDeferred(false);   // filtered and sorted once, the selection kept
    rebuildAggregates();
    statusBar()->showMessage(tr("%1 rows re-scored with %2").arg(count(m_model->store().size()), m_db->name), 5000);
    Q_EMIT rescored();
}

// The hosts view and the charts count every row by its verdict: after a re-scoring they are
// counted again from the rows kept (rows the row limit removed are no longer counted), from the
// rescorer's recount when no row came or went since its job started.
void MainWindow::rebuildAggregates()
{
    const ConnectionStore& store = m_model->store();
    RowBatchPtr all = std::exchange(m_recount, nullptr);
    if (!all || all->rows.size() != store.size() || store.size() + store.evictedCount() != m_rescoreArrivals)
        all = store.asBatch();
    m_hosts->clear();
    m_timeline->clear();
    m_histogram->clear();
    if (!all)
        return;
    m_hosts->addBatch(all);
    m_timeline->addBatch(all);
    m_histogram->addBatch(all);
}

CaptureConfig MainWindow::captureConfig() const
{
    CaptureConfig config;
    config.database = m_db;
    config.profile = m_profile;
    config.accessLogPath = m_accessLogPath;
    return config;
}

// Rows are scored on the worker thread: another database or profile means reading again.
void MainWindow::rescan()
{
    if (m_source == Source::File)
        openCaptureFile(m_filePath);
    else if (m_source == Source::Live && isCapturing())
        restartCapture();
}

bool MainWindow::isCapturing() const { return m_worker->isRunning(); }

bool MainWindow::isRescoring() const { return m_rescorer->isRunning() || !m_heldChunks.empty(); }

bool MainWindow::setAccessLog(const QString& path, QString* error)
{
    if (!path.isEmpty()) {
        AccessLogIndex probe;
        std::string why;
        if (!AccessLogTail::open(path.toStdString(), {}, AccessLogTail::Reading::Live, probe, &why)) {
            *error = QString::fromStdString(why);
            return false;
        }
    }
    m_accessLogPath = path;
    statusBar()->showMessage(path.isEmpty() ? tr("No access log") : tr("Access log: %1").arg(path), 5000);
    rescan();
    return true;
}

void MainWindow::setRowCap(size_t cap)
{
    m_model->setRowCap(cap);
    m_hosts->setHostCap(cap);
    m_worker->setHostCap(cap);
    statusBar()->showMessage(tr("Row limit: %1 connections (applies as new rows arrive)").arg(cap), 5000);
}

void MainWindow::openCaptureFile(const QString& path)
{
    // A regular file is checked here, so one that cannot be read leaves the capture on screen,
    // the title and Open Recent as they were. A pipe or FIFO is only known good once the worker
    // has opened it (onOpened); until then, too, nothing shown changes.
    if (QFileInfo(path).isFile()) {
        std::string error;
        if (!PacketSource::openFile(path.toStdString(), &error)) {
            reportFailure(tr("Cannot read capture file"), QString::fromStdString(error));
            return;
        }
    }
    if (m_helper->isRunning())
        m_helper->stop();
    m_pending = Pending{Source::File, path, {}};
    m_worker->startFile(path, captureConfig());
    updateActions();
}

void MainWindow::openFileDialog()
{
    const QString dir = m_recentFiles.isEmpty() ? QString() : QFileInfo(m_recentFiles.front()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Capture File"), dir, kCaptureFileFilter);
    if (!path.isEmpty())
        openCaptureFile(path);
}

void MainWindow::captureDialog()
{
    CaptureDialog dialog(QString::fromStdString(m_live.interface), QString::fromStdString(m_live.filter), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    LiveOptions options = m_live;
    options.interface = dialog.interfaceName().toStdString();
    options.filter = dialog.filter().toStdString();
    options.promiscuous = dialog.promiscuous();
    startLiveCapture(options);
}

void MainWindow::startLiveCapture(const LiveOptions& options)
{
    if (m_helper->isRunning())
        m_helper->stop();
    m_worker->stop();
    m_deferredError.clear();
    // What is shown is replaced once the capture has really started (onOpened).
    m_pending = Pending{Source::Live, QString(), options};
    if (geteuid() == 0) {
        m_worker->startLive(options, captureConfig());
    } else {
        // Without root the privileged helper captures and streams pcap through a pipe.
        const int fd = m_helper->start(QString::fromStdString(options.interface), QString::fromStdString(options.filter),
                                       options.snaplen, options.promiscuous);
        if (fd >= 0)
            m_worker->startFd(fd, captureConfig());
    }
    updateActions();
}

void MainWindow::onOpened()
{
    clearData();
    m_source = m_pending.source;
    if (m_source == Source::File) {
        m_filePath = m_pending.path;
        addRecentFile(m_filePath);
    } else {
        m_live = m_pending.live;
    }
    m_pending = Pending{};
    updateTitle();
    updateActions();
}

void MainWindow::stopCapture()
{
    // Through the helper: on SIGTERM it reports final drops and closes the stream, which ends the
    // run with its last rows. Direct capture: finish() keeps the rows read so far.
    if (m_helper->isRunning())
        m_helper->stop();
    else
        m_worker->finish();
    updateActions();
    updateTitle();
}

void MainWindow::clearData()
{
    // The export reads the rows about to go: it finishes (cancelled) first.
    if (m_export) {
        m_export->cancel();
        delete m_export;   // joins its thread; its finished() is not delivered
        m_export = nullptr;
        m_heldBatches.clear();
        m_relativeTimeAction->setEnabled(true);
    }
    stopRescore();
    m_model->clear();
    // Shown against the window's database from the start: a batch still scored with an older
    // snapshot is then re-scored, never adopted.
    m_model->switchDatabase(m_db, m_profile);
    m_hosts->clear();
    m_timeline->clear();
    m_histogram->clear();
    m_detail->clear();
    showStats(CaptureStats{});
    if (m_snapshotPending)   // an edit made during the export cancelled above
        applySnapshot();
}

void MainWindow::restartCapture()
{
    if (m_source == Source::File)
        openCaptureFile(m_filePath);
    else if (m_source == Source::Live)
        startLiveCapture(m_live);
}

void MainWindow::onFinished(quint64 generation, const QString& error)
{
    if (generation != m_worker->generation())
        return;
    const bool neverOpened = m_pending.source != Source::None;
    const Source ran = neverOpened ? m_pending.source : m_source;
    m_pending = Pending{};
    updateActions();
    updateTitle();
    if (neverOpened && error.isEmpty()) {
        statusBar()->showMessage(tr("Stopped before anything was read"), 5000);
        return;
    }
    if (!error.isEmpty()) {
        // A helper-fed stream ends when the helper does: wait for its exit to know whether it
        // has a better explanation than the broken stream.
        if (m_helper->isRunning() || !m_helper->lastError().isEmpty()) {
            if (m_helper->isRunning())
                m_deferredError = error;
            return;
        }
        reportFailure(ran == Source::File ? tr("Cannot read capture file") : tr("Capture failed"), error);
        return;
    }
    if (m_source == Source::File) {
        m_timeline->flush();
        m_histogram->flush();
        statusBar()->showMessage(tr("Read %1: %2 connections").arg(QFileInfo(m_filePath).fileName(), count(m_model->rowCount())), 5000);
        Q_EMIT fileLoaded();
    }
}

void MainWindow::showStats(const CaptureStats& st)
{
    m_packetsLabel->setText(tr("Packets: %1").arg(count(st.packets)));
    m_synLabel->setText(tr("SYN: %1 · SYN+ACK: %2").arg(count(st.syn), count(st.synAck)));
    const quint64 drops = st.decodeDroppedTotal + st.unsupportedLinkType + st.captureDropped + st.captureIfDropped;
    m_dropsLabel->setText(tr("Drops: %1").arg(count(drops)));
    QStringList why;
    for (size_t i = 0; i < st.decodeDropped.size(); ++i)
        if (st.decodeDropped[i] > 0)
            why << tr("%1: %2").arg(QString::fromLatin1(dropReasonName(static_cast<DropReason>(i))), count(st.decodeDropped[i]));
    if (st.unsupportedLinkType > 0)
        why << tr("unsupported link type: %1").arg(count(st.unsupportedLinkType));
    if (st.captureDropped > 0)
        why << tr("dropped by the kernel: %1").arg(count(st.captureDropped));
    if (st.captureIfDropped > 0)
        why << tr("dropped by the interface: %1").arg(count(st.captureIfDropped));
    m_dropsLabel->setToolTip(why.isEmpty() ? tr("Nothing was dropped") : why.join(QLatin1Char('\n')));
    m_dropsLabel->setStyleSheet(drops > 0 ? QStringLiteral("color: #c62828") : QString());
    m_rateLabel->setText(tr("Rate: %1/s").arg(st.recordsPerSecond, 0, 'f', 0));
    // The flow stage's counts: what was followed, what found a User-Agent, what the bounds cost.
    const FlowStats& f = st.flows;
    QString flows = tr("Connections: %1 followed, %2 with a User-Agent").arg(count(f.reported), count(f.user_agents));
    if (f.evicted || f.expired)
        flows += tr(", %1 evicted, %2 expired").arg(count(f.evicted), count(f.expired));
    if (!m_accessLogPath.isEmpty())
        flows += tr(" · access log: %1 lines (%2 not understood), %3 matched, %4 ambiguous")
                     .arg(count(st.accessLogLines), count(st.accessLogBadLines), count(f.access_log_matched),
                          count(f.access_log_ambiguous));
    m_flowsLabel->setToolTip(flows);
    m_flowsLabel->setText(tr("Connections: %1 (UA %2)").arg(count(f.reported), count(f.user_agents))
                          + (f.evicted ? tr(", %1 evicted").arg(count(f.evicted)) : QString()));
    updateMatcherLabels();
}

void MainWindow::updateMatcherLabels()
{
    m_dbLabel->setText(tr("DB: %1 (%2 entries)").arg(m_db->name.isEmpty() ? tr("unnamed") : m_db->name).arg(m_db->entries.size()));
    m_dbLabel->setToolTip(m_dbPath.isEmpty() ? tr("Built-in database") : m_dbPath);
    m_profileLabel->setText(tr("Profile: %1").arg(m_profile->name()));
}

void MainWindow::onCurrentRowChanged(const QModelIndex& current)
{
    const QModelIndex source = m_proxy->mapToSource(current);
    if (!source.isValid()) {
        m_detail->clear();
        return;
    }
    const size_t i = static_cast<size_t>(source.row());
    const ConnectionStore& store = m_model->store();
    const ConnectionRow& row = store.row(i);
    m_detail->showConnection(row, store.headerBytes(i));
    m_detail->showConnectionVerdict(store.connection(row));
}

void MainWindow::selectRow(int row)
{
    if (row < 0 || row >= m_proxy->rowCount())
        return;
    m_autoScrollAction->setChecked(false);
    m_table->selectRow(row);
    m_table->scrollTo(m_proxy->index(row, 0));
}

void MainWindow::applyDisplayFilter()
{
    m_proxy->setFilterText(m_filterEdit->text());
    const QString error = m_proxy->filterError();
    m_filterEdit->setStyleSheet(m_filterEdit->text().isEmpty() ? QString()
                                : error.isEmpty()           ? QStringLiteral("QLineEdit { background: #d7f5d7; color: black; }")
                                                            : QStringLiteral("QLineEdit { background: #f9d0d0; color: black; }"));
    m_filterEdit->setToolTip(error);
    if (!error.isEmpty())
        statusBar()->showMessage(tr("Display filter: %1").arg(error), 5000);
}

void MainWindow::addBatch(const RowBatchPtr& batch)
{
    // An export reads the connection model from its thread: nothing changes under it, the rows
    // that arrive meanwhile are added when it is done.
    if (m_export) {
        m_heldBatches.push_back(batch);
        return;
    }
    m_model->appendBatch(batch);
    m_hosts->addBatch(batch);
    m_timeline->addBatch(batch);
    m_histogram->addBatch(batch);
    // A batch scored before the snapshot changed: its rows are re-scored now, or after the job
    // running (onRescoreFinished).
    if (!m_rescorer->isRunning())
        if (std::vector<uint32_t> stale = m_model->takeStale(); !stale.empty())
            startRescore(stale);
}

bool MainWindow::exportRows(const QString& path, bool selectedOnly, QString* error)
{
    if (m_export) {
        *error = tr("An export is already running.");
        return false;
    }
    std::vector<size_t> storeRows;
    if (selectedOnly) {
        QModelIndexList selected = m_table->selectionModel()->selectedRows();
        std::sort(selected.begin(), selected.end());
        for (const QModelIndex& i : std::as_const(selected))
            storeRows.push_back(size_t(m_proxy->mapToSource(i).row()));
    } else {
        storeRows.reserve(size_t(m_proxy->rowCount()));
        for (int r = 0; r < m_proxy->rowCount(); ++r)
            storeRows.push_back(size_t(m_proxy->mapToSource(m_proxy->index(r, 0)).row()));
    }
    auto file = std::make_unique<QSaveFile>(path);
    if (!file->open(QIODevice::WriteOnly)) {
        *error = tr("Cannot write %1: %2").arg(path, file->errorString());
        return false;
    }
    const qulonglong total = storeRows.size();
    m_export = new ExportJob(*m_model, std::move(storeRows), exportFormatFor(path), *m_profile, std::move(file), this);
    auto* progress = new QProgressDialog(tr("Exporting %1 rows to %2…").arg(count(total), QFileInfo(path).fileName()),
                                         tr("Cancel"), 0, 1000, this);
    progress->setAttribute(Qt::WA_DeleteOnClose);
    progress->setMinimumDuration(500);   // a quick export shows no dialog
    progress->setAutoClose(false);
    progress->setAutoReset(false);
    connect(progress, &QProgressDialog::canceled, m_export, &ExportJob::cancel);
    connect(m_export, &ExportJob::progress, progress, [progress](qulonglong done, qulonglong all) {
        progress->setValue(all ? int(done * 1000 / all) : 0);
    });
    connect(m_export, &ExportJob::finished, this,
            [this, path, job = m_export, progress = QPointer<QProgressDialog>(progress)](
                bool ok, const QString& why, qulonglong written, int skipped) {
        if (job != m_export)   // cancelled by clearData(), which has already deleted it
            return;
        if (progress)
            progress->close();
        m_export = nullptr;
        job->deleteLater();
        m_relativeTimeAction->setEnabled(true);
        for (const RowBatchPtr& b : std::exchange(m_heldBatches, {}))
            addBatch(b);
        const bool rescored = !m_heldChunks.empty() && !m_rescorer->isRunning();
        for (const RescoreChunkPtr& c : std::exchange(m_heldChunks, {}))
            onRescoreChunk(c);
        if (rescored)
            onRescoreFinished();
        if (m_snapshotPending)
            applySnapshot();
        if (ok) {
            QString message = tr("Exported %1 rows to %2").arg(count(written), QFileInfo(path).fileName());
            if (skipped > 0)
                message += tr(" (%1 rows skipped: their stored bytes no longer decode)").arg(skipped);
            statusBar()->showMessage(message, 8000);
        } else if (why.isEmpty()) {
            statusBar()->showMessage(tr("Export cancelled; %1 unchanged").arg(QFileInfo(path).fileName()), 8000);
        } else {
            showError(tr("Export failed"), tr("Cannot write %1: %2").arg(path, why));
        }
        Q_EMIT exportFinished(ok, ok ? path : why);
    });
    // The export thread reads the time column's text: its format stays put meanwhile.
    m_relativeTimeAction->setEnabled(false);
    m_export->start();
    return true;
}

void MainWindow::exportDialog(bool selectedOnly)
{
    QString selectedFilter;
    const QString path = QFileDialog::getSaveFileName(
        this, selectedOnly ? tr("Export Selected Rows") : tr("Export Table"), QString(),
        tr("CSV (*.csv);;JSON lines (*.jsonl)"), &selectedFilter);
    if (path.isEmpty())
        return;
    QString target = path;
    if (QFileInfo(path).suffix().isEmpty())
        target += selectedFilter.contains(QLatin1String("jsonl")) ? QStringLiteral(".jsonl") : QStringLiteral(".csv");
    QString error;
    if (!exportRows(target, selectedOnly, &error))
        showError(tr("Export failed"), error);   // the file could not be opened; later failures report themselves
}

void MainWindow::loadDatabaseDialog()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Load Fingerprint Database"), QFileInfo(m_dbPath).absolutePath(),
        tr("Fingerprint databases (*.json *.fp *.xml *.sqlite);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!loadDatabase(path, &error))
        showError(tr("Cannot load database"), error);
}

void MainWindow::addRecentFile(const QString& path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    m_recentFiles.removeAll(absolute);
    m_recentFiles.prepend(absolute);
    while (m_recentFiles.size() > kMaxRecentFiles)
        m_recentFiles.removeLast();
    updateRecentMenu();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    for (const QString& path : std::as_const(m_recentFiles)) {
        QAction* a = m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openCaptureFile(path); });
        a->setToolTip(path);
        a->setStatusTip(path);
    }
    if (!m_recentFiles.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("&Clear List"), this, [this] {
            m_recentFiles.clear();
            updateRecentMenu();
        });
    }
    m_recentMenu->setEnabled(!m_recentFiles.isEmpty());
}

void MainWindow::updateActions()
{
    const bool running = isCapturing() || m_helper->isRunning();
    m_stopAction->setEnabled(running);
    m_restartAction->setEnabled(m_source != Source::None);
    m_exportSelectedAction->setEnabled(m_table->selectionModel()->hasSelection());
}

void MainWindow::updateTitle()
{
    QString what;
    if (m_source == Source::File)
        what = QFileInfo(m_filePath).fileName();
    else if (m_source == Source::Live && (isCapturing() || m_helper->isRunning()))
        what = tr("Capturing on %1").arg(QString::fromStdString(m_live.interface));
    else if (m_source == Source::Live)
        what = tr("Capture on %1 (stopped)").arg(QString::fromStdString(m_live.interface));
    setWindowTitle(what.isEmpty() ? tr("SynScope") : tr("%1 — SynScope").arg(what));
}

void MainWindow::copySelectedRows()
{
    QModelIndexList rows = m_table->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end());
    QStringList lines;
    for (const QModelIndex& row : std::as_const(rows)) {
        QStringList cells;
        for (int c = 0; c < m_proxy->columnCount(); ++c)
            cells << m_proxy->index(row.row(), c).data().toString();
        lines << cells.join(QLatin1Char('\t'));
    }
    if (!lines.isEmpty())
        QGuiApplication::clipboard()->setText(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
}

void MainWindow::tableContextMenu(const QPoint& pos)
{
    const QModelIndex index = m_table->indexAt(pos);
    if (!index.isValid())
        return;
    QMenu menu(this);
    auto addFilter = [&](const QString& label, const QString& clause) {
        menu.addAction(label, this, [this, clause] { m_filterEdit->setText(clause); });
    };
    const QString src = index.data(ConnectionModel::SourceAddressRole).toString();
    const QString dst = index.data(ConnectionModel::DestinationAddressRole).toString();
    addFilter(tr("Filter on Source %1").arg(src), src);
    addFilter(tr("Filter on Destination %1").arg(dst), dst);
    const int port = index.data(ConnectionModel::DestinationPortRole).toInt();
    addFilter(tr("Filter on Port %1").arg(port), QStringLiteral("port %1").arg(port));
    menu.addSeparator();
    menu.addActions(m_table->actions());
    menu.addAction(m_exportSelectedAction);
    menu.addAction(m_addToDbAction);
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void MainWindow::reportFailure(const QString& title, const QString& message)
{
    showError(title, message);
    Q_EMIT captureFailed(message);
}

void MainWindow::showError(const QString& title, const QString& message)
{
    statusBar()->showMessage(message, 10000);
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace synscope
