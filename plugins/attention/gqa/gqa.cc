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
    infercost::sdk::Options(shape).RejectUnknown({"output_gate"}, "gqa");
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
    const bool gated = infercost::sdk::Options(shape).Bool("output_gate", false);
    for (ic_phase_cost cost : am::StandardAttentionPhases(shape, stage, shape.num_kv_heads)) {
      if (gated && cost.phase == IC_PHASE_Q_PROJ) AddGateToQueryProjection(shape, stage, cost);
      if (gated && cost.phase == IC_PHASE_O_PROJ) sink.Emit(OutputGate(shape, stage));
      sink.Emit(cost);
    }
  }

  // Full layers keep every token's K/V, sliding-window layers the last window's.
  double KvStateBytes(const ic_attention_shape& shape, const ic_stage& stage) override {
    ValidateStep(shape, stage);
    return am::StandardKvStateBytes(shape, stage, shape.num_kv_heads);
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
  // Gated attention (Qwen3-Next, Qwen3.5; option output_gate): q_proj also produces a gate per
  // query head and dimension, d -> 2 x H x dh.
  static void AddGateToQueryProjection(const ic_attention_shape& shape, const ic_stage& stage,
                                       ic_phase_cost& q_proj) {
    const double heads =
        static_cast<double>(am::HeadsPerShard(shape.num_heads, stage.tensor_parallel));
    const double out = heads * static_cast<double>(shape.head_dim);
    const double tokens =
        static_cast<double>(stage.batch) * static_cast<double>(stage.query_tokens);
    const double d = static_cast<double>(shape.hidden_size);
    q_proj.params += d * out;
    q_proj.weight_bytes += d * out * stage.weight_bytes_per_element;
    q_proj.matrix_flops += 2 * tokens * d * out;
    q_proj.gemm_n *= 2;
    q_proj.activation_bytes += tokens * out * stage.activation_bytes_per_element;  // the gate
  }
  // sigmoid(gate) x attention output before o_proj: 5 vector FLOPs per element (sigmoid 4,
  // multiply 1); reads the output and the gate, writes the gated output.
  static ic_phase_cost OutputGate(const ic_attention_shape& shape, const ic_stage& stage) {
    const double elements =
        static_cast<double>(stage.batch) * static_cast<double>(stage.query_tokens) *
        static_cast<double>(am::HeadsPerShard(shape.num_heads, stage.tensor_parallel)) *
        static_cast<double>(am::ValueHeadDim(shape));
    ic_phase_cost gate = infercost::sdk::MakePhaseCost(IC_PHASE_OUTPUT_GATE);
    gate.vector_flops = 5 * elements;
    gate.activation_bytes = 3 * elements * stage.activation_bytes_per_element;
    return gate;
  }

  void ValidateStep(const ic_attention_shape& shape, const ic_stage& stage) {
    Validate(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
  }
};

}  // namespace

INFERCOST_PLUGIN(GroupedQueryAttention, "gqa", "1.1.0", "infercost",
                 "grouped-query attention: num_kv_heads K/V heads shared by groups of query heads")
