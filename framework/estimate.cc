#include "framework/estimate.h"

#include <algorithm>
#include <cmath>

#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/hardware_plugin.h"
#include "framework/ledger/pipeline.h"
#include "framework/phase_catalog.h"

namespace infercost::framework {
namespace {

// Peak live activations of one step: the largest phase's working set (its inputs and outputs)
// plus the residual stream (T x d) that stays alive across the layer.
double ActivationPeak(const StageLedger& stage, const registry::Model& model,
                      double activation_bytes) {
  double largest = 0;
  for (const LayerGroup& group : stage.groups) {
    for (const ic_phase_cost& cost : group.phases) largest = std::max(largest, cost.activation_bytes);
  }
  for (const ic_phase_cost& cost : stage.model_phases) {
    largest = std::max(largest, cost.activation_bytes);
  }
  return largest + stage.step.tokens() * static_cast<double>(model.hidden_size) * activation_bytes;
}

// The prefill step that bounds activation memory: the whole batch, or one chunk of the engine's
// max_batched_tokens.
Step PeakPrefillStep(const Scenario& s, int64_t concurrency) {
  const int64_t tokens = concurrency * s.input_tokens;
  const int64_t chunk = s.engine.max_batched_tokens;
  Step step{IC_STAGE_PREFILL, concurrency, s.input_tokens, s.input_tokens};
  if (chunk > 0 && tokens > chunk) {
    const int64_t whole_sequences = chunk / s.input_tokens;
    step = whole_sequences >= 1 ? Step{IC_STAGE_PREFILL, whole_sequences, s.input_tokens,
                                       s.input_tokens}
                                : Step{IC_STAGE_PREFILL, 1, chunk, chunk};
  }
  step.tensor_parallel = s.tensor_parallel;
  return step;
}

struct MemoryModel {
  const Pipeline& pipeline;
  const Scenario& scenario;
  double weights_bytes;
  double kv_bytes_per_sequence;  // one sequence at input + output tokens, all layers of one shard
  double reserve_bytes;

  absl::StatusOr<MemoryPerGpu> At(int64_t concurrency) const {
    MemoryPerGpu memory;
    memory.capacity_bytes = scenario.hardware.memory_capacity_bytes;
    memory.weights_bytes = weights_bytes;
    memory.reserve_bytes = reserve_bytes;
    memory.kv_bytes = static_cast<double>(concurrency) * kv_bytes_per_sequence;
    ASSIGN_OR_RETURN(StageLedger prefill, pipeline.Evaluate(PeakPrefillStep(scenario, concurrency)));
    Step decode{IC_STAGE_DECODE, concurrency, 1, scenario.input_tokens + scenario.output_tokens};
    decode.tensor_parallel = scenario.tensor_parallel;
    ASSIGN_OR_RETURN(StageLedger decode_step, pipeline.Evaluate(decode));
    const double ab = scenario.activations.bytes_per_element;
    memory.activation_bytes = std::max(ActivationPeak(prefill, scenario.model, ab),
                                       ActivationPeak(decode_step, scenario.model, ab));
    memory.free_bytes = memory.capacity_bytes - memory.weights_bytes - memory.kv_bytes -
                        memory.activation_bytes - memory.reserve_bytes;
    memory.fits = memory.free_bytes >= 0;
    return memory;
  }

  // The largest concurrency whose memory fits (memory grows with concurrency: binary search).
  absl::StatusOr<int64_t> MaxConcurrency() const {
    ASSIGN_OR_RETURN(MemoryPerGpu one, At(1));
    if (!one.fits) return 0;
    int64_t fits = 1;
    int64_t fails = kMaxConcurrency + 1;
    while (fails - fits > 1) {
      const int64_t mid = fits + (fails - fits) / 2;
      ASSIGN_OR_RETURN(MemoryPerGpu at, At(mid));
      (at.fits ? fits : fails) = mid;
    }
    return fits;
  }
};

}  // namespace

absl::StatusOr<Estimate> EstimateScenario(const Scenario& s, const PluginSet& plugins) {
  ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::Create(s, plugins));
  ASSIGN_OR_RETURN(auto hardware_plugin, plugins.Find(IC_PLUGIN_KIND_HARDWARE, s.hardware.plugin));
  StepTimer timer(HardwarePlugin(std::move(hardware_plugin)), s);
  Estimate e;
  ASSIGN_OR_RETURN(e.ledger, pipeline.Run());

