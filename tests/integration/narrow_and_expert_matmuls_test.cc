// The engine's narrow matmuls and routed experts' grouped GEMMs (issue 12, points 2 and 3;
// registry::Engine::low_precision_matmul_ratio and expert_matmul_ratio): where each applies, what
// it does to a phase's time, and that a scenario without them times exactly as before. Every
// expected number is derived by hand in the comment beside it, from the H100 preset's peaks
// (bf16 989.4 TFLOP/s, fp8 1,978.9, no int4 or fp4 peak) and the vLLM preset's values
// (matmul_efficiency 0.59, low_precision_matmul_ratio 0.75, expert_matmul_ratio 0.183).
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "framework/estimate.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

// One prefill of `tokens` tokens of `model` on one H100 with `engine`, `weights`; the matmul
// efficiency size-independent (matmul_half_flops 0) so that a compute time is FLOPs / (peak x
// efficiency) exactly; `settings` on top; the routed experts in `expert_weights` if given.
absl::StatusOr<framework::Estimate> Prefill(
    const std::string& model, const std::string& engine, const std::string& weights,
    std::vector<std::pair<std::string, double>> settings = {},
    const std::string& expert_weights = "") {
  framework::ScenarioRequest r;
  r.model = model;
  r.hardware = "h100-sxm";
  r.engine = engine;
  r.weights = weights;
  r.expert_weights = expert_weights;
  r.kv = "bf16";
  r.gpus = 8;
  r.input_tokens = 2048;
  r.output_tokens = 2;
  r.concurrency = 1;
  r.engine_settings = std::move(settings);
  r.engine_settings.emplace_back("matmul_half_flops", 0);
  absl::StatusOr<framework::Scenario> scenario = framework::MakeScenario(r, RepoPresets());
  if (!scenario.ok()) return scenario.status();  // the caller's ASSERT says which
  return framework::EstimateScenario(*scenario, InTreePlugins());
}

// The prefill step's compute seconds of `phase` (all its layers).
double ComputeSeconds(const framework::Estimate& e, ic_phase_id phase) {
  for (const framework::PhaseTiming& t : e.prefill_timing.phases) {
    if (t.phase == phase) return t.compute_s;
  }
  ADD_FAILURE() << "no phase " << phase << " in the prefill step";
  return 0;
}

// The weight bytes of `phase` in one layer of the prefill step's first group.
double LayerWeightBytes(const framework::Estimate& e, ic_phase_id phase) {
  for (const ic_phase_cost& cost : e.ledger.prefill.groups.at(0).phases) {
    if (cost.phase == phase) return cost.weight_bytes;
  }
  ADD_FAILURE() << "no phase " << phase << " in the prefill step's first layer group";
  return 0;
}

TEST(NarrowMatmuls, Fp8WeightsRunAtTheNarrowPeakAtTheEnginesRatioOfItsEfficiency) {
  absl::StatusOr<framework::Estimate> fp8 = Prefill("llama-3-70b", "vllm", "fp8");
  absl::StatusOr<framework::Estimate> bf16 = Prefill("llama-3-70b", "vllm", "bf16");
  ASSERT_TRUE(fp8.ok()) << fp8.status();
  ASSERT_TRUE(bf16.ok()) << bf16.status();
  // The same FLOPs: bf16 at 989.4e12 x 0.59, fp8 at 1978.9e12 x 0.59 x 0.75, so
  // fp8 / bf16 = 989.4 / (1978.9 x 0.75) = 989.4 / 1484.175 = 0.666633...
  for (ic_phase_id phase : {IC_PHASE_Q_PROJ, IC_PHASE_FFN_UP, IC_PHASE_FFN_DOWN}) {
    EXPECT_NEAR(ComputeSeconds(*fp8, phase) / ComputeSeconds(*bf16, phase), 989.4 / 1484.175, 1e-12)
        << phase;
  }
  // At the ratio 1 the narrow peak is reached at the wide efficiency: 989.4 / 1978.9.
  absl::StatusOr<framework::Estimate> at_1 =
      Prefill("llama-3-70b", "vllm", "fp8", {{"low_precision_matmul_ratio", 1}});
  ASSERT_TRUE(at_1.ok()) << at_1.status();
  EXPECT_NEAR(ComputeSeconds(*at_1, IC_PHASE_FFN_UP) / ComputeSeconds(*bf16, IC_PHASE_FFN_UP),
              989.4 / 1978.9, 1e-12);
}

