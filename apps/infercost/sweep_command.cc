#include "apps/infercost/sweep_command.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "apps/infercost/nine_digit_number.h"
#include "apps/infercost/report_command.h"
#include "apps/infercost/scenario_args.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/batch.h"
#include "framework/estimate.h"
#include "framework/ledger/pipeline_cache.h"
#include "framework/report/json_text.h"
#include "framework/report/text_table.h"
#include "framework/scenario_cache.h"
#include "nlohmann/json.hpp"
#include "registry/toml_reader.h"
#include "validation/csv_table.h"

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
  // Beyond 2^53 a double no longer holds every integer: the steps would repeat or skip values.
  constexpr double kExact = 9007199254740992.0;
  if (std::fabs(lo) > kExact || std::fabs(hi) > kExact || step > kExact) {
    return absl::InvalidArgumentError(fmt::format(
        "--grid {}: a range's bounds and step must lie within +-2^53 (9007199254740992); list "
        "larger values one by one (FIELD=A,B,C)",
        spec));
  }
  const bool integers = lo == std::floor(lo) && step == std::floor(step);
  // Value i is computed from LO, not by adding up steps (0.7 + 0.1 + 0.1 drifts to
  // 0.8999999999999999), and written with the decimals the range was written with (0.7..1+0.1:
  // 0.7, 0.8, 0.9, 1.0); a factor's powers to 15 significant digits.
  const int decimals = std::max(validation::DecimalsWritten(lo_text),
                                op == '+' ? validation::DecimalsWritten(step_text) : 0);
  const auto text = [&](double v) {
    if (integers) return fmt::format("{}", static_cast<int64_t>(std::llround(v)));
    if (op == '+' && decimals >= 0) return fmt::format("{:.{}f}", v, decimals);
    return fmt::format("{}", std::stod(fmt::format("{:.15g}", v)));
  };
  const double last_step = op == '+' ? std::floor((hi - lo) / step + 1e-9) : 0;
  double v = lo;
  for (int64_t i = 0; op == '+' ? static_cast<double>(i) <= last_step : v <= hi * (1 + 1e-12);
       ++i, v = op == '+' ? lo + static_cast<double>(i) * step : v * step) {
    if (static_cast<int64_t>(out.size()) >= kMaxValuesPerField) {
      return absl::InvalidArgumentError(
          fmt::format("--grid {}: more than {} values", spec, kMaxValuesPerField));
    }
    out.push_back(text(v));
  }
  return std::pair{field, out};
}

absl::StatusOr<SweepPlan> PlanSweep(const SweepFlags& flags) {
  SweepPlan plan;
  if (!flags.file.empty()) {
    ASSIGN_OR_RETURN(plan.base, ScenarioFileFlags(flags.file, {"grid"}));
    ASSIGN_OR_RETURN(plan.grid, FileGrid(flags.file));
    // The file's own settings checked alone, so that a bad one is named by its file, not by the
    // first grid value it is parsed with.
    RETURN_IF_ERROR(
        ParseScenarioArgs(plan.base, fmt::format("sweep, {} (the keys outside [grid])", flags.file))
            .status());
  }
  plan.base.insert(plan.base.end(), flags.args.begin(), flags.args.end());
  RETURN_IF_ERROR(ParseScenarioArgs(plan.base, "sweep").status());
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
  const std::vector<std::string> names = ScenarioFlagNames();
  std::vector<std::string> flags_seen;
  for (const auto& [field, values] : plan.grid) {
    const std::string flag = FieldFlag(field).substr(2);
    if (std::find(flags_seen.begin(), flags_seen.end(), flag) != flags_seen.end()) {
      return absl::InvalidArgumentError(fmt::format(
          "sweep: grid field '{}' is given twice (as --{} it is one field, whether written with "
          "'-' or '_'); give all its values once, e.g. {}=1,2,4",
          field, flag, field));
    }
    flags_seen.push_back(flag);
    if (std::find(names.begin(), names.end(), flag) == names.end()) {
      return absl::InvalidArgumentError(fmt::format(
          "sweep: unknown grid field '{}'; a grid field is a scenario flag without its dashes "
          "(`infercost report --help` lists them): {}",
          field, absl::StrJoin(names, ", ")));
    }
  }
  plan.points = 1;
  for (const auto& [field, values] : plan.grid) {
    // Every value must be one its flag takes (a number where it wants one): checked here, once
    // per distinct value, rather than failing every point that holds it.
    const auto check = [&](const std::string& value) {
      std::vector<std::string> probe = plan.base;
      AppendFieldArgs(field, value, probe);
      return ParseScenarioArgs(probe, fmt::format("sweep, grid field '{}' = '{}'", field, value))
          .status();
    };
    // Integers (a range's, e.g. concurrency=1..1000000): a flag that takes two integers takes
    // every one between them (what it checks is their form and an interval), so the smallest
    // and the largest are checked; other values each once.
    int64_t least = 0, most = 0;
    bool integers = true;
    for (const std::string& value : values) {
      int64_t n = 0;
      if (!absl::SimpleAtoi(value, &n) || value != std::to_string(n)) {
        integers = false;
        break;
      }
      if (&value == &values.front() || n < least) least = n;
      if (&value == &values.front() || n > most) most = n;
    }
    if (integers) {
      RETURN_IF_ERROR(check(std::to_string(least)));
      RETURN_IF_ERROR(check(std::to_string(most)));
    } else {
      absl::flat_hash_set<std::string_view> checked;
      for (const std::string& value : values) {
        if (checked.insert(value).second) RETURN_IF_ERROR(check(value));
      }
    }
    if (plan.points > kMaxPoints / static_cast<int64_t>(values.size())) {
      return absl::InvalidArgumentError(fmt::format(
          "sweep: the grid has more than {} points; split it by ranges (docs/sweeps.md)",
          kMaxPoints));
    }
    plan.points *= static_cast<int64_t>(values.size());
  }
  return plan;
}

