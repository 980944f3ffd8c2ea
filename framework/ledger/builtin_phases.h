// The phases the framework computes itself (everything but attention): vocabulary, norms,
// dense FFN and MoE, and tensor-parallel all-reduces. One function per formula; each returns
// ONE layer's cost (or the model's, for vocabulary phases and the final norm) for the whole batch
// of a step on ONE tensor-parallel shard (step.tensor_parallel; 1 = the whole model). FFN width,
// experts' width and the vocabulary are split over the shards; norms and the router are
// replicated.
//
//   ic_phase_cost up = FfnProjection(IC_PHASE_FFN_UP, model.hidden_size, d_ff, step, precision);
#ifndef INFERCOST_FRAMEWORK_LEDGER_BUILTIN_PHASES_H_
#define INFERCOST_FRAMEWORK_LEDGER_BUILTIN_PHASES_H_

#include <vector>

#include "framework/ledger/ledger.h"
#include "framework/ledger/step.h"
#include "infercost/c/phase.h"
#include "registry/model.h"

namespace infercost::framework {

// Token ids: no compute, no bytes (the explainer's first card).
ic_phase_cost TokenIdsPhase();
// Embedding lookup: a V x d table, one row read per token.
ic_phase_cost EmbeddingPhase(const registry::Model& model, const Step& step, const Precision& p);
// RMSNorm / LayerNorm over d features (attn_norm, ffn_norm, final_norm).
ic_phase_cost NormPhase(ic_phase_id phase, const registry::Model& model, const Step& step,
                        const Precision& p);
// Dense FFN of width d_ff: gate (gated activations only), up, act, down, appended to `phases`.
void AppendDenseFfnPhases(const registry::Model& model, int64_t ffn_width, const Step& step,
                          const Precision& p, std::vector<ic_phase_cost>& phases);
// MoE FFN on one GPU: router, routed experts (weights of this GPU's experts that the step
// touches, work of the tokens routed to them), shared experts, and the expert-parallel
// dispatch/combine all-to-alls when the experts span more than one tensor-parallel group,
// appended to `phases`.
void AppendMoeFfnPhases(const registry::Model& model, const Step& step, const Precision& p,
                        std::vector<ic_phase_cost>& phases);
// True when MoE layers exchange tokens with all-to-alls (experts beyond one TP group) instead of
// an all-reduce.
bool UsesExpertAllToAll(const Step& step);
// Experts one layer's step is expected to touch: E * (1 - (1 - k/E)^tokens).
double ExpectedExpertsTouched(double num_experts, double experts_per_token, double tokens);
// The all-reduce a per-layer QK-norm (registry::QkNorm::kPerLayer) adds to each layer's attention
// under tensor parallelism: each token's query and key variances over the GPU's heads, 2 fp32
// values, summed over the GPUs (vLLM's MiniMaxText01RMSNormTP.forward_qk: one all-reduce for both).
// An IC_PHASE_ATTN_ALL_REDUCE record beside the attention output's.
ic_phase_cost QkNormAllReducePhase(const Step& step);
// Tensor-parallel all-reduce of the layer's output (after attention or after the FFN): each
// shard contributes T x d activations. Only meaningful when step.tensor_parallel > 1.
ic_phase_cost AllReducePhase(ic_phase_id phase, const registry::Model& model, const Step& step,
                             const Precision& p);
// Pipeline-parallel hand-off of the T x d activations from one stage to the next (one hop).
ic_phase_cost PipelineSendPhase(const registry::Model& model, const Step& step, const Precision& p);
// The collective that moves communication phase `phase` in `step`'s layout: the one place that
// reasons about groups and nodes (tensor-parallel all-reduces over TP GPUs; expert all-to-alls
// over TP x DP; pipeline hand-offs between two GPUs, pp - 1 of them per step, crossing nodes
// when one stage's TP x DP GPUs fill a node).
CollectivePlan CollectiveOf(ic_phase_id phase, const Step& step);
// LM head: d -> V for the tokens that need logits (the last one of each sequence).
ic_phase_cost LmHeadPhase(const registry::Model& model, const Step& step, const Precision& p);
// Sampling: softmax / top-k over V fp32 logits per sequence.
ic_phase_cost SamplingPhase(const registry::Model& model, const Step& step);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_BUILTIN_PHASES_H_
