#include "registry/presets.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "registry/search_path.h"

namespace infercost::registry {
namespace {

namespace fs = std::filesystem;

// The running executable, or empty when the system does not say.
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
    for (T item : this_dir.items()) {
      if (registry.FindOrNull(item.name) != nullptr) continue;
      // An alias an earlier directory's preset already answers to stays that preset's.
      std::erase_if(item.aliases, [&](const std::string& alias) {
        return registry.FindOrNull(alias) != nullptr;
      });
      RETURN_IF_ERROR(registry.Add(std::move(item)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> DefaultPresetDirs(const std::vector<std::string>& explicit_dirs) {
  SearchPath path;
  path.explicit_dirs = explicit_dirs;
  path.environment_variable = "INFERCOST_PRESET_PATH";
#ifdef INFERCOST_RELATIVE_PRESET_DIR
  path.relative_to_executable = INFERCOST_RELATIVE_PRESET_DIR;
#endif
#ifdef INFERCOST_SOURCE_PRESET_DIR
  path.build_tree_dir = INFERCOST_SOURCE_PRESET_DIR;
#endif
#ifdef INFERCOST_BUILD_ROOT
  path.build_root = INFERCOST_BUILD_ROOT;
#endif
#ifdef INFERCOST_INSTALL_PRESET_DIR
  path.install_dir = INFERCOST_INSTALL_PRESET_DIR;
#endif
  return ResolveSearchPath(path);
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
  // An engine preset may start from another (`base`, registry/engine.h): by name, the first
  // directory's preset of that name, as the registry keeps it.
  absl::flat_hash_map<std::string, std::string> engine_files;
  for (const std::string& dir : dirs) {
    for (const std::string& file : TomlFilesIn(fs::path(dir) / "engines")) {
      ASSIGN_OR_RETURN(std::string name, EnginePresetName(file));
      engine_files.try_emplace(std::move(name), file);
    }
  }
  const EngineFileOf engine_file = [&](const std::string& name) {
    const auto found = engine_files.find(name);
    return found == engine_files.end() ? std::string() : found->second;
  };
  RETURN_IF_ERROR(LoadKind(
      dirs, "engines", [&](const std::string& file) { return LoadEnginePreset(file, engine_file); },
      presets.engines));
  for (const std::string& dir : dirs) {
    const std::string path = dir + "/hf-import.toml";
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) continue;
    ASSIGN_OR_RETURN(presets.hf_variant_names, LoadHfVariantNames(path));
    break;
  }
  for (const std::string& dir : dirs) {
    const std::string path = dir + "/error-bands.toml";
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) continue;
    ASSIGN_OR_RETURN(ErrorBands bands, LoadErrorBands(path));
    presets.error_bands = std::make_shared<const ErrorBands>(std::move(bands));
    break;
  }
  for (const Engine& engine : presets.engines.items()) {
    for (const Engine::HardwareOverride& o : engine.hardware_overrides) {
      if (presets.hardware.FindOrNull(o.hardware) == nullptr) {
        return absl::InvalidArgumentError(
            fmt::format("{}: table [hardware.{}] names no hardware preset; known: {}",
                        engine.source, o.hardware, absl::StrJoin(presets.hardware.Names(), ", ")));
      }
    }
  }
  return presets;
}

}  // namespace infercost::registry
