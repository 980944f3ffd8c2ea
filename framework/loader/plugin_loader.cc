#include "framework/loader/plugin_loader.h"

#include <algorithm>
#include <array>
#include <boost/dll/shared_library.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <system_error>
#include <tuple>
#include <utility>
#include <variant>

#if defined(__linux__)
#include <elf.h>
#endif

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"
#include "framework/abi/host_services.h"
#include "framework/loader/plugin_precedence.h"
#include "infercost/c/plugin.h"
#include "infercost/sdk/abi_support.h"
#include "registry/search_path.h"

namespace infercost::framework {
namespace {

namespace fs = std::filesystem;

std::mutex& LoadMutex() {
  static std::mutex mutex;
  return mutex;
}

// Libraries pinned until exit (the default): never destroyed, so never unloaded.
std::vector<std::shared_ptr<void>>& PinnedLibraries() {
  static auto* pinned = new std::vector<std::shared_ptr<void>>();
  return *pinned;
}

std::string_view View(ic_string s) {
  return s.data == nullptr ? std::string_view() : std::string_view(s.data, s.size);
}

#if defined(__linux__)
// Why a 64-bit ELF file of `size` bytes whose header and program headers `in` reads is cut short
// ("" when every segment the loader maps, and the section table, lie inside the file): the
// dynamic loader maps segments past the end of a truncated library, and reading them then kills
// the process (SIGBUS) instead of failing the load.
std::string CheckElf64Extent(std::ifstream& in, uint64_t size) {
  Elf64_Ehdr header{};
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header)) {
    return "not a shared library (file shorter than an ELF header)";
  }
  const auto beyond = [size](uint64_t offset, uint64_t count, uint64_t each) {
    return count > 0 && (offset > size || each == 0 || count > (size - offset) / each);
  };
  if (beyond(header.e_phoff, header.e_phnum, header.e_phentsize) ||
      (header.e_shnum > 0 && beyond(header.e_shoff, header.e_shnum, header.e_shentsize))) {
    return fmt::format(
        "a damaged or truncated shared library ({} bytes; its ELF header points past the end); "
        "copy or build it again",
        size);
  }
  for (uint16_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment{};
    in.seekg(static_cast<std::streamoff>(header.e_phoff + uint64_t{i} * header.e_phentsize));
    if (!in.read(reinterpret_cast<char*>(&segment), sizeof segment)) break;
    if (segment.p_type != PT_LOAD && segment.p_type != PT_DYNAMIC) continue;
    if (segment.p_offset > size || segment.p_filesz > size - segment.p_offset) {
      return fmt::format(
          "a damaged or truncated shared library ({} bytes; a segment it loads ends at byte {}); "
          "copy or build it again",
          size, segment.p_offset + segment.p_filesz);
    }
  }
  return "";
}
#endif

// Returns an empty string for a readable ELF file, else why it is not a shared library.
std::string CheckSharedLibraryFile(const std::string& path) {
  std::error_code error;
  if (!fs::exists(path, error)) return "file does not exist";
  if (!fs::is_regular_file(path, error)) return "not a regular file";
  std::ifstream in(path, std::ios::binary);
  std::array<char, 5> magic{};
  if (!in.read(magic.data(), 4)) return "not a shared library (file shorter than 4 bytes)";
#if defined(__linux__)
  if (std::array<char, 4>{magic[0], magic[1], magic[2], magic[3]} !=
      std::array<char, 4>{'\x7f', 'E', 'L', 'F'}) {
    return "not a shared library (no ELF header; is it a text file or a build of another OS?)";
  }
  if (in.read(&magic[4], 1) && magic[4] == ELFCLASS64) {
    const uintmax_t size = fs::file_size(path, error);
    if (error) return "cannot be read (its size is unknown)";
    return CheckElf64Extent(in, static_cast<uint64_t>(size));
  }
#endif
  return "";
}

// Why `s` cannot be read safely (null data with a size, or longer than `max_size`); "" if fine.
std::string CheckTableString(const char* field, ic_string s, uint64_t max_size) {
  if (s.data == nullptr && s.size > 0) {
    return fmt::format("table field {} has a null pointer with size {}", field, s.size);
  }
  if (s.size > max_size) {
    return fmt::format("table field {} claims {} bytes; at most {} are allowed", field, s.size,
                       max_size);
  }
  return "";
}

// The running executable, or empty when the system does not say.

constexpr uint64_t kMaxNameBytes = 64;
constexpr uint64_t kMaxTextBytes = 4096;

using LoadOutcome = std::variant<std::shared_ptr<const LoadedPlugin>, RejectedPlugin>;

