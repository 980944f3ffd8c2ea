// Host-side handle on an attention-variant plugin: calls through the C table, converts errors
// to absl::Status, checks every record the plugin emits, and adapts the 1.1 contract for
// plugins built against ABI 1.0 (see LegacyInputs below).
//
//   AttentionVariantPlugin gqa(plugins.Find(IC_PLUGIN_KIND_ATTENTION_VARIANT, "gqa").value());
//   ASSIGN_OR_RETURN(std::vector<ic_phase_cost> phases, gqa.Phases(shape, stage));
#ifndef INFERCOST_FRAMEWORK_ABI_ATTENTION_VARIANT_PLUGIN_H_
#define INFERCOST_FRAMEWORK_ABI_ATTENTION_VARIANT_PLUGIN_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "framework/abi/context_stairs.h"
#include "framework/loader/loaded_plugin.h"
#include "infercost/c/attention_variant.h"

namespace infercost::framework {

class AttentionVariantPlugin {
 public:
  // `plugin` must be of kind IC_PLUGIN_KIND_ATTENTION_VARIANT.
  explicit AttentionVariantPlugin(std::shared_ptr<const LoadedPlugin> plugin);

  std::string_view name() const { return plugin_->name(); }
  // True for a plugin built against ABI 1.0: no options, layers or state of its own.
  bool legacy() const { return legacy_; }

  // Checks the shape (and its options) for `tensor_parallel` shards. A 1.0 plugin cannot take
  // options other than those the 1.0 shape has fields for.
  absl::Status Validate(const ic_attention_shape& shape, int64_t tensor_parallel) const;
  // The variant's class of `layer` (layers of one class cost the same). 1.0 plugins: one
  // class per layer kind.
  absl::StatusOr<uint64_t> ClassifyLayer(const ic_attention_shape& shape,
                                         const ic_layer& layer) const;
  absl::StatusOr<double> KvCacheBytesPerToken(const ic_attention_shape& shape,
                                              const ic_stage& stage) const;
  // Bytes one sequence keeps in stage.layer at stage.context_tokens. 1.0 plugins: the 1.0 rule,
  // per token x context, or x min(context, window) on a windowed layer.
  absl::StatusOr<double> KvStateBytes(const ic_attention_shape& shape, const ic_stage& stage) const;
  // One layer, one shard, whole batch; every record checked (finite, >= 0, attention phase).
  absl::StatusOr<std::vector<ic_phase_cost>> Phases(const ic_attention_shape& shape,
                                                    const ic_stage& stage) const;
  // Phases into `phases` (cleared first; its capacity is reused, so a caller that keeps the
  // vector allocates nothing on later calls). On error `phases` holds no valid records.
  absl::Status PhasesInto(const ic_attention_shape& shape, const ic_stage& stage,
                          std::vector<ic_phase_cost>& phases) const;
  // (ABI 1.4) The staircases of contexts in [first_context, last_context] where the decode
  // phases of steps like `stage` stop being affine (ic_context_stairs), into `stairs` (empty:
  // affine throughout). False when the variant does not say (an older one, one that cannot
  // tell, or more staircases than the host takes): `stairs` is then empty too.
  absl::StatusOr<bool> DecodeBreaks(const ic_attention_shape& shape, const ic_stage& stage,
                                    int64_t first_context, int64_t last_context,
                                    DeclaredStairs& stairs) const;
  // Whether its declared breaks were checked before it was loaded (the host's own plugin, or a
  // passed conformance probe): the host then takes the declaration's form of the records,
  // A + B k + D n(k) (a staircase of two or more breaks, or none), without checking it again.
  bool DecodeBreaksVetted() const { return plugin_->declarations_vetted(); }

 private:
  // What a 1.0 plugin reads instead of the 1.1 fields: options named like the 1.0 shape's MLA
  // fields fill them, the option mla_form fills stage.mla_form, and the window is 0 on a layer
  // the model marks "full_attention" (the 1.0 host did this itself).
  struct LegacyInputs {
    ic_attention_shape shape;
    ic_stage stage;
  };
  LegacyInputs Legacy(const ic_attention_shape& shape, const ic_stage* stage) const;

  std::shared_ptr<const LoadedPlugin> plugin_;
  const ic_attention_variant_table* table_;
  bool legacy_ = false;
  bool has_classify_layer_ = false;
  bool has_kv_state_bytes_ = false;
  bool has_decode_breaks_ = false;  // ABI 1.4
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ABI_ATTENTION_VARIANT_PLUGIN_H_
