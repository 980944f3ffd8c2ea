// Gated DeltaNet (Yang, Kautz, Hatamizadeh 2024, arXiv:2412.06464): linear attention with the
// gated delta rule, the linear-attention layers of Qwen3-Next and Qwen3.5. Each sequence keeps a
// constant-size recurrent state per layer instead of a KV cache, so decode cost does not grow
// with context.
//
// Options (ABI 1.1; [variants.gated_deltanet] or --variant-option), config.json names in ():
//   num_key_heads (linear_num_key_heads) Hk, num_value_heads (linear_num_value_heads) Hv,
//   key_head_dim (linear_key_head_dim) dk, value_head_dim (linear_value_head_dim) dv,
//   conv_kernel (linear_conv_kernel_dim) K, chunk_size C (default 64, FLA's chunk kernel),
//   state_bytes_per_element sb (default 2: bf16, vLLM's "auto"; 4 for an fp32 state).
//
// One layer on one tensor-parallel shard (heads split over the shards), T = batch x new tokens,
// d = hidden, ab = activation bytes, conv_dim = 2·Hk·dk + Hv·dv (q, k, v channels):
//   linear_in_proj  fused q/k/v/z (d -> 2·Hk·dk + 2·Hv·dv) and b/a (d -> 2·Hv) projections:
//                   params d·(2·Hk·dk + 2·Hv·dv + 2·Hv), 2·T·params matrix FLOPs
//   short_conv      depthwise causal conv1d (K taps, no bias) over conv_dim channels + SiLU:
//                   params conv_dim·K; T·conv_dim·(2K + 4) vector FLOPs; the conv state
//                   (K − 1)·conv_dim·ab per sequence is read (decode, or a prefill that
//                   continues a context) and written
//   state_update    the gated delta rule. Decode (recurrent, vLLM's fused kernel): 7·dk·dv
//                   FLOPs per token and value head (decay, S·k, rank-1 update, S·q), plus L2
//                   norms of q and k (3·dk each per key head) and the gates (g, beta: 10 per value
//                   head); the state Hv·dk·dv·sb per sequence read and written. Prefill (FLA's
//                   chunk form, C-token chunks): per token and value head
//                   6·C·dk + 4·C·dv + 6·dk·dv + (2/3)·C² matrix FLOPs (kkᵀ, the triangular
//                   solve, the WY transform, the inter-chunk state and the output), the state
//                   written once per sequence (read too when the prefill continues a context).
//                   Params: A_log and dt_bias, 2·Hv.
//   output_gate     RMSNorm(o)·SiLU(z) over Hv·dv per token: 9 vector FLOPs per element;
//                   params dv (one norm weight, replicated on every shard)
//   o_proj          Hv·dv -> d
// Nothing is cached per token (kv_cache_bytes_per_token = 0); KvStateBytes is the constant
// state Hv·dk·dv·sb + (K − 1)·conv_dim·ab, whatever the context.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "infercost/sdk/attention_math.h"
#include "infercost/sdk/plugin.h"

