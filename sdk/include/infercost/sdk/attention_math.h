// infercost C++ SDK — shared attention formulas for plugin authors (header-only, C++17).
//
// The arithmetic every attention variant and attention kernel needs, in one place: causal
// (query, key) pairs under an optional sliding window, keys read per step, heads per
// tensor-parallel shard, input validation with messages that say what to change, and the seven
// phases of standard (MHA / GQA / MQA-style) attention.
//
//   #include "infercost/sdk/attention_math.h"
//   namespace am = infercost::sdk::attention_math;
//
//   void EmitPhases(const ic_attention_shape& shape, const ic_stage& stage,
//                   const infercost::sdk::PhaseSink& sink) override {
//     am::ValidateAttentionShape(shape, stage.tensor_parallel);
//     am::ValidateStage(stage);
//     const am::AttentionStep step = am::AttentionStepOf(shape, stage);
//     // e.g. 2 FLOPs per (query, key) pair and head dimension, for every head of the shard:
//     const double heads = am::HeadsPerShard(shape.num_heads, stage.tensor_parallel);
//     const double qk_flops = 2.0 * step.batch * heads * shape.head_dim * step.pairs;
//     // or, for a variant that only changes the number of K/V heads:
//     for (const ic_phase_cost& cost : am::StandardAttentionPhases(shape, stage, kv_heads))
//       sink.Emit(cost);
//   }
//
// Conventions: everything is for ONE layer on ONE tensor-parallel shard for the WHOLE batch of
// the stage; all quantities are doubles, exact integers wherever the inputs are integers
// (integer factors are multiplied before fractional bytes-per-element).
#ifndef INFERCOST_SDK_ATTENTION_MATH_H_
#define INFERCOST_SDK_ATTENTION_MATH_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>

#include "infercost/c/attention_variant.h"
#include "infercost/c/phase.h"
#include "infercost/sdk/abi_support.h"
#include "infercost/sdk/error.h"
#include "infercost/sdk/options.h"
#include "infercost/sdk/phase_sink.h"

