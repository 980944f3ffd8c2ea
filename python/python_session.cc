#include "python/python_session.h"

#include "apps/infercost/compare_command.h"
#include "apps/infercost/list_commands.h"
#include "apps/infercost/report_command.h"
#include "apps/infercost/scenario_args.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/report/ledger_report.h"

namespace infercost::python {

using nlohmann::json;

absl::Status PythonSession::Load() {
  std::lock_guard<std::mutex> lock(mutex_);
  RETURN_IF_ERROR(session_.Presets().status());
  session_.Plugins();
  return absl::OkStatus();
}

std::vector<std::string> PythonSession::RejectedPlugins() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const framework::RejectedPlugin& r : session_.Plugins().rejected) {
    out.push_back(fmt::format("plugin {}{} rejected: {}", r.path,
                              r.name.empty() ? "" : fmt::format(" ({})", r.name), r.reason));
  }
  return out;
}

absl::StatusOr<json> PythonSession::Report(const std::vector<std::string>& args,
                                           std::vector<std::string>& warnings) {
  std::lock_guard<std::mutex> lock(mutex_);
  // No context: a parse error reads as `infercost report` prints it.
  ASSIGN_OR_RETURN(framework::ScenarioRequest request, cli::ParseScenarioArgs(args, ""));
  ASSIGN_OR_RETURN(const registry::Presets* presets, session_.Presets());
  ASSIGN_OR_RETURN(cli::EvaluatedReport report,
                   cli::EvaluateReport(*presets, session_.Plugins(), request));
  warnings = report.scenario.warnings;
  return json::parse(framework::RenderLedgerJson(report.scenario, report.estimate));
}

absl::StatusOr<std::vector<json>> PythonSession::Sweep(const cli::SweepFlags& flags) {
  std::lock_guard<std::mutex> lock(mutex_);
  ASSIGN_OR_RETURN(const registry::Presets* presets, session_.Presets());
  ASSIGN_OR_RETURN(cli::SweepPlan plan, cli::PlanSweep(flags));
  // Every point comes back as a record held in memory (a few KB each as Python objects), unlike
  // the command line's sweep, which streams them: past kMostReturnedSweepPoints the grid is
  // refused before anything is evaluated.
  if (plan.points > kMostReturnedSweepPoints) {
    return absl::InvalidArgumentError(fmt::format(
        "sweep: {} points are more than a sweep returns at once ({}: each is a record in "
        "memory); split the grid into parts, or stream it with `infercost sweep` (CSV or JSON "
        "lines, read with pandas in chunks)",
        plan.points, kMostReturnedSweepPoints));
  }
  cli::SweepEvaluator evaluator(plan, *presets, session_.Plugins());
  const std::vector<cli::SweepResult> results = evaluator.Evaluate(0, plan.points, flags.threads);
  std::vector<json> points;
  points.reserve(results.size());
  for (int64_t n = 0; n < plan.points; ++n) {
    points.push_back(cli::SweepJsonLine(plan, n, results[static_cast<size_t>(n)]));
  }
  return points;
}

absl::StatusOr<json> PythonSession::Compare(const cli::CompareFlags& flags) {
  std::lock_guard<std::mutex> lock(mutex_);
  ASSIGN_OR_RETURN(const registry::Presets* presets, session_.Presets());
  ASSIGN_OR_RETURN(cli::CompareResult comparison,
                   cli::Compare(*presets, session_.Plugins(), flags));
  return json::parse(cli::CompareJson(comparison, flags.only_different));
}

absl::StatusOr<json> PythonSession::Search(const cli::SearchFlags& flags) {
  std::lock_guard<std::mutex> lock(mutex_);
  ASSIGN_OR_RETURN(const registry::Presets* presets, session_.Presets());
  ASSIGN_OR_RETURN(cli::SearchResult result, cli::Search(flags, *presets, session_.Plugins()));
  return json::parse(cli::SearchJson(result));
}

absl::StatusOr<json> PythonSession::Models() {
  std::lock_guard<std::mutex> lock(mutex_);
  ASSIGN_OR_RETURN(const registry::Presets* presets, session_.Presets());
  return json::parse(cli::ModelsJson(*presets));
}

absl::StatusOr<json> PythonSession::Hardware() {
  std::lock_guard<std::mutex> lock(mutex_);
  ASSIGN_OR_RETURN(const registry::Presets* presets, session_.Presets());
  return json::parse(cli::HardwareJson(*presets, session_.Plugins()));
}

json PythonSession::Plugins(bool load) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (load) return json::parse(cli::PluginsJson(session_.Plugins(), true));
  return json::parse(cli::PluginsJson(session_.ListPluginsWithoutLoading(), false));
}

absl::StatusOr<json> PythonSession::Engines() {
  std::lock_guard<std::mutex> lock(mutex_);
  ASSIGN_OR_RETURN(const registry::Presets* presets, session_.Presets());
  return json::parse(cli::EnginesJson(*presets));
}

}  // namespace infercost::python
