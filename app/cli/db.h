// SPDX-License-Identifier: GPL-3.0-or-later
// `synscope-cli db`: the user's fingerprint store (FingerprintStore) from the command line:
// import, export, list, add from a capture, rm, enable, disable, stats.
#pragma once

#include <QStringList>

namespace synscope {

// arguments: "synscope-cli", "db", command, options... Returns the exit status.
int runDb(const QStringList& arguments);

} // namespace synscope
