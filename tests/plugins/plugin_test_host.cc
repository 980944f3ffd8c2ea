#include "plugin_test_host.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <mutex>

#include "fixtures.h"  // the kit's option records
#include "host.h"      // the conformance kit (sdk/conformance)
#include "plugin_handle.h"

namespace infercost::testing {
namespace {

namespace conformance = infercost::conformance;

// The conformance kit's host (sdk/conformance/host.h): it makes and tracks every ic_error.
conformance::Host& TheHost() {
  static auto* host = new conformance::Host();  // never destroyed: plugins may outlive tests
  return *host;
}

std::string PluginPath(const std::string& name) {
  return std::string(INFERCOST_TEST_PLUGIN_DIR) + "/infercost-" + name +
         INFERCOST_TEST_PLUGIN_SUFFIX;
}

ic_error* CollectPhase(void* context, const ic_phase_cost* cost) {
  static_cast<std::vector<ic_phase_cost>*>(context)->push_back(*cost);
  return nullptr;
}

template <typename Table>
const Table* KindTable(const LoadedPlugin* plugin) {
  return plugin == nullptr ? nullptr : static_cast<const Table*>(plugin->table->kind_table);
}

}  // namespace

Status TakeError(ic_error* error) {
  const conformance::ErrorInfo info = TheHost().Consume(error);
  if (!info.is_error) return {};
  if (!info.made_by_host) {
    return {IC_STATUS_INTERNAL, "the plugin returned an error this host did not make"};
  }
  return {info.code, info.message};
}

int LiveErrorCount() { return static_cast<int>(TheHost().live_error_count()); }

const ic_host_services& FakeHost() { return *TheHost().services(); }

const LoadedPlugin* Plugin(const std::string& name) {
  // Instances are destroyed at exit; libraries stay loaded (a host never unloads plugins).
  struct Loaded {
    std::map<std::string, LoadedPlugin> plugins;
    ~Loaded() {
      for (auto& [name, plugin] : plugins) plugin.table->destroy(plugin.instance);
    }
  };
  static std::mutex mutex;
  static Loaded loaded;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = loaded.plugins.find(name); it != loaded.plugins.end()) return &it->second;
  LoadedPlugin plugin;
  try {
    // Every check a host makes before calling a plugin (the conformance kit's loader).
    plugin.table = &conformance::PluginHandle::Open(PluginPath(name)).plugin();
  } catch (const std::exception& e) {
    ADD_FAILURE() << PluginPath(name) << ": " << e.what();
    return nullptr;
  }
  Status status = TakeError(plugin.table->initialize(&FakeHost(), &plugin.instance));
  if (!status.ok()) {
    ADD_FAILURE() << name << " failed to initialize: " << status.message;
    return nullptr;
  }
  return &(loaded.plugins[name] = plugin);
}

const ic_phase_cost& Emitted::operator[](ic_phase_id id) const {
  for (const ic_phase_cost& phase : phases) {
    if (phase.phase == id) return phase;
  }
  ADD_FAILURE() << "phase " << id << " was not emitted";
  static const ic_phase_cost missing{};
  return missing;
}

std::vector<ic_phase_id> Emitted::Ids() const {
  std::vector<ic_phase_id> ids;
  for (const ic_phase_cost& phase : phases) ids.push_back(phase.phase);
  return ids;
}

namespace {

// ABI 1.1 passes a latent-attention variant its ranks and form as options, not in the 1.0 shape
// fields: a 1.1-sized shape for "mla" is rewritten that way (the 1.0 fields zeroed, so a test
// passes only if the plugin reads the options). A shape sized as ABI 1.0 goes as it is (the 1.0
// caller's path). Storage lives until the process ends.
struct Converted {
  ic_attention_shape shape;
  ic_stage stage;
};

Converted AsOptions(const std::string& variant, const ic_attention_shape& shape,
                    const ic_stage& stage) {
  Converted out{shape, stage};
  if (variant != "mla" || shape.struct_size < sizeof(ic_attention_shape)) return out;
  static std::deque<std::vector<ic_option>> lists;
  std::vector<ic_option>& options = lists.emplace_back();
  for (const auto& [name, value] :
       {std::pair{"q_lora_rank", shape.q_lora_rank}, std::pair{"kv_lora_rank", shape.kv_lora_rank},
        std::pair{"qk_nope_head_dim", shape.qk_nope_head_dim},
        std::pair{"qk_rope_head_dim", shape.qk_rope_head_dim},
        std::pair{"v_head_dim", shape.v_head_dim}}) {
    options.push_back(conformance::IntOption(name, value, "plugin test"));
  }
  if (stage.mla_form != IC_MLA_FORM_DEFAULT) {
    const std::string form = stage.mla_form == IC_MLA_FORM_DECOMPRESS ? "decompress"
                             : stage.mla_form == IC_MLA_FORM_ABSORBED
                                 ? "absorbed"
                                 : std::to_string(stage.mla_form);
    options.push_back(conformance::StringOption("mla_form", form, "plugin test"));
  }
  out.shape.q_lora_rank = out.shape.kv_lora_rank = 0;
  out.shape.qk_nope_head_dim = out.shape.qk_rope_head_dim = 0;
  out.shape.v_head_dim = 0;
  out.shape.options = options.data();
  out.shape.option_count = options.size();
  out.shape.option_size = sizeof(ic_option);
  out.stage.mla_form = IC_MLA_FORM_DEFAULT;
  return out;
}

}  // namespace

