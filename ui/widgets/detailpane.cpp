// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/detailpane.h"

#include "ui/widgets/headerlayout.h"
#include "ui/widgets/hexview.h"
#include "ui/widgets/scorechart.h"

#include "core/match/verdict.h"
#include "core/capture/packet_source.h"
#include "core/decode/decoder.h"
#include "core/pipeline/pipeline.h"
#include "ui/models/connection_store.h"
#include "core/report/report.h"

#include <QComboBox>
#include <QCompleter>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QScrollArea>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

namespace synscope {

namespace {

// The field a row stands for: a ScoredField in the score table, a HeaderField in the field tree
// (-1: nothing to highlight).
constexpr int kFieldRole = Qt::UserRole;

QString yesNo(bool b) { return b ? QStringLiteral("1") : QStringLiteral("0"); }

QString flagsText(uint16_t flags)
{
    static const std::pair<uint16_t, const char*> kNames[] = {
        {TcpSyn, "SYN"}, {TcpAck, "ACK"}, {TcpFin, "FIN"}, {TcpRst, "RST"}, {TcpPsh, "PSH"},
        {TcpUrg, "URG"}, {TcpEce, "ECE"}, {TcpCwr, "CWR"}, {TcpAe, "AE"},
    };
    QStringList set;
    for (const auto& [bit, name] : kNames)
        if (flags & bit)
            set << QLatin1String(name);
    return QStringLiteral("0x%1 (%2)").arg(flags, 3, 16, QLatin1Char('0')).arg(set.join(QLatin1Char(',')));
}

QColor scoreColor(const FieldScore& s)
{
    if (s.weight <= 0)
        return QColor(235, 235, 235);        // not scored for this entry
    if (s.points >= s.weight - 1e-9)
        return QColor(200, 235, 200);        // matched
    if (s.points > 0)
        return QColor(255, 236, 179);        // partly matched
    return QColor(247, 204, 204);            // no match
}

QTableWidgetItem* cell(const QString& text, ScoredField field, Qt::Alignment align = Qt::AlignLeft)
{
    auto* item = new QTableWidgetItem(text);
    item->setData(kFieldRole, int(field));
    item->setTextAlignment(align | Qt::AlignVCenter);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    return item;
}

} // namespace

DetailPane::DetailPane(QWidget* parent)
    : QWidget(parent)
    , m_summary(new QLabel)
    , m_fieldTree(new QTreeWidget)
    , m_selector(new QComboBox)
    , m_scoreTable(new QTableWidget(0, NumScoreColumns))
    , m_total(new QLabel)
    , m_entryInfo(new QLabel)
    , m_path(new QLabel)
    , m_connection(new QLabel)
    , m_uaEdit(new QLineEdit)
    , m_finder(new QLineEdit)
    , m_finderModel(new QStandardItemModel(this))
    , m_hex(new HexView)
    , m_chart(new ScoreChart)
{
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_fieldTree->setColumnCount(2);
    m_fieldTree->setHeaderLabels({tr("Decoded field"), tr("Value")});
    m_fieldTree->setUniformRowHeights(true);
    m_fieldTree->setAlternatingRowColors(true);
    m_fieldTree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);

