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

namespace infercost::cli {

struct SweepFlags {
  std::vector<std::string> grid;  // FIELD=VALUES, in order (the first varies slowest)
  std::string file;               // --grid-file
  std::vector<std::string> args;  // the other flags: every point's scenario
};

// The values of one --grid spec, expanded ("1..8*2" -> 1, 2, 4, 8); errors name the spec.
absl::StatusOr<std::pair<std::string, std::vector<std::string>>> ParseGridSpec(
    const std::string& spec);

int RunSweep(Session& session, const SweepFlags& flags);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_SWEEP_COMMAND_H_
