#include "framework/estimate.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "fmt/format.h"
#include "framework/abi/hardware_plugin.h"
#include "framework/abi/phase_catalog.h"
#include "framework/base/status_macros.h"
#include "framework/ledger/pipeline.h"
#include "framework/ledger/scenario_steps.h"
#include "framework/ledger/whole_model.h"
#include "framework/memory/memory_model.h"
#include "framework/money.h"
#include "framework/serving/arrivals.h"
#include "framework/serving/step_parts.h"

namespace infercost::framework {
namespace {

// A static batch's throughput from its decode step (summary.tpot_s): one token per step for
// each user, `concurrency` sequences decoding at once on `gpus` GPUs.
void SetDecodeThroughput(double concurrency, double gpus, Summary& summary) {
  summary.tokens_per_s_per_user = summary.tpot_s > 0 ? 1 / summary.tpot_s : 0;
  summary.tokens_per_s_aggregate = concurrency * summary.tokens_per_s_per_user;
  summary.tokens_per_s_per_gpu = summary.tokens_per_s_aggregate / gpus;
}

// Why not even one sequence fits `memory`, and what would make room: the times are those of a
// deployment that cannot run as given. `workers`: the pool it is about ("" for the deployment),
// `gpu_flags` the flags that give it more GPUs.
std::string NothingFitsNote(const MemoryPerGpu& memory, std::string_view workers = "",
                            std::string_view gpu_flags = "--gpus, --tp, --pp, --ep") {
  constexpr double kGB = 1e9;
  const std::string pool = workers.empty() ? "" : fmt::format("the {} do NOT fit: ", workers);
  if (memory.weights_bytes + memory.reserve_bytes > memory.capacity_bytes) {
    return fmt::format(
        "{}DOES NOT LOAD: the weights alone take {:.1f} GB per GPU (with the engine's {:.1f} GB "
        "reserve) of the device's {:.1f} GB, so these times are of a deployment that cannot run; "
        "spread the model over more GPUs ({}) or use smaller weights (--weights)",
        pool, memory.weights_bytes / kGB, memory.reserve_bytes / kGB, memory.capacity_bytes / kGB,
        gpu_flags);
  }
  return fmt::format(
      "{}NOT ONE SEQUENCE FITS: the weights ({:.1f} GB per GPU) and the engine's reserve ({:.1f} "
      "GB) leave {:.1f} GB of the device's {:.1f} GB, less than one sequence's KV cache and "
      "activations at these lengths, so these times are of a deployment that cannot run; use "
      "more GPUs ({}), smaller weights or KV (--weights, --kv) or shorter sequences",
      pool, memory.weights_bytes / kGB, memory.reserve_bytes / kGB,
      (memory.capacity_bytes - memory.weights_bytes - memory.reserve_bytes) / kGB,
      memory.capacity_bytes / kGB, gpu_flags);
}

// `kv_per_token` / `kv_per_token_per_gpu`: the bytes one token adds to the whole model's KV
// cache, and to one GPU's (a tensor-parallel shard of its pipeline stage's layers). What a
// replica's tp x pp GPUs keep together over the model's says how many copies there are.
std::vector<std::string> LayoutNotes(const Scenario& s, double kv_per_token,
                                     double kv_per_token_per_gpu) {
  std::vector<std::string> notes;
  const int64_t tp = s.layout.tensor;
  const int64_t pp = s.layout.pipeline;
  const double copies =
      kv_per_token > 0 ? static_cast<double>(tp * pp) * kv_per_token_per_gpu / kv_per_token : 1;
  if (tp > 1 && copies > 1 + 1e-9) {
    notes.push_back(fmt::format(
        "KV cache replicated: the {} variant keeps {:g} of the model's {:g} KV bytes per token on "
        "each of the {} tensor-parallel GPUs{}, so each byte is stored {:.3g} times",
        s.attention_variant, kv_per_token_per_gpu, kv_per_token, tp,
        pp > 1 ? fmt::format(" of each of the {} pipeline stages (its layers)", pp) : "", copies));
  }
  if (s.layout.pipeline > 1) {
    notes.push_back(fmt::format(
        "pipeline parallel {}: one micro-batch in flight, so each stage waits {:.0f}% of a step "
        "(the bubble); {} stage hand-offs per step",
        s.layout.pipeline,
        100.0 * static_cast<double>(s.layout.pipeline - 1) / static_cast<double>(s.layout.pipeline),
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

// The hardware plugin that times `device` (a message naming its preset where it is not loaded).
absl::StatusOr<std::shared_ptr<const LoadedPlugin>> FindHardwarePlugin(
    const PluginSet& plugins, const registry::Hardware& device) {
  return plugins.Find(IC_PLUGIN_KIND_HARDWARE, device.plugin, [&device] {
    return fmt::format("hardware '{}' ({}): plugin", device.name, device.source);
  });
}

// --request-rate: how the arrivals were drawn, and whether the server keeps up with them.
std::string OpenLoopNote(const Scenario& s, int64_t requests, double served_per_s,
                         bool overloaded) {
  std::string note = fmt::format(
      "open loop: {} requests arriving as a Poisson process at {:.3g}/s (fixed seed), the first "
      "quarter left out of the means; --concurrency is not used",
      requests, s.request_rate);
  if (overloaded) {
    note += fmt::format(
        "; OVERLOADED: the server completes {:.3g} requests/s, fewer than arrive, so the queue "
        "(or the running batch) and the latencies grow with the length of the run",
        served_per_s);
  }
  return note;
}

// Every number a report prints must be a real number: never inf, NaN (JSON null) or a
// 300-digit price. Inputs are bounded so this cannot happen; if a plugin or preset still drives
// a result out of range, the scenario is refused rather than printed.
absl::Status CheckFinite(const Scenario& scenario, const Estimate& e) {
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
          "engine numbers (and --mfu / --bw-efficiency) for a value far out of scale, and the "
          "plugins that gave the costs and times (attention variant '{}', kernel '{}', hardware "
          "plugin '{}'; `infercost-conformance --plugin LIB` checks one)",
          name, value, scenario.attention_variant, scenario.attention_kernel,
          scenario.hardware.plugin));
    }
  }
  return absl::OkStatus();
}

// What one thread's evaluations reuse from one to the next, so that an evaluation into a reused
// Estimate (EstimateScenarioInto) allocates nothing once these have grown: the decode step's
// attention, the prefill's, the memory model's records, the decode sum's hook, a wave's
// scenario and estimate, and the device the step timer reads. Never used by two evaluations at
// once: an evaluation runs on one thread, and a wave's is made after its batch's is done.
struct ThreadBuffers {
  std::vector<AttentionSlice> decode_attention;
  std::vector<AttentionSlice> prefill_attention;
  MemoryBuffers memory;
  PerGpuDecodeHook hook;
  std::vector<double> at_mean_seconds;  // each attention record's time at the mean step
  // The attention of the memory model's last decode step (the end of the answer), when the
  // batch's memory model evaluated it: a point the decode sum's basis may take.
  std::vector<AttentionSlice> end_attention;
  Step end_step;
  bool has_end_attention = false;
  Scenario wave_scenario;  // a wave's scenario (copied over: its capacity reused)
  Estimate wave;
  std::shared_ptr<const registry::Hardware> device;  // the last timer's, shared while unchanged
};

ThreadBuffers& Buffers() {
  thread_local ThreadBuffers buffers;
  return buffers;
}

// The scenario's device for a step timer: the last one's while it is the same (compared field
// by field), so that a timer copies no device.
std::shared_ptr<const registry::Hardware> SharedDevice(const registry::Hardware& hardware) {
  std::shared_ptr<const registry::Hardware>& kept = Buffers().device;
  if (kept == nullptr || !(*kept == hardware)) {
    kept = std::make_shared<const registry::Hardware>(hardware);
  }
  return kept;
}

// Empties `e` for the next answer, keeping its vectors' capacity: every field is then set
// again, or left as a fresh Estimate has it.
void ResetKeepingCapacity(Estimate& e) {
  // The notes are kept as they are: the batch's own are assigned over them (their strings'
  // capacity reused), not appended.
  std::vector<std::string> notes = std::move(e.summary.notes);
  e.summary = Summary{};
  e.summary.notes = std::move(notes);
  Ledger& ledger = e.ledger;
  for (StageLedger* stage : {&ledger.prefill, &ledger.decode}) {
    stage->groups.clear();
    stage->model_phases.clear();
    stage->collectives.clear();
    stage->phases.clear();
    stage->step = Step{};
    stage->totals = ic_phase_cost{};
    stage->layer_weight_bytes = stage->stack_weight_bytes = 0;
  }
  ledger.decode_sum.steps = ledger.decode_sum.evaluated_steps = 0;
  ledger.decode_sum.phases.clear();
  ledger.decode_sum.totals = ic_phase_cost{};
  ledger.kv_cache_bytes_per_token = 0;
  for (StageTiming* timing : {&e.prefill_timing, &e.decode_timing}) {
    timing->phases.clear();
    timing->kernels_s = timing->layer_overhead_s = timing->step_overhead_s = timing->time_s = 0;
  }
  e.decode_sum_s = 0;
  e.kv_bytes_per_token_per_gpu = 0;
}

// `from` into `to`, whose slices' capacity is reused.
void CopySlices(const std::vector<AttentionSlice>& from, std::vector<AttentionSlice>& to) {
  to.resize(from.size());
  for (size_t i = 0; i < from.size(); ++i) {
    to[i].layers = from[i].layers;
    to[i].attention_class = from[i].attention_class;
    to[i].phases.assign(from[i].phases.begin(), from[i].phases.end());
  }
}

// Times one batch whose per-GPU ledgers and memory `e` holds (EstimateOneBatch): the two steps,
// the exact decode sum, the summary's times, throughput and money, and in serving mode the
// simulated server. `at_mean` is the attention of `decode` (the mean decode step).
absl::Status TimeOneBatch(const Scenario& s, const Pipeline& pipeline, const StepTimer& timer,
                          EstimateDetail detail, const Step& decode,
                          const std::vector<AttentionSlice>& at_mean, Estimate& e) {
  // A summary needs the steps' times only (the same to the last bit; no per-phase list).
  if (detail == EstimateDetail::kSummary) {
    RETURN_IF_ERROR(timer.TimeTotalsInto(e.prefill_per_gpu, e.prefill_timing));
    RETURN_IF_ERROR(timer.TimeTotalsInto(e.decode_per_gpu, e.decode_timing));
  } else {
    RETURN_IF_ERROR(timer.TimeInto(e.prefill_per_gpu, e.prefill_timing));
    RETURN_IF_ERROR(timer.TimeInto(e.decode_per_gpu, e.decode_timing));
  }

  // Exact decode sum, from the same decode steps as the ledger's cost sum: everything but
  // attention repeats every step; attention is timed at each step's context (k = 1 .. output-1
  // at input + k), phase by phase so that the closed-form sum sees where each phase's time
  // changes regime.
  // Each record's time at the mean step (the hook's values of it; the sum values the records
  // that do not change with the step from these), and their total.
  ThreadBuffers& buffers = Buffers();
  std::vector<double>& at_mean_seconds = buffers.at_mean_seconds;
  at_mean_seconds.clear();
  double attention_at_mean = 0;
  for (const AttentionSlice& slice : at_mean) {
    const size_t first = at_mean_seconds.size();
    RETURN_IF_ERROR(
        timer.TimeEachPhase(slice.phases, static_cast<double>(slice.layers), at_mean_seconds));
    double t = 0;  // the slice's, summed as TimePhases does
    for (size_t i = first; i < at_mean_seconds.size(); ++i) t += at_mean_seconds[i];
    attention_at_mean += t;
  }
  const int64_t steps = s.output_tokens - 1;
  PerGpuDecodeHook& hook = buffers.hook;
  hook.per_gpu = decode;
  hook.per_gpu_attention = &at_mean;
  hook.per_gpu_values = &at_mean_seconds;
  hook.next_attention = buffers.has_end_attention ? &buffers.end_attention : nullptr;
  hook.next_step = buffers.end_step;
  hook.values = [&](const std::vector<AttentionSlice>& per_gpu,
                    std::vector<double>& seconds) -> absl::Status {
    for (const AttentionSlice& slice : per_gpu) {
      RETURN_IF_ERROR(
          timer.TimeEachPhase(slice.phases, static_cast<double>(slice.layers), seconds));
    }
    return absl::OkStatus();
  };
  hook.values_per_record = true;  // one time per record (TimeEachPhase)
  hook.value_models = [&](absl::Span<const ic_phase_cost> records, absl::Span<const double> calls,
                          absl::Span<RecordValueModel> models) -> absl::StatusOr<bool> {
    return timer.TimeModels(records, calls, models);
  };
  if (detail == EstimateDetail::kFull) {
    // The whole model's meters, derived from these per-GPU ledgers. Their decode sum is taken
    // apart from the times' below: a sum over more values may sample other steps (each sum is
    // exact, to rounding), and the times must be the summary's to the last bit in either detail.
    ASSIGN_OR_RETURN(e.ledger, pipeline.WholeModel(e.prefill_per_gpu, e.decode_per_gpu));
  } else {
    ASSIGN_OR_RETURN(e.ledger.kv_cache_bytes_per_token, pipeline.KvCacheBytesPerToken(1));
  }
  ASSIGN_OR_RETURN(e.ledger.decode_sum.evaluated_steps, pipeline.SumPerGpuDecode(hook));
  e.decode_sum_s = static_cast<double>(steps) * (e.decode_timing.time_s - attention_at_mean);
  for (const double seconds : hook.sums) e.decode_sum_s += seconds;

  Summary& summary = e.summary;
  // Time and throughput.
  const double concurrency = static_cast<double>(s.concurrency);
  const double gpus = static_cast<double>(s.gpus);
  summary.ttft_s = e.prefill_timing.time_s;
  summary.tpot_s = e.decode_timing.time_s;
  if (s.speculation.tokens > 0) {
    // Speculative decoding: a decode step verifies and drafts (framework/speculation.h) and adds
    // E tokens; each output token's time is the plain step's times that ratio, taken at the
    // mean step (the per-step ledger stays the plain step's).
    StepParts parts(pipeline, timer, s);
    ASSIGN_OR_RETURN(const double ratio,
                     parts.SpeculativeTimeRatio(decode.batch, decode.context_tokens));
    summary.tpot_s *= ratio;
    e.decode_sum_s *= ratio;
  }
  summary.e2e_s = summary.ttft_s + e.decode_sum_s;
  SetDecodeThroughput(concurrency, gpus, summary);

  // Money: GPU-seconds of each stage per token, at the hourly price of every GPU.
  const double usd_per_second = UsdPerSecond(s.hardware.price_usd_per_gpu_hour, gpus);
  summary.usd_per_million_input_tokens = UsdPerMillionTokens(
      usd_per_second, concurrency * static_cast<double>(s.input_tokens) / summary.ttft_s);
  const double seconds_per_output_token =
      steps > 0 ? e.decode_sum_s / (static_cast<double>(steps) * concurrency)
                : summary.tpot_s / concurrency;
  summary.usd_per_million_output_tokens =
      UsdPerMillionTokens(usd_per_second, 1 / seconds_per_output_token);
  if (s.mode == ServingMode::kServing) {
    // Requests beyond what fits in memory wait; a scenario that fits nothing at all (flagged
    // above) is simulated without a cap.
    const int64_t replica_fits = summary.memory.max_concurrency / s.layout.data;
    const int64_t fits = replica_fits > 0 ? replica_fits : ReplicaBatch(s, s.concurrency);
    ASSIGN_OR_RETURN(ServingState serving, SimulateServing(pipeline, timer, s, fits));
    const double replicas = static_cast<double>(s.layout.data);
    const double requests_per_s = serving.requests_per_s * replicas;
    // A request's mean lengths (the stated ones, or the drawn ones' mean: --length-range-ratio).
    const RequestLengths lengths(s.input_tokens, s.output_tokens, s.length_range_ratio);
    summary.ttft_s = serving.ttft_s;
    summary.tpot_s = serving.tpot_s;
    summary.e2e_s = serving.ttft_s + (lengths.MeanOutput() - 1) * serving.tpot_s;
    summary.tokens_per_s_per_user = serving.tpot_s > 0 ? 1 / serving.tpot_s : 0;
    summary.tokens_per_s_aggregate = requests_per_s * lengths.MeanOutput();
    summary.tokens_per_s_per_gpu = summary.tokens_per_s_aggregate / gpus;
    // GPU time split by what the prompts add to the steps.
    summary.usd_per_million_input_tokens =
        1e6 * usd_per_second * serving.prefill_time_share / (requests_per_s * lengths.MeanPrompt());
    summary.usd_per_million_output_tokens = 1e6 * usd_per_second *
                                            (1 - serving.prefill_time_share) /
                                            (requests_per_s * lengths.MeanOutput());
    summary.serving = serving;
  }
  return absl::OkStatus();
}

// What the caller of EstimateOneBatch knows of the batch's place among waves.
struct BatchRole {
  // > 0: the batch is a wave of a static batch that does not fit, whose largest concurrency
  // that fits is `wave_of` (fitting is monotone in the concurrency, so that is one number for
  // both): the wave fits by construction and only its times are used, so its memory is not
  // evaluated.
  int64_t wave_of = 0;
  // The caller times a static batch that does not fit as its waves.
  bool then_waves = false;
  // >= 0: the largest concurrency that fits, from an earlier call for the same scenario at
  // another concurrency (ConcurrencyMemo); used where this batch's own memory agrees with it
  // (fitting is monotone in the concurrency), else searched again.
  int64_t known_max_concurrency = -1;
};

// The estimate of one batch into `e` (ResetKeepingCapacity first).
absl::Status EstimateOneBatch(const Scenario& s, const PluginSet& plugins, EstimateDetail detail,
                              PipelineCache& pipelines, const BatchRole& role, Estimate& e) {
  ResetKeepingCapacity(e);
  const int64_t wave_of = role.wave_of;
  const bool then_waves = role.then_waves;
  const int64_t known_max_concurrency = role.known_max_concurrency;
  ASSIGN_OR_RETURN(const std::shared_ptr<const Pipeline> shared_pipeline,
                   pipelines.Get(s, plugins));
  const Pipeline& pipeline = *shared_pipeline;
  ASSIGN_OR_RETURN(auto hardware_plugin, FindHardwarePlugin(plugins, s.hardware));
  const StepTimer timer(HardwarePlugin(std::move(hardware_plugin)), SharedDevice(s.hardware),
                        ExecutionOf(s));
  ThreadBuffers& buffers = Buffers();

  const int64_t tp = s.layout.tensor;
  const int64_t batch = ReplicaBatch(s, s.concurrency);
  const Step prefill = PerGpuStep(s, IC_STAGE_PREFILL, batch, s.input_tokens, s.input_tokens);
  const Step decode =
      PerGpuStep(s, IC_STAGE_DECODE, batch, 1, MeanDecodeContext(s.input_tokens, s.output_tokens));
  // A summary reads the per-GPU ledgers' groups and model phases only, not their merged
  // whole-step records (AssembleStage).
  const bool whole_step_records = detail == EstimateDetail::kFull;
  RETURN_IF_ERROR(pipeline.EvaluateInto(prefill, e.prefill_per_gpu, buffers.prefill_attention,
                                        whole_step_records));
  // The decode step's attention, for the decode sum below.
  std::vector<AttentionSlice>& at_mean = buffers.decode_attention;
  RETURN_IF_ERROR(pipeline.EvaluateInto(decode, e.decode_per_gpu, at_mean, whole_step_records));

  // Memory per GPU.
  Summary& summary = e.summary;
  buffers.has_end_attention = false;
  // (a pipeline stage's GPU caches only its stage's layers: 1 / pp of a tensor-parallel rank's)
  ASSIGN_OR_RETURN(const double kv_per_token_per_rank, pipeline.KvCacheBytesPerToken(tp));
  e.kv_bytes_per_token_per_gpu = kv_per_token_per_rank / static_cast<double>(s.layout.pipeline);
  if (wave_of > 0) {
    summary.memory.fits = true;
    summary.memory.max_concurrency = wave_of;
  } else {
    ASSIGN_OR_RETURN(double kv_per_sequence,
                     pipeline.KvCacheBytesPerSequence(s.input_tokens + s.output_tokens, tp));
    // A pipeline stage caches only its own layers.
    kv_per_sequence /= static_cast<double>(s.layout.pipeline);
    const MemoryModel memory(pipeline, s, WeightBytesPerGpu(e.decode_per_gpu, s), kv_per_sequence,
                             s.engine.runtime_reserve_bytes +
                                 s.engine.reserve_fraction * s.hardware.memory_capacity_bytes,
                             buffers.memory);
    memory.Remember(e.prefill_per_gpu);  // the peak prefill step, unless chunked
    ASSIGN_OR_RETURN(summary.memory, memory.At(s.concurrency));
    // The attention of the decode step it evaluated last (at the end of the answer), kept for
    // the decode sum before the search below evaluates others.
    if (buffers.memory.has_attention) {
      CopySlices(buffers.memory.records.attention, buffers.end_attention);
      buffers.end_step = buffers.memory.attention_step;
      buffers.has_end_attention = true;
    }
    if (known_max_concurrency >= 0 &&
        summary.memory.fits == (s.concurrency <= known_max_concurrency)) {
      summary.memory.max_concurrency = known_max_concurrency;
    } else {
      ASSIGN_OR_RETURN(summary.memory.max_concurrency,
                       memory.MaxConcurrency(s.concurrency, &summary.memory));
    }
  }

  summary.mode = s.mode;
  // A static batch that does not fit runs in waves, which EstimateScenario times (`then_waves`):
  // its own timing would be replaced, so a summary skips it.
  if (then_waves && detail == EstimateDetail::kSummary && s.mode == ServingMode::kStatic &&
      !summary.memory.fits && summary.memory.max_concurrency >= 1) {
    ASSIGN_OR_RETURN(e.ledger.kv_cache_bytes_per_token, pipeline.KvCacheBytesPerToken(1));
  } else {
    RETURN_IF_ERROR(TimeOneBatch(s, pipeline, timer, detail, decode, at_mean, e));
  }
  summary.pipeline_bubble_fraction =
      static_cast<double>(s.layout.pipeline - 1) / static_cast<double>(s.layout.pipeline);
  summary.notes = s.warnings;
  if (summary.serving && s.request_rate > 0) {
    summary.notes.push_back(
        OpenLoopNote(s, summary.serving->open_loop_requests,
                     summary.serving->requests_per_s * static_cast<double>(s.layout.data),
                     summary.serving->overloaded));
  }
  if (summary.serving && summary.serving->desynchronised) {
    summary.notes.push_back(fmt::format(
        "closed loop: the {} clients, each sending one length, are modelled as desynchronised "
        "arrivals (the open loop whose server holds {} requests on average, what a request of "
        "the loop finds beside itself), as measured on mixed-schedule engines; simulated one by "
        "one, such clients fall into waves that the measured runs do not show "
        "(docs/calibration.md, \"Closed-loop waves\")",
        ReplicaBatch(s, s.concurrency), ReplicaBatch(s, s.concurrency) - 1));
  }
  if (summary.memory.max_concurrency < 1) summary.notes.push_back(NothingFitsNote(summary.memory));
  if (!s.engine_fitted_on_device) {
    summary.notes.push_back(fmt::format("calibration of {} on {}: {}", s.engine.name,
                                        s.hardware.name, s.calibration_basis));
  }
  summary.notes.insert(summary.notes.end(), s.model.report_notes.begin(),
                       s.model.report_notes.end());
  for (std::string& note :
       LayoutNotes(s, e.ledger.kv_cache_bytes_per_token, e.kv_bytes_per_token_per_gpu)) {
    summary.notes.push_back(std::move(note));
  }
  return CheckFinite(s, e);
}

// What a wave's estimate (and a ConcurrencyMemo) keeps of a static batch's summary.
BatchTimes TimesOf(const Summary& summary) {
  return {summary.ttft_s,
          summary.tpot_s,
          summary.e2e_s,
          summary.tokens_per_s_per_user,
          summary.usd_per_million_input_tokens,
          summary.usd_per_million_output_tokens};
}

// The measured error band of each time (framework/error_band.h).
void AddBands(const Scenario& s, Summary& summary) {
  summary.ttft_band = BandOf(s, BandMetric::kTtft, summary.ttft_s);
  summary.tpot_band = BandOf(s, BandMetric::kTpot, summary.tpot_s);
  summary.e2e_band = BandOf(s, BandMetric::kE2e, summary.e2e_s);
  if (s.error_bands != nullptr) summary.band_coverage = s.error_bands->coverage;
  // Trust follows the headline time: a static batch's end-to-end latency, a server's TPOT.
  summary.confidence =
      s.mode == ServingMode::kStatic
          ? AssessConfidence(summary.e2e_band, summary.e2e_s, summary.band_coverage)
          : AssessConfidence(summary.tpot_band, summary.tpot_s, summary.band_coverage);
}

// --mode disagg: the per-GPU ledgers of one decode worker (and its prefill step from one prefill
// worker), then the two pools simulated together (framework/serving/disagg_model.h).
absl::StatusOr<Estimate> EstimateDisagg(const Scenario& s, const PluginSet& plugins,
                                        EstimateDetail detail, PipelineCache& pipelines) {
  const Pool& prefill_pool = s.prefill_pool;
  const Pool& decode_pool = s.decode_pool;
  Scenario prefill_worker = PoolScenario(s, prefill_pool);
  Scenario decode_worker = PoolScenario(s, decode_pool);
  // Prompts per prefill step: --prefill-batch per data-parallel rank, else the engine's token
  // budget in whole prompts (at least one).
  const int64_t budget = s.engine.max_batched_tokens;
  const int64_t prompts_per_rank =
      prefill_pool.max_batch > 0 ? prefill_pool.max_batch
                                 : std::max<int64_t>(1, budget > 0 ? budget / s.input_tokens : 1);
  const int64_t prefill_batch = prompts_per_rank * prefill_pool.layout.data;
  prefill_worker.concurrency = std::min(s.concurrency, prefill_batch);
  decode_worker.concurrency = (s.concurrency + decode_pool.workers - 1) / decode_pool.workers;
  Estimate e;
  RETURN_IF_ERROR(EstimateOneBatch(decode_worker, plugins, detail, pipelines, {}, e));
  // (In the report's detail too: its prefill stage is this worker's, with per-GPU totals and
  // per-phase times as every stage has them; the times are the same in either detail.)
  Estimate p;
  RETURN_IF_ERROR(EstimateOneBatch(prefill_worker, plugins, detail, pipelines, {}, p));
  e.prefill_per_gpu = p.prefill_per_gpu;
  e.prefill_timing = p.prefill_timing;
  if (detail == EstimateDetail::kFull) e.ledger.prefill = WholeModelOf(e.prefill_per_gpu);

  // Most sequences a decode worker holds: its memory, and --decode-batch per rank if given.
  const int64_t fits = e.summary.memory.max_concurrency;
  int64_t decode_batch = fits > 0 ? fits : decode_worker.concurrency;
  if (decode_pool.max_batch > 0) {
    decode_batch = std::min(decode_batch, decode_pool.max_batch * decode_pool.layout.data);
  }

  ASSIGN_OR_RETURN(const Pipeline prefill_pipeline, Pipeline::Create(prefill_worker, plugins));
  ASSIGN_OR_RETURN(const Pipeline decode_pipeline, Pipeline::Create(decode_worker, plugins));
  ASSIGN_OR_RETURN(auto hardware_plugin, FindHardwarePlugin(plugins, s.hardware));
  const StepTimer prefill_timer(HardwarePlugin(hardware_plugin), s.hardware,
                                ExecutionOf(prefill_worker));
  const StepTimer decode_timer(HardwarePlugin(std::move(hardware_plugin)), s.hardware,
                               ExecutionOf(decode_worker));
  // The whole model's cache of one prompt moves from the prefill to the decode worker.
  ASSIGN_OR_RETURN(const double kv_bytes,
                   prefill_pipeline.KvCacheBytesPerSequence(s.input_tokens, 1));
  const int64_t prefill_gpus = prefill_pool.workers * prefill_pool.gpus;
  const int64_t decode_gpus = decode_pool.workers * decode_pool.gpus;
  const double kv_transfer_s = KvTransferSeconds(kv_bytes, s.hardware, prefill_pool.gpus,
                                                 decode_pool.gpus, prefill_gpus + decode_gpus);
  ASSIGN_OR_RETURN(
      DisaggState d,
      SimulateDisagg(
          {&prefill_pipeline, &prefill_timer, &prefill_worker, prefill_pool.workers, prefill_batch},
          {&decode_pipeline, &decode_timer, &decode_worker, decode_pool.workers, decode_batch}, s,
          kv_transfer_s));

  Summary& summary = e.summary;
  summary.mode = ServingMode::kDisagg;
  const double gpus = static_cast<double>(prefill_gpus + decode_gpus);
  // A request's mean lengths (the stated ones, or the drawn ones' mean: --length-range-ratio).
  const RequestLengths lengths(s.input_tokens, s.output_tokens, s.length_range_ratio);
  const double osl = lengths.MeanOutput();
  summary.ttft_s = d.ttft_s;
  summary.tpot_s = d.tpot_s;
  summary.e2e_s = d.ttft_s + (osl - 1) * d.tpot_s;
  summary.tokens_per_s_per_user = d.tpot_s > 0 ? 1 / d.tpot_s : 0;
  summary.tokens_per_s_aggregate = d.requests_per_s * osl;
  summary.tokens_per_s_per_gpu = summary.tokens_per_s_aggregate / gpus;
  // Each pool's GPUs are paid by the tokens it makes: prompts the prefill pool's, answers the
  // decode pool's.
  const double price = s.hardware.price_usd_per_gpu_hour;
  summary.usd_per_million_input_tokens =
      UsdPerMillionTokens(UsdPerSecond(price, static_cast<double>(prefill_gpus)),
                          d.requests_per_s * lengths.MeanPrompt());
  summary.usd_per_million_output_tokens = UsdPerMillionTokens(
      UsdPerSecond(price, static_cast<double>(decode_gpus)), d.requests_per_s * osl);
  summary.notes.push_back(fmt::format(
      "disaggregated: {} prefill worker(s) of {} GPUs (tp {}, pp {}, dp {}, ep {}; up to {} "
      "prompts a step) and {} decode worker(s) of {} GPUs (tp {}, pp {}, dp {}, ep {}; up to {} "
      "sequences each); memory and the per-GPU ledgers are one decode worker's at {} sequences, "
      "the prefill step one prefill worker's",
      prefill_pool.workers, prefill_pool.gpus, prefill_pool.layout.tensor,
      prefill_pool.layout.pipeline, prefill_pool.layout.data, prefill_pool.layout.expert,
      prefill_batch, decode_pool.workers, decode_pool.gpus, decode_pool.layout.tensor,
      decode_pool.layout.pipeline, decode_pool.layout.data, decode_pool.layout.expert, decode_batch,
      decode_worker.concurrency));
  // The memory shown is one decode worker's; a prefill worker that cannot hold even one prompt
  // beside its weights makes the deployment not fit either.
  const MemoryPerGpu& prefill_memory = p.summary.memory;
  if (prefill_memory.max_concurrency < 1) {
    summary.memory.fits = false;
    summary.notes.push_back(
        NothingFitsNote(prefill_memory, "prefill workers", "--prefill-gpus, --prefill-tp"));
  }
  summary.notes.push_back(fmt::format(
      "KV transfer: {:.3g} MB per request ({} prompt tokens, whole model) in {:.3g} ms over the {} "
      "links",
      kv_bytes / 1e6, s.input_tokens, 1e3 * kv_transfer_s,
      prefill_gpus + decode_gpus <= s.hardware.gpus_per_node ? "scale-up" : "scale-out"));
  summary.disagg = d;
  if (s.request_rate > 0) {
    summary.notes.push_back(OpenLoopNote(s, d.open_loop_requests, d.requests_per_s, d.overloaded));
  }
  RETURN_IF_ERROR(CheckFinite(s, e));
  return e;
}

}  // namespace

absl::StatusOr<Estimate> EstimateScenario(const Scenario& s, const PluginSet& plugins,
                                          EstimateDetail detail, PipelineCache* pipelines,
                                          ConcurrencyMemo* memo) {
  Estimate e;
  RETURN_IF_ERROR(EstimateScenarioInto(s, plugins, detail, pipelines, memo, e));
  return e;
}

absl::Status EstimateScenarioInto(const Scenario& s, const PluginSet& plugins,
                                  EstimateDetail detail, PipelineCache* pipelines,
                                  ConcurrencyMemo* memo, Estimate& e) {
  PipelineCache own_cache;  // the waves below share one pipeline even without the caller's
  PipelineCache& cache = pipelines != nullptr ? *pipelines : own_cache;
  if (s.mode == ServingMode::kDisagg) {
    ASSIGN_OR_RETURN(e, EstimateDisagg(s, plugins, detail, cache));
    AddBands(s, e.summary);
    return absl::OkStatus();
  }
  // Only a static batch's times are a function of its concurrency alone.
  if (s.mode != ServingMode::kStatic) memo = nullptr;
  RETURN_IF_ERROR(EstimateOneBatch(
      s, plugins, detail, cache,
      {.then_waves = true,
       .known_max_concurrency = memo != nullptr ? memo->MaxConcurrency(plugins) : -1},
      e));
  const int64_t fits = e.summary.memory.max_concurrency;
  if (memo != nullptr) {
    memo->KeepMaxConcurrency(plugins, fits);
    // A batch that fits was timed (in either detail: the same summary).
    if (e.summary.memory.fits) memo->Keep(s.concurrency, plugins, TimesOf(e.summary));
  }
  if (s.mode != ServingMode::kStatic || e.summary.memory.fits || fits < 1) {
    AddBands(s, e.summary);
    return absl::OkStatus();
  }
  // A static batch larger than memory holds runs in waves of at most `fits` sequences, one
  // after another, as an engine that admits what fits (and preempts the rest) runs it.
  Scenario& wave = Buffers().wave_scenario;
  wave = s;
  Estimate& estimate = Buffers().wave;
  const auto time_wave = [&](int64_t concurrency) -> absl::StatusOr<BatchTimes> {
    wave.concurrency = concurrency;
    RETURN_IF_ERROR(EstimateOneBatch(wave, plugins, EstimateDetail::kSummary, cache,
                                     {.wave_of = fits}, estimate));
    const BatchTimes times = TimesOf(estimate.summary);
    if (memo != nullptr) memo->Keep(concurrency, plugins, times);
    return times;
  };
  BatchTimes full;
  if (const BatchTimes* kept = memo != nullptr ? memo->FindFullWave(fits, plugins) : nullptr) {
    full = *kept;
  } else {
    ASSIGN_OR_RETURN(full, time_wave(fits));
  }
  const int64_t full_waves = s.concurrency / fits;
  const int64_t rest = s.concurrency % fits;
  double e2e = static_cast<double>(full_waves) * full.e2e_s;
  if (rest > 0) {
    double last_e2e_s = 0;
    if (memo == nullptr || !memo->FindE2e(rest, plugins, last_e2e_s)) {
      ASSIGN_OR_RETURN(const BatchTimes last, time_wave(rest));
      last_e2e_s = last.e2e_s;
    }
    e2e += last_e2e_s;
  }
  Summary& summary = e.summary;
  summary.waves = full_waves + (rest > 0 ? 1 : 0);
  summary.ttft_s = full.ttft_s;  // the first wave's prefill
  summary.tpot_s = full.tpot_s;  // a full wave's decode step
  summary.e2e_s = e2e;           // every wave, one after another
  // Throughput as a batch that fits reports it: a full wave's, the sequences decoding at once,
  // so it does not drop by the waves' count where the batch stops fitting (the waves' prefills
  // are in e2e_s, and in the cost).
  SetDecodeThroughput(static_cast<double>(fits), static_cast<double>(s.gpus), summary);
  // The GPU time is the waves' together: per token it is a full wave's (the rest rounds it).
  summary.usd_per_million_input_tokens = full.usd_per_million_input_tokens;
  summary.usd_per_million_output_tokens = full.usd_per_million_output_tokens;
  summary.notes.push_back(fmt::format(
      "{} sequences do not fit at once (at most {}): they run in {} waves of up to {}, one after "
      "another; TTFT and TPOT are a full wave's, the end-to-end latency all waves'",
      s.concurrency, fits, summary.waves, fits));
  AddBands(s, summary);
  return absl::OkStatus();
}

}  // namespace infercost::framework