    m_scoreTable->setHorizontalHeaderLabels({tr("Field"), tr("Observed"), tr("Entry"), tr("Weight"), tr("Points")});
    m_scoreTable->verticalHeader()->hide();
    m_scoreTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_scoreTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_scoreTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_scoreTable->horizontalHeader()->setStretchLastSection(false);
    m_scoreTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_scoreTable->horizontalHeader()->setSectionResizeMode(ObservedColumn, QHeaderView::Stretch);
    m_scoreTable->horizontalHeader()->setSectionResizeMode(ExpectedColumn, QHeaderView::Stretch);
    m_scoreTable->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);

    for (QLabel* l : {m_total, m_entryInfo, m_path, m_connection}) {
        l->setWordWrap(true);
        l->setTextFormat(Qt::RichText);
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
        l->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    }
    m_selector->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_selector->setToolTip(tr("The database entry the score table compares with: every entry tied "
                              "for the best score, then the rest of the top scores"));

    auto* left = new QSplitter(Qt::Vertical);
    left->addWidget(m_fieldTree);
    left->addWidget(m_hex);
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 1);

    auto* match = new QWidget;
    auto* matchLayout = new QVBoxLayout(match);
    matchLayout->setContentsMargins(0, 0, 0, 0);
    auto* selectorRow = new QHBoxLayout;
    auto* selectorLabel = new QLabel(tr("Compare with:"));
    selectorLabel->setBuddy(m_selector);
    selectorRow->addWidget(selectorLabel);
    selectorRow->addWidget(m_selector, 1);
    // Beyond the top entries: any entry, found by typing part of its name.
    m_finder->setPlaceholderText(tr("any entry…"));
    m_finder->setToolTip(tr("Compare with any entry of the database: type part of its OS, version or name"));
    m_finder->setClearButtonEnabled(true);
    // The list of entries is made when the user first types after a database change, not on every
    // change (an edit of a 100,000-entry store publishes one each time). Connected before the
    // completer, which filters on the same signal.
    connect(m_finder, &QLineEdit::textEdited, this, [this] {
        if (!std::exchange(m_finderStale, false))
            return;
        m_finderModel->clear();
        if (m_db)
            for (size_t i = 0; i < m_db->entries.size(); ++i) {
                auto* item = new QStandardItem(entryTitle(int(i)));
                item->setData(int(i), Qt::UserRole);
                m_finderModel->appendRow(item);
            }
    });
    auto* completer = new QCompleter(m_finderModel, m_finder);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    completer->setMaxVisibleItems(15);
    m_finder->setCompleter(completer);
    connect(completer, qOverload<const QModelIndex&>(&QCompleter::activated), this, [this](const QModelIndex& index) {
        selectEntry(index.data(Qt::UserRole).toInt());
        QTimer::singleShot(0, m_finder, &QLineEdit::clear);
    });
    selectorRow->addWidget(m_finder);
    matchLayout->addLayout(selectorRow);
    matchLayout->addWidget(m_scoreTable, 1);
    matchLayout->addWidget(m_total);
    matchLayout->addWidget(m_entryInfo);

    auto* right = new QWidget;
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_path);
    rightLayout->addWidget(m_connection);
    auto* uaRow = new QHBoxLayout;
    auto* uaLabel = new QLabel(tr("User-&Agent:"));
    uaLabel->setBuddy(m_uaEdit);
    m_uaEdit->setPlaceholderText(tr("type one to compare with this SYN's stack, Enter applies"));
    m_uaEdit->setClearButtonEnabled(true);
    uaRow->addWidget(uaLabel);
    uaRow->addWidget(m_uaEdit, 1);
    rightLayout->addLayout(uaRow);
    rightLayout->addWidget(m_chart, 1);
    connect(m_uaEdit, &QLineEdit::returnPressed, this, [this] { Q_EMIT userAgentEntered(m_uaEdit->text().trimmed()); });

    auto* split = new QSplitter(Qt::Horizontal);
    split->setObjectName(QStringLiteral("detailSplitter"));
    split->addWidget(left);
    split->addWidget(match);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setStretchFactor(2, 2);
    split->setSizes({350, 450, 400});   // proportions: the score table needs the most room
    m_split = split;

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);

    connect(m_selector, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index < 0)
            return;
        m_entry = m_selector->itemData(index).toInt();
        fillScores();
    });
    connect(m_scoreTable, &QTableWidget::itemSelectionChanged, this, [this] {
        const QList<QTableWidgetItem*> sel = m_scoreTable->selectedItems();
        highlight(sel.isEmpty() ? std::vector<HeaderField>{}
                                : headerFieldsOf(ScoredField(sel.front()->data(kFieldRole).toInt())));
    });
    // Selection, not the current item: a view sets its current item on its own when shown.
    connect(m_fieldTree, &QTreeWidget::itemSelectionChanged, this, [this] {
        const QList<QTreeWidgetItem*> sel = m_fieldTree->selectedItems();
        const int field = sel.isEmpty() ? -1 : sel.front()->data(0, kFieldRole).toInt();
        highlight(field < 0 ? std::vector<HeaderField>{} : std::vector<HeaderField>{HeaderField(field)});
    });
    clear();
}

DetailPane::~DetailPane() = default;

void DetailPane::setMatcher(std::shared_ptr<const Database> db, const Profile& profile)
{
    m_db = std::move(db);
    m_profile = &profile;
    m_classifier = m_db ? std::make_unique<Classifier>(*m_db, profile) : nullptr;
    m_finderStale = true;
    if (m_hasRecord) {
        classify();
        fillSelector();
        fillPath();
    }
}

