// infercost C++ SDK — base class for attention-kernel plugins.
//
//   class Flash final : public infercost::sdk::AttentionKernel {
//     static constexpr bool kThreadSafe = true;   // declared by the author; default: serialised
//     void RewriteTraffic(const ic_attention_shape&, const ic_stage&, const ic_kernel_device&,
//                         ic_phase_cost* phases, uint64_t count) override;
//     // optional (ABI 1.4): where its rewrite of decode steps is not affine in the context
//     int64_t DecodeBreaks(...) override;
//   };
//   INFERCOST_PLUGIN(Flash, "flash", "1.0.0", "infercost", "tiled, fused attention");
#ifndef INFERCOST_SDK_ATTENTION_KERNEL_H_
#define INFERCOST_SDK_ATTENTION_KERNEL_H_

#include <cstdint>

#include "infercost/c/attention_kernel.h"
#include "infercost/sdk/error.h"

namespace infercost::sdk {
inline namespace v1 {

class AttentionKernel {
 public:
  static constexpr ic_plugin_kind kKind = IC_PLUGIN_KIND_ATTENTION_KERNEL;
  virtual ~AttentionKernel() = default;
  // Rewrites only byte fields of the score/softmax/attn_v phases; FLOPs must stay. `phases` is
  // a plain array: the SDK copies the host's records (whatever their element size) in and out.
  virtual void RewriteTraffic(const ic_attention_shape& shape, const ic_stage& stage,
                              const ic_kernel_device& device, ic_phase_cost* phases,
                              uint64_t phase_count) = 0;
  // (ABI 1.4) Where the rewrite of decode steps like `stage` stops being affine in the context,
  // for contexts in [first_context, last_context]: writes up to `capacity` staircases (see
  // ic_context_stairs) and returns how many hold every break there (0: none, affine
  // throughout), or IC_BREAKS_UNKNOWN (the default: the host finds them itself).
  virtual int64_t DecodeBreaks(const ic_attention_shape& /*shape*/, const ic_stage& /*stage*/,
                               const ic_kernel_device& /*device*/, int64_t /*first_context*/,
                               int64_t /*last_context*/, ic_context_stairs* /*stairs*/,
                               uint64_t /*capacity*/) {
    return IC_BREAKS_UNKNOWN;
  }
};

}  // namespace v1
}  // namespace infercost::sdk

#endif  // INFERCOST_SDK_ATTENTION_KERNEL_H_
