// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/evaluationwindow.h"

#include <QColor>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

QTableWidget* newTable(const QStringList& headers)
{
    auto* t = new QTableWidget(0, int(headers.size()));
    t->setHorizontalHeaderLabels(headers);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    t->horizontalHeader()->setStretchLastSection(true);
    return t;
}

QTableWidgetItem* cell(const QString& text, Qt::Alignment align = Qt::AlignLeft)
{
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(align | Qt::AlignVCenter);
    return item;
}

QTableWidgetItem* number(double v, int decimals = 3)
{
    return cell(QString::number(v, 'f', decimals), Qt::AlignRight);
}

QString percent(int n, int of) { return of ? u"%1 / %2 (%3)"_s.arg(n).arg(of).arg(double(n) / of, 0, 'f', 3) : u"–"_s; }

} // namespace

EvaluationWindow::EvaluationWindow(QWidget* parent)
    : QWidget(parent, Qt::Window)
    , m_summary(new QLabel)
    , m_progress(new QProgressBar)
    , m_perClass(newTable({tr("Class"), tr("Entries"), tr("Recall"), tr("Precision")}))
    , m_confusion(new QTableWidget)
    , m_confidence(newTable({tr("Confidence"), tr("Verdicts"), tr("Right"), tr("Mean confidence")}))
    , m_changesLabel(new QLabel)
    , m_changes(newTable({tr("Entry"), tr("Class"), tr("Before"), tr("Now"), tr("")}))
    , m_wrong(newTable({tr("Entry"), tr("Class"), tr("Verdict"), tr("Confidence"), tr("Fingerprint")}))
{
    setWindowTitle(tr("Evaluate Database"));
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_confusion->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_confusion->setToolTip(tr("Rows: the entry's class; columns: the verdict. Shade: the share of the row."));
    auto* tabs = new QTabWidget;
    tabs->addTab(m_confusion, tr("&Confusion"));
    tabs->addTab(m_perClass, tr("&Per class"));
    tabs->addTab(m_confidence, tr("By con&fidence"));
    m_wrong->setToolTip(tr("Every entry the verdict gets wrong, families merged: where the database needs an entry, or where a label is doubtful."));
    tabs->addTab(m_wrong, tr("&Wrong"));
    auto* changes = new QWidget;
    auto* changesLayout = new QVBoxLayout(changes);
    changesLayout->addWidget(m_changesLabel);
    changesLayout->addWidget(m_changes, 1);
    tabs->addTab(changes, tr("C&hanges"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_progress);
    layout->addWidget(tabs, 1);
    m_progress->hide();
    m_changesLabel->setText(tr("Run the evaluation again after an edit to see which entries classify differently."));
    resize(1000, 650);
}

EvaluationWindow::~EvaluationWindow()
{
    cancel();
}

void EvaluationWindow::cancel()
{
    if (m_cancel)
        *m_cancel = true;
    if (m_thread.joinable())
        m_thread.join();
    m_running = false;
}

void EvaluationWindow::evaluate(std::shared_ptr<const Database> database, const Profile& profile)
{
    cancel();
    const quint64 run = ++m_run;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_running = true;
    m_progress->setRange(0, int(database->entries.size()));
    m_progress->setValue(0);
    m_progress->show();
    m_summary->setText(tr("Evaluating %1 (%n entries), leave-one-out…", nullptr, int(database->entries.size()))
                           .arg(database->name.toHtmlEscaped()));
    m_thread = std::thread([this, run, database, profile = &profile, cancelled = m_cancel] {
        VerdictEvaluation result = evaluateLeaveOneOut(*database, *profile, [&](size_t done, size_t) {
            if (done % 16 == 0)
                QMetaObject::invokeMethod(this, [this, run, done] {
                    if (run == m_run)
                        m_progress->setValue(int(done));
                }, Qt::QueuedConnection);
            return !cancelled->load();
        });
        if (cancelled->load())
            return;
        QMetaObject::invokeMethod(this, [this, run, r = std::move(result), database]() mutable {
            if (run != m_run)
                return;
            if (m_thread.joinable())
                m_thread.join();
            m_running = false;
            showResult(std::move(r), *database);
            Q_EMIT finished();
        }, Qt::QueuedConnection);
    });
}

void EvaluationWindow::showResult(VerdictEvaluation e, const Database& database)
{
    const QString& databaseName = database.name;
    m_progress->hide();
    m_summary->setText(tr("<b>%1</b>, leave-one-out over %2 labelled entries (%3 skipped): accuracy <b>%4</b>, "
                          "with families merged <b>%5</b>, unknown %6, scanner verdicts %7")
                           .arg(databaseName.toHtmlEscaped())
                           .arg(e.evaluated)
                           .arg(e.skipped)
                           .arg(e.accuracy(), 0, 'f', 3)
                           .arg(e.familyAccuracy(), 0, 'f', 3)
                           .arg(e.unknownRate(), 0, 'f', 3)
                           .arg(e.scanner));

    m_perClass->setRowCount(0);
    for (const auto& [cls, pc] : e.per_class) {
        if (pc.truth == 0 && pc.predicted == 0)
            continue;
        const int row = m_perClass->rowCount();
        m_perClass->insertRow(row);
        m_perClass->setItem(row, 0, cell(cls));
        m_perClass->setItem(row, 1, number(pc.truth, 0));
        m_perClass->setItem(row, 2, number(pc.recall()));
        m_perClass->setItem(row, 3, number(pc.precision()));
    }

    // The heat map: one row per true class, one column per verdict label, shaded by row share.
    QStringList columns;
    for (const auto& [truth, verdicts] : e.confusion)
        for (const auto& [label, n] : verdicts)
            if (!columns.contains(label))
                columns << label;
    std::sort(columns.begin(), columns.end());
    m_confusion->clear();
    m_confusion->setRowCount(int(e.confusion.size()));
    m_confusion->setColumnCount(int(columns.size()));
    m_confusion->setHorizontalHeaderLabels(columns);
    QStringList rows;
    int r = 0;
    for (const auto& [truth, verdicts] : e.confusion) {
        rows << truth;
        int total = 0;
        for (const auto& [label, n] : verdicts)
            total += n;
        for (const auto& [label, n] : verdicts) {
            auto* item = number(n, 0);
            const double share = total ? double(n) / total : 0;
            const bool diagonal = label == truth;
            item->setBackground(diagonal ? QColor::fromRgbF(0.18f, 0.55f, 0.25f, float(0.15 + 0.75 * share))
                                         : QColor::fromRgbF(0.78f, 0.16f, 0.16f, float(0.10 + 0.80 * share)));
            item->setToolTip(tr("%1 entries of class %2 got the verdict %3 (%4 of the class)")
                                 .arg(n).arg(truth, label).arg(share, 0, 'f', 2));
            m_confusion->setItem(r, int(columns.indexOf(label)), item);
        }
        ++r;
    }
    m_confusion->setVerticalHeaderLabels(rows);
    m_confusion->resizeColumnsToContents();

    m_confidence->setRowCount(0);
    for (const VerdictEvaluation::Threshold& t : e.thresholds) {
        const int row = m_confidence->rowCount();
        m_confidence->insertRow(row);
        m_confidence->setItem(row, 0, cell(tr("≥ %1").arg(t.at, 0, 'f', 1)));
        m_confidence->setItem(row, 1, number(t.covered, 0));
        m_confidence->setItem(row, 2, cell(percent(t.correct, t.covered), Qt::AlignRight));
        m_confidence->setItem(row, 3, cell(QString()));
    }
    for (const VerdictEvaluation::Bucket& b : e.by_confidence) {
        if (b.n == 0)
            continue;
        const int row = m_confidence->rowCount();
        m_confidence->insertRow(row);
        m_confidence->setItem(row, 0, cell(b.low == 1.0 ? u"1.0"_s : u"[%1, %2)"_s.arg(b.low, 0, 'f', 1).arg(b.high, 0, 'f', 1)));
        m_confidence->setItem(row, 1, number(b.n, 0));
        m_confidence->setItem(row, 2, cell(percent(b.correct, b.n), Qt::AlignRight));
        m_confidence->setItem(row, 3, number(b.confidence / b.n));
    }

    m_wrong->setRowCount(0);
    for (const VerdictEvaluation::Outcome* o : e.wrong()) {
        if (o->index < 0 || size_t(o->index) >= database.entries.size())
            continue;
        const DbEntry& entry = database.entries[size_t(o->index)];
        const int row = m_wrong->rowCount();
        m_wrong->insertRow(row);
        m_wrong->setItem(row, 0, cell(o->entry.isEmpty() ? entryLabel(entry) : o->entry));
        m_wrong->setItem(row, 1, cell(o->truth));
        m_wrong->setItem(row, 2, cell(o->text));
        m_wrong->setItem(row, 3, number(o->confidence, 2));
        m_wrong->setItem(row, 4, cell(QString::fromUtf8(fingerprintKey(entry))));
    }

    // What changed since the previous run, entry by entry (by stable id).
    m_changes->setRowCount(0);
    if (m_result) {
        QHash<qint64, const VerdictEvaluation::Outcome*> before;
        for (const VerdictEvaluation::Outcome& o : m_result->outcomes)
            before.insert(o.uid, &o);
        int better = 0, worse = 0;
        for (const VerdictEvaluation::Outcome& o : e.outcomes) {
            const VerdictEvaluation::Outcome* was = before.value(o.uid);
            if (!was || (was->verdict == o.verdict && was->truth == o.truth))
                continue;
            better += o.correct && !was->correct;
            worse += was->correct && !o.correct;
            const int row = m_changes->rowCount();
            m_changes->insertRow(row);
            m_changes->setItem(row, 0, cell(o.entry));
            m_changes->setItem(row, 1, cell(o.truth));
            m_changes->setItem(row, 2, cell(was->verdict));
            m_changes->setItem(row, 3, cell(o.verdict));
            m_changes->setItem(row, 4, cell(o.correct == was->correct ? QString() : o.correct ? tr("now right") : tr("now wrong")));
        }
        m_changesLabel->setText(tr("Since the previous run: accuracy %1 → %2; %3 entries classify differently, %4 now right, %5 now wrong.")
                                    .arg(m_result->accuracy(), 0, 'f', 3)
                                    .arg(e.accuracy(), 0, 'f', 3)
                                    .arg(m_changes->rowCount())
                                    .arg(better)
                                    .arg(worse));
    }
    m_result = std::move(e);
}

} // namespace synscope
