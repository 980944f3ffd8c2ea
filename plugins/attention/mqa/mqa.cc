// Multi-query attention (Shazeer 2019): one K/V head shared by all query heads, replicated on
// every tensor-parallel shard. The configured num_kv_heads is ignored.
// Formulas: attention_math.h.
#include <cstdint>

#include "infercost/sdk/attention_math.h"
#include "infercost/sdk/plugin.h"

namespace {

namespace am = infercost::sdk::attention_math;

class MultiQueryAttention final : public infercost::sdk::AttentionVariant {
 public:
  static constexpr bool kThreadSafe = true;  // stateless

  void Validate(const ic_attention_shape& shape, int64_t tensor_parallel) override {
    infercost::sdk::Options(shape).RejectUnknown({}, "mqa");
    am::ValidateAttentionShape(shape, tensor_parallel);
  }

  double KvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage) override {
    ValidateStep(shape, stage);
    return am::StandardKvCacheBytesPerToken(shape, stage, kKvHeads);
  }

  void EmitPhases(const ic_attention_shape& shape, const ic_stage& stage,
                  const infercost::sdk::PhaseSink& sink) override {
    ValidateStep(shape, stage);
    for (const ic_phase_cost& cost : am::StandardAttentionPhases(shape, stage, kKvHeads)) {
      sink.Emit(cost);
    }
  }

  // Full layers keep every token's K/V, sliding-window layers the last window's.
  double KvStateBytes(const ic_attention_shape& shape, const ic_stage& stage) override {
    ValidateStep(shape, stage);
    return am::StandardKvStateBytes(shape, stage, kKvHeads);
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
  static constexpr int64_t kKvHeads = 1;  // one K/V head for all query heads

  void ValidateStep(const ic_attention_shape& shape, const ic_stage& stage) {
    Validate(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
  }
};

}  // namespace

INFERCOST_PLUGIN(MultiQueryAttention, "mqa", "1.1.0", "infercost",
                 "multi-query attention: one K/V head shared by all query heads")
