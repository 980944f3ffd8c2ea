#include "validation/anl_static_batch.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/error_band.h"
#include "framework/estimate.h"
#include "validation/csv_table.h"
#include "validation/measured_names.h"

namespace infercost::validation {
namespace {

// The columns a row needs, by header name.
enum Column { kHardware, kGpus, kFramework, kModel, kLength, kBatch, kLatency, kThroughput };
constexpr std::array<const char*, 8> kColumnNames = {
    "Hardware",   "Num of Hardware", "Framework", "Model", "Input Output Length",
    "Batch Size", "Latency",         "Throughput"};

absl::StatusOr<int64_t> PositiveInt(const std::string& where, const char* column,
                                    const std::string& text) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value <= 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}: '{}' = '{}' is not a positive integer", where, column, text));
  }
  return value;
}

absl::StatusOr<double> PositiveNumber(const std::string& where, const char* column,
                                      const std::string& text) {
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value) || value <= 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}: '{}' = '{}' is not a positive number", where, column, text));
  }
  return value;
}

std::string Lookup(const std::vector<std::pair<const char*, const char*>>& table,
                   const std::string& key, std::string otherwise) {
  for (const auto& [from, to] : table) {
    if (key == from) return to;
  }
  return otherwise;
}

}  // namespace

absl::StatusOr<std::vector<AnlRow>> ParseAnlStaticBatchCsv(const std::string& text,
                                                           const std::string& name) {
  absl::StatusOr<CsvTable> table = ParseCsvTable(text, name, /*has_header=*/true);
  if (!table.ok()) {
    if (absl::StrContains(table.status().message(), "empty file")) {
      return absl::InvalidArgumentError(
          fmt::format("{}: empty file; expected a header with the columns {}", name,
                      absl::StrJoin(kColumnNames, ", ")));
    }
    return table.status();
  }
  std::array<int, kColumnNames.size()> index{};
  for (size_t c = 0; c < kColumnNames.size(); ++c) {
    absl::StatusOr<int> column = table->Column(kColumnNames[c]);
    if (!column.ok()) {
      return absl::InvalidArgumentError(fmt::format("{}; expected the columns {}",
                                                    std::string(column.status().message()),
                                                    absl::StrJoin(kColumnNames, ", ")));
    }
    index[c] = *column;
  }
  std::vector<AnlRow> rows;
  for (const CsvRow& csv : table->rows) {
    const std::vector<std::string>& fields = csv.fields;
    const std::string& where = csv.source;
    AnlRow row;
    row.source = where;
    row.hardware = fields[index[kHardware]];
    row.framework = fields[index[kFramework]];
    row.model = fields[index[kModel]];
    for (const auto& [column, value] :
         {std::pair{kHardware, &row.hardware}, std::pair{kFramework, &row.framework},
          std::pair{kModel, &row.model}}) {
      if (value->empty()) {
        return absl::InvalidArgumentError(
            fmt::format("{}: '{}' is empty", where, kColumnNames[column]));
      }
    }
    ASSIGN_OR_RETURN(row.num_hardware,
                     PositiveInt(where, kColumnNames[kGpus], fields[index[kGpus]]));
    ASSIGN_OR_RETURN(row.length, PositiveInt(where, kColumnNames[kLength], fields[index[kLength]]));
    ASSIGN_OR_RETURN(row.batch, PositiveInt(where, kColumnNames[kBatch], fields[index[kBatch]]));
    ASSIGN_OR_RETURN(row.latency_s,
                     PositiveNumber(where, kColumnNames[kLatency], fields[index[kLatency]]));
    ASSIGN_OR_RETURN(row.throughput,
                     PositiveNumber(where, kColumnNames[kThroughput], fields[index[kThroughput]]));
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::StatusOr<std::vector<AnlRow>> ReadAnlStaticBatchCsv(const std::string& path) {
  absl::StatusOr<std::string> text = ReadCsvText(path);
  if (!text.ok()) return text.status();
  return ParseAnlStaticBatchCsv(*text, path);
}

std::string AnlEnginePreset(const std::string& framework) {
  return Lookup({{"vLLM", "vllm-0.5"},
                 {"TensorRT-LLM", "trtllm-0.11"},
                 {"llama.cpp", "llamacpp"},
                 {"Deepspeed-MII", "deepspeed-mii"}},
                framework, absl::AsciiStrToLower(framework));
}

absl::StatusOr<framework::ScenarioRequest> AnlScenarioRequest(const AnlRow& row,
                                                              const registry::Presets& presets) {
  framework::ScenarioRequest request;
  request.allow_beyond_context = true;  // a measured run: the context really was served
  request.engine = AnlEnginePreset(row.framework);
  if (presets.engines.FindOrNull(request.engine) == nullptr) {
    return absl::NotFoundError(
        fmt::format("{}: no preset for Framework '{}'", row.source, row.framework));
  }
  RETURN_IF_ERROR(SetMeasuredPresets(row.source, row.model, row.hardware, presets, request));
  request.gpus = row.num_hardware;
  // ANL's "Num of Hardware" counts MI250 cards, each two GCDs (the mi250 preset's device):
  // Llama-3-70B's 141 GB of fp16 weights run on "2 GPUs", more than two 64 GB GCDs hold.
  if (request.hardware == "mi250" || request.hardware == "mi250x") {
    request.gpus = 2 * row.num_hardware;
  }
  // llama.cpp splits a model's layers over its GPUs (--split-mode layer, its default): a
  // pipeline, not tensor parallelism.
  if (request.engine == "llamacpp") request.pp = request.gpus;
  request.weights = "fp16";
  request.activations = "fp16";
  request.kv = "fp16";
  request.input_tokens = row.length;
  request.output_tokens = row.length;
  request.concurrency = row.batch;
  // How many sequences the row ran, from its own Throughput (= 2 x length x sequences /
  // Latency): "Batch Size" for vLLM, TensorRT-LLM and DeepSpeed-MII, but 1 on every llama.cpp
  // row (754 of 754, NVIDIA and AMD), whose "Batch Size" is the prompt batch `-b`, not a number
  // of sequences.
  if (row.throughput > 0 && row.latency_s > 0 && row.length > 0) {
    const double sequences = row.throughput * row.latency_s / (2 * static_cast<double>(row.length));
    const double whole = std::round(sequences);
    if (whole >= 1 && std::abs(sequences - whole) <= 0.05 * whole) {
      request.concurrency = static_cast<int64_t>(whole);
    }
  }
  // llama.cpp with a prompt batch of 1 feeds the prompt one token per forward pass: the run is
  // 2 x length - 1 single-token passes (the last prompt token's pass gives the first output
  // token), i.e. a one-token prompt followed by 2 x length - 1 generated tokens.
  if (request.engine == "llamacpp" && row.batch == 1 && request.concurrency == 1) {
    request.input_tokens = 1;
    request.output_tokens = 2 * row.length - 1;
  }
  // ANL ran TensorRT-LLM 0.11 (argonne-lcf/LLM-Inference-Bench TensorRT-LLM/*/README.MD,
  // requirements.txt: trtllm-build --gemm_plugin=float16, otherwise defaults): the trtllm-0.11
  // preset (AnlEnginePreset), whose decode attention walks each context in one thread block
  // (multi_block_mode off by default in 0.10/0.11: tensorrt_llm/plugin/plugin.py).
  // Every engine of ANL's runs (2024) scheduled its steps on the host synchronously: vLLM's
  // overlapped scheduling (presets/engines/vllm.toml host_overlap) came with its V1 engine.
  request.engine_settings.emplace_back("host_overlap", 0);
  return request;
}

OverlappedPasses AnlOverlappedPasses(const AnlRow& row, const framework::ScenarioRequest& request) {
  // The prompt-batch-1 rows of AnlScenarioRequest: passes 1 .. length - 1 are prompt tokens whose
  // logits llama.cpp does not read; the length-th gives the first output token, which the host
  // samples, and so does every pass after it.
  if (request.engine != "llamacpp" || row.batch != 1 || request.concurrency != 1 ||
      request.input_tokens != 1 || row.length < 2) {
    return {};
  }
  return {.passes = row.length - 1, .in_flight = LlamaCppPassesInFlight(request.pp)};
}

absl::StatusOr<double> AnlPredictedLatency(const AnlRow& row,
                                           const framework::ScenarioRequest& request,
                                           const framework::Estimate& estimate,
                                           const registry::Presets& presets,
                                           const framework::PluginSet& plugins) {
  return E2eWithOverlappedPasses(row.source, request, AnlOverlappedPasses(row, request),
                                 estimate.summary.e2e_s, presets, plugins);
}

absl::StatusOr<AnlValidation> ValidateAnlStaticBatch(const std::vector<AnlRow>& rows,
                                                     const registry::Presets& presets,
                                                     const framework::PluginSet& plugins,
                                                     const AnlFilter& filter) {
  AnlValidation validation;
  struct Accumulator {
    std::set<int64_t> gpus;
    std::vector<double> errors;
    int64_t in_band = 0;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Accumulator> groups;
  std::vector<double> all_errors;
  int64_t all_in_band = 0;
  std::map<std::string, Accumulator> regimes;
  for (const AnlRow& row : rows) {
    absl::StatusOr<framework::ScenarioRequest> request = AnlScenarioRequest(row, presets);
    if (!request.ok()) {
      if (validation.skipped++ == 0)
        validation.first_skipped = std::string(request.status().message());
      continue;
    }
    if (!filter.Matches(*request)) continue;
    framework::Scenario scenario;
    ASSIGN_OR_RETURN(framework::Estimate estimate,
                     EstimateRow(row.source, *request, presets, plugins, &scenario));
    AnlResult result;
    result.row = row;
    result.request = *request;
    ASSIGN_OR_RETURN(result.predicted_s,
                     AnlPredictedLatency(row, *request, estimate, presets, plugins));
    result.relative_error = result.predicted_s / row.latency_s - 1;
    result.fits = estimate.summary.memory.fits;
    result.band_regime = framework::RegimeOf(scenario, framework::BandMetric::kE2e);
    const framework::TimeBand band =
        framework::BandOf(scenario, framework::BandMetric::kE2e, result.predicted_s);
    result.in_band = band.Contains(row.latency_s);
    validation.band_coverage = estimate.summary.band_coverage;
    result.regimes = RegimeLabels(scenario, estimate.summary, request->concurrency);
    for (const std::string& regime : result.regimes) {
      regimes[regime].errors.push_back(result.relative_error);
      regimes[regime].in_band += result.in_band ? 1 : 0;
    }
    Accumulator& group = groups[{request->engine, request->hardware, request->model}];
    group.gpus.insert(row.num_hardware);
    group.errors.push_back(result.relative_error);
    group.in_band += result.in_band ? 1 : 0;
    all_errors.push_back(result.relative_error);
    all_in_band += result.in_band ? 1 : 0;
    validation.results.push_back(std::move(result));
  }
  for (const auto& [key, accumulator] : groups) {
    AnlGroup group;
    std::tie(group.engine, group.hardware, group.model) = key;
    group.gpus.assign(accumulator.gpus.begin(), accumulator.gpus.end());
    group.rows = static_cast<int64_t>(accumulator.errors.size());
    group.median_abs_error = MedianAbsolute(accumulator.errors);
    group.p90_abs_error = QuantileAbsolute(accumulator.errors, 0.9);
    double sum = 0;
    for (double e : accumulator.errors) sum += e;
    group.mean_error = sum / static_cast<double>(accumulator.errors.size());
    group.in_band = static_cast<double>(accumulator.in_band) / static_cast<double>(group.rows);
    validation.groups.push_back(std::move(group));
  }
  for (auto& [name, accumulator] : regimes) {
    std::vector<double>& errors = accumulator.errors;
    AnlRegime regime;
    regime.name = name;
    regime.rows = static_cast<int64_t>(errors.size());
    regime.in_band = static_cast<double>(accumulator.in_band) / static_cast<double>(regime.rows);
    double sum = 0;
    for (double e : errors) sum += e;
    regime.mean_error = sum / static_cast<double>(errors.size());
    regime.p90_abs_error = QuantileAbsolute(errors, 0.9);
    regime.median_abs_error = MedianAbsolute(std::move(errors));
    validation.regimes.push_back(std::move(regime));
  }
  validation.p90_abs_error = QuantileAbsolute(all_errors, 0.9);
  validation.median_abs_error = MedianAbsolute(all_errors);
  validation.in_band = all_errors.empty() ? 0
                                          : static_cast<double>(all_in_band) /
                                                static_cast<double>(all_errors.size());
  return validation;
}

}  // namespace infercost::validation
