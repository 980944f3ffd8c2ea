#include "apps/infercost/sweep_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "apps/infercost/report_command.h"
#include "apps/infercost/scenario_args.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/batch.h"
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

std::vector<std::string> SweepPointValues(const SweepPlan& plan, int64_t n) {
  const std::vector<GridField>& grid = plan.grid;
  std::vector<std::string> values(grid.size());
  int64_t rest = n;
  for (size_t f = grid.size(); f-- > 0;) {
    const int64_t size = static_cast<int64_t>(grid[f].second.size());
    values[f] = grid[f].second[static_cast<size_t>(rest % size)];
    rest /= size;
  }
  return values;
}

SweepEvaluator::SweepEvaluator(const SweepPlan& plan, const registry::Presets& presets,
                               const framework::PluginSet& plugins)
    : plan_(plan), plugins_(plugins), resolver_(presets, plugins) {
  ScenarioArgsParser parser("sweep");
  absl::StatusOr<framework::ScenarioRequest> base = parser.Parse(plan.base, {});
  if (!base.ok()) return;
  // A point's flags parsed over the base must give what base + point flags give (they do unless
  // a flag accumulates, e.g. a --variant-option both in the base and in the grid): checked with
  // each field's first and last value.
  for (const auto& [field, values] : plan.grid) {
    for (const std::string* value : {&values.front(), &values.back()}) {
      const std::vector<std::string> point = {FieldFlag(field), *value};
      std::vector<std::string> all = plan.base;
      all.insert(all.end(), point.begin(), point.end());
      absl::StatusOr<framework::ScenarioRequest> over_base = parser.Parse(point, *base);
      absl::StatusOr<framework::ScenarioRequest> whole = parser.Parse(all, {});
      if (over_base.ok() != whole.ok() || (whole.ok() && !(*over_base == *whole))) return;
    }
  }
  base_ = *std::move(base);
}

absl::StatusOr<framework::ScenarioRequest> SweepEvaluator::Request(ScenarioArgsParser& parser,
                                                                   int64_t n) const {
  std::vector<std::string> args;
  if (!base_) args = plan_.base;
  const std::vector<std::string> values = SweepPointValues(plan_, n);
  for (size_t f = 0; f < values.size(); ++f) {
    args.push_back(FieldFlag(plan_.grid[f].first));
    args.push_back(values[f]);
  }
  return parser.Parse(args, base_ ? *base_ : framework::ScenarioRequest{});
}

std::vector<SweepResult> SweepEvaluator::Evaluate(int64_t first, int64_t count, int threads) {
  std::vector<SweepResult> results(static_cast<size_t>(std::max<int64_t>(count, 0)));
  framework::ParallelFor(results.size(), threads, [&] {
    // Each thread parses with its own parser (CLI11 is not thread-safe).
    auto parser = std::make_shared<ScenarioArgsParser>("sweep");
    // ... and reuses its previous point's pipeline when the structure is the same.
    auto pipelines = std::make_shared<framework::PipelineCache>();
    return [this, parser, pipelines, first, &results](size_t i) {
      absl::StatusOr<framework::Summary> summary = [&]() -> absl::StatusOr<framework::Summary> {
        ASSIGN_OR_RETURN(const framework::ScenarioRequest request,
                         Request(*parser, first + static_cast<int64_t>(i)));
        ASSIGN_OR_RETURN(const framework::Scenario scenario, resolver_.Resolve(request));
        ASSIGN_OR_RETURN(
            framework::Estimate estimate,
            framework::EstimateScenario(scenario, plugins_, framework::EstimateDetail::kSummary,
                                        pipelines.get()));
        return std::move(estimate.summary);
      }();
      if (summary.ok()) {
        results[i].summary = *std::move(summary);
      } else {
        results[i].status = summary.status();
      }
    };
  });
  return results;
}

json SweepJsonLine(const SweepPlan& plan, int64_t n, const SweepResult& result) {
  const std::vector<std::string> values = SweepPointValues(plan, n);
  json line = json::object();
  for (size_t f = 0; f < values.size(); ++f) {
    const std::string& value = values[f];
    double number = 0;
    if (absl::SimpleAtod(value, &number) && std::isfinite(number)) {
      line[plan.grid[f].first] = number == std::floor(number) && std::fabs(number) < 9e15
                                     ? json(static_cast<int64_t>(number))
                                     : json(number);
    } else {
      line[plan.grid[f].first] = value;
    }
  }
  if (!result.status.ok()) {
    line["error"] = std::string(result.status.message());
    return line;
  }
  const framework::Summary& s = result.summary;
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

std::string SweepCsvLine(const SweepPlan& plan, int64_t n, const SweepResult& result) {
  std::string text;
  for (const std::string& value : SweepPointValues(plan, n)) {
    text += framework::CsvField(value) + ",";
  }
  if (!result.status.ok()) {
    // Every metric empty, then the error.
    text.append(std::size(kSweepMetrics) - 1, ',');
    return text + framework::CsvField(std::string(result.status.message()));
  }
  const framework::Summary& s = result.summary;
  fmt::format_to(std::back_inserter(text), "{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{},{},",
                 s.ttft_s, s.tpot_s, s.e2e_s, s.tokens_per_s_per_user, s.tokens_per_s_aggregate,
                 s.tokens_per_s_per_gpu, s.memory.fits ? "true" : "false",
                 s.memory.max_concurrency);
  fmt::format_to(std::back_inserter(text), "{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},",
                 s.memory.weights_bytes, s.memory.kv_bytes, s.usd_per_million_input_tokens,
                 s.usd_per_million_output_tokens, s.confidence.band);
  return text;
}

int RunSweep(Session& session, const SweepFlags& flags) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  absl::StatusOr<SweepPlan> plan = PlanSweep(flags);
  if (!plan.ok()) return ReportError(plan.status());
  const bool json_lines = session.flags().format == "json";
  if (!json_lines) {
    std::string header;
    for (const auto& [field, values] : plan->grid) header += framework::CsvField(field) + ",";
    for (const char* m : kSweepMetrics)
      header += std::string(m) + (std::string(m) == "error" ? "" : ",");
    fmt::print("{}\n", header);
  }
  SweepEvaluator evaluator(*plan, **presets, session.Plugins());
  const bool progress = isatty(fileno(stderr)) != 0;
  const auto start = std::chrono::steady_clock::now();
  // Chunks: memory stays flat in the sweep's size, and lines stream as the chunks complete.
  constexpr int64_t kChunk = 4096;
  std::string out;
  for (int64_t first = 0; first < plan->points; first += kChunk) {
    const int64_t count = std::min(kChunk, plan->points - first);
    const std::vector<SweepResult> results = evaluator.Evaluate(first, count, flags.threads);
    out.clear();
    for (int64_t i = 0; i < count; ++i) {
      const SweepResult& result = results[static_cast<size_t>(i)];
      out += json_lines ? SweepJsonLine(*plan, first + i, result).dump()
                        : SweepCsvLine(*plan, first + i, result);
      out += '\n';
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    if (progress && std::chrono::steady_clock::now() - start > std::chrono::seconds(1)) {
      fmt::print(stderr, "\rsweep: {} of {} points", first + count, plan->points);
    }
  }
  if (progress && std::chrono::steady_clock::now() - start > std::chrono::seconds(1)) {
    fmt::print(stderr, "\n");
  }
  return 0;
}

}  // namespace infercost::cli
