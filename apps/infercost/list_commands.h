// `infercost models`, `infercost hardware`, `infercost plugins`: what is available, as a table
// or JSON.
#ifndef INFERCOST_APPS_INFERCOST_LIST_COMMANDS_H_
#define INFERCOST_APPS_INFERCOST_LIST_COMMANDS_H_

#include "apps/infercost/session.h"

namespace infercost::cli {

int RunModels(Session& session);
int RunHardware(Session& session);
// `load` false lists manifests only (no library is opened).
int RunPlugins(Session& session, bool load);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_LIST_COMMANDS_H_
