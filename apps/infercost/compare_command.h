// `infercost compare`: two scenarios side by side. Flags without a side apply to both; `--a.FLAG`
// and `--b.FLAG` to one side (any `report` flag: `--a.model llama-3-8b --b.hardware b200`);
// `--a FILE.toml` / `--b FILE.toml` read a side's scenario from a file whose keys are the flags'
// names with '_' (model = "llama-3-8b", input_tokens = 2000, [variant_options] ...), flags then
// override it. Every number of the two JSON reports (summary metrics, memory, cost, every
// per-phase meter and time of every stage) is listed with B - A and B / A; rows that differ are
// marked (and bold on a terminal). Table, JSON or CSV (--format).
//
//   infercost compare --a.hardware h100-sxm --b.hardware b200 --engine vllm
#ifndef INFERCOST_APPS_INFERCOST_COMPARE_COMMAND_H_
#define INFERCOST_APPS_INFERCOST_COMPARE_COMMAND_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "apps/infercost/session.h"
#include "nlohmann/json.hpp"

namespace infercost::cli {

struct CompareFlags {
  std::string a_file, b_file;     // --a FILE.toml, --b FILE.toml
  std::vector<std::string> args;  // everything else, in order (shared and --a./--b. flags)
  bool only_different = false;    // --only-different: hide the rows that are equal
};

// One value of the two reports, by its path ("summary.ttft_s", "decode.phases[ffn].flops").
struct CompareRow {
  std::string path;
  std::optional<nlohmann::json> a, b;  // nullopt: the side has no such value
  bool differs = false;
};

struct Comparison {
  nlohmann::json a_scenario, b_scenario;  // each report's "scenario" object
  std::vector<CompareRow> rows;           // summary, then scenario, then the stages
};

// Evaluates both sides and lines their values up (no output); errors name the side.
absl::StatusOr<Comparison> Compare(Session& session, const CompareFlags& flags);

// What `compare --format json` prints: {"a": scenario, "b": scenario, "metrics": [{"metric",
// "a", "b", "differs", "difference", "ratio"}, ...]}.
nlohmann::json ComparisonJson(const Comparison& comparison, bool only_different);

int RunCompare(Session& session, const CompareFlags& flags);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_COMPARE_COMMAND_H_
