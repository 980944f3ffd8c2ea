// Finds, checks and loads plugins (Boost.DLL, rtld_now | rtld_local, one load at a time).
//
// Search order: --plugin-dir flags, $INFERCOST_PLUGIN_PATH (':'-separated), the build tree's
// plugin directory (only for binaries inside the build tree), the install prefix's; a binary
// installed as <prefix>/bin/X searches <prefix>/lib/infercost/plugins instead of the last two,
// wherever the prefix was moved. Each plugin is found by its manifest. A plugin that is
// not a shared library, lacks the entry symbol, has the wrong ABI major, a malformed table, a
// duplicate name, or fails initialize is Rejected with path and reason; the rest still load.
//
// Trust (docs/plugin-trust.md): the in-tree plugins in the host's own plugin directory (build
// tree or install prefix) are the host's. Any other plugin is probed once in a child process by
// the conformance runner before it is loaded (plugin_probe.h); one that crashes there is
// rejected and never mapped into the host. Of two plugins of one kind and name, the host's own
// wins unless the name is in `overrides` (--plugin-override NAME); candidates are tried in
// precedence order until one loads (plugin_precedence.h).
//
//   PluginLoaderOptions options;
//   options.plugin_dirs = {"/opt/vendor/plugins"};
//   PluginSet plugins = LoadPlugins(options);
//   for (const RejectedPlugin& r : plugins.rejected) std::cerr << r.path << ": " << r.reason;
#ifndef INFERCOST_FRAMEWORK_LOADER_PLUGIN_LOADER_H_
#define INFERCOST_FRAMEWORK_LOADER_PLUGIN_LOADER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "framework/loader/loaded_plugin.h"
#include "framework/loader/plugin_manifest.h"
#include "framework/loader/plugin_probe.h"

namespace infercost::framework {

// The oldest plugin ABI minor this host still loads (within INFERCOST_ABI_MAJOR). Plugins built
// for newer minors load too: the host reads only the fields it knows (struct_size-gated).
inline constexpr int kOldestSupportedAbiMinor = 0;

struct PluginLoaderOptions {
  std::vector<std::string> plugin_dirs;  // searched first, in order
  bool use_environment = true;           // $INFERCOST_PLUGIN_PATH
  bool use_default_dirs = true;          // build tree, then install prefix
  bool allow_unload = false;             // false: libraries stay mapped until exit
  // Names whose third-party plugin replaces the host's own (--plugin-override NAME).
  std::vector<std::string> overrides;
  bool probe = true;  // probe third-party plugins in a child process before loading them
  PluginProbeOptions probe_options;
};

struct RejectedPlugin {
  std::string path;    // manifest or library
  std::string name;    // from the manifest or table, if known
  std::string reason;  // what is wrong and how to fix it
  int plugin_abi_major = -1;
  int plugin_abi_minor = -1;
};

struct PluginSet {
  std::vector<std::shared_ptr<const LoadedPlugin>> loaded;
  std::vector<RejectedPlugin> rejected;
  std::vector<std::string> search_dirs;
  std::vector<PluginManifest> manifests;  // every well-formed manifest found
  // Why each loaded (or, when only listing, each winning) plugin was chosen and trusted, by
  // library path: "the host's own plugin", "conformance probe passed (15 checks)", ...
  std::map<std::string, std::string> provenance;
  // Problems that did not stop loading (an override that matched nothing, a plugin not probed).
  std::vector<std::string> warnings;

  // The loaded plugin of `kind` named `name`; NotFound lists the loaded ones of that kind.
  absl::StatusOr<std::shared_ptr<const LoadedPlugin>> Find(ic_plugin_kind kind,
                                                           std::string_view name) const;
  // The same for a name a preset gives: where it is not loaded, `named_by()` (e.g. "model 'x'
  // (file.toml): attention_variant", formatted only then) opens the message, which ends with
  // the fix.
  absl::StatusOr<std::shared_ptr<const LoadedPlugin>> Find(
      ic_plugin_kind kind, std::string_view name, absl::FunctionRef<std::string()> named_by) const;
};

std::vector<std::string> PluginSearchDirs(const PluginLoaderOptions& options);
// The host's own plugin directories (build tree or install prefix), whatever `options` say.
std::vector<std::string> HostPluginDirs();

// Lists manifests without loading any library (malformed ones come back as rejected).
PluginSet ListPlugins(const PluginLoaderOptions& options);

// Loads every plugin found in the search dirs.
PluginSet LoadPlugins(const PluginLoaderOptions& options);

// Loads one library directly (no manifest), e.g. for the conformance runner. `expected` is the
// manifest it was found through, if any: name and kind must then agree.
absl::StatusOr<std::shared_ptr<const LoadedPlugin>> LoadPluginLibrary(
    const std::string& library_path, const PluginManifest* expected = nullptr,
    bool allow_unload = false);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LOADER_PLUGIN_LOADER_H_
