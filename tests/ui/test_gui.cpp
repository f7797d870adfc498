// SPDX-License-Identifier: GPL-3.0-or-later
// The GUI's widgets under the offscreen platform: header field byte map, the detail pane's
// explanation of a real capture's SYN, and the main window from opening a file to the charts.
#include "ui/widgets/capturedialog.h"
#include "ui/widgets/detailpane.h"
#include "ui/widgets/exporter.h"
#include "ui/widgets/headerlayout.h"
#include "ui/widgets/hexview.h"
#include "ui/widgets/mainwindow.h"
#include "ui/widgets/overviewcharts.h"
#include "ui/widgets/scorechart.h"

#include "ui/models/aggregate_models.h"
#include "ui/models/connection_filter_model.h"
#include "ui/models/connection_model.h"
#include "ui/models/host_model.h"

#include "core/capture/packet_source.h"
#include "core/decode/decoder.h"
#include "core/detect/detect.h"
#include "core/match/classifier.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

QString sharedDir() { return QStringLiteral(SYNSCOPE_SHARED_DIR); }
QString corpusDatabase() { return sharedDir() + u"/data/zardaxt-2021/combined.json"_s; }
constexpr const char* kNoCorpus = "shared corpus not found at SYNSCOPE_SHARED_DIR (needs data/zardaxt-2021 and data/pcaps/ja4)";

// IPv4 (20 bytes, TTL 57, DF) + TCP SYN (40 bytes: MSS 1460, SACK, TS, NOP, WS 7).
QByteArray ipv4Syn()
{
    const uint8_t bytes[] = {
        0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x39, 0x06, 0x00, 0x00,
        10, 0, 0, 1, 10, 0, 0, 2,
        0xc0, 0x01, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
        0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 9, 0, 0, 0, 0, 0x01, 0x03, 0x03, 0x07,
    };
    return QByteArray(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

struct CorpusSyn {
    SynRecord record;
    QByteArray headers;
};

// Every SYN / SYN+ACK of a corpus capture with its IP+TCP header bytes.
std::vector<CorpusSyn> readSyns(const QString& path, QString* error)
{
    std::string err;
    auto source = PacketSource::openFile(path.toStdString(), &err);
    if (!source) {
        *error = QString::fromStdString(err);
        return {};
    }
    Decoder decoder;
    std::vector<CorpusSyn> out;
    RawPacket pkt;
    while (source->next(pkt) == PacketSource::Status::Packet) {
        CorpusSyn s;
        if (!decoder.decode(pkt, s.record))
            continue;
        s.headers = QByteArray(reinterpret_cast<const char*>(pkt.data + s.record.ip_offset),
                               static_cast<qsizetype>(s.record.header_bytes));
        out.push_back(std::move(s));
    }
    return out;
}

// What the connection store keeps of a record beside its header bytes.
ConnectionRow rowOf(const SynRecord& r)
{
    ConnectionRow row;
    row.frame = uint32_t(r.frame);
    row.ts_ns = r.ts_ns;
    row.link_type = uint16_t(r.link_type);
    row.encapsulation = r.encapsulation;
    return row;
}

std::span<const uint8_t> asBytes(const QByteArray& b)
{
    return {reinterpret_cast<const uint8_t*>(b.constData()), size_t(b.size())};
}

} // namespace

class TestGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void headerLayout_data();
    void headerLayout();
    void headerLayoutRejectsGarbage();
    void detailPaneExplainsCorpusSyn();
    void detailPaneShowsUndecodableBytes();
    void captureFilterValidation();
    void mainWindowOpensCaptureAndExplainsRow_data();
    void mainWindowOpensCaptureAndExplainsRow();
    void editedDatabaseRescoresInPlace_data();
    void editedDatabaseRescoresInPlace();
    void mainWindowReportsUnreadableFile();
    void failedOpenChangesNothing();
    void quitWhileAFifoWaits();
    void mnemonicsDoNotClash();
    void mainWindowOpensDroppedFileAndRemembersSettings();
    void executableArguments();
    // Last: moves the test process into a network namespace of its own.
    void mainWindowCapturesLiveAsRoot();

private:
    // From the shared corpus (ja4 latest.pcapng and the zardaxt 2021 database); empty without it.
    std::shared_ptr<const Database> m_db;
    QString m_capture;
    const QString m_sample = QStringLiteral(SYNSCOPE_SOURCE_DIR "/resources/samples/synscope-sample.pcapng");
};

void TestGui::initTestCase()
{
    // Keep the window's QSettings away from the user's.
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
    QVERIFY2(QFile::exists(m_sample), qPrintable(m_sample));
    const QString dbPath = corpusDatabase();
    m_capture = sharedDir() + u"/data/pcaps/ja4/latest.pcapng"_s;
    if (!QFile::exists(dbPath) || !QFile::exists(m_capture))
        return;   // the tests that need the corpus skip; the others run on the bundled sample
    QString error;
    auto db = Database::load(dbPath, &error);
    QVERIFY2(db.has_value(), qPrintable(error));
    QVERIFY(!db->entries.empty());
    m_db = std::make_shared<const Database>(std::move(*db));
}

namespace {

// The IP+TCP header bytes decoded as a raw IP packet, as the detail pane does with stored rows.
std::optional<SynRecord> decodeRawIp(const QByteArray& h)
{
    Decoder decoder;
    SynRecord rec;
    const RawPacket pkt{0, uint32_t(h.size()), uint32_t(h.size()), kLinkTypeRaw,
                        reinterpret_cast<const uint8_t*>(h.constData())};
    if (!decoder.decode(pkt, rec))
        return std::nullopt;
    return rec;
}

} // namespace

