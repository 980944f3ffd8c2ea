#include "registry/model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <vector>

#include "absl/strings/numbers.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "infercost/sdk/abi_support.h"
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

// [expert_only_quantization]: each key a weight dtype whose published checkpoint quantizes only
// the routed experts, its value the dtype every other weight keeps (e.g. int4 = "bf16").
absl::StatusOr<std::map<std::string, std::string>> ReadExpertOnlyQuantization(
    const std::string& path, const toml::table& table, bool has_experts) {
  if (!has_experts) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: [expert_only_quantization] needs routed experts: add a [moe] table or remove it",
        path));
  }
  std::map<std::string, std::string> out;
  for (const auto& [key, node] : table) {
    const std::string quantized(key.str());
    const std::optional<std::string> other = node.value_exact<std::string>();
    const absl::StatusOr<DType> quantized_dtype = ParseDType(quantized);
    const absl::StatusOr<DType> other_dtype =
        other ? ParseDType(*other) : absl::InvalidArgumentError("not a string");
    if (!quantized_dtype.ok() || !other_dtype.ok()) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: [expert_only_quantization] {} = {}: each key is a weight dtype and its value the "
          "dtype the checkpoint keeps every weight but the routed experts in, both among {} (e.g. "
          "int4 = \"bf16\")",
          path, quantized, other ? fmt::format("\"{}\"", *other) : "(not a string)", DTypeNames()));
    }
    out[std::string(quantized_dtype->name)] = std::string(other_dtype->name);
  }
  return out;
}

// A [variant] (or [variants.NAME]) table at `where`: every key is an option of the
// attention-variant plugin, passed on as it is (integers, floats, booleans, strings). The plugin
// validates them.
absl::StatusOr<std::vector<VariantOption>> ReadVariantTable(const std::string& path,
                                                            const toml::table& table,
                                                            const std::string& where) {
  std::vector<VariantOption> options;
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    VariantOption option{name, int64_t{0}, fmt::format("{} {}", path, where)};
    if (auto i = node.value_exact<int64_t>()) {
      option.value = *i;
    } else if (auto d = node.value_exact<double>()) {
      option.value = *d;
    } else if (auto b = node.value_exact<bool>()) {
      option.value = *b;
    } else if (auto str = node.value_exact<std::string>()) {
      option.value = *str;
    } else {
      return absl::InvalidArgumentError(fmt::format(
          "{}: {} {} must be an integer, a number, true/false or a string", path, where, name));
    }
    options.push_back(std::move(option));
  }
  return options;
}

bool IsLayerTypeName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// `layer_types = ["sliding_attention", "full_attention"]`: a cycle repeated over the layers, or
// one entry per layer (Hugging Face's names; any [a-z0-9_] name the variant understands).
absl::StatusOr<std::vector<std::string>> ReadLayerTypes(const TomlReader& reader,
                                                        int64_t num_layers) {
  if (reader.Raw("layer_types") == nullptr) return std::vector<std::string>{};
  ASSIGN_OR_RETURN(std::vector<std::string> cycle, reader.OptionalStrings("layer_types"));
  if (cycle.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: expected a non-empty array of layer kinds such as \"full_attention\"",
                    reader.Where("layer_types")));
  }
  for (const std::string& kind : cycle) {
    if (!IsLayerTypeName(kind)) {
      return absl::InvalidArgumentError(
          fmt::format("{}: entries must be layer kinds made of a-z, 0-9 and _ (e.g. "
                      "\"full_attention\", \"sliding_attention\")",
                      reader.Where("layer_types")));
    }
  }
  if (static_cast<int64_t>(cycle.size()) > num_layers) {
    return absl::InvalidArgumentError(
        fmt::format("{}: lists {} layers; the model has num_layers = {}",
                    reader.Where("layer_types"), cycle.size(), num_layers));
  }
  std::vector<std::string> layers(static_cast<size_t>(num_layers));
  for (size_t i = 0; i < layers.size(); ++i) layers[i] = cycle[i % cycle.size()];
  return layers;
}

