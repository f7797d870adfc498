// SPDX-License-Identifier: GPL-3.0-or-later
// The Satori tcp.xml importer (importSatori, what Database::parse calls for XML). The input is the
// file's text.
#include "fuzz_db_common.h"

#include "core/database/importers.h"

using namespace synscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray content(reinterpret_cast<const char*>(data), qsizetype(size));
    QString error;
    const std::optional<Database> db =
        fuzz::asParsed(importSatori(content, QStringLiteral("fuzz-tcp.xml"), &error));
    fuzz::checkDatabase(db, error);
    return 0;
}