// Byte ranges come from where the decoder read each field; a scored field highlights the header
// fields it is computed from.
void TestGui::headerLayout_data()
{
    QTest::addColumn<int>("header");   // a HeaderField, or -1
    QTest::addColumn<int>("scored");   // a ScoredField, or -1
    QTest::addColumn<int>("offset");
    QTest::addColumn<int>("length");
    QTest::newRow("ttl") << int(HeaderField::IpTtl) << -1 << 8 << 1;
    QTest::newRow("id") << int(HeaderField::IpId) << -1 << 4 << 2;
    QTest::newRow("window") << int(HeaderField::TcpWindow) << -1 << 34 << 2;
    QTest::newRow("flags") << int(HeaderField::TcpFlags) << -1 << 32 << 2;
    QTest::newRow("options") << int(HeaderField::TcpOptions) << -1 << 40 << 20;
    QTest::newRow("mss option") << int(HeaderField::OptMss) << -1 << 40 << 4;
    QTest::newRow("wscale option") << int(HeaderField::OptWscale) << -1 << 57 << 3;
    QTest::newRow("tsval") << int(HeaderField::OptTimestampValue) << -1 << 48 << 4;
    QTest::newRow("scored initial ttl") << -1 << int(ScoredField::InitialTtl) << 8 << 1;
    QTest::newRow("scored sack") << -1 << int(ScoredField::Sack) << 44 << 2;
}

void TestGui::headerLayout()
{
    QFETCH(int, header);
    QFETCH(int, scored);
    QFETCH(int, offset);
    QFETCH(int, length);
    const std::optional<SynRecord> rec = decodeRawIp(ipv4Syn());
    QVERIFY(rec);
    QCOMPARE(int(rec->layout.tcp), 20);
    const std::vector<HeaderField> fields =
        header >= 0 ? std::vector<HeaderField>{HeaderField(header)} : headerFieldsOf(ScoredField(scored));
    const std::vector<ByteRange> ranges = byteRanges(*rec, fields);
    QCOMPARE(ranges.size(), size_t(1));
    QCOMPARE(ranges.front().offset, offset);
    QCOMPARE(ranges.front().length, length);
}

void TestGui::headerLayoutRejectsGarbage()
{
    QVERIFY(!decodeRawIp(QByteArray()));
    QVERIFY(!decodeRawIp(QByteArray("\x45\x00", 2)));
    const std::optional<SynRecord> rec = decodeRawIp(ipv4Syn());
    QVERIFY(rec);
    // IPv4 has no flow label; a field beyond the captured header bytes is not highlighted.
    QVERIFY(!headerFieldRange(*rec, HeaderField::IpFlowLabel));
    SynRecord cut = *rec;
    cut.header_bytes = 30;
    QVERIFY(!headerFieldRange(cut, HeaderField::TcpWindow));
    QVERIFY(headerFieldRange(cut, HeaderField::TcpSeq));
}