absl::Status Invalid(const Model& model, const std::string& message) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", model.source, message));
}

}  // namespace

bool IsPluginName(std::string_view name) { return sdk::IsPluginName(name); }

std::string OptionValueText(const VariantOption& option) {
  struct Text {
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return fmt::format("{}", v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return v; }
  };
  return std::visit(Text{}, option.value);
}

absl::StatusOr<VariantOption> ParseVariantOption(std::string_view assignment,
                                                 const std::string& source) {
  const size_t eq = assignment.find('=');
  const std::string_view name = assignment.substr(0, eq);
  bool name_ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    name_ok = name_ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.');
  }
  if (eq == std::string_view::npos || !name_ok || eq + 1 == assignment.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "{} \"{}\" is not key=value with a key of a-z, 0-9, _ and . (e.g. mla_form=absorbed)",
        source, assignment));
  }
  const std::string value(assignment.substr(eq + 1));
  VariantOption option{std::string(name), value, source};
  int64_t integer = 0;
  double number = 0;
  if (absl::SimpleAtoi(value, &integer)) {
    option.value = integer;
  } else if (absl::SimpleAtod(value, &number) && std::isfinite(number)) {
    option.value = number;
  } else if (value == "true" || value == "false") {
    option.value = value == "true";
  }
  return option;
}

void SetVariantOption(std::vector<VariantOption>& options, VariantOption option) {
  for (VariantOption& existing : options) {
    if (existing.name == option.name) {
      existing = std::move(option);
      return;
    }
  }
  options.push_back(std::move(option));
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
  ASSIGN_OR_RETURN(model.aliases, ReadAliases(reader));
  ASSIGN_OR_RETURN(model.family, reader.String("family"));
  ASSIGN_OR_RETURN(model.attention_variant, reader.String("attention_variant"));
  if (!IsPluginName(model.attention_variant)) {
    return absl::InvalidArgumentError(
        fmt::format("{}: \"{}\" is not a plugin name (a-z, 0-9, '.', '_', '-'; e.g. \"gqa\")",
                    reader.Where("attention_variant"), model.attention_variant));
  }
  ASSIGN_OR_RETURN(model.hidden_size, reader.PositiveInt("hidden_size", kMaxModelDimension));
  ASSIGN_OR_RETURN(model.num_layers, reader.PositiveInt("num_layers", kMaxModelLayers));
  ASSIGN_OR_RETURN(model.num_attention_heads,
                   reader.PositiveInt("num_attention_heads", kMaxModelDimension));
  ASSIGN_OR_RETURN(model.num_kv_heads, reader.PositiveInt("num_kv_heads", kMaxModelDimension));
  ASSIGN_OR_RETURN(model.head_dim, reader.PositiveInt("head_dim", kMaxModelDimension));
  ASSIGN_OR_RETURN(model.v_head_dim, reader.NonNegativeInt("v_head_dim", 0, kMaxModelDimension));
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
  ASSIGN_OR_RETURN(const std::string qk_norm,
                   reader.OptionalChoice("qk_norm", {"none", "per_head", "per_layer"}, "none"));
  model.qk_norm = qk_norm == "per_layer"  ? QkNorm::kPerLayer
                  : qk_norm == "per_head" ? QkNorm::kPerHead
                                          : QkNorm::kNone;
  ASSIGN_OR_RETURN(model.sliding_window,
                   reader.NonNegativeInt("sliding_window", 0, kMaxModelContextTokens));
  ASSIGN_OR_RETURN(model.layer_types, ReadLayerTypes(reader, model.num_layers));
  ASSIGN_OR_RETURN(const std::string fp4_format,
                   reader.OptionalChoice("fp4_format", {"nvfp4", "mxfp4"}, "nvfp4"));
  model.fp4_format = fp4_format == "mxfp4" ? Fp4Format::kMxfp4 : Fp4Format::kNvfp4;
  ASSIGN_OR_RETURN(model.int4_group_size,
                   reader.NonNegativeInt("int4_group_size", 0, kMaxModelDimension));
  ASSIGN_OR_RETURN(const toml::table* moe, reader.OptionalTable("moe"));
  if (moe != nullptr) {
    ASSIGN_OR_RETURN(model.moe, ReadMoe(path, *moe));
  }
  ASSIGN_OR_RETURN(const toml::table* expert_only,
                   reader.OptionalTable("expert_only_quantization"));
  if (expert_only != nullptr) {
    ASSIGN_OR_RETURN(model.expert_only_quantization,
                     ReadExpertOnlyQuantization(path, *expert_only, model.moe.has_value()));
  }
  ASSIGN_OR_RETURN(const toml::table* variant, reader.OptionalTable("variant"));
  if (variant != nullptr) {
    ASSIGN_OR_RETURN(model.variant_options, ReadVariantTable(path, *variant, "[variant]"));
  }
  ASSIGN_OR_RETURN(const toml::table* layer_variants, reader.OptionalTable("layer_variants"));
  if (layer_variants != nullptr) {
    for (const auto& [key, node] : *layer_variants) {
      const std::string kind(key.str());
      auto plugin = node.value<std::string>();
      if (!IsLayerTypeName(kind) || !plugin || !IsPluginName(*plugin)) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: [layer_variants] entries map a layer kind to an attention-variant plugin name, "
            "e.g. linear_attention = \"gated_deltanet\"; '{}' is not one",
            path, kind));
      }
      model.layer_variants.emplace_back(kind, *plugin);
    }
  }
  ASSIGN_OR_RETURN(const toml::table* variants, reader.OptionalTable("variants"));
  if (variants != nullptr) {
    for (const auto& [key, node] : *variants) {
      const std::string name(key.str());
      const toml::table* options = node.as_table();
      if (options == nullptr || !IsPluginName(name)) {
        return absl::InvalidArgumentError(
            fmt::format("{}: [variants.{}] must be a table of options of the plugin named {}", path,
                        name, name));
      }
      ASSIGN_OR_RETURN(model.layer_variant_options[name],
                       ReadVariantTable(path, *options, fmt::format("[variants.{}]", name)));
    }
  }
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  RETURN_IF_ERROR(ValidateModel(model));
  return model;
}

