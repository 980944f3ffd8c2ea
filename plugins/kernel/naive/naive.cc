// The naive attention kernel: scores = Q K^T is written to HBM, softmax reads it and writes the
// probabilities, attn_v reads them back. FLOPs are unchanged; only activation bytes grow.
#include <cstdint>

#include "infercost/sdk/attention_math.h"
#include "infercost/sdk/plugin.h"

namespace {

namespace am = infercost::sdk::attention_math;

// Score elements one layer-shard materialises: B sequences x H heads x q queries x keys (the
// full rectangle; a causal mask does not shrink the buffer).
double ScoreMatrixElements(const ic_attention_shape& shape, const ic_stage& stage) {
  const am::AttentionStep step = am::AttentionStepOf(shape, stage);
  const double heads =
      static_cast<double>(am::HeadsPerShard(shape.num_heads, stage.tensor_parallel));
  return step.batch * heads * step.query_tokens * step.keys;
}

class NaiveAttention final : public infercost::sdk::AttentionKernel {
 public:
  static constexpr bool kThreadSafe = true;  // stateless

  void RewriteTraffic(const ic_attention_shape& shape, const ic_stage& stage,
                      const ic_kernel_device& /*device*/, ic_phase_cost* phases,
                      uint64_t phase_count) override {
    am::ValidateAttentionShape(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
    const double score_bytes =
        ScoreMatrixElements(shape, stage) * stage.activation_bytes_per_element;
    for (uint64_t i = 0; i < phase_count; ++i) {
      ic_phase_cost& phase = phases[i];
      switch (phase.phase) {
        case IC_PHASE_QK_SCORES:
          phase.activation_bytes += score_bytes;  // write the scores
          break;
        case IC_PHASE_SOFTMAX:
          phase.activation_bytes += 2 * score_bytes;  // read scores, write probabilities
          break;
        case IC_PHASE_ATTN_V:
          phase.activation_bytes += score_bytes;  // read the probabilities
          break;
        default:
          break;
      }
    }
  }

  // The score matrix grows with the keys, min(context, window) in a decode step: affine in the
  // context up to the window and constant after it, one break at window + 1.
  int64_t DecodeBreaks(const ic_attention_shape& shape, const ic_stage& stage,
                       const ic_kernel_device& /*device*/, int64_t first_context,
                       int64_t last_context, ic_context_stairs* stairs,
                       uint64_t capacity) override {
    am::ValidateAttentionShape(shape, stage.tensor_parallel);
    return am::WindowDecodeBreaks(am::LayerWindow(shape, stage), first_context, last_context,
                                  stairs, capacity);
  }
};

}  // namespace

INFERCOST_PLUGIN(NaiveAttention, "naive", "1.1.0", "infercost",
                 "naive attention: the q x keys score matrix round-trips through HBM")
