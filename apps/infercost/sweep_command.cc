#include "apps/infercost/sweep_command.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "apps/infercost/report_command.h"
#include "apps/infercost/scenario_args.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/estimate.h"
#include "framework/report/text_table.h"
#include "nlohmann/json.hpp"
#include "registry/toml_reader.h"

namespace infercost::cli {
namespace {

using nlohmann::json;

constexpr int64_t kMaxPoints = 100'000'000;
constexpr int64_t kMaxValuesPerField = 1'000'000;

// The grid table of a --grid-file: FIELD = [values] each.
absl::StatusOr<std::vector<std::pair<std::string, std::vector<std::string>>>> FileGrid(
    const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, registry::ParseTomlFile(path));
  std::vector<std::pair<std::string, std::vector<std::string>>> grid;
  const toml::node* node = root.get("grid");
  if (node == nullptr) return grid;
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("{}: 'grid' must be a table of FIELD = [values]", path));
  }
  for (const auto& [key, value] : *table) {
    std::vector<std::string> values;
    const toml::array* array = value.as_array();
    if (array == nullptr || array->empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: grid.{} must be a non-empty array of values, e.g. [1, 2, 4]", path, key.str()));
    }
    for (const toml::node& element : *array) {
      std::optional<std::string> text = TomlValueText(element);
      if (!text) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: grid.{}: every value must be a string, a number or true/false", path, key.str()));
      }
      values.push_back(*text);
    }
    grid.emplace_back(std::string(key.str()), std::move(values));
  }
  return grid;
}

std::string FieldFlag(const std::string& field) {
  return "--" + absl::StrReplaceAll(field, {{"_", "-"}});
}

}  // namespace

absl::StatusOr<std::pair<std::string, std::vector<std::string>>> ParseGridSpec(
    const std::string& spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "--grid {}: write FIELD=VALUES, e.g. gpus=1,2,4 or concurrency=1..256*2", spec));
  }
  const std::string field = spec.substr(0, eq);
  const std::string values = spec.substr(eq + 1);
  std::vector<std::string> out;
  const size_t dots = values.find("..");
  if (dots == std::string::npos) {
    for (absl::string_view v : absl::StrSplit(values, ',')) {
      if (v.empty()) {
        return absl::InvalidArgumentError(fmt::format("--grid {}: an empty value", spec));
      }
      out.emplace_back(v);
    }
    return std::pair{field, out};
  }
  // lo..hi+step or lo..hi*factor (a bare lo..hi steps by 1).
  const std::string lo_text = values.substr(0, dots);
  std::string rest = values.substr(dots + 2);
  char op = '+';
  std::string step_text = "1";
  if (const size_t at = rest.find_first_of("+*"); at != std::string::npos) {
    op = rest[at];
    step_text = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  double lo = 0, hi = 0, step = 0;
  if (!absl::SimpleAtod(lo_text, &lo) || !absl::SimpleAtod(rest, &hi) ||
      !absl::SimpleAtod(step_text, &step) || !std::isfinite(lo) || !std::isfinite(hi) || hi < lo ||
      (op == '+' && !(step > 0)) || (op == '*' && !(step > 1 && lo > 0))) {
    return absl::InvalidArgumentError(fmt::format(
        "--grid {}: a range is LO..HI+STEP (STEP > 0) or LO..HI*FACTOR (FACTOR > 1, LO > 0) with "
        "LO <= HI",
        spec));
  }
  const bool integers = lo == std::floor(lo) && step == std::floor(step);
  for (double v = lo; v <= hi * (1 + 1e-12); v = op == '+' ? v + step : v * step) {
    if (static_cast<int64_t>(out.size()) >= kMaxValuesPerField) {
      return absl::InvalidArgumentError(
          fmt::format("--grid {}: more than {} values", spec, kMaxValuesPerField));
    }
    out.push_back(integers ? fmt::format("{}", static_cast<int64_t>(std::llround(v)))
                           : fmt::format("{}", v));
  }
  return std::pair{field, out};
}

absl::StatusOr<SweepPlan> PlanSweep(const SweepFlags& flags) {
  SweepPlan plan;
  if (!flags.file.empty()) {
    ASSIGN_OR_RETURN(plan.base, ScenarioFileFlags(flags.file, {"grid"}));
    ASSIGN_OR_RETURN(plan.grid, FileGrid(flags.file));
  }
  plan.base.insert(plan.base.end(), flags.args.begin(), flags.args.end());
  for (const std::string& spec : flags.grid) {
    ASSIGN_OR_RETURN(GridField field, ParseGridSpec(spec));
    plan.grid.push_back(std::move(field));
  }
  for (const GridField& field : flags.values) {
    if (field.first.empty() || field.second.empty()) {
      return absl::InvalidArgumentError(
          fmt::format("sweep: grid field '{}' needs a name and at least one value", field.first));
    }
    plan.grid.push_back(field);
  }
  if (plan.grid.empty()) {
    return absl::InvalidArgumentError(
        "sweep: no grid; add --grid FIELD=VALUES (e.g. --grid gpus=1,2,4) or --grid-file FILE");
  }
  plan.points = 1;
  for (const auto& [field, values] : plan.grid) {
    // Every field must be a scenario flag: check it once with its first value.
    std::vector<std::string> probe = plan.base;
    probe.push_back(FieldFlag(field));
    probe.push_back(values.front());
    RETURN_IF_ERROR(
        ParseScenarioArgs(probe, fmt::format("sweep, grid field '{}'", field)).status());
    if (plan.points > kMaxPoints / static_cast<int64_t>(values.size())) {
      return absl::InvalidArgumentError(fmt::format(
          "sweep: the grid has more than {} points; split it by ranges (docs/sweeps.md)",
          kMaxPoints));
    }
    plan.points *= static_cast<int64_t>(values.size());
  }
  return plan;
}

