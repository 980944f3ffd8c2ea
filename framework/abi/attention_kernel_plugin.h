// Host-side handle on an attention-kernel plugin: rewrites the HBM traffic of the attention
// phases, then checks that only byte fields changed and stayed finite and >= 0.
//
//   AttentionKernelPlugin flash(plugins.Find(IC_PLUGIN_KIND_ATTENTION_KERNEL, "flash").value());
//   RETURN_IF_ERROR(flash.RewriteTraffic(shape, stage, device, phases));
#ifndef INFERCOST_FRAMEWORK_ABI_ATTENTION_KERNEL_PLUGIN_H_
#define INFERCOST_FRAMEWORK_ABI_ATTENTION_KERNEL_PLUGIN_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
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

 private:
  std::shared_ptr<const LoadedPlugin> plugin_;
  const ic_attention_kernel_table* table_;
  bool has_rewrite_phases_ = false;  // ABI 1.1
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ABI_ATTENTION_KERNEL_PLUGIN_H_