LoadOutcome LoadOne(const std::string& library_path, const PluginManifest* expected,
                    bool allow_unload, std::vector<std::string> failed_probe_checks = {},
                    bool checked_before_loading = false) {
  RejectedPlugin rejected;
  rejected.path = library_path;
  if (expected != nullptr) rejected.name = expected->name;
  auto reject = [&](std::string reason) {
    rejected.reason = std::move(reason);
    return LoadOutcome(rejected);
  };
  if (std::string problem = CheckSharedLibraryFile(library_path); !problem.empty()) {
    return reject(problem);
  }

  std::lock_guard<std::mutex> lock(LoadMutex());
  auto library = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code error;
  library->load(library_path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
                error);
  if (error) {
    return reject(
        fmt::format("the dynamic loader refused it ({}); check that its dependencies "
                    "are installed and that it was built for this architecture",
                    error.message()));
  }
  if (!library->has(INFERCOST_PLUGIN_ENTRY_SYMBOL)) {
    return reject(
        fmt::format("does not export '{}': not an infercost plugin (build it with "
                    "INFERCOST_PLUGIN(...) or infercost_add_plugin())",
                    INFERCOST_PLUGIN_ENTRY_SYMBOL));
  }
  auto entry = library->get<const ic_plugin*()>(INFERCOST_PLUGIN_ENTRY_SYMBOL);
  const ic_plugin* plugin = entry();
  if (plugin == nullptr) return reject("the entry symbol returned a null table");
  if (plugin->struct_size < IC_PLUGIN_V1_0_SIZE) {
    return reject(fmt::format("plugin table is {} bytes, smaller than the {} bytes of ABI 1.0",
                              plugin->struct_size, IC_PLUGIN_V1_0_SIZE));
  }
  rejected.plugin_abi_major = plugin->abi_major;
  rejected.plugin_abi_minor = plugin->abi_minor;
  for (const auto& [field, value, limit] :
       {std::tuple{"name", plugin->name, kMaxNameBytes},
        std::tuple{"version", plugin->version, kMaxTextBytes},
        std::tuple{"vendor", plugin->vendor, kMaxTextBytes},
        std::tuple{"description", plugin->description, kMaxTextBytes}}) {
    if (std::string problem = CheckTableString(field, value, limit); !problem.empty()) {
      return reject(problem);
    }
  }
  if (!View(plugin->name).empty()) rejected.name = std::string(View(plugin->name));
  if (plugin->abi_major != INFERCOST_ABI_MAJOR) {
    return reject(
        fmt::format("built for plugin ABI {}.{}, but this host loads ABI {}.{}..{}.x; "
                    "rebuild the plugin against infercost SDK {}.x",
                    plugin->abi_major, plugin->abi_minor, INFERCOST_ABI_MAJOR,
                    kOldestSupportedAbiMinor, INFERCOST_ABI_MAJOR, INFERCOST_ABI_MAJOR));
  }
  if (plugin->abi_minor < kOldestSupportedAbiMinor) {
    return reject(fmt::format(
        "built for plugin ABI {}.{}, older than the oldest minor this host "
        "loads ({}.{}); rebuild it against a newer SDK",
        plugin->abi_major, plugin->abi_minor, INFERCOST_ABI_MAJOR, kOldestSupportedAbiMinor));
  }
  if (!sdk::IsPluginName(View(plugin->name))) {
    return reject(
        fmt::format("invalid plugin name '{}' (use 1-64 of [a-z0-9._-])", View(plugin->name)));
  }
  if (std::string problem = sdk::KindTableProblem(*plugin); !problem.empty()) {
    return reject(problem);
  }
  if (plugin->initialize == nullptr || plugin->destroy == nullptr) {
    return reject("initialize or destroy is null");
  }
  if (expected != nullptr) {
    if (View(plugin->name) != expected->name || plugin->kind != expected->kind) {
      return reject(
          fmt::format("manifest {} says {} '{}', but the library is {} '{}'; "
                      "regenerate the manifest",
                      expected->manifest_path, PluginKindName(expected->kind), expected->name,
                      PluginKindName(plugin->kind), View(plugin->name)));
    }
  }
  auto host = std::make_unique<PluginHost>(std::string(View(plugin->name)));
  void* instance = nullptr;
  if (absl::Status status = ConsumeError(plugin->initialize(host->services(), &instance), "");
      !status.ok()) {
    return reject(fmt::format("initialize failed ({}): {}", absl::StatusCodeToString(status.code()),
                              std::string(status.message())));
  }
  std::shared_ptr<void> owner = library;
  if (!allow_unload) PinnedLibraries().push_back(owner);
  return std::make_shared<const LoadedPlugin>(std::move(owner), std::move(host), plugin, instance,
                                              library_path, std::move(failed_probe_checks),
                                              checked_before_loading);
}

