// SPDX-License-Identifier: GPL-3.0-or-later
// The SynScope JSON database reader through Database::parse (the reader Database::load uses
// after reading the file). The input is the document; one that does not start with '{' gets one
// in front, so the sniffing always takes it as a SynScope JSON object and never as another format.
#include "fuzz_db_common.h"

using namespace synscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    QByteArray content(reinterpret_cast<const char*>(data), qsizetype(size));
    qsizetype head = content.startsWith("\xEF\xBB\xBF") ? 3 : 0;
    while (head < content.size() && QChar::isSpace(uchar(content[head])))
        ++head;
    if (head >= content.size() || content[head] != '{')
        content.prepend('{');
    QString error;
    const std::optional<Database> db = Database::parse(content, QStringLiteral("fuzz.json"), &error);
    fuzz::checkDatabase(db, error);
    return 0;
}
