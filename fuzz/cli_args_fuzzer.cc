// Fuzz harness: the `infercost` command line. The input is split on '\0' and '\n' into
// arguments after "infercost"; they go through cli::ParseCommandLine (CLI11: every flag and
// subcommand, help, version, the directory and format checks) and, for `report` (or no
// command), cli::ResolveScenario: --model files, names against the presets, every number checked
// (framework::MakeScenario). Presets and plugins are loaded once; nothing is evaluated or
// printed. An exception escaping is a bug.
// Seeds: fuzz/corpus/cli_args/ (one argument per line). See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "apps/infercost/command_line.h"
#include "apps/infercost/report_command.h"
#include "framework/loader/plugin_loader.h"
#include "fuzz/fuzz_check.h"
#include "registry/presets.h"

namespace {

constexpr size_t kMaxArgs = 64;

const infercost::registry::Presets& SharedPresets() {
  static const infercost::registry::Presets presets = [] {
    auto loaded = infercost::registry::LoadPresets({INFERCOST_FUZZ_PRESET_DIR});
    if (!loaded.ok()) {
      std::fprintf(stderr, "cli_args_fuzzer: no presets: %s\n",
                   std::string(loaded.status().message()).c_str());
      std::abort();
    }
    return *std::move(loaded);
  }();
  return presets;
}

const infercost::framework::PluginSet& SharedPlugins() {
  static const infercost::framework::PluginSet plugins = [] {
    infercost::framework::PluginLoaderOptions options;
    options.plugin_dirs = {INFERCOST_FUZZ_PLUGIN_DIR};
    options.use_environment = false;
    options.use_default_dirs = false;
    return infercost::framework::LoadPlugins(options);
  }();
  return plugins;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args = {"infercost"};
  std::string current;
  for (size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\0' || c == '\n') {
      args.push_back(std::move(current));
      current.clear();
      if (args.size() > kMaxArgs) return 0;
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) args.push_back(std::move(current));

  infercost::cli::CommandLine line;
  std::ostringstream out;
  std::ostringstream err;
  const std::optional<int> exit = infercost::cli::ParseCommandLine(args, line, out, err);
  if (exit.has_value()) {
    if (*exit != 0 && err.str().empty()) {
      std::fprintf(stderr, "cli_args_fuzzer: exit status %d without a message\n", *exit);
      std::abort();
    }
    return 0;
  }
  if (line.command != infercost::cli::Command::kReport) return 0;
  infercost::fuzz::CheckRefusal(
      infercost::cli::ResolveScenario(SharedPresets(), SharedPlugins(), line.request).status());
  return 0;
}
