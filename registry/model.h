// A model's architecture, as read from a preset (presets/models/*.toml) or a config.json.
//
//   ASSIGN_OR_RETURN(Model model, LoadModelPreset("presets/models/llama-3-70b.toml"));
//   model.num_layers;   // 80
#ifndef INFERCOST_REGISTRY_MODEL_H_
#define INFERCOST_REGISTRY_MODEL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "registry/dtype.h"

namespace infercost::registry {

enum class NormKind { kRmsNorm, kLayerNorm };
enum class FfnActivation { kSwiGlu, kGelu };  // gated (gate+up+down) vs plain (up+down)
// RMSNorm of the queries and keys: none, each head on its own (Qwen3: local to a GPU), or over
// all heads at once (MiniMax-M2's "per_layer": under tensor parallelism the shards' variances
// are all-reduced, one more all-reduce per layer).
enum class QkNorm { kNone, kPerHead, kPerLayer };

struct MoeConfig {
  int64_t num_experts = 0;
  int64_t experts_per_token = 0;
  int64_t num_shared_experts = 0;
  int64_t expert_intermediate_size = 0;
  int64_t first_dense_layers = 0;  // leading layers with a dense FFN (DeepSeek-V3: 3)
  bool operator==(const MoeConfig&) const = default;
};

// A named value for the model's attention-variant plugin (its own hyper-parameters, e.g. MLA's
// kv_lora_rank): from the preset's [variant] table, a config.json import or
// --variant-option. The host passes it on as an ic_option and never interprets it; the
// variant validates it.
struct VariantOption {
  std::string name;
  std::variant<int64_t, double, bool, std::string> value;
  std::string source;  // where it was set, for messages
  bool operator==(const VariantOption&) const = default;
};

struct Model {
  std::string name;  // registry key, e.g. "llama-3-70b"
  std::string display_name;
  // Other names the preset answers to (`aliases`, lowercased; e.g. a checkpoint of the same
  // architecture): a lookup by any of them finds it.
  std::vector<std::string> aliases;
  std::string family;
  std::string attention_variant;  // the attention-variant plugin's name (any loaded one)
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t v_head_dim = 0;  // per-head value dims; 0 = head_dim
  int64_t intermediate_size = 0;
  int64_t vocab_size = 0;
  bool tie_word_embeddings = false;
  NormKind norm = NormKind::kRmsNorm;
  FfnActivation ffn_activation = FfnActivation::kSwiGlu;
  int64_t max_context_tokens = 0;
  bool attention_bias = false;
  bool parallel_attention = false;
  QkNorm qk_norm = QkNorm::kNone;  // `qk_norm`: "none", "per_head", "per_layer"
  int64_t sliding_window = 0;      // 0 = no window
  // The layer pattern, one entry per layer (Hugging Face's layer_types: "full_attention",
  // "sliding_attention", "linear_attention", ...), passed to the variant as each layer's kind.
  // Empty: no pattern.
  std::vector<std::string> layer_types;
  std::optional<MoeConfig> moe;
  // The attention variant's own hyper-parameters and options.
  std::vector<VariantOption> variant_options;
  // Hybrid models: layer kinds (layer_types entries) costed by another variant plugin than
  // attention_variant, e.g. {"linear_attention", "gated_deltanet"} ([layer_variants] in a
  // preset), and those plugins' options by plugin name ([variants.NAME]).
  std::vector<std::pair<std::string, std::string>> layer_variants;
  std::map<std::string, std::vector<VariantOption>> layer_variant_options;
  // The block scales of the checkpoint's fp4 weights (`fp4_format`, "nvfp4" or "mxfp4"; a
  // config.json with quantization_config.quant_method "mxfp4"): what --weights fp4 streams.
  Fp4Format fp4_format = Fp4Format::kNvfp4;
  // The group scales of the checkpoint's int4 weights (`int4_group_size`): one bf16 scale per
  // that many values (compressed-tensors group 32, GPTQ / AWQ 128); 0: not counted.
  int64_t int4_group_size = 0;
  // Published checkpoints that quantize only the routed experts ([expert_only_quantization]:
  // the weights' dtype -> the dtype every other weight keeps, e.g. {"int4", "bf16"} for
  // Kimi-K2.5's int4 checkpoint). With that --weights, the routed experts take it and every other
  // weight (attention, dense layers, shared experts, router, embeddings, LM head) the other,
  // unless --expert-weights names the experts' dtype.
  std::map<std::string, std::string> expert_only_quantization;
  std::string source;  // file it came from
  // Free text about how the model was built (config.json imports: defaults applied, torch_dtype,
  // quantization_config); not used by any formula.
  std::string notes;
  // Assumptions an import made that change the numbers (e.g. num_key_value_heads absent, so
  // every head keeps its own K/V); every report of the model repeats them.
  std::vector<std::string> report_notes;
  // Field by field (pipelines built for one model are reused for an equal one).
  bool operator==(const Model&) const = default;
};

// The largest sizes a model may have. Far above any real model (hidden 2^24, 65,536 layers), they
// keep every product the ledger forms finite and every per-layer table small.
inline constexpr int64_t kMaxModelDimension = int64_t{1} << 24;  // widths, heads, ranks, vocab
inline constexpr int64_t kMaxModelLayers = int64_t{1} << 16;
inline constexpr int64_t kMaxModelExperts = int64_t{1} << 16;
inline constexpr int64_t kMaxModelContextTokens = int64_t{1} << 40;

// True for a name a plugin may have ([a-z0-9._-]{1,64}).
bool IsPluginName(std::string_view name);

// The value as text ("512", "0.5", "true", "absorbed").
std::string OptionValueText(const VariantOption& option);
// Parses `key=value` (--variant-option): integers, then numbers, then true/false, else a string.
absl::StatusOr<VariantOption> ParseVariantOption(std::string_view assignment,
                                                 const std::string& source);
// Sets `option` in `options`, replacing one of the same name.
void SetVariantOption(std::vector<VariantOption>& options, VariantOption option);

absl::StatusOr<Model> LoadModelPreset(const std::string& path);
// The same from TOML text; `source_name` stands for the file in messages.
absl::StatusOr<Model> ParseModelPreset(std::string_view text, const std::string& source_name);

// The kind of layer `layer` from the model's pattern ("" when the model has none).
std::string_view LayerType(const Model& model, int64_t layer);
// True when `layer` has a routed-expert FFN.
bool IsMoeLayer(const Model& model, int64_t layer);

// Every size within the kMax* bounds above; the error names the field, its value and the bound.
// Run before anything is allocated per layer.
absl::Status CheckModelSizes(const Model& model);

// Cross-field checks shared by every way a Model is built (preset, config.json, overrides);
// includes CheckModelSizes. Rules of an attention variant are the variant plugin's (checked
// when a scenario is built), not the registry's.
absl::Status ValidateModel(const Model& model);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_MODEL_H_
