// Multi-head attention (Vaswani et al. 2017): every query head has its own K/V head. The
// configured num_kv_heads is ignored, so any model can be costed "as if MHA".
// Formulas: attention_math.h.
#include <cstdint>

#include "infercost/sdk/attention_math.h"
#include "infercost/sdk/plugin.h"

namespace {

namespace am = infercost::sdk::attention_math;

class MultiHeadAttention final : public infercost::sdk::AttentionVariant {
 public:
  static constexpr bool kThreadSafe = true;  // stateless

  void Validate(const ic_attention_shape& shape, int64_t tensor_parallel) override {
    infercost::sdk::Options(shape).RejectUnknown({}, "mha");
    am::ValidateAttentionShape(shape, tensor_parallel);
  }

  double KvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage) override {
    ValidateStep(shape, stage);
    return am::StandardKvCacheBytesPerToken(shape, stage, KvHeads(shape));
  }

  void EmitPhases(const ic_attention_shape& shape, const ic_stage& stage,
                  const infercost::sdk::PhaseSink& sink) override {
    ValidateStep(shape, stage);
    for (const ic_phase_cost& cost : am::StandardAttentionPhases(shape, stage, KvHeads(shape))) {
      sink.Emit(cost);
    }
  }

  // Full layers keep every token's K/V, sliding-window layers the last window's.
  double KvStateBytes(const ic_attention_shape& shape, const ic_stage& stage) override {
    ValidateStep(shape, stage);
    return am::StandardKvStateBytes(shape, stage, KvHeads(shape));
  }

  // (ABI 1.4) Decode phases read min(context, window) keys: one break when a window fills.
  int64_t DecodeBreaks(const ic_attention_shape& shape, const ic_stage& stage,
                       int64_t first_context, int64_t last_context, ic_context_stairs* stairs,
                       uint64_t capacity) override {
    return am::WindowDecodeBreaks(am::LayerWindow(shape, stage), first_context, last_context,
                                  stairs, capacity);
  }

  uint64_t ClassifyLayer(const ic_attention_shape& shape, const ic_layer& layer) override {
    am::RequireStandardLayer(shape, layer);
    return AttentionVariant::ClassifyLayer(shape, layer);
  }

 private:
  // One K/V head per query head.
  static int64_t KvHeads(const ic_attention_shape& shape) { return shape.num_heads; }

  void ValidateStep(const ic_attention_shape& shape, const ic_stage& stage) {
    Validate(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
  }
};

}  // namespace

INFERCOST_PLUGIN(MultiHeadAttention, "mha", "1.1.0", "infercost",
                 "multi-head attention: one K/V head per query head")