void AddOutcome(LoadOutcome outcome, PluginSet& set) {
  if (auto* rejected = std::get_if<RejectedPlugin>(&outcome)) {
    set.rejected.push_back(std::move(*rejected));
    return;
  }
  auto plugin = std::get<std::shared_ptr<const LoadedPlugin>>(std::move(outcome));
  for (const auto& other : set.loaded) {
    if (other->kind() == plugin->kind() && other->name() == plugin->name()) {
      set.rejected.push_back(
          {plugin->path(), std::string(plugin->name()),
           fmt::format("duplicate {} plugin '{}': already loaded from {}",
                       PluginKindName(plugin->kind()), plugin->name(), other->path()),
           plugin->info().abi_major, plugin->info().abi_minor});
      return;
    }
  }
  set.loaded.push_back(std::move(plugin));
}

bool IsHostDir(const std::string& dir, const std::vector<std::string>& host_dirs) {
  std::error_code error;
  const fs::path canonical = fs::weakly_canonical(dir, error);
  if (error) return false;
  for (const std::string& host_dir : host_dirs) {
    std::error_code host_error;
    if (fs::weakly_canonical(host_dir, host_error) == canonical && !host_error) return true;
  }
  return false;
}

// Probes (third-party) and loads `candidate`; on success records why it was chosen.
bool TryLoad(const PluginCandidate& candidate, const PrecedenceGroup& group,
             const PluginLoaderOptions& options, PluginSet& set) {
  const std::string& library = candidate.manifest.library_path;
  std::string trust;
  std::vector<std::string> failed_checks;
  // Checked before loading: the host's own plugin, or one whose probe ran (what the probe found
  // false is in failed_checks).
  bool checked = candidate.host_own;
  if (!candidate.host_own && options.probe) {
    ProbeVerdict verdict =
        ProbePlugin(library, options.probe_options, candidate.manifest.probe_options);
    if (verdict.outcome == ProbeOutcome::kRejected) {
      set.rejected.push_back({library, candidate.manifest.name, verdict.detail});
      return false;
    }
    if (verdict.outcome == ProbeOutcome::kNotProbed) {
      set.warnings.push_back(fmt::format("plugin {}: {}", library, verdict.detail));
    }
    trust = fmt::format("; {}{}", verdict.detail, verdict.from_cache ? " (cached verdict)" : "");
    failed_checks = std::move(verdict.failed_checks);
    checked = verdict.outcome == ProbeOutcome::kPassed;
  } else if (!candidate.host_own) {
    trust = "; not probed (probing turned off)";
  }
  const size_t rejected_before = set.rejected.size();
  // What the host stops leaning on for a plugin that failed a check.
  std::vector<std::string> not_used;
  for (const ReliedOnProbeCheck& relied : kReliedOnProbeChecks) {
    if (relied.kind == candidate.manifest.kind &&
        std::find(failed_checks.begin(), failed_checks.end(), relied.check) !=
            failed_checks.end()) {
      // (A plugin that refuses the probe's reference shapes without its own options fails
      // every check; the runner's report says so, and its manifest's probe_options fix it.)
      not_used.push_back(fmt::format(
          "plugin {}: it failed the conformance probe's {}, so {}; fix the plugin "
          "(`infercost-conformance --plugin {}` shows where it is false), or, where it refuses "
          "the probe's reference shapes for want of its variant options, list them in its "
          "manifest {} as probe_options = [\"KEY=VALUE\", ...] (infercost_add_plugin(... "
          "PROBE_OPTIONS KEY=VALUE ...))",
          library, relied.check, relied.instead, library, candidate.manifest.manifest_path));
    }
  }
  AddOutcome(LoadOne(library, &candidate.manifest, options.allow_unload, std::move(failed_checks),
                     checked),
             set);
  if (set.rejected.size() != rejected_before) return false;
  for (std::string& warning : not_used) set.warnings.push_back(std::move(warning));
  set.provenance[library] = WhyChosen(candidate, group) + trust;
  return true;
}

