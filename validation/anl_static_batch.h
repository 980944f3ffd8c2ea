// Checks the cost model against measured static-batch latencies: the rows of Argonne's
// LLM-Inference-Bench (`Plots/All_results.csv`, copied into tests/data/validation/). Each row is
// one batch of `batch` sequences of `length` input and `length` output tokens on `gpus` GPUs
// forming one tensor-parallel group, fp16 weights; its latency covers the prefill of the whole
// batch and every decode step, which is what framework::EstimateScenario's e2e_s predicts.
//
//   ASSIGN_OR_RETURN(std::vector<AnlRow> rows, ReadAnlStaticBatchCsv(path));
//   ASSIGN_OR_RETURN(AnlValidation v, ValidateAnlStaticBatch(rows, presets, plugins, {}));
//   v.median_abs_error;   // over every compared row
//   v.groups[0].median_abs_error;   // one engine x device x model
#ifndef INFERCOST_VALIDATION_ANL_STATIC_BATCH_H_
#define INFERCOST_VALIDATION_ANL_STATIC_BATCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"
#include "registry/presets.h"
#include "validation/overlapped_passes.h"
#include "validation/row_estimate.h"

namespace infercost::validation {

// One measured row, as written in the file.
struct AnlRow {
  std::string source;        // "file:line", for messages
  std::string hardware;      // "Nvidia A100 GPU"
  int64_t num_hardware = 0;  // GPUs = tensor-parallel degree
  std::string framework;     // "vLLM", "TensorRT-LLM", ...
  std::string model;         // Hugging Face id, "meta-llama/Meta-Llama-3-8B"
  int64_t length = 0;        // input tokens = output tokens per sequence
  int64_t batch = 0;         // sequences in the static batch
  double latency_s = 0;      // measured: prefill of the batch + all decode steps
  double throughput = 0;     // tokens/s = 2 x length x batch / latency (not compared)
};

// Parses a CSV with the header columns Hardware, Num of Hardware, Framework, Model,
// Input Output Length, Batch Size, Latency, Throughput (in any order; other columns are
// ignored). Blank lines are skipped; a malformed row is an error naming file:line.
absl::StatusOr<std::vector<AnlRow>> ReadAnlStaticBatchCsv(const std::string& path);
// The same from text; `name` stands for the file in messages.
absl::StatusOr<std::vector<AnlRow>> ParseAnlStaticBatchCsv(const std::string& text,
                                                           const std::string& name);

// The engine preset of a row's Framework: vLLM -> vllm-0.5, TensorRT-LLM -> trtllm-0.11 (the
// versions ANL ran), llama.cpp -> llamacpp, Deepspeed-MII -> deepspeed-mii; any other name as
// written, lowercased. The model and device come from their presets' names and aliases
// (validation/measured_names.h): meta-llama/Meta-Llama-3-8B -> llama-3-8b, Qwen/Qwen2-7B ->
// qwen2.5-7b (an alias: the same architecture); "Nvidia A100 GPU" -> a100-40gb (an alias: ALCF
// Polaris, 4x A100 SXM4 40 GB per node; see tests/data/validation/README.md), "Nvidia H100 GPU"
// -> h100-sxm, "AMD MI300X GPU" -> mi300x, "AMD MI250 GPU" -> mi250 (one GCD).
std::string AnlEnginePreset(const std::string& framework);

// The scenario a row describes: its presets, gpus = Num of Hardware (MI250 and MI250X: twice,
// the presets being one GCD of a card), fp16 weights, activations and KV cache, input = output =
// length, concurrency = batch. NotFound, naming the row, for a name no preset describes.
absl::StatusOr<framework::ScenarioRequest> AnlScenarioRequest(const AnlRow& row,
                                                              const registry::Presets& presets);

// The passes of a row that no host synchronisation separates (validation/overlapped_passes.h):
// for llama.cpp with a prompt batch of 1 the first length - 1 prompt tokens' passes, overlapped
// min(GPUs of its layer pipeline, 4) at a time; none for every other row.
OverlappedPasses AnlOverlappedPasses(const AnlRow& row, const framework::ScenarioRequest& request);

// The e2e latency the row measures: `estimate`'s, with AnlOverlappedPasses applied.
absl::StatusOr<double> AnlPredictedLatency(const AnlRow& row,
                                           const framework::ScenarioRequest& request,
                                           const framework::Estimate& estimate,
                                           const registry::Presets& presets,
                                           const framework::PluginSet& plugins);

using AnlFilter = ValidationFilter;

struct AnlResult {
  AnlRow row;
  framework::ScenarioRequest request;
  double predicted_s = 0;     // AnlPredictedLatency: EstimateScenario's e2e_s, passes overlapped
  double relative_error = 0;  // predicted / measured - 1
  std::string band_regime;    // framework::RegimeOf(scenario, "e2e")
  // The measured latency lies inside the prediction's measured error band (framework::BandOf of
  // predicted_s, at the scenario's band coverage).
  bool in_band = false;
  bool fits = true;  // the model's memory verdict for the batch
  // Regimes: "batch 1-7" / "batch 8-63" / "batch 64+", "tp N", "dense" / "moe", and
  // "prefill-bound" (the predicted prefill takes at least the decode steps' time) or
  // "decode-bound".
  std::vector<std::string> regimes;
};

// One regime's error over the rows in it.
struct AnlRegime {
  std::string name;
  int64_t rows = 0;
  double median_abs_error = 0;
  double p90_abs_error = 0;
  double mean_error = 0;
  double in_band = 0;  // share of its rows whose measured latency is inside the predicted band
};

// One engine x device x model.
struct AnlGroup {
  std::string engine;
  std::string hardware;
  std::string model;
  std::vector<int64_t> gpus;  // tensor-parallel degrees present, ascending
  int64_t rows = 0;
  double median_abs_error = 0;
  double p90_abs_error = 0;  // 90th percentile of |error|
  double mean_error = 0;     // signed: > 0 predicts too slow
  double in_band = 0;        // share of its rows whose measured latency is inside the band
};

struct AnlValidation {
  std::vector<AnlResult> results;  // file order
  std::vector<AnlGroup> groups;    // sorted by engine, hardware, model
  std::vector<AnlRegime> regimes;  // batch, tp, dense/moe, prefill-/decode-bound; by name
  int64_t skipped = 0;             // rows with a framework, model or device without a preset
  std::string first_skipped;       // the first one's file:line and name without a preset
  double median_abs_error = 0;     // over every result
  double p90_abs_error = 0;
  double in_band = 0;        // share of every result inside its band
  double band_coverage = 0;  // the share each band is meant to hold
};

// Predicts every mapped row that passes `filter`. A row whose scenario cannot be built or
// estimated is an error naming the row's file:line.
absl::StatusOr<AnlValidation> ValidateAnlStaticBatch(const std::vector<AnlRow>& rows,
                                                     const registry::Presets& presets,
                                                     const framework::PluginSet& plugins,
                                                     const AnlFilter& filter);

}  // namespace infercost::validation

#endif  // INFERCOST_VALIDATION_ANL_STATIC_BATCH_H_
