// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/scorechart.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QGraphicsLayout>
#include <QHorizontalStackedBarSeries>
#include <QValueAxis>

namespace synscope {

ScoreChart::ScoreChart(QWidget* parent)
    : QChartView(parent)
    , m_series(new QHorizontalStackedBarSeries)
    , m_averaged(new QBarSet(tr("Class average")))
    , m_small(new QBarSet(tr("Too few entries to judge")))
    , m_categoryAxis(new QBarCategoryAxis)
    , m_valueAxis(new QValueAxis)
{
    m_averaged->setColor(QColor(78, 121, 167));
    m_averaged->setSelectedColor(QColor(225, 87, 89));
    m_small->setColor(QColor(190, 190, 190));
    m_small->setBorderColor(QColor(140, 140, 140));
    m_series->append(m_averaged);
    m_series->append(m_small);
    m_series->setBarWidth(0.7);

    auto* chart = new QChart;
    chart->addSeries(m_series);
    chart->addAxis(m_categoryAxis, Qt::AlignLeft);
    chart->addAxis(m_valueAxis, Qt::AlignBottom);
    m_series->attachAxis(m_categoryAxis);
    m_series->attachAxis(m_valueAxis);
    m_valueAxis->setLabelFormat(QStringLiteral("%.1f"));
    m_valueAxis->setTitleText(tr("Average score of the class's entries"));
    chart->setTitle(tr("Score by OS class"));
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    chart->setBackgroundRoundness(0);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
}

void ScoreChart::setAverages(const std::vector<ClassAverage>& averages, double maxScore)
{
    m_averaged->remove(0, m_averaged->count());
    m_small->remove(0, m_small->count());
    m_averaged->deselectAllBars();
    m_count = std::min(static_cast<int>(averages.size()), MaxBars);
    m_hidden = static_cast<int>(averages.size()) - m_count;
    m_best = -1;
    m_belowMinimum.clear();
    for (int i = 0; i < m_count; ++i)
        m_belowMinimum << !averages[size_t(i)].averaged;

    // Horizontal bars are drawn bottom-up: append in reverse so the list reads top-down.
    QStringList labels;
    for (int i = m_count - 1; i >= 0; --i) {
        const ClassAverage& a = averages[static_cast<size_t>(i)];
        const QString name = a.os_class.isEmpty() ? tr("(unlabelled)") : a.os_class;
        labels << tr("%1 (N=%2)").arg(name).arg(a.n);
        m_averaged->append(a.averaged ? a.average : 0.0);
        m_small->append(a.averaged ? 0.0 : a.average);
    }
    for (int i = 0; i < m_count; ++i) {
        const ClassAverage& a = averages[static_cast<size_t>(i)];
        if (a.averaged && (m_best < 0 || a.average > averages[static_cast<size_t>(m_best)].average))
            m_best = i;
    }
    if (m_best >= 0)
        m_averaged->selectBar(m_count - 1 - m_best);
    QString title = m_best >= 0 ? tr("Score by OS class: best averaged class <b>%1</b> (red)")
                                      .arg(averages[size_t(m_best)].os_class.toHtmlEscaped())
                                : tr("Score by OS class");
    if (m_hidden > 0)
        title += tr("<br>first %1 of %2 classes").arg(m_count).arg(averages.size());
    chart()->setTitle(title);

    m_categoryAxis->clear();
    m_categoryAxis->append(labels);
    m_valueAxis->setRange(0, maxScore > 0 ? maxScore : 1.0);
}

QStringList ScoreChart::categories() const
{
    QStringList out = m_categoryAxis->categories();
    std::reverse(out.begin(), out.end());
    return out;
}

QList<qreal> ScoreChart::values() const
{
    QList<qreal> out;
    for (int i = m_count - 1; i >= 0; --i)
        out << m_averaged->at(i) + m_small->at(i);
    return out;
}

QList<bool> ScoreChart::belowMinimum() const
{
    return m_belowMinimum;
}

} // namespace synscope
