#include "tests/abi/abi_test_util.h"

#include <filesystem>
#include <sstream>
#include <utility>

namespace infercost::abi_test {

std::string BadPluginDir() { return ABI_BAD_PLUGIN_DIR; }
std::string SecondPluginDir() { return ABI_SECOND_PLUGIN_DIR; }
std::string BuildPluginDir() { return INFERCOST_BUILD_PLUGIN_DIR; }

std::string LibraryFile(std::string_view plugin_name) {
  return "infercost-" + std::string(plugin_name) + ABI_PLUGIN_SUFFIX;
}

std::string ManifestFile(std::string_view plugin_name) {
  return std::string(plugin_name) + ".icplugin.toml";
}

PluginLoaderOptions OnlyDirs(std::vector<std::string> dirs) {
  PluginLoaderOptions options;
  options.plugin_dirs = std::move(dirs);
  options.use_environment = false;
  options.use_default_dirs = false;
  options.probe_options.cache_dir = ABI_PROBE_CACHE_DIR;  // this build's verdicts only
  return options;
}

const PluginSet& BadPlugins() {
  static const PluginSet* const set =
      new PluginSet(framework::LoadPlugins(OnlyDirs({BadPluginDir()})));
  return *set;
}

const RejectedPlugin* FindRejected(const PluginSet& set, std::string_view file_name) {
  for (const RejectedPlugin& rejected : set.rejected) {
    if (std::filesystem::path(rejected.path).filename() == file_name) return &rejected;
  }
  return nullptr;
}

std::shared_ptr<const LoadedPlugin> FindLoaded(const PluginSet& set, std::string_view name) {
  for (const auto& plugin : set.loaded) {
    if (plugin->name() == name) return plugin;
  }
  return nullptr;
}

std::string Describe(const PluginSet& set) {
  std::ostringstream out;
  for (const auto& plugin : set.loaded) out << "  loaded   " << plugin->path() << "\n";
  for (const RejectedPlugin& rejected : set.rejected) {
    out << "  rejected " << rejected.path << ": " << rejected.reason << "\n";
  }
  return out.str();
}

::testing::AssertionResult ContainsText(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

ic_attention_shape SmallShape() {
  ic_attention_shape shape{};
  shape.struct_size = sizeof(ic_attention_shape);
  shape.hidden_size = 512;
  shape.num_heads = 8;
  shape.num_kv_heads = 2;
  shape.head_dim = 64;
  shape.v_head_dim = 64;
  return shape;
}

namespace {

ic_stage Bf16Stage(ic_stage_kind kind, int64_t batch, int64_t query_tokens,
                   int64_t context_tokens) {
  ic_stage stage{};
  stage.struct_size = sizeof(ic_stage);
  stage.kind = kind;
  stage.batch = batch;
  stage.query_tokens = query_tokens;
  stage.context_tokens = context_tokens;
  stage.weight_dtype = IC_DTYPE_BF16;
  stage.activation_dtype = IC_DTYPE_BF16;
  stage.kv_dtype = IC_DTYPE_BF16;
  stage.weight_bytes_per_element = 2;
  stage.activation_bytes_per_element = 2;
  stage.kv_bytes_per_element = 2;
  stage.tensor_parallel = 1;
  return stage;
}

}  // namespace

ic_stage DecodeStage() { return Bf16Stage(IC_STAGE_DECODE, 2, 1, 100); }
ic_stage PrefillStage() { return Bf16Stage(IC_STAGE_PREFILL, 1, 16, 16); }

ic_device TestDevice() {
  ic_device device{};
  device.struct_size = sizeof(ic_device);
  device.name = {"test-gpu", 8};
  device.matrix_flops_per_s[IC_DTYPE_BF16] = 1e15;
  device.vector_flops_per_s = 6e13;
  device.memory_bandwidth_bytes_per_s = 3e12;
  device.memory_capacity_bytes = 80e9;
  device.gpus_per_node = 8;
  return device;
}

}  // namespace infercost::abi_test
