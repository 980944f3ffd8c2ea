#include "apps/infercost/validate_command.h"

#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_join.h"
#include "apps/infercost/report_command.h"
#include "apps/infercost/validate_suites.h"
#include "fmt/format.h"
#include "framework/report/json_text.h"
#include "framework/report/text_table.h"
#include "nlohmann/json.hpp"
#include "validation/anl_static_batch.h"

namespace infercost::cli {

std::string DefaultValidationData() {
#ifdef INFERCOST_SOURCE_VALIDATION_DATA
  return INFERCOST_SOURCE_VALIDATION_DATA;
#else
  return "";
#endif
}

std::string DefaultValidationDataDir() {
  const std::string file = DefaultValidationData();
  return file.substr(0, file.find_last_of('/') + 1);
}

namespace {

using framework::Align;
using framework::TextTable;

std::string Percent(double fraction) { return fmt::format("{:+.1f}%", 100 * fraction); }
std::string AbsPercent(double fraction) { return fmt::format("{:.1f}%", 100 * fraction); }

std::string Gpus(const std::vector<int64_t>& gpus) { return absl::StrJoin(gpus, ","); }

void PrintTable(const std::string& data, const validation::AnlValidation& v) {
  fmt::print(
      "ANL LLM-Inference-Bench static batches: measured latency (prefill of the batch + every "
      "decode step) vs predicted e2e\ndata: {}\n\n",
      data);
  TextTable rows({"engine", "device", "model", "gpus", "in=out", "batch", "measured s",
                  "predicted s", "error", "fits"},
                 {Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight, Align::kRight,
                  Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kLeft});
  for (const validation::AnlResult& r : v.results) {
    rows.AddRow({r.request.engine, r.request.hardware, r.request.model,
                 std::to_string(r.row.num_hardware), std::to_string(r.row.length),
                 std::to_string(r.row.batch), fmt::format("{:.3f}", r.row.latency_s),
                 fmt::format("{:.3f}", r.predicted_s), Percent(r.relative_error),
                 r.fits ? "yes" : "no"});
  }
  fmt::print("{}\n", rows.Render());

  TextTable groups({"engine", "device", "model", "gpus", "rows", "median |error|", "p90 |error|",
                    "mean error", "in band"},
                   {Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight,
                    Align::kRight, Align::kRight, Align::kRight, Align::kRight});
  for (const validation::AnlGroup& g : v.groups) {
    groups.AddRow({g.engine, g.hardware, g.model, Gpus(g.gpus), std::to_string(g.rows),
                   AbsPercent(g.median_abs_error), AbsPercent(g.p90_abs_error),
                   Percent(g.mean_error), AbsPercent(g.in_band)});
  }
  groups.AddRule();
  groups.AddRow({"all", "", "", "", std::to_string(v.results.size()),
                 AbsPercent(v.median_abs_error), AbsPercent(v.p90_abs_error), "",
                 AbsPercent(v.in_band)});
  fmt::print("MEDIAN ABSOLUTE ERROR PER ENGINE x DEVICE x MODEL\n{}", groups.Render());
  TextTable regimes(
      {"regime", "rows", "median |error|", "p90 |error|", "mean error", "in band"},
      {Align::kLeft, Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight});
  for (const validation::AnlRegime& r : v.regimes) {
    regimes.AddRow({r.name, std::to_string(r.rows), AbsPercent(r.median_abs_error),
                    AbsPercent(r.p90_abs_error), Percent(r.mean_error), AbsPercent(r.in_band)});
  }
  fmt::print("\nPER REGIME (batch size, TP, dense/MoE, prefill- vs decode-bound)\n{}",
             regimes.Render());
  const double rows_total = static_cast<double>(v.results.size() + v.skipped);
  fmt::print("\ncoverage: {} of {} rows predicted ({:.1f}%)", v.results.size(),
             v.results.size() + v.skipped,
             rows_total > 0 ? 100.0 * static_cast<double>(v.results.size()) / rows_total : 0.0);
  if (v.skipped > 0) {
    fmt::print("; {} skipped: framework, model or device without a preset", v.skipped);
  }
  fmt::print(
      "\nin band: the share of the measured latencies inside the prediction's {:.0f}% band "
      "(summary.bands)",
      100 * v.band_coverage);
  fmt::print(
      "\n\nerror = predicted / measured - 1. fits = no: the model says the batch does not fit in "
      "memory at once; it is predicted as waves of what fits, one after another, as engines run "
      "it.\n");
}

void PrintJson(const std::string& data, const validation::AnlValidation& v) {
  nlohmann::json rows = nlohmann::json::array();
  for (const validation::AnlResult& r : v.results) {
    rows.push_back({{"source", r.row.source},
                    {"engine", r.request.engine},
                    {"hardware", r.request.hardware},
                    {"model", r.request.model},
                    {"gpus", r.row.num_hardware},
                    {"input_tokens", r.row.length},
                    {"output_tokens", r.row.length},
                    {"batch", r.row.batch},
                    {"measured_s", r.row.latency_s},
                    {"predicted_s", r.predicted_s},
                    {"relative_error", r.relative_error},
                    {"in_band", r.in_band},
                    {"fits", r.fits}});
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const validation::AnlGroup& g : v.groups) {
    groups.push_back({{"engine", g.engine},
                      {"hardware", g.hardware},
                      {"model", g.model},
                      {"gpus", g.gpus},
                      {"rows", g.rows},
                      {"median_abs_error", g.median_abs_error},
                      {"p90_abs_error", g.p90_abs_error},
                      {"mean_error", g.mean_error},
                      {"in_band", g.in_band}});
  }
  nlohmann::json regimes = nlohmann::json::array();
  for (const validation::AnlRegime& r : v.regimes) {
    regimes.push_back({{"regime", r.name},
                       {"rows", r.rows},
                       {"median_abs_error", r.median_abs_error},
                       {"p90_abs_error", r.p90_abs_error},
                       {"mean_error", r.mean_error},
                       {"in_band", r.in_band}});
  }
  const nlohmann::json out = {{"data", data},
                              {"rows", rows},
                              {"groups", groups},
                              {"regimes", regimes},
                              {"median_abs_error", v.median_abs_error},
                              {"p90_abs_error", v.p90_abs_error},
                              {"in_band", v.in_band},
                              {"band_coverage", v.band_coverage},
                              {"skipped", v.skipped}};
  fmt::print("{}\n", framework::JsonText(out, 2));
}

}  // namespace

void AddValidateFlags(CLI::App& command, ValidateFlags& flags) {
  const std::string fallback = DefaultValidationData();
  command
      .add_option("--data", flags.data,
                  fallback.empty() ? std::string("Measured rows (ANL All_results.csv columns)")
                                   : "Measured rows (default: " + fallback + ")")
      ->type_name("FILE");
  command.add_option("--engine", flags.engine,
                     "Only rows of this engine preset (e.g. vllm, trtllm-0.11, trtllm)");
  command.add_option("--model", flags.model, "Only rows of this model preset");
  command.add_option("--hardware", flags.hardware, "Only rows of this hardware preset");
  command
      .add_option("--mode", flags.mode,
                  "aic suites: serving (what the rows measured: a continuously batching "
                  "server's steady state at the row's clients, TTFT and TPOT compared) or static "
                  "(one decode step at the mean context, TPOT only)")
      ->check(CLI::IsMember({"static", "serving"}))
      ->capture_default_str();
  command
      .add_option(
          "--suite", flags.suite,
          "anl: ANL static batches (e2e latency); aic: aiconfigurator serving TTFT and TPOT of "
          "every agg row, by regime (default data: the concurrency <= 8 rows the engines "
          "were fitted on); aic-frontier: the same for every row of Qwen3.5-397B, GLM-5, "
          "MiniMax-M2.5 and Kimi-K2.5; aic-rest: every other visible row (disaggregated rows "
          "in mode disagg, their pools as the file gives them); per-op: GEMM and all-reduce "
          "kernels (--data: the directory holding per_op/; --engine: overrides the "
          "calibration, by default vllm for GEMMs and pytorch for eager all-reduce)")
      ->check(CLI::IsMember({"anl", "aic", "aic-frontier", "aic-rest", "per-op"}))
      ->default_val("anl");
  // aic suites: what every selected row is assumed to have run (a hypothesis; the data does not
  // say which runs drafted).
  AddSpeculationFlags(command, flags.speculative_tokens, flags.acceptance, flags.draft_layers);
  command
      .add_option("--requests-per-client", flags.requests_per_client,
                  "aic suites, serving: the requests each client of the benchmark sent in its "
                  "measured window, the first of them all at once to an idle server (the "
                  "start-up burst, whose share of the mean TTFT this sets)")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
}

int RunValidate(Session& session, const ValidateFlags& flags) {
  const bool aic =
      flags.suite == "aic" || flags.suite == "aic-frontier" || flags.suite == "aic-rest";
  if (!aic &&
      (flags.speculative_tokens != 0 || !flags.acceptance.empty() || flags.draft_layers != 1)) {
    return ReportError(absl::InvalidArgumentError(fmt::format(
        "validate: --speculative-tokens, --acceptance and --draft-layers apply to the aic suites "
        "(serving runs that may have drafted tokens), not --suite {}",
        flags.suite)));
  }
  if ((!aic || flags.mode != "serving") &&
      flags.requests_per_client != validation::kMeasuredRequestsPerClient) {
    return ReportError(absl::InvalidArgumentError(fmt::format(
        "validate: --requests-per-client applies to the aic suites in serving mode (a closed-loop "
        "benchmark's mean TTFT), not {}",
        aic ? "--mode " + flags.mode : "--suite " + flags.suite)));
  }
  if (flags.suite != "anl") {  // the other suites' data sit next to the ANL copy by default
    const std::string dir = DefaultValidationDataDir();
    if (aic) {
      const std::string file = flags.suite == "aic"            ? "aic_serving_low_concurrency.csv"
                               : flags.suite == "aic-frontier" ? "aic_serving_frontier.csv"
                                                               : "aic_serving_rest.csv";
      return RunValidateAic(session, flags.data.empty() ? dir + file : flags.data, flags.engine,
                            flags.model, flags.hardware, flags.mode,
                            {flags.speculative_tokens, flags.acceptance, flags.draft_layers,
                             flags.requests_per_client});
    }
    return RunValidatePerOp(session, flags.data.empty() ? dir : flags.data, flags.engine,
                            flags.hardware);
  }
  const std::string data = flags.data.empty() ? DefaultValidationData() : flags.data;
  if (data.empty()) {
    return ReportError(absl::InvalidArgumentError(
        "validate: no data file; pass --data FILE (columns of ANL LLM-Inference-Bench "
        "Plots/All_results.csv)"));
  }
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  const registry::Presets& known = **presets;
  for (const auto& [flag, name, registry_has, names] :
       {std::tuple{"--engine", flags.engine,
                   flags.engine.empty() || known.engines.FindOrNull(flags.engine),
                   known.engines.Names()},
        std::tuple{"--model", flags.model,
                   flags.model.empty() || known.models.FindOrNull(flags.model),
                   known.models.Names()},
        std::tuple{"--hardware", flags.hardware,
                   flags.hardware.empty() || known.hardware.FindOrNull(flags.hardware),
                   known.hardware.Names()}}) {
    if (!registry_has) {
      return ReportError(absl::NotFoundError(fmt::format("{} {}: no such preset; allowed: {}", flag,
                                                         name, absl::StrJoin(names, ", "))));
    }
  }
  absl::StatusOr<std::vector<validation::AnlRow>> rows = validation::ReadAnlStaticBatchCsv(data);
  if (!rows.ok()) return ReportError(rows.status());
  absl::StatusOr<validation::AnlValidation> validation = validation::ValidateAnlStaticBatch(
      *rows, **presets, session.Plugins(), {flags.engine, flags.model, flags.hardware});
  if (!validation.ok()) return ReportError(validation.status());
  if (validation->results.empty()) {
    return ReportError(absl::NotFoundError(fmt::format(
        "{}: no row matches the filters (engine '{}', model '{}', hardware '{}'){}", data,
        flags.engine, flags.model, flags.hardware,
        validation->skipped == 0 ? ""
                                 : fmt::format("; {} row(s) name what has no preset, the first {}",
                                               validation->skipped, validation->first_skipped))));
  }
  if (session.flags().format == "json") {
    PrintJson(data, *validation);
  } else {
    PrintTable(data, *validation);
  }
  return 0;
}

}  // namespace infercost::cli