json SweepPoint(const SweepPlan& plan, int64_t n, const registry::Presets& presets,
                const framework::PluginSet& plugins) {
  const std::vector<GridField>& grid = plan.grid;
  // The point's values: the first field varies slowest.
  std::vector<size_t> at(grid.size(), 0);
  int64_t rest = n;
  for (size_t f = grid.size(); f-- > 0;) {
    const int64_t size = static_cast<int64_t>(grid[f].second.size());
    at[f] = static_cast<size_t>(rest % size);
    rest /= size;
  }
  std::vector<std::string> args = plan.base;
  for (size_t f = 0; f < grid.size(); ++f) {
    args.push_back(FieldFlag(grid[f].first));
    args.push_back(grid[f].second[at[f]]);
  }
  json line = json::object();
  for (size_t f = 0; f < grid.size(); ++f) {
    const std::string& value = grid[f].second[at[f]];
    double number = 0;
    if (absl::SimpleAtod(value, &number) && std::isfinite(number)) {
      line[grid[f].first] = number == std::floor(number) && std::fabs(number) < 9e15
                                ? json(static_cast<int64_t>(number))
                                : json(number);
    } else {
      line[grid[f].first] = value;
    }
  }
  absl::StatusOr<framework::Estimate> estimate = [&]() -> absl::StatusOr<framework::Estimate> {
    ASSIGN_OR_RETURN(framework::ScenarioRequest request, ParseScenarioArgs(args, "sweep"));
    ASSIGN_OR_RETURN(framework::Scenario scenario, ResolveScenario(presets, plugins, request));
    return framework::EstimateScenario(scenario, plugins, framework::EstimateDetail::kSummary);
  }();
  if (!estimate.ok()) {
    line["error"] = std::string(estimate.status().message());
    return line;
  }
  const framework::Summary& s = estimate->summary;
  line["ttft_s"] = s.ttft_s;
  line["tpot_s"] = s.tpot_s;
  line["e2e_s"] = s.e2e_s;
  line["tokens_per_s_per_user"] = s.tokens_per_s_per_user;
  line["tokens_per_s_aggregate"] = s.tokens_per_s_aggregate;
  line["tokens_per_s_per_gpu"] = s.tokens_per_s_per_gpu;
  line["fits"] = s.memory.fits;
  line["max_concurrency"] = s.memory.max_concurrency;
  line["weights_bytes_per_gpu"] = s.memory.weights_bytes;
  line["kv_bytes_per_gpu"] = s.memory.kv_bytes;
  line["usd_per_million_input_tokens"] = s.usd_per_million_input_tokens;
  line["usd_per_million_output_tokens"] = s.usd_per_million_output_tokens;
  line["confidence_band"] = s.confidence.band;
  line["error"] = nullptr;
  return line;
}

int RunSweep(Session& session, const SweepFlags& flags) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  absl::StatusOr<SweepPlan> plan = PlanSweep(flags);
  if (!plan.ok()) return ReportError(plan.status());
  const std::vector<GridField>& grid = plan->grid;
  const bool json_lines = session.flags().format == "json";
  if (!json_lines) {
    std::string header;
    for (const auto& [field, values] : grid) header += framework::CsvField(field) + ",";
    for (const char* m : kSweepMetrics)
      header += std::string(m) + (std::string(m) == "error" ? "" : ",");
    fmt::print("{}\n", header);
  }
  const bool progress = isatty(fileno(stderr)) != 0;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t n = 0; n < plan->points; ++n) {
    const json line = SweepPoint(*plan, n, **presets, session.Plugins());
    if (json_lines) {
      fmt::print("{}\n", line.dump());
    } else {
      // The CSV row: the grid's values as given, then the metrics (empty when in error).
      std::string text;
      int64_t rest = n;
      std::vector<std::string> values(grid.size());
      for (size_t f = grid.size(); f-- > 0;) {
        const int64_t size = static_cast<int64_t>(grid[f].second.size());
        values[f] = grid[f].second[static_cast<size_t>(rest % size)];
        rest /= size;
      }
      for (const std::string& value : values) text += framework::CsvField(value) + ",";
      const bool failed = !line["error"].is_null();
      for (const char* m : kSweepMetrics) {
        const std::string metric = m;
        if (metric == "error") {
          text += failed ? framework::CsvField(line["error"].get<std::string>()) : "";
        } else if (failed) {
          text += ",";
        } else if (metric == "fits") {
          text += line["fits"].get<bool>() ? "true," : "false,";
        } else if (metric == "max_concurrency") {
          text += std::to_string(line["max_concurrency"].get<int64_t>()) + ",";
        } else {
          text += fmt::format("{:.9g},", line[metric].get<double>());
        }
      }
      fmt::print("{}\n", text);
    }
    std::fflush(stdout);
    if (progress && std::chrono::steady_clock::now() - start > std::chrono::seconds(1)) {
      fmt::print(stderr, "\rsweep: {} of {} points", n + 1, plan->points);
    }
  }
  if (progress && std::chrono::steady_clock::now() - start > std::chrono::seconds(1)) {
    fmt::print(stderr, "\n");
  }
  return 0;
}

}  // namespace infercost::cli
