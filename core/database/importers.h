// SPDX-License-Identifier: GPL-3.0-or-later
// Importers for third-party SYN databases. Wildcards become unknown fields (DbEntry::known).
// Database::parse() calls them and normalizes what they read.
#pragma once

#include "core/database/database.h"

namespace synscope {

// p0f 3 p0f.fp: the sig lines of [tcp:request] and [tcp:response]; other sections are counted
// in Database::description, lines that cannot be read are in Database::skipped.
Database importP0f(const QByteArray& content, const QString& origin);
// Satori tcp.xml: every SYN (S) and SYN+ACK (SA) test; ACK-only tests are counted in description,
// tests that cannot be read are in Database::skipped. Fails only when the XML itself is broken.
std::optional<Database> importSatori(const QByteArray& content, const QString& origin,
                                     QString* error);

} // namespace synscope
