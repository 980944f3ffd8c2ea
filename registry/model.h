// A model's architecture, as read from a preset (presets/models/*.toml) or a config.json.
//
//   ASSIGN_OR_RETURN(Model model, LoadModelPreset("presets/models/llama-3-70b.toml"));
//   model.num_layers;   // 80
#ifndef INFERCOST_REGISTRY_MODEL_H_
#define INFERCOST_REGISTRY_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace infercost::registry {

enum class NormKind { kRmsNorm, kLayerNorm };
enum class FfnActivation { kSwiGlu, kGelu };  // gated (gate+up+down) vs plain (up+down)

struct MoeConfig {
  int64_t num_experts = 0;
  int64_t experts_per_token = 0;
  int64_t num_shared_experts = 0;
  int64_t expert_intermediate_size = 0;
  int64_t first_dense_layers = 0;  // leading layers with a dense FFN (DeepSeek-V3: 3)
};

struct MlaConfig {
  int64_t q_lora_rank = 0;  // 0: queries are not compressed
  int64_t kv_lora_rank = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t v_head_dim = 0;
};

struct Model {
  std::string name;  // registry key, e.g. "llama-3-70b"
  std::string display_name;
  std::string family;
  std::string attention_variant;  // mha | gqa | mqa | mla
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t intermediate_size = 0;
  int64_t vocab_size = 0;
  bool tie_word_embeddings = false;
  NormKind norm = NormKind::kRmsNorm;
  FfnActivation ffn_activation = FfnActivation::kSwiGlu;
  int64_t max_context_tokens = 0;
  bool attention_bias = false;
  bool parallel_attention = false;
  int64_t sliding_window = 0;  // 0 = full attention
  // Hybrid attention: which layers use the sliding window (true) and which attend to the whole
  // context (false), one entry per layer. Empty: every layer uses `sliding_window`.
  std::vector<bool> sliding_layers;
  std::optional<MoeConfig> moe;
  std::optional<MlaConfig> mla;
  std::string source;  // file it came from
  // Free text about how the model was built (config.json imports: defaults applied, torch_dtype,
  // quantization_config); not used by any formula.
  std::string notes;
  // Assumptions an import made that change the numbers (e.g. num_key_value_heads absent, so
  // every head keeps its own K/V); every report of the model repeats them.
  std::vector<std::string> report_notes;
};

// The largest sizes a model may have. Far above any real model (hidden 2^24, 65,536 layers), they
// keep every product the ledger forms finite and every per-layer table small.
inline constexpr int64_t kMaxModelDimension = int64_t{1} << 24;  // widths, heads, ranks, vocab
inline constexpr int64_t kMaxModelLayers = int64_t{1} << 16;
inline constexpr int64_t kMaxModelExperts = int64_t{1} << 16;
inline constexpr int64_t kMaxModelContextTokens = int64_t{1} << 40;

// Attention variants a model preset may name.
const std::vector<std::string>& KnownAttentionVariants();

absl::StatusOr<Model> LoadModelPreset(const std::string& path);
// The same from TOML text; `source_name` stands for the file in messages.
absl::StatusOr<Model> ParseModelPreset(std::string_view text, const std::string& source_name);

// The window of layer `layer` (0 = full attention).
int64_t LayerWindow(const Model& model, int64_t layer);
// True when `layer` has a routed-expert FFN.
bool IsMoeLayer(const Model& model, int64_t layer);

// Every size within the kMax* bounds above; the error names the field, its value and the bound.
// Run before anything is allocated per layer.
absl::Status CheckModelSizes(const Model& model);

// Cross-field checks shared by every way a Model is built (preset, config.json, overrides);
// includes CheckModelSizes.
absl::Status ValidateModel(const Model& model);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_MODEL_H_
