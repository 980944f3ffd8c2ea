// Attention-kernel plugins (C++ SDK) that rewrite more than a kernel may. Built once per KERNEL_*
// macro; PLUGIN_NAME is the plugin's name:
//   KERNEL_CHANGES_FLOPS    doubles matrix_flops of qk_scores (and adds activation traffic)
//   KERNEL_NEGATIVE_BYTES   sets activation_bytes of softmax to -1
#include "infercost/sdk/plugin.h"

#ifndef PLUGIN_NAME
#error "PLUGIN_NAME must be defined (a string literal)"
#endif

namespace {

class BadKernel final : public infercost::sdk::AttentionKernel {
 public:
  static constexpr bool kThreadSafe = true;  // no member state
  void RewriteTraffic(const ic_attention_shape& /*shape*/, const ic_stage& /*stage*/,
                      const ic_kernel_device& /*device*/, ic_phase_cost* phases,
                      uint64_t phase_count) override {
    for (uint64_t i = 0; i < phase_count; ++i) {
      ic_phase_cost& cost = phases[i];
#if defined(KERNEL_CHANGES_FLOPS)
      if (cost.phase == IC_PHASE_QK_SCORES) {
        cost.matrix_flops *= 2;
        cost.activation_bytes += 1024;
      }
#elif defined(KERNEL_NEGATIVE_BYTES)
      if (cost.phase == IC_PHASE_SOFTMAX) cost.activation_bytes = -1;
#else
#error "define KERNEL_CHANGES_FLOPS or KERNEL_NEGATIVE_BYTES"
#endif
    }
  }
};

}  // namespace

INFERCOST_PLUGIN(BadKernel, PLUGIN_NAME, "1.0.0", "infercost tests",
                 "rewrites more than a kernel may (ABI tests)")
