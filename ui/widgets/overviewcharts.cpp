// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/overviewcharts.h"

#include "ui/models/aggregate_models.h"

#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QGraphicsLayout>
#include <QLineSeries>
#include <QSplitter>
#include <QValueAxis>
#include <QVBoxLayout>

namespace synscope {

namespace {

const QColor kPalette[] = {
    {78, 121, 167}, {242, 142, 43}, {89, 161, 79}, {225, 87, 89}, {118, 183, 178},
    {237, 201, 72}, {176, 122, 161}, {255, 157, 167}, {156, 117, 95}, {186, 176, 172},
};

QChart* newChart(const QString& title)
{
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignRight);
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    chart->setBackgroundRoundness(0);
    return chart;
}

} // namespace

OverviewCharts::OverviewCharts(OsTimelineModel* timeline, ScoreHistogramModel* histogram, QWidget* parent)
    : QWidget(parent)
    , m_timeline(timeline)
    , m_histogram(histogram)
    , m_timelineView(new QChartView(newChart(tr("OS classes over time"))))
    , m_histogramView(new QChartView(newChart(tr("Best score distribution"))))
{
    for (QChartView* v : {m_timelineView, m_histogramView})
        v->setRenderHint(QPainter::Antialiasing);
    m_histogramView->chart()->legend()->hide();

    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(m_timelineView);
    split->addWidget(m_histogramView);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    m_timer.setSingleShot(true);
    m_timer.setInterval(RefreshMs);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    watch(m_timeline);
    watch(m_histogram);
}

void OverviewCharts::watch(QAbstractItemModel* model)
{
    connect(model, &QAbstractItemModel::modelReset, this, &OverviewCharts::scheduleRefresh);
    connect(model, &QAbstractItemModel::dataChanged, this, &OverviewCharts::scheduleRefresh);
    connect(model, &QAbstractItemModel::rowsInserted, this, &OverviewCharts::scheduleRefresh);
    connect(model, &QAbstractItemModel::rowsRemoved, this, &OverviewCharts::scheduleRefresh);
    connect(model, &QAbstractItemModel::layoutChanged, this, &OverviewCharts::scheduleRefresh);
}

void OverviewCharts::scheduleRefresh()
{
    m_dirty = true;
    if (!m_timer.isActive())
        m_timer.start();
}

void OverviewCharts::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_dirty)
        refresh();
}

void OverviewCharts::refresh()
{
    m_dirty = false;
    rebuildTimeline();
    rebuildHistogram();
}

void OverviewCharts::rebuildTimeline()
{
    QChart* chart = m_timelineView->chart();
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes())
        chart->removeAxis(axis);
    m_classes.clear();
    m_totals.clear();

    const int rows = m_timeline->rowCount();
    const int columns = m_timeline->columnCount();
    auto* xAxis = new QValueAxis;
    xAxis->setTitleText(tr("Seconds since the first connection (buckets of %1 s)").arg(m_timeline->bucketSeconds()));
    xAxis->setLabelFormat(QStringLiteral("%g"));
    auto* yAxis = new QValueAxis;
    yAxis->setTitleText(tr("Connections"));
    yAxis->setLabelFormat(QStringLiteral("%g"));
    chart->addAxis(xAxis, Qt::AlignBottom);
    chart->addAxis(yAxis, Qt::AlignLeft);

    std::vector<double> base(size_t(rows), 0.0);
    QLineSeries* lower = nullptr;
    int colour = 0;
    for (int c = 1; c < columns; ++c) {
        quint64 total = 0;
        for (int r = 0; r < rows; ++r)
            total += m_timeline->index(r, c).data().toULongLong();
        if (total == 0)
            continue;
        // Steps: each bucket is flat over its width, so no slope suggests data between buckets.
        auto* upper = new QLineSeries;
        const double width = m_timeline->bucketSeconds();
        for (int r = 0; r < rows; ++r) {
            base[size_t(r)] += m_timeline->index(r, c).data().toDouble();
            const double start = m_timeline->index(r, 0).data().toDouble();
            upper->append(start, base[size_t(r)]);
            upper->append(start + width, base[size_t(r)]);
        }
        auto* area = new QAreaSeries(upper, lower);
        upper->setParent(area);
        const bool unmatched = c == columns - 1;
        const QString name = m_timeline->headerData(c, Qt::Horizontal).toString();
        area->setName(tr("%1 (%2)").arg(name).arg(total));
        const QColor color = unmatched ? QColor(170, 170, 170) : kPalette[colour++ % std::size(kPalette)];
        area->setColor(color);
        area->setBorderColor(color.darker(130));
        chart->addSeries(area);
        area->attachAxis(xAxis);
        area->attachAxis(yAxis);
        m_classes << name;
        m_totals << total;
        // The next class stacks on this one: its lower edge is a copy of this upper edge.
        lower = new QLineSeries(area);
        lower->append(upper->points());
    }
    const double maxY = base.empty() ? 1.0 : *std::max_element(base.begin(), base.end());
    yAxis->setRange(0, std::max(1.0, maxY * 1.1));
    yAxis->applyNiceNumbers();
    xAxis->setRange(0, std::max(m_timeline->bucketSeconds(), rows * m_timeline->bucketSeconds()));
    xAxis->applyNiceNumbers();
}

void OverviewCharts::rebuildHistogram()
{
    QChart* chart = m_histogramView->chart();
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes())
        chart->removeAxis(axis);
    m_bins.clear();

    auto* set = new QBarSet(tr("Connections"));
    set->setColor(kPalette[0]);
    QStringList labels;
    qreal maxCount = 0;
    for (int r = 0; r < m_histogram->rowCount(); ++r) {
        const qreal n = m_histogram->index(r, ScoreHistogramModel::Count).data().toDouble();
        set->append(n);
        m_bins << n;
        maxCount = std::max(maxCount, n);
        labels << QString::number(m_histogram->index(r, 0).data(ScoreHistogramModel::LowerBoundRole).toDouble(), 'f', 1);
    }
    auto* series = new QBarSeries;
    series->append(set);
    series->setBarWidth(0.9);
    chart->addSeries(series);
    auto* xAxis = new QBarCategoryAxis;
    xAxis->append(labels);
    xAxis->setTitleText(m_histogram->unmatched() > 0
                            ? tr("Best score (lower bin edge); %1 connections matched no entry").arg(m_histogram->unmatched())
                            : tr("Best score (lower bin edge)"));
    auto* yAxis = new QValueAxis;
    yAxis->setLabelFormat(QStringLiteral("%g"));
    yAxis->setRange(0, std::max<qreal>(1, maxCount * 1.1));
    yAxis->applyNiceNumbers();
    yAxis->setTitleText(tr("Connections"));
    chart->addAxis(xAxis, Qt::AlignBottom);
    chart->addAxis(yAxis, Qt::AlignLeft);
    series->attachAxis(xAxis);
    series->attachAxis(yAxis);
}

QStringList OverviewCharts::timelineClasses() const { return m_classes; }
QList<quint64> OverviewCharts::timelineTotals() const { return m_totals; }
QList<qreal> OverviewCharts::histogramValues() const { return m_bins; }

} // namespace synscope
