// The per-phase cost ledger of a scenario: for each stage (prefill, decode at the mean context,
// and the exact sum over all decode steps), every phase's params, FLOPs and bytes, whole-model
// and per layer kind, with the totals and the explainer's "stack" meters.
//
//   ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::Create(scenario, plugins));
//   ASSIGN_OR_RETURN(Ledger ledger, pipeline.Run());
//   ledger.decode.Find(IC_PHASE_QK_SCORES)->matrix_flops;   // 983,040,000 for the default
#ifndef INFERCOST_FRAMEWORK_LEDGER_LEDGER_H_
#define INFERCOST_FRAMEWORK_LEDGER_LEDGER_H_

#include <string>
#include <vector>

#include "framework/ledger/step.h"
#include "infercost/c/hardware.h"
#include "infercost/c/phase.h"

namespace infercost::framework {

// Layers that share one per-layer cost (e.g. DeepSeek-V3: 3 "dense" + 58 "moe").
struct LayerGroup {
  std::string name;
  int64_t layers = 0;
  std::vector<ic_phase_cost> phases;  // ONE layer, in display order
  ic_phase_cost totals{};             // sum of `phases` (one layer)
};

// How a communication phase of the ledger moves its bytes: which collective, over how many
// GPUs, whether the group crosses nodes, and how many times per step each record runs. Set
// where the phase is made (the ledger knows the layout); timing only reads it.
struct CollectivePlan {
  ic_phase_id phase = 0;
  ic_collective_op op = IC_COLLECTIVE_ALL_REDUCE;
  int64_t group_size = 1;
  bool spans_nodes = false;
  double hops = 1;  // runs per record and step (pp_send_recv: one per stage boundary)
};

struct StageLedger {
  Step step;
  std::vector<LayerGroup> groups;
  std::vector<ic_phase_cost> model_phases;  // once per step: token_ids, embedding, final norm, ...
  std::vector<CollectivePlan> collectives;  // one per communication phase of the step
  std::vector<ic_phase_cost> phases;  // whole model: groups x layers + model-level, display order
  ic_phase_cost totals{};             // sum of `phases`
  // The explainer's stack meters: one layer's weight bytes (first group), and L x layer + LM head.
  double layer_weight_bytes = 0;
  double stack_weight_bytes = 0;

  // The whole-model record of `phase`, or nullptr if the model has no such phase.
  const ic_phase_cost* Find(ic_phase_id phase) const;
  // The collective of communication phase `phase`, or nullptr.
  const CollectivePlan* FindCollective(ic_phase_id phase) const;
};

// The exact sum over every decode step of a request (steps k = 1 .. output-1 at context
// input + k; the first output token comes from the prefill).
struct DecodeSum {
  int64_t steps = 0;
  std::vector<ic_phase_cost> phases;  // whole model, summed over the steps (params: one step's)
  ic_phase_cost totals{};
  // Decode steps the sum sampled (an Estimate: the times' sum, the same in either detail):
  // evaluated through the plugins, or taken from a basis of a few evaluated ones; where every
  // step's time is in closed form (ABI 1.5 time models), only the basis's evaluations.
  int64_t evaluated_steps = 0;
};

struct Ledger {
  StageLedger prefill;
  StageLedger decode;  // one step at the mean context input + output/2
  DecodeSum decode_sum;
  double kv_cache_bytes_per_token = 0;  // whole model, per sequence, at the KV dtype
  // What one sequence keeps at the end of its answer (input + output tokens), whole model: the
  // per-token bytes times the context where every layer keeps every token; less where
  // sliding-window layers keep their window only, or a layer keeps a constant-size state.
  double kv_cache_bytes_per_sequence = 0;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_LEDGER_H_
