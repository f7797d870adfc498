// SPDX-License-Identifier: GPL-3.0-or-later
// Runs the privileged capture helper (synscope-capture) with QProcess. Its stdout (the pcap
// stream) goes into a pipe whose read end is handed to CaptureWorker::startFd(); its stderr
// carries framed status messages (capture/helper_protocol.h) that this class turns into signals.
#pragma once

#include "core/capture/helper_protocol.h"

#include <QObject>
#include <QProcess>
#include <QString>

namespace synscope {

class HelperProcess : public QObject {
    Q_OBJECT
public:
    enum class ErrorKind {
        NotFound,           // no synscope-capture next to the executable or in PATH
        StartFailed,        // QProcess could not run it, or the pipe could not be made
        PermissionDenied,   // message says how to grant capture rights
        BadFilter,          // message is libpcap's filter compile error
        CaptureError,       // the helper's own error message (no such interface, ...)
        Crashed,            // it exited abnormally or with an unexplained status
        Protocol,           // its status stream was not valid framing
    };
    Q_ENUM(ErrorKind)

    explicit HelperProcess(QObject* parent = nullptr);
    ~HelperProcess() override;

    // $SYNSCOPE_CAPTURE_HELPER (when set, only that), else next to the running executable, then
    // ../capture-helper/ (the build tree), then PATH. Empty when none is found.
    static QString findHelper();
    // The exact command that grants the helper capture rights.
    static QString grantCommand(const QString& helperPath);

    // Overrides the lookup (tests, settings).
    void setHelperPath(const QString& path) { m_helperPath = path; }
    QString helperPath() const { return m_helperPath; }

    // Starts the helper. Returns the read end of its pcap stream (the caller owns it; give it to
    // CaptureWorker::startFd) or -1, after emitting errorOccurred().
    int start(const QString& interface, const QString& filter, int snaplen = 262144, bool promiscuous = true);
    // SIGTERM (the helper sends final drop counts and flushes), then SIGKILL after timeoutMs.
    void stop(int timeoutMs = 3000);
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }

    // Drop counts last reported.
    const helper::DropCounts& drops() const { return m_drops; }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void started(int linkType, const QString& interface);
    void dropsChanged(quint64 received, quint64 dropped, quint64 ifDropped);
    void errorOccurred(synscope::HelperProcess::ErrorKind kind, const QString& message);
    void finished(int exitCode);

private:
    void readStatus();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void fail(ErrorKind kind, const QString& message);

    QProcess m_process;
    QString m_helperPath;
    helper::FrameParser m_parser;
    helper::DropCounts m_drops;
    QString m_lastError;
    bool m_errorReported = false;
    bool m_stopping = false;
};

} // namespace synscope