namespace {

namespace am = infercost::sdk::attention_math;
using infercost::sdk::MakePhaseCost;
using infercost::sdk::Options;
using infercost::sdk::SetGemm;

struct DeltaNet {
  int64_t key_heads;    // Hk, unsharded
  int64_t value_heads;  // Hv, unsharded
  int64_t key_dim;      // dk
  int64_t value_dim;    // dv
  int64_t conv_kernel;  // K
  int64_t chunk;        // C
  double state_bytes;   // sb
};

DeltaNet DeltaNetOf(const ic_attention_shape& shape) {
  const Options options(shape);
  options.RejectUnknown({"num_key_heads", "num_value_heads", "key_head_dim", "value_head_dim",
                         "conv_kernel", "chunk_size", "state_bytes_per_element"},
                        "gated_deltanet");
  DeltaNet n{};
  n.key_heads = options.Int("num_key_heads");
  n.value_heads = options.Int("num_value_heads");
  n.key_dim = options.Int("key_head_dim");
  n.value_dim = options.Int("value_head_dim");
  n.conv_kernel = options.Int("conv_kernel");
  n.chunk = options.Int("chunk_size", 64, /*allow_zero=*/false);
  n.state_bytes = options.Float("state_bytes_per_element", 2);
  constexpr int64_t kMax = int64_t{1} << 20;  // far above any model; keeps products exact
  for (const auto& [name, value] :
       {std::pair{"num_key_heads", n.key_heads}, std::pair{"num_value_heads", n.value_heads},
        std::pair{"key_head_dim", n.key_dim}, std::pair{"value_head_dim", n.value_dim},
        std::pair{"conv_kernel", n.conv_kernel}, std::pair{"chunk_size", n.chunk}}) {
    am::RequireAtMost(name, value, kMax);
  }
  if (n.value_heads % n.key_heads != 0) {
    am::RejectArgument("num_value_heads = " + std::to_string(n.value_heads) +
                       " must be a multiple of num_key_heads = " + std::to_string(n.key_heads) +
                       " (each key head serves a group of value heads)");
  }
  if (!(n.state_bytes > 0 && n.state_bytes <= 8)) {
    am::RejectArgument("state_bytes_per_element = " + am::FormatNumber(n.state_bytes) +
                       " must be in (0, 8] (2 = bf16, 4 = fp32)");
  }
  return n;
}

// Sizes of one shard, as doubles.
struct Shard {
  double d, hk, hv, dk, dv, kernel, chunk, sb;
  double conv_dim() const { return 2 * hk * dk + hv * dv; }
  double in_out() const { return 2 * hk * dk + 2 * hv * dv + 2 * hv; }  // q, k, v, z, b, a
  double state() const { return hv * dk * dv; }                         // elements per sequence
};

Shard ShardOf(const ic_attention_shape& shape, const DeltaNet& n, int64_t tp) {
  return {static_cast<double>(shape.hidden_size),
          static_cast<double>(n.key_heads / tp),
          static_cast<double>(n.value_heads / tp),
          static_cast<double>(n.key_dim),
          static_cast<double>(n.value_dim),
          static_cast<double>(n.conv_kernel),
          static_cast<double>(n.chunk),
          n.state_bytes};
}

class GatedDeltaNet final : public infercost::sdk::AttentionVariant {
 public:
  static constexpr bool kThreadSafe = true;  // stateless

  void Validate(const ic_attention_shape& shape, int64_t tensor_parallel) override {
    const DeltaNet n = DeltaNetOf(shape);
    am::RequirePositive("hidden_size", shape.hidden_size, "set it to the model's d_model");
    // Not used by the linear layers, but a model without them is not a model.
    am::RequirePositive("num_heads", shape.num_heads, "set the model's num_attention_heads");
    am::RequirePositive("head_dim", shape.head_dim, "set the model's head_dim");
    am::RequirePositive("tensor_parallel", tensor_parallel, "use 1 for an unsharded model");
    if (n.key_heads % tensor_parallel != 0) {
      am::RejectArgument("tensor_parallel = " + std::to_string(tensor_parallel) +
                         " does not divide num_key_heads = " + std::to_string(n.key_heads) +
                         "; use one of: " +
                         am::ValidTensorParallelSizes(n.key_heads, [](int64_t) { return true; }));
    }
  }

  // Linear layers only: the model's other layers go to another variant ([layer_variants]).
  uint64_t ClassifyLayer(const ic_attention_shape& shape, const ic_layer& layer) override {
    am::RequireLayerKind(layer, "linear_attention", "gated_deltanet");
    return AttentionVariant::ClassifyLayer(shape, layer);
  }

  // Nothing is appended per token: the state has a constant size.
  double KvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage) override {
    Check(shape, stage);
    return 0;
  }

  double KvStateBytes(const ic_attention_shape& shape, const ic_stage& stage) override {
    const Shard s = Check(shape, stage);
    return s.state() * s.sb + (s.kernel - 1) * s.conv_dim() * stage.activation_bytes_per_element;
  }

  // (ABI 1.4) A decode step reads and writes a constant-size state: no break in the context.
  int64_t DecodeBreaks(const ic_attention_shape&, const ic_stage&, int64_t, int64_t,
                       ic_context_stairs*, uint64_t) override {
    return 0;
  }

