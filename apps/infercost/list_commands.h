// `infercost models`, `infercost hardware`, `infercost engines`, `infercost plugins`: what is
// available, as a table or JSON. The JSON texts are what `--format json` prints and what the web
// API (/api/v1/models, ...) returns.
//
//   fmt::print("{}", ModelsJson(presets));
#ifndef INFERCOST_APPS_INFERCOST_LIST_COMMANDS_H_
#define INFERCOST_APPS_INFERCOST_LIST_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "apps/infercost/session.h"
#include "framework/loader/plugin_loader.h"
#include "registry/presets.h"

namespace infercost::cli {

std::string ModelsJson(const registry::Presets& presets);
// Every device --hardware can name: the presets, then those hardware plugins describe
// (AddPluginDevices).
std::vector<registry::Hardware> AllDevices(const registry::Presets& presets,
                                           const framework::PluginSet& plugins);
std::string HardwareJson(const registry::Presets& presets, const framework::PluginSet& plugins);
std::string EnginesJson(const registry::Presets& presets);
// `load` false: the manifests found ("found"); true: the plugins loaded ("loaded").
std::string PluginsJson(const framework::PluginSet& set, bool load);

int RunModels(Session& session);
int RunEngines(Session& session);
int RunHardware(Session& session);
// `load` false lists manifests only (no library is opened).
int RunPlugins(Session& session, bool load);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_LIST_COMMANDS_H_
