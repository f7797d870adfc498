// SPDX-License-Identifier: GPL-3.0-or-later
// Writes connection rows out: CSV of what the table shows, or JSON lines in the same shape as
// synscope-cli --json (core/report), re-decoded from the stored header bytes and re-classified.
#pragma once

#include <QString>

#include <vector>

QT_BEGIN_NAMESPACE
class QAbstractItemModel;
class QIODevice;
QT_END_NAMESPACE

namespace synscope {

class ConnectionModel;
class Profile;

enum class ExportFormat { Csv, JsonLines };

// The format a file name asks for: ".jsonl"/".json"/".ndjson" mean JSON lines, anything else CSV.
ExportFormat exportFormatFor(const QString& fileName);

// One CSV line per row of `model` (header line first), every column's DisplayRole text, quoted
// per RFC 4180 when needed.
bool writeCsv(const QAbstractItemModel& model, const std::vector<int>& rows, QIODevice* out, QString* error);

// One JSON object per store row of `model`. Rows whose bytes no longer decode are counted in
// *skipped and left out.
bool writeJsonLines(const ConnectionModel& model, const std::vector<size_t>& storeRows, const Profile& profile,
                    QIODevice* out, int* skipped, QString* error);

} // namespace synscope
