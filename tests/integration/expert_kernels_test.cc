// The engine's kernels per routed-expert weight format (issue 12, point 2; registry::Engine::
// ExpertKernels, `[experts.<dtype>]` in an engine preset): where the routed experts' weights are
// that dtype, their records take the table's fixed time per call in place of the engine's
// kernel_overhead_s and stream their weights at its share of the bandwidth; nothing else moves,
// and experts of another dtype keep the engine's kernels. Every expected number is derived in the
// comment beside it from the rule (a record's overhead is its calls x the fixed time per call; a
// memory time is (bytes + bandwidth_half_bytes) / (bandwidth x efficiency), so a ratio r on the
// efficiency multiplies it by 1 / r) and the model's shape (Qwen3-235B-A22B: 94 layers, all
// mixture-of-experts).
#include <string>
#include <utility>
#include <vector>

#include "framework/estimate.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

// A decode step of Qwen3-235B-A22B on 8 H100s with vLLM, 16 sequences at 2,048 tokens, weights
// `weights`, `settings` on top of the preset.
absl::StatusOr<framework::Estimate> Decode(const std::string& weights,
                                           std::vector<std::pair<std::string, double>> settings) {
  framework::ScenarioRequest r;
  r.model = "qwen3-235b-a22b";
  r.hardware = "h100-sxm";
  r.engine = "vllm";
  r.weights = weights;
  r.kv = "bf16";
  r.gpus = 8;
  r.input_tokens = 2048;
  r.output_tokens = 2;
  r.concurrency = 16;
  r.engine_settings = std::move(settings);
  absl::StatusOr<framework::Scenario> scenario = framework::MakeScenario(r, RepoPresets());
  if (!scenario.ok()) return scenario.status();  // the caller's ASSERT says which
  return framework::EstimateScenario(*scenario, InTreePlugins());
}

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
  absl::StatusOr<framework::Estimate> own = Decode("fp8", {{"expert_matmul_ratio", 1},
                                                           {"experts.fp8.kernel_overhead_s", 3e-6},
                                                           {"experts.fp8.bandwidth_ratio", 1}});
  absl::StatusOr<framework::Estimate> slow =
      Decode("fp8", {{"expert_matmul_ratio", 1},
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
  absl::StatusOr<framework::Estimate> bf16 = Decode(
      "bf16", {{"experts.fp8.kernel_overhead_s", 50e-6}, {"experts.fp8.bandwidth_ratio", 0.5}});
  absl::StatusOr<framework::Estimate> plain = Decode("bf16", {});
  ASSERT_TRUE(bf16.ok()) << bf16.status();
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_NEAR(DecodeTiming(*bf16, IC_PHASE_MOE_EXPERTS).overhead_s, 94 * 3e-6, 1e-15);
  EXPECT_EQ(bf16->decode_timing.time_s, plain->decode_timing.time_s);
  EXPECT_EQ(bf16->summary.tpot_s, plain->summary.tpot_s);
}

TEST(ExpertKernels, TheVllmPresetsFp8AndInt4ExpertKernelsApply) {
  // presets/engines/vllm.toml: [experts.fp8] 36.5 us a call; [experts.int4] 48.7 us a call at
  // 0.511 of the bandwidth. 94 calls: 3.431 ms and 4.5778 ms of fixed time a step.
  absl::StatusOr<framework::Estimate> fp8 = Decode("fp8", {});
  absl::StatusOr<framework::Estimate> int4 = Decode("int4", {});
  absl::StatusOr<framework::Estimate> int4_full =
      Decode("int4", {{"experts.int4.bandwidth_ratio", 1}});
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
