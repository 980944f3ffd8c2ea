// Checks the cost model's decode step against measured serving runs: aiconfigurator's silicon
// samples (ai-dynamo/aiconfigurator `silicon_sample.csv`, copied into tests/data/validation/:
// aic_serving_low_concurrency.csv, the rows the engines were fitted on, and
// aic_serving_frontier.csv, every row of Qwen3.5-397B, GLM-5, MiniMax-M2.5 and Kimi-K2.5). Each
// row is one closed-loop serving run at a fixed client concurrency (`batch_size`); at
// batch_size <= 8 its measured TPOT is close to one steady decode step, which
// framework::EstimateScenario's tpot_s predicts (one decode step at the mean context,
// input + output / 2). Every agg row is predicted and tagged with its regime; beyond "c<=8" a
// continuously batched step also carries prefill chunks, which the static step leaves out.
//
//   ASSIGN_OR_RETURN(std::vector<AicRow> rows, ReadAicServingCsv(path));
//   ASSIGN_OR_RETURN(AicValidation v, ValidateAicServing(rows, presets, plugins, {}));
//   v.classes;   // median |error| per device x dense/MoE (issue 5, point 7: <= 25%)
#ifndef INFERCOST_VALIDATION_AIC_SERVING_H_
#define INFERCOST_VALIDATION_AIC_SERVING_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"
#include "registry/presets.h"
#include "validation/row_estimate.h"