bool DetailPane::showConnection(const ConnectionRow& row, std::span<const uint8_t> headerBytes)
{
    Decoder decoder;
    SynRecord decoded;
    if (headerBytes.empty() || !decodeRow(row, headerBytes, decoder, &decoded)) {
        clear();
        const DecodeStats& st = decoder.stats();
        QString why = tr("not a TCP SYN or SYN+ACK");
        for (size_t i = 0; i < st.dropped.size(); ++i)
            if (st.dropped[i] > 0)
                why = QString::fromLatin1(dropReasonName(static_cast<DropReason>(i)));
        m_summary->setText(tr("<b>Frame %1:</b> the stored header bytes (%2 bytes) do not decode: %3.")
                               .arg(row.frame).arg(headerBytes.size()).arg(why.toHtmlEscaped()));
        return false;
    }
    m_record = decoded;
    m_bytes = QByteArray(reinterpret_cast<const char*>(headerBytes.data()), qsizetype(headerBytes.size()));
    m_hasRecord = true;
    m_hex->setBytes(m_bytes, decoded.layout.tcp);
    fillFields();
    classify();
    fillSelector();
    fillPath();
    return true;
}

void DetailPane::clear()
{
    m_connection->clear();
    m_uaEdit->clear();
    m_uaEdit->setEnabled(false);
    m_hasRecord = false;
    m_record = {};
    m_bytes.clear();
    m_classification = {};
    m_entry = -1;
    m_summary->setText(tr("<i>Select a connection to see how its fingerprint was scored.</i>"));
    m_fieldTree->clear();
    {
        const QSignalBlocker block(m_selector);
        m_selector->clear();
    }
    m_scoreTable->setRowCount(0);
    m_total->clear();
    m_entryInfo->clear();
    m_path->clear();
    m_hex->setBytes({});
    m_chart->setAverages({}, m_profile ? m_profile->maxScore() : 1.0);
}

void DetailPane::classify()
{
    m_classification = m_classifier ? m_classifier->classify(m_record.fp) : Classification{};
    m_chart->setAverages(m_classification.averages, m_classification.max_score);
}

QString DetailPane::entryTitle(int entryIndex) const
{
    const DbEntry& e = m_db->entries[static_cast<size_t>(entryIndex)];
    QString title = entryLabel(e);
    if (!e.label.device.isEmpty())
        title += QLatin1Char(' ') + e.label.device;
    return e.id.isEmpty() || e.label.os_name.isEmpty() ? title : QStringLiteral("%1 [%2]").arg(title, e.id);
}

QList<int> DetailPane::selectorEntries() const
{
    QList<int> out;
    for (int i = 0; i < m_selector->count(); ++i)
        out << m_selector->itemData(i).toInt();
    return out;
}

bool DetailPane::selectEntry(int entryIndex)
{
    int index = m_selector->findData(entryIndex);
    if (index < 0) {
        if (!m_db || !m_hasRecord || entryIndex < 0 || size_t(entryIndex) >= m_db->entries.size())
            return false;
        const double score = m_profile->score(m_record.fp, m_db->entries[size_t(entryIndex)]);
        m_selector->addItem(tr("↪ %1 — %2").arg(entryTitle(entryIndex)).arg(score, 0, 'f', 2), entryIndex);
        index = m_selector->count() - 1;
    }
    m_selector->setCurrentIndex(index);
    return true;
}

void DetailPane::fillSelector()
{
    const Classification& c = m_classification;
    {
        const QSignalBlocker block(m_selector);
        m_selector->clear();
        if (m_db) {
            for (int e : c.best)
                m_selector->addItem(tr("★ %1 — %2").arg(entryTitle(e)).arg(c.best_score, 0, 'f', 2), e);
            for (const ScoredEntry& s : c.top)
                if (std::find(c.best.begin(), c.best.end(), s.entry) == c.best.end())
                    m_selector->addItem(tr("%1 — %2").arg(entryTitle(s.entry)).arg(s.score, 0, 'f', 2), s.entry);
        }
    }
    m_entry = m_selector->count() > 0 ? m_selector->itemData(0).toInt() : -1;

    const SynRecord& r = m_record;
    QString verdict;
    if (!m_db || m_db->entries.empty()) {
        verdict = tr("no database loaded");
    } else if (c.best.empty()) {
        verdict = tr("no entry scored");
    } else {
        const OsVerdict os = decideOs(c, *m_db);
        verdict = os.unknown() ? tr("<b>%1</b>").arg(os.text().toHtmlEscaped())
                               : tr("<b>%1</b> (confidence %2)").arg(os.text().toHtmlEscaped(), os.confidenceText());
        verdict += QStringLiteral(": ") + os.reasons(*m_db).join(QStringLiteral("; ")).toHtmlEscaped();
    }
    m_summary->setText(tr("<b>Frame %1</b> · %2 %3:%4 → %5:%6 · %7")
                           .arg(r.frame)
                           .arg(r.kind == PacketKind::SynAck ? tr("SYN+ACK") : tr("SYN"))
                           .arg(QString::fromStdString(formatAddress(r.src, r.fp.ip_version)))
                           .arg(r.src_port)
                           .arg(QString::fromStdString(formatAddress(r.dst, r.fp.ip_version)))
                           .arg(r.dst_port)
                           .arg(verdict));
    fillScores();
}

