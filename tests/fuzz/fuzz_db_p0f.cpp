// SPDX-License-Identifier: GPL-3.0-or-later
// The p0f.fp importer (importP0f, what Database::parse calls for a p0f file). The input is the
// file's text.
#include "fuzz_db_common.h"

#include "core/database/importers.h"

using namespace synscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray content(reinterpret_cast<const char*>(data), qsizetype(size));
    fuzz::checkDatabase(fuzz::asParsed(importP0f(content, QStringLiteral("fuzz-p0f.fp"))), QString());
    return 0;
}
