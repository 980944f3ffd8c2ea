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

#include "apps/infercost/session.h"

namespace infercost::cli {

struct CompareFlags {
  std::string a_file, b_file;     // --a FILE.toml, --b FILE.toml
  std::vector<std::string> args;  // everything else, in order (shared and --a./--b. flags)
  bool only_different = false;    // --only-different: hide the rows that are equal
};

int RunCompare(Session& session, const CompareFlags& flags);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_COMPARE_COMMAND_H_
