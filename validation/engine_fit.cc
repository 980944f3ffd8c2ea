#include "validation/engine_fit.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <set>
#include <utility>

#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/estimate.h"
#include "validation/aic_serving.h"
#include "validation/anl_static_batch.h"
#include "validation/csv_table.h"
#include "validation/measured_names.h"
#include "validation/row_estimate.h"

namespace infercost::validation {
namespace {

std::string Path(const std::string& dir, const std::string& file) {
  return (std::filesystem::path(dir) / file).string();
}

// ANL rows of `engine` on `hardware`: `fitted` models are fitted, `held_out` ones reported.
absl::StatusOr<std::vector<FitRow>> AnlRows(const registry::Presets& presets,
                                            const std::string& path, const std::string& engine,
                                            const std::string& hardware,
                                            const std::set<std::string>& fitted,
                                            const std::set<std::string>& held_out) {
  ASSIGN_OR_RETURN(std::vector<AnlRow> rows, ReadAnlStaticBatchCsv(path));
  std::vector<FitRow> out;
  for (const AnlRow& row : rows) {
    absl::StatusOr<framework::ScenarioRequest> request = AnlScenarioRequest(row, presets);
    if (!request.ok() || request->engine != engine || request->hardware != hardware) continue;
    const bool fit = fitted.count(request->model) > 0;
    if (!fit && held_out.count(request->model) == 0) continue;
    out.push_back({row.source, *request, row.latency_s, !fit, AnlOverlappedPasses(row, *request)});
  }
  return out;
}

// aiconfigurator agg rows of `engine` on `hardware` (empty: every device) that `use` takes, with
// their measured TPOT (a static decode step, or the continuously batched step of `mode`
// serving) or, for `metric` "ttft", their measured TTFT (rows without one left out); `fit` says
// which are fitted (the others are held out).
template <typename Use, typename Fit>
absl::StatusOr<std::vector<FitRow>> AicRows(const registry::Presets& presets,
                                            const std::string& path, const std::string& engine,
                                            const std::string& hardware, Use use, Fit fit,
                                            const std::string& mode = "static",
                                            const std::string& metric = "tpot") {
  ASSIGN_OR_RETURN(std::vector<AicRow> rows, ReadAicServingCsv(path));
  std::vector<FitRow> out;
  for (const AicRow& row : rows) {
    if (row.mode != "agg" || !use(row)) continue;
    const double measured_ms = metric == "ttft" ? row.ttft_ms : row.tpot_ms;
    if (!(measured_ms > 0)) continue;
    absl::StatusOr<framework::ScenarioRequest> request = AicScenarioRequest(row, presets, mode);
    if (!request.ok() || request->engine != engine ||
        (!hardware.empty() && request->hardware != hardware)) {
      continue;
    }
    out.push_back({row.source, *request, measured_ms / 1e3, !fit(row), OverlappedPasses{}});
  }
  return out;
}

// The prefill anchors (anl_ttft_anchors.csv) of `engine` on `hardware`.
absl::StatusOr<std::vector<TtftAnchor>> Anchors(const registry::Presets& presets,
                                                const std::string& path, const std::string& engine,
                                                const std::string& hardware) {
  ASSIGN_OR_RETURN(CsvTable table, ReadCsvTable(path, /*has_header=*/true));
  ASSIGN_OR_RETURN(int device, table.Column("Hardware"));
  ASSIGN_OR_RETURN(int gpus, table.Column("Num of Hardware"));
  ASSIGN_OR_RETURN(int framework, table.Column("Framework"));
  ASSIGN_OR_RETURN(int model, table.Column("Model"));
  ASSIGN_OR_RETURN(int tokens, table.Column("Input Length"));
  ASSIGN_OR_RETURN(int batch, table.Column("Batch Size"));
  ASSIGN_OR_RETURN(int ttft, table.Column("TTFT"));
  std::vector<TtftAnchor> anchors;
  for (const CsvRow& row : table.rows) {
    const absl::StatusOr<std::string> row_hardware = HardwarePresetFor(row.fields[device], presets);
    if (AnlEnginePreset(row.fields[framework]) != engine || !row_hardware.ok() ||
        *row_hardware != hardware) {
      continue;
    }
    TtftAnchor anchor;
    anchor.source = row.source;
    anchor.request.engine = engine;
    anchor.request.hardware = hardware;
    absl::StatusOr<std::string> anchor_model = ModelPresetFor(row.fields[model], presets);
    if (!anchor_model.ok()) {
      return absl::NotFoundError(
          fmt::format("{}: {}", row.source, std::string(anchor_model.status().message())));
    }
    anchor.request.model = *anchor_model;
    anchor.request.weights = anchor.request.activations = anchor.request.kv = "fp16";
    ASSIGN_OR_RETURN(anchor.request.gpus, CsvInt(row, gpus, "Num of Hardware", 1));
    ASSIGN_OR_RETURN(anchor.request.input_tokens, CsvInt(row, tokens, "Input Length", 0));
    anchor.request.output_tokens = 1;
    ASSIGN_OR_RETURN(anchor.request.concurrency, CsvInt(row, batch, "Batch Size", 0));
    ASSIGN_OR_RETURN(anchor.measured_s, CsvNumber(row, ttft, "TTFT"));
    anchor.request.engine_settings.emplace_back("host_overlap", 0);  // as every ANL row
    anchors.push_back(std::move(anchor));
  }
  return anchors;
}

// The ratio predicted / measured of `row` with `presets` (an error names the row).
absl::StatusOr<double> Ratio(const FitRow& row, const std::string& metric,
                             const registry::Presets& presets,
                             const framework::PluginSet& plugins) {
  ASSIGN_OR_RETURN(framework::Estimate e, EstimateRow(row.source, row.request, presets, plugins));
  if (metric == "tpot") return e.summary.tpot_s / row.measured_s;
  if (metric == "ttft") return MeasuredTtftOf(e.summary) / row.measured_s;
  ASSIGN_OR_RETURN(const double e2e,
                   E2eWithOverlappedPasses(row.source, row.request, row.overlapped, e.summary.e2e_s,
                                           presets, plugins));
  return e2e / row.measured_s;
}

// Presets with `engine`'s keys set on `hardware` (empty: engine-wide, on every device).
absl::StatusOr<registry::Presets> With(const registry::Presets& base, const std::string& engine,
                                       const std::string& hardware,
                                       const std::vector<std::pair<std::string, double>>& values) {
  registry::Presets presets = base;
  registry::Engine* e = presets.engines.FindMutableOrNull(engine);
  if (e == nullptr) return absl::NotFoundError(fmt::format("no engine preset '{}'", engine));
  for (const auto& [key, value] : values) {
    RETURN_IF_ERROR(hardware.empty() ? e->SetCalibrationValue(key, value)
                                     : e->SetOverride(hardware, key, value));
  }
  return presets;
}

struct Errors {
  double objective = 0;  // mean |log ratio| over the fitted rows
  std::vector<double> fitted, held_out;
};

absl::StatusOr<Errors> Evaluate(const FitSpec& spec, const std::vector<const FitRow*>& rows,
                                const registry::Presets& presets,
                                const framework::PluginSet& plugins) {
  Errors errors;
  for (const FitRow* row : rows) {
    ASSIGN_OR_RETURN(double ratio, Ratio(*row, spec.metric, presets, plugins));
    (row->held_out ? errors.held_out : errors.fitted).push_back(ratio - 1);
    if (!row->held_out) errors.objective += std::fabs(std::log(ratio));
  }
  if (!errors.fitted.empty()) errors.objective /= static_cast<double>(errors.fitted.size());
  return errors;
}

FitSpec Spec(std::string engine, std::string hardware, std::string metric, std::string data) {
  FitSpec spec;
  spec.engine = std::move(engine);
  spec.hardware = std::move(hardware);
  spec.metric = std::move(metric);
  spec.data = std::move(data);
  return spec;
}

}  // namespace

absl::StatusOr<std::vector<FitSpec>> EngineFitSpecs(const std::string& dir,
                                                    const registry::Presets& presets) {
  std::vector<FitSpec> specs;
  const std::string anchors = Path(dir, "anl_ttft_anchors.csv");
  // vLLM and TensorRT-LLM 0.11: ANL static batches of Llama-3-8B / 70B, Llama-2-7B held out
  // (another attention: 32 KV heads); the host and memory-side terms free, matmul from the TTFT
  // anchor.
  // (vllm-0.5, the vLLM ANL ran, keeps its H100 and A100 values in vllm.toml, its base.)
  for (const char* engine : {"vllm-0.5", "trtllm-0.11"}) {
    for (const char* hardware : {"h100-sxm", "a100-40gb"}) {
      FitSpec spec = Spec(engine, hardware, "e2e", "ANL static batches (anl_static_batch.csv)");
      ASSIGN_OR_RETURN(spec.rows, AnlRows(presets, Path(dir, "anl_static_batch.csv"), engine,
                                          hardware, {"llama-3-8b", "llama-3-70b"}, {"llama-2-7b"}));
      spec.free = {{"bandwidth_efficiency", 0.3, 0.92},
                   {"per_layer_overhead_s", 0, 50e-6},
                   {"per_step_overhead_s", 0, 5e-3},
                   {"per_sequence_overhead_s", 0, 500e-6}};
      ASSIGN_OR_RETURN(spec.anchor, Anchors(presets, anchors, engine, hardware));
      specs.push_back(std::move(spec));
    }
  }
  // AMD (ANL's ROCm / HIP runs, anl_static_batch_amd.csv): vLLM and llama.cpp on MI300X and
  // MI250, Llama-3-8B / 70B fitted, Llama-2-7B held out. No TTFT was published for them, so the
  // matmul efficiency is free too.
  for (const char* engine : {"vllm-0.5", "llamacpp"}) {
    for (const char* hardware : {"mi300x", "mi250"}) {
      FitSpec spec =
          Spec(engine, hardware, "e2e", "ANL AMD static batches (anl_static_batch_amd.csv)");
      ASSIGN_OR_RETURN(spec.rows, AnlRows(presets, Path(dir, "anl_static_batch_amd.csv"), engine,
                                          hardware, {"llama-3-8b", "llama-3-70b"}, {"llama-2-7b"}));
      // An engine's GEMMs cannot beat the device's measured large-GEMM efficiency: MI300X's
      // BF16 GEMM reaches 0.51 of peak (presets/hardware/mi300x.toml [efficiency]); MI250 has no
      // measurement, so the generic 0.9 bound stays. The lower bound is 0.03, not 0.1: ANL's
      // vLLM on MI300X reaches ~0.05-0.08 of peak at large batches (the growth of step time
      // per sequence falls as a + c / TP over TP 1-8 and c scales with the model's FLOPs:
      // docs/calibration.md, "vLLM on MI300X: the GEMM rate the TP series shows").
      const double matmul_max = std::string(hardware) == "mi300x" ? 0.51 : 0.9;
      spec.free = {{"matmul_efficiency", 0.03, matmul_max}, {"bandwidth_efficiency", 0.2, 0.92}};
      if (std::string(engine) == "llamacpp") {
        spec.free.push_back({"kernel_overhead_s", 0, 100e-6});
        spec.free.push_back({"per_step_overhead_s", 0, 20e-3});
      } else {
        spec.free.push_back({"per_layer_overhead_s", 0, 100e-6});
        spec.free.push_back({"per_step_overhead_s", 0, 20e-3});
        spec.free.push_back({"per_sequence_overhead_s", 0, 1e-3});
        // PagedAttention V1 over a context V2 would partition (framework/timing/
        // decode_attention.h): what this device reaches with it, fitted mostly by the rows above
        // vLLM's switch (the only rows it changes).
        spec.free.push_back({"decode_attention_unsplit_efficiency", 0.05, 1});
      }
      specs.push_back(std::move(spec));
    }
  }
  // DeepSpeed-MII on A100: the two host costs; Llama-2-70B held out.
  {
    FitSpec spec = Spec("deepspeed-mii", "a100-40gb", "e2e",
                        "ANL static batches, every row (anl_static_batch_all.csv)");
    ASSIGN_OR_RETURN(
        spec.rows,
        AnlRows(presets, Path(dir, "anl_static_batch_all.csv"), "deepspeed-mii", "a100-40gb",
                {"llama-2-7b", "llama-3-8b", "mistral-7b"}, {"llama-2-70b"}));
    spec.free = {{"per_step_overhead_s", 0, 20e-3}, {"per_sequence_overhead_s", 0, 1e-3}};
    specs.push_back(std::move(spec));
  }
  // llama.cpp: single streams of Llama-3-8B; per-kernel and per-step host cost (bandwidth is
  // not separable from them with one stream per device: docs/calibration.md).
  for (const char* hardware : {"h100-sxm", "a100-40gb"}) {
    FitSpec spec = Spec("llamacpp", hardware, "e2e",
                        "ANL llama.cpp single streams (anl_llamacpp_single_stream.csv)");
    ASSIGN_OR_RETURN(spec.rows, AnlRows(presets, Path(dir, "anl_llamacpp_single_stream.csv"),
                                        "llamacpp", hardware, {"llama-3-8b"}, {}));
    spec.free = {{"kernel_overhead_s", 0, 50e-6}, {"per_step_overhead_s", 0, 5e-3}};
    specs.push_back(std::move(spec));
  }
  // SGLang on H100: host terms from aiconfigurator's TPOT at 512 output tokens (the rows with
  // shorter outputs carry prefill interference and are reported, not fitted).
  {
    FitSpec spec = Spec("sglang", "h100-sxm", "tpot",
                        "aiconfigurator SGLang TPOT (aic_serving_sglang_h100.csv)");
    ASSIGN_OR_RETURN(spec.rows, AicRows(
                                    presets, Path(dir, "aic_serving_sglang_h100.csv"), "sglang",
                                    "h100-sxm", [](const AicRow&) { return true; },
                                    [](const AicRow& row) { return row.osl == 512; }));
    spec.free = {{"per_step_overhead_s", 0, 5e-3}, {"per_sequence_overhead_s", 0, 200e-6}};
    specs.push_back(std::move(spec));
  }
  // vLLM on B200 (async scheduling): the share of the per-step host cost it hides (engine-wide:
  // the H100 rows of newer vLLMs are held out), from the low-concurrency TPOT rows.
  {
    FitSpec spec =
        Spec("vllm", "b200", "tpot",
             "aiconfigurator vLLM TPOT, concurrency <= 8 (aic_serving_low_concurrency.csv)");
    ASSIGN_OR_RETURN(spec.rows,
                     AicRows(presets, Path(dir, "aic_serving_low_concurrency.csv"), "vllm", "b200",
                             AicLowConcurrencyRow, [](const AicRow&) { return true; }));
    spec.free = {{"host_overlap", 0, 1}};
    specs.push_back(std::move(spec));
  }
  // TensorRT-LLM >= 1.0: the HBM bandwidth its kernels reach and the share of the host's work
  // per step it hides (its overlap scheduler), engine-wide, from the H100 serving TPOT at every
  // concurrency on one node (at concurrency <= 8 the weights' stream weighs, above it the
  // per-sequence host work). Those rows are TensorRT-LLM 1.0's (validation::AicEnginePreset), so
  // the fit is trtllm-1.0's; trtllm.toml carries its values, which trtllm-1.0 takes from there
  // (`base`): the later releases have no H100 rows of their own. Held out: every B200 row.
  {
    FitSpec spec = Spec("trtllm-1.0", "h100-sxm", "tpot",
                        "aiconfigurator TensorRT-LLM serving TPOT, one node "
                        "(aic_serving_low_concurrency.csv, aic_serving_rest.csv)");
    for (const char* file : {"aic_serving_low_concurrency.csv", "aic_serving_rest.csv"}) {
      ASSIGN_OR_RETURN(std::vector<FitRow> rows,
                       AicRows(
                           presets, Path(dir, file), "trtllm-1.0", "h100-sxm",
                           [](const AicRow& row) {
                             const std::string regime = AicRegime(row);
                             return regime == "c<=8" || regime == "c>8";
                           },
                           [](const AicRow&) { return true; }, "serving"));
      spec.rows.insert(spec.rows.end(), rows.begin(), rows.end());
    }
    spec.free = {{"bandwidth_efficiency", 0.3, 0.92}, {"host_overlap", 0, 1}};
    specs.push_back(std::move(spec));
  }
  // What a served prompt costs, engine-wide: the serving path's time per request
  // (request_overhead_s: HTTP, tokenisation, admission, the first token's way back) and the rate
  // of the prompt's matmuls where the engine's kernels differ from its dense wide ones: narrow
  // matmuls (low_precision_matmul_ratio: fp8 / fp4 weights and activations at the narrow peak)
  // and the routed experts' grouped GEMMs (expert_matmul_ratio). From the serving TTFT of every
  // aggregated row at concurrency <= 8 on any device (aiconfigurator's and the frontier models'),
  // where the prompts of desynchronised clients rarely wait for each other: a request's serving
  // path plus its prefill step, whose short and long prompts (1,024 to 8,192 tokens), dense and
  // mixture-of-experts models, wide and narrow weights tell the three apart. The bounds are
  // physical: narrow math no slower than the wide math it replaces (the narrow peak is at least
  // twice the wide one), grouped GEMMs no faster than dense ones. Held out: every other
  // aggregated row of the three files, most of them above 8 clients, where the benchmark's
  // start-up burst weighs in (validation::MeasuredTtftOf): they check the served prompt and the
  // burst's share together. TensorRT-LLM 1.0 (trtllm-1.0) apart: its serving path only, from its
  // own rows, the matmul ratios the later releases' (its base's).
  // TensorRT-LLM's serving path where the main process post-processes (no post-process workers:
  // trtllm-1.0's runs, the later releases' DeepSeek recipes) is fitted apart from where workers do.
  struct ServedPromptFit {
    const char* engine;
    std::vector<const char*> serving_path;  // the serving-path keys fitted
    bool ratios;  // the narrow and grouped-expert matmul ratios fitted too (not a base's)
  };
  const std::vector<ServedPromptFit> served_prompt_fits = {
      {"vllm", {"request_overhead_s"}, true},
      {"trtllm", {"request_overhead_s", "main_process_request_overhead_s"}, true},
      {"trtllm-1.0", {"main_process_request_overhead_s"}, false},
      {"sglang", {"request_overhead_s"}, true}};
  for (const auto& [engine, serving_path, ratios] : served_prompt_fits) {
    FitSpec spec = Spec(engine, "", "ttft",
                        "aiconfigurator serving TTFT, concurrency <= 8 "
                        "(aic_serving_low_concurrency.csv, aic_serving_frontier.csv; held out: "
                        "every other aggregated row, aic_serving_rest.csv too)");
    for (const auto& [file, fitted] :
         {std::pair{"aic_serving_low_concurrency.csv", true},
          std::pair{"aic_serving_frontier.csv", true}, std::pair{"aic_serving_rest.csv", false}}) {
      const bool fitted_file = fitted;  // (a copy the lambda below can capture)
      ASSIGN_OR_RETURN(
          std::vector<FitRow> rows,
          AicRows(
              presets, Path(dir, file), engine, "", [](const AicRow&) { return true; },
              [&](const AicRow& row) { return fitted_file && AicLowConcurrencyRow(row); },
              "serving", "ttft"));
      spec.rows.insert(spec.rows.end(), rows.begin(), rows.end());
    }
    for (const char* key : serving_path) spec.free.push_back({key, 0, 1});
    if (ratios) {
      spec.free.push_back({"low_precision_matmul_ratio", 0.5, 1});
      spec.free.push_back({"expert_matmul_ratio", 0.1, 1});
    }
    specs.push_back(std::move(spec));
  }
  // vLLM's routed-expert kernels for checkpoints whose experts are fp8 with block scales and int4
  // with group scales (W4A16), engine-wide: their fixed time per layer and the share of the
  // bandwidth their weight stream reaches ([experts.<dtype>]), from the serving TPOT of the
  // mixture-of-experts rows of that precision at every concurrency on one node, where the same
  // model's NVFP4 release on the same GPUs measures 2-4 ms a step faster than the bytes say
  // (MiniMax-M2.5 fp8, Kimi-K2.5 int4: docs/calibration.md). fp8 fitted on B200, its H100 rows
  // held out; int4 has B200 rows only.
  for (const auto& [dtype, held_out_device] :
       {std::pair<std::string, std::string>{"fp8", "h100_sxm"}, {"int4", ""}}) {
    FitSpec spec = Spec("vllm", "", "tpot",
                        fmt::format("aiconfigurator vLLM serving TPOT, {} mixture-of-experts "
                                    "rows, one node (aic_serving_frontier.csv)",
                                    dtype));
    const auto moe_of_dtype = [&](const AicRow& row) {
      const std::string regime = AicRegime(row);
      if ((regime != "c<=8" && regime != "c>8") || row.precision != dtype) return false;
      absl::StatusOr<std::string> model = ModelPresetFor(row.model_path, presets);
      if (!model.ok()) return false;
      const registry::Model* m = presets.models.FindOrNull(*model);
      return m != nullptr && m->moe.has_value();  // as AicResult::moe
    };
    ASSIGN_OR_RETURN(
        spec.rows,
        AicRows(
            presets, Path(dir, "aic_serving_frontier.csv"), "vllm", "", moe_of_dtype,
            [&](const AicRow& row) { return row.system != held_out_device; }, "serving"));
    spec.free = {{"experts." + dtype + ".kernel_overhead_s", 0, 200e-6},
                 {"experts." + dtype + ".bandwidth_ratio", 0.2, 1}};
    specs.push_back(std::move(spec));
  }
  // PyTorch eager: the per-layer host cost from the one published point (gpt-fast's eager
  // baseline, pytorch_gpt_fast_baseline.csv): 200 tokens at 25.5 tokens/s after an 8-token prompt.
  {
    FitSpec spec = Spec("pytorch", "a100-80gb", "e2e",
                        "gpt-fast eager baseline (pytorch_gpt_fast_baseline.csv)");
    ASSIGN_OR_RETURN(CsvTable table,
                     ReadCsvTable(Path(dir, "pytorch_gpt_fast_baseline.csv"), /*has_header=*/true));
    ASSIGN_OR_RETURN(int hardware, table.Column("hardware"));
    ASSIGN_OR_RETURN(int model, table.Column("model"));
    ASSIGN_OR_RETURN(int weights, table.Column("weights"));
    ASSIGN_OR_RETURN(int batch, table.Column("batch"));
    ASSIGN_OR_RETURN(int in, table.Column("input_tokens"));
    ASSIGN_OR_RETURN(int out, table.Column("output_tokens"));
    ASSIGN_OR_RETURN(int rate, table.Column("tokens_per_s"));
    for (const CsvRow& row : table.rows) {
      FitRow fit;
      fit.source = row.source;
      fit.request.engine = "pytorch";
      fit.request.hardware = row.fields[hardware];
      fit.request.model = row.fields[model];
      fit.request.weights = fit.request.kv = row.fields[weights];
      fit.request.gpus = 1;
      ASSIGN_OR_RETURN(fit.request.concurrency, CsvInt(row, batch, "batch", 1));
      ASSIGN_OR_RETURN(fit.request.input_tokens, CsvInt(row, in, "input_tokens", 0));
      ASSIGN_OR_RETURN(fit.request.output_tokens, CsvInt(row, out, "output_tokens", 0));
      ASSIGN_OR_RETURN(double tokens_per_s, CsvNumber(row, rate, "tokens_per_s"));
      fit.measured_s = static_cast<double>(fit.request.output_tokens) / tokens_per_s;
      spec.rows.push_back(std::move(fit));
    }
    spec.free = {{"per_layer_overhead_s", 0, 2e-3}};
    specs.push_back(std::move(spec));
  }
  return specs;
}

absl::StatusOr<FitResult> FitEngine(const FitSpec& spec, const registry::Presets& presets,
                                    const framework::PluginSet& plugins, int64_t max_evaluations) {
  FitResult result;
  result.engine = spec.engine;
  result.hardware = spec.hardware;
  ASSIGN_OR_RETURN(const registry::Engine* preset, presets.engines.Find(spec.engine));
  const registry::Engine committed = preset->ForHardware(spec.hardware);
  for (const FreeKey& k : spec.free) {
    ASSIGN_OR_RETURN(double value, committed.CalibrationValue(k.key));
    result.committed.emplace_back(k.key, value);
  }
  result.committed_matmul_efficiency = committed.matmul_efficiency;

  // The rows the committed presets say fit in memory at once (a batch run in waves is another
  // regime: docs/calibration.md).
  std::vector<const FitRow*> rows;
  for (const FitRow& row : spec.rows) {
    ASSIGN_OR_RETURN(framework::Estimate e, EstimateRow(row.source, row.request, presets, plugins));
    if (e.summary.memory.fits) rows.push_back(&row);
  }
  for (const FitRow* row : rows) ++(row->held_out ? result.held_out_rows : result.fitted_rows);
  if (result.fitted_rows == 0) {
    return absl::NotFoundError(
        fmt::format("{} on {}: no measured row to fit", spec.engine, spec.hardware));
  }
  ASSIGN_OR_RETURN(Errors before, Evaluate(spec, rows, presets, plugins));
  result.committed_fitted_median = MedianAbsolute(before.fitted);
  result.committed_held_out_median = MedianAbsolute(before.held_out);

  // 1. The prefill anchor: the matmul efficiency whose predicted TTFT is the measured one (TTFT
  //    falls as the efficiency rises: bisection in log space).
  std::vector<std::pair<std::string, double>> fixed;
  if (!spec.anchor.empty()) {
    const TtftAnchor& anchor = spec.anchor.front();
    double low = 0.05, high = 1.0;
    for (int i = 0; i < 40; ++i) {
      const double mid = std::sqrt(low * high);
      ASSIGN_OR_RETURN(registry::Presets trial,
                       With(presets, spec.engine, spec.hardware, {{"matmul_efficiency", mid}}));
      ASSIGN_OR_RETURN(framework::Estimate e,
                       EstimateRow(anchor.source, anchor.request, trial, plugins));
      ++result.evaluations;
      (e.summary.ttft_s > anchor.measured_s ? low : high) = mid;
    }
    result.matmul_efficiency = std::sqrt(low * high);
    fixed.emplace_back("matmul_efficiency", result.matmul_efficiency);
  }

  // 2. Nelder-Mead over the free keys, each scaled to [0, 1] of its range and clamped there.
  const size_t n = spec.free.size();
  auto values_of = [&](const std::vector<double>& u) {
    std::vector<std::pair<std::string, double>> values = fixed;
    for (size_t i = 0; i < n; ++i) {
      const FreeKey& k = spec.free[i];
      values.emplace_back(k.key, k.low + std::clamp(u[i], 0.0, 1.0) * (k.high - k.low));
    }
    return values;
  };
  // (The objective needs the fitted rows only; the held-out ones are evaluated before and after.)
  std::vector<const FitRow*> fitted_only;
  for (const FitRow* row : rows) {
    if (!row->held_out) fitted_only.push_back(row);
  }
  auto objective = [&](const std::vector<double>& u) -> absl::StatusOr<double> {
    ASSIGN_OR_RETURN(registry::Presets trial,
                     With(presets, spec.engine, spec.hardware, values_of(u)));
    ASSIGN_OR_RETURN(Errors errors, Evaluate(spec, fitted_only, trial, plugins));
    ++result.evaluations;
    return errors.objective;
  };
  std::vector<std::vector<double>> simplex(n + 1, std::vector<double>(n));
  for (size_t i = 0; i < n; ++i) {
    const FreeKey& k = spec.free[i];
    simplex[0][i] = std::clamp((result.committed[i].second - k.low) / (k.high - k.low), 0.0, 1.0);
  }
  for (size_t j = 1; j <= n; ++j) {
    simplex[j] = simplex[0];
    simplex[j][j - 1] += simplex[0][j - 1] > 0.5 ? -0.2 : 0.2;
  }
  std::vector<double> f(n + 1);
  for (size_t j = 0; j <= n; ++j) {
    ASSIGN_OR_RETURN(f[j], objective(simplex[j]));
  }
  while (result.evaluations < max_evaluations) {
    std::vector<size_t> order(n + 1);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return f[a] < f[b]; });
    const size_t best = order.front(), worst = order.back(), second = order[n - 1];
    if (f[worst] - f[best] < 1e-6) break;
    std::vector<double> centroid(n, 0.0);
    for (size_t j : order) {
      if (j == worst) continue;
      for (size_t i = 0; i < n; ++i) centroid[i] += simplex[j][i] / static_cast<double>(n);
    }
    auto along = [&](double t) {
      std::vector<double> p(n);
      for (size_t i = 0; i < n; ++i) {
        p[i] = std::clamp(centroid[i] + t * (simplex[worst][i] - centroid[i]), 0.0, 1.0);
      }
      return p;
    };
    const std::vector<double> reflected = along(-1);
    ASSIGN_OR_RETURN(double fr, objective(reflected));
    if (fr < f[best]) {
      const std::vector<double> expanded = along(-2);
      ASSIGN_OR_RETURN(double fe, objective(expanded));
      if (fe < fr) {
        simplex[worst] = expanded, f[worst] = fe;
      } else {
        simplex[worst] = reflected, f[worst] = fr;
      }
      continue;
    }
    if (fr < f[second]) {
      simplex[worst] = reflected, f[worst] = fr;
      continue;
    }
    const std::vector<double> contracted = along(0.5);
    ASSIGN_OR_RETURN(double fc, objective(contracted));
    if (fc < f[worst]) {
      simplex[worst] = contracted, f[worst] = fc;
      continue;
    }
    for (size_t j = 0; j <= n; ++j) {  // shrink towards the best
      if (j == best) continue;
      for (size_t i = 0; i < n; ++i) {
        simplex[j][i] = simplex[best][i] + 0.5 * (simplex[j][i] - simplex[best][i]);
      }
      ASSIGN_OR_RETURN(f[j], objective(simplex[j]));
    }
  }
  const size_t best = static_cast<size_t>(std::min_element(f.begin(), f.end()) - f.begin());
  const std::vector<std::pair<std::string, double>> values = values_of(simplex[best]);
  result.values.assign(values.begin() + static_cast<std::ptrdiff_t>(fixed.size()), values.end());
  ASSIGN_OR_RETURN(registry::Presets fitted, With(presets, spec.engine, spec.hardware, values));
  ASSIGN_OR_RETURN(Errors after, Evaluate(spec, rows, fitted, plugins));
  result.objective = after.objective;
  result.fitted_median = MedianAbsolute(after.fitted);
  result.held_out_median = MedianAbsolute(after.held_out);
  return result;
}

}  // namespace infercost::validation