  void EmitPhases(const ic_attention_shape& shape, const ic_stage& stage,
                  const infercost::sdk::PhaseSink& sink) override {
    const Shard s = Check(shape, stage);
    const double ab = stage.activation_bytes_per_element;
    const double wb = stage.weight_bytes_per_element;
    const double batch = static_cast<double>(stage.batch);
    const double tokens = batch * static_cast<double>(stage.query_tokens);
    // A prefill that continues a context (chunked prefill) starts from a stored state.
    const bool reads_state =
        stage.kind == IC_STAGE_DECODE || stage.context_tokens > stage.query_tokens;

    ic_phase_cost in_proj =
        am::ProjectionPhase(IC_PHASE_LINEAR_IN_PROJ, tokens, s.d, s.in_out(), 0, wb);
    in_proj.activation_bytes = tokens * s.d * ab + tokens * s.in_out() * ab;  // read x, write
    sink.Emit(in_proj);

    ic_phase_cost conv = MakePhaseCost(IC_PHASE_SHORT_CONV);
    const double conv_state = (s.kernel - 1) * s.conv_dim() * ab * batch;
    conv.params = s.conv_dim() * s.kernel;
    conv.weight_bytes = conv.params * wb;
    conv.vector_flops = tokens * s.conv_dim() * (2 * s.kernel + 4);  // K MACs + SiLU
    conv.activation_bytes = 2 * tokens * s.conv_dim() * ab;          // read, write
    conv.kv_read_bytes = reads_state ? conv_state : 0;
    conv.kv_write_bytes = conv_state;
    sink.Emit(conv);

    ic_phase_cost state = MakePhaseCost(IC_PHASE_STATE_UPDATE);
    const double state_bytes = s.state() * s.sb * batch;
    state.params = 2 * s.hv;  // A_log, dt_bias
    state.weight_bytes = state.params * wb;
    // L2 norms of q and k (3·dk per key head each) and the gates g, beta (10 per value head).
    const double elementwise = tokens * (2 * 3 * s.dk * s.hk + 10 * s.hv);
    if (stage.kind == IC_STAGE_DECODE) {
      state.vector_flops = tokens * s.hv * 7 * s.dk * s.dv + elementwise;
    } else {
      const double c = std::min(s.chunk, static_cast<double>(stage.query_tokens));
      // The recorded matmul shape: one chunk's C x dk by dk x dv, per chunk and value head.
      SetGemm(state, c, s.dv, s.dk,
              batch * s.hv * std::ceil(static_cast<double>(stage.query_tokens) / c));
      state.vector_flops = elementwise;
      state.matrix_flops =
          tokens * s.hv * (6 * c * s.dk + 4 * c * s.dv + 6 * s.dk * s.dv + 2.0 / 3.0 * c * c);
    }
    state.kv_read_bytes = reads_state ? state_bytes : 0;
    state.kv_write_bytes = state_bytes;
    // read q, k, v, the gates' inputs b, a; write o
    state.activation_bytes = tokens * (s.conv_dim() + 2 * s.hv) * ab + tokens * s.hv * s.dv * ab;
    sink.Emit(state);

    ic_phase_cost gate = MakePhaseCost(IC_PHASE_OUTPUT_GATE);
    gate.params = s.dv;
    gate.weight_bytes = gate.params * wb;
    gate.weight_copies = static_cast<double>(stage.tensor_parallel);  // the norm weight, on all
    gate.vector_flops = 9 * tokens * s.hv * s.dv;
    gate.activation_bytes = 3 * tokens * s.hv * s.dv * ab;  // read o and z, write
    sink.Emit(gate);

    ic_phase_cost o_proj = am::ProjectionPhase(IC_PHASE_O_PROJ, tokens, s.hv * s.dv, s.d, 0, wb);
    o_proj.activation_bytes = tokens * s.hv * s.dv * ab + tokens * s.d * ab;  // read, write y
    sink.Emit(o_proj);
  }

 private:
  Shard Check(const ic_attention_shape& shape, const ic_stage& stage) {
    Validate(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
    return ShardOf(shape, DeltaNetOf(shape), stage.tensor_parallel);
  }
};

}  // namespace

INFERCOST_PLUGIN(GatedDeltaNet, "gated_deltanet", "1.1.0", "infercost",
                 "Gated DeltaNet linear attention (Qwen3-Next, Qwen3.5): a constant-size "
                 "recurrent state per sequence instead of a KV cache")
