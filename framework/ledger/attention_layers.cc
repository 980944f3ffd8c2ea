#include "framework/ledger/attention_layers.h"

#include <utility>
#include <variant>

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

}  // namespace

absl::StatusOr<std::shared_ptr<const AttentionLayers>> AttentionLayers::Create(
    const registry::Model& model, const AttentionVariantPlugin& variant, int64_t tensor_parallel) {
  std::shared_ptr<AttentionLayers> out(new AttentionLayers());
  out->options_ = model.variant_options;
  out->records_.reserve(out->options_.size());
  for (const registry::VariantOption& option : out->options_) {
    out->records_.push_back(Record(option));
  }
  out->layer_types_ = model.layer_types;

  ic_attention_shape& shape = out->shape_;
  shape.struct_size = sizeof(ic_attention_shape);
  shape.flags = model.attention_bias ? static_cast<uint32_t>(IC_ATTENTION_FLAG_QKV_BIAS) : 0u;
  shape.hidden_size = model.hidden_size;
  shape.num_heads = model.num_attention_heads;
  shape.num_kv_heads = model.num_kv_heads;
  shape.head_dim = model.head_dim;
  shape.v_head_dim = model.v_head_dim > 0 ? model.v_head_dim : model.head_dim;
  shape.sliding_window = model.sliding_window;
  shape.options = out->records_.empty() ? nullptr : out->records_.data();
  shape.option_count = out->records_.size();
  shape.option_size = sizeof(ic_option);
  shape.num_layers = model.num_layers;

  if (absl::Status status = variant.Validate(shape, 1); !status.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("model {} ({}): {}", model.name, model.source, std::string(status.message())));
  }
  if (absl::Status status = variant.Validate(shape, tensor_parallel); !status.ok()) {
    return absl::InvalidArgumentError(fmt::format("tensor parallel {} does not fit {}: {}",
                                                  tensor_parallel, model.name,
                                                  std::string(status.message())));
  }

  static const std::string kNoKind;
  out->class_of_layer_.reserve(static_cast<size_t>(model.num_layers));
  for (int64_t index = 0; index < model.num_layers; ++index) {
    const std::string& kind =
        out->layer_types_.empty() ? kNoKind : out->layer_types_[static_cast<size_t>(index)];
    const ic_layer layer{sizeof(ic_layer), 0, index, model.num_layers, Str(kind)};
    absl::StatusOr<uint64_t> id = variant.ClassifyLayer(shape, layer);
    if (!id.ok()) {
      return absl::InvalidArgumentError(fmt::format("model {} ({}): {}", model.name, model.source,
                                                    std::string(id.status().message())));
    }
    size_t found = out->classes_.size();
    for (size_t c = 0; c < out->classes_.size(); ++c) {
      if (out->classes_[c].id == *id) found = c;
    }
    if (found == out->classes_.size()) out->classes_.push_back({*id, kind, 0, layer});
    ++out->classes_[found].layers;
    out->class_of_layer_.push_back(found);
  }
  return std::shared_ptr<const AttentionLayers>(std::move(out));
}

}  // namespace infercost::framework
