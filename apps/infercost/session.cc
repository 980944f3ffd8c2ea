#include "apps/infercost/session.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "fmt/format.h"

namespace infercost::cli {

absl::StatusOr<const registry::Presets*> Session::Presets() {
  if (!presets_) {
    absl::StatusOr<registry::Presets> loaded =
        registry::LoadPresets(registry::DefaultPresetDirs(flags_.preset_dirs));
    if (!loaded.ok()) return loaded.status();
    presets_ = std::move(*loaded);
  }
  return &*presets_;
}

framework::PluginLoaderOptions Session::LoaderOptions() const {
  framework::PluginLoaderOptions options;
  options.plugin_dirs = flags_.plugin_dirs;
  options.overrides = flags_.plugin_overrides;
  return options;
}

namespace {

// The --plugin-dir `path` lies in, or none.
const std::string* NamedDirOf(const std::string& path, const std::vector<std::string>& dirs) {
  std::error_code error;
  const std::filesystem::path file = std::filesystem::weakly_canonical(path, error);
  if (error) return nullptr;
  for (const std::string& dir : dirs) {
    const std::filesystem::path named = std::filesystem::weakly_canonical(dir, error);
    if (error) continue;
    const auto [in_dir, in_file] =
        std::mismatch(named.begin(), named.end(), file.begin(), file.end());
    if (in_dir == named.end() && in_file != file.end()) return &dir;
  }
  return nullptr;
}

}  // namespace

const framework::PluginSet& Session::Plugins(bool warn_rejected) {
  if (!plugins_) {
    plugins_ = framework::LoadPlugins(LoaderOptions());
    for (const std::string& warning : plugins_->warnings) {
      fmt::print(stderr, "infercost: warning: {}\n", warning);
    }
    // A plugin the user pointed at and did not get: said now, not only when it is asked for.
    const std::vector<framework::RejectedPlugin> none;
    for (const framework::RejectedPlugin& rejected : warn_rejected ? plugins_->rejected : none) {
      if (const std::string* dir = NamedDirOf(rejected.path, flags_.plugin_dirs)) {
        fmt::print(stderr,
                   "infercost: warning: plugin {}{} (in --plugin-dir {}) is not loaded: {}; "
                   "`infercost plugins --plugin-dir {}` lists it\n",
                   rejected.path, rejected.name.empty() ? "" : fmt::format(" ({})", rejected.name),
                   *dir, rejected.reason, *dir);
      }
    }
  }
  return *plugins_;
}

framework::PluginSet Session::ListPluginsWithoutLoading() const {
  return framework::ListPlugins(LoaderOptions());
}

absl::Status CheckNamedDirectories(const GlobalFlags& flags) {
  for (const auto& [flag, dirs] : {std::pair{"--plugin-dir", &flags.plugin_dirs},
                                   std::pair{"--presets-dir", &flags.preset_dirs}}) {
    for (const std::string& dir : *dirs) {
      std::error_code error;
      if (!std::filesystem::is_directory(dir, error)) {
        return absl::InvalidArgumentError(fmt::format(
            "{} {}: {}; name an existing directory", flag, dir,
            std::filesystem::exists(dir, error) ? "is not a directory" : "no such directory"));
      }
    }
  }
  return absl::OkStatus();
}

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 0;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAlreadyExists:
      return 2;
    default:
      return 1;
  }
}

int ReportError(const absl::Status& status) {
  // A message quotes what it refuses; a value of megabytes (a file's contents passed as a name)
  // is quoted by its start.
  constexpr size_t kMostMessageBytes = 4096;
  const std::string_view message(status.message().data(), status.message().size());
  if (message.size() <= kMostMessageBytes) {
    fmt::print(stderr, "infercost: error: {}\n", message);
  } else {
    fmt::print(stderr, "infercost: error: {} [... {} more bytes of this message left out]\n",
               message.substr(0, kMostMessageBytes), message.size() - kMostMessageBytes);
  }
  return ExitCodeFor(status);
}

}  // namespace infercost::cli
