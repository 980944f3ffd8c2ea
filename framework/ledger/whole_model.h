// The whole model's meters, derived from one GPU's ledger: every record summed over the GPU's
// tensor-parallel group, each distinct weight counted once (a norm vector, a replicated K/V
// head's projection, MLA's latent projection: ic_phase_cost.weight_copies). Params and weight
// bytes are then the model's; FLOPs, KV and activation traffic and communication are what the
// group's GPUs do together (work a GPU repeats, it does). At one GPU they are the GPU's own.
//
//   ASSIGN_OR_RETURN(StageLedger per_gpu, pipeline.Evaluate(step));
//   const StageLedger whole = WholeModelOf(per_gpu);
#ifndef INFERCOST_FRAMEWORK_LEDGER_WHOLE_MODEL_H_
#define INFERCOST_FRAMEWORK_LEDGER_WHOLE_MODEL_H_

#include <cstdint>

#include "framework/ledger/ledger.h"

namespace infercost::framework {

// One GPU's `cost` as the whole model's: params and weight_bytes x tensor_parallel /
// weight_copies (0 or 1: every GPU holds its own shard), the other metrics x tensor_parallel;
// phase, matmul shape and weight_copies kept.
ic_phase_cost WholeModelRecord(const ic_phase_cost& cost, int64_t tensor_parallel);

// Fills `ledger`'s step-wide view from its groups and model-level phases: `phases` (each group
// x its layers, model phases once, the pipeline hand-off once per stage boundary, display
// order), `totals` and the stack meters. With `whole_step_records` false, only each group's
// totals and the stack meters: `phases` is left empty and `totals` zero (what a summary's per-GPU
// ledgers need, EstimateDetail::kSummary).
void AssembleStage(StageLedger& ledger, bool whole_step_records = true);

// `per_gpu` (one GPU's ledger of a step) as the whole model's: groups and model phases each
// WholeModelRecord, then assembled. The step, and each record's matmul shape, stay one GPU's.
StageLedger WholeModelOf(const StageLedger& per_gpu);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_WHOLE_MODEL_H_
