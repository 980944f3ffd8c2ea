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

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "apps/infercost/session.h"
#include "framework/loader/plugin_loader.h"
#include "registry/presets.h"

namespace infercost::cli {

struct CompareFlags {
  std::string a_file, b_file;     // --a FILE.toml, --b FILE.toml
  std::vector<std::string> args;  // everything else, in order (shared and --a./--b. flags)
  bool only_different = false;    // --only-different: hide the rows that are equal
};

// One metric of the two reports: its path and each side's value as JSON text ("" where the side
// lacks it).
struct CompareRow {
  std::string path;
  std::string a, b;
  bool has_a = false, has_b = false;
  bool differs = false;
};
struct CompareResult {
  std::string a_scenario, b_scenario;  // each side's `scenario` object as JSON text
  std::vector<CompareRow> rows;        // summary, then scenario, then the stages
};

// Both sides resolved, estimated and lined up; errors name the side.
absl::StatusOr<CompareResult> Compare(const registry::Presets& presets,
                                      const framework::PluginSet& plugins,
                                      const CompareFlags& flags);
// `infercost compare --format json`'s text (what the web API's /api/v1/compare returns too).
std::string CompareJson(const CompareResult& result, bool only_different);

int RunCompare(Session& session, const CompareFlags& flags);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_COMPARE_COMMAND_H_
