#include "framework/estimate.h"

#include <algorithm>
#include <cmath>

#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/abi/hardware_plugin.h"
#include "framework/ledger/pipeline.h"
#include "framework/abi/phase_catalog.h"

namespace infercost::framework {
namespace {

// Peak live activations of one step: the largest phase's working set (its inputs and outputs)
// plus the residual stream (T x d) that stays alive across the layer.
double ActivationPeak(const StageLedger& stage, const registry::Model& model,
                      double activation_bytes) {
  double largest = 0;
  for (const LayerGroup& group : stage.groups) {
    for (const ic_phase_cost& cost : group.phases)
      largest = std::max(largest, cost.activation_bytes);
  }
  for (const ic_phase_cost& cost : stage.model_phases) {
    largest = std::max(largest, cost.activation_bytes);
  }
  return largest + stage.step.tokens() * static_cast<double>(model.hidden_size) * activation_bytes;
}

// Sequences one data-parallel replica serves (the busiest one).
int64_t ReplicaBatch(const Scenario& s, int64_t concurrency) {
  return (concurrency + s.layout.data - 1) / s.layout.data;
}

// A step as one GPU runs it: its replica's sequences, sharded as the scenario says.
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

// The prefill step that bounds activation memory: the replica's whole batch, or one chunk of the
// engine's max_batched_tokens.
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

// Weights one GPU holds: its pipeline stage's share of the layers, plus (on the busiest stage)
// the embedding, LM head and final norm.
double WeightBytesPerGpu(const StageLedger& per_gpu, const Scenario& s) {
  double layer_params = 0;
  for (const LayerGroup& group : per_gpu.groups) {
    layer_params += static_cast<double>(group.layers) * group.totals.params;
  }
  double model_params = 0;
  for (const ic_phase_cost& cost : per_gpu.model_phases) model_params += cost.params;
  const double stage_params = std::ceil(static_cast<double>(s.model.num_layers) /
                                        static_cast<double>(s.layout.pipeline)) /
                                  static_cast<double>(s.model.num_layers) * layer_params +
                              model_params;
  return stage_params * s.weights.bytes_per_element;
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
    const int64_t batch = ReplicaBatch(scenario, concurrency);
    memory.kv_bytes = static_cast<double>(batch) * kv_bytes_per_sequence;
    ASSIGN_OR_RETURN(StageLedger prefill,
                     pipeline.Evaluate(PeakPrefillStep(scenario, concurrency)));
    ASSIGN_OR_RETURN(StageLedger decode_step,
                     pipeline.Evaluate(PerGpuStep(scenario, IC_STAGE_DECODE, batch, 1,
                                                  scenario.input_tokens + scenario.output_tokens)));
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
    // Activations are never negative, so KV alone bounds the answer from above.
    if (kv_bytes_per_sequence > 0) {
      const double kv_room = one.capacity_bytes - weights_bytes - reserve_bytes;
      const double replicas = static_cast<double>(scenario.layout.data);
      fails = std::min<int64_t>(
          fails, static_cast<int64_t>(std::floor(kv_room / kv_bytes_per_sequence * replicas)) + 1);
      fails = std::max<int64_t>(fails, fits + 1);
    }
    while (fails - fits > 1) {
      const int64_t mid = fits + (fails - fits) / 2;
      ASSIGN_OR_RETURN(MemoryPerGpu at, At(mid));
      (at.fits ? fits : fails) = mid;
    }
    return fits;
  }
};

// `kv_per_token` / `kv_per_token_per_gpu`: the bytes one token adds to the whole model's KV
// cache, and to one tensor-parallel GPU's. Their ratio says how many GPUs keep a copy.
std::vector<std::string> LayoutNotes(const Scenario& s, double kv_per_token,
                                     double kv_per_token_per_gpu) {
  std::vector<std::string> notes;
  const int64_t tp = s.layout.tensor;
  const double copies =
      kv_per_token > 0 ? static_cast<double>(tp) * kv_per_token_per_gpu / kv_per_token : 1;
  if (tp > 1 && copies > 1 + 1e-9) {
    notes.push_back(fmt::format(
        "KV cache replicated: the {} variant keeps {:g} of the model's {:g} KV bytes per token on "
        "each of the {} tensor-parallel GPUs, so each byte is stored {:.3g} times",
        s.attention_variant, kv_per_token_per_gpu, kv_per_token, tp, copies));
  }
  if (s.layout.pipeline > 1) {
    notes.push_back(fmt::format(
        "pipeline parallel {}: one micro-batch in flight, so each stage waits {:.0f}% of a step "
        "(the bubble); {} stage hand-offs per step",
        s.layout.pipeline,
        100.0 * static_cast<double>(s.layout.pipeline - 1) /
            static_cast<double>(s.layout.pipeline),
        s.layout.pipeline - 1));
  }
  if (s.layout.data > 1) {
    notes.push_back(fmt::format("data parallel {}: each replica serves {} of the {} sequences",
                                s.layout.data, ReplicaBatch(s, s.concurrency), s.concurrency));
  }
  if (s.model.moe && (s.layout.expert > 1 || s.layout.data > 1)) {
    notes.push_back(fmt::format(
        "experts: {} per GPU over expert parallel {}, each split {} ways; tokens move by "
        "all-to-all",
        s.model.moe->num_experts / s.layout.expert, s.layout.expert,
        s.layout.tensor * s.layout.data / s.layout.expert));
  }
  return notes;
}

// Every number a report prints must be a real number: never inf, NaN (JSON null) or a
// 300-digit price. Inputs are bounded so this cannot happen; if a plugin or preset still drives
// a result out of range, the scenario is refused rather than printed.
absl::Status CheckFinite(const Estimate& e) {
  const Summary& s = e.summary;
  const MemoryPerGpu& m = s.memory;
  for (const auto& [name, value] :
       {std::pair{"time to first token", s.ttft_s}, std::pair{"time per output token", s.tpot_s},
        std::pair{"end-to-end latency", s.e2e_s},
        std::pair{"tokens/s per user", s.tokens_per_s_per_user},
        std::pair{"tokens/s aggregate", s.tokens_per_s_aggregate},
        std::pair{"$ per million input tokens", s.usd_per_million_input_tokens},
        std::pair{"$ per million output tokens", s.usd_per_million_output_tokens},
        std::pair{"memory per GPU (weights)", m.weights_bytes},
        std::pair{"memory per GPU (KV cache)", m.kv_bytes},
        std::pair{"memory per GPU (activations)", m.activation_bytes},
        std::pair{"memory per GPU (free)", m.free_bytes}}) {
    // 1e15 s is 30 million years; 1e30 of anything is no answer.
    if (!std::isfinite(value) || std::fabs(value) > 1e30) {
      return absl::OutOfRangeError(fmt::format(
          "the scenario's {} is {}, beyond any meaningful value; check the model, hardware and "
          "engine numbers (and --mfu / --bw-efficiency) for a value far out of scale",
          name, value));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Estimate> EstimateScenario(const Scenario& s, const PluginSet& plugins) {
  ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::Create(s, plugins));
  ASSIGN_OR_RETURN(auto hardware_plugin, plugins.Find(IC_PLUGIN_KIND_HARDWARE, s.hardware.plugin));
  const StepTimer timer(HardwarePlugin(std::move(hardware_plugin)), s.hardware, ExecutionOf(s));
  Estimate e;

  const int64_t tp = s.layout.tensor;
  const int64_t batch = ReplicaBatch(s, s.concurrency);
  const Step prefill = PerGpuStep(s, IC_STAGE_PREFILL, batch, s.input_tokens, s.input_tokens);
  const Step decode =
      PerGpuStep(s, IC_STAGE_DECODE, batch, 1, MeanDecodeContext(s.input_tokens, s.output_tokens));
  ASSIGN_OR_RETURN(e.prefill_per_gpu, pipeline.Evaluate(prefill));
  ASSIGN_OR_RETURN(e.decode_per_gpu, pipeline.Evaluate(decode));
  ASSIGN_OR_RETURN(e.prefill_timing, timer.Time(e.prefill_per_gpu));
  ASSIGN_OR_RETURN(e.decode_timing, timer.Time(e.decode_per_gpu));

  // Exact decode sum, in the same pass over the steps as the ledger's cost sum: everything but
  // attention repeats every step; attention is re-timed at each step's context (k = 1 ..
  // output-1 at input + k).
  auto attention_seconds =
      [&](const std::vector<AttentionSlice>& slices) -> absl::StatusOr<double> {
    double seconds = 0;
    for (const AttentionSlice& slice : slices) {
      ASSIGN_OR_RETURN(double t, timer.TimePhases(slice.phases, static_cast<double>(slice.layers)));
      seconds += t;
    }
    return seconds;
  };
  ASSIGN_OR_RETURN(std::vector<AttentionSlice> at_mean, pipeline.AttentionByClass(decode));
  ASSIGN_OR_RETURN(double attention_at_mean, attention_seconds(at_mean));
  const int64_t steps = s.output_tokens - 1;
  e.decode_sum_s = static_cast<double>(steps) * (e.decode_timing.time_s - attention_at_mean);
  PerGpuDecodeHook hook;
  hook.per_gpu = decode;
  hook.on_step = [&](int64_t, const std::vector<AttentionSlice>& per_gpu) -> absl::Status {
    ASSIGN_OR_RETURN(double seconds, attention_seconds(per_gpu));
    e.decode_sum_s += seconds;
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(e.ledger, pipeline.Run(&hook));

  // Memory per GPU.
  ASSIGN_OR_RETURN(e.kv_bytes_per_token_per_gpu, pipeline.KvCacheBytesPerToken(tp));
  ASSIGN_OR_RETURN(double kv_per_sequence,
                   pipeline.KvCacheBytesPerSequence(s.input_tokens + s.output_tokens, tp));
  // A pipeline stage caches only its own layers.
  kv_per_sequence /= static_cast<double>(s.layout.pipeline);
  const MemoryModel memory{pipeline, s, WeightBytesPerGpu(e.decode_per_gpu, s), kv_per_sequence,
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
  summary.pipeline_bubble_fraction =
      static_cast<double>(s.layout.pipeline - 1) / static_cast<double>(s.layout.pipeline);
  summary.notes = s.warnings;
  summary.notes.insert(summary.notes.end(), s.model.report_notes.begin(),
                       s.model.report_notes.end());
  for (std::string& note :
       LayoutNotes(s, e.ledger.kv_cache_bytes_per_token, e.kv_bytes_per_token_per_gpu)) {
    summary.notes.push_back(std::move(note));
  }
  RETURN_IF_ERROR(CheckFinite(e));
  return e;
}

}  // namespace infercost::framework
