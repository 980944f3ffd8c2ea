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
  void Validate(const ic_attention_shape& shape, int64_t tensor_parallel) override {
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

 private:
  static constexpr int64_t kKvHeads = 1;  // one K/V head for all query heads

  void ValidateStep(const ic_attention_shape& shape, const ic_stage& stage) {
    Validate(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
  }
};

}  // namespace

INFERCOST_PLUGIN(MultiQueryAttention, "mqa", "1.0.0", "infercost",
                 "multi-query attention: one K/V head shared by all query heads")
