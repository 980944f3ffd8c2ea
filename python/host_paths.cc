// Where the `infercost` Python module is, for registry/search_path.h's default directories (the
// interpreter, /usr/bin/python3, says nothing about them):
// - infercost_host_binary_path(): the module's own file stands for the running executable, so a
//   module inside the build tree uses the build tree's plugins and the source tree's presets,
//   as the CLI built there does;
// - infercost_installed_prefix(): the hook a CMake consumer of the package gets from
//   infercostConfig.cmake; for a module installed under <prefix>/INFERCOST_PYTHON_INSTALL_DIR
//   it is that prefix, so the installed plugins and presets (<prefix>/lib/infercost/plugins,
//   <prefix>/share/infercost/presets) are found wherever the prefix was copied. Null elsewhere.
#include <dlfcn.h>

#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// This module's file, or "" when the loader does not say.
fs::path ModulePath() {
  static const int anchor = 0;
  Dl_info info{};
  if (dladdr(&anchor, &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code error;
  fs::path path = fs::absolute(info.dli_fname, error);
  return error ? fs::path() : path.lexically_normal();
}

// The directory that holds `relative` (e.g. lib/python3/dist-packages) when `dir` ends with it.
std::string PrefixOf(const fs::path& dir, const fs::path& relative) {
  fs::path prefix = dir;
  std::vector<fs::path> parts(relative.begin(), relative.end());
  for (auto part = parts.rbegin(); part != parts.rend(); ++part) {
    if (part->empty()) continue;  // a trailing '/'
    if (prefix.filename() != *part) return "";
    prefix = prefix.parent_path();
  }
  return prefix.string();
}

}  // namespace

extern "C" __attribute__((visibility("hidden"))) const char* infercost_host_binary_path(void) {
  static const std::string path = ModulePath().string();
  return path.empty() ? nullptr : path.c_str();
}

extern "C" __attribute__((visibility("hidden"))) const char* infercost_installed_prefix(void) {
  static const std::string prefix = [] {
    const fs::path module = ModulePath();
    return module.empty() ? std::string()
                          : PrefixOf(module.parent_path(), INFERCOST_PYTHON_INSTALL_DIR);
  }();
  return prefix.empty() ? nullptr : prefix.c_str();
}
