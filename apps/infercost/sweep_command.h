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

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "apps/infercost/session.h"
#include "framework/loader/plugin_loader.h"
#include "nlohmann/json.hpp"
#include "registry/presets.h"

namespace infercost::cli {

using GridField = std::pair<std::string, std::vector<std::string>>;  // FIELD, its values

struct SweepFlags {
  std::vector<std::string> grid;  // FIELD=VALUES, in order (the first varies slowest)
  std::string file;               // --grid-file
  std::vector<std::string> args;  // the other flags: every point's scenario
  std::vector<GridField> values;  // fields given as lists by an embedding host (after `grid`)
};

// A checked grid: every field a scenario flag, at most 10^8 points.
struct SweepPlan {
  std::vector<std::string> base;  // every point's flags (the file's, then SweepFlags::args)
  std::vector<GridField> grid;    // the file's grid, then --grid specs, then values
  int64_t points = 0;
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

// Point `n` (0 <= n < plan.points; the first field varies slowest) evaluated: a JSON line of
// `sweep --format json` ({field: value, ..., metric: value, ..., "error": null or why}).
nlohmann::json SweepPoint(const SweepPlan& plan, int64_t n, const registry::Presets& presets,
                          const framework::PluginSet& plugins);

int RunSweep(Session& session, const SweepFlags& flags);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_SWEEP_COMMAND_H_
