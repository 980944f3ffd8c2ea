// Attention-kernel plugins (C++ SDK) that rewrite more than a kernel may. Built once per KERNEL_*
// macro; PLUGIN_NAME is the plugin's name:
//   KERNEL_CHANGES_FLOPS    doubles matrix_flops of qk_scores (and adds activation traffic)
//   KERNEL_NEGATIVE_BYTES   sets activation_bytes of softmax to -1
//   KERNEL_HIDDEN_STAIRS    adds 1,000 bytes to attn_v per 100 keys of a decode step (a
//                           staircase) and declares (ABI 1.4) that it has no decode breaks
//   KERNEL_BENDING_STAIRS   declares a staircase of breaks every 100 keys (contexts 101, 201,
//                           ...) whose breaks change attn_v's bytes alike, but adds 10 bytes a
//                           key more after each (continuous, its slope growing): false, since
//                           the breaks of one staircase keep the slope
#include <cmath>

#include "infercost/sdk/plugin.h"

#ifndef PLUGIN_NAME
#error "PLUGIN_NAME must be defined (a string literal)"
#endif

namespace {

class BadKernel final : public infercost::sdk::AttentionKernel {
 public:
  static constexpr bool kThreadSafe = true;  // no member state
  void RewriteTraffic(const ic_attention_shape& /*shape*/, const ic_stage& stage,
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
#elif defined(KERNEL_HIDDEN_STAIRS)
      if (cost.phase == IC_PHASE_ATTN_V && stage.query_tokens == 1) {
        cost.activation_bytes += 1000 * std::ceil(static_cast<double>(stage.context_tokens) / 100);
      }
#elif defined(KERNEL_BENDING_STAIRS)
      if (cost.phase == IC_PHASE_ATTN_V && stage.query_tokens == 1) {
        // 10 x the sum over the breaks passed (b_j = 100 j + 1, j = 1 .. n) of (context - b_j).
        const double c = static_cast<double>(stage.context_tokens);
        const double n = std::floor((c - 1) / 100);
        cost.activation_bytes += 10 * (n * c - 100 * n * (n + 1) / 2 - n);
      }
#else
#error \
    "define KERNEL_CHANGES_FLOPS, KERNEL_NEGATIVE_BYTES, KERNEL_HIDDEN_STAIRS or KERNEL_BENDING_STAIRS"
#endif
    }
    (void)stage;
  }
#if defined(KERNEL_HIDDEN_STAIRS)
  int64_t DecodeBreaks(const ic_attention_shape&, const ic_stage&, const ic_kernel_device&, int64_t,
                       int64_t, ic_context_stairs*, uint64_t) override {
    return 0;  // "affine throughout": not true
  }
#elif defined(KERNEL_BENDING_STAIRS)
  int64_t DecodeBreaks(const ic_attention_shape&, const ic_stage&, const ic_kernel_device&, int64_t,
                       int64_t, ic_context_stairs* stairs, uint64_t capacity) override {
    if (capacity < 1) return IC_BREAKS_UNKNOWN;
    stairs[0] = ic_context_stairs{101, 100, int64_t{1} << 20};  // "alike": their slope grows
    return 1;
  }
#endif
};

}  // namespace

INFERCOST_PLUGIN(BadKernel, PLUGIN_NAME, "1.0.0", "infercost tests",
                 "rewrites more than a kernel may (ABI tests)")