void TestGui::detailPaneExplainsCorpusSyn()
{
    if (!m_db)
        QSKIP(kNoCorpus);
    QString error;
    const std::vector<CorpusSyn> syns = readSyns(m_capture, &error);
    QVERIFY2(!syns.empty(), qPrintable(error));
    const CorpusSyn& syn = syns.front();

    DetailPane pane;
    pane.setMatcher(m_db, Profile::synscope());
    QVERIFY(pane.showConnection(rowOf(syn.record), asBytes(syn.headers)));
    QVERIFY(pane.hasRecord());
    QCOMPARE(pane.record().frame, syn.record.frame);
    QCOMPARE(pane.record().fp.tcpOptions(), syn.record.fp.tcpOptions());
    QCOMPARE(pane.record().fp.tcp_window_size, syn.record.fp.tcp_window_size);

    Classifier classifier(*m_db, Profile::synscope());
    const Classification expected = classifier.classify(syn.record.fp);
    QVERIFY(!expected.best.empty());
    const Classification& shown = pane.classification();
    QCOMPARE(shown.best, expected.best);
    QCOMPARE(shown.best_score, expected.best_score);

    // The selector offers the tied best first, then the rest of the top N; the best is selected.
    const QList<int> offered = pane.selectorEntries();
    QVERIFY(offered.size() >= int(expected.best.size()));
    for (size_t i = 0; i < expected.best.size(); ++i)
        QCOMPARE(offered[int(i)], expected.best[i]);
    QCOMPARE(pane.selectedEntry(), expected.best.front());

    // Score table == Profile::explain against the selected entry, and its points sum to the score.
    auto checkTable = [&](int entry, double expectedScore) {
        const auto explained = Profile::synscope().explain(syn.record.fp, m_db->entries[size_t(entry)]);
        QTableWidget* table = pane.scoreTable();
        QCOMPARE(table->rowCount(), int(explained.size()));
        double sum = 0;
        for (int row = 0; row < table->rowCount(); ++row) {
            const FieldScore& fs = explained[size_t(row)];
            QCOMPARE(table->item(row, DetailPane::FieldColumn)->text(), fs.field);
            QCOMPARE(table->item(row, DetailPane::ObservedColumn)->text(), fs.observed);
            QCOMPARE(table->item(row, DetailPane::ExpectedColumn)->text(), fs.expected);
            QCOMPARE(table->item(row, DetailPane::PointsColumn)->text(), QString::number(fs.points, 'f', 2));
            sum += table->item(row, DetailPane::PointsColumn)->text().toDouble();
        }
        QVERIFY2(std::abs(sum - expectedScore) < 0.01 * table->rowCount() + 1e-9,
                 qPrintable(u"table sums to %1, score %2"_s.arg(sum).arg(expectedScore)));
    };
    checkTable(expected.best.front(), expected.best_score);
    QVERIFY(pane.entryText().contains(m_db->entries[size_t(expected.best.front())].label.os_name.toHtmlEscaped()));

    // Another top-N entry can be chosen and explained.
    if (offered.size() > int(expected.best.size())) {
        const int other = offered.last();
        QVERIFY(pane.selectEntry(other));
        QCOMPARE(pane.selectedEntry(), other);
        checkTable(other, Profile::synscope().score(syn.record.fp, m_db->entries[size_t(other)]));
    }
    QVERIFY(!pane.selectEntry(-42));
    // Any entry of the database can be compared with, not only the top ones ("why not Windows?").
    const auto notOffered = std::find_if(m_db->entries.begin(), m_db->entries.end(), [&](const DbEntry& e) {
        return !offered.contains(int(&e - m_db->entries.data()));
    });
    QVERIFY(notOffered != m_db->entries.end());
    const int far = int(notOffered - m_db->entries.begin());
    QVERIFY(pane.selectEntry(far));
    QCOMPARE(pane.selectedEntry(), far);
    QVERIFY(pane.selectorEntries().contains(far));
    checkTable(far, Profile::synscope().score(syn.record.fp, *notOffered));
    QTest::keyClicks(pane.entryFinder(), u"a"_s);   // typing makes the list
    QCOMPARE(pane.entryFinder()->completer()->model()->rowCount(), int(m_db->entries.size()));
    QVERIFY(pane.entryFinder()->completer()->completionCount() > 0);   // offered from the first key
    QVERIFY(!pane.selectEntry(int(m_db->entries.size())));

    // The chart shows the classification's class averages, N in the labels, best class marked.
    ScoreChart* chart = pane.scoreChart();
    QCOMPARE(chart->values().size(), std::min<int>(int(expected.averages.size()), ScoreChart::MaxBars));
    QCOMPARE(chart->hiddenCount(), int(expected.averages.size()) - chart->values().size());
    for (size_t i = 0; i < size_t(chart->values().size()); ++i) {
        const ClassAverage& a = expected.averages[i];
        QCOMPARE(chart->values()[int(i)], a.average);
        QVERIFY(chart->categories()[int(i)].contains(u"N=%1"_s.arg(a.n)));
        QCOMPARE(chart->belowMinimum()[int(i)], !a.averaged);
    }
    const QString bestClass = expected.bestAveragedClass();
    if (!bestClass.isEmpty())
        QVERIFY(chart->categories()[chart->bestIndex()].startsWith(bestClass));

    // Hop and MTU reasoning sentence.
    const HopEstimate hops = estimateHops(syn.record.fp.ip_ttl);
    QVERIFY2(pane.pathText().contains(u"initial TTL of %1"_s.arg(hops.initial_ttl)), qPrintable(pane.pathText()));
    if (syn.record.fp.tcp_mss >= 0)
        QVERIFY(pane.pathText().contains(u"MTU of <b>%1</b>"_s.arg(estimateLink(syn.record.fp.tcp_mss, syn.record.fp.ip_version).mtu)));

    // Selecting a score row highlights that field's bytes in the hex view.
    QTableWidget* table = pane.scoreTable();
    int ttlRow = -1;
    for (int row = 0; row < table->rowCount(); ++row)
        if (table->item(row, DetailPane::FieldColumn)->text() == scoredFieldName(ScoredField::InitialTtl))
            ttlRow = row;
    QVERIFY(ttlRow >= 0);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    table->selectRow(ttlRow);
    QTest::qWait(20);   // the highlight must survive the views settling after show
    const int ttlOffset = syn.record.fp.ip_version == 4 ? 8 : 7;
    QCOMPARE(pane.hexView()->highlight(), (std::vector<ByteRange>{{ttlOffset, 1}}));
    QCOMPARE(pane.hexView()->bytes(), syn.headers);

    // So does selecting a decoded field: the window field sits at TCP offset 14.
    QTreeWidgetItem* windowItem = nullptr;
    for (QTreeWidgetItemIterator it(pane.fieldTree()); *it; ++it)
        if ((*it)->toolTip(0) == u"tcp_window_size"_s)
            windowItem = *it;
    QVERIFY(windowItem);
    pane.fieldTree()->setCurrentItem(windowItem);
    QCOMPARE(pane.hexView()->highlight(), (std::vector<ByteRange>{{int(syn.record.layout.tcp) + 14, 2}}));

    // Switching the profile re-classifies what is shown.
    pane.setMatcher(m_db, Profile::classic());
    Classifier classic(*m_db, Profile::classic());
    QCOMPARE(pane.classification().best, classic.classify(syn.record.fp).best);
    QCOMPARE(pane.classification().max_score, Profile::classic().maxScore());
}

void TestGui::detailPaneShowsUndecodableBytes()
{
    DetailPane pane;
    pane.setMatcher(std::make_shared<const Database>(Database::builtin()), Profile::synscope());
    ConnectionRow stored;
    stored.frame = 7;
    const QByteArray truncated = ipv4Syn().left(24);
    QVERIFY(!pane.showConnection(stored, asBytes(truncated)));
    QVERIFY(!pane.hasRecord());
    QVERIFY(pane.summaryText().contains(u"Frame 7"_s));
    QCOMPARE(pane.scoreTable()->rowCount(), 0);
    QVERIFY(pane.scoreChart()->values().isEmpty());
}

