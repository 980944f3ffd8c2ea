// Where infercost looks for things (plugin directories, preset directories), in one place.
//
// Order: the explicit directories, then the ':'-separated environment variable, then the
// defaults — for an installed binary the directory beside it (bin/../<relative>, so a copied
// prefix keeps working); otherwise the build-tree directory (only for binaries inside the build
// tree), then — for a host program built against the installed package with CMake — the
// prefix its build found (bin/<relative>, see sdk/cmake/infercostConfig.cmake.in), then the
// configured install directory. Missing directories and duplicates are dropped.
//
//   SearchPath path;
//   path.explicit_dirs = {"/opt/vendor/plugins"};
//   path.environment_variable = "INFERCOST_PLUGIN_PATH";
//   std::vector<std::string> dirs = ResolveSearchPath(path);
#ifndef INFERCOST_REGISTRY_SEARCH_PATH_H_
#define INFERCOST_REGISTRY_SEARCH_PATH_H_

#include <string>
#include <vector>

namespace infercost::registry {

struct SearchPath {
  std::vector<std::string> explicit_dirs;
  const char* environment_variable = nullptr;  // nullptr: not consulted
  bool use_defaults = true;
  std::string relative_to_executable;  // e.g. "../lib/infercost/plugins"; "" = none
  std::string build_tree_dir;          // searched only by binaries inside build_root
  std::string build_root;
  std::string install_dir;
};

std::vector<std::string> ResolveSearchPath(const SearchPath& path);

// The prefix a CMake consumer of the installed package found it in (see the header comment), or
// "" in-tree, for pkg-config consumers and for the installed CLI.
std::string InstalledPrefixHint();

// The running executable's path, or "" when the system does not say. A host that is a shared
// object in another program (the Python module) stands in for it (infercost_host_binary_path()).
std::string RunningExecutablePath();

// Whether the running executable lies inside directory `dir` (false when unknown).
bool RunningExecutableIsInside(const std::string& dir);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_SEARCH_PATH_H_
