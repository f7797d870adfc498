// SPDX-License-Identifier: GPL-3.0-or-later
// `synscope-cli eval`: how well the verdict does on labelled data (docs/ACCURACY.md).
#pragma once

#include <QStringList>

namespace synscope {

// arguments: "synscope-cli", "eval", options... Returns the exit status.
int runEval(const QStringList& arguments);

} // namespace synscope