void TestGui::captureFilterValidation()
{
    for (int linkType : {1 /* Ethernet */, 113 /* Linux cooked, 'any' */, 12 /* raw IP: tun, WireGuard */}) {
        QVERIFY(CaptureDialog::validateFilter(QString::fromStdString(defaultLiveFilter()), linkType).isEmpty());
        QVERIFY(CaptureDialog::validateFilter(QString(), linkType).isEmpty());
        QVERIFY(CaptureDialog::validateFilter(u"tcp port 443"_s, linkType).isEmpty());
        QVERIFY(!CaptureDialog::validateFilter(u"tcp port banana and"_s, linkType).isEmpty());
    }
    // Checked against the interface's link type, not Ethernet's: libpcap has no VLAN matching on
    // a cooked or raw-IP interface.
    QVERIFY(CaptureDialog::validateFilter(u"vlan and tcp"_s, 1).isEmpty());
    QVERIFY(!CaptureDialog::validateFilter(u"vlan and tcp"_s, 113).isEmpty());
    QCOMPARE(expectedLinkType("any"), 113);
    QCOMPARE(expectedLinkType("lo"), 1);

    // The dialog refuses to start with a filter libpcap rejects.
    CaptureDialog dialog(QString(), u"tcp port banana and"_s);
    auto* buttons = dialog.findChild<QDialogButtonBox*>();
    QVERIFY(buttons);
    QVERIFY(!buttons->button(QDialogButtonBox::Ok)->isEnabled());
    QCOMPARE(dialog.filter(), u"tcp port banana and"_s);
}

void TestGui::mainWindowOpensCaptureAndExplainsRow_data()
{
    QTest::addColumn<QString>("capture");
    QTest::addColumn<QString>("database");   // empty: the built-in one
    QTest::newRow("bundled sample, built-in database") << m_sample << QString();
    if (m_db)
        QTest::newRow("ja4 latest.pcapng, zardaxt 2021") << m_capture << corpusDatabase();
}

