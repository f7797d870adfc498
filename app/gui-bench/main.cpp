// SPDX-License-Identifier: GPL-3.0-or-later
// synscope-gui-bench: replays a capture file through CaptureWorker into ConnectionModel and its
// filter proxy inside a real QApplication (offscreen unless a platform is set), as fast as the
// file can be read, and reports ingest rate, the longest GUI-thread stall (lateness of a 10 ms
// timer) and memory per row (store bytes / rows, and resident-set growth / rows).
#include "ui/capture/capture_worker.h"
#include "ui/models/aggregate_models.h"
#include "ui/models/connection_filter_model.h"
#include "ui/models/connection_model.h"
#include "ui/models/host_model.h"
#include "ui/models/rescorer.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QTableView>
#include <QTimer>

#include <cstdio>
#include <limits>
#include <optional>
#include <ctime>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace synscope;

namespace {

// Resident set size in bytes, from /proc/self/statm.
qint64 residentBytes()
{
    QFile f(u"/proc/self/statm"_s);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = f.readAll().split(' ');
    if (fields.size() < 2)
        return -1;
    return fields[1].toLongLong() * qint64(sysconf(_SC_PAGESIZE));
}

qint64 threadCpuUs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"synscope-gui-bench"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Replay a capture through the GUI's worker, model and proxy."_s);
    parser.addHelpOption();
    parser.addPositionalArgument(u"capture"_s, u"pcap or pcapng file"_s);
    const QCommandLineOption dbOpt(u"database"_s, u"database file (default: built in)"_s, u"path"_s);
    const QCommandLineOption profileOpt(u"profile"_s, u"scoring profile (default: synscope)"_s, u"name"_s);
    const QCommandLineOption capOpt(u"row-cap"_s, u"store row cap (default 1000000)"_s, u"rows"_s);
    const QCommandLineOption sortOpt(u"sort"_s, u"keep the proxy sorted by time, newest first"_s);
    const QCommandLineOption sortColumnOpt(u"sort-column"_s, u"keep the proxy sorted by this column (0-based), ascending"_s, u"column"_s);
    const QCommandLineOption filterOpt(u"filter"_s, u"display filter on the proxy"_s, u"text"_s);
    const QCommandLineOption viewOpt(u"view"_s, u"show the proxy in a table view set up as the main window's"_s);
    const QCommandLineOption aggOpt(u"aggregates"_s, u"also feed the host, timeline and histogram models"_s);
    const QCommandLineOption resortOpt(u"time-sorts"_s, u"after ingest, time sorting the proxy by each column"_s);
    const QCommandLineOption rowsOpt(u"batch-rows"_s, u"rows per batch (default 4096)"_s, u"rows"_s);
    const QCommandLineOption inFlightOpt(u"in-flight"_s, u"batches in flight to the GUI (default 1)"_s, u"n"_s);
    const QCommandLineOption rescoreOpt(u"rescore-with"_s, u"after ingest, re-score every row in place with this database (as an edit does), and time it"_s, u"path"_s);
    parser.addOptions({dbOpt, profileOpt, capOpt, sortOpt, sortColumnOpt, viewOpt, filterOpt, aggOpt, rowsOpt, inFlightOpt, resortOpt, rescoreOpt});
    parser.process(app);
    if (parser.positionalArguments().size() != 1) {
        std::fprintf(stderr, "%s\n", qPrintable(parser.helpText()));
        return 1;
    }

    CaptureConfig config;
    if (parser.isSet(dbOpt)) {
        QString error;
        auto db = Database::load(parser.value(dbOpt), &error);
        if (!db) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
        config.database = std::make_shared<const Database>(std::move(*db));
    } else {
        config.database = std::make_shared<const Database>(Database::builtin());
    }
    if (parser.isSet(profileOpt)) {
        config.profile = Profile::byName(parser.value(profileOpt));
        if (!config.profile) {
            std::fprintf(stderr, "unknown profile '%s'\n", qPrintable(parser.value(profileOpt)));
            return 1;
        }
    }