void DetailPane::fillScores()
{
    m_scoreTable->setRowCount(0);
    m_total->clear();
    m_entryInfo->clear();
    if (!m_db || !m_profile || m_entry < 0 || m_entry >= static_cast<int>(m_db->entries.size()))
        return;
    const DbEntry& entry = m_db->entries[static_cast<size_t>(m_entry)];
    const std::vector<FieldScore> scores = m_profile->explain(m_record.fp, entry);
    m_scoreTable->setRowCount(static_cast<int>(scores.size()));
    double sum = 0;
    for (int row = 0; row < static_cast<int>(scores.size()); ++row) {
        const FieldScore& s = scores[static_cast<size_t>(row)];
        const ScoredField field = s.id;
        sum += s.points;
        const QColor bg = scoreColor(s);
        QTableWidgetItem* items[] = {
            cell(s.field, field),
            cell(s.observed, field),
            cell(s.expected, field),
            cell(QString::number(s.weight, 'f', 2), field, Qt::AlignRight),
            cell(QString::number(s.points, 'f', 2), field, Qt::AlignRight),
        };
        for (int col = 0; col < NumScoreColumns; ++col) {
            items[col]->setBackground(bg);
            items[col]->setForeground(Qt::black);
            m_scoreTable->setItem(row, col, items[col]);
        }
    }
    m_total->setText(tr("Total <b>%1</b> of %2 points with the <i>%3</i> profile")
                         .arg(sum, 0, 'f', 2)
                         .arg(m_profile->maxScore(), 0, 'f', 2)
                         .arg(m_profile->name().toHtmlEscaped()));

    const Label& l = entry.label;
    QString info = tr("<b>%1</b>").arg(entryTitle(m_entry).toHtmlEscaped());
    if (!l.os_class.isEmpty())
        info += tr(" · class %1").arg(l.os_class.toHtmlEscaped());
    if (!l.notes.isEmpty())
        info += QStringLiteral("<br>") + l.notes.toHtmlEscaped();
    if (!l.provenance.isEmpty())
        info += tr("<br><span style='color:gray'>Source: %1</span>").arg(l.provenance.toHtmlEscaped());
    m_entryInfo->setText(info);
}

void DetailPane::fillPath()
{
    const Fingerprint& fp = m_record.fp;
    const Observation o = observe(m_record, nullptr);
    const HopEstimate& hops = o.hops;
    const QString who = m_record.kind == PacketKind::SynAck ? tr("server") : tr("client");
    QString text = tr("<b>Path.</b> TTL %1 is most likely an initial TTL of %2, so the %3 is "
                      "<b>%4 %5</b> away.")
                       .arg(fp.ip_ttl)
                       .arg(hops.initial_ttl)
                       .arg(who)
                       .arg(hops.hops)
                       .arg(hops.hops == 1 ? tr("hop") : tr("hops"));
    const LinkEstimate& link = o.link;
    if (link.mtu < 0) {
        text += tr(" There is no MSS option, so the link MTU cannot be inferred.");
    } else {
        text += tr(" MSS %1 over IPv%2 means an MTU of <b>%3</b> (%4)")
                    .arg(fp.tcp_mss)
                    .arg(fp.ip_version)
                    .arg(link.mtu)
                    .arg(link.link.empty() ? tr("unusual size")
                                         : QString(QLatin1StringView(link.link)).toHtmlEscaped());
        text += link.tunnel ? tr(": the sender sits behind a tunnel or overlay.") : QStringLiteral(".");
    }
    if (m_record.encapsulation != 0)
        text += tr(" The packet itself arrived encapsulated (%1).")
                    .arg(QString::fromStdString(encapsulationString(m_record.encapsulation)));
    m_path->setText(text);
}

