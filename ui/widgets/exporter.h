// SPDX-License-Identifier: GPL-3.0-or-later
// Writes connection rows out: CSV of what the table shows, or JSON lines in the same shape as
// synscope-cli --json (core/report), re-decoded from the stored header bytes and re-classified.
// ExportJob does it on a thread of its own, with progress, so a million rows never freeze the
// window.
#pragma once

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

QT_BEGIN_NAMESPACE
class QIODevice;
class QSaveFile;
class QThread;
QT_END_NAMESPACE

namespace synscope {

class ConnectionModel;
class Profile;

enum class ExportFormat { Csv, JsonLines };

// The format a file name asks for: ".jsonl"/".json"/".ndjson" mean JSON lines, anything else CSV.
ExportFormat exportFormatFor(const QString& fileName);

// Called every few thousand rows with the rows written so far; false cancels.
using ExportProgress = std::function<bool(size_t done)>;

// One CSV line per store row (header line first), every column's text as the table shows it,
// quoted per RFC 4180 when needed.
bool writeCsv(const ConnectionModel& model, const std::vector<size_t>& storeRows, QIODevice* out,
              QString* error, const ExportProgress& progress = {});

// One JSON object per store row, and after a SYN whose connection was followed its "flow" line
// (User-Agent, verdict, suspicion, reasons, round trips), as synscope-cli --json writes them. Rows
// whose bytes no longer decode are counted in *skipped and left out.
bool writeJsonLines(const ConnectionModel& model, const std::vector<size_t>& storeRows, const Profile& profile,
                    QIODevice* out, int* skipped, QString* error, const ExportProgress& progress = {});

class ExportJob : public QObject {
    Q_OBJECT
public:
    // Reads `model` from its own thread: the caller must not change the model until finished()
    // (the main window holds new batches back meanwhile). `file` is open for writing.
    ExportJob(const ConnectionModel& model, std::vector<size_t> storeRows, ExportFormat format,
              const Profile& profile, std::unique_ptr<QSaveFile> file, QObject* parent = nullptr);
    ~ExportJob() override;   // cancels and waits

    void start();
    void cancel() { m_cancel = true; }

Q_SIGNALS:
    // From the job's thread (queued to receivers elsewhere).
    void progress(qulonglong done, qulonglong total);
    // ok false: error says why, or it was cancelled (error empty); nothing was written then.
    void finished(bool ok, const QString& error, qulonglong written, int skipped);

private:
    void run();

    const ConnectionModel& m_model;
    std::vector<size_t> m_rows;
    ExportFormat m_format;
    const Profile& m_profile;
    std::unique_ptr<QSaveFile> m_file;
    QThread* m_thread = nullptr;
    std::atomic<bool> m_cancel{false};
};

} // namespace synscope
