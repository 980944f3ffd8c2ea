#include "apps/infercost/calibrate_command.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "apps/infercost/output_file.h"
#include "apps/infercost/validate_command.h"
#include "fmt/format.h"
#include "framework/report/text_table.h"
#include "validation/aic_serving.h"
#include "validation/anl_static_batch.h"
#include "validation/engine_fit.h"
#include "validation/row_estimate.h"

namespace infercost::cli {

void AddCalibrateFlags(CLI::App& command, CalibrateFlags& flags) {
  command.add_flag("--bands", flags.bands,
                   "Re-derive the measured error bands (presets/error-bands.toml)");
  command.add_flag("--engines", flags.engines,
                   "Re-derive the engine presets' fitted numbers and print them beside the "
                   "committed ones, with the errors of both");
  command.add_option("--engine", flags.engine, "--engines: only this engine");
  command.add_option("--hardware", flags.hardware, "--engines: only this device");
  command
      .add_option("--max-evaluations", flags.max_evaluations,
                  "--engines: objective evaluations per fit")
      ->check(CLI::Range(int64_t{10}, int64_t{100000}))
      ->capture_default_str();
  command.add_option("--data-dir", flags.data_dir,
                     "Directory of the measurements (default: the repository's "
                     "tests/data/validation)");
  command.add_option("--out", flags.out, "Write the TOML here (default: standard output)");
  command.add_option("--coverage", flags.coverage, "Share of rows each band must contain")
      ->check(CLI::Range(0.5, 0.99))
      ->capture_default_str();
}

namespace {

std::string Value(const std::string& key, double value) {
  if (!absl::EndsWith(key, "_s")) return fmt::format("{:.3g}", value);
  return value >= 1e-3 ? fmt::format("{:.3g} ms", 1e3 * value)
                       : fmt::format("{:.3g} us", 1e6 * value);
}

// The device a fit is for, as the report names it (an engine-wide fit: every device).
std::string HardwareOf(const validation::FitSpec& spec) {
  return spec.hardware.empty() ? "every device" : spec.hardware;
}

int RunEngineFit(Session& session, const CalibrateFlags& flags, const std::string& dir) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  absl::StatusOr<std::vector<validation::FitSpec>> specs =
      validation::EngineFitSpecs(dir, **presets);
  if (!specs.ok()) return ReportError(specs.status());
  int fits = 0;
  for (const validation::FitSpec& spec : *specs) {
    if ((!flags.engine.empty() && spec.engine != flags.engine) ||
        (!flags.hardware.empty() && spec.hardware != flags.hardware)) {
      continue;
    }
    ++fits;
    absl::StatusOr<validation::FitResult> fit =
        validation::FitEngine(spec, **presets, session.Plugins(), flags.max_evaluations);
    if (!fit.ok()) return ReportError(fit.status());
    fmt::print("{} on {}: {}, {} ({} rows fitted, {} held out; {} evaluations)\n", spec.engine,
               HardwareOf(spec), spec.data, spec.metric, fit->fitted_rows, fit->held_out_rows,
               fit->evaluations);
    framework::TextTable table(
        {"key", "committed", "re-fitted"},
        {framework::Align::kLeft, framework::Align::kRight, framework::Align::kRight});
    if (fit->matmul_efficiency > 0) {
      table.AddRow({"matmul_efficiency (TTFT anchor)",
                    Value("matmul_efficiency", fit->committed_matmul_efficiency),
                    Value("matmul_efficiency", fit->matmul_efficiency)});
    }
    for (size_t i = 0; i < fit->values.size(); ++i) {
      table.AddRow({fit->values[i].first, Value(fit->values[i].first, fit->committed[i].second),
                    Value(fit->values[i].first, fit->values[i].second)});
    }
    table.AddRule();
    table.AddRow({"median |error|, fitted rows",
                  fmt::format("{:.1f}%", 100 * fit->committed_fitted_median),
                  fmt::format("{:.1f}%", 100 * fit->fitted_median)});
    if (fit->held_out_rows > 0) {
      table.AddRow({"median |error|, held-out rows",
                    fmt::format("{:.1f}%", 100 * fit->committed_held_out_median),
                    fmt::format("{:.1f}%", 100 * fit->held_out_median)});
    }
    fmt::print("{}\n", table.Render());
  }
  if (fits == 0) {
    // The fits there are, from the specs themselves.
    std::vector<std::string> known;
    for (const validation::FitSpec& spec : *specs) {
      known.push_back(fmt::format("{} on {}", spec.engine, HardwareOf(spec)));
    }
    return ReportError(absl::NotFoundError(
        fmt::format("calibrate --engines: no fit of engine '{}' on '{}'; the fits: {}",
                    flags.engine, flags.hardware, absl::StrJoin(known, ", "))));
  }
  fmt::print(
      "Not fitted by this command: the shared matmul_half_flops, bandwidth_half_bytes and "
      "kernel_overhead_s (not separable from these rows) and the memory reserves (engine "
      "defaults).\n");
  return 0;
}

}  // namespace

