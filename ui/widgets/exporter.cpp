// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/exporter.h"

#include "core/match/classifier.h"
#include "ui/models/connection_model.h"
#include "core/report/report.h"

#include <QFileInfo>
#include <QIODevice>
#include <QSaveFile>
#include <QThread>

namespace synscope {

namespace {

QString csvField(QString s)
{
    if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')) || s.contains(QLatin1Char('\n'))) {
        s.replace(QStringLiteral("\""), QStringLiteral("\"\""));
        s = QLatin1Char('"') + s + QLatin1Char('"');
    }
    return s;
}

bool writeLine(QIODevice* out, const QByteArray& line, QString* error)
{
    if (out->write(line) == line.size())
        return true;
    *error = out->errorString();
    return false;
}

constexpr size_t kProgressEvery = 4096;

bool cancelled(const ExportProgress& progress, size_t done)
{
    return progress && done % kProgressEvery == 0 && !progress(done);
}

} // namespace

ExportFormat exportFormatFor(const QString& fileName)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    return (suffix == u"jsonl" || suffix == u"json" || suffix == u"ndjson") ? ExportFormat::JsonLines
                                                                             : ExportFormat::Csv;
}

bool writeCsv(const ConnectionModel& model, const std::vector<size_t>& storeRows, QIODevice* out,
              QString* error, const ExportProgress& progress)
{
    const int columns = model.columnCount();
    QStringList fields;
    for (int c = 0; c < columns; ++c)
        fields << csvField(model.headerData(c, Qt::Horizontal).toString());
    if (!writeLine(out, fields.join(QLatin1Char(',')).toUtf8() + '\n', error))
        return false;
    size_t done = 0;
    for (size_t row : storeRows) {
        fields.clear();
        for (int c = 0; c < columns; ++c)
            fields << csvField(model.text(row, c));
        if (!writeLine(out, fields.join(QLatin1Char(',')).toUtf8() + '\n', error))
            return false;
        if (cancelled(progress, ++done))
            return false;
    }
    return true;
}

bool writeJsonLines(const ConnectionModel& model, const std::vector<size_t>& storeRows, const Profile& profile,
                    QIODevice* out, int* skipped, QString* error, const ExportProgress& progress)
{
    *skipped = 0;
    const ConnectionStore& store = model.store();
    const Database* db = store.database();
    if (!db) {
        *error = QObject::tr("There are no scored connections to export.");
        return storeRows.empty();
    }
    Classifier classifier(*db, profile);
    ReportWriter writer(*db);
    std::string line;
    size_t done = 0;
    for (size_t i : storeRows) {
        if (cancelled(progress, ++done))
            return false;
        SynRecord rec;
        if (!store.record(i, &rec)) {
            ++*skipped;
            continue;
        }
        line.clear();
        writer.appendJson(line, observe(rec, &classifier.classify(rec.fp)));
        // The row's connection, as synscope-cli --json reports it: a "flow" line after its SYN.
        if (const ConnectionInfo* c = store.connection(store.row(i)); c && c->flow) {
            const ConnectionVerdict verdict = decideConnection(*c->flow);
            appendFlowJson(line, FlowObservation{c->flow.get(), c->end, &verdict});
        }
        if (!writeLine(out, QByteArray::fromStdString(line), error))
            return false;
    }
    return true;
}

ExportJob::ExportJob(const ConnectionModel& model, std::vector<size_t> storeRows, ExportFormat format,
                     const Profile& profile, std::unique_ptr<QSaveFile> file, QObject* parent)
    : QObject(parent), m_model(model), m_rows(std::move(storeRows)), m_format(format), m_profile(profile),
      m_file(std::move(file))
{
}

ExportJob::~ExportJob()
{
    m_cancel = true;
    if (m_thread) {
        m_thread->wait();
        delete m_thread;
    }
}

void ExportJob::start()
{
    m_thread = QThread::create([this] { run(); });
    m_thread->setObjectName(QStringLiteral("export"));
    m_thread->start();
}

void ExportJob::run()
{
    const qulonglong total = m_rows.size();
    const ExportProgress onProgress = [this, total](size_t done) {
        Q_EMIT progress(done, total);
        return !m_cancel.load();
    };
    QString error;
    int skipped = 0;
    const bool ok = m_format == ExportFormat::Csv
        ? writeCsv(m_model, m_rows, m_file.get(), &error, onProgress)
        : writeJsonLines(m_model, m_rows, m_profile, m_file.get(), &skipped, &error, onProgress);
    if (!ok || m_cancel) {
        m_file->cancelWriting();
        m_file->commit();   // with writing cancelled: removes the temporary file, keeps the old one
        Q_EMIT finished(false, m_cancel ? QString() : error, 0, 0);
        return;
    }
    if (!m_file->commit()) {
        Q_EMIT finished(false, m_file->errorString(), 0, 0);
        return;
    }
    Q_EMIT finished(true, QString(), total - qulonglong(skipped), skipped);
}

} // namespace synscope