  const int64_t tp = s.tensor_parallel;
  Step prefill{IC_STAGE_PREFILL, s.concurrency, s.input_tokens, s.input_tokens};
  prefill.tensor_parallel = tp;
  Step decode{IC_STAGE_DECODE, s.concurrency, 1, s.input_tokens + s.output_tokens / 2};
  decode.tensor_parallel = tp;
  ASSIGN_OR_RETURN(e.prefill_per_gpu, pipeline.Evaluate(prefill));
  ASSIGN_OR_RETURN(e.decode_per_gpu, pipeline.Evaluate(decode));
  ASSIGN_OR_RETURN(e.prefill_timing, timer.Time(e.prefill_per_gpu));
  ASSIGN_OR_RETURN(e.decode_timing, timer.Time(e.decode_per_gpu));

  // Exact decode sum: everything but attention repeats every step; attention is re-timed at each
  // step's context (k = 1 .. output-1 at input + k).
  auto attention_seconds = [&](const Step& step) -> absl::StatusOr<double> {
    ASSIGN_OR_RETURN(std::vector<AttentionSlice> slices, pipeline.AttentionByWindow(step));
    double seconds = 0;
    for (const AttentionSlice& slice : slices) {
      ASSIGN_OR_RETURN(double t, timer.TimePhases(slice.phases, static_cast<double>(slice.layers)));
      seconds += t;
    }
    return seconds;
  };
  ASSIGN_OR_RETURN(double attention_at_mean, attention_seconds(decode));
  const int64_t steps = s.output_tokens - 1;
  e.decode_sum_s = static_cast<double>(steps) * (e.decode_timing.time_s - attention_at_mean);
  for (int64_t k = 1; k <= steps; ++k) {
    Step step{IC_STAGE_DECODE, s.concurrency, 1, s.input_tokens + k};
    step.tensor_parallel = tp;
    ASSIGN_OR_RETURN(double seconds, attention_seconds(step));
    e.decode_sum_s += seconds;
  }

  // Memory per GPU.
  ASSIGN_OR_RETURN(e.kv_bytes_per_token_per_gpu, pipeline.KvCacheBytesPerToken(tp));
  ASSIGN_OR_RETURN(double kv_per_sequence,
                   pipeline.KvCacheBytesPerSequence(s.input_tokens + s.output_tokens, tp));
  const MemoryModel memory{pipeline, s,
                           e.decode_per_gpu.totals.params * s.weights.bytes_per_element,
                           kv_per_sequence,
                           s.engine.runtime_reserve_bytes +
                               s.engine.reserve_fraction * s.hardware.memory_capacity_bytes};
  Summary& summary = e.summary;
  ASSIGN_OR_RETURN(summary.memory, memory.At(s.concurrency));
  ASSIGN_OR_RETURN(summary.memory.max_concurrency, memory.MaxConcurrency());

  // Time and throughput.
  const double concurrency = static_cast<double>(s.concurrency);
  const double gpus = static_cast<double>(s.gpus);
  summary.ttft_s = e.prefill_timing.time_s;
  summary.tpot_s = e.decode_timing.time_s;
  summary.e2e_s = summary.ttft_s + e.decode_sum_s;
  summary.tokens_per_s_per_user = summary.tpot_s > 0 ? 1 / summary.tpot_s : 0;
  summary.tokens_per_s_aggregate = concurrency * summary.tokens_per_s_per_user;
  summary.tokens_per_s_per_gpu = summary.tokens_per_s_aggregate / gpus;

  // Money: GPU-seconds of each stage per token, at the hourly price of every GPU.
  const double usd_per_second = gpus * s.hardware.price_usd_per_gpu_hour / 3600;
  summary.usd_per_million_input_tokens =
      1e6 * usd_per_second * summary.ttft_s / (concurrency * static_cast<double>(s.input_tokens));
  const double seconds_per_output_token =
      steps > 0 ? e.decode_sum_s / (static_cast<double>(steps) * concurrency)
                : summary.tpot_s / concurrency;
  summary.usd_per_million_output_tokens = 1e6 * usd_per_second * seconds_per_output_token;
  summary.confidence = AssessConfidence(s);
  return e;
}

}  // namespace infercost::framework
