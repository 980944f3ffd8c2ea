// What every validation against measurements shares: which rows to compare (a filter by preset
// name), predicting one row's scenario with errors that name the row, and the median |error|.
//
//   if (!filter.Matches(request)) continue;
//   ASSIGN_OR_RETURN(framework::Estimate e, EstimateRow(row.source, request, presets, plugins,
//   &scenario)); double median = MedianAbsolute(errors);
#ifndef INFERCOST_VALIDATION_ROW_ESTIMATE_H_
#define INFERCOST_VALIDATION_ROW_ESTIMATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"
#include "registry/presets.h"

namespace infercost::validation {

// Rows to compare, by preset name; an empty field matches every row.
struct ValidationFilter {
  std::string engine;
  std::string model;
  std::string hardware;
  bool Matches(const framework::ScenarioRequest& request) const;
};

// How many requests a closed-loop benchmark's client sends in its measured window: its mean
// TTFT is its start-up burst (every client's first request at once to the idle server) and
// kMeasuredRequestsPerClient - 1 requests each of its steady state. 10: what InferenceX's
// benchmark scripts send (--num-prompts $(( CONC * 10 ))), the aiconfigurator team's own replay
// of these rows (DynoSim, docs/blogs/digital-twin-simulation: "closed-loop replay with
// request_count=10*concurrency", 8.5 % TTFT MAPE on the Qwen3-32B vLLM H100 rows), and what
// the vLLM rows above 8 clients of every data source centre on; aiconfigurator's generated
// bench_run.sh sends 20 or 50 (its versions differ): where the rows ran it, the start-up
// transient outlasts the burst's one request (docs/calibration.md, "The benchmark's start-up
// transient").
inline constexpr double kMeasuredRequestsPerClient = 10;

// What every compared row is assumed to have run with where the data does not say: speculative
// decoding (validate --speculative-tokens K --acceptance A --draft-layers N, a hypothesis to
// test on rows the filter selects), and how many requests each client of the benchmark sent
// (validate --requests-per-client N: the start-up burst's share of a served row's mean TTFT). The
// defaults: as the data says, and kMeasuredRequestsPerClient. ApplyTo sets a row's speculative
// decoding only where this states some (a draft, a rate or a draft depth); else the row keeps
// what its recipe drafted (validation::AicRecipeSpeculation).
struct RowAssumption {
  int64_t speculative_tokens = 0;
  std::vector<double> acceptance;
  int64_t draft_layers = 1;
  double requests_per_client = kMeasuredRequestsPerClient;
  void ApplyTo(framework::ScenarioRequest& request) const;
};

// Builds and evaluates `request`; an error is prefixed by `source` ("file:line"). When
// `scenario_out` is given it receives the resolved scenario.
absl::StatusOr<framework::Estimate> EstimateRow(const std::string& source,
                                                const framework::ScenarioRequest& request,
                                                const registry::Presets& presets,
                                                const framework::PluginSet& plugins,
                                                framework::Scenario* scenario_out = nullptr);

// The regimes a predicted row belongs to, one per axis: "batch 1-7" / "batch 8-63" / "batch 64+"
// (sequences or clients: framework::BatchBucket), "tp N", "dense" / "moe", and "prefill-bound"
// (the predicted first token takes at least as long as the decode steps after it) or
// "decode-bound".
std::vector<std::string> RegimeLabels(const framework::Scenario& scenario,
                                      const framework::Summary& summary, int64_t sequences);

// The median of |values| (0 for none).
double MedianAbsolute(std::vector<double> values);

// The q-quantile (0 < q <= 1) of |values| by nearest rank: the ceil(q n)-th smallest (0 for none).
double QuantileAbsolute(std::vector<double> values, double q);

}  // namespace infercost::validation

#endif  // INFERCOST_VALIDATION_ROW_ESTIMATE_H_
