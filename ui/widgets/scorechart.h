// SPDX-License-Identifier: GPL-3.0-or-later
// Per-OS-class average scores of one fingerprint as horizontal bars: "N" in each category label,
// the best class highlighted, classes with fewer entries than the classifier's minimum drawn in a
// separate, muted bar set so nobody mistakes a two-entry average for a verdict.
#pragma once

#include "core/match/classifier.h"

#include <QChartView>

QT_BEGIN_NAMESPACE
class QBarCategoryAxis;
class QBarSet;
class QHorizontalStackedBarSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace synscope {

class ScoreChart : public QChartView
{
    Q_OBJECT
public:
    explicit ScoreChart(QWidget* parent = nullptr);

    // Databases like Satori's hold hundreds of classes: only the first MaxBars are drawn.
    static constexpr int MaxBars = 12;

    // Shows the first MaxBars of `averages`, in the given order, on a 0..maxScore axis; an empty
    // list clears the chart.
    void setAverages(const std::vector<ClassAverage>& averages, double maxScore);

    // What is drawn, for tests: category labels top to bottom, the bar length of each category,
    // whether it is drawn as below the minimum class size, and the highlighted category (-1: none).
    QStringList categories() const;
    QList<qreal> values() const;
    QList<bool> belowMinimum() const;
    int bestIndex() const { return m_best; }
    // Classes left out because of MaxBars.
    int hiddenCount() const { return m_hidden; }

private:
    QHorizontalStackedBarSeries* m_series;
    QBarSet* m_averaged;
    QBarSet* m_small;
    QBarCategoryAxis* m_categoryAxis;
    QValueAxis* m_valueAxis;
    QList<bool> m_belowMinimum;
    int m_count = 0;
    int m_best = -1;
    int m_hidden = 0;
};

} // namespace synscope
