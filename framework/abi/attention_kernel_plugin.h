// Host-side handle on an attention-kernel plugin: rewrites the HBM traffic of the attention
// phases, then checks that only byte fields changed and stayed finite and >= 0.
//
//   AttentionKernelPlugin flash(plugins.Find(IC_PLUGIN_KIND_ATTENTION_KERNEL, "flash").value());
//   RETURN_IF_ERROR(flash.RewriteTraffic(shape, stage, device, phases));
//   ASSIGN_OR_RETURN(bool known, flash.DecodeBreaks(shape, stage, device, 501, 100500, stairs));
#ifndef INFERCOST_FRAMEWORK_ABI_ATTENTION_KERNEL_PLUGIN_H_
#define INFERCOST_FRAMEWORK_ABI_ATTENTION_KERNEL_PLUGIN_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/abi/context_stairs.h"
#include "framework/loader/loaded_plugin.h"
#include "infercost/c/attention_kernel.h"

namespace infercost::framework {

class AttentionKernelPlugin {
 public:
  explicit AttentionKernelPlugin(std::shared_ptr<const LoadedPlugin> plugin);
  std::string_view name() const { return plugin_->name(); }
  absl::Status RewriteTraffic(const ic_attention_shape& shape, const ic_stage& stage,
                              const ic_kernel_device& device,
                              std::vector<ic_phase_cost>& phases) const;
  // (ABI 1.4) The staircases of contexts in [first_context, last_context] where the kernel's
  // rewrite of decode steps like `stage` stops being affine (ic_context_stairs), into `stairs`
  // (empty: affine throughout). False when the kernel does not say (an older kernel, one that
  // cannot tell, or more staircases than the host takes): `stairs` is then empty too.
  absl::StatusOr<bool> DecodeBreaks(const ic_attention_shape& shape, const ic_stage& stage,
                                    const ic_kernel_device& device, int64_t first_context,
                                    int64_t last_context, DeclaredStairs& stairs) const;
  // Whether its declared breaks were checked before it was loaded (the host's own plugin, or a
  // passed conformance probe): the host then takes the declaration's form of the records,
  // A + B k + D n(k) (a staircase of two or more breaks, or none), without checking it again.
  bool DecodeBreaksVetted() const { return plugin_->declarations_vetted(); }

 private:
  std::shared_ptr<const LoadedPlugin> plugin_;
  const ic_attention_kernel_table* table_;
  bool has_rewrite_phases_ = false;  // ABI 1.1
  bool has_decode_breaks_ = false;   // ABI 1.4
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ABI_ATTENTION_KERNEL_PLUGIN_H_
