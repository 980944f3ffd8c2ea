// Scenario flags as data, shared by the commands that build many scenarios (compare, sweep): a
// TOML scenario file turned into the `report` flags it stands for, and a list of flags parsed
// into a ScenarioRequest (the last value of a repeated flag wins, so later layers override).
//
//   ASSIGN_OR_RETURN(std::vector<std::string> args, ScenarioFileFlags("a.toml"));
//   args.insert(args.end(), {"--gpus", "4"});
//   ASSIGN_OR_RETURN(framework::ScenarioRequest r, ParseScenarioArgs(args, "compare, side a"));
#ifndef INFERCOST_APPS_INFERCOST_SCENARIO_ARGS_H_
#define INFERCOST_APPS_INFERCOST_SCENARIO_ARGS_H_

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/scenario.h"

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace toml {
inline namespace v3 {
class node;
}
}  // namespace toml

namespace infercost::cli {

// What a parse error of flags that did not come from a command line (the web API, the Python
// module, the C API) says: CLI11's own text, but for a request for help or the version, whose
// text ("This should be caught in your main function") is meant for a command line.
std::string FlagParseError(const CLI::ParseError& error);

// Scenario flags that take no value (--allow-beyond-context).
bool IsScenarioSwitch(const std::string& flag);
// The scenario flags that take a comma-separated list (a scenario file may give an array).
bool IsScenarioList(const std::string& flag);

// The scenario flags' long names without their dashes ("gpus", "input-tokens", ...), in the
// order `report --help` lists them.
std::vector<std::string> ScenarioFlagNames();

// A TOML value (string, integer, float, boolean) as a flag's text; nullopt for tables and arrays.
std::optional<std::string> TomlValueText(const toml::node& node);

// The flags a scenario file stands for: key = value -> --key value ('_' -> '-'); a
// [variant_options] table -> --variant-option k=v each; `true` -> the switch. Keys in `skip`
// (tables other commands read, e.g. sweep's [grid]) are left out. Errors name the file and key.
absl::StatusOr<std::vector<std::string>> ScenarioFileFlags(const std::string& path,
                                                           const std::set<std::string>& skip = {});

// Where a message about a scenario's value came from when a scenario file gave it: "from PATH:
// its keys are the flags named here ...", for messages that name the flags.
std::string ScenarioFileSource(const std::string& path);

// `args` (report flags, in order; a repeated flag's last value wins) as a request; a parse error
// is prefixed by `context` (none when empty: the CLI's own message).
absl::StatusOr<framework::ScenarioRequest> ParseScenarioArgs(const std::vector<std::string>& args,
                                                             const std::string& context);

// ParseScenarioArgs for many lists in a row (a sweep's points): the flags are declared once,
// and each list is parsed over a base request, so a point only parses the flags that differ from
// its base. Not thread-safe: one parser per thread.
//
//   ScenarioArgsParser parser("sweep");
//   ASSIGN_OR_RETURN(ScenarioRequest base, parser.Parse(base_args, ScenarioRequest{}));
//   ASSIGN_OR_RETURN(ScenarioRequest point, parser.Parse({"--gpus", "4"}, base));
class ScenarioArgsParser {
 public:
  explicit ScenarioArgsParser(std::string context);
  ~ScenarioArgsParser();
  ScenarioArgsParser(const ScenarioArgsParser&) = delete;
  ScenarioArgsParser& operator=(const ScenarioArgsParser&) = delete;

  // `base` with the flags of `args` applied (a repeated flag's last value wins).
  absl::StatusOr<framework::ScenarioRequest> Parse(const std::vector<std::string>& args,
                                                   const framework::ScenarioRequest& base);

 private:
  std::string context_;
  std::unique_ptr<framework::ScenarioRequest> request_;  // what the flags write into
  std::unique_ptr<CLI::App> app_;
};

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_SCENARIO_ARGS_H_