void TestGui::mainWindowOpensCaptureAndExplainsRow()
{
    QFETCH(QString, capture);
    QFETCH(QString, database);
    QString error;
    const std::vector<CorpusSyn> syns = readSyns(capture, &error);
    QVERIFY2(!syns.empty(), qPrintable(error));

    MainWindow window;
    QVERIFY2(window.loadDatabase(database, &error), qPrintable(error));
    QVERIFY(window.setProfileName(u"synscope"_s));
    QVERIFY(!window.setProfileName(u"no-such-profile"_s));
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QSignalSpy loaded(&window, &MainWindow::fileLoaded);
    window.openCaptureFile(capture);
    QVERIFY(loaded.wait(20000));
    QCOMPARE(window.connectionModel()->rowCount(), int(syns.size()));
    QCOMPARE(window.filterModel()->rowCount(), int(syns.size()));
    QVERIFY(window.recentFiles().contains(QFileInfo(capture).absoluteFilePath()));

    // Select the third row: the detail pane shows that frame, classified with the window's matcher.
    const int row = std::min<int>(2, int(syns.size()) - 1);
    window.selectRow(row);
    DetailPane* pane = window.detailPane();
    QVERIFY(pane->hasRecord());
    const QModelIndex source = window.filterModel()->mapToSource(window.filterModel()->index(row, 0));
    const CorpusSyn& syn = syns[size_t(source.row())];
    QCOMPARE(pane->record().frame, syn.record.frame);
    QCOMPARE(pane->record().src_port, syn.record.src_port);

    Classifier classifier(window.database(), Profile::synscope());
    const Classification expected = classifier.classify(syn.record.fp);
    QCOMPARE(pane->classification().best, expected.best);
    QCOMPARE(pane->selectedEntry(), expected.best.front());
    const auto explained = Profile::synscope().explain(syn.record.fp, window.database().entries[size_t(expected.best.front())]);
    QCOMPARE(pane->scoreTable()->rowCount(), int(explained.size()));
    for (int r = 0; r < int(explained.size()); ++r)
        QCOMPARE(pane->scoreTable()->item(r, DetailPane::PointsColumn)->text(), QString::number(explained[size_t(r)].points, 'f', 2));
    // The table's score column agrees with the pane.
    QCOMPARE(window.filterModel()->index(row, ConnectionModel::Score).data(ConnectionModel::ScoreRole).toDouble(),
             double(float(expected.best_score)));

    // Ctrl+C on the table copies the selected row, tab-separated as displayed.
    QAction* copy = nullptr;
    for (QAction* a : window.connectionView()->actions())
        if (a->shortcut() == QKeySequence(QKeySequence::Copy))
            copy = a;
    QVERIFY(copy);
    copy->trigger();
    const QString copied = QGuiApplication::clipboard()->text();
    QCOMPARE(copied.count(QLatin1Char('\n')), 1);
    QCOMPARE(copied.split(QLatin1Char('\t')).value(ConnectionModel::Options),
             window.filterModel()->index(row, ConnectionModel::Options).data().toString());

    // Bar set values == the classification's averages.
    const QList<qreal> bars = pane->scoreChart()->values();
    QCOMPARE(bars.size(), std::min<int>(int(expected.averages.size()), ScoreChart::MaxBars));
    for (size_t i = 0; i < size_t(bars.size()); ++i)
        QCOMPARE(bars[int(i)], expected.averages[i].average);

    // Overview: the stacked classes account for every connection; the histogram holds them all.
    window.overview()->refresh();
    QCOMPARE(window.overview()->timelineClasses().size(), window.overview()->timelineTotals().size());
    QVERIFY(!window.overview()->timelineClasses().isEmpty());
    for (const QString& cls : window.overview()->timelineClasses())
        QVERIFY(!cls.isEmpty());
    quint64 stacked = 0;
    for (quint64 n : window.overview()->timelineTotals())
        stacked += n;
    QCOMPARE(stacked, quint64(syns.size()));
    qreal binned = 0;
    for (qreal n : window.overview()->histogramValues())
        binned += n;
    QCOMPARE(quint64(binned) + window.histogramModel()->unmatched(), quint64(syns.size()));
    QVERIFY(window.hostModel()->rowCount() > 0);

    // The Hosts tab attaches its table when shown, busiest host first.
    auto* tabs = window.findChild<QTabWidget*>();
    auto* hostView = window.findChild<QTableView*>(u"hostTable"_s);
    QVERIFY(tabs && hostView);
    tabs->setCurrentWidget(hostView);
    QCOMPARE(hostView->model()->rowCount(), window.hostModel()->rowCount());
    for (int r = 1; r < hostView->model()->rowCount(); ++r)
        QVERIFY(hostView->model()->index(r - 1, HostModel::Connections).data(HostModel::SortRole).toULongLong()
                >= hostView->model()->index(r, HostModel::Connections).data(HostModel::SortRole).toULongLong());
    tabs->setCurrentIndex(0);
    QCOMPARE(hostView->model()->rowCount(), 0);   // detached while hidden

    // Display filter (debounced): only SYN+ACK rows remain.
    int synAcks = 0;
    for (const CorpusSyn& s : syns)
        synAcks += s.record.kind == PacketKind::SynAck;
    window.displayFilterEdit()->setText(u"synack"_s);
    QCOMPARE(window.filterModel()->rowCount(), int(syns.size()));   // not before the debounce
    QTRY_COMPARE_WITH_TIMEOUT(window.filterModel()->rowCount(), synAcks, 2000);

    // Export: CSV of the visible rows, JSON lines of the selection.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSignalSpy exported(&window, &MainWindow::exportFinished);
    QVERIFY2(window.exportRows(dir.filePath(u"rows.csv"_s), false, &error), qPrintable(error));
    QVERIFY(exported.wait(20000));
    QVERIFY2(exported.last().at(0).toBool(), qPrintable(exported.last().at(1).toString()));
    QFile csv(dir.filePath(u"rows.csv"_s));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().split('\n');
    QCOMPARE(lines.size(), synAcks + 2);   // header, rows, empty tail
    QVERIFY(lines.front().startsWith("Time,Source,Destination"));

    window.displayFilterEdit()->clear();
    QTRY_COMPARE_WITH_TIMEOUT(window.filterModel()->rowCount(), int(syns.size()), 2000);
    window.selectRow(row);
    QVERIFY2(window.exportRows(dir.filePath(u"selected.jsonl"_s), true, &error), qPrintable(error));
    QVERIFY(exported.wait(20000));
    QVERIFY(exported.last().at(0).toBool());
    QFile jsonl(dir.filePath(u"selected.jsonl"_s));
    QVERIFY(jsonl.open(QIODevice::ReadOnly));
    const QList<QByteArray> objects = jsonl.readAll().trimmed().split('\n');
    const ConnectionStore& rowStore = window.connectionModel()->store();
    const ConnectionInfo* connection = rowStore.connection(rowStore.row(size_t(source.row())));
    // The row, and when its connection was followed, its flow line as synscope-cli --json writes it.
    QCOMPARE(objects.size(), connection ? 2 : 1);
    const QJsonObject o = QJsonDocument::fromJson(objects.front()).object();
    QVERIFY(!o.isEmpty());
    QCOMPARE(o.value(u"frame"_s).toInteger(), qint64(syn.record.frame));
    if (connection) {
        const QJsonObject flow = QJsonDocument::fromJson(objects.back()).object();
        QCOMPARE(flow.value(u"type"_s).toString(), u"flow"_s);
        QCOMPARE(flow.value(u"frame"_s).toInteger(), qint64(syn.record.frame));
        QCOMPARE(flow.value(u"verdict"_s).toString(),
                 window.connectionModel()->text(size_t(source.row()), ConnectionModel::Verdict));
    }
    QVERIFY(!window.exportRows(dir.filePath(u"missing-dir/x.csv"_s), false, &error));
    QVERIFY(error.contains(u"missing-dir"_s));

    // Switching the profile re-scores the rows in place: the file is not read again.
    loaded.clear();
    QSignalSpy rescored(&window, &MainWindow::rescored);
    QVERIFY(window.setProfileName(u"classic"_s));
    QVERIFY(rescored.wait(20000));
    QCOMPARE(loaded.count(), 0);
    QCOMPARE(window.connectionModel()->rowCount(), int(syns.size()));
    QCOMPARE(window.connectionModel()->index(0, 0).data(ConnectionModel::MaxScoreRole).toDouble(),
             Profile::classic().maxScore());
}

void TestGui::editedDatabaseRescoresInPlace_data()
{
    QTest::addColumn<QString>("capture");
    QTest::addColumn<QString>("database");   // empty: the built-in one without its Linux entries
    QTest::newRow("bundled sample") << m_sample << QString();
    if (m_db)
        QTest::newRow("ja4 latest.pcapng, zardaxt 2021") << m_capture << corpusDatabase();
}

