// A model's attention as its variant plugins see it: for each variant the model uses (its
// attention_variant, and the plugins its layer_variants name for some layer kinds), the ABI
// shape with that variant's options; and the model's layers sorted into classes (a layer's
// variant and that variant's class id: layers of one class cost the same, so a hybrid model is
// costed layer kind by layer kind, and a cross-layer variant's writer and reader layers apart).
// Built once per scenario; the ABI pointers it hands out (options, layer kinds) stay valid for
// its lifetime, wherever the owner moves it.
//
//   ASSIGN_OR_RETURN(auto layers, AttentionLayers::Create(model, variants, tensor_parallel));
//   for (const AttentionClass& c : layers->classes())
//     layers->variant(c.variant).plugin.Phases(layers->variant(c.variant).shape,
//     stage_of(c.layer));
#ifndef INFERCOST_FRAMEWORK_LEDGER_ATTENTION_LAYERS_H_
#define INFERCOST_FRAMEWORK_LEDGER_ATTENTION_LAYERS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/abi/attention_variant_plugin.h"
#include "infercost/c/attention_variant.h"
#include "registry/model.h"

namespace infercost::framework {

// One attention-variant plugin of the model and what it is given.
struct VariantBinding {
  std::string name;
  AttentionVariantPlugin plugin;
  std::vector<registry::VariantOption> options;  // owns the strings `records` points to
  std::vector<ic_option> records;
  ic_attention_shape shape{};
};

struct AttentionClass {
  size_t variant = 0;  // index into AttentionLayers::variant()
  uint64_t id = 0;     // the variant's class id
  std::string kind;    // the layer kind of its first layer ("" without a pattern)
  int64_t layers = 0;  // layers in the class
  ic_layer layer{};    // its first layer: what the host asks the variant about
};

class AttentionLayers {
 public:
  // The model's variants: [0] its attention_variant, then one per plugin its layer_variants
  // name (in order), each with its options. Validates every variant's shape and options
  // (unsharded and at `tensor_parallel`) and classifies every layer with its variant. Errors
  // name the model and what the variant rejected.
  struct VariantInput {
    std::string name;
    AttentionVariantPlugin plugin;
    std::vector<registry::VariantOption> options;
  };
  static absl::StatusOr<std::shared_ptr<const AttentionLayers>> Create(
      const registry::Model& model, std::vector<VariantInput> variants, int64_t tensor_parallel);

  size_t variant_count() const { return variants_.size(); }
  const VariantBinding& variant(size_t index) const { return *variants_[index]; }
  const std::vector<AttentionClass>& classes() const { return classes_; }
  // Index into classes() of each layer.
  size_t ClassOf(int64_t layer) const { return class_of_layer_[static_cast<size_t>(layer)]; }

 private:
  AttentionLayers() = default;
  // Heap-held so that records/shape pointers survive the vector growing.
  std::vector<std::unique_ptr<VariantBinding>> variants_;
  std::vector<std::string> layer_types_;  // owns the strings ic_layer.kind points to
  std::vector<AttentionClass> classes_;
  std::vector<size_t> class_of_layer_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_ATTENTION_LAYERS_H_
