// A plugin's manifest: `<name>.icplugin.toml` beside its library, so plugins can be listed
// without loading them.
//
//   name = "gqa"
//   kind = "attention_variant"          # attention_variant | attention_kernel | hardware
//   library = "infercost-gqa.so"        # relative to the manifest's directory
//   abi_major = 1
//   probe_options = ["index_topk=256"]  # optional: variant options the conformance probe's
//                                        # reference shapes carry (a plugin that needs options)
//
//   ASSIGN_OR_RETURN(PluginManifest m, ReadPluginManifest(".../gqa.icplugin.toml"));
#ifndef INFERCOST_FRAMEWORK_LOADER_PLUGIN_MANIFEST_H_
#define INFERCOST_FRAMEWORK_LOADER_PLUGIN_MANIFEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "infercost/c/abi.h"

namespace infercost::framework {

inline constexpr std::string_view kManifestSuffix = ".icplugin.toml";

struct PluginManifest {
  std::string name;
  ic_plugin_kind kind = 0;
  std::string library_path;  // the manifest's directory joined with its (relative) library
  int64_t abi_major = 0;
  std::string manifest_path;
  // KEY=VALUE variant options for the conformance probe (infercost-conformance
  // --variant-option): what a plugin that refuses shapes without its options needs to be probed.
  std::vector<std::string> probe_options;
};

std::string_view PluginKindName(ic_plugin_kind kind);  // "attention_variant", ...
std::optional<ic_plugin_kind> PluginKindByName(std::string_view name);

absl::StatusOr<PluginManifest> ReadPluginManifest(const std::string& path);
// The same from TOML text; a relative `library` resolves beside `manifest_path`.
absl::StatusOr<PluginManifest> ParsePluginManifest(std::string_view text,
                                                   const std::string& manifest_path);

// Manifest files directly inside `dir`, sorted.
std::vector<std::string> ManifestsIn(const std::string& dir);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LOADER_PLUGIN_MANIFEST_H_