TEST(NarrowMatmuls, WeightsTheDeviceHasNoPeakForAndEnginesWithoutNarrowMathKeepTheWideRate) {
  absl::StatusOr<framework::Estimate> bf16 = Prefill("llama-3-70b", "vllm", "bf16");
  ASSERT_TRUE(bf16.ok()) << bf16.status();
  const double wide = ComputeSeconds(*bf16, IC_PHASE_FFN_UP);
  // int4 and fp4 weights on an H100 (no int4 / fp4 matrix peak): up-cast, bf16's rate and
  // efficiency, the ratio not applied.
  for (const char* weights : {"int4", "fp4"}) {
    absl::StatusOr<framework::Estimate> e = Prefill("llama-3-70b", "vllm", weights);
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_DOUBLE_EQ(ComputeSeconds(*e, IC_PHASE_FFN_UP), wide) << weights;
  }
  // The ideal engine does no low-precision math: fp8 weights at the bf16 rate, whatever the ratio.
  absl::StatusOr<framework::Estimate> ideal_bf16 = Prefill("llama-3-70b", "ideal", "bf16");
  absl::StatusOr<framework::Estimate> ideal_fp8 =
      Prefill("llama-3-70b", "ideal", "fp8", {{"low_precision_matmul_ratio", 0.5}});
  ASSERT_TRUE(ideal_bf16.ok()) << ideal_bf16.status();
  ASSERT_TRUE(ideal_fp8.ok()) << ideal_fp8.status();
  EXPECT_DOUBLE_EQ(ComputeSeconds(*ideal_fp8, IC_PHASE_FFN_UP),
                   ComputeSeconds(*ideal_bf16, IC_PHASE_FFN_UP));
}

TEST(ExpertMatmuls, RoutedExpertsAloneTakeTheEnginesGroupedGemmRatio) {
  // Qwen3-235B-A22B in bf16 (no narrow math): the routed experts' compute at 0.59 x 0.183 of the
  // bf16 peak, against 0.59 x 1 with the ratio at 1: 1 / 0.183 = 5.4645... times as long. The
  // attention projections, the router and the shared FFN norm keep their time.
  absl::StatusOr<framework::Estimate> preset = Prefill("qwen3-235b-a22b", "vllm", "bf16");
  absl::StatusOr<framework::Estimate> at_1 =
      Prefill("qwen3-235b-a22b", "vllm", "bf16", {{"expert_matmul_ratio", 1}});
  ASSERT_TRUE(preset.ok()) << preset.status();
  ASSERT_TRUE(at_1.ok()) << at_1.status();
  EXPECT_NEAR(
      ComputeSeconds(*preset, IC_PHASE_MOE_EXPERTS) / ComputeSeconds(*at_1, IC_PHASE_MOE_EXPERTS),
      1 / 0.183, 1e-9);
  for (ic_phase_id phase : {IC_PHASE_Q_PROJ, IC_PHASE_O_PROJ, IC_PHASE_MOE_ROUTER}) {
    EXPECT_DOUBLE_EQ(ComputeSeconds(*preset, phase), ComputeSeconds(*at_1, phase)) << phase;
  }
  // A dense model has no routed experts: the ratio changes nothing.
  absl::StatusOr<framework::Estimate> dense = Prefill("llama-3-70b", "vllm", "bf16");
  absl::StatusOr<framework::Estimate> dense_at_1 =
      Prefill("llama-3-70b", "vllm", "bf16", {{"expert_matmul_ratio", 1}});
  ASSERT_TRUE(dense.ok()) << dense.status();
  ASSERT_TRUE(dense_at_1.ok()) << dense_at_1.status();
  EXPECT_EQ(dense->summary.ttft_s, dense_at_1->summary.ttft_s);
  EXPECT_EQ(dense->summary.tpot_s, dense_at_1->summary.tpot_s);
}

