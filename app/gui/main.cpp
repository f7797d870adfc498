// SPDX-License-Identifier: GPL-3.0-or-later
// synscope: the desktop application. Opening capture files needs no privileges; live capture goes
// through the capture helper (or captures directly when running as root).
#include "ui/widgets/databasewindow.h"
#include "ui/widgets/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLineEdit>
#include <QTimer>

#include <cstdio>

using namespace synscope;

namespace {

struct Options {
    QCommandLineOption db{QStringLiteral("db"),
                          QCoreApplication::translate("main", "Fingerprint database (SynScope JSON, zardaxt JSON, p0f.fp, Satori tcp.xml)"),
                          QStringLiteral("FILE")};
    QCommandLineOption profile{QStringLiteral("profile"),
                               QCoreApplication::translate("main", "Scoring profile: classic or synscope"),
                               QStringLiteral("NAME")};
    QCommandLineOption screenshot{QStringLiteral("screenshot"),
                                  QCoreApplication::translate("main", "After loading the file, select a row, save a PNG of the window and quit"),
                                  QStringLiteral("PNG")};
    QCommandLineOption accessLog{QStringLiteral("access-log"),
                                 QCoreApplication::translate("main", "A web server's access log to correlate with the connections"),
                                 QStringLiteral("FILE")};
    QCommandLineOption filter{QStringLiteral("filter"),
                              QCoreApplication::translate("main", "Display filter to apply (e.g. \"suspicious\")"),
                              QStringLiteral("TEXT")};
    QCommandLineOption databaseWindow{QStringLiteral("edit-database"),
                                      QCoreApplication::translate("main", "Open the database workbench (on the --db store, or your own); with --screenshot, the PNG shows it")};
    QCommandLineOption row{QStringLiteral("select-row"),
                           QCoreApplication::translate("main", "Row to select after loading (0-based)"),
                           QStringLiteral("N")};
};

void setApplicationNames()
{
    QCoreApplication::setApplicationName(QStringLiteral("SynScope"));
    QCoreApplication::setOrganizationName(QStringLiteral("SynScope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PROJECT_VERSION));
}

} // namespace

int main(int argc, char** argv)
{
    const Options options;
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("main", "Passive TCP/IP SYN fingerprinting"));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"), QCoreApplication::translate("main", "Capture file to open (pcap or pcapng)"),
                                 QStringLiteral("[file]"));
    parser.addOptions({options.db, options.profile, options.accessLog, options.filter, options.screenshot, options.databaseWindow, options.row});

    // --help and --version are answered before QApplication exists: it aborts without a display,
    // and neither needs one. Arguments that do not parse yet may hold Qt's own (-platform,
    // -style), which only QApplication removes. Every argument error exits 2.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    if (parser.parse(arguments)
        && (parser.isSet(helpOption) || parser.isSet(versionOption) || parser.isSet(QStringLiteral("help-all")))) {
        QCoreApplication app(argc, argv);
        setApplicationNames();
        parser.process(app);   // prints and exits 0
        return 0;
    }
    QApplication app(argc, argv);
    setApplicationNames();
    QApplication::setDesktopFileName(QStringLiteral("synscope"));
    if (!parser.parse(QApplication::arguments())) {
        std::fprintf(stderr, "synscope: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    parser.process(app);   // --help and --version among Qt's options

    const QStringList files = parser.positionalArguments();
    if (files.size() > 1) {
        std::fprintf(stderr, "synscope: at most one capture file can be opened\n");
        return 2;
    }
    if (parser.isSet(options.screenshot) && files.isEmpty()) {
        std::fprintf(stderr, "synscope: --screenshot needs a capture file\n");
        return 2;
    }
    bool rowOk = true;
    const int row = parser.isSet(options.row) ? parser.value(options.row).toInt(&rowOk) : -1;
    if (!rowOk || (parser.isSet(options.row) && row < 0)) {
        std::fprintf(stderr, "synscope: --select-row needs a row number >= 0\n");
        return 2;
    }

    MainWindow window;
    QString error;
    if (parser.isSet(options.profile) && !window.setProfileName(parser.value(options.profile))) {
        std::fprintf(stderr, "synscope: unknown profile \"%s\" (use classic or synscope)\n",
                     qPrintable(parser.value(options.profile)));
        return 2;
    }
    if (parser.isSet(options.db) && !window.loadDatabase(parser.value(options.db), &error)) {
        std::fprintf(stderr, "synscope: %s\n", qPrintable(error));
        return 2;
    }
    if (parser.isSet(options.accessLog) && !window.setAccessLog(parser.value(options.accessLog), &error)) {
        std::fprintf(stderr, "synscope: %s\n", qPrintable(error));
        return 2;
    }
    if (parser.isSet(options.filter))
        window.displayFilterEdit()->setText(parser.value(options.filter));   // applied as typed text is
    if (parser.isSet(options.screenshot))
        window.resize(1600, 1000);
    window.show();
    QWidget* shown = &window;   // what --screenshot grabs
    if (parser.isSet(options.databaseWindow)) {
        DatabaseWindow* workbench = window.showDatabaseWindow();
        if (!workbench)
            return 2;   // the reason was shown
        if (parser.isSet(options.screenshot))
            workbench->resize(1500, 700);
        shown = workbench;
    }

    if (!files.isEmpty()) {
        if (parser.isSet(options.screenshot) || row >= 0) {
            const QString png = parser.value(options.screenshot);
            QObject::connect(&window, &MainWindow::fileLoaded, &window, [&window, shown, png, row] {
                window.selectRow(std::max(row, 0));
                if (png.isEmpty())
                    return;
                // Let the charts and splitters settle before grabbing.
                QTimer::singleShot(700, &window, [shown, png] {
                    if (shown->grab().save(png)) {
                        QApplication::quit();
                    } else {
                        std::fprintf(stderr, "synscope: cannot write %s\n", qPrintable(png));
                        QApplication::exit(2);
                    }
                });
            });
        }
        // A screenshot run is unattended: a file that cannot be read ends it instead of waiting
        // for someone to close the error box.
        if (parser.isSet(options.screenshot))
            QObject::connect(&window, &MainWindow::captureFailed, &window, [](const QString& message) {
                std::fprintf(stderr, "synscope: %s\n", qPrintable(message));
                QApplication::exit(2);
            });
        window.openCaptureFile(files.front());
    }
    return app.exec();
}
