// SPDX-License-Identifier: GPL-3.0-or-later
// The Overview tab: OS classes of the connections over time (stacked areas from OsTimelineModel)
// and the distribution of best scores (bars from ScoreHistogramModel). The charts are rebuilt at
// most every RefreshMs and only while visible, so a fast capture never waits for painting.
#pragma once

#include <QTimer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QAbstractItemModel;
class QChartView;
QT_END_NAMESPACE

namespace synscope {

class OsTimelineModel;
class ScoreHistogramModel;

class OverviewCharts : public QWidget
{
    Q_OBJECT
public:
    static constexpr int RefreshMs = 500;

    OverviewCharts(OsTimelineModel* timeline, ScoreHistogramModel* histogram, QWidget* parent = nullptr);

    // Rebuilds both charts from the models now.
    void refresh();

    // What is drawn, for tests: the stacked classes (bottom to top) with their total counts, and
    // the histogram's bar values.
    QStringList timelineClasses() const;
    QList<quint64> timelineTotals() const;
    QList<qreal> histogramValues() const;

protected:
    void showEvent(QShowEvent* event) override;

private:
    void watch(QAbstractItemModel* model);
    void scheduleRefresh();
    void rebuildTimeline();
    void rebuildHistogram();

    OsTimelineModel* m_timeline;
    ScoreHistogramModel* m_histogram;
    QChartView* m_timelineView;
    QChartView* m_histogramView;
    QTimer m_timer;
    bool m_dirty = true;
    QStringList m_classes;
    QList<quint64> m_totals;
    QList<qreal> m_bins;
};

} // namespace synscope