void AppendSweepNumber(double value, std::string& out) {
  // printf's (and fmt's) %.9g, without parsing a format string per number.
  char text[kNineDigitNumberMaxChars];
  out.append(text, WriteNineDigitNumber(value, text));
  out += ',';
}

struct SweepEvaluator::Worker {
  explicit Worker(ScenarioResolver& resolver)
      : scenarios([&resolver](const framework::ScenarioRequest& request) {
          return resolver.Resolve(request);
        }) {}
  ScenarioArgsParser& Parser() {
    // Only the points that parse whole need one (CLI11 is not thread-safe: one per thread).
    if (parser == nullptr) parser = std::make_unique<ScenarioArgsParser>("sweep");
    return *parser;
  }
  std::unique_ptr<ScenarioArgsParser> parser;
  framework::ScenarioRequest request;
  framework::ScenarioCache scenarios;
  framework::PipelineCache pipelines;
  framework::ConcurrencyMemo memo;
  std::vector<size_t> index;
  framework::Estimate estimate;  // each point's, into the same buffers (no allocation per point)
};

SweepEvaluator::SweepEvaluator(const SweepPlan& plan, const registry::Presets& presets,
                               const framework::PluginSet& plugins, int threads)
    : plan_(plan), plugins_(plugins), resolver_(presets, plugins), requests_(plan, threads) {}

SweepEvaluator::~SweepEvaluator() = default;

std::shared_ptr<SweepEvaluator::Worker> SweepEvaluator::Lease() {
  std::unique_ptr<Worker> worker;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      worker = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (worker == nullptr) worker = std::make_unique<Worker>(resolver_);
  // Back to the idle ones when the thread is done with it.
  return std::shared_ptr<Worker>(worker.release(), [this](Worker* done) {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.emplace_back(done);
  });
}

absl::StatusOr<const framework::Summary*> SweepEvaluator::Point(Worker& worker, int64_t n) {
  SweepPointIndex(plan_, n, worker.index);
  RETURN_IF_ERROR(requests_.Fill(worker.index, worker.Parser(), worker.request));
  ASSIGN_OR_RETURN(const framework::Scenario* scenario, worker.scenarios.Get(worker.request));
  worker.memo.Use(worker.scenarios.revision());
  RETURN_IF_ERROR(
      framework::EstimateScenarioInto(*scenario, plugins_, framework::EstimateDetail::kSummary,
                                      &worker.pipelines, &worker.memo, worker.estimate));
  return &worker.estimate.summary;
}

std::vector<SweepResult> SweepEvaluator::Evaluate(int64_t first, int64_t count, int threads) {
  std::vector<SweepResult> results(static_cast<size_t>(std::max<int64_t>(count, 0)));
  framework::ParallelFor(results.size(), threads, [&] {
    return [this, worker = Lease(), first, &results](size_t i) {
      absl::StatusOr<const framework::Summary*> summary =
          Point(*worker, first + static_cast<int64_t>(i));
      if (summary.ok()) {
        results[i].summary = **summary;
      } else {
        results[i].status = summary.status();
      }
    };
  });
  return results;
}

size_t SweepEvaluator::Lines(int64_t first, int64_t count, int threads, bool json,
                             std::vector<std::string>& blocks) {
  const size_t used =
      static_cast<size_t>((std::max<int64_t>(count, 0) + kSweepBlock - 1) / kSweepBlock);
  if (blocks.size() < used) blocks.resize(used);
  framework::ParallelFor(used, threads, [&] {
    return [this, worker = Lease(), first, count, json, &blocks](size_t b) {
      std::string& out = blocks[b];
      out.clear();
      const int64_t begin = first + static_cast<int64_t>(b) * kSweepBlock;
      const int64_t end = std::min(begin + kSweepBlock, first + count);
      int64_t failed = 0;
      for (int64_t n = begin; n < end; ++n) {
        absl::StatusOr<const framework::Summary*> summary = Point(*worker, n);
        if (!summary.ok() && failed++ == 0) {  // the block's first failure
          std::lock_guard<std::mutex> lock(mutex_);
          if (first_failed_point_ < 0 || n < first_failed_point_) {
            first_failed_point_ = n;
            first_failure_ = std::string(summary.status().message());
          }
        }
        if (json) {
          out += framework::JsonText(SweepJsonLine(plan_, worker->index, summary.status(),
                                                   summary.ok() ? *summary : nullptr));
        } else {
          AppendSweepCsvLine(plan_, worker->index, summary.status(),
                             summary.ok() ? *summary : nullptr, out);
        }
        out += '\n';
      }
      failed_points_ += failed;
    };
  });
  return used;
}

