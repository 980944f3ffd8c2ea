// Imports a Hugging Face `config.json` as a Model, for `--model path/to/config.json`.
//
//   ASSIGN_OR_RETURN(Model model, LoadHuggingFaceConfig("models/llama-3.1-8b/config.json"));
//   model.name;        // "llama-3.1-8b" (the folder holding config.json)
//   model.num_kv_heads; // 8 (num_key_value_heads)
//
// Supported architectures (architectures[0], else model_type): Llama, Mistral, Mixtral, Qwen2,
// Qwen2-MoE, Qwen3, Qwen3-MoE, DeepSeek-V2/V3, Gemma-2, Gemma-3 (text, also inside
// Gemma3ForConditionalGeneration's text_config) and gpt-oss. Anything else is InvalidArgument with
// the list. Missing required fields are named all at once; a field of the wrong JSON type is named
// with the expected type and the value found.
//
// Mappings that are not one-to-one (also recorded in Model::notes of each import):
// - num_key_value_heads absent: = num_attention_heads (mha); 1: mqa; otherwise gqa. DeepSeek: mla.
// - head_dim absent: hidden_size / num_attention_heads. DeepSeek: qk_nope_head_dim +
//   qk_rope_head_dim (a config's own head_dim key is ignored there).
// - Every supported family has a gated FFN (SwiGLU, or GeGLU for Gemma, clamped SwiGLU for
//   gpt-oss): all import as ffn_activation swiglu, the gated form. Norms are RMSNorm.
// - Qwen2-MoE's single shared expert of width shared_expert_intermediate_size S is modelled as
//   ceil(S / moe_intermediate_size) shared experts of the routed width; exact (same weights and
//   FLOPs) when it divides, as for Qwen1.5-MoE-A2.7B (5632 / 1408 = 4) and Qwen2-57B-A14B
//   (20480 / 2560 = 8). Its sigmoid shared-expert gate (hidden_size weights) is not counted.
// - Leading dense layers: first_k_dense_replace (DeepSeek), or mlp_only_layers = [0, 1, ..., k-1]
//   with decoder_sparse_step 1 (Qwen-MoE). Other sparse layouts are rejected.
// - Sliding windows: layer_types when present (must list every layer); else Gemma-3's
//   sliding_window_pattern N (every Nth layer global), Gemma-2's alternation (even layers local),
//   gpt-oss's alternation (even layers local); Mistral/Mixtral apply sliding_window to every
//   layer; Qwen2/Qwen3 only when use_sliding_window is true (layers >= max_window_layers).
// - Family defaults where real configs omit a key (transformers' config-class defaults):
//   tie_word_embeddings true for Gemma, false elsewhere; attention_bias true for Qwen2 (its q/k/v
//   projections carry a bias with no config key); Gemma-3 text: vocab_size 262208,
//   max_position_embeddings 131072, sliding_window_pattern 6; Gemma sliding_window 4096.
// - torch_dtype (or dtype), hidden_act and quantization_config (quant_method, bits) are recorded
//   in Model::notes only; they do not change the architecture.
#ifndef INFERCOST_REGISTRY_HF_CONFIG_H_
#define INFERCOST_REGISTRY_HF_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "registry/model.h"

namespace infercost::registry {

// Reads `path` (a config.json) and returns a validated Model whose source is `path`.
// The attention-variant plugin an import names for each kind of attention it finds. Data, not
// code: presets/hf-import.toml ([attention]) sets them (LoadPresets reads it).
struct HfVariantNames {
  std::string latent;         // kv_lora_rank present (DeepSeek-V2/V3)
  std::string sparse_latent;  // the same with a sparse-attention indexer (DeepSeek-V3.2)
  std::string linear;         // linear-attention layers of hybrid models (Qwen3-Next)
  std::string multi_head;     // num_key_value_heads = num_attention_heads, or absent
  std::string multi_query;    // num_key_value_heads = 1
  std::string grouped_query;  // any other num_key_value_heads
};
// Reads the [attention] table of an hf-import.toml; every key required, each a plugin name.
absl::StatusOr<HfVariantNames> LoadHfVariantNames(const std::string& path);

absl::StatusOr<Model> LoadHuggingFaceConfig(const std::string& path, const HfVariantNames& names);
// The same from the text of a config.json; `path` names it in messages and gives the model its
// name (the folder holding it).
absl::StatusOr<Model> ParseHuggingFaceConfig(std::string_view text, const std::string& path,
                                             const HfVariantNames& names);

// The architectures[0] names LoadHuggingFaceConfig accepts.
const std::vector<std::string>& SupportedHuggingFaceArchitectures();

// The registry name of an imported config: the name of the folder holding it, or when that is
// empty or a Hugging Face cache snapshot hash, the last component of `name_or_path`
// (`_name_or_path`), else "hf-model". Lowercase. Exposed for tests.
std::string HuggingFaceModelName(const std::string& path, const std::string& name_or_path);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_HF_CONFIG_H_