Emitted EmitPhases(const std::string& variant, const ic_attention_shape& in_shape,
                   const ic_stage& in_stage) {
  const Converted c = AsOptions(variant, in_shape, in_stage);
  const ic_attention_shape& shape = c.shape;
  const ic_stage& stage = c.stage;
  Emitted out;
  const LoadedPlugin* plugin = Plugin(variant);
  const auto* table = KindTable<ic_attention_variant_table>(plugin);
  if (table == nullptr) return {{IC_STATUS_NOT_FOUND, variant}, {}};
  const ic_phase_sink sink = {sizeof(ic_phase_sink), 0, &out.phases, &CollectPhase};
  out.status = TakeError(table->emit_phases(plugin->instance, &shape, &stage, &sink));
  return out;
}

Status Validate(const std::string& variant, const ic_attention_shape& in_shape,
                int64_t tensor_parallel) {
  const ic_attention_shape shape = AsOptions(variant, in_shape, ic_stage{}).shape;
  const LoadedPlugin* plugin = Plugin(variant);
  const auto* table = KindTable<ic_attention_variant_table>(plugin);
  if (table == nullptr) return {IC_STATUS_NOT_FOUND, variant};
  return TakeError(table->validate(plugin->instance, &shape, tensor_parallel));
}

Bytes KvCacheBytesPerToken(const std::string& variant, const ic_attention_shape& in_shape,
                           const ic_stage& in_stage) {
  const Converted c = AsOptions(variant, in_shape, in_stage);
  const ic_attention_shape& shape = c.shape;
  const ic_stage& stage = c.stage;
  Bytes out;
  const LoadedPlugin* plugin = Plugin(variant);
  const auto* table = KindTable<ic_attention_variant_table>(plugin);
  if (table == nullptr) return {{IC_STATUS_NOT_FOUND, variant}, 0};
  out.status =
      TakeError(table->kv_cache_bytes_per_token(plugin->instance, &shape, &stage, &out.bytes));
  return out;
}

Status RewriteTraffic(const std::string& kernel, const ic_attention_shape& shape,
                      const ic_stage& stage, const ic_kernel_device& device,
                      std::vector<ic_phase_cost>& phases) {
  const LoadedPlugin* plugin = Plugin(kernel);
  const auto* table = KindTable<ic_attention_kernel_table>(plugin);
  if (table == nullptr) return {IC_STATUS_NOT_FOUND, kernel};
  // The 1.1 entry point, with this host's record size (the 1.0 one takes 1.0-size records).
  if (table->rewrite_phases == nullptr) return {IC_STATUS_NOT_FOUND, kernel + ".rewrite_phases"};
  return TakeError(table->rewrite_phases(plugin->instance, &shape, &stage, &device, phases.data(),
                                         phases.size(), sizeof(ic_phase_cost)));
}

Timed PhaseTime(const std::string& hardware, const ic_device& device, const ic_execution& execution,
                const ic_phase_cost& cost) {
  Timed out;
  out.time.struct_size = sizeof(ic_phase_time);
  const LoadedPlugin* plugin = Plugin(hardware);
  const auto* table = KindTable<ic_hardware_table>(plugin);
  if (table == nullptr) return {{IC_STATUS_NOT_FOUND, hardware}, {}};
  out.status =
      TakeError(table->phase_time(plugin->instance, &device, &execution, &cost, &out.time));
  return out;
}

Seconds CollectiveTime(const std::string& hardware, const ic_device& device,
                       const ic_execution& execution, const ic_collective& collective) {
  Seconds out;
  const LoadedPlugin* plugin = Plugin(hardware);
  const auto* table = KindTable<ic_hardware_table>(plugin);
  if (table == nullptr) return {{IC_STATUS_NOT_FOUND, hardware}, -1};
  out.status = TakeError(
      table->collective_time(plugin->instance, &device, &execution, &collective, &out.seconds));
  return out;
}

ic_attention_shape Llama3_70B() {
  ic_attention_shape shape{};
  shape.struct_size = sizeof(shape);
  shape.hidden_size = 8192;
  shape.num_heads = 64;
  shape.num_kv_heads = 8;
  shape.head_dim = 128;
  shape.v_head_dim = 128;
  return shape;
}

ic_attention_shape DeepSeekV3() {
  ic_attention_shape shape{};
  shape.struct_size = sizeof(shape);
  shape.hidden_size = 7168;
  shape.num_heads = 128;
  shape.num_kv_heads = 128;
  shape.head_dim = 192;  // nope 128 + rope 64
  shape.v_head_dim = 128;
  shape.q_lora_rank = 1536;
  shape.kv_lora_rank = 512;
  shape.qk_nope_head_dim = 128;
  shape.qk_rope_head_dim = 64;
  return shape;
}

namespace {
ic_stage BaseStage(ic_stage_kind kind, int64_t query_tokens, int64_t context_tokens) {
  ic_stage stage{};
  stage.struct_size = sizeof(stage);
  stage.kind = kind;
  stage.batch = 1;
  stage.query_tokens = query_tokens;
  stage.context_tokens = context_tokens;
  stage.weight_dtype = IC_DTYPE_FP8;
  stage.activation_dtype = IC_DTYPE_BF16;
  stage.kv_dtype = IC_DTYPE_FP8;
  stage.mla_form = IC_MLA_FORM_DEFAULT;
  stage.weight_bytes_per_element = 1;
  stage.activation_bytes_per_element = 2;
  stage.kv_bytes_per_element = 1;
  stage.tensor_parallel = 1;
  return stage;
}
}  // namespace

ic_stage DecodeStage(int64_t context_tokens) {
  return BaseStage(IC_STAGE_DECODE, 1, context_tokens);
}

ic_stage PrefillStage(int64_t tokens) { return BaseStage(IC_STAGE_PREFILL, tokens, tokens); }

}  // namespace infercost::testing