namespace infercost::sdk {
inline namespace v1 {
namespace attention_math {

// ---------------------------------------------------------------------------------------------
// Geometry of one step.

// (query, key) pairs one head of one sequence scores when the step's `query_tokens` new tokens
// sit at positions p = past+1 .. C (past = C - q) and each attends causally to min(p, W) keys
// (W = sliding_window, 0 = unbounded): sum_{p=past+1}^{C} min(p, W). Prefill of n: n(n+1)/2;
// decode at context N: N (or W once N > W).
inline double CausalAttentionPairs(int64_t query_tokens, int64_t context_tokens,
                                   int64_t sliding_window) {
  const double past = static_cast<double>(context_tokens - query_tokens);
  const double last = static_cast<double>(context_tokens);
  const double window = static_cast<double>(sliding_window);
  // Positions p <= W contribute p keys: the arithmetic series past+1 .. min(C, W).
  const double ramp_end = sliding_window > 0 ? std::min(last, window) : last;
  double pairs = 0;
  if (ramp_end > past) pairs += (past + 1 + ramp_end) * (ramp_end - past) / 2;
  // Positions p > W contribute exactly W keys each.
  if (sliding_window > 0) {
    const double capped_from = std::max(past, window);
    if (last > capped_from) pairs += (last - capped_from) * window;
  }
  return pairs;
}

// Distinct key positions one sequence reads in the step: all C, or with a window W the keys of
// positions past+2-W .. C that the q queries can see: min(C, W + q - 1).
inline double KeysRead(int64_t query_tokens, int64_t context_tokens, int64_t sliding_window) {
  if (sliding_window <= 0) return static_cast<double>(context_tokens);
  return static_cast<double>(std::min(context_tokens, sliding_window + query_tokens - 1));
}

// Query heads on one shard (heads are split evenly; validated to divide).
inline int64_t HeadsPerShard(int64_t num_heads, int64_t tensor_parallel) {
  return num_heads / tensor_parallel;
}

// K/V heads on one shard: split when tp divides them; when tp > kv_heads each shard keeps (a
// replica of) one head.
inline int64_t KvHeadsPerShard(int64_t kv_heads, int64_t tensor_parallel) {
  return tensor_parallel > kv_heads ? 1 : kv_heads / tensor_parallel;
}

// GPUs of a tensor-parallel group that keep the same K/V head's projection weights
// (ic_phase_cost.weight_copies): 1 when tp divides the heads, tp / kv_heads when each shard
// keeps a replica of one head.
inline double KvHeadWeightCopies(int64_t kv_heads, int64_t tensor_parallel) {
  // tp x heads per shard = the heads' replicas over the group; per head: / kv_heads.
  return static_cast<double>(tensor_parallel * KvHeadsPerShard(kv_heads, tensor_parallel)) /
         static_cast<double>(kv_heads);
}

// Value head dimension; 0 in the shape means "same as head_dim".
inline int64_t ValueHeadDim(const ic_attention_shape& shape) {
  return shape.v_head_dim > 0 ? shape.v_head_dim : shape.head_dim;
}

// The sizes of one step, as doubles ready for arithmetic.
struct AttentionStep {
  double batch;                         // B: sequences in the step
  double query_tokens;                  // q: new tokens per sequence
  double context_tokens;                // C: tokens attended per sequence, new ones included
  double tokens;                        // T = B * q: rows through every projection
  double keys;                          // key positions read per sequence (KeysRead)
  double pairs;                         // causal (query, key) pairs per sequence and head
  double weight_bytes_per_element;      // wb
  double activation_bytes_per_element;  // ab
  double kv_bytes_per_element;          // kb
};

// The window of the layer being costed: the model's sliding_window, except on a layer the
// model's pattern marks "full_attention" (hybrids such as Gemma-2 alternate the two).
inline int64_t LayerWindow(const ic_attention_shape& shape, const ic_stage& stage) noexcept {
  return LayerKind(LayerOf(stage)) == "full_attention" ? 0 : shape.sliding_window;
}

// (ABI 1.4) The decode breaks of records that read min(context, window) keys (AttentionStepOf):
// one, at window + 1, when the window is set and that context lies in [first, last]. For a
// DecodeBreaks: returns the number of staircases (0 or 1).
inline int64_t WindowDecodeBreaks(int64_t window, int64_t first_context, int64_t last_context,
                                  ic_context_stairs* stairs, uint64_t capacity) {
  if (window <= 0 || window + 1 < first_context || window + 1 > last_context) return 0;
  if (capacity > 0) stairs[0] = {window + 1, 1, 1};
  return 1;
}

inline AttentionStep AttentionStepOf(const ic_attention_shape& shape, const ic_stage& stage) {
  AttentionStep step{};
  step.batch = static_cast<double>(stage.batch);
  step.query_tokens = static_cast<double>(stage.query_tokens);
  step.context_tokens = static_cast<double>(stage.context_tokens);
  step.tokens = step.batch * step.query_tokens;
  const int64_t window = LayerWindow(shape, stage);
  step.keys = KeysRead(stage.query_tokens, stage.context_tokens, window);
  step.pairs = CausalAttentionPairs(stage.query_tokens, stage.context_tokens, window);
  step.weight_bytes_per_element = stage.weight_bytes_per_element;
  step.activation_bytes_per_element = stage.activation_bytes_per_element;
  step.kv_bytes_per_element = stage.kv_bytes_per_element;
  return step;
}

// ---------------------------------------------------------------------------------------------
// Validation. Every check throws Error(IC_STATUS_INVALID_ARGUMENT) naming field, value and fix.

inline std::string FormatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

[[noreturn]] inline void RejectArgument(const std::string& message) {
  throw Error(IC_STATUS_INVALID_ARGUMENT, message);
}

inline void RequirePositive(const char* field, int64_t value, const char* fix) {
  if (value <= 0) {
    RejectArgument(std::string(field) + " = " + std::to_string(value) + " must be positive; " +
                   fix);
  }
}

// Tensor-parallel sizes up to 64 that divide num_heads and satisfy `accept`, e.g. "1, 2, 4, 8".
template <typename Accept>
std::string ValidTensorParallelSizes(int64_t num_heads, Accept accept) {
  std::string sizes;
  for (int64_t tp = 1; tp <= 64 && tp <= num_heads; ++tp) {
    if (num_heads % tp != 0 || !accept(tp)) continue;
    if (!sizes.empty()) sizes += ", ";
    sizes += std::to_string(tp);
  }
  return sizes;
}

// Whether `divisor` (> 0) divides `value`: a mask where the divisor is a power of two (as
// tensor-parallel sizes and head counts mostly are), a division otherwise.
inline bool Divides(int64_t divisor, int64_t value) {
  return (divisor & (divisor - 1)) == 0 ? (value & (divisor - 1)) == 0 : value % divisor == 0;
}

// Checks every attention variant needs: positive sizes and heads that split over the shards.
inline void ValidateAttentionShape(const ic_attention_shape& shape, int64_t tensor_parallel) {
  // A valid shape decided in one expression (the checks below say what is wrong otherwise).
  if (shape.hidden_size > 0 && shape.num_heads > 0 && shape.head_dim > 0 && shape.v_head_dim >= 0 &&
      shape.sliding_window >= 0 && tensor_parallel > 0 &&
      Divides(tensor_parallel, shape.num_heads)) {
    return;
  }
  RequirePositive("hidden_size", shape.hidden_size, "set it to the model's d_model");
  RequirePositive("num_heads", shape.num_heads, "set it to the number of query heads");
  RequirePositive(
      "head_dim", shape.head_dim,
      "set it to the per-head query/key size (hidden_size / num_heads for most models)");
  if (shape.v_head_dim < 0) {
    RejectArgument("v_head_dim = " + std::to_string(shape.v_head_dim) +
                   " must be >= 0; use 0 when values have head_dim dimensions");
  }
  if (shape.sliding_window < 0) {
    RejectArgument("sliding_window = " + std::to_string(shape.sliding_window) +
                   " must be >= 0; use 0 for unbounded (full causal) attention");
  }
  RequirePositive("tensor_parallel", tensor_parallel, "use 1 for an unsharded model");
  if (!Divides(tensor_parallel, shape.num_heads)) {
    RejectArgument(
        "tensor_parallel = " + std::to_string(tensor_parallel) +
        " does not divide num_heads = " + std::to_string(shape.num_heads) +
        "; use one of: " + ValidTensorParallelSizes(shape.num_heads, [](int64_t) { return true; }));
  }
}

// Checks for grouped K/V heads: they group the query heads evenly and split over the shards
// (tp divides them) or are replicated (they divide tp).
inline void ValidateKvHeadSplit(const ic_attention_shape& shape, int64_t kv_heads,
                                int64_t tensor_parallel) {
  const auto kv_splits = [kv_heads](int64_t tp) {
    return Divides(tp, kv_heads) || Divides(kv_heads, tp);
  };
  // (valid, decided in one expression; the checks below say what is wrong otherwise)
  if (kv_heads > 0 && tensor_parallel > 0 && Divides(kv_heads, shape.num_heads) &&
      kv_splits(tensor_parallel)) {
    return;
  }
  RequirePositive("num_kv_heads", kv_heads,
                  "set it to the number of key/value heads (num_heads for plain multi-head)");
  if (!Divides(kv_heads, shape.num_heads)) {
    RejectArgument("num_heads = " + std::to_string(shape.num_heads) +
                   " is not a multiple of num_kv_heads = " + std::to_string(kv_heads) +
                   "; every key/value head must serve the same number of query heads");
  }
  if (!kv_splits(tensor_parallel)) {
    RejectArgument(
        "tensor_parallel = " + std::to_string(tensor_parallel) +
        " neither divides nor is a multiple of num_kv_heads = " + std::to_string(kv_heads) +
        "; use one of: " + ValidTensorParallelSizes(shape.num_heads, kv_splits));
  }
}

inline void RequireBytesPerElement(const char* field, double value) {
  if (!FiniteNonNegative(value)) {
    RejectArgument(std::string(field) + " = " + FormatNumber(value) +
                   " must be a finite number >= 0 (e.g. 2 for bf16, 1 for fp8, 0.5 for int4)");
  }
}

// Checks of the stage every variant and kernel needs.
inline void ValidateStage(const ic_stage& stage) {
  // (valid, decided in one expression; the checks below say what is wrong otherwise)
  if ((stage.kind == IC_STAGE_PREFILL || stage.kind == IC_STAGE_DECODE) && stage.batch > 0 &&
      stage.query_tokens > 0 && stage.context_tokens >= stage.query_tokens &&
      FiniteNonNegative(stage.weight_bytes_per_element) &&
      FiniteNonNegative(stage.activation_bytes_per_element) &&
      FiniteNonNegative(stage.kv_bytes_per_element)) {
    return;
  }
  if (stage.kind != IC_STAGE_PREFILL && stage.kind != IC_STAGE_DECODE) {
    RejectArgument("stage kind = " + std::to_string(stage.kind) +
                   " is neither IC_STAGE_PREFILL (0) nor IC_STAGE_DECODE (1)");
  }
  RequirePositive("batch", stage.batch, "it counts the sequences in the step");
  RequirePositive("query_tokens", stage.query_tokens,
                  "use n for a prefill of n tokens and 1 for a decode step");
  if (stage.context_tokens < stage.query_tokens) {
    RejectArgument("context_tokens = " + std::to_string(stage.context_tokens) +
                   " is smaller than query_tokens = " + std::to_string(stage.query_tokens) +
                   "; context_tokens counts the step's new tokens too (prefill of n: n)");
  }
  RequireBytesPerElement("weight_bytes_per_element", stage.weight_bytes_per_element);
  RequireBytesPerElement("activation_bytes_per_element", stage.activation_bytes_per_element);
  RequireBytesPerElement("kv_bytes_per_element", stage.kv_bytes_per_element);
}

// ---------------------------------------------------------------------------------------------
// Phase builders.

// A token-wise linear layer: `tokens` rows times an (in x out) weight matrix, plus
// `extra_params` (a bias or norm vector) stored beside it. Activation bytes are left to the
// caller (they depend on where the output goes).
inline ic_phase_cost ProjectionPhase(ic_phase_id phase, double tokens, double in_features,
                                     double out_features, double extra_params,
                                     double weight_bytes_per_element) {
  ic_phase_cost cost = MakePhaseCost(phase);
  cost.params = in_features * out_features + extra_params;
  cost.weight_bytes = cost.params * weight_bytes_per_element;
  SetGemm(cost, tokens, out_features, in_features);
  return cost;
}

// Softmax over the causal scores: max, subtract, exp, sum, divide = 5 vector FLOPs per pair.
inline ic_phase_cost SoftmaxPhase(double batch, double heads, double pairs) {
  ic_phase_cost cost = MakePhaseCost(IC_PHASE_SOFTMAX);
  cost.vector_flops = 5 * batch * heads * pairs;
  return cost;
}

// KV-cache bytes one token adds to one layer on one shard: a key and a value per K/V head.
inline double StandardKvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage,
                                           int64_t kv_heads) {
  const double kv_heads_per_shard =
      static_cast<double>(KvHeadsPerShard(kv_heads, stage.tensor_parallel));
  const double key_and_value_dims =
      static_cast<double>(shape.head_dim) + static_cast<double>(ValueHeadDim(shape));
  return kv_heads_per_shard * key_and_value_dims * stage.kv_bytes_per_element;
}

// Bytes one sequence keeps in one layer on one shard at stage.context_tokens: every token's K/V,
// or only the last `window` tokens' on a sliding-window layer.
inline double StandardKvStateBytes(const ic_attention_shape& shape, const ic_stage& stage,
                                   int64_t kv_heads) {
  const int64_t window = LayerWindow(shape, stage);
  const int64_t kept = window > 0 ? std::min(stage.context_tokens, window) : stage.context_tokens;
  return StandardKvCacheBytesPerToken(shape, stage, kv_heads) * static_cast<double>(kept);
}

// Rejects a size beyond any model (`max`), naming it: keeps every product exact in doubles.
inline void RequireAtMost(const char* field, int64_t value, int64_t max) {
  if (value > max) {
    RejectArgument(std::string(field) + " = " + std::to_string(value) +
                   " is beyond any model; at most " + std::to_string(max));
  }
}

// Rejects a layer whose kind is neither empty (no pattern) nor `kind`: "layer 3 has kind
// \"linear_attention\"; mla costs full_attention layers only".
inline void RequireLayerKind(const ic_layer& layer, std::string_view kind, const char* variant) {
  const std::string_view actual = LayerKind(layer);
  if (actual.empty() || actual == kind) return;
  RejectArgument("layer " + std::to_string(layer.index) + " has kind \"" + std::string(actual) +
                 "\"; " + variant + " costs " + std::string(kind) +
                 " layers only (map the others to another variant with [layer_variants])");
}

// Layer kinds standard attention costs: full and sliding-window layers (and models with no
// pattern). Throws for any other kind (e.g. "linear_attention": another variant's layer).
inline void RequireStandardLayer(const ic_attention_shape& shape, const ic_layer& layer) {
  const std::string_view kind = LayerKind(layer);
  if (kind.empty() || kind == "full_attention") return;
  if (kind == "sliding_attention") {
    if (shape.sliding_window <= 0) {
      RejectArgument("layer " + std::to_string(layer.index) +
                     " is a sliding_attention layer but sliding_window is 0; set the model's "
                     "sliding_window");
    }
    return;
  }
  RejectArgument("layer " + std::to_string(layer.index) + " has kind \"" + std::string(kind) +
                 "\", which this variant cannot cost; it costs full_attention and "
                 "sliding_attention layers");
}

// The seven phases of standard attention with `kv_heads` K/V heads (unsharded count): q_proj,
// k_proj, v_proj, qk_scores, softmax, attn_v, o_proj. K and V are read once per step; no score
// traffic (the attention-kernel plugin adds it). Expects validated inputs.
inline std::array<ic_phase_cost, 7> StandardAttentionPhases(const ic_attention_shape& shape,
                                                            const ic_stage& stage,
                                                            int64_t kv_heads) {
  const AttentionStep s = AttentionStepOf(shape, stage);
  const double ab = s.activation_bytes_per_element;
  const double kb = s.kv_bytes_per_element;
  const double d = static_cast<double>(shape.hidden_size);
  const double dh = static_cast<double>(shape.head_dim);
  const double dv = static_cast<double>(ValueHeadDim(shape));
  const double heads = static_cast<double>(HeadsPerShard(shape.num_heads, stage.tensor_parallel));
  const double kv = static_cast<double>(KvHeadsPerShard(kv_heads, stage.tensor_parallel));
  const bool qkv_bias = (shape.flags & IC_ATTENTION_FLAG_QKV_BIAS) != 0;
  const bool o_bias = (shape.flags & IC_ATTENTION_FLAG_O_BIAS) != 0;
  const double wb = s.weight_bytes_per_element;

  // Each record built where it is returned (records built apart and then copied in are read
  // back in wider loads than they were stored in, which stalls).
  std::array<ic_phase_cost, 7> phases{
      ProjectionPhase(IC_PHASE_Q_PROJ, s.tokens, d, heads * dh, qkv_bias ? heads * dh : 0, wb),
      ProjectionPhase(IC_PHASE_K_PROJ, s.tokens, d, kv * dh, qkv_bias ? kv * dh : 0, wb),
      ProjectionPhase(IC_PHASE_V_PROJ, s.tokens, d, kv * dv, qkv_bias ? kv * dv : 0, wb),
      MakePhaseCost(IC_PHASE_QK_SCORES),
      SoftmaxPhase(s.batch, heads, s.pairs),
      MakePhaseCost(IC_PHASE_ATTN_V),
      ProjectionPhase(IC_PHASE_O_PROJ, s.tokens, heads * dv, d, o_bias ? d : 0, wb)};
  ic_phase_cost& q_proj = phases[0];
  ic_phase_cost& k_proj = phases[1];
  ic_phase_cost& v_proj = phases[2];
  ic_phase_cost& qk_scores = phases[3];
  ic_phase_cost& attn_v = phases[5];
  ic_phase_cost& o_proj = phases[6];

  q_proj.activation_bytes = s.tokens * d * ab + s.tokens * heads * dh * ab;  // read x, write q

  k_proj.activation_bytes = s.tokens * d * ab;      // read x
  k_proj.kv_write_bytes = s.tokens * kv * dh * kb;  // the new keys go to the cache

  v_proj.activation_bytes = s.tokens * d * ab;      // read x
  v_proj.kv_write_bytes = s.tokens * kv * dv * kb;  // the new values go to the cache
  // With fewer K/V heads than shards, shards sharing a head hold the same K and V weights.
  k_proj.weight_copies = v_proj.weight_copies = KvHeadWeightCopies(kv_heads, stage.tensor_parallel);

  // Causal scores: 2 FLOPs per (query, key) pair and head dimension, not the full q x keys box.
  SetGemm(qk_scores, s.query_tokens, s.keys, dh, s.batch * heads);
  qk_scores.matrix_flops = 2 * s.batch * heads * dh * s.pairs;
  qk_scores.kv_read_bytes = s.batch * s.keys * kv * dh * kb;  // K cache read once per step
  qk_scores.activation_bytes = s.tokens * heads * dh * ab;    // read q

  SetGemm(attn_v, s.query_tokens, dv, s.keys, s.batch * heads);
  attn_v.matrix_flops = 2 * s.batch * heads * dv * s.pairs;
  attn_v.kv_read_bytes = s.batch * s.keys * kv * dv * kb;  // V cache read once per step
  attn_v.activation_bytes = s.tokens * heads * dv * ab;    // write the attention output

  o_proj.activation_bytes = s.tokens * heads * dv * ab + s.tokens * d * ab;  // read o, write y

  return phases;
}

}  // namespace attention_math
}  // namespace v1
}  // namespace infercost::sdk

#endif  // INFERCOST_SDK_ATTENTION_MATH_H_
