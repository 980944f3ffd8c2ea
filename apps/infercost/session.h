// What every `infercost` command starts from: the global flags, the presets and the plugins.
//
//   Session session(flags);
//   ASSIGN_OR_RETURN(const registry::Presets* presets, session.Presets());
//   const framework::PluginSet& plugins = session.Plugins();
#ifndef INFERCOST_APPS_INFERCOST_SESSION_H_
#define INFERCOST_APPS_INFERCOST_SESSION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/loader/plugin_loader.h"
#include "registry/presets.h"

namespace infercost::cli {

struct GlobalFlags {
  std::vector<std::string> plugin_dirs;
  std::vector<std::string> preset_dirs;
  std::vector<std::string> plugin_overrides;  // --plugin-override NAME
  std::string format = "table";
};

class Session {
 public:
  explicit Session(GlobalFlags flags) : flags_(std::move(flags)) {}
  const GlobalFlags& flags() const { return flags_; }
  // Loaded on first use.
  absl::StatusOr<const registry::Presets*> Presets();
  // Loaded on first use; warnings on stderr, among them each plugin of a --plugin-dir that was
  // not loaded (not where `warn_rejected` is false on the first call: `infercost plugins` lists
  // them itself).
  const framework::PluginSet& Plugins(bool warn_rejected = true);
  framework::PluginSet ListPluginsWithoutLoading() const;

 private:
  framework::PluginLoaderOptions LoaderOptions() const;
  GlobalFlags flags_;
  std::optional<registry::Presets> presets_;
  std::optional<framework::PluginSet> plugins_;
};

// A directory the user named (--plugin-dir, --presets-dir) must exist: a typo would otherwise
// load nothing, silently. InvalidArgument naming the flag and the directory.
absl::Status CheckNamedDirectories(const GlobalFlags& flags);

// Exit status for a failed command: 2 for bad input (unknown names, invalid values), else 1.
int ExitCodeFor(const absl::Status& status);
// Prints "infercost: error: <message>" to stderr and returns ExitCodeFor(status).
int ReportError(const absl::Status& status);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_SESSION_H_
