#include "registry/model.h"

#include <vector>

#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "registry/toml_reader.h"

namespace infercost::registry {
namespace {

absl::StatusOr<MoeConfig> ReadMoe(const std::string& path, const toml::table& table) {
  TomlReader reader(path, table, "moe");
  MoeConfig moe;
  ASSIGN_OR_RETURN(moe.num_experts, reader.PositiveInt("num_experts", kMaxModelExperts));
  ASSIGN_OR_RETURN(moe.experts_per_token,
                   reader.PositiveInt("experts_per_token", kMaxModelExperts));
  ASSIGN_OR_RETURN(moe.num_shared_experts,
                   reader.NonNegativeInt("num_shared_experts", 0, kMaxModelExperts));
  ASSIGN_OR_RETURN(moe.expert_intermediate_size,
                   reader.PositiveInt("expert_intermediate_size", kMaxModelDimension));
  ASSIGN_OR_RETURN(moe.first_dense_layers,
                   reader.NonNegativeInt("first_dense_layers", 0, kMaxModelLayers));
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  return moe;
}

absl::StatusOr<MlaConfig> ReadMla(const std::string& path, const toml::table& table) {
  TomlReader reader(path, table, "mla");
  MlaConfig mla;
  ASSIGN_OR_RETURN(mla.q_lora_rank, reader.NonNegativeInt("q_lora_rank", 0, kMaxModelDimension));
  ASSIGN_OR_RETURN(mla.kv_lora_rank, reader.PositiveInt("kv_lora_rank", kMaxModelDimension));
  ASSIGN_OR_RETURN(mla.qk_nope_head_dim,
                   reader.PositiveInt("qk_nope_head_dim", kMaxModelDimension));
  ASSIGN_OR_RETURN(mla.qk_rope_head_dim,
                   reader.PositiveInt("qk_rope_head_dim", kMaxModelDimension));
  ASSIGN_OR_RETURN(mla.v_head_dim, reader.PositiveInt("v_head_dim", kMaxModelDimension));
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  return mla;
}

// `layer_types = ["sliding_attention", "full_attention"]`: a cycle repeated over the layers, or
// one entry per layer (Hugging Face's names).
absl::StatusOr<std::vector<bool>> ReadLayerTypes(const TomlReader& reader, int64_t num_layers) {
  const toml::node* node = reader.Raw("layer_types");
  if (node == nullptr) return std::vector<bool>{};
  const toml::array* types = node->as_array();
  if (types == nullptr || types->empty()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: expected a non-empty array of \"sliding_attention\" / \"full_attention\"",
                    reader.Where("layer_types")));
  }
  std::vector<bool> cycle;
  for (const toml::node& entry : *types) {
    auto value = entry.value<std::string>();
    if (!value || (*value != "sliding_attention" && *value != "full_attention")) {
      return absl::InvalidArgumentError(
          fmt::format("{}: entries must be \"sliding_attention\" or \"full_attention\"",
                      reader.Where("layer_types")));
    }
    cycle.push_back(*value == "sliding_attention");
  }
  std::vector<bool> layers(static_cast<size_t>(num_layers));
  for (size_t i = 0; i < layers.size(); ++i) layers[i] = cycle[i % cycle.size()];
  return layers;
}

absl::Status Invalid(const Model& model, const std::string& message) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", model.source, message));
}

}  // namespace

const std::vector<std::string>& KnownAttentionVariants() {
  static const std::vector<std::string> kVariants = {"mha", "gqa", "mqa", "mla"};
  return kVariants;
}

absl::StatusOr<Model> ModelFromToml(const toml::table& root, const std::string& path);

absl::StatusOr<Model> LoadModelPreset(const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(path));
  return ModelFromToml(root, path);
}

absl::StatusOr<Model> ParseModelPreset(std::string_view text, const std::string& source_name) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlText(text, source_name));
  return ModelFromToml(root, source_name);
}

