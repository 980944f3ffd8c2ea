// Host-side handle on an attention-variant plugin: calls through the C table, converts errors
// to absl::Status and checks every record the plugin emits.
//
//   AttentionVariantPlugin gqa(plugins.Find(IC_PLUGIN_KIND_ATTENTION_VARIANT, "gqa").value());
//   ASSIGN_OR_RETURN(std::vector<ic_phase_cost> phases, gqa.Phases(shape, stage));
#ifndef INFERCOST_FRAMEWORK_ATTENTION_VARIANT_PLUGIN_H_
#define INFERCOST_FRAMEWORK_ATTENTION_VARIANT_PLUGIN_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/loaded_plugin.h"
#include "infercost/c/attention_variant.h"

namespace infercost::framework {

class AttentionVariantPlugin {
 public:
  // `plugin` must be of kind IC_PLUGIN_KIND_ATTENTION_VARIANT.
  explicit AttentionVariantPlugin(std::shared_ptr<const LoadedPlugin> plugin);

  std::string_view name() const { return plugin_->name(); }
  absl::Status Validate(const ic_attention_shape& shape, int64_t tensor_parallel) const;
  absl::StatusOr<double> KvCacheBytesPerToken(const ic_attention_shape& shape,
                                              const ic_stage& stage) const;
  // One layer, one shard, whole batch; every record checked (finite, >= 0, attention phase).
  absl::StatusOr<std::vector<ic_phase_cost>> Phases(const ic_attention_shape& shape,
                                                    const ic_stage& stage) const;

 private:
  std::shared_ptr<const LoadedPlugin> plugin_;
  const ic_attention_variant_table* table_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ATTENTION_VARIANT_PLUGIN_H_