TEST(ExpertMatmuls, RatiosOutsideTheirRangeAreRefusedByName) {
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, double>>{{"expert_matmul_ratio", 0},
                                                   {"expert_matmul_ratio", 1.5},
                                                   {"low_precision_matmul_ratio", -0.2},
                                                   {"low_precision_matmul_ratio", 2}}) {
    framework::ScenarioRequest r;
    r.engine = "vllm";
    r.engine_settings.emplace_back(key, value);
    absl::StatusOr<framework::Scenario> s = framework::MakeScenario(r, RepoPresets());
    ASSERT_FALSE(s.ok()) << key << " = " << value;
    EXPECT_NE(s.status().message().find(key), std::string::npos) << s.status();
    EXPECT_NE(s.status().message().find("[0.001, 1]"), std::string::npos) << s.status();
  }
}

// fp4 weights stream their block scales: a Llama prefill's q_proj reads hidden x hidden weights
// at NVFP4's 0.5625 bytes a value (16 values of 4 bits + one E4M3 byte), gpt-oss-120b's routed
// experts at MXFP4's 0.53125 (32 values + one E8M0 byte: its config.json's quant_method "mxfp4");
// --weights nvfp4 / mxfp4 name the layout whatever the checkpoint's. gpt-oss-120b's checkpoint
// quantizes only its experts: its q_proj stays bf16, 2 bytes against fp8's 1.
TEST(NarrowMatmuls, Fp4WeightsStreamTheirCheckpointsBlockScales) {
  for (const auto& [model, weights, phase, bytes] :
       {std::tuple{"llama-3-70b", "fp4", IC_PHASE_Q_PROJ, 0.5625},
        std::tuple{"gpt-oss-120b", "fp4", IC_PHASE_MOE_EXPERTS, 0.53125},
        std::tuple{"gpt-oss-120b", "fp4", IC_PHASE_Q_PROJ, 2.0},
        // The layout named overrides the checkpoint's.
        std::tuple{"llama-3-70b", "mxfp4", IC_PHASE_Q_PROJ, 0.53125},
        std::tuple{"gpt-oss-120b", "nvfp4", IC_PHASE_MOE_EXPERTS, 0.5625}}) {
    absl::StatusOr<framework::Estimate> fp4 = Prefill(model, "vllm", weights);
    absl::StatusOr<framework::Estimate> fp8 = Prefill(model, "vllm", "fp8");
    ASSERT_TRUE(fp4.ok()) << fp4.status();
    ASSERT_TRUE(fp8.ok()) << fp8.status();
    // The same weights at 1 byte (fp8) and `bytes` (fp4): their weight bytes' ratio.
    const auto weight_bytes = [phase](const framework::Estimate& e) {
      const ic_phase_cost* cost = e.prefill_per_gpu.Find(phase);
      return cost != nullptr ? cost->weight_bytes : -1.0;
    };
    EXPECT_GT(weight_bytes(*fp8), 0) << model;
    EXPECT_DOUBLE_EQ(weight_bytes(*fp4) / weight_bytes(*fp8), bytes)
        << model << " " << weights << " " << phase;
  }
}

