// The parallelism an aiconfigurator row ran with (validation/aic_parallelism.h). Expected sizes
// are read off each case's id: "tp<N>_ep<M>" is a launch of N GPUs whose experts split M ways.
#include "validation/aic_parallelism.h"

#include "gtest/gtest.h"

namespace infercost::validation {
namespace {

using P = AicParallelism;

// The file's "2026_04_06_*" rows: the id names the launch, the sizes are its square.
TEST(AicParallelism, ASquaredRunNamedByItsIdHasTheIdsGpus) {
  // SGLang / TensorRT-LLM TP 8 x EP 8 written as tp 64 (moe 8 x 8): attention TP 8, experts EP 8.
  EXPECT_EQ(RunParallelism("dsr1_b200_sxm_sglang_fp8_agg_1024x1024_c4_tp8_ep8_1051", {64, 1, 8, 8}),
            (P{8, 1, 1, 8}));
  // TensorRT-LLM attention DP 8 x EP 8 written as dp 64.
  EXPECT_EQ(RunParallelism("dsr1_b200_sxm_trtllm_fp4_agg_1024x1024_c64_tp8_ep8_937", {1, 64, 8, 8}),
            (P{1, 8, 1, 8}));
  // vLLM TP 4 with expert parallelism written as tp 4 x dp 4, moe_ep 16: TP 4, EP 4, no DP.
  EXPECT_EQ(
      RunParallelism("kimi_k2_5_b200_sxm_vllm_fp4_agg_1024x8192_c32_tp4_ep4_1318", {4, 4, 1, 16}),
      (P{4, 1, 1, 4}));
  // TP 8 x EP 4 written on 32 GPUs: 8 GPUs, experts EP 4 x TP 2.
  EXPECT_EQ(RunParallelism("x_agg_c8_tp8_ep4_1", {32, 1, 8, 4}), (P{8, 1, 2, 4}));
}

// Rows whose sizes already are the launch's are kept as written.
TEST(AicParallelism, ARunWrittenAsLaunchedIsKept) {
  // "tp8_0_ep8_0": attention DP 8, EP 8 on 8 GPUs, as written.
  EXPECT_EQ(
      RunParallelism("dsr1_b200_sxm_trtllm_fp4_agg_8192x1024_c64_tp8_0_ep8_0_981", {1, 8, 1, 8}),
      (P{1, 8, 1, 8}));
  // "tp4_epnone": 4 GPUs, their MoE split TP 2 x EP 2 (Qwen3-235B on H100): already 4.
  EXPECT_EQ(
      RunParallelism("qwen3_235b_h100_sxm_trtllm_agg_128x128_c16_tp4_epnone_16", {4, 1, 2, 2}),
      (P{4, 1, 2, 2}));
  // "tp4_ep1": attention DP 4, MoE TP 4 on 4 GPUs.
  EXPECT_EQ(RunParallelism("gpt_oss_120b_b200_sxm_trtllm_fp4_agg_1024x1024_c32_tp4_ep1_296",
                           {1, 4, 4, 1}),
            (P{1, 4, 4, 1}));
  // A dense model, no id.
  EXPECT_EQ(RunParallelism("", {2, 1, 1, 1}), (P{2, 1, 1, 1}));
  // An id whose "_tp" is not followed by an "_ep" names no launch; 8 x 1 is no square.
  EXPECT_EQ(RunParallelism("llama_tp8_only", {8, 1, 1, 8}), (P{8, 1, 1, 8}));
}

// The file's "db-dump" rows name no launch ("..._cfg201"); their sizes have the same two shapes.
TEST(AicParallelism, AnUnnamedRunOfASquaredShapeHasItsRootsGpus) {
  EXPECT_EQ(RunParallelism("dsr1_b200_sglang_fp4_agg_1024x8192_c4_cfg201", {64, 1, 8, 8}),
            (P{8, 1, 1, 8}));
  EXPECT_EQ(RunParallelism("dsr1_b200_sglang_fp4_agg_1024x1024_c4_cfg202", {16, 1, 4, 4}),
            (P{4, 1, 1, 4}));
  EXPECT_EQ(RunParallelism("dsr1_b200_trtllm_fp4_agg_1024x8192_c256_cfg191", {1, 64, 8, 8}),
            (P{1, 8, 1, 8}));
  EXPECT_EQ(RunParallelism("minimaxm2_5_b200_vllm_fp8_agg_1024x1024_c16_cfg691", {4, 4, 1, 16}),
            (P{4, 1, 1, 4}));
  // Not a square of the MoE split: TP 8 with experts EP 8 (8 GPUs), or TP 8 split 2 x 4.
  EXPECT_EQ(RunParallelism("cfg1", {8, 1, 1, 8}), (P{8, 1, 1, 8}));
  EXPECT_EQ(RunParallelism("cfg2", {8, 1, 2, 4}), (P{8, 1, 2, 4}));
}

// Sizes that are no run's are handed back for the caller to refuse, not mended.
TEST(AicParallelism, SizesThatAreNoRunsAreReturnedAsWritten) {
  EXPECT_EQ(RunParallelism("cfg", {-8, -8, 8, 8}), (P{-8, -8, 8, 8}));
  EXPECT_EQ(RunParallelism("x_tp8_ep8", {0, 64, 8, 8}), (P{0, 64, 8, 8}));
  EXPECT_EQ(RunParallelism("x_tp8_ep8", {64, 1, 0, 8}), (P{64, 1, 0, 8}));
}

}  // namespace
}  // namespace infercost::validation
