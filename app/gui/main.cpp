// SPDX-License-Identifier: GPL-3.0-or-later
// synscope: the desktop application. Opening capture files needs no privileges; live capture goes
// through the capture helper (or captures directly when running as root).
#include "ui/widgets/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>

using namespace synscope;

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("SynScope"));
    QApplication::setOrganizationName(QStringLiteral("SynScope"));
    QApplication::setApplicationVersion(QStringLiteral(PROJECT_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("synscope"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Passive TCP/IP SYN fingerprinting"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"), QApplication::translate("main", "Capture file to open (pcap or pcapng)"),
                                 QStringLiteral("[file]"));
    const QCommandLineOption dbOption(QStringLiteral("db"),
                                      QApplication::translate("main", "Fingerprint database (SynScope JSON, zardaxt JSON, p0f.fp, Satori tcp.xml)"),
                                      QStringLiteral("FILE"));
    const QCommandLineOption profileOption(QStringLiteral("profile"),
                                           QApplication::translate("main", "Scoring profile: classic or synscope"),
                                           QStringLiteral("NAME"));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
                                              QApplication::translate("main", "After loading the file, select a row, save a PNG of the window and quit"),
                                              QStringLiteral("PNG"));
    const QCommandLineOption rowOption(QStringLiteral("select-row"),
                                       QApplication::translate("main", "Row to select after loading (0-based)"),
                                       QStringLiteral("N"));
    parser.addOptions({dbOption, profileOption, screenshotOption, rowOption});
    // process() alone exits 1 on an unknown option; every argument error exits 2.
    if (!parser.parse(QApplication::arguments())) {
        std::fprintf(stderr, "synscope: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    parser.process(app);   // --help, --help-all, --version

    const QStringList files = parser.positionalArguments();
    if (files.size() > 1) {
        std::fprintf(stderr, "synscope: at most one capture file can be opened\n");
        return 2;
    }
    if (parser.isSet(screenshotOption) && files.isEmpty()) {
        std::fprintf(stderr, "synscope: --screenshot needs a capture file\n");
        return 2;
    }
    bool rowOk = true;
    const int row = parser.isSet(rowOption) ? parser.value(rowOption).toInt(&rowOk) : -1;
    if (!rowOk || (parser.isSet(rowOption) && row < 0)) {
        std::fprintf(stderr, "synscope: --select-row needs a row number >= 0\n");
        return 2;
    }

    MainWindow window;
    QString error;
    if (parser.isSet(profileOption) && !window.setProfileName(parser.value(profileOption))) {
        std::fprintf(stderr, "synscope: unknown profile \"%s\" (use classic or synscope)\n",
                     qPrintable(parser.value(profileOption)));
        return 2;
    }
    if (parser.isSet(dbOption) && !window.loadDatabase(parser.value(dbOption), &error)) {
        std::fprintf(stderr, "synscope: %s\n", qPrintable(error));
        return 2;
    }
    if (parser.isSet(screenshotOption))
        window.resize(1600, 1000);
    window.show();

    if (!files.isEmpty()) {
        if (parser.isSet(screenshotOption) || row >= 0) {
            const QString png = parser.value(screenshotOption);
            QObject::connect(&window, &MainWindow::fileLoaded, &window, [&window, png, row] {
                window.selectRow(std::max(row, 0));
                if (png.isEmpty())
                    return;
                // Let the charts and splitters settle before grabbing.
                QTimer::singleShot(700, &window, [&window, png] {
                    if (window.grab().save(png)) {
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
        if (parser.isSet(screenshotOption))
            QObject::connect(&window, &MainWindow::captureFailed, &window, [](const QString& message) {
                std::fprintf(stderr, "synscope: %s\n", qPrintable(message));
                QApplication::exit(2);
            });
        window.openCaptureFile(files.front());
    }
    return app.exec();
}