// A checkpoint that quantizes only the routed experts (issue 12, point 2: Kimi-K2.5's int4, the
// NVFP4 releases): the routed experts stream and multiply in their dtype, every other weight in
// its own. Qwen3-235B-A22B on 8 H100s (94 layers, 128 experts of 3 x 4096 x 1536 = 18,874,368
// parameters, split 8 ways by width), bf16 except the routed experts in fp8.
TEST(ExpertOnlyQuantization, RoutedExpertsTakeTheirDtypeEveryOtherWeightItsOwn) {
  absl::StatusOr<framework::Estimate> mixed =
      Prefill("qwen3-235b-a22b", "vllm", "bf16", {}, /*expert_weights=*/"fp8");
  absl::StatusOr<framework::Estimate> bf16 = Prefill("qwen3-235b-a22b", "vllm", "bf16");
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  ASSERT_TRUE(bf16.ok()) << bf16.status();
  // Bytes: the routed experts' at 1 byte a weight, half the bf16 run's; attention's and the
  // router's at 2, as the bf16 run's.
  EXPECT_EQ(LayerWeightBytes(*mixed, IC_PHASE_MOE_EXPERTS),
            LayerWeightBytes(*bf16, IC_PHASE_MOE_EXPERTS) / 2);
  for (ic_phase_id phase : {IC_PHASE_Q_PROJ, IC_PHASE_O_PROJ, IC_PHASE_MOE_ROUTER}) {
    EXPECT_EQ(LayerWeightBytes(*mixed, phase), LayerWeightBytes(*bf16, phase)) << phase;
  }
  // Memory: one GPU holds 128 x 18,874,368 / 8 = 301,989,888 routed parameters a layer,
  // x 94 = 28,387,049,472; each takes 1 byte fewer than in bf16.
  EXPECT_DOUBLE_EQ(bf16->summary.memory.weights_bytes - mixed->summary.memory.weights_bytes,
                   28'387'049'472.0);
  // Time: the routed experts run as in an all-fp8 run (the fp8 peak at vLLM's narrow ratio,
  // NarrowMatmuls above: their matmuls 989.4 / 1484.175 of the bf16 time, their SwiGLU the same);
  // every other matmul at the bf16 rate.
  absl::StatusOr<framework::Estimate> fp8 = Prefill("qwen3-235b-a22b", "vllm", "fp8");
  ASSERT_TRUE(fp8.ok()) << fp8.status();
  EXPECT_EQ(ComputeSeconds(*mixed, IC_PHASE_MOE_EXPERTS),
            ComputeSeconds(*fp8, IC_PHASE_MOE_EXPERTS));
  EXPECT_LT(ComputeSeconds(*mixed, IC_PHASE_MOE_EXPERTS),
            0.7 * ComputeSeconds(*bf16, IC_PHASE_MOE_EXPERTS));
  for (ic_phase_id phase : {IC_PHASE_Q_PROJ, IC_PHASE_O_PROJ, IC_PHASE_MOE_ROUTER}) {
    EXPECT_EQ(ComputeSeconds(*mixed, phase), ComputeSeconds(*bf16, phase)) << phase;
  }
}

// A model preset's [expert_only_quantization] applies when --weights names that dtype and
// --expert-weights is not given: Kimi-K2.5's int4 checkpoint has int4 routed experts with a bf16
// scale per 32 weights (0.5 + 2/32 = 0.5625 bytes) and every other weight bf16, and the report
// says so. --expert-weights overrides it; a dense model refuses it by name.
TEST(ExpertOnlyQuantization, TheModelsCheckpointLayoutAppliesUnlessTheRequestNamesOne) {
  framework::ScenarioRequest r;
  r.model = "kimi-k2.5";
  r.hardware = "b200";
  r.gpus = 8;
  r.weights = "int4";
  absl::StatusOr<framework::Scenario> kimi = framework::MakeScenario(r, RepoPresets());
  ASSERT_TRUE(kimi.ok()) << kimi.status();
  EXPECT_EQ(kimi->expert_weights.id, IC_DTYPE_INT4);
  EXPECT_EQ(kimi->expert_weights.bytes_per_element, 0.5625);
  EXPECT_EQ(kimi->weights.id, IC_DTYPE_BF16);
  ASSERT_FALSE(kimi->model.report_notes.empty());
  EXPECT_NE(kimi->model.report_notes.back().find("quantizes only the routed experts"),
            std::string::npos);

  r.expert_weights = "int4";  // named: --weights is every other weight's
  absl::StatusOr<framework::Scenario> named = framework::MakeScenario(r, RepoPresets());
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->weights.id, IC_DTYPE_INT4);
  EXPECT_EQ(named->expert_weights.id, IC_DTYPE_INT4);
  EXPECT_TRUE(named->model.report_notes.empty());

  r.weights = "fp8";  // no rule for fp8: one dtype for every weight
  r.expert_weights.clear();
  absl::StatusOr<framework::Scenario> fp8 = framework::MakeScenario(r, RepoPresets());
  ASSERT_TRUE(fp8.ok()) << fp8.status();
  EXPECT_EQ(fp8->weights.id, IC_DTYPE_FP8);
  EXPECT_EQ(fp8->expert_weights.id, IC_DTYPE_FP8);

  framework::ScenarioRequest dense;
  dense.expert_weights = "fp4";  // llama-3-70b
  absl::StatusOr<framework::Scenario> refused = framework::MakeScenario(dense, RepoPresets());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--expert-weights fp4"), std::string::npos);
  EXPECT_NE(refused.status().message().find("no routed experts"), std::string::npos);
  dense.model = "qwen3-235b-a22b";
  dense.expert_weights = "fp5";
  absl::StatusOr<framework::Scenario> unknown = framework::MakeScenario(dense, RepoPresets());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("--expert-weights: unknown dtype 'fp5'"),
            std::string::npos)
      << unknown.status();
}

