#include "apps/infercost/validate_suites.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "apps/infercost/validate_command.h"
#include "fmt/format.h"
#include "framework/report/json_text.h"
#include "framework/report/text_table.h"
#include "nlohmann/json.hpp"
#include "validation/aic_serving.h"
#include "validation/per_op.h"

namespace infercost::cli {
namespace {

using framework::Align;
using framework::TextTable;

std::string Percent(double fraction) { return fmt::format("{:+.1f}%", 100 * fraction); }
std::string AbsPercent(double fraction) { return fmt::format("{:.1f}%", 100 * fraction); }

// The configurations measured more than once and far apart (validation::RepeatedConfiguration),
// each with its measurements, and the error over the other rows.
void PrintRepeatedConfigurations(const validation::AicValidation& v) {
  if (v.repeated.empty()) return;
  TextTable sets(
      {"engine", "device", "model", "weights", "tp", "isl", "osl", "conc", "regime",
       "measured ms (version)", "spread", "predicted ms"},
      {Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight, Align::kRight,
       Align::kRight, Align::kRight, Align::kLeft, Align::kLeft, Align::kRight, Align::kRight});
  for (const validation::RepeatedConfiguration& same : v.repeated) {
    const validation::AicResult& first = v.results[same.results.front()];
    std::vector<std::string> measured;
    for (const size_t i : same.results) {
      const validation::AicRow& row = v.results[i].row;
      measured.push_back(row.backend_version.empty()
                             ? fmt::format("{:.2f}", row.tpot_ms)
                             : fmt::format("{:.2f} ({})", row.tpot_ms, row.backend_version));
    }
    sets.AddRow({first.request.engine, first.request.hardware, first.request.model,
                 first.request.weights, std::to_string(first.request.tp),
                 std::to_string(first.row.isl), std::to_string(first.row.osl),
                 std::to_string(first.request.concurrency), first.regime,
                 absl::StrJoin(measured, ", "), fmt::format("{:.2f}x", same.spread),
                 fmt::format("{:.2f}", first.predicted_ms)});
  }
  fmt::print(
      "\nCONFIGURATIONS MEASURED MORE THAN ONCE, {:.2f}x OR MORE APART (the same labels, so one "
      "prediction; the file does not say what differed between the runs)\n{}",
      validation::kRepeatedSpread, sets.Render());
  fmt::print("{} row(s) in {} configuration(s); the other {} row(s): median |error| {}, p90 {}\n",
             v.repeated_rows, v.repeated.size(),
             static_cast<int64_t>(v.results.size()) - v.repeated_rows,
             AbsPercent(v.others_median_abs_error), AbsPercent(v.others_p90_abs_error));
}

void PrintAicTable(const std::string& data, const validation::AicValidation& v) {
  fmt::print(
      "aiconfigurator serving runs, agg rows in mode {}: measured TPOT vs predicted ({}); regime "
      "c<=8 is what the engines were fitted on{}; disaggregated rows in mode disagg (their "
      "pools), TTFT too\ndata: {}\n\n",
      v.mode,
      v.mode == "serving" ? "the continuously batched step, prefill chunks included; TTFT too"
                          : "one decode step at the mean context",
      v.mode == "serving" ? ""
                          : "; c>8 and multi-node steps also carry prefill chunks (--mode serving)",
      data);
  TextTable rows(
      {"engine", "device", "model", "weights", "tp", "dp", "ep", "isl", "osl", "conc", "regime",
       "measured ms", "predicted ms", "error", "TTFT ms", "predicted", "TTFT error"},
      {Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight, Align::kRight,
       Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kLeft, Align::kRight,
       Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight});
  for (const validation::AicResult& r : v.results) {
    const bool serving = v.mode == "serving" || r.row.mode == "disagg";
    const bool ttft = serving && r.row.ttft_ms > 0;
    rows.AddRow({r.request.engine, r.request.hardware, r.request.model, r.request.weights,
                 std::to_string(r.request.tp), std::to_string(r.request.dp),
                 std::to_string(r.request.ep), std::to_string(r.row.isl), std::to_string(r.row.osl),
                 std::to_string(r.request.concurrency), r.regime,
                 fmt::format("{:.2f}", r.row.tpot_ms), fmt::format("{:.2f}", r.predicted_ms),
                 Percent(r.relative_error),
                 r.row.ttft_ms > 0 ? fmt::format("{:.1f}", r.row.ttft_ms) : "-",
                 serving ? fmt::format("{:.1f}", r.predicted_ttft_ms) : "-",
                 ttft ? Percent(r.ttft_relative_error) : "-"});
  }
  fmt::print("{}\n", rows.Render());
  // A group's leading cells, then its rows, TPOT error and served TTFT error ("-" where none).
  const auto with_stats = [](std::vector<std::string> cells, const validation::AicGroup& g) {
    const bool ttft = g.ttft_rows > 0;
    for (std::string cell :
         {std::to_string(g.rows), AbsPercent(g.median_abs_error), AbsPercent(g.p90_abs_error),
          Percent(g.mean_error), AbsPercent(g.in_band),
          ttft ? AbsPercent(g.ttft_median_abs_error) : "-",
          ttft ? AbsPercent(g.ttft_p90_abs_error) : "-"}) {
      cells.push_back(std::move(cell));
    }
    return cells;
  };
  TextTable groups(
      {"engine", "device", "model", "weights", "regime", "tp", "rows", "median |error|",
       "p90 |error|", "mean error", "in band", "TTFT median", "TTFT p90"},
      {Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft,
       Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
       Align::kRight});
  for (const validation::AicGroup& g : v.groups) {
    groups.AddRow(with_stats(
        {g.engine, g.hardware, g.model, g.precision, g.regime, absl::StrJoin(g.tp, ",")}, g));
  }
  fmt::print("ERROR PER ENGINE x DEVICE x MODEL x WEIGHTS x REGIME\n{}\n", groups.Render());
  TextTable classes(
      {"device", "models", "regime", "tp", "rows", "median |error|", "p90 |error|", "mean error",
       "in band", "TTFT median", "TTFT p90"},
      {Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight, Align::kRight,
       Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight});
  for (const validation::AicGroup& g : v.classes) {
    classes.AddRow(with_stats({g.hardware, g.model, g.regime, absl::StrJoin(g.tp, ",")}, g));
  }
  classes.AddRule();
  for (const validation::AicGroup& g : v.regimes) {
    classes.AddRow(with_stats({"all", "", g.regime, absl::StrJoin(g.tp, ",")}, g));
  }
  const bool any_ttft = v.mode == "serving" || v.disagg_rows > 0;
  classes.AddRow({"all", "", "", "", std::to_string(v.results.size()),
                  AbsPercent(v.median_abs_error), AbsPercent(v.p90_abs_error), "",
                  AbsPercent(v.in_band), any_ttft ? AbsPercent(v.ttft_median_abs_error) : "-",
                  any_ttft ? AbsPercent(v.ttft_p90_abs_error) : "-"});
  fmt::print("ERROR PER DEVICE x DENSE/MOE x REGIME\n{}", classes.Render());
  TextTable facets({"regime", "rows", "median |error|", "p90 |error|", "mean error", "in band",
                    "TTFT median", "TTFT p90"},
                   {Align::kLeft, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
                    Align::kRight, Align::kRight, Align::kRight});
  for (const validation::AicGroup& g : v.facets) {
    facets.AddRow(with_stats({g.regime}, g));
  }
  fmt::print(
      "\nPER REGIME (clients per run: batch size; TP; dense/MoE; prefill- vs decode-bound: the "
      "predicted first token against the decode steps after it)\n{}",
      facets.Render());
  const int64_t runs = static_cast<int64_t>(v.results.size()) + v.skipped;
  fmt::print(
      "\ncoverage: {} of {} runs predicted ({:.1f}%); in band: the share of the measured TPOTs "
      "inside the prediction's {:.0f}% band (summary.bands)\n",
      v.results.size(), runs,
      runs > 0 ? 100.0 * static_cast<double>(v.results.size()) / static_cast<double>(runs) : 0.0,
      100 * v.band_coverage);
  if (v.mode == "serving" || v.disagg_rows > 0) {
    fmt::print("\nTTFT (rows with a measurement{}): median |error| {}, p90 |error| {}\n",
               v.mode == "serving" ? "" : ", disaggregated rows only",
               AbsPercent(v.ttft_median_abs_error), AbsPercent(v.ttft_p90_abs_error));
  }
  PrintRepeatedConfigurations(v);
  if (v.copies > 0) {
    fmt::print(
        "\n{} row(s) of the file repeat a run above: in every column but where the row came from "
        "(id, data source, model label, engine version), or its measured TTFT and TPOT under "
        "another description or written to fewer digits: the same measurement in two of the "
        "source's dumps, counted once\n",
        v.copies);
  }
  if (v.skipped > 0) {
    fmt::print("\n{} row(s) skipped: {}\n", v.skipped, absl::StrJoin(v.skip_reasons, "; "));
  }
  if (v.disagg_rows > 0) {
    fmt::print(
        "\n{} disaggregated row(s) predicted in mode disagg (where the file does not say how many "
        "workers each pool had: regime disagg-any-of, the run's configuration lists several "
        "layouts, predicted at each, their geometric mean; disagg-1x1, none, one worker each)\n",
        v.disagg_rows);
  }
  fmt::print("\nerror = predicted / measured - 1.\n");
}

void PrintPerOpTable(const std::string& data, const std::string& engine,
                     const validation::PerOpValidation& v) {
  (void)engine;
  fmt::print(
      "Per-operator kernels (fp16): measured vs the hardware plugin's time with the engine "
      "calibration in brackets\ndata: {}\n\n",
      data);
  TextTable rows(
      {"group", "op", "shape", "measured us", "predicted us", "error"},
      {Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight});
  for (const validation::PerOpResult& r : v.results) {
    rows.AddRow({r.group, r.op, r.shape, fmt::format("{:.1f}", 1e6 * r.measured_s),
                 fmt::format("{:.1f}", 1e6 * r.predicted_s), Percent(r.relative_error)});
  }
  fmt::print("{}\n", rows.Render());
  TextTable groups({"group", "rows", "median |error|", "mean error"},
                   {Align::kLeft, Align::kRight, Align::kRight, Align::kRight});
  for (const validation::PerOpGroup& g : v.groups) {
    groups.AddRow(
        {g.name, std::to_string(g.rows), AbsPercent(g.median_abs_error), Percent(g.mean_error)});
  }
  groups.AddRule();
  groups.AddRow({"all GEMM", "", AbsPercent(v.gemm_median_abs_error), ""});
  groups.AddRow({"all all-reduce", "", AbsPercent(v.all_reduce_median_abs_error), ""});
  fmt::print("MEDIAN ABSOLUTE ERROR PER FILE\n{}\nerror = predicted / measured - 1.\n",
             groups.Render());
}

}  // namespace

int RunValidateAic(Session& session, const std::string& data, const std::string& engine,
                   const std::string& model, const std::string& hardware, const std::string& mode,
                   const validation::RowAssumption& assume) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  absl::StatusOr<std::vector<validation::AicRow>> rows =
      validation::ReadAicServingCsv(data, DefaultValidationDataDir());
  if (!rows.ok()) return ReportError(rows.status());
  absl::StatusOr<validation::AicValidation> v = validation::ValidateAicServing(
      *rows, **presets, session.Plugins(), {engine, model, hardware}, mode, assume);
  if (!v.ok()) return ReportError(v.status());
  if (v->results.empty()) {
    return ReportError(absl::NotFoundError(
        fmt::format("{}: no row matches{}", data,
                    v->skipped == 0 ? ""
                                    : fmt::format("; {} row(s) skipped: {}", v->skipped,
                                                  absl::StrJoin(v->skip_reasons, "; ")))));
  }
  if (session.flags().format != "json") {
    PrintAicTable(data, *v);
    return 0;
  }
  nlohmann::json out_rows = nlohmann::json::array();
  for (const validation::AicResult& r : v->results) {
    out_rows.push_back({{"source", r.row.source},
                        {"engine", r.request.engine},
                        {"hardware", r.request.hardware},
                        {"model", r.request.model},
                        {"weights", r.request.weights},
                        {"moe", r.moe},
                        {"regime", r.regime},
                        {"possible_layouts", r.row.possible_layouts.size()},
                        {"tp", r.row.tp},
                        {"dp", r.row.attention_dp},
                        {"ep", r.row.moe_ep},
                        {"input_tokens", r.row.isl},
                        {"output_tokens", r.row.osl},
                        {"length_range_ratio", r.request.length_range_ratio},
                        {"concurrency", r.request.concurrency},
                        {"measured_tpot_ms", r.row.tpot_ms},
                        {"predicted_tpot_ms", r.predicted_ms},
                        {"relative_error", r.relative_error},
                        {"measured_ttft_ms", r.row.ttft_ms},
                        {"predicted_ttft_ms", r.predicted_ttft_ms},
                        {"predicted_steady_ttft_ms", r.predicted_steady_ttft_ms},
                        {"predicted_burst_ttft_ms", r.predicted_burst_ttft_ms},
                        {"ttft_relative_error", r.ttft_relative_error},
                        {"tpot_in_band", r.tpot_in_band}});
  }
  auto groups = [](const std::vector<validation::AicGroup>& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const validation::AicGroup& g : list) {
      out.push_back({{"engine", g.engine},
                     {"hardware", g.hardware},
                     {"model", g.model},
                     {"weights", g.precision},
                     {"regime", g.regime},
                     {"tp", g.tp},
                     {"rows", g.rows},
                     {"median_abs_error", g.median_abs_error},
                     {"p90_abs_error", g.p90_abs_error},
                     {"mean_error", g.mean_error},
                     {"in_band", g.in_band},
                     {"ttft_rows", g.ttft_rows},
                     {"ttft_median_abs_error", g.ttft_median_abs_error},
                     {"ttft_p90_abs_error", g.ttft_p90_abs_error}});
    }
    return out;
  };
  const nlohmann::json out = {{"data", data},
                              {"rows", out_rows},
                              {"groups", groups(v->groups)},
                              {"classes", groups(v->classes)},
                              {"regimes", groups(v->regimes)},
                              {"facets", groups(v->facets)},
                              {"p90_abs_error", v->p90_abs_error},
                              {"mode", v->mode},
                              {"requests_per_client", assume.requests_per_client},
                              {"ttft_median_abs_error", v->ttft_median_abs_error},
                              {"ttft_p90_abs_error", v->ttft_p90_abs_error},
                              {"disagg_rows", v->disagg_rows},
                              {"copies_counted_once", v->copies},
                              {"median_abs_error", v->median_abs_error},
                              {"in_band", v->in_band},
                              {"band_coverage", v->band_coverage},
                              {"skipped", v->skipped},
                              {"skip_reasons", v->skip_reasons}};
  fmt::print("{}\n", framework::JsonText(out, 2));
  return 0;
}

