// The whole answer for one scenario: the per-phase ledger (whole model), the per-GPU ledgers
// and their timing on the device, memory per GPU, and the summary users ask for — TTFT, TPOT,
// end-to-end latency, tokens/s, whether it fits, how many users fit, $ per million tokens, and
// how far to trust it.
//
//   ASSIGN_OR_RETURN(Estimate e, EstimateScenario(scenario, plugins));
//   e.summary.tpot_s;                  // seconds per output token at the mean context
//   e.summary.memory.max_concurrency;  // sequences that fit at input + output tokens
#ifndef INFERCOST_FRAMEWORK_ESTIMATE_H_
#define INFERCOST_FRAMEWORK_ESTIMATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/concurrency_memo.h"
#include "framework/confidence.h"
#include "framework/error_band.h"
#include "framework/ledger/ledger.h"
#include "framework/ledger/pipeline_cache.h"
#include "framework/loader/plugin_loader.h"
#include "framework/memory/memory_model.h"
#include "framework/scenario.h"
#include "framework/serving/disagg_model.h"
#include "framework/serving/serving_model.h"
#include "framework/timing/step_timer.h"

namespace infercost::framework {

struct Summary {
  ServingMode mode = ServingMode::kStatic;
  // static: prefill of the whole batch; serving: arrival to first token, queueing included.
  double ttft_s = 0;
  // static: one decode step at the mean context; serving: the mean continuously batched step.
  double tpot_s = 0;
  double e2e_s =
      0;  // static: prefill + every decode step (exact sum); serving: ttft + (osl-1) tpot
  std::optional<ServingState> serving;  // the steady state (serving mode)
  std::optional<DisaggState> disagg;    // the steady state (disagg mode)
  double tokens_per_s_per_user = 0;
  double tokens_per_s_aggregate = 0;
  double tokens_per_s_per_gpu = 0;
  MemoryPerGpu memory;
  double usd_per_million_input_tokens = 0;
  double usd_per_million_output_tokens = 0;
  Confidence confidence;
  double pipeline_bubble_fraction = 0;  // share of each step a pipeline stage waits
  // static mode: batches beyond memory run in waves of memory.max_concurrency (1 = at once).
  int64_t waves = 1;
  // Measured error bands of the three times (framework/error_band.h), at `band_coverage`.
  TimeBand ttft_band, tpot_band, e2e_band;
  double band_coverage = 0.8;
  std::vector<std::string> notes;  // how the layout shaped the numbers
};

struct Estimate {
  Ledger ledger;                // whole model, for the per-phase meters
  StageLedger prefill_per_gpu;  // one tensor-parallel shard
  StageLedger decode_per_gpu;
  StageTiming prefill_timing;
  StageTiming decode_timing;
  double decode_sum_s = 0;  // exact sum of all decode steps
  double kv_bytes_per_token_per_gpu = 0;
  Summary summary;
};

// kFull: everything above. kSummary: the summary, the steps' times and the per-GPU ledgers'
// layer groups and model phases only: `ledger` (the whole model's per-phase meters, and its
// decode-sum costs) is left empty except kv_cache_bytes_per_token, the per-GPU ledgers have no
// merged whole-step records (`phases`, `totals`) and the timings no per-phase list. Sweeps,
// searches and the batch API need no more, at about half the work. The summary is the same
// either way, to the last bit.
enum class EstimateDetail { kFull, kSummary };

// `pipelines`, when given, reuses the pipeline of the previous call whose scenario had the same
// structure (a sweep's points; one cache per thread and PluginSet): the answer is the same.
// `memo`, when given (keyed by the caller for this scenario, framework/concurrency_memo.h),
// reuses the times of static batch sizes and the largest concurrency that fits from earlier
// calls for the same scenario at other concurrencies: the answer is the same.
absl::StatusOr<Estimate> EstimateScenario(const Scenario& scenario, const PluginSet& plugins,
                                          EstimateDetail detail = EstimateDetail::kFull,
                                          PipelineCache* pipelines = nullptr,
                                          ConcurrencyMemo* memo = nullptr);

// The same answer into `out`, whose vectors' capacity is reused (every field is set again): a
// caller that evaluates scenarios one after another into one Estimate, with one PipelineCache,
// allocates nothing per static-batch evaluation once both have grown (the first evaluation of a
// pipeline structure, serving and disaggregated modes, and notes, still do). On error `out` is
// left partly set. Thread-safe as EstimateScenario is: one `out` and one cache per thread.
absl::Status EstimateScenarioInto(const Scenario& scenario, const PluginSet& plugins,
                                  EstimateDetail detail, PipelineCache* pipelines,
                                  ConcurrencyMemo* memo, Estimate& out);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ESTIMATE_H_
