// The steps of a scenario as one GPU runs them: its data-parallel replica's sequences, sharded
// by the scenario's layout, on its node. The one place a Scenario becomes a Step.
//
//   const Step decode = PerGpuStep(s, IC_STAGE_DECODE, ReplicaBatch(s, s.concurrency), 1, 750);
#ifndef INFERCOST_FRAMEWORK_LEDGER_SCENARIO_STEPS_H_
#define INFERCOST_FRAMEWORK_LEDGER_SCENARIO_STEPS_H_

#include <cstdint>

#include "framework/ledger/step.h"
#include "framework/scenario.h"

namespace infercost::framework {

// The bytes per element of the scenario's weights, activations and KV cache.
Precision PrecisionOf(const Scenario& s);

// Sequences one data-parallel replica serves (the busiest one).
int64_t ReplicaBatch(const Scenario& s, int64_t concurrency);

// A step as one GPU runs it: `batch` sequences of its replica, sharded as the layout says.
Step PerGpuStep(const Scenario& s, ic_stage_kind kind, int64_t batch, int64_t query_tokens,
                int64_t context_tokens);

// The prefill step that bounds activation memory at `concurrency`: the replica's whole batch,
// or one chunk of the engine's max_batched_tokens.
Step PeakPrefillStep(const Scenario& s, int64_t concurrency);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_SCENARIO_STEPS_H_