int RunValidatePerOp(Session& session, const std::string& data_dir, const std::string& engine,
                     const std::string& hardware) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  const std::string& calibration = engine;
  absl::StatusOr<validation::PerOpValidation> v =
      validation::ValidatePerOp(data_dir, validation::DefaultPerOpFiles(), **presets,
                                session.Plugins(), calibration, hardware);
  if (!v.ok()) return ReportError(v.status());
  if (session.flags().format != "json") {
    PrintPerOpTable(data_dir, calibration, *v);
    return 0;
  }
  nlohmann::json out_rows = nlohmann::json::array();
  for (const validation::PerOpResult& r : v->results) {
    out_rows.push_back({{"source", r.source},
                        {"group", r.group},
                        {"hardware", r.hardware},
                        {"op", r.op},
                        {"shape", r.shape},
                        {"measured_s", r.measured_s},
                        {"predicted_s", r.predicted_s},
                        {"relative_error", r.relative_error}});
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const validation::PerOpGroup& g : v->groups) {
    groups.push_back({{"group", g.name},
                      {"rows", g.rows},
                      {"median_abs_error", g.median_abs_error},
                      {"mean_error", g.mean_error}});
  }
  const nlohmann::json out = {{"data", data_dir},
                              {"engine", calibration.empty() ? "per file" : calibration},
                              {"rows", out_rows},
                              {"groups", groups},
                              {"gemm_median_abs_error", v->gemm_median_abs_error},
                              {"all_reduce_median_abs_error", v->all_reduce_median_abs_error}};
  fmt::print("{}\n", framework::JsonText(out, 2));
  return 0;
}

}  // namespace infercost::cli