// A database change re-scores the rows shown from their stored bytes; the result must be what a
// fresh read of the file with that database shows, row by row, and in the hosts view and charts.
void TestGui::editedDatabaseRescoresInPlace()
{
    QFETCH(QString, capture);
    QFETCH(QString, database);
    QTemporaryDir dir;
    QString error;
    if (database.isEmpty()) {
        Database edited = Database::builtin();
        std::erase_if(edited.entries, [](const DbEntry& e) { return e.label.os_class == u"Linux"_s; });
        QVERIFY(edited.entries.size() < Database::builtin().entries.size());
        database = dir.filePath(u"edited.json"_s);
        QVERIFY2(edited.save(database, &error), qPrintable(error));
    }

    MainWindow edited;
    QSignalSpy loaded(&edited, &MainWindow::fileLoaded);
    edited.openCaptureFile(capture);
    QVERIFY(loaded.wait(20000));
    const int rows = edited.connectionModel()->rowCount();
    QVERIFY(rows > 0);
    // With a display filter that reads the OS column (a text clause: the row's options), the
    // re-scoring filters once at its end and the selected row stays selected.
    int selected = std::min(2, rows - 1);
    const QString options = edited.connectionModel()->text(size_t(selected), ConnectionModel::Options);
    edited.displayFilterEdit()->setText(options);
    QTRY_COMPARE_WITH_TIMEOUT(edited.filterModel()->filterText(), options, 2000);
    QVERIFY(edited.filterModel()->rowCount() > 0);
    for (int r = 0; r < edited.filterModel()->rowCount(); ++r)
        if (edited.filterModel()->mapToSource(edited.filterModel()->index(r, 0)).row() == selected)
            edited.selectRow(r);
    QCOMPARE(edited.filterModel()->mapToSource(edited.connectionView()->currentIndex()).row(), selected);
    std::vector<RowScore> before;
    for (int r = 0; r < rows; ++r)
        before.push_back(RowScore::of(edited.connectionModel()->store().row(size_t(r))));

    // An edit while an export runs waits for it: the export sees one database from start to end.
    QSignalSpy rescored(&edited, &MainWindow::rescored);
    QSignalSpy exported(&edited, &MainWindow::exportFinished);
    const QString jsonl = dir.filePath(u"during-edit.jsonl"_s);
    QVERIFY2(edited.exportRows(jsonl, false, &error), qPrintable(error));
    QVERIFY2(edited.loadDatabase(database, &error), qPrintable(error));
    QVERIFY(!edited.isRescoring());
    QVERIFY(exported.wait(20000));
    QVERIFY(exported.last().at(0).toBool());
    QVERIFY(rescored.wait(20000));
    QVERIFY(!edited.isRescoring());
    QCOMPARE(loaded.count(), 1);   // not read again
    {
        QFile f(jsonl);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray all = f.readAll();
        QVERIFY(!all.isEmpty());
    }

    MainWindow fresh;
    QVERIFY2(fresh.loadDatabase(database, &error), qPrintable(error));
    QSignalSpy freshLoaded(&fresh, &MainWindow::fileLoaded);
    fresh.openCaptureFile(capture);
    QVERIFY(freshLoaded.wait(20000));
    QCOMPARE(fresh.connectionModel()->rowCount(), rows);

    const ConnectionModel* a = edited.connectionModel();
    const ConnectionModel* b = fresh.connectionModel();
    int changed = 0;
    for (int r = 0; r < rows; ++r) {
        const RowScore sa = RowScore::of(a->store().row(size_t(r)));
        QVERIFY2(sa == RowScore::of(b->store().row(size_t(r))), qPrintable(u"row %1"_s.arg(r)));
        changed += sa == before[size_t(r)] ? 0 : 1;
        for (int c : {ConnectionModel::OsGuess, ConnectionModel::Score, ConnectionModel::Confidence,
                      ConnectionModel::UaOs, ConnectionModel::Verdict, ConnectionModel::Suspicion})
            QCOMPARE(a->text(size_t(r), c), b->text(size_t(r), c));
    }
    QVERIFY2(changed > 0, "the edited database changes no row: the test proves nothing");
    // The selected row stays selected (through the filter's rebuild) and the detail pane explains
    // it with the new database; the filter shows what it shows after a fresh read.
    QCOMPARE(edited.filterModel()->mapToSource(edited.connectionView()->currentIndex()).row(), selected);
    QVERIFY(edited.detailPane()->hasRecord());
    fresh.displayFilterEdit()->setText(options);
    QTRY_COMPARE_WITH_TIMEOUT(fresh.filterModel()->filterText(), options, 2000);
    QCOMPARE(edited.filterModel()->rowCount(), fresh.filterModel()->rowCount());

    QCOMPARE(edited.hostModel()->rowCount(), fresh.hostModel()->rowCount());
    for (int h = 0; h < edited.hostModel()->rowCount(); ++h)
        for (int c : {int(HostModel::Address), int(HostModel::Connections), int(HostModel::OsGuess)})
            QCOMPARE(edited.hostModel()->index(h, c).data(), fresh.hostModel()->index(h, c).data());
    edited.histogramModel()->flush();
    fresh.histogramModel()->flush();
    for (int bin = 0; bin < fresh.histogramModel()->rowCount(); ++bin)
        QCOMPARE(edited.histogramModel()->index(bin, ScoreHistogramModel::Count).data(),
                 fresh.histogramModel()->index(bin, ScoreHistogramModel::Count).data());
}

void TestGui::mainWindowReportsUnreadableFile()
{
    MainWindow window;
    QSignalSpy failed(&window, &MainWindow::captureFailed);
    window.openCaptureFile(u"/nonexistent/capture.pcap"_s);
    QVERIFY(failed.wait(10000));
    QVERIFY(failed.front().front().toString().contains(u"/nonexistent/capture.pcap"_s));
    QCOMPARE(window.connectionModel()->rowCount(), 0);
}

