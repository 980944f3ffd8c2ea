// Re-deriving the engine presets' fitted numbers from the measurements (issue 12, point 6): for
// each (engine, device) the project fitted, which rows it was fitted on, which were held out,
// which keys are free (with their physical bounds) and which anchor sets the matmul efficiency.
// The fit minimises the mean |log(predicted / measured)| over the fitted rows the model says fit
// in memory (Nelder-Mead on the free keys, clamped to their bounds), exactly as
// docs/calibration.md describes, through the same framework::EstimateScenario every report uses.
//
//   ASSIGN_OR_RETURN(std::vector<FitSpec> specs, EngineFitSpecs(data_dir, presets));
//   ASSIGN_OR_RETURN(FitResult fit, FitEngine(specs[0], presets, plugins));
//   fit.values;  // key -> fitted value; fit.committed: the preset's
#ifndef INFERCOST_VALIDATION_ENGINE_FIT_H_
#define INFERCOST_VALIDATION_ENGINE_FIT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"
#include "registry/presets.h"
#include "validation/overlapped_passes.h"

namespace infercost::validation {

// One measured row as the fit sees it.
struct FitRow {
  std::string source;  // file:line
  framework::ScenarioRequest request;
  double measured_s = 0;
  bool held_out = false;  // reported, never fitted
  // Leading passes no host synchronisation separates (e2e rows; validation/overlapped_passes.h).
  OverlappedPasses overlapped;
};

// A free key of the engine preset and its physical range.
struct FreeKey {
  std::string key;  // an engine preset key (registry::EngineOverridableKeys)
  double low = 0;
  double high = 0;
};

// The matmul efficiency that makes one measured prefill (TTFT) come out exactly.
struct TtftAnchor {
  framework::ScenarioRequest request;  // static batch, the anchor's model, batch and tokens
  double measured_s = 0;
  std::string source;
};

struct FitSpec {
  std::string engine;
  std::string hardware;  // the device the values are fitted for (empty: engine-wide, every device)
  std::string metric;  // "e2e" (static batch latency), "tpot" or "ttft" (as the benchmark measured)
  std::string data;    // what the rows are, for the report
  std::vector<FitRow> rows;
  std::vector<FreeKey> free;
  std::vector<TtftAnchor> anchor;  // empty: the matmul efficiency is not fitted here
};

struct FitResult {
  std::string engine, hardware;
  std::vector<std::pair<std::string, double>> values;     // fitted, in FitSpec::free order
  std::vector<std::pair<std::string, double>> committed;  // the preset's, same keys
  double matmul_efficiency = 0;                           // from the anchor (0: not anchored)
  double committed_matmul_efficiency = 0;
  int64_t fitted_rows = 0, held_out_rows = 0;
  double objective = 0;  // mean |log(predicted / measured)| over the fitted rows
  double fitted_median = 0, held_out_median = 0;  // |error| with the fitted values
  double committed_fitted_median = 0, committed_held_out_median = 0;  // with the preset's
  int64_t evaluations = 0;
};

// The (engine, device) fits the committed presets rest on, with their rows read from the
// suites in `data_dir` (tests/data/validation), their names resolved with `presets`.
absl::StatusOr<std::vector<FitSpec>> EngineFitSpecs(const std::string& data_dir,
                                                    const registry::Presets& presets);

// Fits `spec`'s free keys (and the anchored matmul efficiency) starting from the preset's values.
absl::StatusOr<FitResult> FitEngine(const FitSpec& spec, const registry::Presets& presets,
                                    const framework::PluginSet& plugins,
                                    int64_t max_evaluations = 400);

}  // namespace infercost::validation

#endif  // INFERCOST_VALIDATION_ENGINE_FIT_H_
