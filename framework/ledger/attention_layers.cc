#include "framework/ledger/attention_layers.h"

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"

namespace infercost::framework {
namespace {

ic_string Str(const std::string& s) { return ic_string{s.data(), s.size()}; }

ic_option Record(const registry::VariantOption& option) {
  ic_option record{};
  record.struct_size = sizeof(ic_option);
  record.name = Str(option.name);
  record.source = Str(option.source);
  if (const auto* i = std::get_if<int64_t>(&option.value)) {
    record.type = IC_VALUE_INT;
    record.int_value = *i;
    record.float_value = static_cast<double>(*i);
  } else if (const auto* d = std::get_if<double>(&option.value)) {
    record.type = IC_VALUE_FLOAT;
    record.float_value = *d;
  } else if (const auto* b = std::get_if<bool>(&option.value)) {
    record.type = IC_VALUE_BOOL;
    record.int_value = *b ? 1 : 0;
  } else {
    record.type = IC_VALUE_STRING;
    record.string_value = Str(std::get<std::string>(option.value));
  }
  return record;
}

// The ABI shape of `model` carrying `binding`'s options.
ic_attention_shape ShapeOf(const registry::Model& model, const VariantBinding& binding) {
  ic_attention_shape shape{};
  shape.struct_size = sizeof(ic_attention_shape);
  shape.flags = model.attention_bias ? static_cast<uint32_t>(IC_ATTENTION_FLAG_QKV_BIAS) : 0u;
  shape.hidden_size = model.hidden_size;
  shape.num_heads = model.num_attention_heads;
  shape.num_kv_heads = model.num_kv_heads;
  shape.head_dim = model.head_dim;
  shape.v_head_dim = model.v_head_dim > 0 ? model.v_head_dim : model.head_dim;
  shape.sliding_window = model.sliding_window;
  shape.options = binding.records.empty() ? nullptr : binding.records.data();
  shape.option_count = binding.records.size();
  shape.option_size = sizeof(ic_option);
  shape.num_layers = model.num_layers;
  return shape;
}

// The variant of the layers of `kind`: the one layer_variants names for it, else the model's.
size_t VariantOfKind(const registry::Model& model, const std::vector<std::string>& names,
                     const std::string& kind) {
  for (const auto& [layer_kind, plugin] : model.layer_variants) {
    if (layer_kind != kind) continue;
    for (size_t v = 0; v < names.size(); ++v) {
      if (names[v] == plugin) return v;
    }
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const AttentionLayers>> AttentionLayers::Create(
    const registry::Model& model, std::vector<VariantInput> variants, int64_t tensor_parallel) {
  std::shared_ptr<AttentionLayers> out(new AttentionLayers());
  std::vector<std::string> names;
  for (VariantInput& input : variants) {
    auto binding = std::make_unique<VariantBinding>(
        VariantBinding{input.name, std::move(input.plugin), std::move(input.options), {}, {}});
    binding->records.reserve(binding->options.size());
    for (const registry::VariantOption& option : binding->options) {
      binding->records.push_back(Record(option));
    }
    binding->shape = ShapeOf(model, *binding);
    names.push_back(binding->name);
    out->variants_.push_back(std::move(binding));
  }
  out->layer_types_ = model.layer_types;

  // A hybrid model's other variants, for messages: how a user reaches their options.
  std::vector<std::string> others;
  for (size_t v = 1; v < out->variants_.size(); ++v) others.push_back(out->variants_[v]->name);
  const std::string reach = others.empty()
                                ? ""
                                : fmt::format(
                                      "; the options of this model's per-layer variants ({}) are "
                                      "set as --variant-option VARIANT.KEY=VALUE",
                                      absl::StrJoin(others, ", "));
  // (Validate's messages begin "attention variant NAME:", which says which of them failed.)
  for (const auto& binding : out->variants_) {
    if (absl::Status status = binding->plugin.Validate(binding->shape, 1); !status.ok()) {
      return absl::InvalidArgumentError(fmt::format("model {} ({}): {}{}", model.name, model.source,
                                                    std::string(status.message()), reach));
    }
    if (absl::Status status = binding->plugin.Validate(binding->shape, tensor_parallel);
        !status.ok()) {
      return absl::InvalidArgumentError(fmt::format("tensor parallel {} does not fit {}: {}",
                                                    tensor_parallel, model.name,
                                                    std::string(status.message())));
    }
  }

  static const std::string kNoKind;
  out->class_of_layer_.reserve(static_cast<size_t>(model.num_layers));
  for (int64_t index = 0; index < model.num_layers; ++index) {
    const std::string& kind =
        out->layer_types_.empty() ? kNoKind : out->layer_types_[static_cast<size_t>(index)];
    const size_t v = VariantOfKind(model, names, kind);
    const VariantBinding& binding = *out->variants_[v];
    const ic_layer layer{sizeof(ic_layer), 0, index, model.num_layers, Str(kind)};
    absl::StatusOr<uint64_t> id = binding.plugin.ClassifyLayer(binding.shape, layer);
    if (!id.ok()) {
      return absl::InvalidArgumentError(fmt::format("model {} ({}): {}", model.name, model.source,
                                                    std::string(id.status().message())));
    }
    size_t found = out->classes_.size();
    for (size_t c = 0; c < out->classes_.size(); ++c) {
      if (out->classes_[c].variant == v && out->classes_[c].id == *id) found = c;
    }
    if (found == out->classes_.size()) out->classes_.push_back({v, *id, kind, 0, layer});
    ++out->classes_[found].layers;
    out->class_of_layer_.push_back(found);
  }
  return std::shared_ptr<const AttentionLayers>(std::move(out));
}

}  // namespace infercost::framework