// The engine's kernels per routed-expert weight format (issue 12, point 2; registry::Engine::
// ExpertKernels, `[experts.<dtype>]` in an engine preset): where the routed experts' weights are
// that dtype, their records take the table's fixed time per call in place of the engine's
// kernel_overhead_s and stream their weights at its share of the bandwidth; nothing else moves,
// and experts of another dtype keep the engine's kernels. Derived from the rule (a record's
// overhead is its calls x the fixed time per call; a memory time is (bytes +
// bandwidth_half_bytes) / (bandwidth x efficiency), so a ratio r on the efficiency multiplies it
// by 1 / r) and the model's shape (Qwen3-235B-A22B: 94 layers, all mixture-of-experts), on the
// decode step after Prefill's prompt.

// The decode step's timing of `phase` (all its layers).
framework::PhaseTiming DecodeTiming(const framework::Estimate& e, ic_phase_id phase) {
  for (const framework::PhaseTiming& t : e.decode_timing.phases) {
    if (t.phase == phase) return t;
  }
  ADD_FAILURE() << "no phase " << phase << " in the decode step";
  return {};
}

TEST(ExpertKernels, TheExpertsFormatTakesItsKernelsFixedTimeAndBandwidthShare) {
  // The same engine with the fp8 experts' kernels named two ways: as the engine's own (3 us a
  // call, the full bandwidth) and as a slower path (50 us a call, half the bandwidth). The
  // grouped GEMMs' ratio at 1, so that only the table tells the experts' execution apart.
  absl::StatusOr<framework::Estimate> own = Prefill("qwen3-235b-a22b", "vllm", "fp8",
                                                    {{"expert_matmul_ratio", 1},
                                                     {"experts.fp8.kernel_overhead_s", 3e-6},
                                                     {"experts.fp8.bandwidth_ratio", 1}});
  absl::StatusOr<framework::Estimate> slow = Prefill("qwen3-235b-a22b", "vllm", "fp8",
                                                     {{"expert_matmul_ratio", 1},
                                                      {"experts.fp8.kernel_overhead_s", 50e-6},
                                                      {"experts.fp8.bandwidth_ratio", 0.5}});
  ASSERT_TRUE(own.ok()) << own.status();
  ASSERT_TRUE(slow.ok()) << slow.status();
  const framework::PhaseTiming own_experts = DecodeTiming(*own, IC_PHASE_MOE_EXPERTS);
  const framework::PhaseTiming slow_experts = DecodeTiming(*slow, IC_PHASE_MOE_EXPERTS);
  // One routed-experts record per layer: 94 calls x 3 us = 282 us; x 50 us = 4.7 ms.
  EXPECT_NEAR(own_experts.overhead_s, 94 * 3e-6, 1e-15);
  EXPECT_NEAR(slow_experts.overhead_s, 94 * 50e-6, 1e-15);
  // Half the bandwidth efficiency: twice the memory time; the matmuls' rate is not the table's.
  EXPECT_GT(own_experts.memory_s, 0);
  EXPECT_NEAR(slow_experts.memory_s / own_experts.memory_s, 2, 1e-12);
  EXPECT_EQ(slow_experts.compute_s, own_experts.compute_s);
  // Every other phase times as before.
  for (ic_phase_id phase : {IC_PHASE_Q_PROJ, IC_PHASE_O_PROJ, IC_PHASE_MOE_ROUTER}) {
    const framework::PhaseTiming a = DecodeTiming(*own, phase);
    const framework::PhaseTiming b = DecodeTiming(*slow, phase);
    EXPECT_EQ(a.time_s, b.time_s) << phase;
    EXPECT_EQ(a.overhead_s, b.overhead_s) << phase;
  }
  // The step is longer by exactly what the experts' record adds.
  EXPECT_NEAR(slow->decode_timing.time_s - own->decode_timing.time_s,
              slow_experts.time_s - own_experts.time_s, 1e-12);
}

