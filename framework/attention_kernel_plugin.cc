#include "framework/attention_kernel_plugin.h"

#include <utility>

#include "fmt/format.h"
#include "framework/host_services.h"
#include "framework/phase_catalog.h"
#include "framework/phase_cost_check.h"

namespace infercost::framework {

AttentionKernelPlugin::AttentionKernelPlugin(std::shared_ptr<const LoadedPlugin> plugin)
    : plugin_(std::move(plugin)),
      table_(static_cast<const ic_attention_kernel_table*>(plugin_->info().kind_table)) {}

absl::Status AttentionKernelPlugin::RewriteTraffic(const ic_attention_shape& shape,
                                                   const ic_stage& stage,
                                                   const ic_kernel_device& device,
                                                   std::vector<ic_phase_cost>& phases) const {
  const std::vector<ic_phase_cost> before = phases;
  {
    auto lock = plugin_->LockIfNeeded();
    absl::Status status =
        ConsumeErrorLazy(table_->rewrite_traffic(plugin_->instance(), &shape, &stage, &device,
                                                 phases.data(), phases.size()),
                         [&] { return fmt::format("attention kernel {}", name()); });
    if (!status.ok()) {
      phases = before;
      return status;
    }
  }
  for (size_t i = 0; i < phases.size(); ++i) {
    ic_phase_cost& after = phases[i];
    after.struct_size = sizeof(ic_phase_cost);
    absl::Status status = CheckPhaseCost(after, name());
    if (status.ok() && (after.phase != before[i].phase || after.params != before[i].params ||
                        after.matrix_flops != before[i].matrix_flops ||
                        after.vector_flops != before[i].vector_flops ||
                        after.weight_bytes != before[i].weight_bytes)) {
      status = absl::InternalError(fmt::format(
          "attention kernel {} changed the phase id, params, FLOPs or weight bytes of phase {}; "
          "a kernel may only rewrite KV and activation traffic",
          name(), PhaseName(before[i].phase)));
    }
    if (!status.ok()) {
      phases = before;
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace infercost::framework