void DetailPane::fillFields()
{
    m_fieldTree->clear();
    const SynRecord& r = m_record;
    const Fingerprint& fp = r.fp;
    auto group = [this](const QString& title) {
        auto* item = new QTreeWidgetItem(m_fieldTree, {title});
        item->setFirstColumnSpanned(true);
        item->setExpanded(true);
        return item;
    };
    // key: the field's name in the JSON output (shown as the tooltip); at: its header bytes.
    auto add = [](QTreeWidgetItem* parent, const QString& name, const QString& value, const char* key,
                  std::optional<HeaderField> at = std::nullopt) {
        auto* item = new QTreeWidgetItem(parent, {name, value});
        item->setData(0, kFieldRole, at ? int(*at) : -1);
        item->setToolTip(0, QLatin1String(key));
        return item;
    };
    using H = HeaderField;
    const QString src = QString::fromStdString(formatAddress(r.src, fp.ip_version));
    const QString dst = QString::fromStdString(formatAddress(r.dst, fp.ip_version));

    QTreeWidgetItem* frame = group(tr("Frame %1, %2").arg(r.frame).arg(r.kind == PacketKind::SynAck ? tr("SYN+ACK") : tr("SYN")));
    add(frame, tr("Arrival time"), formatTimestamp(r.ts_ns), "");
    add(frame, tr("Link type"), QStringLiteral("%1 (%2)").arg(linkTypeName(r.link_type)).arg(r.link_type), "");
    if (r.encapsulation)
        add(frame, tr("Encapsulation"), QString::fromStdString(encapsulationString(r.encapsulation)), "");

    QTreeWidgetItem* ip = group(tr("Internet Protocol version %1, %2 → %3").arg(fp.ip_version).arg(src, dst));
    add(ip, tr("Version"), QString::number(fp.ip_version), "ip_version", H::IpVersion);
    add(ip, fp.ip_version == 4 ? tr("Time to live") : tr("Hop limit"), QString::number(fp.ip_ttl), "ip_ttl", H::IpTtl);
    add(ip, fp.ip_version == 4 ? tr("Type of service") : tr("Traffic class"),
        QStringLiteral("0x%1").arg(fp.ip_tos, 2, 16, QLatin1Char('0')), "ip_tos", H::IpTos);
    add(ip, tr("Total length"), QString::number(fp.ip_total_length), "ip_total_length", H::IpTotalLength);
    add(ip, tr("Header length"), QString::number(fp.ip_header_length), "ip_header_length", H::IpHeaderLength);
    if (fp.ip_version == 4) {
        add(ip, tr("Identification"), QStringLiteral("0x%1").arg(fp.ip_id, 4, 16, QLatin1Char('0')), "ip_id", H::IpId);
        add(ip, tr("Don't fragment"), yesNo(fp.ip_df), "ip_df", H::IpFragment);
    } else {
        add(ip, tr("Flow label"), QStringLiteral("0x%1").arg(fp.ip_flow_label, 5, 16, QLatin1Char('0')), "ip_flow_label", H::IpFlowLabel);
    }
    add(ip, tr("More fragments"), yesNo(fp.ip_mf), "ip_mf", H::IpFragment);

    QTreeWidgetItem* tcp = group(tr("Transmission Control Protocol, %1 → %2").arg(r.src_port).arg(r.dst_port));
    add(tcp, tr("Sequence number"), QString::number(fp.tcp_seq), "tcp_seq", H::TcpSeq);
    add(tcp, tr("Acknowledgment number"), QString::number(fp.tcp_ack), "tcp_ack", H::TcpAck);
    add(tcp, tr("Header length"), QString::number(fp.tcp_header_length), "tcp_header_length", H::TcpHeaderLength);
    add(tcp, tr("Flags"), flagsText(fp.tcp_flags), "tcp_flags", H::TcpFlags);
    add(tcp, tr("Window"), QString::number(fp.tcp_window_size), "tcp_window_size", H::TcpWindow);
    add(tcp, tr("Urgent pointer"), QString::number(fp.tcp_urp), "tcp_urp", H::TcpUrp);
    QTreeWidgetItem* opts = add(tcp, tr("Options"), QString::fromStdString(fp.tcpOptions()), "tcp_options", H::TcpOptions);
    opts->setExpanded(true);
    add(opts, tr("Kinds"), QString::fromStdString(fp.optionKindList()), "tcp_options", H::TcpOptions);
    add(opts, tr("MSS"), fp.tcp_mss < 0 ? tr("absent") : QString::number(fp.tcp_mss), "tcp_mss", H::OptMss);
    add(opts, tr("Window scale"), fp.tcp_window_scaling < 0 ? tr("absent") : QString::number(fp.tcp_window_scaling),
        "tcp_window_scaling", H::OptWscale);
    add(opts, tr("SACK permitted"), yesNo(fp.tcp_sack_permitted), "tcp_sack_permitted", H::OptSack);
    if (fp.tcp_has_timestamp) {
        add(opts, tr("Timestamp value"), QString::number(fp.tcp_timestamp), "tcp_timestamp", H::OptTimestampValue);
        add(opts, tr("Timestamp echo reply"), QString::number(fp.tcp_timestamp_echo_reply), "tcp_timestamp_echo_reply", H::OptTimestampEcho);
    }
    add(tcp, tr("Payload length"), QString::number(fp.tcp_payload_length), "");
    const std::string quirks = quirksString(fp.quirks);
    add(tcp, tr("Quirks"), quirks.empty() ? tr("none") : QString::fromStdString(quirks), "");
}

