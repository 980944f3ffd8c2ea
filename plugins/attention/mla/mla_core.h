// Multi-head latent attention's formulas, shared by the in-tree plugins built on MLA (mla, and
// dsa's main attention). Included by one source file of each plugin (an unnamed namespace:
// every plugin keeps its own copy, nothing is exported).
#ifndef INFERCOST_PLUGINS_ATTENTION_MLA_MLA_CORE_H_
#define INFERCOST_PLUGINS_ATTENTION_MLA_MLA_CORE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "infercost/sdk/attention_math.h"
#include "infercost/sdk/plugin.h"

namespace {

namespace am = infercost::sdk::attention_math;
using infercost::sdk::MakePhaseCost;
using infercost::sdk::SetGemm;

// The MLA sizes of one shard, as doubles.
struct LatentDims {
  double hidden;   // d
  double heads;    // H: query heads on this shard
  double q_rank;   // rq: query latent rank (0 = queries not compressed)
  double kv_rank;  // r: key/value latent rank
  double nope;     // dn: per-head query/key dims without RoPE
  double rope;     // dr: decoupled RoPE dims (one key shared by all heads)
  double value;    // dv: per-head value dims
};

// MLA's hyper-parameters, from the options (ABI 1.1 host) or the 1.0 shape fields.
struct MlaParams {
  int64_t q_lora_rank = 0;
  int64_t kv_lora_rank = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t v_head_dim = 0;
  ic_mla_form form = IC_MLA_FORM_DEFAULT;
};

constexpr std::string_view kOptionNames[] = {"q_lora_rank",      "kv_lora_rank", "qk_nope_head_dim",
                                             "qk_rope_head_dim", "v_head_dim",   "mla_form"};

MlaParams ParamsOf(const ic_attention_shape& shape, const ic_stage* stage) {
  MlaParams p;
  if (!IC_HAS_FIELD(&shape, ic_attention_shape, option_size)) {  // a 1.0 host
    p.q_lora_rank = shape.q_lora_rank;
    p.kv_lora_rank = shape.kv_lora_rank;
    p.qk_nope_head_dim = shape.qk_nope_head_dim;
    p.qk_rope_head_dim = shape.qk_rope_head_dim;
    p.v_head_dim = shape.v_head_dim;
    p.form = stage != nullptr ? stage->mla_form : IC_MLA_FORM_DEFAULT;
    return p;
  }
  const infercost::sdk::Options options(shape);
  p.q_lora_rank = options.Int("q_lora_rank", 0, /*allow_zero=*/true);
  p.kv_lora_rank = options.Int("kv_lora_rank");
  p.qk_nope_head_dim = options.Int("qk_nope_head_dim");
  p.qk_rope_head_dim = options.Int("qk_rope_head_dim");
  p.v_head_dim = options.Int("v_head_dim");
  const std::string form = options.String("mla_form", "default");
  if (form == "decompress") {
    p.form = IC_MLA_FORM_DECOMPRESS;
  } else if (form == "absorbed") {
    p.form = IC_MLA_FORM_ABSORBED;
  } else if (form != "default") {
    ic_option option{};
    options.Find("mla_form", &option);
    infercost::sdk::Options::Reject(option, "= \"" + form +
                                                "\" is not known; use default, decompress or "
                                                "absorbed");
  }
  return p;
}

LatentDims LatentDimsOf(const ic_attention_shape& shape, const MlaParams& p,
                        int64_t tensor_parallel) {
  LatentDims m{};
  m.hidden = static_cast<double>(shape.hidden_size);
  m.heads = static_cast<double>(am::HeadsPerShard(shape.num_heads, tensor_parallel));
  m.q_rank = static_cast<double>(p.q_lora_rank);
  m.kv_rank = static_cast<double>(p.kv_lora_rank);
  m.nope = static_cast<double>(p.qk_nope_head_dim);
  m.rope = static_cast<double>(p.qk_rope_head_dim);
  m.value = static_cast<double>(p.v_head_dim);
  return m;
}

ic_mla_form ResolveForm(const MlaParams& p, const ic_stage& stage) {
  if (p.form != IC_MLA_FORM_DEFAULT) return p.form;
  return stage.kind == IC_STAGE_PREFILL ? IC_MLA_FORM_DECOMPRESS : IC_MLA_FORM_ABSORBED;
}

// Query path without compression: d -> H*(dn+dr).
ic_phase_cost QueryProjection(const LatentDims& m, const am::AttentionStep& s) {
  const double out = m.heads * (m.nope + m.rope);
  ic_phase_cost cost =
      am::ProjectionPhase(IC_PHASE_Q_PROJ, s.tokens, m.hidden, out, 0, s.weight_bytes_per_element);
  cost.activation_bytes = s.tokens * m.hidden * s.activation_bytes_per_element +
                          s.tokens * out * s.activation_bytes_per_element;  // read x, write q
  return cost;
}

// d -> rq, replicated; the q_a_layernorm weight (rq) lives beside it.
ic_phase_cost QueryDownProjection(const LatentDims& m, const am::AttentionStep& s) {
  ic_phase_cost cost = am::ProjectionPhase(IC_PHASE_Q_A_PROJ, s.tokens, m.hidden, m.q_rank,
                                           m.q_rank, s.weight_bytes_per_element);
  cost.activation_bytes = s.tokens * m.hidden * s.activation_bytes_per_element +
                          s.tokens * m.q_rank * s.activation_bytes_per_element;  // read x, write
  return cost;
}

// rq -> H*(dn+dr), split by heads.
ic_phase_cost QueryUpProjection(const LatentDims& m, const am::AttentionStep& s) {
  const double out = m.heads * (m.nope + m.rope);
  ic_phase_cost cost = am::ProjectionPhase(IC_PHASE_Q_B_PROJ, s.tokens, m.q_rank, out, 0,
                                           s.weight_bytes_per_element);
  cost.activation_bytes = s.tokens * m.q_rank * s.activation_bytes_per_element +
                          s.tokens * out * s.activation_bytes_per_element;  // read, write q
  return cost;
}

// d -> r+dr, replicated: the latent and the RoPE key that go to the cache; the kv_a_layernorm
// weight (r) lives beside it.
ic_phase_cost LatentProjection(const LatentDims& m, const am::AttentionStep& s) {
  ic_phase_cost cost =
      am::ProjectionPhase(IC_PHASE_KV_A_PROJ, s.tokens, m.hidden, m.kv_rank + m.rope, m.kv_rank,
                          s.weight_bytes_per_element);
  cost.activation_bytes = s.tokens * m.hidden * s.activation_bytes_per_element;  // read x
  cost.kv_write_bytes = s.tokens * (m.kv_rank + m.rope) * s.kv_bytes_per_element;
  return cost;
}

// W_UK (r -> H*dn) and W_UV (r -> H*dv), split by heads.
ic_phase_cost LatentUpProjection(const LatentDims& m, const am::AttentionStep& s,
                                 ic_mla_form form) {
  const double ab = s.activation_bytes_per_element;
  ic_phase_cost cost = MakePhaseCost(IC_PHASE_KV_B_PROJ);
  cost.params = m.kv_rank * m.heads * (m.nope + m.value);
  cost.weight_bytes = cost.params * s.weight_bytes_per_element;
  if (form == IC_MLA_FORM_DECOMPRESS) {
    // Materialise K_nope and V of every key for every head: (B*keys x r) by (r x H*(dn+dv)).
    SetGemm(cost, s.batch * s.keys, m.heads * (m.nope + m.value), m.kv_rank);
    cost.activation_bytes = s.batch * s.keys * m.heads * (m.nope + m.value) * ab;  // written
  } else {
    // Absorbed: per head, q_nope (T x dn) times W_UK^T (dn x r), and the latent output (T x r)
    // times W_UV (r x dv): 2*T*H*dn*r + 2*T*H*r*dv. The recorded shape is the first product.
    SetGemm(cost, s.tokens, m.kv_rank, m.nope, m.heads);
    cost.matrix_flops =
        2 * s.tokens * m.heads * m.nope * m.kv_rank + 2 * s.tokens * m.heads * m.kv_rank * m.value;
    // The absorbed query is written and the latent-space output read: T*H*r each.
    cost.activation_bytes = s.tokens * m.heads * m.kv_rank * ab * 2;
  }
  return cost;
}

ic_phase_cost Scores(const LatentDims& m, const am::AttentionStep& s, ic_mla_form form) {
  const double ab = s.activation_bytes_per_element;
  ic_phase_cost cost = MakePhaseCost(IC_PHASE_QK_SCORES);
  // The cached latent and RoPE key are read once per step in both forms.
  cost.kv_read_bytes = s.batch * s.keys * (m.kv_rank + m.rope) * s.kv_bytes_per_element;
  if (form == IC_MLA_FORM_DECOMPRESS) {
    // Per-head dot products over dn+dr dims per causal pair.
    SetGemm(cost, s.query_tokens, s.keys, m.nope + m.rope, s.batch * m.heads);
    cost.matrix_flops = 2 * s.batch * m.heads * (m.nope + m.rope) * s.pairs;
    cost.activation_bytes = s.tokens * m.heads * (m.nope + m.rope) * ab +  // read q
                            s.batch * s.keys * m.heads * m.nope * ab;      // read materialised K
  } else {
    // Dot products over the r+dr latent dims; all heads share the latent, so the heads stack
    // as rows of one matmul per sequence (as FlashMLA does).
    SetGemm(cost, s.query_tokens * m.heads, s.keys, m.kv_rank + m.rope, s.batch);
    cost.matrix_flops = 2 * s.batch * m.heads * (m.kv_rank + m.rope) * s.pairs;
    cost.activation_bytes = s.tokens * m.heads * (m.kv_rank + m.rope) * ab;  // read q
  }
  return cost;
}

ic_phase_cost WeightedValues(const LatentDims& m, const am::AttentionStep& s, ic_mla_form form) {
  const double ab = s.activation_bytes_per_element;
  ic_phase_cost cost = MakePhaseCost(IC_PHASE_ATTN_V);
  if (form == IC_MLA_FORM_DECOMPRESS) {
    SetGemm(cost, s.query_tokens, m.value, s.keys, s.batch * m.heads);
    cost.matrix_flops = 2 * s.batch * m.heads * m.value * s.pairs;
    cost.activation_bytes = s.batch * s.keys * m.heads * m.value * ab +  // read materialised V
                            s.tokens * m.heads * m.value * ab;           // write the output
  } else {
    // Probabilities times the latent (r dims). No KV read: the latent tile already read for
    // the scores serves as V.
    SetGemm(cost, s.query_tokens * m.heads, m.kv_rank, s.keys, s.batch);
    cost.matrix_flops = 2 * s.batch * m.heads * m.kv_rank * s.pairs;
    cost.activation_bytes = s.tokens * m.heads * m.kv_rank * ab;  // write the latent output
  }
  return cost;
}

// H*dv -> d, split by heads.
ic_phase_cost OutputProjection(const LatentDims& m, const am::AttentionStep& s, bool bias) {
  ic_phase_cost cost = am::ProjectionPhase(IC_PHASE_O_PROJ, s.tokens, m.heads * m.value, m.hidden,
                                           bias ? m.hidden : 0, s.weight_bytes_per_element);
  cost.activation_bytes = s.tokens * m.heads * m.value * s.activation_bytes_per_element +
                          s.tokens * m.hidden * s.activation_bytes_per_element;  // read o, write y
  return cost;
}

// Checks MLA's shape and hyper-parameters on `tensor_parallel` shards.
void CheckMla(const ic_attention_shape& shape, const MlaParams& p, int64_t tensor_parallel) {
  am::ValidateAttentionShape(shape, tensor_parallel);
  // Far above any model (DeepSeek-V3: 1536 / 512 / 128 / 64 / 128); keeps every sum and
  // product below exact-integer double range.
  constexpr int64_t kMaxRank = int64_t{1} << 24;
  for (const auto& [name, value] :
       {std::pair{"q_lora_rank", p.q_lora_rank}, std::pair{"kv_lora_rank", p.kv_lora_rank},
        std::pair{"qk_nope_head_dim", p.qk_nope_head_dim},
        std::pair{"qk_rope_head_dim", p.qk_rope_head_dim}, std::pair{"v_head_dim", p.v_head_dim}}) {
    am::RequireAtMost(name, value, kMaxRank);
  }
  am::RequirePositive("kv_lora_rank", p.kv_lora_rank,
                      "MLA caches a latent of this rank (512 for DeepSeek-V2/V3)");
  am::RequirePositive("qk_rope_head_dim", p.qk_rope_head_dim,
                      "MLA caches a decoupled RoPE key of this size (64 for DeepSeek-V2/V3)");
  am::RequirePositive("qk_nope_head_dim", p.qk_nope_head_dim,
                      "set the per-head query/key dims without RoPE (128 for DeepSeek-V2/V3)");
  am::RequirePositive("v_head_dim", p.v_head_dim,
                      "set the per-head value dims (128 for DeepSeek-V2/V3)");
  if (p.q_lora_rank < 0) {
    am::RejectArgument("q_lora_rank = " + std::to_string(p.q_lora_rank) +
                       " must be >= 0; use 0 when queries are not compressed");
  }
  if (shape.head_dim != p.qk_nope_head_dim + p.qk_rope_head_dim) {
    am::RejectArgument("head_dim = " + std::to_string(shape.head_dim) +
                       " must equal qk_nope_head_dim + qk_rope_head_dim = " +
                       std::to_string(p.qk_nope_head_dim + p.qk_rope_head_dim) + " for MLA");
  }
  if (p.form != IC_MLA_FORM_DEFAULT && p.form != IC_MLA_FORM_DECOMPRESS &&
      p.form != IC_MLA_FORM_ABSORBED) {
    am::RejectArgument("mla_form = " + std::to_string(p.form) +
                       " is not IC_MLA_FORM_DEFAULT (0), _DECOMPRESS (1) or _ABSORBED (2)");
  }
}

// MLA's parameters for `stage`, checked with the shape and the stage.
MlaParams CheckMlaStep(const ic_attention_shape& shape, const ic_stage& stage) {
  const MlaParams p = ParamsOf(shape, &stage);
  CheckMla(shape, p, stage.tensor_parallel);
  am::ValidateStage(stage);
  return p;
}

// Emits MLA's phases of one layer on one shard: queries (compressed or not), the latent, its
// up-projection, scores, softmax, values and the output, in `p`'s form.
void EmitMla(const ic_attention_shape& shape, const ic_stage& stage, const MlaParams& p,
             const infercost::sdk::PhaseSink& sink) {
  const LatentDims m = LatentDimsOf(shape, p, stage.tensor_parallel);
  const am::AttentionStep s = am::AttentionStepOf(shape, stage);
  const ic_mla_form form = ResolveForm(p, stage);
  // The down-projections' weights are replicated: every GPU of the group holds them whole
  // (ABI 1.2 weight_copies).
  const double every_gpu = static_cast<double>(stage.tensor_parallel);
  if (p.q_lora_rank > 0) {
    ic_phase_cost q_down = QueryDownProjection(m, s);
    q_down.weight_copies = every_gpu;
    sink.Emit(q_down);
    sink.Emit(QueryUpProjection(m, s));
  } else {
    sink.Emit(QueryProjection(m, s));
  }
  ic_phase_cost latent = LatentProjection(m, s);
  latent.weight_copies = every_gpu;
  sink.Emit(latent);
  sink.Emit(LatentUpProjection(m, s, form));
  sink.Emit(Scores(m, s, form));
  sink.Emit(am::SoftmaxPhase(s.batch, m.heads, s.pairs));
  sink.Emit(WeightedValues(m, s, form));
  sink.Emit(OutputProjection(m, s, (shape.flags & IC_ATTENTION_FLAG_O_BIAS) != 0));
}

}  // namespace

#endif  // INFERCOST_PLUGINS_ATTENTION_MLA_MLA_CORE_H_