std::string_view LayerType(const Model& model, int64_t layer) {
  if (model.layer_types.empty()) return {};
  return model.layer_types[static_cast<size_t>(layer)];
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
      {"v_head_dim", model.v_head_dim, 0, kMaxModelDimension},
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
  if (!IsPluginName(model.attention_variant)) {
    return Invalid(model, fmt::format("attention_variant \"{}\" is not a plugin name (a-z, 0-9, "
                                      "'.', '_', '-'; e.g. \"gqa\")",
                                      model.attention_variant));
  }
  if (!model.layer_types.empty() &&
      static_cast<int64_t>(model.layer_types.size()) != model.num_layers) {
    return Invalid(model, fmt::format("layer_types lists {} layers; the model has num_layers = {}",
                                      model.layer_types.size(), model.num_layers));
  }
  for (const auto& [kind, plugin] : model.layer_variants) {
    if (std::find(model.layer_types.begin(), model.layer_types.end(), kind) ==
        model.layer_types.end()) {
      return Invalid(model, fmt::format("[layer_variants] names layer kind {} ({}), which no entry "
                                        "of layer_types has",
                                        kind, plugin));
    }
  }
  for (const auto& [plugin, options] : model.layer_variant_options) {
    const bool used = std::any_of(model.layer_variants.begin(), model.layer_variants.end(),
                                  [&](const auto& entry) { return entry.second == plugin; });
    if (!used) {
      return Invalid(model, fmt::format("[variants.{}] gives options to a plugin no "
                                        "[layer_variants] entry names; its options would reach "
                                        "nothing (use [variant] for attention_variant's)",
                                        plugin));
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
