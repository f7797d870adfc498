// SPDX-License-Identifier: GPL-3.0-or-later
// Analyze > Evaluate Database: the leave-one-out evaluation of `synscope-cli eval`
// (core/match/evaluate.h) of the database that classifies, run on a thread of its own with
// progress: accuracy (strict and with families merged), the unknown rate, per-class recall and
// precision, the confusion matrix as a heat map, accuracy by confidence, every entry the verdict
// gets wrong with its fingerprint (`eval --list`), and after an edit the entries whose verdict
// changed since the previous run.
#pragma once

#include "core/match/evaluate.h"

#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

QT_BEGIN_NAMESPACE
class QLabel;
class QProgressBar;
class QTableWidget;
QT_END_NAMESPACE

namespace synscope {

class EvaluationWindow : public QWidget {
    Q_OBJECT
public:
    explicit EvaluationWindow(QWidget* parent = nullptr);
    ~EvaluationWindow() override;

    // Evaluates `database` with `profile`; a run still going is cancelled first. The previous
    // finished run stays the baseline the changes are shown against.
    void evaluate(std::shared_ptr<const Database> database, const Profile& profile);
    bool isRunning() const { return m_running; }
    const std::optional<VerdictEvaluation>& result() const { return m_result; }

    QLabel* summaryLabel() const { return m_summary; }
    QTableWidget* confusionTable() const { return m_confusion; }
    QTableWidget* perClassTable() const { return m_perClass; }
    QTableWidget* confidenceTable() const { return m_confidence; }
    QTableWidget* changesTable() const { return m_changes; }
    QTableWidget* wrongTable() const { return m_wrong; }

Q_SIGNALS:
    void finished();

private:
    void cancel();
    void showResult(VerdictEvaluation result, const Database& database);

    QLabel* m_summary;
    QProgressBar* m_progress;
    QTableWidget* m_perClass;
    QTableWidget* m_confusion;
    QTableWidget* m_confidence;
    QLabel* m_changesLabel;
    QTableWidget* m_changes;
    QTableWidget* m_wrong;
    std::thread m_thread;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    quint64 m_run = 0;
    bool m_running = false;
    std::optional<VerdictEvaluation> m_result;
};

} // namespace synscope
