#include "framework/loader/plugin_manifest.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "infercost/sdk/abi_support.h"
#include "registry/toml_reader.h"

namespace infercost::framework {

namespace fs = std::filesystem;

std::string_view PluginKindName(ic_plugin_kind kind) {
  const std::string_view name = sdk::KindName(kind);
  return name.empty() ? "unknown" : name;
}

std::optional<ic_plugin_kind> PluginKindByName(std::string_view name) {
  for (ic_plugin_kind kind : {IC_PLUGIN_KIND_ATTENTION_VARIANT, IC_PLUGIN_KIND_ATTENTION_KERNEL,
                              IC_PLUGIN_KIND_HARDWARE}) {
    if (PluginKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

namespace {
absl::StatusOr<PluginManifest> ManifestFromToml(const toml::table& root, const std::string& path);
}  // namespace

absl::StatusOr<PluginManifest> ReadPluginManifest(const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, registry::ParseTomlFile(path));
  return ManifestFromToml(root, path);
}

absl::StatusOr<PluginManifest> ParsePluginManifest(std::string_view text,
                                                   const std::string& manifest_path) {
  ASSIGN_OR_RETURN(toml::table root, registry::ParseTomlText(text, manifest_path));
  return ManifestFromToml(root, manifest_path);
}

namespace {

constexpr size_t kMostProbeOptions = 64;
constexpr size_t kLongestProbeOption = 256;

// `probe_options`: at most kMostProbeOptions strings KEY=VALUE (a name of [a-z0-9_], a value
// without control characters; each passed as one argument to the runner, never through a shell).
absl::StatusOr<std::vector<std::string>> ProbeOptions(const registry::TomlReader& reader) {
  std::vector<std::string> options;
  const toml::node* node = reader.Raw("probe_options");
  if (node == nullptr) return options;
  const std::string fix =
      "write probe_options = [\"KEY=VALUE\", ...], the variant options the conformance probe's "
      "reference shapes need (infercost_add_plugin(... PROBE_OPTIONS KEY=VALUE ...))";
  const toml::array* array = node->as_array();
  if (array == nullptr || array->size() > kMostProbeOptions) {
    return absl::InvalidArgumentError(fmt::format("{}: not an array of at most {} strings; {}",
                                                  reader.Where("probe_options"), kMostProbeOptions,
                                                  fix));
  }
  for (const toml::node& item : *array) {
    const std::optional<std::string> text = item.value<std::string>();
    const size_t eq = text ? text->find('=') : std::string::npos;
    bool valid = text && eq != std::string::npos && eq > 0 && eq + 1 < text->size() &&
                 text->size() <= kLongestProbeOption;
    for (size_t i = 0; valid && i < eq; ++i) {
      const char c = (*text)[i];
      valid = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }
    for (size_t i = eq + 1; valid && i < text->size(); ++i) {
      valid = static_cast<unsigned char>((*text)[i]) >= 0x20 && (*text)[i] != 0x7f;
    }
    if (!valid) {
      return absl::InvalidArgumentError(
          fmt::format("{}: entry {} is not KEY=VALUE (a name of a-z, 0-9 and _, a value of at "
                      "most {} characters in all); {}",
                      reader.Where("probe_options"), options.size() + 1, kLongestProbeOption, fix));
    }
    options.push_back(*text);
  }
  return options;
}

absl::StatusOr<PluginManifest> ManifestFromToml(const toml::table& root, const std::string& path) {
  registry::TomlReader reader(path, root);
  PluginManifest manifest;
  manifest.manifest_path = path;
  ASSIGN_OR_RETURN(manifest.name, reader.String("name"));
  ASSIGN_OR_RETURN(std::string kind,
                   reader.Choice("kind", {"attention_variant", "attention_kernel", "hardware"}));
  manifest.kind = *PluginKindByName(kind);
  ASSIGN_OR_RETURN(std::string library, reader.String("library"));
  ASSIGN_OR_RETURN(manifest.abi_major, reader.PositiveInt("abi_major", 1 << 20));
  ASSIGN_OR_RETURN(manifest.probe_options, ProbeOptions(reader));
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  // The library lies beside its manifest (or below it): a manifest names no library elsewhere
  // on the machine, which the host would map into its process.
  const fs::path library_path(library);
  const bool climbs = std::any_of(library_path.begin(), library_path.end(),
                                  [](const fs::path& part) { return part == ".."; });
  if (library_path.is_absolute() || climbs) {
    return absl::InvalidArgumentError(
        fmt::format("{}: library \"{}\" must be a file beside the manifest (a relative path "
                    "without ..), e.g. library = \"infercost-NAME.so\"",
                    reader.Where("library"), library));
  }
  manifest.library_path = (fs::path(path).parent_path() / library_path).string();
  return manifest;
}
}  // namespace

std::vector<std::string> ManifestsIn(const std::string& dir) {
  std::vector<std::string> manifests;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string file = entry.path().string();
    if (absl::EndsWith(file, absl::string_view(kManifestSuffix.data(), kManifestSuffix.size())))
      manifests.push_back(file);
  }
  std::sort(manifests.begin(), manifests.end());
  return manifests;
}

}  // namespace infercost::framework
