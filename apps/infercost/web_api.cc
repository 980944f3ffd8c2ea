#include "apps/infercost/web_api.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <utility>
#include <vector>

#include "apps/infercost/compare_command.h"
#include "apps/infercost/list_commands.h"
#include "apps/infercost/report_command.h"
#include "apps/infercost/scenario_args.h"
#include "apps/infercost/search_command.h"
#include "apps/infercost/session.h"
#include "fmt/format.h"
#include "framework/report/json_text.h"
#include "nlohmann/json.hpp"

namespace infercost::cli {
namespace {

const std::set<std::string> kScenarioSwitches = {"--allow-beyond-context"};
const std::set<std::string> kCompareSwitches = {"--allow-beyond-context", "--only-different"};

ApiResponse Ok(std::string body) { return {200, std::move(body)}; }

}  // namespace

ApiResponse ErrorResponse(const absl::Status& status) {
  const nlohmann::json body = {{"error", std::string(status.message())}};
  // The request's fault: 400; past the server's time limit (a large request, or a busy server):
  // 503; else the server's: 500.
  const int code = ExitCodeFor(status) == 2                               ? 400
                   : status.code() == absl::StatusCode::kDeadlineExceeded ? 503
                                                                          : 500;
  return {code, framework::JsonText(body, 2) + "\n"};
}

ApiResponse WebApi::Handle(const std::string& endpoint, const ApiParams& query,
                           const std::string& body) const {
  if (endpoint == "report") return Report(query, body);
  if (endpoint == "compare") return Compare(query, body);
  if (endpoint == "search") return Search(query, body);
  const bool listing = endpoint == "models" || endpoint == "hardware" || endpoint == "engines" ||
                       endpoint == "plugins";
  if (!listing) {
    ApiResponse r = ErrorResponse(absl::NotFoundError(fmt::format(
        "no endpoint /api/v1/{}; there are report, compare, search, models, hardware, engines "
        "and plugins",
        endpoint)));
    r.status = 404;
    return r;
  }
  if (!query.empty() || !body.empty()) {
    return ErrorResponse(
        absl::InvalidArgumentError(fmt::format("/api/v1/{} takes no parameters", endpoint)));
  }
  if (endpoint == "models") return Ok(ModelsJson(presets_));
  if (endpoint == "engines") return Ok(EnginesJson(presets_));
  if (endpoint == "plugins") return Ok(PluginsJson(plugins_, /*load=*/true));
  return Ok(HardwareJson(presets_, plugins_));
}

ApiResponse WebApi::Report(const ApiParams& query, const std::string& body) const {
  absl::StatusOr<std::vector<std::string>> args = ApiArgs(query, body, kScenarioSwitches);
  if (!args.ok()) return ErrorResponse(args.status());
  if (absl::Status once = RefuseRepeatedFlags(*args, kScenarioSwitches); !once.ok()) {
    return ErrorResponse(once);
  }
  absl::StatusOr<framework::ScenarioRequest> request = ParseScenarioArgs(*args, "");
  if (!request.ok()) return ErrorResponse(request.status());
  absl::StatusOr<std::string> json = ReportJson(presets_, plugins_, *request);
  if (!json.ok()) return ErrorResponse(json.status());
  return Ok(std::move(*json));
}

ApiResponse WebApi::Compare(const ApiParams& query, const std::string& body) const {
  absl::StatusOr<std::vector<std::string>> args = ApiArgs(query, body, kCompareSwitches);
  if (!args.ok()) return ErrorResponse(args.status());
  if (absl::Status once = RefuseRepeatedFlags(*args, kCompareSwitches); !once.ok()) {
    return ErrorResponse(once);
  }
  CompareFlags flags;
  for (std::string& arg : *args) {
    if (arg == "--only-different") {
      flags.only_different = true;
    } else {
      flags.args.push_back(std::move(arg));
    }
  }
  absl::StatusOr<CompareResult> result = cli::Compare(presets_, plugins_, flags);
  if (!result.ok()) return ErrorResponse(result.status());
  return Ok(CompareJson(*result, flags.only_different));
}

ApiResponse WebApi::Search(const ApiParams& query, const std::string& body) const {
  absl::StatusOr<std::vector<std::string>> args = ApiArgs(query, body, kScenarioSwitches);
  if (!args.ok()) return ErrorResponse(args.status());
  CLI::App app{"search"};
  SearchFlags flags;
  AddSearchFlags(app, flags);
  std::vector<std::string> reversed(args->rbegin(), args->rend());  // CLI11 pops from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return ErrorResponse(absl::InvalidArgumentError(FlagParseError(e)));
  }
  flags.threads = search_threads_;
  flags.progress = false;  // (the server's stderr is its log)
  flags.time_limit_s = kSearchTimeLimitSeconds;
  flags.stop = stop_;
  absl::StatusOr<SearchResult> result = cli::Search(flags, presets_, plugins_);
  if (!result.ok()) return ErrorResponse(result.status());
  return Ok(SearchJson(*result));
}

}  // namespace infercost::cli
