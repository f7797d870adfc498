// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/exporter.h"

#include "core/match/classifier.h"
#include "ui/models/connection_model.h"
#include "core/report/report.h"

#include <QAbstractItemModel>
#include <QFileInfo>
#include <QIODevice>

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

} // namespace

ExportFormat exportFormatFor(const QString& fileName)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    return (suffix == u"jsonl" || suffix == u"json" || suffix == u"ndjson") ? ExportFormat::JsonLines
                                                                             : ExportFormat::Csv;
}

bool writeCsv(const QAbstractItemModel& model, const std::vector<int>& rows, QIODevice* out, QString* error)
{
    const int columns = model.columnCount();
    QStringList fields;
    for (int c = 0; c < columns; ++c)
        fields << csvField(model.headerData(c, Qt::Horizontal).toString());
    if (!writeLine(out, fields.join(QLatin1Char(',')).toUtf8() + '\n', error))
        return false;
    for (int row : rows) {
        fields.clear();
        for (int c = 0; c < columns; ++c)
            fields << csvField(model.index(row, c).data().toString());
        if (!writeLine(out, fields.join(QLatin1Char(',')).toUtf8() + '\n', error))
            return false;
    }
    return true;
}

bool writeJsonLines(const ConnectionModel& model, const std::vector<size_t>& storeRows, const Profile& profile,
                    QIODevice* out, int* skipped, QString* error)
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
    for (size_t i : storeRows) {
        SynRecord rec;
        if (!store.record(i, &rec)) {
            ++*skipped;
            continue;
        }
        line.clear();
        writer.appendJson(line, rec, classifier.classify(rec.fp));
        if (!writeLine(out, QByteArray::fromStdString(line), error))
            return false;
    }
    return true;
}

} // namespace synscope
