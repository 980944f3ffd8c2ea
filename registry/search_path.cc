#include "registry/search_path.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_split.h"

// Defined (weakly) by the source infercostConfig.cmake adds to every consumer of the installed
// package: the prefix the consumer found the package in. Undefined (null) in-tree and for
// pkg-config consumers, which fall back to the configured install directory.
extern "C" const char* infercost_installed_prefix(void) __attribute__((weak));
// Defined (weakly) by a host that is a shared object loaded into someone else's program, the
// Python module (python/host_paths.cc): its own file, which then stands for the running
// executable (so a module inside the build tree uses the build tree's plugins and presets).
extern "C" const char* infercost_host_binary_path(void) __attribute__((weak));

namespace infercost::registry {
namespace {

namespace fs = std::filesystem;

fs::path RunningExecutable() {
  if (infercost_host_binary_path != nullptr) {
    const char* host = infercost_host_binary_path();
    if (host != nullptr && *host != '\0') return host;
  }
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

}  // namespace

std::string InstalledPrefixHint() {
  if (infercost_installed_prefix == nullptr) return "";
  const char* prefix = infercost_installed_prefix();
  return prefix == nullptr ? "" : prefix;
}

std::string RunningExecutablePath() { return RunningExecutable().string(); }

bool RunningExecutableIsInside(const std::string& dir) {
  const fs::path exe = RunningExecutable();
  return !exe.empty() && !dir.empty() && IsInside(exe, dir);
}

std::vector<std::string> ResolveSearchPath(const SearchPath& path) {
  std::vector<std::string> candidates = path.explicit_dirs;
  if (path.environment_variable != nullptr) {
    if (const char* env = std::getenv(path.environment_variable); env != nullptr && *env != '\0') {
      for (absl::string_view dir : absl::StrSplit(env, ':', absl::SkipEmpty())) {
        candidates.emplace_back(std::string(dir));
      }
    }
  }
  if (path.use_defaults) {
    const fs::path exe = RunningExecutable();
    fs::path beside_exe;
    if (!exe.empty() && !path.relative_to_executable.empty()) {
      beside_exe = (exe.parent_path() / path.relative_to_executable).lexically_normal();
    }
    std::error_code error;
    if (!beside_exe.empty() && fs::is_directory(beside_exe, error)) {
      candidates.push_back(beside_exe.string());
    } else {
      if (!path.build_tree_dir.empty() &&
          (exe.empty() || path.build_root.empty() || IsInside(exe, path.build_root))) {
        candidates.push_back(path.build_tree_dir);
      }
      // A host program outside the build tree and the prefix: the prefix its build found.
      if (const std::string prefix = InstalledPrefixHint();
          !prefix.empty() && !path.relative_to_executable.empty()) {
        candidates.push_back(
            (fs::path(prefix) / "bin" / path.relative_to_executable).lexically_normal().string());
      }
      if (!path.install_dir.empty()) candidates.push_back(path.install_dir);
    }
  }
  std::vector<std::string> dirs;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& dir : candidates) {
    std::error_code error;
    if (!fs::is_directory(dir, error)) continue;
    const fs::path canonical = fs::weakly_canonical(dir, error);
    if (seen.insert(error ? dir : canonical.string()).second) dirs.push_back(dir);
  }
  return dirs;
}

}  // namespace infercost::registry