TEST(ExpertKernels, ExpertsOfAnotherDtypeKeepTheEnginesKernels) {
  // bf16 experts: the fp8 table does not apply; 94 calls at the engine's 3 us.
  absl::StatusOr<framework::Estimate> bf16 =
      Prefill("qwen3-235b-a22b", "vllm", "bf16",
              {{"experts.fp8.kernel_overhead_s", 50e-6}, {"experts.fp8.bandwidth_ratio", 0.5}});
  absl::StatusOr<framework::Estimate> plain = Prefill("qwen3-235b-a22b", "vllm", "bf16");
  ASSERT_TRUE(bf16.ok()) << bf16.status();
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_NEAR(DecodeTiming(*bf16, IC_PHASE_MOE_EXPERTS).overhead_s, 94 * 3e-6, 1e-15);
  EXPECT_EQ(bf16->decode_timing.time_s, plain->decode_timing.time_s);
  EXPECT_EQ(bf16->summary.tpot_s, plain->summary.tpot_s);
}

TEST(ExpertKernels, TheVllmPresetsFp8AndInt4ExpertKernelsApply) {
  // presets/engines/vllm.toml: [experts.fp8] 36.5 us a call; [experts.int4] 48.7 us a call at
  // 0.511 of the bandwidth. 94 calls: 3.431 ms and 4.5778 ms of fixed time a step.
  absl::StatusOr<framework::Estimate> fp8 = Prefill("qwen3-235b-a22b", "vllm", "fp8");
  absl::StatusOr<framework::Estimate> int4 = Prefill("qwen3-235b-a22b", "vllm", "int4");
  absl::StatusOr<framework::Estimate> int4_full =
      Prefill("qwen3-235b-a22b", "vllm", "int4", {{"experts.int4.bandwidth_ratio", 1}});
  ASSERT_TRUE(fp8.ok()) << fp8.status();
  ASSERT_TRUE(int4.ok()) << int4.status();
  ASSERT_TRUE(int4_full.ok()) << int4_full.status();
  EXPECT_NEAR(DecodeTiming(*fp8, IC_PHASE_MOE_EXPERTS).overhead_s, 94 * 36.5e-6, 1e-15);
  EXPECT_NEAR(DecodeTiming(*int4, IC_PHASE_MOE_EXPERTS).overhead_s, 94 * 48.7e-6, 1e-15);
  EXPECT_NEAR(DecodeTiming(*int4, IC_PHASE_MOE_EXPERTS).memory_s /
                  DecodeTiming(*int4_full, IC_PHASE_MOE_EXPERTS).memory_s,
              1 / 0.511, 1e-12);
}

}  // namespace
}  // namespace infercost::testing
