// A model's attention as its variant plugin sees it: the ABI shape with the variant's options,
// and the model's layers sorted into the variant's classes (layers of one class cost the same;
// a cross-layer variant puts the layers that write K/V and those that read a neighbour's cache
// in different classes). Built once per scenario; the ABI pointers it hands out (options,
// layer kinds) stay valid for its lifetime, wherever the owner moves it.
//
//   ASSIGN_OR_RETURN(auto layers, AttentionLayers::Create(model, variant, tensor_parallel));
//   for (const AttentionClass& c : layers->classes()) ... c.layers, c.layer (representative)
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

struct AttentionClass {
  uint64_t id = 0;     // the variant's class id
  std::string kind;    // the layer kind of its first layer ("" without a pattern)
  int64_t layers = 0;  // layers in the class
  ic_layer layer{};    // its first layer: what the host asks the variant about
};

class AttentionLayers {
 public:
  // Validates the shape and options with the variant (unsharded and at `tensor_parallel`) and
  // classifies every layer. Errors name the model and what the variant rejected.
  static absl::StatusOr<std::shared_ptr<const AttentionLayers>> Create(
      const registry::Model& model, const AttentionVariantPlugin& variant, int64_t tensor_parallel);

  const ic_attention_shape& shape() const { return shape_; }
  const std::vector<AttentionClass>& classes() const { return classes_; }
  // Index into classes() of each layer.
  size_t ClassOf(int64_t layer) const { return class_of_layer_[static_cast<size_t>(layer)]; }

 private:
  AttentionLayers() = default;
  std::vector<registry::VariantOption> options_;  // owns the strings `records_` points to
  std::vector<ic_option> records_;
  std::vector<std::string> layer_types_;  // owns the strings ic_layer.kind points to
  ic_attention_shape shape_{};
  std::vector<AttentionClass> classes_;
  std::vector<size_t> class_of_layer_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_ATTENTION_LAYERS_H_