    config.aggregateHosts = parser.isSet(aggOpt);
    for (const auto& [opt, target] : {std::pair{&rowsOpt, &config.batchRows},
                                      std::pair{&inFlightOpt, &config.maxBatchesInFlight}}) {
        if (!parser.isSet(*opt))
            continue;
        bool ok = false;
        *target = parser.value(*opt).toInt(&ok);
        if (!ok || *target <= 0) {
            std::fprintf(stderr, "bad --%s '%s'\n", qPrintable(opt->names().constFirst()),
                         qPrintable(parser.value(*opt)));
            return 1;
        }
    }

    ConnectionModel model;
    if (parser.isSet(capOpt)) {
        bool ok = false;
        const qulonglong cap = parser.value(capOpt).toULongLong(&ok);
        if (!ok || cap == 0) {
            std::fprintf(stderr, "bad --row-cap '%s'\n", qPrintable(parser.value(capOpt)));
            return 1;
        }
        model.setRowCap(cap);
    }
    ConnectionFilterModel proxy;
    proxy.setSourceModel(&model);
    if (parser.isSet(sortOpt))
        proxy.sort(ConnectionModel::Time, Qt::DescendingOrder);
    if (parser.isSet(sortColumnOpt)) {
        bool ok = false;
        const int column = parser.value(sortColumnOpt).toInt(&ok);
        if (!ok || column < 0 || column >= ConnectionModel::NUM_COLUMNS) {
            std::fprintf(stderr, "bad --sort-column '%s'\n", qPrintable(parser.value(sortColumnOpt)));
            return 1;
        }
        proxy.sort(column, Qt::AscendingOrder);
    }
    if (parser.isSet(filterOpt)) {
        proxy.setFilterText(parser.value(filterOpt));
        if (!proxy.filterError().isEmpty()) {
            std::fprintf(stderr, "%s\n", qPrintable(proxy.filterError()));
            return 1;
        }
    }
    // What the window does with the proxy: a table view, auto-scrolled to the newest row.
    QTableView view;
    QTimer scroll;
    if (parser.isSet(viewOpt)) {
        // Enabling sorting sorts by the header's default indicator (newest first): the order
        // chosen above (arrival order, as the window starts, unless --sort*) is restored after it.
        const int sortColumn = proxy.sortColumn();
        const Qt::SortOrder sortOrder = proxy.sortOrder();
        view.setModel(&proxy);
        view.setSortingEnabled(true);
        view.sortByColumn(sortColumn, sortOrder);
        view.verticalHeader()->hide();
        view.verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
        view.resize(1400, 800);
        view.show();
        scroll.setInterval(100);
        QObject::connect(&scroll, &QTimer::timeout, &view, &QTableView::scrollToBottom);
        scroll.start();
    }
    HostModel hosts;
    OsTimelineModel timeline;
    ScoreHistogramModel histogram;

    CaptureWorker worker;
    // As the window does: one cap for rows and hosts, the worker's host table included.
    hosts.setHostCap(model.store().rowCap());
    worker.setHostCap(model.store().rowCap());
    // Wall and thread CPU time per consumer and batch: on a loaded machine the wall time includes
    // preemption by other processes, the CPU time is this program's own work.
    struct Cost {
        const char* name;
        qint64 worstWallUs = 0;
        qint64 worstCpuUs = 0;
    };
    Cost modelCost{"model+proxy"}, hostCost{"hosts"}, timelineCost{"timeline"}, histogramCost{"histogram"};
    auto timed = [](Cost& cost, auto&& work) {
        QElapsedTimer t;
        t.start();
        const qint64 cpu0 = threadCpuUs();
        work();
        cost.worstCpuUs = std::max(cost.worstCpuUs, threadCpuUs() - cpu0);
        cost.worstWallUs = std::max(cost.worstWallUs, t.nsecsElapsed() / 1000);
    };
    const bool aggregates = parser.isSet(aggOpt);
    quint64 batchCount = 0;
    QObject::connect(&worker, &CaptureWorker::batchReady, &model, [&](const RowBatchPtr& batch) {
        ++batchCount;
        timed(modelCost, [&] { model.appendBatch(batch); });
        if (aggregates) {
            timed(hostCost, [&] { hosts.addBatch(batch); });
            timed(timelineCost, [&] { timeline.addBatch(batch); });
            timed(histogramCost, [&] { histogram.addBatch(batch); });
        }
    });
    // The aggregates publish every 250 ms; the bench drives that itself so it can time it.
    QTimer publish;
    publish.setInterval(250);
    if (aggregates) {
        timeline.setUpdateInterval(std::numeric_limits<int>::max());
        histogram.setUpdateInterval(std::numeric_limits<int>::max());
        QObject::connect(&publish, &QTimer::timeout, [&] {
            timed(timelineCost, [&] { timeline.flush(); });
            timed(histogramCost, [&] { histogram.flush(); });
        });
    }

