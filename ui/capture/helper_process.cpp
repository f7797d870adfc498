// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/capture/helper_process.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

const QString kHelperName = u"synscope-capture"_s;

bool isExecutable(const QString& path)
{
    const QFileInfo fi(path);
    return fi.isFile() && fi.isExecutable();
}

// The group a file belongs to, by name ("synscope" for the packaged helper).
QString groupOf(const QString& path)
{
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return {};
    const group* g = ::getgrgid(st.st_gid);
    return g ? QString::fromLocal8Bit(g->gr_name) : QString::number(st.st_gid);
}

} // namespace

HelperProcess::HelperProcess(QObject* parent) : QObject(parent), m_helperPath(findHelper())
{
    m_process.setStandardOutputFile(QProcess::nullDevice());
    connect(&m_process, &QProcess::readyReadStandardError, this, &HelperProcess::readStatus);
    connect(&m_process, &QProcess::finished, this, &HelperProcess::onFinished);
}

HelperProcess::~HelperProcess()
{
    // No signals to a half-destroyed owner while the helper is being stopped.
    disconnect(&m_process, nullptr, this, nullptr);
    stop();
}

QString HelperProcess::findHelper()
{
    const QString env = qEnvironmentVariable("SYNSCOPE_CAPTURE_HELPER");
    if (!env.isEmpty())
        return QFileInfo(env).isFile() ? QFileInfo(env).absoluteFilePath() : QString();
    if (QCoreApplication::instance()) {
        const QDir dir(QCoreApplication::applicationDirPath());
        // Installed side by side, or the build tree (app/gui and app/capture-helper). One that
        // this user may not run is still the helper: start() says how to get the right.
        for (const QString& candidate : {dir.filePath(kHelperName),
                                         dir.filePath(u"../capture-helper/"_s + kHelperName)}) {
            if (QFileInfo(candidate).isFile())
                return QFileInfo(candidate).canonicalFilePath();
        }
    }
    return QStandardPaths::findExecutable(kHelperName);
}

QString HelperProcess::grantCommand(const QString& helperPath)
{
    return u"sudo setcap cap_net_raw,cap_net_admin=eip %1"_s.arg(helperPath);
}

int HelperProcess::start(const QString& interface, const QString& filter, int snaplen, bool promiscuous)
{
    stop();
    m_parser = helper::FrameParser();
    m_drops = {};
    m_lastError.clear();
    m_errorReported = false;
    m_stopping = false;
    if (m_helperPath.isEmpty() || !QFileInfo(m_helperPath).isFile()) {
        fail(ErrorKind::NotFound,
             tr("The capture helper %1 was not found next to the program or in PATH. Install it, "
                "or set SYNSCOPE_CAPTURE_HELPER to its path.")
                 .arg(kHelperName));
        return -1;
    }
    if (!isExecutable(m_helperPath)) {
        // The Debian package installs it 0750 root:synscope, as Wireshark does with dumpcap.
        const QString group = groupOf(m_helperPath);
        fail(ErrorKind::PermissionDenied,
             tr("You may not run the capture helper %1: only members of the group '%2' may. Join it "
                "with `sudo usermod -aG %2 $USER`, then log in again.")
                 .arg(m_helperPath, group));
        return -1;
    }

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        fail(ErrorKind::StartFailed, tr("Cannot create a pipe for the capture helper: %1")
                                         .arg(QString::fromLocal8Bit(std::strerror(errno))));
        return -1;
    }
    // A larger pipe absorbs bursts while the reader is busy (best effort).
    ::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
    const int writeFd = fds[1];
    // Runs in the child after QProcess has set up stdio: the pipe becomes the helper's stdout.
    m_process.setChildProcessModifier([writeFd] { ::dup2(writeFd, STDOUT_FILENO); });

    QStringList args{u"-i"_s, interface, u"-s"_s, QString::number(snaplen)};
    if (!filter.isEmpty())
        args << u"-f"_s << filter;
    if (!promiscuous)
        args << u"-p"_s;
    m_process.start(m_helperPath, args);
    const bool ok = m_process.waitForStarted(5000);
    ::close(writeFd);
    if (!ok) {
        ::close(fds[0]);
        fail(ErrorKind::StartFailed,
             tr("Cannot run the capture helper %1: %2").arg(m_helperPath, m_process.errorString()));
        return -1;
    }
    return fds[0];
}

void HelperProcess::stop(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_stopping = true;
    m_process.terminate();
    if (!m_process.waitForFinished(timeoutMs)) {
        m_process.kill();
        m_process.waitForFinished(timeoutMs);
    }
}

void HelperProcess::fail(ErrorKind kind, const QString& message)
{
    m_lastError = message;
    m_errorReported = true;
    Q_EMIT errorOccurred(kind, message);
}

void HelperProcess::readStatus()
{
    const QByteArray bytes = m_process.readAllStandardError();
    m_parser.feed(bytes.constData(), size_t(bytes.size()));
    helper::MessageKind kind;
    std::string payload;
    while (m_parser.next(&kind, &payload)) {
        const QString text = QString::fromStdString(payload);
        switch (kind) {
        case helper::MessageKind::Started: {
            const qsizetype space = text.indexOf(u' ');
            Q_EMIT started(text.left(space).toInt(), space < 0 ? QString() : text.mid(space + 1));
            break;
        }
        case helper::MessageKind::Drops:
            if (helper::decodeDrops(payload, &m_drops)) {
                Q_EMIT dropsChanged(m_drops.received, m_drops.dropped, m_drops.ifDropped);
            } else {
                fail(ErrorKind::Protocol, tr("The capture helper sent malformed drop counts: %1").arg(text));
            }
            break;
        case helper::MessageKind::Error:
            fail(ErrorKind::CaptureError, text);
            break;
        case helper::MessageKind::BadFilter:
            fail(ErrorKind::BadFilter, tr("Invalid capture filter: %1").arg(text));
            break;
        case helper::MessageKind::PermissionDenied:
            fail(ErrorKind::PermissionDenied,
                 tr("%1\nTo capture without running SynScope as root, grant the helper capture "
                    "rights once:\n%2")
                     .arg(text, grantCommand(m_helperPath)));
            break;
        }
    }
    if (m_parser.corrupt() && !m_errorReported)
        fail(ErrorKind::Protocol, tr("The capture helper's status stream is not valid framing."));
}

void HelperProcess::onFinished(int exitCode, QProcess::ExitStatus status)
{
    readStatus();
    if (!m_errorReported && !m_stopping) {
        if (status == QProcess::CrashExit)
            fail(ErrorKind::Crashed, tr("The capture helper crashed."));
        else if (exitCode != helper::kExitOk)
            fail(ErrorKind::Crashed, tr("The capture helper exited with status %1.").arg(exitCode));
    }
    Q_EMIT finished(exitCode);
}

} // namespace synscope
