// SPDX-License-Identifier: GPL-3.0-or-later
// "Why did this fingerprint match": re-decodes one connection's stored IP+TCP header bytes,
// classifies it with the current database and profile, and shows the decoded fields, the
// field-by-field score against a chosen entry (the tied best entries and the top N), that entry's
// label and provenance, hop and link reasoning, the class averages, and the header bytes with the
// selected field highlighted.
#pragma once

#include "core/fingerprint/fingerprint.h"
#include "core/match/classifier.h"
#include "core/match/verdict.h"

#include <QWidget>

#include <memory>
#include <span>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QStandardItemModel;
class QTableWidget;
class QTreeWidget;
QT_END_NAMESPACE

namespace synscope {

struct ConnectionInfo;
struct ConnectionRow;
class HexView;
class ScoreChart;

class DetailPane : public QWidget
{
    Q_OBJECT
public:
    explicit DetailPane(QWidget* parent = nullptr);
    ~DetailPane() override;

    // The database and profile to classify with; re-classifies what is shown.
    void setMatcher(std::shared_ptr<const Database> db, const Profile& profile);

    // Shows one stored row: its header bytes (from the innermost IP header, what the connection
    // store keeps) decoded by decodeRow(), the row supplying what they cannot (frame, time, link
    // type, encapsulation). Returns false (and shows why) when they do not decode as a SYN or
    // SYN+ACK.
    bool showConnection(const ConnectionRow& row, std::span<const uint8_t> headerBytes);
    void clear();

    // Selects the database entry the score table explains: any entry of the database ("why not
    // Windows?"); one outside the selector's top entries is added to it. False for an index the
    // database lacks.
    bool selectEntry(int entryIndex);
    // The "find entry" field: completes over every entry of the database by name, OS and version
    // (the list is made as the user starts typing).
    QLineEdit* entryFinder() const { return m_finder; }

    // The connection verdict of the shown SYN (its reasons, User-Agent and both round trips);
    // null: none reported yet (or a SYN+ACK). Call after showConnection().
    void showConnectionVerdict(const ConnectionInfo* info);
    // decideOs() of the shown record with the pane's database: what a typed-in User-Agent is
    // compared with.
    OsVerdict stackVerdict() const;
    QString connectionText() const;
    QLineEdit* userAgentEdit() const { return m_uaEdit; }

Q_SIGNALS:
    // The user typed a User-Agent for the shown connection (empty: take it back).
    void userAgentEntered(const QString& userAgent);

public:
    bool hasRecord() const { return m_hasRecord; }
    const SynRecord& record() const { return m_record; }
    const Classification& classification() const { return m_classification; }
    int selectedEntry() const { return m_entry; }
    // Entry indices offered by the selector, in its order (tied best first, then the rest of the top N).
    QList<int> selectorEntries() const;

    QTableWidget* scoreTable() const { return m_scoreTable; }
    QTreeWidget* fieldTree() const { return m_fieldTree; }
    HexView* hexView() const { return m_hex; }
    ScoreChart* scoreChart() const { return m_chart; }
    // The column layout (fields and bytes | scores | path and chart), for QSettings.
    QByteArray saveLayout() const;
    bool restoreLayout(const QByteArray& state);

    QString summaryText() const;
    QString pathText() const;
    QString entryText() const;

    enum ScoreColumn { FieldColumn, ObservedColumn, ExpectedColumn, WeightColumn, PointsColumn, NumScoreColumns };

private:
    void classify();
    void fillFields();
    void fillSelector();
    void fillScores();
    void fillPath();
    void highlight(const std::vector<HeaderField>& fields);
    QString entryTitle(int entryIndex) const;

    std::shared_ptr<const Database> m_db;
    const Profile* m_profile = nullptr;
    std::unique_ptr<Classifier> m_classifier;

    bool m_hasRecord = false;
    SynRecord m_record;
    QByteArray m_bytes;
    Classification m_classification;
    int m_entry = -1;

    QLabel* m_summary;
    QTreeWidget* m_fieldTree;
    QComboBox* m_selector;
    QTableWidget* m_scoreTable;
    QLabel* m_total;
    QLabel* m_entryInfo;
    QLabel* m_path;
    QLabel* m_connection;
    QLineEdit* m_uaEdit;
    QLineEdit* m_finder;
    QStandardItemModel* m_finderModel;   // every entry of m_db, by title, once m_finderStale is false
    bool m_finderStale = true;
    HexView* m_hex;
    ScoreChart* m_chart;
    QSplitter* m_split;
};

} // namespace synscope