absl::StatusOr<Model> ModelFromToml(const toml::table& root, const std::string& path) {
  TomlReader reader(path, root);
  Model model;
  model.source = path;
  ASSIGN_OR_RETURN(model.name, reader.String("name"));
  ASSIGN_OR_RETURN(model.display_name, reader.String("display_name"));
  ASSIGN_OR_RETURN(model.family, reader.String("family"));
  ASSIGN_OR_RETURN(model.attention_variant,
                   reader.Choice("attention_variant", KnownAttentionVariants()));
  ASSIGN_OR_RETURN(model.hidden_size, reader.PositiveInt("hidden_size", kMaxModelDimension));
  ASSIGN_OR_RETURN(model.num_layers, reader.PositiveInt("num_layers", kMaxModelLayers));
  ASSIGN_OR_RETURN(model.num_attention_heads,
                   reader.PositiveInt("num_attention_heads", kMaxModelDimension));
  ASSIGN_OR_RETURN(model.num_kv_heads, reader.PositiveInt("num_kv_heads", kMaxModelDimension));
  ASSIGN_OR_RETURN(model.head_dim, reader.PositiveInt("head_dim", kMaxModelDimension));
  ASSIGN_OR_RETURN(model.intermediate_size,
                   reader.PositiveInt("intermediate_size", kMaxModelDimension));
  ASSIGN_OR_RETURN(model.vocab_size, reader.PositiveInt("vocab_size", kMaxModelDimension));
  ASSIGN_OR_RETURN(model.tie_word_embeddings, reader.Bool("tie_word_embeddings"));
  ASSIGN_OR_RETURN(std::string norm, reader.Choice("norm", {"rmsnorm", "layernorm"}));
  model.norm = norm == "rmsnorm" ? NormKind::kRmsNorm : NormKind::kLayerNorm;
  ASSIGN_OR_RETURN(std::string activation, reader.Choice("ffn_activation", {"swiglu", "gelu"}));
  model.ffn_activation = activation == "swiglu" ? FfnActivation::kSwiGlu : FfnActivation::kGelu;
  ASSIGN_OR_RETURN(model.max_context_tokens,
                   reader.PositiveInt("max_context_tokens", kMaxModelContextTokens));
  ASSIGN_OR_RETURN(model.attention_bias, reader.Bool("attention_bias", false));
  ASSIGN_OR_RETURN(model.parallel_attention, reader.Bool("parallel_attention", false));
  ASSIGN_OR_RETURN(model.sliding_window,
                   reader.NonNegativeInt("sliding_window", 0, kMaxModelContextTokens));
  ASSIGN_OR_RETURN(model.sliding_layers, ReadLayerTypes(reader, model.num_layers));
  ASSIGN_OR_RETURN(const toml::table* moe, reader.OptionalTable("moe"));
  if (moe != nullptr) {
    ASSIGN_OR_RETURN(model.moe, ReadMoe(path, *moe));
  }
  ASSIGN_OR_RETURN(const toml::table* mla, reader.OptionalTable("mla"));
  if (mla != nullptr) {
    ASSIGN_OR_RETURN(model.mla, ReadMla(path, *mla));
  }
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  RETURN_IF_ERROR(ValidateModel(model));
  return model;
}

int64_t LayerWindow(const Model& model, int64_t layer) {
  if (model.sliding_layers.empty()) return model.sliding_window;
  return model.sliding_layers[static_cast<size_t>(layer)] ? model.sliding_window : 0;
}

bool IsMoeLayer(const Model& model, int64_t layer) {
  return model.moe.has_value() && layer >= model.moe->first_dense_layers;
}

