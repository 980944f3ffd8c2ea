// `infercost sweep`: every scenario of a grid, one line each, streamed as CSV (default) or JSON
// lines (--format json) for notebooks and spreadsheets. The grid comes from `--grid FIELD=VALUES`
// flags and/or a TOML file (`--grid-file`: a [grid] table of arrays, plus base scenario keys as
// in `compare`'s side files); any `report` flag is a field, and flags without --grid apply to
// every point. VALUES: a list `a,b,c`, an arithmetic range `lo..hi+step` or a geometric one
// `lo..hi*factor`. A point that is not a valid scenario (e.g. TP not dividing the heads) is a
// line with its error, not the end of the sweep.
//
//   infercost sweep --model llama-3-8b --grid gpus=1,2,4 --grid concurrency=1..256*2
#ifndef INFERCOST_APPS_INFERCOST_SWEEP_COMMAND_H_
#define INFERCOST_APPS_INFERCOST_SWEEP_COMMAND_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "apps/infercost/report_command.h"
#include "apps/infercost/scenario_args.h"
#include "apps/infercost/session.h"
#include "apps/infercost/sweep_points.h"
#include "framework/loader/plugin_loader.h"
#include "nlohmann/json.hpp"
#include "registry/presets.h"

namespace infercost::cli {

struct SweepFlags {
  std::vector<std::string> grid;  // FIELD=VALUES, in order (the first varies slowest)
  std::string file;               // --grid-file
  std::vector<std::string> args;  // the other flags: every point's scenario
  std::vector<GridField> values;  // fields given as lists by an embedding host (after `grid`)
  int threads = 0;                // --threads; <= 0: one per hardware thread
};

// The metrics of a sweep record, in the CSV's column order (after the grid's fields).
inline constexpr const char* kSweepMetrics[] = {"ttft_s",
                                                "tpot_s",
                                                "e2e_s",
                                                "tokens_per_s_per_user",
                                                "tokens_per_s_aggregate",
                                                "tokens_per_s_per_gpu",
                                                "fits",
                                                "max_concurrency",
                                                "weights_bytes_per_gpu",
                                                "kv_bytes_per_gpu",
                                                "usd_per_million_input_tokens",
                                                "usd_per_million_output_tokens",
                                                "confidence_band",
                                                "error"};

// The values of one --grid spec, expanded ("1..8*2" -> 1, 2, 4, 8); errors name the spec.
absl::StatusOr<std::pair<std::string, std::vector<std::string>>> ParseGridSpec(
    const std::string& spec);

absl::StatusOr<SweepPlan> PlanSweep(const SweepFlags& flags);

// One evaluated point: the estimate's summary, or why the point is not a valid scenario.
struct SweepResult {
  absl::Status status;
  framework::Summary summary;  // valid when status is OK
};

// Evaluates a plan's points on several threads, each exactly as `report` resolves and
// estimates its flags (the base flags, then the point's; summary only). A point's request is
// made without parsing flag text (sweep_points.h), its scenario only re-checked for the numbers
// that change from a point with the same names (framework/scenario_cache.h), and its pipeline
// rebound from the previous point's (framework::PipelineCache): each thread keeps its own.
class SweepEvaluator {
 public:
  // `threads` parse the grid's values (<= 0: one per hardware thread).
  SweepEvaluator(const SweepPlan& plan, const registry::Presets& presets,
                 const framework::PluginSet& plugins, int threads = 0);
  ~SweepEvaluator();
  // Points [first, first + count) (the first field varies slowest), in order; `threads` <= 0:
  // one per hardware thread.
  std::vector<SweepResult> Evaluate(int64_t first, int64_t count, int threads);
  // The same points as lines (CSV rows, or JSON lines when `json`), each with its newline,
  // formatted on the threads that evaluate them: blocks[b] holds points from
  // first + b * kSweepBlock, so writing the blocks in order writes the points in order. Returns
  // how many blocks it filled (the blocks are reused: memory stays flat).
  size_t Lines(int64_t first, int64_t count, int threads, bool json,
               std::vector<std::string>& blocks);
  // Points Lines wrote as not valid scenarios so far, and why the one of them with the lowest
  // number is not ("" when none).
  int64_t failed_points() const { return failed_points_; }
  std::string first_failure() const;

 private:
  struct Worker;
  std::shared_ptr<Worker> Lease();
  // Point `n` evaluated by `worker`: its summary (in the worker, valid until its next point) or
  // why the point is not a valid scenario.
  absl::StatusOr<const framework::Summary*> Point(Worker& worker, int64_t n);

  const SweepPlan& plan_;
  const framework::PluginSet& plugins_;
  ScenarioResolver resolver_;
  SweepRequests requests_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Worker>> idle_;  // each thread's state, kept between calls
  std::atomic<int64_t> failed_points_{0};
  int64_t first_failed_point_ = -1;  // (guarded by mutex_, as first_failure_)
  std::string first_failure_;
};

// Points per block of SweepEvaluator::Lines.
inline constexpr int64_t kSweepBlock = 128;

// Point `n` as a line of `sweep --format json` ({field: value, ..., metric: value, ...,
// "error": null or why}), without the newline.
nlohmann::json SweepJsonLine(const SweepPlan& plan, int64_t n, const SweepResult& result);
// The same for the point of value indices `index` (SweepPointIndex): `summary` when `status` is
// OK.
nlohmann::json SweepJsonLine(const SweepPlan& plan, const std::vector<size_t>& index,
                             const absl::Status& status, const framework::Summary* summary);
// `value` as printf's (and fmt's) %.9g, as the sweep's CSV writes its metrics, then a comma.
void AppendSweepNumber(double value, std::string& out);
// The point of value indices `index` as a CSV row appended to `out` (the grid's values as given,
// then kSweepMetrics; metrics empty when in error), without the newline.
void AppendSweepCsvLine(const SweepPlan& plan, const std::vector<size_t>& index,
                        const absl::Status& status, const framework::Summary* summary,
                        std::string& out);

int RunSweep(Session& session, const SweepFlags& flags);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_SWEEP_COMMAND_H_
