// SPDX-License-Identifier: GPL-3.0-or-later
// Importers for third-party SYN databases. Wildcards become unknown fields (DbEntry::known).
#pragma once

#include "core/database/database.h"

namespace synscope {

// p0f 3 p0f.fp: the sig lines of [tcp:request] and [tcp:response]; other sections are counted
// in Database::description.
std::optional<Database> importP0f(const QByteArray& content, const QString& origin, QString* error);
// Satori tcp.xml: every SYN (S) and SYN+ACK (SA) test; ACK-only tests are counted in description.
std::optional<Database> importSatori(const QByteArray& content, const QString& origin,
                                     QString* error);

} // namespace synscope
