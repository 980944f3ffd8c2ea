// Scenario flags as data, shared by the commands that build many scenarios (compare, sweep): a
// TOML scenario file turned into the `report` flags it stands for, and a list of flags parsed
// into a ScenarioRequest (the last value of a repeated flag wins, so later layers override).
//
//   ASSIGN_OR_RETURN(std::vector<std::string> args, ScenarioFileFlags("a.toml"));
//   args.insert(args.end(), {"--gpus", "4"});
//   ASSIGN_OR_RETURN(framework::ScenarioRequest r, ParseScenarioArgs(args, "compare, side a"));
#ifndef INFERCOST_APPS_INFERCOST_SCENARIO_ARGS_H_
#define INFERCOST_APPS_INFERCOST_SCENARIO_ARGS_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/scenario.h"

namespace toml {
inline namespace v3 {
class node;
}
}  // namespace toml

namespace infercost::cli {

// Scenario flags that take no value (--allow-beyond-context).
bool IsScenarioSwitch(const std::string& flag);

// A TOML value (string, integer, float, boolean) as a flag's text; nullopt for tables and arrays.
std::optional<std::string> TomlValueText(const toml::node& node);

// The flags a scenario file stands for: key = value -> --key value ('_' -> '-'); a
// [variant_options] table -> --variant-option k=v each; `true` -> the switch. Keys in `skip`
// (tables other commands read, e.g. sweep's [grid]) are left out. Errors name the file and key.
absl::StatusOr<std::vector<std::string>> ScenarioFileFlags(const std::string& path,
                                                           const std::set<std::string>& skip = {});

// `args` (report flags, in order; a repeated flag's last value wins) as a request; a parse error
// is prefixed by `context` (none when empty: the CLI's own message).
absl::StatusOr<framework::ScenarioRequest> ParseScenarioArgs(const std::vector<std::string>& args,
                                                             const std::string& context);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_SCENARIO_ARGS_H_