    // The stall probe: a 10 ms timer whose lateness is the time the GUI thread was busy.
    QElapsedTimer clock;
    qint64 lastTick = 0;
    qint64 worstStallMs = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(10);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        worstStallMs = std::max(worstStallMs, now - lastTick - 10);
        lastTick = now;
    });

    Rescorer rescorer;
    QElapsedTimer rescoreStart;
    Cost rescoreApply{"re-score"}, rescoreCopy{"copy"};
    size_t rescoredRows = 0;
    RowBatchPtr recount;

    CaptureStats lastStats;
    QObject::connect(&worker, &CaptureWorker::statsChanged, [&](const CaptureStats& s) { lastStats = s; });
    int exitCode = 0;
    qint64 rssBefore = 0;
    QObject::connect(&worker, &CaptureWorker::finished, [&](quint64, const QString& error) {
        const double seconds = double(clock.elapsed()) / 1000.0;
        probe.stop();
        if (!error.isEmpty()) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            exitCode = 2;
        }
        const ConnectionStore& store = model.store();
        const double appended = double(store.size() + store.evictedCount());
        const qint64 rssDelta = residentBytes() - rssBefore;
        std::printf("packets read          %llu\n", static_cast<unsigned long long>(lastStats.packets));
        std::printf("rows ingested         %.0f (in the store: %zu, evicted: %llu, proxy rows: %d)\n",
                    appended, store.size(), static_cast<unsigned long long>(store.evictedCount()),
                    proxy.rowCount());
        std::printf("decode drops          %llu\n", static_cast<unsigned long long>(lastStats.decodeDroppedTotal));
        std::printf("wall time             %.3f s\n", seconds);
        std::printf("ingest rate           %.0f rows/s\n", seconds > 0 ? appended / seconds : 0.0);
        std::printf("longest GUI stall     %lld ms (10 ms timer lateness)\n", static_cast<long long>(worstStallMs));
        std::printf("batches               %llu\n", static_cast<unsigned long long>(batchCount));
        if (aggregates)
            std::printf("hosts                 %d (evicted: %llu)\n", hosts.rowCount(),
                        static_cast<unsigned long long>(hosts.evictedCount()));
        for (const Cost* c : {&modelCost, &hostCost, &timelineCost, &histogramCost}) {
            if (c->worstWallUs > 0)
                std::printf("  longest %-12s %.1f ms (%.1f ms CPU) per batch\n", c->name,
                            double(c->worstWallUs) / 1000.0, double(c->worstCpuUs) / 1000.0);
        }
        if (store.size() > 0) {
            std::printf("store bytes per row   %.1f\n", double(store.memoryBytes()) / double(store.size()));
            std::printf("RSS delta per row     %.1f\n", double(rssDelta) / double(store.size()));
        }
        if (parser.isSet(resortOpt)) {
            for (int col = 0; col < ConnectionModel::NUM_COLUMNS; ++col) {
                QElapsedTimer t;
                t.start();
                proxy.sort(col, Qt::AscendingOrder);
                std::printf("sort by %-12s %lld ms\n",
                            qPrintable(model.headerData(col, Qt::Horizontal).toString()),
                            static_cast<long long>(t.elapsed()));
            }
            QElapsedTimer t;
            t.start();
            proxy.setFilterText(u"linux"_s);
            std::printf("text filter 'linux'  %lld ms (%d rows)\n", static_cast<long long>(t.elapsed()),
                        proxy.rowCount());
            t.restart();
            proxy.setFilterText(u"port 443"_s);
            std::printf("filter 'port 443'    %lld ms (%d rows)\n", static_cast<long long>(t.elapsed()),
                        proxy.rowCount());
        }
        if (!parser.isSet(rescoreOpt) || exitCode != 0) {
            app.exit(exitCode);
            return;
        }
        QString why;
        std::optional<Database> other = Database::load(parser.value(rescoreOpt), &why);
        if (!other) {
            std::fprintf(stderr, "%s\n", qPrintable(why));
            app.exit(1);
            return;
        }
        // What MainWindow::applySnapshot() does: the rows are shown against the new snapshot at
        // once, then re-scored on the rescorer's thread, chunk by chunk, the GUI thread applying.
        rescoreStart.start();
        worstStallMs = 0;
        lastTick = clock.elapsed();
        probe.start();
        timed(rescoreApply, [&] {
            model.switchDatabase(std::make_shared<const Database>(std::move(*other)), model.store().profile());
        });
        timed(rescoreCopy, [&] { rescorer.start(model.store(), {}, -1, aggregates ? hosts.hostCap() : 0); });
        std::printf("re-score: rows shown against the new snapshot in %.1f ms, copied for the thread in %.1f ms\n",
                    double(rescoreApply.worstWallUs) / 1000.0, double(rescoreCopy.worstWallUs) / 1000.0);
    });
    QObject::connect(&rescorer, &Rescorer::chunkReady, [&](const RescoreChunkPtr& chunk) {
        timed(rescoreApply, [&] { model.applyScores(*chunk); });
        rescoredRows = chunk->done;
        if (chunk->recount)
            recount = chunk->recount;
    });
    QObject::connect(&rescorer, &Rescorer::finished, [&] {
        const double seconds = double(rescoreStart.nsecsElapsed()) / 1e9;
        probe.stop();
        std::printf("re-scored rows        %zu in %.3f s (%.0f rows/s)\n", rescoredRows, seconds,
                    seconds > 0 ? double(rescoredRows) / seconds : 0.0);
        std::printf("  longest GUI stall   %lld ms; longest chunk applied %.1f ms\n",
                    static_cast<long long>(worstStallMs), double(rescoreApply.worstWallUs) / 1000.0);
        if (aggregates) {
            // MainWindow::rebuildAggregates(): from the rescorer's recount (hosts folded on its
            // thread), and for comparison from the store on the GUI thread, as when rows came
            // or went during the job.
            const auto recountFrom = [&](const RowBatchPtr& all, const char* what) {
                Cost h{"hosts"}, t{"timeline"}, g{"histogram"};
                timed(h, [&] { hosts.clear(); hosts.addBatch(all); });
                timed(t, [&] { timeline.clear(); timeline.addBatch(all); });
                timed(g, [&] { histogram.clear(); histogram.addBatch(all); });
                std::printf("  aggregates recounted %s: hosts %.1f ms, timeline %.1f ms, histogram %.1f ms (GUI thread)\n",
                            what, double(h.worstWallUs) / 1000.0, double(t.worstWallUs) / 1000.0,
                            double(g.worstWallUs) / 1000.0);
            };
            if (recount)
                recountFrom(recount, "from the rescorer's recount");
            Cost copy{"copy"};
            RowBatchPtr all;
            timed(copy, [&] { all = model.store().asBatch(); });
            std::printf("  rows copied from the store for a recount: %.1f ms\n", double(copy.worstWallUs) / 1000.0);
            recountFrom(all, "from the store");
        }
        app.exit(0);
    });

    QTimer::singleShot(0, [&] {
        rssBefore = residentBytes();
        clock.start();
        probe.start();
        if (aggregates)
            publish.start();
        worker.startFile(parser.positionalArguments().constFirst(), config);
    });
    return app.exec();
}
