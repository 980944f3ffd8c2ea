#include "framework/ledger/builtin_phases.h"

#include <cmath>

#include "infercost/sdk/attention_math.h"
#include "infercost/sdk/phase_sink.h"

namespace infercost::framework {
namespace {

using sdk::MakePhaseCost;
using sdk::attention_math::ProjectionPhase;

// Bytes of the fp32 logits engines compute and sample from.
constexpr double kLogitBytes = 4;
// Element-wise FLOPs per element: RMSNorm = square, sum, scale, weight (4); LayerNorm adds
// mean, subtract, bias (7); SiLU-gated = exp, add, divide, multiply x, multiply up (5);
// tanh-GELU ~ 8; softmax = max, subtract, exp, sum, divide (5).
constexpr double kRmsNormFlops = 4;
constexpr double kLayerNormFlops = 7;
constexpr double kSwiGluFlops = 5;
constexpr double kGeluFlops = 8;
constexpr double kSoftmaxFlops = 5;

double Dim(int64_t value) { return static_cast<double>(value); }

// A size split over the step's tensor-parallel shards.
double Shard(int64_t value, const Step& step) { return Dim(value) / Dim(step.tensor_parallel); }

bool Gated(const registry::Model& model) {
  return model.ffn_activation == registry::FfnActivation::kSwiGlu;
}

// A projection reading x (in) and writing y (out) for every token.
ic_phase_cost TokenProjection(ic_phase_id phase, double tokens, double in, double out,
                              const Precision& p) {
  ic_phase_cost cost = ProjectionPhase(phase, tokens, in, out, 0, p.weight);
  cost.activation_bytes = tokens * (in + out) * p.activation;
  return cost;
}

// The element-wise activation between up and down over `width` features per token.
ic_phase_cost ActivationPhase(const registry::Model& model, double tokens, double width,
                              const Precision& p) {
  ic_phase_cost cost = MakePhaseCost(IC_PHASE_FFN_ACT);
  const bool gated = Gated(model);
  cost.vector_flops = (gated ? kSwiGluFlops : kGeluFlops) * tokens * width;
  // Gated: read gate and up, write the product; plain: read and write one tensor.
  cost.activation_bytes = (gated ? 3 : 2) * tokens * width * p.activation;
  return cost;
}

// Params of one FFN of `width`: gate + up + down (gated) or up + down.
double FfnParams(const registry::Model& model, double width) {
  return (Gated(model) ? 3 : 2) * Dim(model.hidden_size) * width;
}

// Activation traffic of one token through one FFN of `width`: x in, hidden out and back in,
// the activation's own traffic, y out.
double FfnActivationBytesPerToken(const registry::Model& model, double width, const Precision& p) {
  const double d = Dim(model.hidden_size);
  const double projections_in = Gated(model) ? 2 : 1;
  const double hidden_traffic =
      projections_in * (d + width) + (Gated(model) ? 3 : 2) * width + (width + d);
  return hidden_traffic * p.activation;
}

}  // namespace

ic_phase_cost TokenIdsPhase() { return MakePhaseCost(IC_PHASE_TOKEN_IDS); }

ic_phase_cost EmbeddingPhase(const registry::Model& model, const Step& step, const Precision& p) {
  ic_phase_cost cost = MakePhaseCost(IC_PHASE_EMBEDDING);
  const double d = Dim(model.hidden_size);
  cost.params = Shard(model.vocab_size, step) * d;  // the V x d table (vocab-parallel slice)
  // One row gathered per token; with the vocabulary split, each shard holds 1/tp of the rows.
  cost.weight_bytes = step.tokens() * d * p.weight / Dim(step.tensor_parallel);
  cost.activation_bytes = step.tokens() * d * p.activation;  // the rows written out
  return cost;
}

ic_phase_cost NormPhase(ic_phase_id phase, const registry::Model& model, const Step& step,
                        const Precision& p) {
  ic_phase_cost cost = MakePhaseCost(phase);
  const double d = Dim(model.hidden_size);
  const bool layer_norm = model.norm == registry::NormKind::kLayerNorm;
  cost.params = (layer_norm ? 2 : 1) * d;  // scale (and LayerNorm's bias) vectors
  cost.weight_bytes = cost.params * p.weight;
  cost.vector_flops = (layer_norm ? kLayerNormFlops : kRmsNormFlops) * step.tokens() * d;
  cost.activation_bytes = 2 * step.tokens() * d * p.activation;  // read x, write normalised x
  cost.weight_copies = Dim(step.tensor_parallel);  // every GPU of the group holds the vector
  return cost;
}

void AppendDenseFfnPhases(const registry::Model& model, int64_t ffn_width, const Step& step,
                          const Precision& p, std::vector<ic_phase_cost>& phases) {
  const double d = Dim(model.hidden_size);
  const double width = Shard(ffn_width, step);  // column-parallel up/gate, row-parallel down
  const double tokens = step.tokens();
  if (Gated(model)) phases.push_back(TokenProjection(IC_PHASE_FFN_GATE, tokens, d, width, p));
  phases.push_back(TokenProjection(IC_PHASE_FFN_UP, tokens, d, width, p));
  phases.push_back(ActivationPhase(model, tokens, width, p));
  phases.push_back(TokenProjection(IC_PHASE_FFN_DOWN, tokens, width, d, p));
}

double ExpectedExpertsTouched(double num_experts, double experts_per_token, double tokens) {
  // Each token picks k of E experts; an expert is missed by one token with probability 1 - k/E,
  // so by all `tokens` independently with (1 - k/E)^tokens.
  return num_experts * (1 - std::pow(1 - experts_per_token / num_experts, tokens));
}

void AppendMoeFfnPhases(const registry::Model& model, const Step& step, const Precision& p,
                        std::vector<ic_phase_cost>& phases) {
  const registry::MoeConfig& moe = *model.moe;
  const double d = Dim(model.hidden_size);
  const double tokens = step.tokens();
  const double experts = Dim(moe.num_experts);
  const double top_k = Dim(moe.experts_per_token);
  const double full_width = Dim(moe.expert_intermediate_size);
  const double expert_params = FfnParams(model, full_width);  // one whole expert
  const double matrices = Gated(model) ? 3 : 2;
  // The GPUs that share the layer's experts, how the experts are spread over them, and the tokens
  // they route between them (every data-parallel replica's).
  const double group = Dim(step.tensor_parallel) * Dim(step.data_parallel);
  const double expert_parallel = Dim(step.expert_parallel);
  const double expert_tensor = group / expert_parallel;  // splits each expert's width
  const double group_tokens = tokens * Dim(step.data_parallel);

  ic_phase_cost router = TokenProjection(IC_PHASE_MOE_ROUTER, tokens, d, experts, p);
  router.vector_flops = kSoftmaxFlops * tokens * experts;  // scores -> top-k weights
  router.weight_copies = Dim(step.tensor_parallel);  // every GPU of the group holds the router
  phases.push_back(router);

  ic_phase_cost routed = MakePhaseCost(IC_PHASE_MOE_EXPERTS);
  const double local_experts = experts / expert_parallel;
  // This GPU's experts each miss all group tokens with probability (1 - k/E)^tokens.
  const double touched = ExpectedExpertsTouched(experts, top_k, group_tokens) / expert_parallel;
  // The busiest GPU receives `imbalance` x its mean share (1/group) of the routed token-experts.
  const double routed_share = group_tokens * top_k / group * step.moe_imbalance;
  routed.params = local_experts * expert_params / expert_tensor;
  routed.weight_bytes = touched * expert_params / expert_tensor * p.WeightOf(routed.phase);
  routed.matrix_flops = 2 * routed_share * expert_params;
  routed.vector_flops = (Gated(model) ? kSwiGluFlops : kGeluFlops) * routed_share * full_width;
  routed.activation_bytes = routed_share * FfnActivationBytesPerToken(model, full_width, p);
  routed.gemm_m = static_cast<int64_t>(std::ceil(group_tokens * top_k / experts));  // per expert
  routed.gemm_n = static_cast<int64_t>(full_width / expert_tensor);
  routed.gemm_k = model.hidden_size;
  routed.gemm_count = static_cast<int64_t>(std::ceil(touched * matrices));
  phases.push_back(routed);

  if (moe.num_shared_experts > 0) {
    const double shared = Dim(moe.num_shared_experts);
    const double width = Shard(moe.expert_intermediate_size, step);  // split like a dense FFN
    ic_phase_cost cost = MakePhaseCost(IC_PHASE_MOE_SHARED_EXPERTS);
    cost.params = shared * FfnParams(model, width);
    cost.weight_bytes = cost.params * p.weight;  // every token uses every shared expert
    cost.matrix_flops = 2 * tokens * cost.params;
    cost.vector_flops = (Gated(model) ? kSwiGluFlops : kGeluFlops) * tokens * shared * width;
    cost.activation_bytes = tokens * shared * FfnActivationBytesPerToken(model, width, p);
    cost.gemm_m = static_cast<int64_t>(tokens);
    cost.gemm_n = static_cast<int64_t>(width) * moe.num_shared_experts;
    cost.gemm_k = model.hidden_size;
    cost.gemm_count = static_cast<int64_t>(matrices);
    phases.push_back(cost);
  }

  // Experts beyond one tensor-parallel group: each GPU sends its share of the replica's tokens
  // (T / TP of them, k copies of d activations each) to the experts' GPUs and gets them back.
  if (UsesExpertAllToAll(step)) {
    for (ic_phase_id phase : {IC_PHASE_EP_DISPATCH, IC_PHASE_EP_COMBINE}) {
      ic_phase_cost a2a = MakePhaseCost(phase);
      a2a.comm_bytes = tokens / Dim(step.tensor_parallel) * top_k * d * p.activation;
      phases.push_back(a2a);
    }
  }
}

bool UsesExpertAllToAll(const Step& step) {
  return step.expert_parallel > 1 || step.data_parallel > 1;
}

ic_phase_cost AllReducePhase(ic_phase_id phase, const registry::Model& model, const Step& step,
                             const Precision& p) {
  ic_phase_cost cost = MakePhaseCost(phase);
  cost.comm_bytes = step.tokens() * Dim(model.hidden_size) * p.activation;  // the T x d output
  return cost;
}

ic_phase_cost QkNormAllReducePhase(const Step& step) {
  constexpr double kVarianceBytes = 2 * 4;  // the query's and the key's, fp32
  ic_phase_cost cost = MakePhaseCost(IC_PHASE_ATTN_ALL_REDUCE);
  cost.comm_bytes = step.tokens() * kVarianceBytes;
  return cost;
}

ic_phase_cost PipelineSendPhase(const registry::Model& model, const Step& step,
                                const Precision& p) {
  ic_phase_cost cost = MakePhaseCost(IC_PHASE_PP_SEND_RECV);
  cost.comm_bytes = step.tokens() * Dim(model.hidden_size) * p.activation;  // one stage boundary
  return cost;
}

CollectivePlan CollectiveOf(ic_phase_id phase, const Step& step) {
  CollectivePlan plan;
  plan.phase = phase;
  const auto crosses = [&](int64_t gpus) {
    return step.gpus_per_node > 0 && gpus > step.gpus_per_node;
  };
  switch (phase) {
    case IC_PHASE_PP_SEND_RECV:  // one hop per stage boundary; stages fill nodes in order
      plan.op = IC_COLLECTIVE_SEND_RECV;
      plan.group_size = 2;
      plan.spans_nodes = crosses(step.tensor_parallel * step.data_parallel * 2);
      plan.hops = static_cast<double>(step.pipeline_parallel - 1);
      break;
    case IC_PHASE_EP_DISPATCH:
    case IC_PHASE_EP_COMBINE:
      plan.op = IC_COLLECTIVE_ALL_TO_ALL;
      plan.group_size = step.tensor_parallel * step.data_parallel;
      plan.spans_nodes = crosses(plan.group_size);
      break;
    default:  // attn_all_reduce, ffn_all_reduce
      plan.op = IC_COLLECTIVE_ALL_REDUCE;
      plan.group_size = step.tensor_parallel;
      plan.spans_nodes = crosses(step.tensor_parallel);
  }
  return plan;
}

ic_phase_cost LmHeadPhase(const registry::Model& model, const Step& step, const Precision& p) {
  const double d = Dim(model.hidden_size);
  const double vocab = Shard(model.vocab_size, step);  // vocab-parallel slice
  const double rows = Dim(step.batch);                 // logits only for each sequence's last token
  ic_phase_cost cost = ProjectionPhase(IC_PHASE_LM_HEAD, rows, d, vocab, 0, p.weight);
  if (model.tie_word_embeddings) cost.params = 0;  // shared with the embedding table
  cost.activation_bytes = rows * d * p.activation + rows * vocab * kLogitBytes;
  return cost;
}

ic_phase_cost SamplingPhase(const registry::Model& model, const Step& step) {
  ic_phase_cost cost = MakePhaseCost(IC_PHASE_SAMPLING);
  const double vocab = Shard(model.vocab_size, step);
  cost.vector_flops = kSoftmaxFlops * Dim(step.batch) * vocab;
  cost.activation_bytes = Dim(step.batch) * vocab * kLogitBytes;  // read the logits
  return cost;
}

}  // namespace infercost::framework
