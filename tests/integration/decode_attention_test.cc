// vLLM's paged-attention kernel switch and the device's decode attention (issue 12, point 2;
// framework/timing/decode_attention.h): where the switch flips, what it changes in a record and
// in its time, and that an engine or device without the keys times exactly as before. Every
// expected number is derived by hand in the comment beside it.
#include "framework/timing/decode_attention.h"

#include <string>
#include <utility>
#include <vector>

#include "framework/abi/hardware_plugin.h"
#include "framework/timing/step_timer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "infercost/sdk/abi_support.h"
#include "infercost/sdk/phase_sink.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost {
namespace {

using framework::DecodeAttention;
using framework::DecodeAttentionRun;

// vLLM's constants (vllm/attention/ops/paged_attn.py): 512 sequences x query heads, 512-token
// partitions, V1 only up to 8192 tokens.
DecodeAttention Vllm(double unsplit_efficiency, double kv_sharing, double group) {
  DecodeAttention d;
  d.split_threshold = 512;
  d.partition_tokens = 512;
  d.split_max_context = 8192;
  d.unsplit_efficiency = unsplit_efficiency;
  d.kv_sharing = kv_sharing;
  d.query_heads_per_kv_head = group;
  return d;
}

// A decode qk_scores record of one layer: 1 query x `context` keys x 128 dims, `seqs_x_heads`
// times, reading `kv_bytes` of K cache.
ic_phase_cost DecodeScores(int64_t seqs_x_heads, int64_t context, double kv_bytes) {
  ic_phase_cost c = sdk::MakePhaseCost(IC_PHASE_QK_SCORES);
  c.gemm_m = 1;
  c.gemm_n = context;
  c.gemm_k = 128;
  c.gemm_count = seqs_x_heads;
  c.kv_read_bytes = kv_bytes;
  return c;
}

TEST(DecodeAttentionTest, SwitchFlipsAboveFiveHundredTwelveSequencesTimesHeads) {
  const DecodeAttention d = Vllm(0.35, 1, 1);
  // 2048 tokens: 4 partitions, so V1 only where num_seqs x num_heads > 512.
  EXPECT_FALSE(d.UsesUnsplitKernel(512, 2048));  // 16 sequences x 32 heads = 512: V2
  EXPECT_TRUE(d.UsesUnsplitKernel(513, 2048));   // 513 > 512: V1
  // One partition (context <= 512): V1 at any batch; 513 tokens are 2 partitions.
  EXPECT_TRUE(d.UsesUnsplitKernel(1, 512));
  EXPECT_FALSE(d.UsesUnsplitKernel(1, 513));
  // Beyond 8192 tokens V2 whatever the batch.
  EXPECT_TRUE(d.UsesUnsplitKernel(4096, 8192));
  EXPECT_FALSE(d.UsesUnsplitKernel(4096, 8193));
  // No threshold: no switch.
  EXPECT_FALSE(DecodeAttention{}.UsesUnsplitKernel(4096, 2048));
}

TEST(DecodeAttentionTest, UnsplitKernelOverMoreThanOnePartitionGetsTheDeviceEfficiency) {
  const DecodeAttention d = Vllm(0.35, 1, 4);
  // 513 x 2048: V1 over 4 partitions -> 0.35; bytes unchanged (sharing 1: x (4 - 1 x 3) = x 1).
  DecodeAttentionRun run = d.Run(DecodeScores(513, 2048, 1e9));
  EXPECT_TRUE(run.unsplit);
  EXPECT_EQ(run.efficiency, 0.35);
  EXPECT_EQ(run.cost.kv_read_bytes, 1e9);
  // 512 x 2048: V2 -> 1.
  run = d.Run(DecodeScores(512, 2048, 1e9));
  EXPECT_FALSE(run.unsplit);
  EXPECT_EQ(run.efficiency, 1);
  // 513 x 512: V1, but one partition: the same work as V2 -> 1.
  EXPECT_EQ(d.Run(DecodeScores(513, 512, 1e9)).efficiency, 1);
  // attn_v carries the keys in K (1 x dv x keys).
  ic_phase_cost attn_v = sdk::MakePhaseCost(IC_PHASE_ATTN_V);
  attn_v.gemm_m = 1;
  attn_v.gemm_n = 128;
  attn_v.gemm_k = 2048;
  attn_v.gemm_count = 513;
  EXPECT_EQ(d.Run(attn_v).efficiency, 0.35);
  // A prefill record (16 queries per GEMM) and a projection are not the decode kernel.
  ic_phase_cost prefill = DecodeScores(513, 2048, 1e9);
  prefill.gemm_m = 16;
  EXPECT_EQ(d.Run(prefill).efficiency, 1);
  ic_phase_cost projection = DecodeScores(513, 2048, 1e9);
  projection.phase = IC_PHASE_Q_PROJ;
  EXPECT_EQ(d.Run(projection).efficiency, 1);
}

TEST(DecodeAttentionTest, KvReadOncePerQueryHeadWithoutSharing) {
  // Llama-3-8B on one GPU: 32 query heads over 8 KV heads, group 4. Sharing 0: bytes x
  // (4 - 0 x 3) = x 4; sharing 0.5: x (4 - 0.5 x 3) = x 2.5; sharing 1: x 1.
  EXPECT_EQ(Vllm(1, 0, 4).Run(DecodeScores(16, 2048, 1e9)).cost.kv_read_bytes, 4e9);
  EXPECT_EQ(Vllm(1, 0.5, 4).Run(DecodeScores(16, 2048, 1e9)).cost.kv_read_bytes, 2.5e9);
  EXPECT_EQ(Vllm(1, 1, 4).Run(DecodeScores(16, 2048, 1e9)).cost.kv_read_bytes, 1e9);
  // MHA (group 1): nothing to share, x 1 at any sharing.
  EXPECT_EQ(Vllm(1, 0, 1).Run(DecodeScores(16, 2048, 1e9)).cost.kv_read_bytes, 1e9);
}

TEST(DecodeAttentionTest, InertWithoutKeysOrWithValuesThatChangeNothing) {
  EXPECT_TRUE(DecodeAttention{}.Inert());
  EXPECT_TRUE(Vllm(1, 1, 4).Inert());  // the switch, but both kernels alike, KV shared
  EXPECT_TRUE(Vllm(1, 0, 1).Inert());  // no sharing, but nothing to share (MHA)
  EXPECT_FALSE(Vllm(0.35, 1, 4).Inert());
  EXPECT_FALSE(Vllm(1, 0, 4).Inert());
  DecodeAttention no_switch = Vllm(0.35, 1, 1);
  no_switch.split_threshold = 0;  // an efficiency without a switch changes nothing
  EXPECT_TRUE(no_switch.Inert());
}

// The step timer applies it: the ideal engine on MI300X (5.3e12 B/s, 100% of peak, no kernel
// overhead) times a record of 1e9 KV bytes and no FLOPs in 1e9 / 5.3e12 = 188.679 us.
class DecodeAttentionTimingTest : public ::testing::Test {
 protected:
  double Time(const framework::DecodeAttention& d, const ic_phase_cost& cost) {
    framework::ScenarioRequest request;
    request.engine = "ideal";
    request.hardware = "mi300x";
    request.model = "llama-3-8b";
    request.gpus = 1;
    auto scenario = framework::MakeScenario(request, testing::RepoPresets());
    EXPECT_TRUE(scenario.ok()) << scenario.status();
    framework::Execution execution = framework::ExecutionOf(*scenario);
    execution.decode_attention = d;
    auto plugin = testing::InTreePlugins().Find(IC_PLUGIN_KIND_HARDWARE, "roofline");
    EXPECT_TRUE(plugin.ok()) << plugin.status();
    const framework::StepTimer timer(framework::HardwarePlugin(*plugin), scenario->hardware,
                                     execution);
    auto seconds = timer.TimePhaseCalls(cost, 1);
    EXPECT_TRUE(seconds.ok()) << seconds.status();
    return seconds.ok() ? *seconds : -1;
  }
};

TEST_F(DecodeAttentionTimingTest, StepTimerAppliesTheKernelAndTheSharing) {
  const double base = 1e9 / 5.3e12;  // 188.679 us
  EXPECT_NEAR(Time(Vllm(1, 1, 4), DecodeScores(512, 2048, 1e9)), base, 1e-15);
  // V1 at 0.35 of the bandwidth: 1e9 / (5.3e12 x 0.35) = 539.08 us.
  EXPECT_NEAR(Time(Vllm(0.35, 1, 4), DecodeScores(513, 2048, 1e9)), 1e9 / (5.3e12 * 0.35), 1e-15);
  // V2 (512), no sharing, group 4: 4e9 / 5.3e12 = 754.72 us.
  EXPECT_NEAR(Time(Vllm(0.35, 0, 4), DecodeScores(512, 2048, 1e9)), 4e9 / 5.3e12, 1e-15);
  // Both: 4e9 / (5.3e12 x 0.35) = 2.1563 ms.
  EXPECT_NEAR(Time(Vllm(0.35, 0, 4), DecodeScores(513, 2048, 1e9)), 4e9 / (5.3e12 * 0.35), 1e-15);
}

TEST_F(DecodeAttentionTimingTest, NoKeyOrEfficiencyOneGivesIdenticalTimes) {
  for (const int64_t seqs_x_heads : {1, 512, 513, 4096}) {
    const ic_phase_cost cost = DecodeScores(seqs_x_heads, 2048, 1e9);
    const double without = Time(DecodeAttention{}, cost);
    EXPECT_EQ(Time(Vllm(1, 1, 4), cost), without);
    EXPECT_EQ(Time(Vllm(1, 0, 1), cost), without);
  }
}

// ExecutionOf reads the engine's keys on the device and the model's heads per GPU: the vllm-0.5
// preset (the vLLM ANL ran) has the switch everywhere (512 / 512 / 8192) and on MI300X KV read
// per query head
// (sharing 0); Llama-3-8B has 32 query heads over 8 KV heads: group 32/8 = 4 at TP 1, (32/8) /
// (8/8) = 4 at TP 8; Llama-2-7B's 32 KV heads give 1. On H100 the efficiency and sharing are 1.
TEST(DecodeAttentionPresetTest, VllmPresetAndModelHeads) {
  auto execution = [](const std::string& hardware, const std::string& model, int64_t gpus,
                      const std::string& engine = "vllm-0.5") {
    framework::ScenarioRequest request;
    request.engine = engine;
    request.hardware = hardware;
    request.model = model;
    request.gpus = gpus;
    auto scenario = framework::MakeScenario(request, testing::RepoPresets());
    EXPECT_TRUE(scenario.ok()) << scenario.status();
    return framework::ExecutionOf(*scenario).decode_attention;
  };
  const DecodeAttention mi300x = execution("mi300x", "llama-3-8b", 1);
  EXPECT_EQ(mi300x.split_threshold, 512);
  EXPECT_EQ(mi300x.partition_tokens, 512);
  EXPECT_EQ(mi300x.split_max_context, 8192);
  EXPECT_EQ(mi300x.kv_sharing, 0);
  EXPECT_LT(mi300x.unsplit_efficiency, 1);
  EXPECT_EQ(mi300x.query_heads_per_kv_head, 4);
  EXPECT_EQ(execution("mi300x", "llama-3-8b", 8).query_heads_per_kv_head, 4);
  EXPECT_EQ(execution("mi300x", "llama-2-7b", 1).query_heads_per_kv_head, 1);
  // From the model's shape whatever its variant: MQA (Falcon-7B: 71 query heads, 1 KV head) 71,
  // MLA (DeepSeek-V3: num_kv_heads = heads = 128, one latent) 1.
  EXPECT_EQ(execution("mi300x", "falcon-7b", 1).query_heads_per_kv_head, 71);
  EXPECT_EQ(execution("mi300x", "deepseek-v3", 8).query_heads_per_kv_head, 1);
  const DecodeAttention h100 = execution("h100-sxm", "llama-3-8b", 1);
  EXPECT_EQ(h100.unsplit_efficiency, 1);
  EXPECT_EQ(h100.kv_sharing, 1);
  EXPECT_TRUE(h100.Inert());
  // A current vLLM (V1) has neither the switch nor that ROCm kernel's efficiencies, on MI300X too.
  const DecodeAttention current = execution("mi300x", "llama-3-8b", 1, "vllm");
  EXPECT_EQ(current.split_threshold, 0);
  EXPECT_EQ(current.unsplit_efficiency, 1);
  EXPECT_EQ(current.kv_sharing, 1);
  EXPECT_TRUE(current.Inert());
}

// Single-block decode attention (TensorRT-LLM 0.11, multi_block_mode off): a floor of one
// block's walk over its KV head's keys or values at `rate` bytes/s, KV sharing `sharing`.
DecodeAttention SingleBlock(double rate, double sharing, double group) {
  DecodeAttention d;
  d.single_block = true;
  d.block_bytes_per_s = rate;
  d.block_kv_sharing = sharing;
  d.kv_sharing = 0.25;  // replaced by block_kv_sharing while the switch is on
  d.query_heads_per_kv_head = group;
  return d;
}

TEST(DecodeAttentionTest, SingleBlockFloorIsOneBlocksWalk) {
  // Llama-3-8B on one GPU, 16 sequences at 2048 keys: 16 x 32 query heads = 512 GEMMs, K bytes
  // 16 sequences x 2048 keys x 8 KV heads x 128 dims x 2 B = 67,108,864. One block streams one
  // sequence's KV head: 2048 x 128 x 2 = 524,288 B (= 67,108,864 x 4 / 512); at 50 GB/s that is
  // 524,288 / 5e10 = 10.48576 us. Bytes with sharing 0.8: x (4 - 0.8 x 3) = x 1.6.
  const DecodeAttentionRun run = SingleBlock(5e10, 0.8, 4).Run(DecodeScores(512, 2048, 67108864));
  EXPECT_DOUBLE_EQ(run.floor_s, 10.48576e-6);
  EXPECT_DOUBLE_EQ(run.cost.kv_read_bytes, 67108864 * 1.6);
  EXPECT_EQ(run.efficiency, 1);
  // attn_v of the same step: V bytes alike, keys in K: the same walk.
  ic_phase_cost attn_v = sdk::MakePhaseCost(IC_PHASE_ATTN_V);
  attn_v.gemm_m = 1;
  attn_v.gemm_n = 128;
  attn_v.gemm_k = 2048;
  attn_v.gemm_count = 512;
  attn_v.kv_read_bytes = 67108864;
  EXPECT_DOUBLE_EQ(SingleBlock(5e10, 0.8, 4).Run(attn_v).floor_s, 10.48576e-6);
  // Llama-2-7B (group 1) at TP 4: 16 sequences x 8 heads = 128 GEMMs over 16 x 2048 x 8 x 128 x
  // 2 B = 67,108,864 B: the same 524,288 B per block; sharing changes nothing (x (1 - 0.8 x 0)).
  const DecodeAttentionRun mha = SingleBlock(5e10, 0.8, 1).Run(DecodeScores(128, 2048, 67108864));
  EXPECT_DOUBLE_EQ(mha.floor_s, 10.48576e-6);
  EXPECT_DOUBLE_EQ(mha.cost.kv_read_bytes, 67108864);
  // A prefill record and a projection have no floor.
  ic_phase_cost prefill = DecodeScores(512, 2048, 67108864);
  prefill.gemm_m = 16;
  EXPECT_EQ(SingleBlock(5e10, 0.8, 4).Run(prefill).floor_s, 0);
  ic_phase_cost projection = DecodeScores(512, 2048, 67108864);
  projection.phase = IC_PHASE_Q_PROJ;
  EXPECT_EQ(SingleBlock(5e10, 0.8, 4).Run(projection).floor_s, 0);
}

TEST(DecodeAttentionTest, SingleBlockNeedsTheSwitchAndARate) {
  EXPECT_FALSE(SingleBlock(5e10, 1, 1).Inert());
  EXPECT_TRUE(SingleBlock(0, 1, 1).Inert());  // the switch without a rate for this device
  DecodeAttention off = SingleBlock(5e10, 1, 1);
  off.single_block = false;  // a rate without the switch (the preset on TensorRT-LLM >= 1.0)
  EXPECT_TRUE(off.Inert());
  // Off: no floor, and the engine's own kv_sharing (0.25: x (4 - 0.25 x 3) = x 3.25).
  const DecodeAttention off_gqa = [] {
    DecodeAttention d = SingleBlock(5e10, 0.8, 4);
    d.single_block = false;
    return d;
  }();
  const DecodeAttentionRun run = off_gqa.Run(DecodeScores(512, 2048, 1e9));
  EXPECT_EQ(run.floor_s, 0);
  EXPECT_DOUBLE_EQ(run.cost.kv_read_bytes, 3.25e9);
}

// The step timer: the ideal engine on MI300X streams 1e9 KV bytes in 1e9 / 5.3e12 = 188.679 us
// (no FLOPs, no kernel overhead). One GEMM (one sequence, one head, group 1): the block walks
// all 1e9 B at 50 GB/s, 1e9 / 5e10 = 20 ms, the floor binds. 1000 GEMMs: 1e6 B per block,
// 1e6 / 5e10 = 20 us < 188.679 us, the bandwidth binds and the time is unchanged. The crossing is
// at 5.3e12 / 5e10 = 106 blocks: 106 GEMMs give 1e9 / 106 / 5e10 = 188.679 us either way.
TEST_F(DecodeAttentionTimingTest, StepTimerTakesTheLongerOfWalkAndStream) {
  EXPECT_NEAR(Time(SingleBlock(5e10, 1, 1), DecodeScores(1, 2048, 1e9)), 1e9 / 5e10, 1e-15);
  EXPECT_NEAR(Time(SingleBlock(5e10, 1, 1), DecodeScores(1000, 2048, 1e9)), 1e9 / 5.3e12, 1e-15);
  EXPECT_NEAR(Time(SingleBlock(5e10, 1, 1), DecodeScores(106, 2048, 1e9)), 1e9 / 5.3e12, 1e-12);
  EXPECT_NEAR(Time(SingleBlock(5e10, 1, 1), DecodeScores(53, 2048, 1e9)), 2e9 / 5.3e12, 1e-12);
  // Group 4, sharing 0.5: 1000 GEMMs = 250 KV blocks of 1e9 / 250 = 4e6 B -> 80 us; bytes
  // x (4 - 0.5 x 3) = 2.5e9 at 5.3e12 = 471.698 us binds.
  EXPECT_NEAR(Time(SingleBlock(5e10, 0.5, 4), DecodeScores(1000, 2048, 1e9)), 2.5e9 / 5.3e12,
              1e-15);
}

// The presets: TensorRT-LLM >= 1.0 (trtllm) splits contexts (switch off; times as before);
// TensorRT-LLM 0.11 (trtllm-0.11, ANL's rows) walks each in one block, at the device's block rate
// and sharing from trtllm-0.11.toml. A bad setting names the key, the value and the range.
TEST(DecodeAttentionPresetTest, TrtllmSingleBlockOnlyOnTensorRtLlm011) {
  auto scenario = [](const std::string& hardware,
                     std::vector<std::pair<std::string, double>> settings,
                     const std::string& engine = "trtllm") {
    framework::ScenarioRequest request;
    request.engine = engine;
    request.hardware = hardware;
    request.model = "llama-3-8b";
    request.gpus = 1;
    request.engine_settings = std::move(settings);
    return framework::MakeScenario(request, testing::RepoPresets());
  };
  auto preset = scenario("h100-sxm", {});
  ASSERT_TRUE(preset.ok()) << preset.status();
  const DecodeAttention plain = framework::ExecutionOf(*preset).decode_attention;
  EXPECT_FALSE(plain.single_block);
  EXPECT_TRUE(plain.Inert());
  for (const char* hardware : {"h100-sxm", "a100-40gb", "a100-80gb"}) {
    auto anl = scenario(hardware, {}, "trtllm-0.11");
    ASSERT_TRUE(anl.ok()) << anl.status();
    const DecodeAttention d = framework::ExecutionOf(*anl).decode_attention;
    EXPECT_TRUE(d.SingleBlock()) << hardware;
    EXPECT_GT(d.block_bytes_per_s, 0) << hardware;
  }
  auto bad = scenario("h100-sxm", {{"decode_attention_single_block", 0.5}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::HasSubstr(
                  "key 'decode_attention_single_block': expected 0 or 1 (off or on), got 0.5"));
  auto unknown = scenario("h100-sxm", {{"multi_block_mode", 0}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), ::testing::HasSubstr("multi_block_mode"));
}

}  // namespace
}  // namespace infercost