void DetailPane::highlight(const std::vector<HeaderField>& fields)
{
    m_hex->setHighlight(byteRanges(m_record, fields));
}

QByteArray DetailPane::saveLayout() const { return m_split->saveState(); }

bool DetailPane::restoreLayout(const QByteArray& state) { return m_split->restoreState(state); }

QString DetailPane::summaryText() const { return m_summary->text(); }

QString DetailPane::connectionText() const { return m_connection->text(); }

OsVerdict DetailPane::stackVerdict() const
{
    if (!m_hasRecord || !m_db)
        return {};
    return decideOs(m_classification, *m_db);
}

void DetailPane::showConnectionVerdict(const ConnectionInfo* info)
{
    const bool syn = m_hasRecord && m_record.kind == PacketKind::Syn;
    m_uaEdit->setEnabled(syn);
    if (!syn) {
        m_connection->setText(m_hasRecord ? tr("<b>Connection.</b> The client's SYN of this connection carries its verdict.")
                                          : QString());
        m_uaEdit->clear();
        return;
    }
    if (!info) {
        m_connection->setText(tr("<b>Connection.</b> Not followed past the SYN yet (or the capture "
                                 "holds only SYNs): no User-Agent, no round trips. Type a User-Agent below to "
                                 "compare it with this stack."));
        m_uaEdit->clear();
        return;
    }
    const Flow& f = *info->flow;
    const auto ms = [](int64_t ns) {
        return ns < 0 ? tr("not seen") : tr("%1 ms").arg(double(ns) / 1e6, 0, 'f', 2);
    };
    const bool flagged = info->suspicion >= ConnectionVerdict::kFlagAt;
    QString t = tr("<b>Connection: <span style='color:%1'>%2</span></b>, suspicion %3")
                    .arg(flagged ? QStringLiteral("#b02020") : QStringLiteral("#1b5e20"))
                    .arg(QString::fromLatin1(connectionVerdictName(info->verdict)))
                    .arg(info->suspicion, 0, 'f', 2);
    if (!f.user_agent.empty())
        t += tr("<br>User-Agent (%1): %2 → <b>%3</b>")
                 .arg(QString::fromLatin1(uaSourceName(f.ua_source)))
                 .arg(QString::fromUtf8(f.user_agent.data(), qsizetype(f.user_agent.size())).toHtmlEscaped(),
                      info->ua_os.toHtmlEscaped());
    t += tr("<br>Round trips: TCP %1, application %2").arg(ms(f.rttTcpNs()), ms(f.app_rtt_ns));
    t += QStringLiteral("<ul style='margin:0'>");
    for (const QString& r : info->reasons)
        t += QStringLiteral("<li>") + r.toHtmlEscaped() + QStringLiteral("</li>");
    t += QStringLiteral("</ul>");
    m_connection->setText(t);
    if (f.ua_source == UaSource::Manual)
        m_uaEdit->setText(QString::fromStdString(f.user_agent));
    else
        m_uaEdit->clear();
}
QString DetailPane::pathText() const { return m_path->text(); }
QString DetailPane::entryText() const { return m_entryInfo->text(); }

} // namespace synscope
