// Grouped-query attention (Ainslie et al. 2023): num_kv_heads K/V heads, each shared by
// num_heads / num_kv_heads query heads (Llama-3, Mistral, Qwen). Formulas: attention_math.h.
#include <cstdint>

#include "infercost/sdk/attention_math.h"
#include "infercost/sdk/plugin.h"

namespace {

namespace am = infercost::sdk::attention_math;

class GroupedQueryAttention final : public infercost::sdk::AttentionVariant {
 public:
  static constexpr bool kThreadSafe = true;  // stateless

  void Validate(const ic_attention_shape& shape, int64_t tensor_parallel) override {
    infercost::sdk::Options(shape).RejectUnknown({}, "gqa");
    am::ValidateAttentionShape(shape, tensor_parallel);
    am::ValidateKvHeadSplit(shape, shape.num_kv_heads, tensor_parallel);
  }

  double KvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage) override {
    ValidateStep(shape, stage);
    return am::StandardKvCacheBytesPerToken(shape, stage, shape.num_kv_heads);
  }

  void EmitPhases(const ic_attention_shape& shape, const ic_stage& stage,
                  const infercost::sdk::PhaseSink& sink) override {
    ValidateStep(shape, stage);
    for (const ic_phase_cost& cost :
         am::StandardAttentionPhases(shape, stage, shape.num_kv_heads)) {
      sink.Emit(cost);
    }
  }

  // Full layers keep every token's K/V, sliding-window layers the last window's.
  double KvStateBytes(const ic_attention_shape& shape, const ic_stage& stage) override {
    ValidateStep(shape, stage);
    return am::StandardKvStateBytes(shape, stage, shape.num_kv_heads);
  }

  uint64_t ClassifyLayer(const ic_attention_shape& shape, const ic_layer& layer) override {
    am::RequireStandardLayer(shape, layer);
    return AttentionVariant::ClassifyLayer(shape, layer);
  }

 private:
  void ValidateStep(const ic_attention_shape& shape, const ic_stage& stage) {
    Validate(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
  }
};

}  // namespace

INFERCOST_PLUGIN(GroupedQueryAttention, "gqa", "1.1.0", "infercost",
                 "grouped-query attention: num_kv_heads K/V heads shared by groups of query heads")