absl::Status CheckModelSizes(const Model& model) {
  struct Size {
    const char* field;
    int64_t value;
    int64_t min;
    int64_t max;
  };
  std::vector<Size> sizes = {
      {"hidden_size", model.hidden_size, 1, kMaxModelDimension},
      {"num_layers", model.num_layers, 1, kMaxModelLayers},
      {"num_attention_heads", model.num_attention_heads, 1, kMaxModelDimension},
      {"num_kv_heads", model.num_kv_heads, 1, kMaxModelDimension},
      {"head_dim", model.head_dim, 1, kMaxModelDimension},
      {"intermediate_size", model.intermediate_size, 1, kMaxModelDimension},
      {"vocab_size", model.vocab_size, 1, kMaxModelDimension},
      {"max_context_tokens", model.max_context_tokens, 1, kMaxModelContextTokens},
      {"sliding_window", model.sliding_window, 0, kMaxModelContextTokens},
  };
  if (model.moe) {
    sizes.push_back({"moe.num_experts", model.moe->num_experts, 1, kMaxModelExperts});
    sizes.push_back({"moe.experts_per_token", model.moe->experts_per_token, 1, kMaxModelExperts});
    sizes.push_back({"moe.num_shared_experts", model.moe->num_shared_experts, 0, kMaxModelExperts});
    sizes.push_back({"moe.expert_intermediate_size", model.moe->expert_intermediate_size, 1,
                     kMaxModelDimension});
    sizes.push_back({"moe.first_dense_layers", model.moe->first_dense_layers, 0, kMaxModelLayers});
  }
  if (model.mla) {
    sizes.push_back({"mla.q_lora_rank", model.mla->q_lora_rank, 0, kMaxModelDimension});
    sizes.push_back({"mla.kv_lora_rank", model.mla->kv_lora_rank, 1, kMaxModelDimension});
    sizes.push_back({"mla.qk_nope_head_dim", model.mla->qk_nope_head_dim, 1, kMaxModelDimension});
    sizes.push_back({"mla.qk_rope_head_dim", model.mla->qk_rope_head_dim, 1, kMaxModelDimension});
    sizes.push_back({"mla.v_head_dim", model.mla->v_head_dim, 1, kMaxModelDimension});
  }
  for (const Size& size : sizes) {
    if (size.value < size.min || size.value > size.max) {
      return Invalid(model, fmt::format("{} = {} is out of range; allowed: {}..{}", size.field,
                                        size.value, size.min, size.max));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateModel(const Model& model) {
  RETURN_IF_ERROR(CheckModelSizes(model));
  const int64_t heads = model.num_attention_heads;
  const int64_t kv_heads = model.num_kv_heads;
  if (heads % kv_heads != 0) {
    return Invalid(model, fmt::format("num_attention_heads = {} is not a multiple of num_kv_heads "
                                      "= {}; each KV head must serve a whole group of query heads",
                                      heads, kv_heads));
  }
  const std::string& variant = model.attention_variant;
  if (variant == "mha" && kv_heads != heads) {
    return Invalid(model, fmt::format("attention_variant = \"mha\" needs num_kv_heads = "
                                      "num_attention_heads ({}), got {}; use \"gqa\"",
                                      heads, kv_heads));
  }
  if (variant == "mqa" && kv_heads != 1) {
    return Invalid(model, fmt::format("attention_variant = \"mqa\" needs num_kv_heads = 1, got "
                                      "{}; use \"gqa\"",
                                      kv_heads));
  }
  if ((variant == "mla") != model.mla.has_value()) {
    return Invalid(model, variant == "mla"
                              ? "attention_variant = \"mla\" needs an [mla] table"
                              : fmt::format("an [mla] table needs attention_variant = \"mla\" "
                                            "(got \"{}\")",
                                            variant));
  }
  if (model.mla && model.head_dim != model.mla->qk_nope_head_dim + model.mla->qk_rope_head_dim) {
    return Invalid(model, fmt::format("head_dim = {} must equal mla.qk_nope_head_dim + "
                                      "mla.qk_rope_head_dim = {}",
                                      model.head_dim,
                                      model.mla->qk_nope_head_dim + model.mla->qk_rope_head_dim));
  }
  if (!model.sliding_layers.empty()) {
    if (static_cast<int64_t>(model.sliding_layers.size()) != model.num_layers) {
      return Invalid(model,
                     fmt::format("layer_types lists {} layers; the model has num_layers = {}",
                                 model.sliding_layers.size(), model.num_layers));
    }
    if (model.sliding_window == 0) {
      return Invalid(model,
                     "layer_types names sliding_attention layers but sliding_window is 0; "
                     "set sliding_window");
    }
  }
  if (model.moe) {
    if (model.moe->experts_per_token > model.moe->num_experts) {
      return Invalid(model, fmt::format("moe.experts_per_token = {} exceeds moe.num_experts = {}",
                                        model.moe->experts_per_token, model.moe->num_experts));
    }
    if (model.moe->first_dense_layers > model.num_layers) {
      return Invalid(model, fmt::format("moe.first_dense_layers = {} exceeds num_layers = {}",
                                        model.moe->first_dense_layers, model.num_layers));
    }
  }
  return absl::OkStatus();
}

}  // namespace infercost::registry
