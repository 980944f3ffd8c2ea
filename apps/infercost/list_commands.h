// `infercost models`, `infercost hardware`, `infercost plugins`: what is available, as a table
// or JSON.
#ifndef INFERCOST_APPS_INFERCOST_LIST_COMMANDS_H_
#define INFERCOST_APPS_INFERCOST_LIST_COMMANDS_H_

#include "absl/status/statusor.h"
#include "apps/infercost/session.h"
#include "nlohmann/json.hpp"

namespace infercost::cli {

// What `--format json` prints: {"models": [...]}, {"hardware": [...]} (presets, then the devices
// hardware plugins describe), {"loaded" or "found": [...], "rejected": [...], "search_dirs",
// "warnings", "host_abi"}.
absl::StatusOr<nlohmann::json> ModelsJson(Session& session);
absl::StatusOr<nlohmann::json> HardwareListJson(Session& session);
nlohmann::json PluginsJson(Session& session, bool load);

int RunModels(Session& session);
int RunHardware(Session& session);
// `load` false lists manifests only (no library is opened).
int RunPlugins(Session& session, bool load);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_LIST_COMMANDS_H_