int RunCalibrate(Session& session, const CalibrateFlags& flags) {
  if (!flags.bands && !flags.engines) {
    return ReportError(absl::InvalidArgumentError(
        "calibrate: say what to derive: --bands (the measured error bands) or --engines (the "
        "engine presets' fitted numbers)"));
  }
  if (!(flags.coverage >= 0.5 && flags.coverage <= 0.99)) {  // (CLI11's range lets a NaN by)
    return ReportError(absl::InvalidArgumentError(fmt::format(
        "calibrate: --coverage {} is not a share in [0.5, 0.99] (e.g. 0.8)", flags.coverage)));
  }
  const std::string dir = flags.data_dir.empty() ? DefaultValidationDataDir() : flags.data_dir;
  if (dir.empty()) {
    return ReportError(absl::InvalidArgumentError(
        "calibrate: no data directory; pass --data-dir DIR (the project's tests/data/validation)"));
  }
  if (flags.engines) {
    if (!flags.out.empty()) {  // (the fit prints its numbers beside the committed ones)
      return ReportError(absl::InvalidArgumentError(fmt::format(
          "calibrate --engines prints its fit; --out {} writes the error bands only (with "
          "--bands): drop --out, or redirect the output",
          flags.out)));
    }
    return RunEngineFit(session, flags, dir);
  }
  if (!flags.out.empty()) {  // (before the minutes of predicting every row)
    if (absl::Status writable = CheckWritable(flags.out, "calibrate: cannot write --out");
        !writable.ok()) {
      return ReportError(writable);
    }
  }
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  // predicted / measured by regime, and by suite for the coverage summary.
  std::map<std::string, std::vector<double>> ratios;
  // The largest context and concurrency each regime's rows reach (beyond: extrapolation).
  std::map<std::string, std::pair<int64_t, int64_t>> reach;
  std::vector<std::pair<std::string, std::pair<std::string, double>>> by_suite;
  auto add = [&](const std::string& suite, const std::string& regime, double ratio,
                 const framework::ScenarioRequest& request) {
    if (!(ratio > 0) || !std::isfinite(ratio)) return;
    for (const std::string& key : {regime, regime.substr(0, regime.find('/')) + "/all"}) {
      ratios[key].push_back(ratio);
      auto& [context, batch] = reach[key];
      context = std::max(context, request.input_tokens + request.output_tokens);
      batch = std::max(batch, request.concurrency);
    }
    by_suite.push_back({suite, {regime, ratio}});
  };
  for (const char* file : {"anl_static_batch_all.csv", "anl_static_batch_amd.csv"}) {
    absl::StatusOr<std::vector<validation::AnlRow>> rows =
        validation::ReadAnlStaticBatchCsv((std::filesystem::path(dir) / file).string());
    if (!rows.ok()) return ReportError(rows.status());
    absl::StatusOr<validation::AnlValidation> v =
        validation::ValidateAnlStaticBatch(*rows, **presets, session.Plugins(), {});
    if (!v.ok()) return ReportError(v.status());
    for (const validation::AnlResult& r : v->results) {
      add(file, r.band_regime, 1 + r.relative_error, r.request);
    }
  }
  for (const char* file :
       {"aic_serving_low_concurrency.csv", "aic_serving_frontier.csv", "aic_serving_rest.csv"}) {
    absl::StatusOr<std::vector<validation::AicRow>> rows =
        validation::ReadAicServingCsv((std::filesystem::path(dir) / file).string());
    if (!rows.ok()) return ReportError(rows.status());
    for (const char* mode : {"static", "serving"}) {
      absl::StatusOr<validation::AicValidation> v =
          validation::ValidateAicServing(*rows, **presets, session.Plugins(), {}, mode);
      if (!v.ok()) return ReportError(v.status());
      const std::string suite = fmt::format("{} ({})", file, mode);
      for (const validation::AicResult& r : v->results) {
        // Disaggregated rows are predicted in disagg mode in both passes: count them once.
        const bool disagg = r.row.mode == "disagg";
        if (disagg && std::string(mode) == "serving") continue;
        add(suite, r.tpot_regime, 1 + r.relative_error, r.request);
        if ((disagg || std::string(mode) == "serving") && r.row.ttft_ms > 0) {
          add(suite, r.ttft_regime, 1 + r.ttft_relative_error, r.request);
        }
      }
    }
  }
  // The quantiles are taken 5 points further out than the coverage alone asks: a regime mixes
  // suites, and each suite's rows must reach the coverage, not only their union (3.5 points
  // sufficed until the llama.cpp rows ran one sequence each: the NVIDIA rows' large errors no
  // longer widen the fitted regimes, and the AMD rows - vLLM on MI300X at 29-35% - then reach
  // 76.9% at 3.5, 80.1% at 4.5, 82.2% at 5).
  constexpr double kMargin = 0.05;
  const double q_low = std::max(0.0, (1 - flags.coverage) / 2 - kMargin);
  const double q_high = std::min(1.0, (1 + flags.coverage) / 2 + kMargin);
  std::map<std::string, std::pair<double, double>> bands;
  std::string toml = fmt::format(
      "# Measured error bands: for each regime of a prediction (framework/error_band.h), the\n"
      "# {:.1f}th and {:.1f}th percentiles of predicted / measured over the public measurements "
      "in\n"
      "# tests/data/validation/ (sources and licences in its README). Written by\n"
      "#   infercost calibrate --bands --out presets/error-bands.toml\n"
      "# Do not edit by hand: change the model or the presets, then run the command again.\n"
      "coverage = {}\n",
      100 * q_low, 100 * q_high, flags.coverage);
  for (const auto& [regime, values] : ratios) {
    // Ratios are positive: their quantiles are those of their absolute values.
    const double low = validation::QuantileAbsolute(values, q_low);
    const double high = validation::QuantileAbsolute(values, q_high);
    bands[regime] = {low, high};
    toml += fmt::format(
        "\n[regime.\"{}\"]\nrows = {}\nlow = {:.4f}\nhigh = {:.4f}\nmax_context = {}\nmax_batch = "
        "{}\n",
        regime, values.size(), low, high, reach[regime].first, reach[regime].second);
  }
  if (flags.out.empty()) {
    fmt::print("{}", toml);
  } else {
    std::ofstream out(flags.out, std::ios::binary);
    out << toml;
    if (!out) {
      return ReportError(
          absl::UnavailableError(fmt::format("calibrate: cannot write {}", flags.out)));
    }
  }
  // Coverage each suite reaches with the bands (of its own regimes; 4-decimal rounding).
  std::map<std::string, std::pair<int64_t, int64_t>> coverage;
  for (const auto& [suite, entry] : by_suite) {
    const auto& [low, high] = bands[entry.first];
    auto& [inside, rows] = coverage[suite];
    ++rows;
    if (entry.second >= std::round(low * 1e4) / 1e4 - 1e-9 &&
        entry.second <= std::round(high * 1e4) / 1e4 + 1e-9) {
      ++inside;
    }
  }
  for (const auto& [suite, counts] : coverage) {
    fmt::print(stderr, "{}: {} of {} rows inside their regime's band ({:.1f}%)\n", suite,
               counts.first, counts.second,
               100.0 * static_cast<double>(counts.first) / static_cast<double>(counts.second));
  }
  return 0;
}

}  // namespace infercost::cli
