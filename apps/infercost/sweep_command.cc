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

int RunSweep(Session& session, const SweepFlags& flags) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  std::vector<std::string> base;
  std::vector<std::pair<std::string, std::vector<std::string>>> grid;
  if (!flags.file.empty()) {
    absl::StatusOr<std::vector<std::string>> file_args = ScenarioFileFlags(flags.file, {"grid"});
    if (!file_args.ok()) return ReportError(file_args.status());
    base = *file_args;
    absl::StatusOr<std::vector<std::pair<std::string, std::vector<std::string>>>> file_grid =
        FileGrid(flags.file);
    if (!file_grid.ok()) return ReportError(file_grid.status());
    grid = *file_grid;
  }
  base.insert(base.end(), flags.args.begin(), flags.args.end());
  for (const std::string& spec : flags.grid) {
    absl::StatusOr<std::pair<std::string, std::vector<std::string>>> g = ParseGridSpec(spec);
    if (!g.ok()) return ReportError(g.status());
    grid.push_back(*g);
  }
  if (grid.empty()) {
    return ReportError(absl::InvalidArgumentError(
        "sweep: no grid; add --grid FIELD=VALUES (e.g. --grid gpus=1,2,4) or --grid-file FILE"));
  }
  int64_t points = 1;
  for (const auto& [field, values] : grid) {
    // Every field must be a scenario flag: check it once with its first value.
    std::vector<std::string> probe = base;
    probe.push_back(FieldFlag(field));
    probe.push_back(values.front());
    if (absl::StatusOr<framework::ScenarioRequest> r =
            ParseScenarioArgs(probe, fmt::format("sweep, grid field '{}'", field));
        !r.ok()) {
      return ReportError(r.status());
    }
    if (points > kMaxPoints / static_cast<int64_t>(values.size())) {
      return ReportError(absl::InvalidArgumentError(fmt::format(
          "sweep: the grid has more than {} points; split it by ranges (docs/sweeps.md)",
          kMaxPoints)));
    }
    points *= static_cast<int64_t>(values.size());
  }
  const bool json_lines = session.flags().format == "json";
  static const char* const kMetrics[] = {"ttft_s",
                                         "tpot_s",
                                         "e2e_s",
                                         "tokens_per_s_per_user",
                                         "tokens_per_s_aggregate",
                                         "tokens_per_s_per_gpu",
                                         "fits",
                                         "max_concurrency",
                                         "weights_bytes_per_gpu",
                                         "kv_bytes_per_gpu",
                                         "usd_per_million_input_tokens",
                                         "usd_per_million_output_tokens",
                                         "confidence_band",
                                         "error"};
  if (!json_lines) {
    std::string header;
    for (const auto& [field, values] : grid) header += framework::CsvField(field) + ",";
    for (const char* m : kMetrics)
      header += std::string(m) + (std::string(m) == "error" ? "" : ",");
    fmt::print("{}\n", header);
  }
  const bool progress = isatty(fileno(stderr)) != 0;
  const auto start = std::chrono::steady_clock::now();
  std::vector<size_t> at(grid.size(), 0);
  for (int64_t n = 0; n < points; ++n) {
    // The point's values: the first field varies slowest.
    int64_t rest = n;
    for (size_t f = grid.size(); f-- > 0;) {
      const int64_t size = static_cast<int64_t>(grid[f].second.size());
      at[f] = static_cast<size_t>(rest % size);
      rest /= size;
    }
    std::vector<std::string> args = base;
    for (size_t f = 0; f < grid.size(); ++f) {
      args.push_back(FieldFlag(grid[f].first));
      args.push_back(grid[f].second[at[f]]);
    }
    std::string error;
    std::optional<framework::Estimate> estimate;
    absl::StatusOr<framework::ScenarioRequest> request = ParseScenarioArgs(args, "sweep");
    if (request.ok()) {
      absl::StatusOr<framework::Scenario> scenario =
          ResolveScenario(**presets, session.Plugins(), *request);
      if (scenario.ok()) {
        absl::StatusOr<framework::Estimate> e = framework::EstimateScenario(
            *scenario, session.Plugins(), framework::EstimateDetail::kSummary);
        if (e.ok()) {
          estimate = std::move(*e);
        } else {
          error = std::string(e.status().message());
        }
      } else {
        error = std::string(scenario.status().message());
      }
    } else {
      error = std::string(request.status().message());
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
    std::vector<std::string> cells;
    if (estimate) {
      const framework::Summary& s = estimate->summary;
      const double values[] = {s.ttft_s,
                               s.tpot_s,
                               s.e2e_s,
                               s.tokens_per_s_per_user,
                               s.tokens_per_s_aggregate,
                               s.tokens_per_s_per_gpu,
                               s.memory.fits ? 1.0 : 0.0,
                               static_cast<double>(s.memory.max_concurrency),
                               s.memory.weights_bytes,
                               s.memory.kv_bytes,
                               s.usd_per_million_input_tokens,
                               s.usd_per_million_output_tokens,
                               s.confidence.band};
      for (size_t m = 0; m < std::size(values); ++m) {
        if (std::string(kMetrics[m]) == "fits") {
          line["fits"] = s.memory.fits;
          cells.push_back(s.memory.fits ? "true" : "false");
        } else if (std::string(kMetrics[m]) == "max_concurrency") {
          line["max_concurrency"] = s.memory.max_concurrency;
          cells.push_back(std::to_string(s.memory.max_concurrency));
        } else {
          line[kMetrics[m]] = values[m];
          cells.push_back(fmt::format("{:.9g}", values[m]));
        }
      }
      line["error"] = nullptr;
      cells.push_back("");
    } else {
      for (size_t m = 0; m + 1 < std::size(kMetrics); ++m) cells.push_back("");
      line["error"] = error;
      cells.push_back(framework::CsvField(error));
    }
    if (json_lines) {
      fmt::print("{}\n", line.dump());
    } else {
      std::string text;
      for (size_t f = 0; f < grid.size(); ++f)
        text += framework::CsvField(grid[f].second[at[f]]) + ",";
      for (size_t c = 0; c < cells.size(); ++c)
        text += cells[c] + (c + 1 < cells.size() ? "," : "");
      fmt::print("{}\n", text);
    }
    std::fflush(stdout);
    if (progress && std::chrono::steady_clock::now() - start > std::chrono::seconds(1)) {
      fmt::print(stderr, "\rsweep: {} of {} points", n + 1, points);
    }
  }
  if (progress && std::chrono::steady_clock::now() - start > std::chrono::seconds(1)) {
    fmt::print(stderr, "\n");
  }
  return 0;
}

}  // namespace infercost::cli
