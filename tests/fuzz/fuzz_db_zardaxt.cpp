// SPDX-License-Identifier: GPL-3.0-or-later
// The zardaxt 2021 JSON list reader through Database::parse. The input is the document; one that
// does not start with '[' (or starts like a p0f section header, "[tcp:") gets a '[' in front, so
// the sniffing always takes it as a JSON list.
#include "fuzz_db_common.h"

using namespace synscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    QByteArray content(reinterpret_cast<const char*>(data), qsizetype(size));
    qsizetype head = content.startsWith("\xEF\xBB\xBF") ? 3 : 0;
    while (head < content.size() && QChar::isSpace(uchar(content[head])))
        ++head;
    const QByteArray start = content.mid(head, 6);
    if (head >= content.size() || content[head] != '[' || start.startsWith("[tcp:") ||
        start.startsWith("[mtu]") || start.startsWith("[http:"))
        content.prepend('[');
    QString error;
    const std::optional<Database> db =
        Database::parse(content, QStringLiteral("fuzz-combined.json"), &error);
    fuzz::checkDatabase(db, error);
    return 0;
}
