// Issue 12, point 6: the engine presets' fitted numbers are re-derived by a command in the repo
// (`infercost calibrate --engines`, validation/engine_fit.h), and the rows held out of each fit
// are asserted here, not only printed. Expected values: the measured rows and anchors
// (tests/data/validation/) and the error bounds docs/calibration.md states.
#include "validation/engine_fit.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"
#include "validation/aic_serving.h"
#include "validation/row_estimate.h"

namespace infercost::validation {
namespace {

using testing::InTreePlugins;
using testing::RepoPresets;

const std::vector<FitSpec>& Specs() {
  static const std::vector<FitSpec>* specs = [] {
    absl::StatusOr<std::vector<FitSpec>> s =
        EngineFitSpecs(std::string(INFERCOST_TEST_DATA_DIR) + "/validation", RepoPresets());
    EXPECT_TRUE(s.ok()) << s.status();
    return new std::vector<FitSpec>(s.ok() ? *s : std::vector<FitSpec>{});
  }();
  return *specs;
}

const FitSpec* Find(const std::string& engine, const std::string& hardware) {
  for (const FitSpec& spec : Specs()) {
    if (spec.engine == engine && spec.hardware == hardware) return &spec;
  }
  ADD_FAILURE() << "no fit of " << engine << " on " << hardware;
  return nullptr;
}

TEST(EngineFit, EveryFittedEngineAndDeviceHasItsRows) {
  // vllm-0.5 (ANL's vLLM) and trtllm-0.11 on two devices, deepspeed-mii, llamacpp on two
  // devices, sglang, vllm on b200, vllm-0.5 and llamacpp on mi300x and mi250, pytorch (one
  // published point), trtllm-1.0 (aiconfigurator's H100 rows, whose values trtllm carries), and
  // what a served prompt costs on vllm, trtllm and sglang (the serving path's time and the narrow
  // and grouped-expert matmul ratios, every device) and on trtllm-1.0 (its serving path), and
  // vLLM's routed-expert kernels for fp8 and int4 experts (every device).
  EXPECT_EQ(Specs().size(), 21u);
  for (const FitSpec& spec : Specs()) {
    int64_t fitted = 0;
    for (const FitRow& row : spec.rows) fitted += row.held_out ? 0 : 1;
    EXPECT_GT(fitted, 0) << spec.engine << " on " << spec.hardware;
  }
  // The anchors: ANL's TTFT of Llama-3-8B, 16 x 1024 tokens (anl_ttft_anchors.csv).
  ASSERT_NE(Find("vllm-0.5", "a100-40gb"), nullptr);
  ASSERT_EQ(Find("vllm-0.5", "a100-40gb")->anchor.size(), 1u);
  EXPECT_EQ(Find("vllm-0.5", "a100-40gb")->anchor[0].measured_s, 1.042);
  EXPECT_EQ(Find("trtllm-0.11", "h100-sxm")->anchor[0].measured_s, 0.405);
}

// The rows held out of each ANL fit (another model than the fitted ones), predicted with the
// committed presets: docs/calibration.md states 5.3% / 6.8% (vLLM, Llama-2-7B on H100 / A100),
// 14.1% (DeepSpeed-MII, Llama-2-70B), 14.0% / 3.7% (llama.cpp on MI300X / MI250, Llama-2-7B,
// one sequence per row, prompt passes overlapped on the layer pipeline:
// validation/overlapped_passes.h; 14.7% / 3.7% before) and 10.7% / 7.0% (vLLM on MI300X / MI250,
// Llama-2-7B, with vLLM's paged-attention kernel switch and the devices' KV sharing:
// framework/timing/decode_attention.h; 29.1% / 7.4% without; MI300X 8.6% before its re-fit with
// the matmul efficiency free below 0.1, which took Llama-3-70B from 16.4% to 3.9%), and 12.2%
// / 8.0% over every held-out row here (TensorRT-LLM, Llama-2-7B on H100 / A100, with ANL's
// TensorRT-LLM 0.11 single-block decode attention; 12.9% / 10.0% before it; `calibrate` states 9.8%
// / 7.9% over the rows that fit in memory); bounds with a margin.
TEST(EngineFit, HeldOutRowsStayWithinTheirStatedError) {
  struct Case {
    const char* engine;
    const char* hardware;
    double bound;
  };
  for (const Case& c :
       {Case{"vllm-0.5", "h100-sxm", 0.10}, Case{"vllm-0.5", "a100-40gb", 0.10},
        Case{"trtllm-0.11", "h100-sxm", 0.13}, Case{"trtllm-0.11", "a100-40gb", 0.10},
        Case{"deepspeed-mii", "a100-40gb", 0.20}, Case{"llamacpp", "mi300x", 0.20},
        Case{"llamacpp", "mi250", 0.10}, Case{"vllm-0.5", "mi300x", 0.12},
        Case{"vllm-0.5", "mi250", 0.10}}) {
    const FitSpec* spec = Find(c.engine, c.hardware);
    ASSERT_NE(spec, nullptr);
    std::vector<double> errors;
    for (const FitRow& row : spec->rows) {
      if (!row.held_out) continue;
      absl::StatusOr<framework::Estimate> e =
          EstimateRow(row.source, row.request, RepoPresets(), InTreePlugins());
      ASSERT_TRUE(e.ok()) << e.status();
      absl::StatusOr<double> e2e =
          E2eWithOverlappedPasses(row.source, row.request, row.overlapped, e->summary.e2e_s,
                                  RepoPresets(), InTreePlugins());
      ASSERT_TRUE(e2e.ok()) << e2e.status();
      errors.push_back(*e2e / row.measured_s - 1);
    }
    EXPECT_GE(errors.size(), 20u) << c.engine << " on " << c.hardware;
    EXPECT_LE(MedianAbsolute(errors), c.bound) << c.engine << " on " << c.hardware;
  }
}

// What a served prompt costs, fitted engine-wide on the serving TTFT of every aggregated run at
// concurrency <= 8 (a copy of a run counted once): the serving path's time per request
// (request_overhead_s) and the rates of the engine's narrow matmuls and routed experts' grouped
// GEMMs (low_precision_matmul_ratio, expert_matmul_ratio). docs/calibration.md ("Narrow matmuls
// and grouped experts") states 22.7 % (vLLM, 233 runs), 28.4 % (TensorRT-LLM, 212) and 17.9 %
// (SGLang, 90) median |error| with the committed values; 54.4 % / 74.8 % / 80.1 % without the
// serving path (the requests' TTFT is then their prefill steps alone), and 35.2 % / 29.4 % /
// 22.2 % with both ratios at 1 (narrow matmuls and grouped experts as efficient as the dense
// wide ones); since the checkpoints that quantize only the routed experts keep their other
// weights bf16 ("Checkpoints that quantize only the routed experts"), 24.0 % / 28.1 % / 17.9 %
// committed and 31.1 % / 28.2 % with the ratios at 1 (vLLM, TensorRT-LLM: TensorRT-LLM's rows
// now barely tell its ratios apart, a flat objective); since vLLM's kernels for fp8 and int4
// experts ([experts.*], "vLLM's fp8 and int4 expert kernels") lengthen its MiniMax-M2.5 fp8 and
// Kimi-K2.5 int4 prefill steps, vLLM 22.8 % committed and 29.6 % with the ratios at 1; since
// the benchmark's start-up burst weighs 1 in 10 requests, not 1 in 20 ("The benchmark's
// start-up transient"), 24.5 % / 28.0 % / 17.6 % committed, 45.0 % / 71.3 % / 76.6 % without the
// serving path and 27.4 % / 28.9 % / 22.9 % with the ratios at 1. Bounds with a margin.
//
// The rows it holds out (every other aggregated run, most above 8 clients, where the burst
// weighs in) measure the served prompt and the burst's share together: 20.9 % (vLLM, 448 runs),
// 40.2 % (TensorRT-LLM, 716) and 38.1 % (SGLang, 278) median |error| with the burst 1 in 10;
// 32.4 % / 39.2 % / 44.8 % with it 1 in 20 (aiconfigurator's bench_run.sh of 20 requests per
// client read as if the burst were all its start-up transient). Bounds with a margin, and the
// vLLM and SGLang rows must be closer at 1 in 10 than at 1 in 20 (TensorRT-LLM's are within a
// point either way). Since each request's lengths are drawn as InferenceX's benchmark drew them
// and a run described twice counts once: fitted 22.7 % / 27.3 % / 17.6 %, held out 21.2 % (vLLM,
// 448) / 37.3 % (TensorRT-LLM, 696) / 36.5 % (SGLang, 260). Since InferenceX's TensorRT-LLM
// recipes' scheduler waits are applied (validation::AicRecipeSettings: the Llama-3.1-70B rows at
// 1k / 1k below TP 8 wait 20 steps for a batch, which the serving path stood for),
// TensorRT-LLM's fitted rows 27.5 % committed, 68.7 % without the serving path and 27.2 % with
// the ratios at 1 (its rows no longer tell the ratios apart), held out 36.5 %. Since TensorRT-LLM
// 1.0's runs are trtllm-1.0's, with a serving path of their own ("TensorRT-LLM 1.0's serving
// path, apart from later releases"): trtllm (1.1 and later, 111 runs) 26.4 % committed, 58.1 %
// without the serving path, 24.2 % with the ratios at 1 (kept for the served TPOT: that section),
// held out 27.7 % (320); trtllm-1.0 (102 runs) 20.5 % committed, 76.3 % without it, 27.2 % with
// the ratios (its base's, not fitted here) at 1, held out 30.6 % (376); since closed-loop clients
// of one length are desynchronised arrivals (framework/serving/serving_model.h), trtllm-1.0 21.2 %
// committed, held out 22.3 %, trtllm 26.4 % / 27.7 % (`infercost calibrate --engines`). Since
// InferenceX's SGLang runs wait for the scheduler's take as their recipes set
// (scheduler_recv_interval, validation::AicRecipeSettings) and sglang was re-fitted with it: 17.1 %
// committed, 66.5 % without the serving path (the waits now stand for part of what it stood for),
// held out 29.0 %. Since TensorRT-LLM's serving path is its deployment's (the main process's where
// the recipe starts no post-process workers: the DeepSeek runs): trtllm 13.0 % committed, ~16 %
// with the ratios at 1, held out 19.5 %. Since a run written again to fewer digits, or one double
// written twice its last digit apart, counts once (AicServingParse.
// ARunWrittenAgainToFewerDigitsIsCountedOnce): fitted runs vLLM 225, TensorRT-LLM 109,
// TensorRT-LLM 1.0 102, SGLang 67 (python over the two files, runs keyed as there, at <= 8 clients
// on one node; SGLang's 65 whose memory fits), vLLM 26.8 % with the ratios at 1.
TEST(EngineFit, TheServedPromptFitBringsTheLowConcurrencyTtftWithinItsStatedError) {
  struct Case {
    const char* engine;
    double with_bound;          // committed values
    double without_path_least;  // request_overhead_s = 0
    double ratios_at_1_least;   // low_precision_matmul_ratio = expert_matmul_ratio = 1
    double held_out_bound;      // the held-out rows, committed values
    bool tenth_fits_better;     // held out: the burst 1 in 10 closer than 1 in 20
  };
  for (const Case& c :
       {Case{"vllm", 0.26, 0.43, 0.26, 0.23, true}, Case{"trtllm", 0.15, 0.55, 0.14, 0.23, false},
        Case{"trtllm-1.0", 0.23, 0.70, 0.24, 0.33, false},
        Case{"sglang", 0.20, 0.60, 0.21, 0.33, true}}) {
    const FitSpec* spec = Find(c.engine, "");
    ASSERT_NE(spec, nullptr);
    EXPECT_EQ(spec->metric, "ttft");
    std::vector<double> with, without_path, ratios_at_1, held_out, held_out_twentieth;
    for (const FitRow& row : spec->rows) {
      if (row.held_out) {
        absl::StatusOr<framework::Estimate> e =
            EstimateRow(row.source, row.request, RepoPresets(), InTreePlugins());
        ASSERT_TRUE(e.ok()) << e.status();
        if (!e->summary.memory.fits) continue;
        held_out.push_back(MeasuredTtftOf(e->summary) / row.measured_s - 1);
        held_out_twentieth.push_back(MeasuredTtftOf(e->summary, 20) / row.measured_s - 1);
        continue;
      }
      for (std::vector<double>* errors : {&with, &without_path, &ratios_at_1}) {
        framework::ScenarioRequest request = row.request;
        if (errors == &without_path) {
          request.engine_settings.emplace_back("request_overhead_s", 0);
          request.engine_settings.emplace_back("main_process_request_overhead_s", 0);
        }
        if (errors == &ratios_at_1) {
          request.engine_settings.emplace_back("low_precision_matmul_ratio", 1);
          request.engine_settings.emplace_back("expert_matmul_ratio", 1);
        }
        absl::StatusOr<framework::Estimate> e =
            EstimateRow(row.source, request, RepoPresets(), InTreePlugins());
        ASSERT_TRUE(e.ok()) << e.status();
        if (!e->summary.memory.fits) continue;  // (as the fit: a batch in waves is another regime)
        errors->push_back(MeasuredTtftOf(e->summary) / row.measured_s - 1);
      }
    }
    EXPECT_GE(with.size(), 60u) << c.engine;
    EXPECT_LE(MedianAbsolute(with), c.with_bound) << c.engine;
    EXPECT_GE(MedianAbsolute(without_path), c.without_path_least) << c.engine;
    EXPECT_GE(MedianAbsolute(ratios_at_1), c.ratios_at_1_least) << c.engine;
    EXPECT_GE(held_out.size(), 200u) << c.engine;
    EXPECT_LE(MedianAbsolute(held_out), c.held_out_bound) << c.engine;
    if (c.tenth_fits_better) {
      EXPECT_LT(MedianAbsolute(held_out), MedianAbsolute(held_out_twentieth)) << c.engine;
    }
  }
}

// vLLM's routed-expert kernels for fp8 (block-scaled) and int4 (W4A16, group 32) experts
// ([experts.fp8] / [experts.int4] in presets/engines/vllm.toml), fitted on the serving TPOT of
// aiconfigurator's MiniMax-M2.5 fp8 rows on B200 (its H100 rows held out) and Kimi-K2.5 int4 rows
// on B200. docs/calibration.md ("vLLM's fp8 and int4 expert kernels") states, with the committed
// values, 5.4 % over the fitted fp8 rows, 3.4 % over the held-out H100 ones and 1.6 % over the
// int4 rows; 14.5 % / 11.1 % / 33.8 % with the engine's own kernels for them (3 us a call, the
// full bandwidth). Bounds with a margin. The int4 rows are 15 runs (python over the file, runs
// keyed as in AicServingParse.ARunWrittenAgainToFewerDigitsIsCountedOnce: 30 runs before the
// gap-analysis file's copies of them, rounded to 2 decimals, counted once).
TEST(EngineFit, VllmsExpertKernelsBringItsFp8AndInt4MoeRowsWithinTheirStatedError) {
  struct Case {
    const char* dtype;
    double fitted_bound, held_out_bound;  // committed values
    double fitted_least, held_out_least;  // the engine's own kernels
  };
  for (const Case& c : {Case{"fp8", 0.07, 0.05, 0.12, 0.09}, Case{"int4", 0.03, 1, 0.30, 0}}) {
    const FitSpec* spec = nullptr;
    for (const FitSpec& s : Specs()) {
      if (s.engine == "vllm" &&
          s.data.find(std::string(c.dtype) + " mixture-of-experts") != std::string::npos) {
        spec = &s;
      }
    }
    ASSERT_NE(spec, nullptr) << c.dtype;
    EXPECT_EQ(spec->metric, "tpot");
    ASSERT_EQ(spec->free.size(), 2u);
    EXPECT_EQ(spec->free[0].key, std::string("experts.") + c.dtype + ".kernel_overhead_s");
    std::vector<double> fitted, held_out, fitted_own, held_out_own;
    for (const FitRow& row : spec->rows) {
      for (bool own : {false, true}) {
        framework::ScenarioRequest request = row.request;
        if (own) {
          request.engine_settings.emplace_back(
              std::string("experts.") + c.dtype + ".kernel_overhead_s", 3e-6);
          request.engine_settings.emplace_back(
              std::string("experts.") + c.dtype + ".bandwidth_ratio", 1);
        }
        absl::StatusOr<framework::Estimate> e =
            EstimateRow(row.source, request, RepoPresets(), InTreePlugins());
        ASSERT_TRUE(e.ok()) << e.status();
        if (!e->summary.memory.fits) continue;  // (as the fit: a batch in waves is another regime)
        std::vector<double>& errors =
            row.held_out ? (own ? held_out_own : held_out) : (own ? fitted_own : fitted);
        errors.push_back(e->summary.tpot_s / row.measured_s - 1);
      }
    }
    EXPECT_GE(fitted.size(), 15u) << c.dtype;
    EXPECT_LE(MedianAbsolute(fitted), c.fitted_bound) << c.dtype;
    EXPECT_GE(MedianAbsolute(fitted_own), c.fitted_least) << c.dtype;
    if (std::string(c.dtype) == "fp8") {
      EXPECT_GE(held_out.size(), 20u);
      EXPECT_LE(MedianAbsolute(held_out), c.held_out_bound);
      EXPECT_GE(MedianAbsolute(held_out_own), c.held_out_least);
    } else {
      EXPECT_TRUE(held_out.empty());
    }
  }
}

// The fit re-derives the committed numbers: the anchored matmul efficiency reproduces the
// measured TTFT (ANL's vLLM on A100: 1.042 s) and lands on the preset's 0.76 (vllm.toml's, which
// vllm-0.5 starts from); a short Nelder-Mead
// never ends worse than where it started (the committed values).
TEST(EngineFit, AnchorReproducesTheMeasuredPrefillAndTheFitNeverLosesToItsStart) {
  const FitSpec* spec = Find("vllm-0.5", "a100-40gb");
  ASSERT_NE(spec, nullptr);
  absl::StatusOr<FitResult> fit = FitEngine(*spec, RepoPresets(), InTreePlugins(), 60);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_NEAR(fit->matmul_efficiency, 0.76, 0.01);
  EXPECT_EQ(fit->committed_matmul_efficiency, 0.76);
  EXPECT_LE(fit->fitted_median, fit->committed_fitted_median + 0.01);
  EXPECT_LE(fit->held_out_median, 0.10);
  ASSERT_EQ(fit->values.size(), 4u);
  EXPECT_EQ(fit->values[0].first, "bandwidth_efficiency");
  EXPECT_LE(fit->values[0].second, 0.92 + 1e-12);  // the streaming ceiling the fit is bounded by
}

}  // namespace
}  // namespace infercost::validation
