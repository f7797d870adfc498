// SPDX-License-Identifier: GPL-3.0-or-later
// synscope-cli: the command-line twin of the GUI, for servers and scripts. Reads capture files or
// a live interface, prints one block (or one JSON line) per SYN / SYN+ACK, and a summary.
#include "app/cli/db.h"
#include "app/cli/eval.h"
#include "app/cli/line_writer.h"
#include "core/capture/packet_source.h"
#include "core/database/database.h"
#include "core/flow/access_log_tail.h"
#include "core/match/profile.h"
#include "core/pipeline/pipeline.h"
#include "core/report/report.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>

#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

// SIGINT/SIGTERM: g_cancel stops a source that is still being opened (a FIFO without a writer,
// a pipe whose writer has gone quiet), breakLoop() one that is being read. Both are atomics (and
// pcap_breakloop plus an eventfd write), so safe in a handler.
std::atomic<bool> g_cancel{false};
volatile sig_atomic_t g_signal = 0;
std::atomic<PacketSource*> g_interruptible{nullptr};

void onSignal(int sig)
{
    g_signal = sig;
    g_cancel.store(true);
    if (PacketSource* s = g_interruptible.load())
        s->breakLoop();
}

void installSignalHandlers()
{
    struct sigaction sa{};
    sa.sa_handler = onSignal;   // no SA_RESTART: a signal also ends a wait at once
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

void write(FILE* f, const QString& text)
{
    const QByteArray utf8 = text.toUtf8();
    std::fwrite(utf8.constData(), 1, size_t(utf8.size()), f);
}

void fail(const QString& message)
{
    write(stderr, u"synscope-cli: "_s + message + u'\n');
}

enum class Output { Text, Json, Quiet };

// Prints the pipeline's records as text or JSON lines, through a LineWriter (the lines are
// formatted and written on a thread of their own, in 64 KiB chunks); `live` (an interface or a
// stream: pipe, FIFO), also whenever the source runs dry (Timeout) and at least every 50 ms while
// records wait, so a quiet link's rows show at once without a write() per SYN at full rate (which
// made the capture thread fall behind the kernel). `limit` ends the run after that many SYNs
// read, whether or not they are printed.
class PrintSink final : public PipelineSink {
public:
    PrintSink(const Database* db, Output output, bool live, uint64_t limit, int maxGuesses)
        : m_output(output), m_live(live), m_limit(limit)
    {
        if (db && output != Output::Quiet)
            m_writer.emplace(*db, maxGuesses);
        if (output != Output::Quiet)
            m_lines.emplace(output == Output::Json, stdout, db ? *db : m_noDatabase, maxGuesses);
    }
    // A live access log is read on the way (it grows while the capture runs).
    void follow(AccessLogTail* tail) { m_tail = tail; }

    void onFlow(const FlowObservation& f) override
    {
        if (!m_lines)
            return;
        std::string line;
        if (m_output == Output::Json)
            appendFlowJson(line, f);
        else
            appendFlowText(line, f);
        m_lines->text(std::move(line));
    }

    void onRecord(const Observation& o) override
    {
        if (m_writer)
            m_lines->record(o, *m_writer);
    }

    bool onStep(PacketSource::Status status, bool recorded) override
    {
        if (status == PacketSource::Status::Timeout) {
            if (g_cancel.load())
                return false;
            if (m_tail)
                m_tail->poll();
            flush(false);
            return true;
        }
        if (m_tail && Clock::now() - m_lastPoll >= kPollEvery) {
            m_tail->poll();
            m_lastPoll = Clock::now();
        }
        if (recorded && m_limit && ++m_records >= m_limit)
            return false;
        if (m_live && m_lines && m_lines->pending() && Clock::now() - m_lastFlush >= kLiveFlushEvery)
            flush(false);
        return true;
    }

    // wait: return once every line is written (the end of a run, before the summary); without,
    // hand the lines over and go on (a live capture's flushes).
    void flush(bool wait = true)
    {
        if (m_lines && (wait || m_lines->pending()))
            m_lines->flush(wait);
        if (m_live)
            m_lastFlush = Clock::now();
    }

private:
    using Clock = std::chrono::steady_clock;
    static constexpr auto kLiveFlushEvery = std::chrono::milliseconds(50);
    static constexpr auto kPollEvery = std::chrono::milliseconds(200);
    AccessLogTail* m_tail = nullptr;
    Clock::time_point m_lastPoll = Clock::now();

    Output m_output;
    bool m_live;
    uint64_t m_limit;
    uint64_t m_records = 0;
    const Database m_noDatabase;   // what the writer holds when nothing classifies (flows only)
    std::optional<ReportWriter> m_writer;
    std::optional<LineWriter> m_lines;
    Clock::time_point m_lastFlush = Clock::now();
};

// Runs `pipeline` over `source` into `sink`. Returns false when reading failed (the error has
// been printed).
bool run(Pipeline& pipeline, PacketSource& source, PrintSink& sink)
{
    g_interruptible.store(&source);
    if (g_cancel.load())   // a signal that came before the store
        source.breakLoop();
    const bool ok = pipeline.run(source, sink);
    sink.flush();
    g_interruptible.store(nullptr);
    if (!ok)
        fail(QString::fromStdString(pipeline.error()));
    return ok;
}

QString summary(const DecodeStats& s, const PacketSource& source)
{
    QString out = u"packets %1, SYN %2, SYN+ACK %3, other TCP %4, not TCP %5, skipped %6\n"_s
                      .arg(s.packets)
                      .arg(s.syn)
                      .arg(s.syn_ack)
                      .arg(s.other_tcp)
                      .arg(s.non_tcp)
                      .arg(s.droppedTotal());
    if (s.bad_options)
        out += u"  records with a malformed option list: %1\n"_s.arg(s.bad_options);
    for (size_t i = 0; i < s.dropped.size(); ++i)
        if (s.dropped[i])
            out += u"  skipped %1: %2\n"_s.arg(QString::fromUtf8(dropReasonName(DropReason(i))))
                       .arg(s.dropped[i]);
    for (const auto& [linkType, count] : s.unsupported_link_types)
        out += u"  unsupported link type %1 (%2): %3 packets\n"_s.arg(linkTypeName(linkType))
                   .arg(linkType)
                   .arg(count);
    uint64_t received = 0, dropped = 0, ifDropped = 0;
    if (source.stats(&received, &dropped, &ifDropped))
        out += u"  capture: received %1, dropped by kernel %2, dropped by interface %3\n"_s
                   .arg(received)
                   .arg(dropped)
                   .arg(ifDropped);
    return out;
}

// --bench: the same file read twice in one process, decode only and decode + classify, so the
// figures exclude start-up and database loading.
int bench(const QString& path, const Database& db, const Profile& profile)
{
    struct Pass {
        const char* name;
        bool classify;
    };
    for (const Pass pass : {Pass{"decode+detect", false}, Pass{"decode+classify+detect", true}}) {
        std::string error;
        auto source = PacketSource::openFile(path.toStdString(), &error);
        if (!source) {
            fail(QString::fromStdString(error));
            return 2;
        }
        Pipeline pipeline(pass.classify ? &db : nullptr, profile);
        PrintSink sink(nullptr, Output::Quiet, false, 0, 3);
        QElapsedTimer timer;
        timer.start();
        const bool ok = run(pipeline, *source, sink);
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        if (!ok)
            return 1;
        const DecodeStats& s = pipeline.stats();
        const uint64_t syns = s.syn + s.syn_ack;
        write(stdout, u"%1: %2 packets, %3 SYN/SYN+ACK in %4 s: %5 SYN/s, %6 packets/s\n"_s
                          .arg(QString::fromLatin1(pass.name))
                          .arg(s.packets)
                          .arg(syns)
                          .arg(seconds, 0, 'f', 3)
                          .arg(qint64(double(syns) / seconds))
                          .arg(qint64(double(s.packets) / seconds)));
        if (const Classifier* classifier = pipeline.classifier())
            write(stdout, u"  classifier cache: %1 keys, %2 hits, %3 misses\n"_s
                              .arg(classifier->cacheSize())
                              .arg(classifier->cacheHits())
                              .arg(classifier->cacheMisses()));
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"synscope-cli"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(PROJECT_VERSION));
    if (argc > 1 && std::strcmp(argv[1], "eval") == 0)
        return runEval(QCoreApplication::arguments());
    if (argc > 1 && std::strcmp(argv[1], "db") == 0)
        return runDb(QCoreApplication::arguments());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Passive TCP/IP fingerprinting: which OS sent each SYN and SYN+ACK, hop distance, MTU "
        "and tunnels."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption readOpt({u"r"_s, u"read"_s}, u"Read packets from a pcap/pcapng file."_s,
                                     u"file"_s);
    const QCommandLineOption ifaceOpt({u"i"_s, u"interface"_s}, u"Capture live on an interface."_s,
                                      u"iface"_s);
    const QCommandLineOption filterOpt({u"f"_s, u"filter"_s},
                                       u"Capture filter (BPF) for -i; default: TCP SYN and SYN+ACK, and the FIN, RST, PSH and pure ACK segments the flow stage follows."_s,
                                       u"filter"_s);
    const QCommandLineOption dbOpt(u"db"_s, u"Fingerprint database (SynScope JSON, zardaxt JSON, "
                                            "p0f.fp, Satori tcp.xml); default: the built-in one."_s,
                                   u"file"_s);
    const QCommandLineOption profileOpt(u"profile"_s, u"Scoring profile: synscope (default) or classic."_s,
                                        u"name"_s, u"synscope"_s);
    const QCommandLineOption jsonOpt(u"json"_s, u"One JSON object per fingerprint per line."_s);
    const QCommandLineOption quietOpt({u"q"_s, u"quiet"_s}, u"Print only the summary."_s);
    const QCommandLineOption countOpt({u"c"_s, u"count"_s}, u"Stop after this many SYN/SYN+ACKs."_s,
                                      u"n"_s);
    const QCommandLineOption guessesOpt(u"guesses"_s, u"Best guesses to print (default 3)."_s,
                                        u"n"_s, u"3"_s);
    const QCommandLineOption minClassOpt(
        u"min-class-size"_s,
        u"Entries a class needs before its average score is shown (default: the database's own "
        "setting; 8, the seed's rule, for databases that do not set it)."_s,
        u"n"_s);
    const QCommandLineOption minConfidenceOpt(
        u"min-confidence"_s,
        u"Report a verdict less sure than this (0 to 1) as unknown, with its closest guess."_s,
        u"p"_s, u"0"_s);
    const QCommandLineOption decodeOnlyOpt(u"decode-only"_s,
                                           u"Decode without classifying (timing the decoder)."_s);
    const QCommandLineOption accessLogOpt(
        u"access-log"_s,
        u"A web server's access log (nginx or Apache): each request's User-Agent is joined to its "
        "connection by client address, port and time. Followed as it grows during a live capture."_s,
        u"file"_s);
    const QCommandLineOption accessLogFormatOpt(
        u"access-log-format"_s,
        u"The access log's format: combined, apache-combined, synscope (recommended), "
        "apache-synscope, or a format string in nginx ($remote_addr ...) or Apache (%h ...) "
        "syntax; default: detected from its first lines."_s,
        u"format"_s);
    const QCommandLineOption noFlowsOpt(
        u"no-flows"_s, u"Do not follow connections past their SYN (no connection verdicts)."_s);
    const QCommandLineOption listOpt(u"list-interfaces"_s, u"List capture interfaces and exit."_s);
    const QCommandLineOption benchOpt(u"bench"_s,
                                      u"Time decoding and decoding+classifying of the -r file."_s);
    const QCommandLineOption specialOpt(
        u"allow-special-devices"_s,
        u"With -i: also capture on libpcap devices that are not network interfaces (nflog, nfqueue, "
        "usbmon, Bluetooth, D-Bus, netlink monitors)."_s);
    const QCommandLineOption printFilterOpt(
        u"print-filter"_s,
        u"Print the capture filter -i uses (the default, or -f's) and exit: the same packets for "
        "tcpdump or another capture."_s);
    parser.addOptions({readOpt, ifaceOpt, filterOpt, dbOpt, profileOpt, jsonOpt, quietOpt, countOpt,
                       guessesOpt, minClassOpt, minConfidenceOpt, accessLogOpt, accessLogFormatOpt, noFlowsOpt,
                       decodeOnlyOpt, listOpt, benchOpt, specialOpt, printFilterOpt});
    // process() alone exits 1 on an unknown option or a missing value, the status of a read
    // error; every usage error exits 2.
    if (!parser.parse(QCoreApplication::arguments())) {
        fail(parser.errorText());
        return 2;
    }
    parser.process(app);   // --help, --help-all, --version

    if (parser.isSet(printFilterOpt)) {
        write(stdout, (parser.isSet(filterOpt) ? parser.value(filterOpt)
                                               : QString::fromStdString(defaultLiveFilter())) + u'\n');
        return 0;
    }

    if (parser.isSet(listOpt)) {
        std::string error;
        const auto interfaces = listInterfaces(&error);
        if (!error.empty()) {
            fail(QString::fromStdString(error));
            return 2;
        }
        for (const InterfaceInfo& i : interfaces) {
            QString line = QString::fromStdString(i.name);
            QStringList state;
            if (i.up)
                state << u"up"_s;
            if (i.running)
                state << u"running"_s;
            if (i.loopback)
                state << u"loopback"_s;
            if (!state.isEmpty())
                line += u" ["_s + state.join(u',') + u']';
            if (!i.description.empty())
                line += u" "_s + QString::fromStdString(i.description);
            for (const std::string& a : i.addresses)
                line += u" "_s + QString::fromStdString(a);
            write(stdout, line + u'\n');
        }
        return 0;
    }

    if (parser.isSet(readOpt) == parser.isSet(ifaceOpt)) {
        fail(u"give exactly one of -r FILE or -i IFACE (see --help)"_s);
        return 2;
    }
    const Profile* profile = Profile::byName(parser.value(profileOpt));
    if (!profile) {
        fail(u"unknown profile '%1': use synscope or classic"_s.arg(parser.value(profileOpt)));
        return 2;
    }
    bool ok = false;
    const int maxGuesses = parser.value(guessesOpt).toInt(&ok);
    if (!ok || maxGuesses < 1) {
        fail(u"--guesses needs a positive number"_s);
        return 2;
    }
    const int minClassSize = parser.isSet(minClassOpt) ? parser.value(minClassOpt).toInt(&ok) : 0;
    if (parser.isSet(minClassOpt) && (!ok || minClassSize < 1)) {
        fail(u"--min-class-size needs a positive number"_s);
        return 2;
    }
    const double minConfidence = parser.value(minConfidenceOpt).toDouble(&ok);
    if (!ok || !(minConfidence >= 0 && minConfidence <= 1)) {
        fail(u"--min-confidence needs a number from 0 to 1"_s);
        return 2;
    }
    uint64_t limit = 0;
    if (parser.isSet(countOpt)) {
        limit = parser.value(countOpt).toULongLong(&ok);
        if (!ok || limit == 0) {
            fail(u"--count needs a positive number"_s);
            return 2;
        }
    }

    // Before anything is opened: Ctrl-C must also end a wait for a FIFO's writer or a pipe's header.
    installSignalHandlers();
    const auto interrupted = [] { return 128 + int(g_signal ? g_signal : SIGINT); };

    // The source is opened before the database is read. Live: the capture socket is all the
    // privilege the run needs, so a setcap'd CLI drops every capability right after activation
    // and parses the database (and every packet) without any. Files need none at all.
    const bool live = parser.isSet(ifaceOpt);
    if (!live && !dropCapabilities()) {
        fail(u"cannot drop capabilities: "_s + QString::fromLocal8Bit(std::strerror(errno)));
        return 2;
    }
    std::string error;
    std::unique_ptr<PacketSource> source;
    bool streaming = live;   // records printed as they come
    if (parser.isSet(benchOpt)) {
        if (!parser.isSet(readOpt)) {
            fail(u"--bench needs -r FILE"_s);
            return 2;
        }
    } else if (!live) {
        std::string path = parser.value(readOpt).toStdString();
        if (path == "-")
            path = "/dev/stdin";   // `synscope-capture -i eth0 | synscope-cli -r -`
        struct stat st{};
        streaming = ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
        source = PacketSource::openFile(path, &error, &g_cancel);
    } else {
        LiveOptions options;
        options.interface = parser.value(ifaceOpt).toStdString();
        options.filter = parser.isSet(filterOpt) ? parser.value(filterOpt).toStdString()
                                                 : defaultLiveFilter();
        options.timeout_ms = 100;   // a quiet link's rows are flushed on the timeout
        options.drop_capabilities = true;
        options.allow_special_devices = parser.isSet(specialOpt);
        source = PacketSource::openLive(options, &error);
    }
    if (!parser.isSet(benchOpt) && !source) {
        fail(QString::fromStdString(error));
        return g_cancel.load() ? interrupted() : 2;
    }
    g_interruptible.store(source.get());
    if (g_cancel.load() && source)
        source->breakLoop();

    QString dbError;
    std::optional<Database> loaded = Database::loadOrBuiltin(
        parser.isSet(dbOpt) ? std::optional(parser.value(dbOpt)) : std::nullopt, &dbError);
    if (!loaded) {
        fail(dbError);
        return 2;
    }
    const Database db = std::move(*loaded);

    if (parser.isSet(benchOpt))
        return bench(parser.value(readOpt), db, *profile);

    const Output output = parser.isSet(quietOpt) ? Output::Quiet
                          : parser.isSet(jsonOpt) ? Output::Json
                                                  : Output::Text;
    const Database* classifyWith = parser.isSet(decodeOnlyOpt) ? nullptr : &db;
    Pipeline pipeline(classifyWith, *profile, Pipeline::kDefaultTopN, minClassSize, minConfidence);
    PrintSink sink(classifyWith, output, streaming, limit, maxGuesses);
    AccessLogIndex accessLog;
    std::unique_ptr<AccessLogTail> tail;
    if (parser.isSet(accessLogOpt)) {
        if (parser.isSet(noFlowsOpt) || parser.isSet(decodeOnlyOpt)) {
            fail(u"--access-log needs the flow stage: drop --no-flows and --decode-only"_s);
            return 2;
        }
        tail = AccessLogTail::open(parser.value(accessLogOpt).toStdString(),
                                   parser.value(accessLogFormatOpt).toStdString(),
                                   streaming ? AccessLogTail::Reading::Live : AccessLogTail::Reading::Whole,
                                   accessLog, &error);
        if (!tail) {
            fail(QString::fromStdString(error));
            return 2;
        }
        if (streaming)
            sink.follow(tail.get());   // live: lines arrive while the capture runs
    } else if (parser.isSet(accessLogFormatOpt)) {
        fail(u"--access-log-format needs --access-log"_s);
        return 2;
    }
    // --decode-only times the decoder: no flow stage either.
    if (!parser.isSet(noFlowsOpt) && classifyWith)
        pipeline.enableFlows(tail ? &accessLog : nullptr);
    const bool readOk = run(pipeline, *source, sink);
    if (tail)
        tail->finish();
    // With --json, stdout stays one JSON object per line and ends with the summary's; the
    // human summary goes to stderr.
    if (output == Output::Json) {
        RunSummary rs;
        rs.database = db.name;
        rs.entries = db.entries.size();
        rs.profile = profile->name();
        rs.stats = &pipeline.stats();
        rs.hasCaptureStats = source->stats(&rs.received, &rs.dropped, &rs.ifDropped);
        rs.flows = pipeline.flowStats();
        if (tail) {
            rs.accessLog = true;
            rs.accessLogLines = tail->reader().lines();
            rs.accessLogBadLines = tail->reader().badLines();
        }
        const std::string line = summaryJson(rs);
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
    }
    write(output == Output::Json ? stderr : stdout,
          u"database %1 (%2 entries), profile %3\n"_s.arg(db.name)
                  .arg(db.entries.size())
                  .arg(profile->name())
              + summary(pipeline.stats(), *source)
              + (pipeline.flowStats() ? QString::fromStdString(flowSummaryText(*pipeline.flowStats()))
                                      : QString())
              + (tail ? u"  access log: %1 lines, %2 not understood%3\n"_s
                            .arg(tail->reader().lines())
                            .arg(tail->reader().badLines())
                            .arg(tail->reader().diagnostics().empty()
                                     ? QString()
                                     : u" (first: line %1: %2)"_s
                                           .arg(tail->reader().diagnostics().front().line)
                                           .arg(QString::fromStdString(
                                               tail->reader().diagnostics().front().reason)))
                      : QString()));
    return readOk ? 0 : 1;
}
