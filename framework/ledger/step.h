// One forward step of the model: how many sequences, how many new tokens each, how long the
// context, and the byte sizes of what moves. The unit every ledger formula is written for.
//
//   Step decode{IC_STAGE_DECODE, /*batch=*/1, /*query_tokens=*/1, /*context_tokens=*/750};
#ifndef INFERCOST_FRAMEWORK_LEDGER_STEP_H_
#define INFERCOST_FRAMEWORK_LEDGER_STEP_H_

#include <cstdint>

#include "infercost/c/attention_variant.h"

namespace infercost::framework {

struct Step {
  ic_stage_kind kind = IC_STAGE_DECODE;
  int64_t batch = 1;            // sequences processed together
  int64_t query_tokens = 1;     // new tokens per sequence (prefill: the prompt; decode: 1)
  int64_t context_tokens = 1;   // tokens attended per sequence, the new ones included
  int64_t tensor_parallel = 1;  // shards of heads, FFN width and vocabulary (1 = whole model)
  // MoE layers: the step's tokens are one of `data_parallel` replicas' share of a group of
  // tensor_parallel x data_parallel GPUs whose routed experts are spread over `expert_parallel`
  // of them; the busiest GPU gets `moe_imbalance` x the mean routed tokens.
  int64_t data_parallel = 1;
  int64_t pipeline_parallel = 1;  // > 1: activations hop between stages (pp_send_recv)
  int64_t expert_parallel = 1;
  double moe_imbalance = 1;
  // GPUs one scale-up domain (node) holds: a collective over more crosses nodes. 0 = unknown
  // (whole-model ledgers, which time nothing).
  int64_t gpus_per_node = 0;
  double tokens() const { return static_cast<double>(batch) * static_cast<double>(query_tokens); }
  bool operator==(const Step&) const = default;
};

// The context of the decode step the explainer shows: input + output/2 (its N), the mean over
// a request's decode steps.
inline int64_t MeanDecodeContext(int64_t input_tokens, int64_t output_tokens) {
  return input_tokens + output_tokens / 2;
}

// Bytes per element of what moves.
struct Precision {
  double weight = 1;  // every weight but the routed experts'
  double activation = 2;
  double kv = 1;
  double expert_weight = 1;  // the routed experts'
  // The bytes per element of `phase`'s weights: the routed experts' (IC_PHASE_MOE_EXPERTS) or
  // every other weight's.
  double WeightOf(ic_phase_id phase) const {
    return phase == IC_PHASE_MOE_EXPERTS ? expert_weight : weight;
  }
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_STEP_H_