namespace infercost::validation {

// One measured row, as written in the file (the columns the comparison uses).
struct AicRow {
  std::string source;   // "file:line"
  std::string backend;  // trtllm, vllm, sglang
  std::string backend_version;
  std::string model_path;  // Hugging Face id
  std::string system;      // h100_sxm, b200_sxm
  std::string precision;   // fp8, fp4, bf16; empty = bf16
  std::string mode;        // agg, disagg
  int64_t isl = 0;
  int64_t osl = 0;
  int64_t batch_size = 0;  // batch_size as written: one attention-DP rank's batch
  // Client concurrency of the run: batch_size, or the stated silicon_concurrency on
  // attention-DP agg rows (batch_size x attention_dp_size there); disagg rows: batch_size.
  int64_t concurrency = 0;
  int64_t tp = 1;
  int64_t pp = 1;
  int64_t attention_dp = 1;
  int64_t moe_ep = 1;
  double tpot_ms = 0;  // silicon_tpot_ms
  double ttft_ms = 0;  // silicon_ttft_ms (queueing included); 0 when the file has none
  // A run of InferenceX's (AicInferenceXRun of its silicon_data_source): its benchmark's request
  // lengths (AicLengthRangeRatio), recipes (AicRecipeSettings) and disaggregated layouts
  // (validation/aic_disagg_layouts.h) are known.
  bool inferencex = false;
  // Tokens a decode step drafted per sequence in the recipe that ran the row, where its source
  // says (a disaggregated run's layout: ApplyDisaggLayouts); 0 plain or not said.
  int64_t recipe_drafts = 0;
  // Disaggregated rows: each pool (prefill_* / decode_* columns); workers and batch 0 where the
  // file leaves them empty. batch_size is then the run's client concurrency
  // (silicon_concurrency in silicon_data_source, else decode batch x workers x attention DP).
  struct Pool {
    int64_t workers = 0;
    int64_t batch = 0;  // per attention-DP rank
    int64_t tp = 1, pp = 1, attention_dp = 1, moe_ep = 1;
    bool operator==(const Pool&) const = default;
  };
  Pool prefill, decode;
  // A disaggregated InferenceX run without its worker counts whose configuration lists more than
  // one layout at its key (ApplyDisaggLayouts): their runs are written alike, so which one this
  // row measured is not known. Each distinct layout, as its pools and drafts would fill the row;
  // empty otherwise. AicLayoutVariants gives the row as each.
  struct Layout {
    Pool prefill, decode;
    int64_t drafts = 0;
    bool operator==(const Layout&) const = default;
  };
  std::vector<Layout> possible_layouts;
  // Where else the file holds this same run: the sources of later rows equal to this one in
  // every column but the four that say where a row came from (id, silicon_data_source apart from
  // its silicon_concurrency, model_path, backend_version), measured TTFT and TPOT to the last
  // digit included: the source's dumps overlap, and one run is counted once (kept here, the
  // copies dropped). Also the rows that measure this run's TTFT and TPOT under another
  // description (its layout squared, its disaggregated pools without their worker counts: the
  // description with them is the one kept) or to fewer digits (a dump's rounding, or one double
  // written twice its last digit apart: the one with every digit kept), the times equal within
  // half the last digit the less precise writes.
  std::vector<std::string> copies;
};

// Parses aiconfigurator's silicon_sample.csv columns (by header name; others ignored), one row
// per run (AicRow::copies). ReadAicServingCsv also gives the disaggregated InferenceX rows that
// lack their pools' worker counts the layouts their runs had, from the file
// kInferenceXDisaggLayoutsFile beside `path`, or where there is none from the one in
// `layouts_dir` (a file of rows elsewhere: `infercost validate --data`), where there is one
// (validation/aic_disagg_layouts.h).
absl::StatusOr<std::vector<AicRow>> ReadAicServingCsv(const std::string& path,
                                                      const std::string& layouts_dir = "");
absl::StatusOr<std::vector<AicRow>> ParseAicServingCsv(const std::string& text,
                                                       const std::string& name);

// A disaggregated row that states both pools' worker counts (the others are predicted with one
// worker each: regime "disagg-1x1", or at each of their possible layouts: "disagg-any-of").
bool AicPoolsDescribed(const AicRow& row);

// The row as each of its possible layouts (AicRow::possible_layouts: its pools described and its
// recipe's drafts, possible_layouts empty), or the row itself where it has none.
std::vector<AicRow> AicLayoutVariants(const AicRow& row);

// Whether a row's silicon_data_source is one of InferenceX's: its database dump
// ("db-dump/<date>; ...") or its dated result files ("source_file=YYYY-MM-DD.csv; ...").
bool AicInferenceXRun(const std::string& data_source);

// The benchmark's request lengths: the --random-range-ratio of InferenceX's runs (0.8: each
// request's prompt and answer drawn from [0.8 x isl, isl] and [0.8 x osl, osl]), 1 (every request
// isl and osl) for the others.
double AicLengthRangeRatio(const AicRow& row);

// The weights' dtype of a row's `precision`: an infercost dtype name, or one of aiconfigurator's
// quantisation labels (empty: bf16; fp8_block: fp8; w4afp8, w4a16, int4_wo: int4; int8_wo, w8a8:
// int8; w4a16_mxfp4: mxfp4); NotFound for any other, naming the row and the dtypes allowed.
absl::StatusOr<std::string> AicWeights(const AicRow& row);

// The scenario a row describes: model and hardware = the presets its model_path and system
// name (validation/measured_names.h: e.g. meta-llama/Llama-3.1-70B-Instruct -> llama-3.1-70b,
// b200_sxm -> b200); engine = backend; weights = AicWeights; activations bf16; KV cache fp8 for
// fp8/fp4 rows (the engines' FP8 KV cache in these deployments), else bf16; tp / dp (attention
// data parallel) / ep from the row, gpus = tp x dp; input/output tokens = isl/osl; concurrency =
// the row's `concurrency`. NotFound, naming the row, for a model or system no preset describes
// or a precision infercost does not know. `mode`: "static" (one decode step at the mean context,
// what the engines were fitted with) or "serving" (framework/serving/: the continuously batched
// steady state at the row's concurrency); disaggregated rows are always "disagg" (their pools
// from the row; a worker count the file leaves empty is 1, a batch the engine default).
absl::StatusOr<framework::ScenarioRequest> AicScenarioRequest(const AicRow& row,
                                                              const registry::Presets& presets,
                                                              const std::string& mode = "static");

// The engine preset of a row's backend and version: TensorRT-LLM 1.0 (backend_version 1.0 or
// 1.0.*) -> trtllm-1.0, whose API server streamed a chat completion's tokens from its main process
// (presets/engines/trtllm-1.0.toml); any other row its backend as written (trtllm, vllm, sglang).
std::string AicEnginePreset(const AicRow& row);

// The engine settings (ScenarioRequest::engine_settings) of the public recipe that ran an
// InferenceX aggregated row, where the recipe changes when a prompt is scheduled
// (SemiAnalysisAI/InferenceX benchmarks/): SGLang's --scheduler-recv-interval in its DeepSeek and
// Qwen3.5 B200 recipes (scheduler_recv_interval: 10 below 16 clients, 30 from 16; 10 at any
// concurrency in the DeepSeek fp8 TP 4 branch, 30 in the Qwen3.5 fp4 recipe; none in GLM-5's);
// for TensorRT-LLM (*_trt*.sh) attention-DP balancing with timeout_iters 60
// in every DeepSeek-R1 recipe with attention DP (attention_dp_balance_steps); batch waiting
// (batch_wait_timeout_steps, batch_wait_max_tokens_ratio) in the DeepSeek-R1 fp8 recipe of
// TensorRT-LLM 1.2.0rc6.post2 at 1,024 / 1,024 tokens and 64 clients or more (40 steps, 0.8) and
// in the Llama-3.1-70B recipes at 1,024 / 1,024 tokens below TP 8 (20 steps, 0.9); the API
// server's post-process workers (postprocess_workers) of every Llama-3.1-70B recipe (2) and
// gpt-oss-120b recipe (4), the DeepSeek-R1 recipes none (the engine's default). None for any
// other row.
std::vector<std::pair<std::string, double>> AicRecipeSettings(const AicRow& row);

// Speculative decoding as the public recipe that ran a row drafted (ScenarioRequest::
// speculative_tokens and acceptance): InferenceX's TensorRT-LLM DeepSeek-R1 aggregated runs on
// B200 with the 1.2.0rc6.post3 image are its MTP recipes' (perf-changelog.yaml: PR #642 moved
// dsr1-fp4-b200-trt-mtp to that image, PR #632 dsr1-fp8-b200-trt-mtp to the latest 1.2 release;
// the plain recipes stayed on 1.2.0rc6.post2, PRs #594 and #620), whose scripts
// (benchmarks/dsr1_fp{4,8}_b200_trt_mtp.sh) draft `num_nextn_predict_layers` 3 tokens a step, 1
// with attention DP; a disaggregated run drafts its layout's recipe_drafts. Each drafted position
// accepted at aiconfigurator's default rates for MTP (AicMtpAcceptance). None for any other row
// (its image or layout does not say whether, or how deep, it drafted).
struct AicSpeculation {
  int64_t tokens = 0;              // drafted per decode step and sequence
  std::vector<double> acceptance;  // one rate per drafted position
  bool operator==(const AicSpeculation&) const = default;
};
AicSpeculation AicRecipeSpeculation(const AicRow& row);

// aiconfigurator's default acceptance rates for `drafts` MTP tokens (its
// DEFAULT_NEXTN_ACCEPT_RATES, 0.85, 0.3, 0, 0, 0: the first `drafts` of them, 0 past the fifth).
std::vector<double> AicMtpAcceptance(int64_t drafts);

// The token budget per step (ScenarioRequest::max_batched_tokens) of the deployment that measured
// `row`, as aiconfigurator's generator sets it for vLLM and TensorRT-LLM (one prompt and 1,500
// tokens, plus in aggregated serving its max batch size: 512, or twice the row's batch from 512
// on); 0 (the engine preset's) for SGLang.
int64_t AicTokenBudget(const AicRow& row);

// Rows the engines were fitted on (issue 5, point 7): mode agg, batch_size <= 8, pp 1, at most 8
// GPUs (one node), TP 1-8.
bool AicLowConcurrencyRow(const AicRow& row);

// The regime of a row: "c<=8" (AicLowConcurrencyRow), "multi-node" (more GPUs than one 8-GPU
// node, or pp > 1), else "c>8"; disaggregated rows "disagg", or where the file does not say how
// many workers each pool had "disagg-any-of" (the run's configuration lists several layouts:
// predicted at each, AicLayoutVariants) or "disagg-1x1" (none: predicted with one each).
std::string AicRegime(const AicRow& row);

using AicFilter = ValidationFilter;

// The TTFT a closed-loop benchmark measures from a serving-mode summary: the mean over its
// requests, the burst's among them (summary.serving->burst_ttft_s), `requests_per_client` of them
// per client (kMeasuredRequestsPerClient, row_estimate.h).
// Disaggregated and open-loop runs, and static mode, report their own TTFT.
double MeasuredTtftOf(const framework::Summary& summary,
                      double requests_per_client = kMeasuredRequestsPerClient);

// A row with possible layouts (AicRow::possible_layouts) is predicted at each: its request is the
// first's, its times the geometric mean of theirs (each layout equally likely to be the one run),
// its TPOT band the span of theirs.
struct AicResult {
  AicRow row;
  framework::ScenarioRequest request;
  bool moe = false;
  std::string regime;                   // AicRegime
  double predicted_ms = 0;              // framework::EstimateScenario's tpot_s
  double relative_error = 0;            // predicted / measured - 1
  double predicted_ttft_ms = 0;         // MeasuredTtftOf: the burst's share and the steady TTFT
  double predicted_steady_ttft_ms = 0;  // its ttft_s (serving modes: the steady state alone)
  double predicted_burst_ttft_ms = 0;   // serving mode: every client's first request at once
  double ttft_relative_error = 0;       // predicted / measured - 1 (0 when nothing was measured)
  // The measured TPOT lies inside the prediction's measured error band (summary.tpot_band, at
  // summary.band_coverage).
  bool tpot_in_band = false;
  std::string tpot_regime, ttft_regime;  // framework::RegimeOf
};

struct AicGroup {
  std::string engine;  // empty in class summaries
  std::string hardware;
  std::string model;      // preset; "dense" / "moe" in class summaries
  std::string precision;  // weights dtype; empty in class summaries
  std::string regime;     // AicRegime; empty in the per-regime summaries' totals
  std::vector<int64_t> tp;
  int64_t rows = 0;
  double median_abs_error = 0;
  double p90_abs_error = 0;  // 90th percentile of |error|
  double mean_error = 0;
  double in_band = 0;  // share of the rows whose measured TPOT is inside the predicted band
  // Served TTFTs (rows with a measured TTFT, in serving mode or disaggregated): how many, and
  // their error's median and 90th percentile of |error| (0 where none).
  int64_t ttft_rows = 0;
  double ttft_median_abs_error = 0;
  double ttft_p90_abs_error = 0;
};

// Rows whose labels describe one configuration (the same scenario request, so one prediction)
// but whose measured TPOTs are at least kRepeatedSpread apart (largest over smallest): the file
// does not say what differed between the runs (e.g. one with speculative decoding and one
// without), and no single prediction can be near all of them.
inline constexpr double kRepeatedSpread = 1.25;
struct RepeatedConfiguration {
  std::vector<size_t> results;  // indices into AicValidation::results, file order
  double spread = 1;            // largest measured TPOT over the smallest
};

struct AicValidation {
  std::vector<AicResult> results;  // file order
  std::vector<AicGroup> groups;    // engine x device x model x precision x regime
  std::vector<AicGroup> classes;   // device x dense/MoE x regime
  // One per regime label (RegimeLabels: clients "batch ...", "tp N", dense / moe, prefill- or
  // decode-bound), its name in `regime`; by name.
  std::vector<AicGroup> facets;
  std::vector<AicGroup> regimes;  // one per regime
  int64_t skipped = 0;      // rows whose model, system or precision no preset or dtype describes
  int64_t disagg_rows = 0;  // of the results: disaggregated rows (always --mode disagg)
  int64_t copies = 0;       // rows of the file dropped as copies of a result's run
  std::vector<std::string> skip_reasons;  // why, each once
  double median_abs_error = 0;            // over every predicted row
  double p90_abs_error = 0;
  double in_band = 0;                // share of every predicted row's measured TPOT inside its band
  double band_coverage = 0;          // the share each band is meant to hold (summary.band_coverage)
  std::string mode;                  // static | serving
  double ttft_median_abs_error = 0;  // serving mode: TTFT over the rows with a measurement
  double ttft_p90_abs_error = 0;
  // Configurations measured more than once, kRepeatedSpread or more apart (see above), and the
  // TPOT error over every other row.
  std::vector<RepeatedConfiguration> repeated;
  int64_t repeated_rows = 0;
  double others_median_abs_error = 0;
  double others_p90_abs_error = 0;
};

// The configurations among `results` measured kRepeatedSpread or more apart (equal requests).
std::vector<RepeatedConfiguration> FindRepeatedConfigurations(
    const std::vector<AicResult>& results);

absl::StatusOr<AicValidation> ValidateAicServing(const std::vector<AicRow>& rows,
                                                 const registry::Presets& presets,
                                                 const framework::PluginSet& plugins,
                                                 const AicFilter& filter,
                                                 const std::string& mode = "static",
                                                 const RowAssumption& assume = {});

}  // namespace infercost::validation

#endif  // INFERCOST_VALIDATION_AIC_SERVING_H_
