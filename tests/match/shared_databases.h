// SPDX-License-Identifier: GPL-3.0-or-later
// The shared zardaxt 2021 database for the match tests. Absent (no ../shared beside the checkout),
// the tests that need it skip; present but unreadable, the test process stops with the error.
#pragma once

#include "core/database/database.h"

#include <QFile>
#include <QString>

#include <optional>

inline QString combinedPath()
{
    return QStringLiteral(SYNSCOPE_SHARED_DIR "/data/zardaxt-2021/combined.json");
}

inline std::optional<synscope::Database> loadCombined()
{
    if (!QFile::exists(combinedPath()))
        return std::nullopt;
    QString error;
    std::optional<synscope::Database> db = synscope::Database::load(combinedPath(), &error);
    if (!db)
        qFatal("%s", qPrintable(error));
    return db;
}