PluginSet Discover(const PluginLoaderOptions& options, bool load) {
  PluginSet set;
  set.search_dirs = PluginSearchDirs(options);
  const std::vector<std::string> host_dirs = HostPluginDirs();
  std::vector<PluginCandidate> candidates;
  for (const std::string& dir : set.search_dirs) {
    const bool host_dir = IsHostDir(dir, host_dirs);
    for (const std::string& manifest_path : ManifestsIn(dir)) {
      absl::StatusOr<PluginManifest> manifest = ReadPluginManifest(manifest_path);
      if (!manifest.ok()) {
        set.rejected.push_back({manifest_path, "", std::string(manifest.status().message())});
        continue;
      }
      if (manifest->abi_major != INFERCOST_ABI_MAJOR) {
        set.rejected.push_back(
            {manifest_path, manifest->name,
             fmt::format("manifest declares ABI major {}; this host loads ABI {}",
                         manifest->abi_major, INFERCOST_ABI_MAJOR),
             static_cast<int>(manifest->abi_major), -1});
        continue;
      }
      set.manifests.push_back(*manifest);
      const bool host_own = host_dir && IsOwnPluginName(manifest->name);
      candidates.push_back({*std::move(manifest), host_own});
    }
  }

  // Precedence among plugins of one kind and name, decided before any library is opened.
  const Precedence precedence = DecidePrecedence(candidates, options.overrides);
  set.warnings = precedence.warnings;
  for (const PrecedenceGroup& group : precedence.groups) {
    for (const PluginCandidate* refused : group.refused) {
      set.rejected.push_back({refused->manifest.library_path, refused->manifest.name,
                              RefusedReason(*refused, *group.order.front())});
    }
    const PluginCandidate* winner = nullptr;
    for (const PluginCandidate* candidate : group.order) {
      if (winner != nullptr) {
        set.rejected.push_back({candidate->manifest.library_path, candidate->manifest.name,
                                ShadowedReason(*candidate, *winner, group)});
      } else if (!load) {
        winner = candidate;  // listing only: no library is opened
        set.provenance[candidate->manifest.library_path] = WhyChosen(*candidate, group);
      } else if (TryLoad(*candidate, group, options, set)) {
        winner = candidate;
      }
    }
  }
  return set;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const LoadedPlugin>> PluginSet::Find(ic_plugin_kind kind,
                                                                    std::string_view name) const {
  for (const auto& plugin : loaded) {
    if (plugin->kind() == kind && plugin->name() == name) return plugin;
  }
  std::vector<std::string> names;  // for the message only (a lookup allocates nothing)
  for (const auto& plugin : loaded) {
    if (plugin->kind() == kind) names.emplace_back(plugin->name());
  }
  std::string message =
      fmt::format("no {} plugin named '{}' is loaded; loaded: {}", PluginKindName(kind), name,
                  names.empty() ? "none" : absl::StrJoin(names, ", "));
  for (const RejectedPlugin& r : rejected) {
    if (r.name == name) message += fmt::format(" ('{}' was rejected: {})", name, r.reason);
  }
  return absl::NotFoundError(message);
}

absl::StatusOr<std::shared_ptr<const LoadedPlugin>> PluginSet::Find(
    ic_plugin_kind kind, std::string_view name, absl::FunctionRef<std::string()> named_by) const {
  absl::StatusOr<std::shared_ptr<const LoadedPlugin>> found = Find(kind, name);
  if (found.ok()) return found;
  return absl::Status(found.status().code(),
                      fmt::format("{} = \"{}\": {}; load the plugin (--plugin-dir) or name a "
                                  "loaded one",
                                  named_by(), name, std::string(found.status().message())));
}

std::vector<std::string> PluginSearchDirs(const PluginLoaderOptions& options) {
  registry::SearchPath path;
  path.explicit_dirs = options.plugin_dirs;
  path.environment_variable = options.use_environment ? "INFERCOST_PLUGIN_PATH" : nullptr;
  path.use_defaults = options.use_default_dirs;
#ifdef INFERCOST_RELATIVE_PLUGIN_DIR
  path.relative_to_executable = INFERCOST_RELATIVE_PLUGIN_DIR;
#endif
#ifdef INFERCOST_BUILD_PLUGIN_DIR
  path.build_tree_dir = INFERCOST_BUILD_PLUGIN_DIR;
#endif
#ifdef INFERCOST_BUILD_ROOT
  path.build_root = INFERCOST_BUILD_ROOT;
#endif
#ifdef INFERCOST_INSTALL_PLUGIN_DIR
  path.install_dir = INFERCOST_INSTALL_PLUGIN_DIR;
#endif
  return registry::ResolveSearchPath(path);
}

std::vector<std::string> HostPluginDirs() {
  PluginLoaderOptions defaults;
  defaults.use_environment = false;
  return PluginSearchDirs(defaults);
}

PluginSet ListPlugins(const PluginLoaderOptions& options) { return Discover(options, false); }

PluginSet LoadPlugins(const PluginLoaderOptions& options) { return Discover(options, true); }

absl::StatusOr<std::shared_ptr<const LoadedPlugin>> LoadPluginLibrary(
    const std::string& library_path, const PluginManifest* expected, bool allow_unload) {
  LoadOutcome outcome = LoadOne(library_path, expected, allow_unload);
  if (auto* rejected = std::get_if<RejectedPlugin>(&outcome)) {
    return absl::FailedPreconditionError(
        fmt::format("plugin {} rejected: {}", rejected->path, rejected->reason));
  }
  return std::get<std::shared_ptr<const LoadedPlugin>>(std::move(outcome));
}

}  // namespace infercost::framework
