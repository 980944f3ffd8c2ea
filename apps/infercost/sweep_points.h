// A sweep's points (sweep_command.h) as scenario requests, without parsing flag text per point:
// the base flags are parsed once, each grid value once over them (as `report` parses it), and
// kept as the request field it sets; a point's request is the base with its fields set. A point
// whose values cannot be set so (a field that is not one plain request field, e.g.
// --variant-option, or a value that does not parse alone) is parsed whole, as `report` would.
//
//   SweepRequests requests(plan, /*threads=*/2);
//   ScenarioArgsParser parser("sweep");  // one per thread
//   framework::ScenarioRequest request;
//   std::vector<size_t> index;
//   SweepPointIndex(plan, n, index);
//   RETURN_IF_ERROR(requests.Fill(index, parser, request));
#ifndef INFERCOST_APPS_INFERCOST_SWEEP_POINTS_H_
#define INFERCOST_APPS_INFERCOST_SWEEP_POINTS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "apps/infercost/scenario_args.h"
#include "framework/scenario.h"

namespace infercost::cli {

using GridField = std::pair<std::string, std::vector<std::string>>;  // FIELD, its values

// A checked grid: every field a scenario flag, at most 10^8 points.
struct SweepPlan {
  std::vector<std::string> base;  // every point's flags (the file's, then SweepFlags::args)
  std::vector<GridField> grid;    // the file's grid, then --grid specs, then values
  int64_t points = 0;
};

// "--input-tokens" for the grid field "input_tokens".
std::string FieldFlag(const std::string& field);

// The flag text that gives grid field `field` the value `value`, appended to `args`: the flag and
// the value (--gpus 4), or one word for a switch (--allow-beyond-context=true), which takes no
// value of its own.
void AppendFieldArgs(const std::string& field, const std::string& value,
                     std::vector<std::string>& args);

// Point `n`'s index into each grid field's values, in the grid's order (the first field varies
// slowest), into `index`.
void SweepPointIndex(const SweepPlan& plan, int64_t n, std::vector<size_t>& index);

class SweepRequests {
 public:
  // Parses the grid's values on `threads` threads (<= 0: one per hardware thread).
  SweepRequests(const SweepPlan& plan, int threads);

  // Point `n`'s request (base flags, then the point's) into `request`, `index` its value indices
  // (SweepPointIndex); `parser` parses the points that need it.
  absl::Status Fill(const std::vector<size_t>& index, ScenarioArgsParser& parser,
                    framework::ScenarioRequest& request) const;

 private:
  using Value = std::variant<int64_t, double, std::optional<double>, std::string>;
  struct Field {
    int setter = -1;                           // into the setter table; -1: parse the point whole
    std::vector<std::optional<Value>> values;  // nullopt: this value parses with the point
  };
  absl::Status ParseWhole(const std::vector<size_t>& index, ScenarioArgsParser& parser,
                          framework::ScenarioRequest& request) const;

  const SweepPlan& plan_;
  // The base flags parsed; nullopt when a point's flags cannot simply be parsed over them (then
  // every point parses base + its flags).
  std::optional<framework::ScenarioRequest> base_;
  std::vector<Field> fields_;  // one per grid field
};

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_SWEEP_POINTS_H_
