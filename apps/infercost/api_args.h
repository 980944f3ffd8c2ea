// The web API's request parameters as command-line flags: a query string (`?gpus=4&kv=bf16`)
// and/or a JSON object body (`{"gpus": 4, "kv": "bf16"}`) become `--gpus 4 --kv bf16`, which the
// CLI's own parsers then read, so the API accepts exactly the CLI's flags and rejects bad ones
// with the CLI's messages. Keys are flag names without the dashes ('_' may stand for '-');
// `a.`/`b.` prefixes (compare) pass through; a switch takes true/false; a repeatable flag takes
// an array or a repeated key. Keys that would make the server read files or load plugins
// (plugin and preset directories, scenario files, --workload, --plot) are refused, and so is a
// `model` that names a file: the server's plugins and presets are fixed when it starts.
//
//   ASSIGN_OR_RETURN(std::vector<std::string> args,
//                    ApiArgs({{"gpus", "4"}}, /*body=*/"", {"--allow-beyond-context"}));
#ifndef INFERCOST_APPS_INFERCOST_API_ARGS_H_
#define INFERCOST_APPS_INFERCOST_API_ARGS_H_

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace infercost::cli {

using ApiParams = std::vector<std::pair<std::string, std::string>>;

// The flags `query` and `body` (empty, or a JSON object) stand for, query first. `switches` are
// the flags that take no value. InvalidArgument for a malformed body, a refused key or a bad
// switch value.
absl::StatusOr<std::vector<std::string>> ApiArgs(const ApiParams& query, const std::string& body,
                                                 const std::set<std::string>& switches);
// InvalidArgument naming the first flag of `args` (flags and their values, as ApiArgs makes them;
// `switches` take none) that is given more than once, but --variant-option (and a side's): what
// a scenario's parser, which lets the last of a flag win, must not be given.
absl::Status RefuseRepeatedFlags(const std::vector<std::string>& args,
                                 const std::set<std::string>& switches);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_API_ARGS_H_
