// SPDX-License-Identifier: GPL-3.0-or-later
// Writers for formats other than SynScope JSON (Database::toJson()): a zardaxt 2021 JSON list,
// which zardaxt and SynScope's own importer read back, and CSV for spreadsheets.
#pragma once

#include "core/database/database.h"

namespace synscope {

// One object per entry, the fields zardaxt's tcp_fingerprint reads. An entry that lacks a field
// the format requires (a wildcard window or option list from p0f, say) is left out and named in
// *skipped.
QByteArray toZardaxtJson(const Database& db, std::vector<Diagnostic>* skipped);

// RFC 4180: a header row, then one row per entry; an unknown field is an empty cell.
QByteArray toCsv(const Database& db);

} // namespace synscope
