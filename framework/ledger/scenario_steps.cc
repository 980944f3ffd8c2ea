#include "framework/ledger/scenario_steps.h"

namespace infercost::framework {

Precision PrecisionOf(const Scenario& s) {
  return Precision{s.weights.bytes_per_element, s.activations.bytes_per_element,
                   s.kv.bytes_per_element, s.expert_weights.bytes_per_element};
}

int64_t ReplicaBatch(const Scenario& s, int64_t concurrency) {
  return (concurrency + s.layout.data - 1) / s.layout.data;
}

Step PerGpuStep(const Scenario& s, ic_stage_kind kind, int64_t batch, int64_t query_tokens,
                int64_t context_tokens) {
  Step step{kind, batch, query_tokens, context_tokens};
  step.tensor_parallel = s.layout.tensor;
  step.data_parallel = s.layout.data;
  step.expert_parallel = s.layout.expert;
  step.moe_imbalance = s.moe_imbalance;
  step.pipeline_parallel = s.layout.pipeline;
  step.gpus_per_node = s.hardware.gpus_per_node;
  return step;
}

Step PeakPrefillStep(const Scenario& s, int64_t concurrency) {
  const int64_t batch = ReplicaBatch(s, concurrency);
  const int64_t chunk = s.engine.max_batched_tokens;
  if (chunk > 0 && batch * s.input_tokens > chunk) {
    const int64_t whole_sequences = chunk / s.input_tokens;
    return whole_sequences >= 1
               ? PerGpuStep(s, IC_STAGE_PREFILL, whole_sequences, s.input_tokens, s.input_tokens)
               : PerGpuStep(s, IC_STAGE_PREFILL, 1, chunk, chunk);
  }
  return PerGpuStep(s, IC_STAGE_PREFILL, batch, s.input_tokens, s.input_tokens);
}

}  // namespace infercost::framework