void TestGui::failedOpenChangesNothing()
{
    QSettings().clear();
    MainWindow window;
    QSignalSpy loaded(&window, &MainWindow::fileLoaded);
    QSignalSpy failed(&window, &MainWindow::captureFailed);
    window.openCaptureFile(m_sample);
    QVERIFY(loaded.wait(20000));
    const int rows = window.connectionModel()->rowCount();
    QVERIFY(rows > 0);
    const QString title = window.windowTitle();
    const QStringList recent = window.recentFiles();

    QTemporaryDir dir;
    const QString junk = dir.filePath(u"not-a-capture.pcap"_s);
    {
        QFile f(junk);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not a capture file, only text");
    }
    for (const QString& bad : {junk, u"/nonexistent/capture.pcap"_s}) {
        failed.clear();
        window.openCaptureFile(bad);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
        QVERIFY(failed.front().front().toString().contains(bad));
        QTest::qWait(100);   // nothing more may follow: no second message, no late reset
        QCOMPARE(failed.size(), 1);
        QCOMPARE(window.connectionModel()->rowCount(), rows);
        QCOMPARE(window.windowTitle(), title);
        QCOMPARE(window.recentFiles(), recent);
    }
}

// `synscope <(ssh host tcpdump -w -)` with nothing arriving: Stop and Quit answer at once, and
// what was shown stays until the stream has opened.
void TestGui::quitWhileAFifoWaits()
{
    QTemporaryDir dir;
    const QString fifo = dir.filePath(u"stream"_s);
    QCOMPARE(::mkfifo(fifo.toLocal8Bit().constData(), 0600), 0);
    auto window = std::make_unique<MainWindow>();
    QSignalSpy loaded(window.get(), &MainWindow::fileLoaded);
    QSignalSpy failed(window.get(), &MainWindow::captureFailed);
    window->openCaptureFile(m_sample);
    QVERIFY(loaded.wait(20000));
    const int rows = window->connectionModel()->rowCount();
    window->openCaptureFile(fifo);
    QTest::qWait(200);
    QCOMPARE(window->connectionModel()->rowCount(), rows);
    QVERIFY(window->isCapturing());
    QElapsedTimer t;
    t.start();
    window->stopCapture();
    QTRY_VERIFY_WITH_TIMEOUT(!window->isCapturing(), 1000);
    QCOMPARE(failed.size(), 0);   // the user stopped it: no error box
    window->openCaptureFile(fifo);
    QTest::qWait(100);
    window->close();
    window.reset();
    QVERIFY2(t.elapsed() < 1500, qPrintable(QString::number(t.elapsed())));
}

// A tab's Alt+letter must not steal a menu's.
void TestGui::mnemonicsDoNotClash()
{
    MainWindow window;
    const auto mnemonic = [](const QString& text) {
        const qsizetype i = text.indexOf(u'&');
        return i >= 0 && i + 1 < text.size() ? text.at(i + 1).toLower() : QChar();
    };
    QSet<QChar> menus;
    for (QAction* a : window.menuBar()->actions()) {
        const QChar m = mnemonic(a->text());
        QVERIFY2(!m.isNull(), qPrintable(a->text()));
        QVERIFY2(!menus.contains(m), qPrintable(a->text()));
        menus.insert(m);
    }
    auto* tabs = window.findChild<QTabWidget*>();
    QVERIFY(tabs);
    QSet<QChar> tabKeys;
    for (int i = 0; i < tabs->count(); ++i) {
        const QChar m = mnemonic(tabs->tabText(i));
        QVERIFY2(!m.isNull(), qPrintable(tabs->tabText(i)));
        QVERIFY2(!menus.contains(m) && !tabKeys.contains(m), qPrintable(tabs->tabText(i)));
        tabKeys.insert(m);
    }
    // A label's '&' is a mnemonic only with a buddy; without one it shows as it is.
    CaptureDialog dialog{QString(), QString()};
    for (QLabel* label : dialog.findChildren<QLabel*>())
        if (label->text().contains(u'&'))
            QVERIFY2(label->buddy(), qPrintable(label->text()));
}

void TestGui::mainWindowOpensDroppedFileAndRemembersSettings()
{
    QSettings().clear();
    {
        MainWindow window;
        QVERIFY(window.setProfileName(u"classic"_s));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy loaded(&window, &MainWindow::fileLoaded);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(m_sample)});
        // As a real drag does: the enter event picks the target, the drop goes to it.
        QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &drop);
        QVERIFY(drop.isAccepted());
        QVERIFY(loaded.wait(20000));
        QVERIFY(window.connectionModel()->rowCount() > 0);
        window.displayFilterEdit()->setText(u"port 443"_s);
        window.setRowCap(123456);
        window.close();
    }
    MainWindow again;
    QCOMPARE(again.connectionModel()->store().rowCap(), size_t(123456));
    QCOMPARE(again.profile().name(), Profile::classic().name());
    QCOMPARE(again.recentFiles().value(0), QFileInfo(m_sample).absoluteFilePath());
    QCOMPARE(again.displayFilterEdit()->text(), u"port 443"_s);
    QCOMPARE(again.filterModel()->filterText(), u"port 443"_s);
}

