#include "registry/presets.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"

namespace infercost::registry {
namespace {

namespace fs = std::filesystem;

// The running executable, or empty when the system does not say.
fs::path RunningExecutable() {
#if defined(__linux__)
  std::error_code error;
  fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (!error) return exe;
#endif
  return {};
}

// True when `path` lies inside directory `dir` (both resolved).
bool IsInside(const fs::path& path, const fs::path& dir) {
  std::error_code error;
  const fs::path resolved_path = fs::weakly_canonical(path, error);
  if (error) return false;
  const fs::path resolved_dir = fs::weakly_canonical(dir, error);
  if (error) return false;
  const auto [dir_end, unused] = std::mismatch(resolved_dir.begin(), resolved_dir.end(),
                                               resolved_path.begin(), resolved_path.end());
  return dir_end == resolved_dir.end();
}

std::vector<std::string> TomlFilesIn(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Loads one kind of preset from every dir; earlier dirs hide later ones of the same name.
template <typename T, typename Loader>
absl::Status LoadKind(const std::vector<std::string>& dirs, const char* subdir, Loader load,
                      NamedRegistry<T>& registry) {
  for (const std::string& dir : dirs) {
    NamedRegistry<T> this_dir(registry.kind());
    for (const std::string& file : TomlFilesIn(fs::path(dir) / subdir)) {
      ASSIGN_OR_RETURN(T item, load(file));
      RETURN_IF_ERROR(this_dir.Add(std::move(item)));
    }
    for (const T& item : this_dir.items()) {
      if (registry.FindOrNull(item.name) == nullptr) RETURN_IF_ERROR(registry.Add(item));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> DefaultPresetDirs(const std::vector<std::string>& explicit_dirs) {
  std::vector<std::string> candidates = explicit_dirs;
  if (const char* env = std::getenv("INFERCOST_PRESET_PATH"); env != nullptr && *env != '\0') {
    for (absl::string_view dir : absl::StrSplit(env, ':', absl::SkipEmpty())) {
      candidates.emplace_back(std::string(dir));
    }
  }
  // An installed binary (<prefix>/bin/infercost) uses <prefix>/share/infercost/presets, wherever
  // the prefix was copied to; otherwise the source tree (only for binaries inside the build
  // tree), then the configured install prefix.
  const fs::path exe = RunningExecutable();
  fs::path beside_exe;
#ifdef INFERCOST_RELATIVE_PRESET_DIR
  if (!exe.empty()) {
    beside_exe = (exe.parent_path() / INFERCOST_RELATIVE_PRESET_DIR).lexically_normal();
  }
#endif
  std::error_code beside_error;
  if (!beside_exe.empty() && fs::is_directory(beside_exe, beside_error)) {
    candidates.push_back(beside_exe.string());
  } else {
#ifdef INFERCOST_SOURCE_PRESET_DIR
#ifdef INFERCOST_BUILD_ROOT
    if (exe.empty() || IsInside(exe, INFERCOST_BUILD_ROOT))
#endif
      candidates.emplace_back(INFERCOST_SOURCE_PRESET_DIR);
#endif
#ifdef INFERCOST_INSTALL_PRESET_DIR
    candidates.emplace_back(INFERCOST_INSTALL_PRESET_DIR);
#endif
  }
  std::vector<std::string> dirs;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& dir : candidates) {
    std::error_code error;
    const fs::path canonical = fs::weakly_canonical(dir, error);
    const std::string key = error ? dir : canonical.string();
    if (fs::is_directory(dir, error) && seen.insert(key).second) dirs.push_back(dir);
  }
  return dirs;
}

absl::StatusOr<Presets> LoadPresets(const std::vector<std::string>& dirs) {
  if (dirs.empty()) {
    return absl::NotFoundError(
        "no preset directory found; pass --presets-dir DIR or set INFERCOST_PRESET_PATH to a "
        "directory holding models/, hardware/ and engines/");
  }
  Presets presets;
  RETURN_IF_ERROR(LoadKind(dirs, "models", LoadModelPreset, presets.models));
  RETURN_IF_ERROR(LoadKind(dirs, "hardware", LoadHardwarePreset, presets.hardware));
  RETURN_IF_ERROR(LoadKind(dirs, "engines", LoadEnginePreset, presets.engines));
  for (const Engine& engine : presets.engines.items()) {
    for (const Engine::HardwareOverride& o : engine.hardware_overrides) {
      if (presets.hardware.FindOrNull(o.hardware) == nullptr) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: table [hardware.{}] names no hardware preset; known: {}", engine.source,
            o.hardware, absl::StrJoin(presets.hardware.Names(), ", ")));
      }
    }
  }
  return presets;
}

}  // namespace infercost::registry