std::string SweepEvaluator::first_failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_failure_;
}

json SweepJsonLine(const SweepPlan& plan, int64_t n, const SweepResult& result) {
  std::vector<size_t> index;
  SweepPointIndex(plan, n, index);
  return SweepJsonLine(plan, index, result.status, &result.summary);
}

json SweepJsonLine(const SweepPlan& plan, const std::vector<size_t>& index,
                   const absl::Status& status, const framework::Summary* summary) {
  json line = json::object();
  for (size_t f = 0; f < index.size(); ++f) {
    const std::string& value = plan.grid[f].second[index[f]];
    double number = 0;
    if (absl::SimpleAtod(value, &number) && std::isfinite(number)) {
      line[plan.grid[f].first] = number == std::floor(number) && std::fabs(number) < 9e15
                                     ? json(static_cast<int64_t>(number))
                                     : json(number);
    } else {
      line[plan.grid[f].first] = value;
    }
  }
  if (!status.ok() || summary == nullptr) {
    line["error"] = std::string(status.message());
    return line;
  }
  const framework::Summary& s = *summary;
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

void AppendSweepCsvLine(const SweepPlan& plan, const std::vector<size_t>& index,
                        const absl::Status& status, const framework::Summary* summary,
                        std::string& out) {
  for (size_t f = 0; f < index.size(); ++f) {
    const std::string& value = plan.grid[f].second[index[f]];
    if (value.find_first_of(",\"\r\n") == std::string::npos) {
      out += value;  // as framework::CsvField leaves it, without a copy
    } else {
      out += framework::CsvField(value);
    }
    out += ',';
  }
  if (!status.ok() || summary == nullptr) {
    // Every metric empty, then the error.
    out.append(std::size(kSweepMetrics) - 1, ',');
    out += framework::CsvField(std::string(status.message()));
    return;
  }
  const framework::Summary& s = *summary;
  for (double v : {s.ttft_s, s.tpot_s, s.e2e_s, s.tokens_per_s_per_user, s.tokens_per_s_aggregate,
                   s.tokens_per_s_per_gpu}) {
    AppendSweepNumber(v, out);
  }
  out += s.memory.fits ? "true," : "false,";
  char digits[24];
  const std::to_chars_result end =
      std::to_chars(std::begin(digits), std::end(digits), s.memory.max_concurrency);
  out.append(digits, end.ptr);
  out += ',';
  for (double v : {s.memory.weights_bytes, s.memory.kv_bytes, s.usd_per_million_input_tokens,
                   s.usd_per_million_output_tokens, s.confidence.band}) {
    AppendSweepNumber(v, out);
  }
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
  SweepEvaluator evaluator(*plan, **presets, session.Plugins(), flags.threads);
  const bool progress = isatty(fileno(stderr)) != 0;
  const auto start = std::chrono::steady_clock::now();
  // Chunks: memory stays flat in the sweep's size, and lines stream as the chunks complete;
  // each chunk's lines are formatted by the threads that evaluate them, in blocks written in
  // order.
  constexpr int64_t kChunk = 64 * kSweepBlock;
  std::vector<std::string> blocks;
  for (int64_t first = 0; first < plan->points; first += kChunk) {
    const int64_t count = std::min(kChunk, plan->points - first);
    const size_t used = evaluator.Lines(first, count, flags.threads, json_lines, blocks);
    for (size_t b = 0; b < used; ++b) std::fwrite(blocks[b].data(), 1, blocks[b].size(), stdout);
    std::fflush(stdout);
    if (progress && std::chrono::steady_clock::now() - start > std::chrono::seconds(1)) {
      fmt::print(stderr, "\rsweep: {} of {} points", first + count, plan->points);
    }
  }
  if (progress && std::chrono::steady_clock::now() - start > std::chrono::seconds(1)) {
    fmt::print(stderr, "\n");
  }
  // Rows that are not valid scenarios are part of the answer (a grid may cross layouts a model
  // does not split into); a grid none of whose points is one is a mistake in the input.
  if (evaluator.failed_points() == plan->points) {
    return ReportError(absl::InvalidArgumentError(
        fmt::format("sweep: none of the {} points is a valid scenario; the first: {}{}",
                    plan->points, evaluator.first_failure(),
                    flags.file.empty()
                        ? ""
                        : fmt::format(" (the base scenario {})", ScenarioFileSource(flags.file)))));
  }
  return 0;
}

}  // namespace infercost::cli