void TestGui::executableArguments()
{
    const QString exe = QStringLiteral(SYNSCOPE_BINARY_DIR) + u"/app/gui/synscope"_s;
    QVERIFY2(QFile::exists(exe), qPrintable(exe));
    auto run = [&](const QStringList& args, QString* err) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
        env.insert(u"XDG_CONFIG_HOME"_s, QDir::tempPath() + u"/synscope-test-gui-config"_s);
        p.setProcessEnvironment(env);
        p.start(exe, args);
        if (!p.waitForFinished(30000))
            return -1;
        *err = QString::fromLocal8Bit(p.readAllStandardError());
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    };
    QString err;
    QCOMPARE(run({u"--profile"_s, u"bogus"_s, m_sample}, &err), 2);
    QVERIFY2(err.contains(u"bogus"_s), qPrintable(err));
    QCOMPARE(run({u"--db"_s, u"/nonexistent/db.json"_s, m_sample}, &err), 2);
    QVERIFY2(err.contains(u"/nonexistent/db.json"_s), qPrintable(err));
    QCOMPARE(run({m_sample, m_sample}, &err), 2);
    QCOMPARE(run({u"--bogus"_s, m_sample}, &err), 2);
    QVERIFY2(err.contains(u"Unknown option 'bogus'"_s), qPrintable(err));

    // --help and --version need no display (QApplication aborts without one).
    for (const QString& info : {u"--help"_s, u"--version"_s}) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(u"QT_QPA_PLATFORM"_s);
        env.remove(u"DISPLAY"_s);
        env.remove(u"WAYLAND_DISPLAY"_s);
        p.setProcessEnvironment(env);
        p.start(exe, {info});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        const QString out = QString::fromLocal8Bit(p.readAllStandardOutput());
        QVERIFY2(out.contains(info == u"--help"_s ? u"Usage:"_s : u"SynScope"_s), qPrintable(out));
    }

    QTemporaryDir dir;
    const QString png = dir.filePath(u"shot.png"_s);
    QCOMPARE(run({u"--profile"_s, u"classic"_s, u"--screenshot"_s, png, u"--select-row"_s, u"1"_s, m_sample}, &err), 0);
    const QImage image(png);
    QVERIFY2(!image.isNull(), qPrintable(err));
    QCOMPARE(image.size(), QSize(1600, 1000));
    // Unattended runs end with an error instead of waiting on a message box or claiming success.
    QCOMPARE(run({u"--screenshot"_s, png, u"/nonexistent/capture.pcap"_s}, &err), 2);
    QVERIFY2(err.contains(u"/nonexistent/capture.pcap"_s), qPrintable(err));
    QCOMPARE(run({u"--screenshot"_s, u"/nonexistent/shot.png"_s, m_sample}, &err), 2);
    QVERIFY2(err.contains(u"cannot write /nonexistent/shot.png"_s), qPrintable(err));
}

void TestGui::mainWindowCapturesLiveAsRoot()
{
    if (geteuid() != 0)
        QSKIP("live capture without the helper needs root");
    // A private network namespace: its loopback carries only this test's connections.
    if (unshare(CLONE_NEWNET) != 0)
        QSKIP("cannot create a network namespace (unshare CLONE_NEWNET failed)");
    {
        const int s = socket(AF_INET, SOCK_DGRAM, 0);
        QVERIFY(s >= 0);
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        QVERIFY(ioctl(s, SIOCGIFFLAGS, &ifr) == 0);
        ifr.ifr_flags |= IFF_UP;
        QVERIFY(ioctl(s, SIOCSIFFLAGS, &ifr) == 0);
        close(s);
    }
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(listener >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QVERIFY(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    QVERIFY(listen(listener, 16) == 0);
    socklen_t len = sizeof addr;
    QVERIFY(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    const int port = ntohs(addr.sin_port);

    MainWindow window;
    QSignalSpy failed(&window, &MainWindow::captureFailed);
    LiveOptions options;
    options.filter = defaultLiveFilter();
    // A start that fails says so once and leaves the title alone.
    options.interface = "synscope-none0";
    const QString title = window.windowTitle();
    window.startLiveCapture(options);
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 5000);
    QTest::qWait(100);
    QCOMPARE(failed.size(), 1);
    QCOMPARE(window.windowTitle(), title);
    QVERIFY(!window.isCapturing());

    options.interface = "lo";
    window.startLiveCapture(options);
    QVERIFY(window.isCapturing());

    // Connect until the capture, which starts asynchronously, has seen a handshake. The pause
    // lets the live source time out, which is when the worker hands over a quiet link's rows.
    for (int attempt = 0; attempt < 10 && window.connectionModel()->rowCount() < 2; ++attempt) {
        const int c = socket(AF_INET, SOCK_STREAM, 0);
        QVERIFY(c >= 0);
        QVERIFY(::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        const int accepted = accept(listener, nullptr, nullptr);
        QVERIFY(accepted >= 0);
        close(accepted);
        close(c);
        QTest::qWait(800);
    }
    QVERIFY(window.connectionModel()->rowCount() >= 2);
    const QString filter = u"port %1 synack"_s.arg(port);
    window.displayFilterEdit()->setText(filter);
    QTRY_COMPARE_WITH_TIMEOUT(window.filterModel()->filterText(), filter, 2000);
    QVERIFY(window.filterModel()->rowCount() >= 1);
    window.selectRow(0);
    QVERIFY(window.detailPane()->hasRecord());
    QCOMPARE(window.detailPane()->record().kind, PacketKind::SynAck);
    QCOMPARE(int(window.detailPane()->record().src_port), port);
    QCOMPARE(window.detailPane()->record().fp.ip_ttl, uint8_t(64));

    // Stopping lets the worker end its run (it keeps the rows read so far), so it is not instant.
    const int rows = window.connectionModel()->rowCount();
    QVERIFY(window.windowTitle().contains(u"Capturing on lo"_s));
    QAction* stop = nullptr;
    for (QAction* a : window.findChildren<QAction*>())
        if (a->text() == u"S&top Capture"_s)
            stop = a;
    QVERIFY(stop && stop->isEnabled());
    // One press stops it: the action and the title follow once the worker has ended.
    stop->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!window.isCapturing(), 3000);
    QTRY_VERIFY_WITH_TIMEOUT(!stop->isEnabled(), 1000);
    QVERIFY2(!window.windowTitle().contains(u"Capturing"_s), qPrintable(window.windowTitle()));
    QVERIFY(window.connectionModel()->rowCount() >= rows);
    close(listener);
}

QTEST_MAIN(TestGui)
#include "test_gui.moc"
