// The SDK's example plugins (sdk/examples), loaded as third-party plugins and costed by the
// framework. Every expected number is derived by hand in the comment beside it.
//
// Scenario unless a test says otherwise: weights fp8 (1 B), activations bf16 (2 B), KV fp8
// (1 B), one H100, the ideal engine.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/presets.h"

namespace infercost {
namespace {

using ::testing::HasSubstr;

const framework::PluginSet& Plugins() {
  static const framework::PluginSet* plugins = [] {
    framework::PluginLoaderOptions options;
    options.plugin_dirs = {INFERCOST_TEST_PLUGIN_DIR, EXAMPLE_PLUGIN_DIR};
    options.use_environment = false;
    options.use_default_dirs = false;
    options.probe = false;  // built from this tree; the conformance tests cover the runner
    return new framework::PluginSet(framework::LoadPlugins(options));
  }();
  return *plugins;
}

const registry::Presets& Presets() {
  static const registry::Presets* presets = [] {
    absl::StatusOr<registry::Presets> loaded =
        registry::LoadPresets({INFERCOST_TEST_PRESET_DIR, EXAMPLE_PRESET_DIR});
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new registry::Presets(loaded.ok() ? *loaded : registry::Presets{});
  }();
  return *presets;
}

absl::StatusOr<framework::Estimate> Estimate(const framework::ScenarioRequest& request) {
  absl::StatusOr<framework::Scenario> scenario = framework::MakeScenario(request, Presets());
  if (!scenario.ok()) return scenario.status();
  return framework::EstimateScenario(*scenario, Plugins());
}

framework::ScenarioRequest ClaRequest(const std::string& variant) {
  framework::ScenarioRequest r;
  r.model = "llama-31-layers";  // d 4096, 32 heads, 8 KV heads of 128, 31 layers
  r.gpus = 1;
  r.input_tokens = 1000;
  r.output_tokens = 24;  // context at the end: 1024; mean decode context 1000 + 24/2 = 1012
  r.concurrency = 3;
  r.attention_variant = variant;
  return r;
}

double Params(const framework::StageLedger& ledger, ic_phase_id phase) {
  const ic_phase_cost* cost = ledger.Find(phase);
  return cost == nullptr ? -1 : cost->params;
}

// ---- cross-layer attention (sdk/examples/cross_layer_attention) ----
//
// 31 layers in runs of 2: layers 0, 2, ..., 30 write K/V (ceil(31/2) = 16 writers), layers
// 1, 3, ..., 29 read their neighbour's (15 readers). Exact, not 31/2 = 15.5.

TEST(CrossLayerAttention, ParamsCountKvProjectionsOnWriterLayersOnly) {
  absl::StatusOr<framework::Estimate> e = Estimate(ClaRequest("cla"));
  ASSERT_TRUE(e.ok()) << e.status();
  const framework::StageLedger& decode = e->ledger.decode;
  // k_proj, v_proj: d x (8 x 128) = 4096 x 1024 = 4,194,304 per writer; 16 writers = 67,108,864.
  EXPECT_EQ(Params(decode, IC_PHASE_K_PROJ), 67'108'864);
  EXPECT_EQ(Params(decode, IC_PHASE_V_PROJ), 67'108'864);
  // q_proj, o_proj: 4096 x 4096 = 16,777,216 on every layer; 31 layers = 520,093,696.
  EXPECT_EQ(Params(decode, IC_PHASE_Q_PROJ), 520'093'696);
  EXPECT_EQ(Params(decode, IC_PHASE_O_PROJ), 520'093'696);
  // Two attention classes: 16 writer layers and 15 reader layers.
  ASSERT_EQ(decode.groups.size(), 2u);
  EXPECT_EQ(decode.groups[0].layers, 16);
  EXPECT_EQ(decode.groups[1].layers, 15);
}

TEST(CrossLayerAttention, DecodeKvProjectionWorkAndWritesOnWritersOnly) {
  absl::StatusOr<framework::Estimate> e = Estimate(ClaRequest("cla"));
  ASSERT_TRUE(e.ok()) << e.status();
  const ic_phase_cost* k_proj = e->ledger.decode.Find(IC_PHASE_K_PROJ);
  ASSERT_NE(k_proj, nullptr);
  // 3 tokens per step: 2 x 3 x 4096 x 1024 = 25,165,824 FLOPs per writer, x 16 = 402,653,184.
  EXPECT_EQ(k_proj->matrix_flops, 402'653'184);
  // New keys: 3 tokens x 8 heads x 128 dims x 1 B = 3,072 B per writer, x 16 = 49,152.
  EXPECT_EQ(k_proj->kv_write_bytes, 49'152);
  // Every layer still reads a K/V cache (its own or its writer's): the same reads as GQA.
  absl::StatusOr<framework::Estimate> gqa = Estimate(ClaRequest("gqa"));
  ASSERT_TRUE(gqa.ok()) << gqa.status();
  EXPECT_EQ(e->ledger.decode.Find(IC_PHASE_QK_SCORES)->kv_read_bytes,
            gqa->ledger.decode.Find(IC_PHASE_QK_SCORES)->kv_read_bytes);
}

TEST(CrossLayerAttention, KvCacheIsHeldByWriterLayersOnly) {
  absl::StatusOr<framework::Estimate> e = Estimate(ClaRequest("cla"));
  absl::StatusOr<framework::Estimate> gqa = Estimate(ClaRequest("gqa"));
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_TRUE(gqa.ok()) << gqa.status();
  // Per token: K and V of 8 heads x 128 dims x 1 B = 2,048 B per writer; 16 writers = 32,768 B.
  // GQA: 31 layers x 2,048 = 63,488 B.
  EXPECT_EQ(e->ledger.kv_cache_bytes_per_token, 32'768);
  EXPECT_EQ(gqa->ledger.kv_cache_bytes_per_token, 63'488);
  // Memory: 3 sequences x 1,024 tokens x 32,768 B = 100,663,296 B.
  EXPECT_EQ(e->summary.memory.kv_bytes, 100'663'296);
  EXPECT_EQ(gqa->summary.memory.kv_bytes, 3.0 * 1024 * 63'488);  // 195,035,136
}

TEST(CrossLayerAttention, CapacityIsTheKvRoomOverTheSharedCachePerSequence) {
  absl::StatusOr<framework::Estimate> e = Estimate(ClaRequest("cla"));
  ASSERT_TRUE(e.ok()) << e.status();
  const int64_t most = e->summary.memory.max_concurrency;
  ASSERT_GT(most, 3);
  // At the largest concurrency M the memory fits; one more sequence (another 1,024 x 32,768 =
  // 33,554,432 B of KV, plus its activations) does not.
  framework::ScenarioRequest at_most = ClaRequest("cla");
  at_most.concurrency = most;
  absl::StatusOr<framework::Estimate> full = Estimate(at_most);
  ASSERT_TRUE(full.ok()) << full.status();
  const framework::MemoryPerGpu& m = full->summary.memory;
  EXPECT_TRUE(m.fits);
  EXPECT_EQ(m.kv_bytes, static_cast<double>(most) * 33'554'432);
  framework::ScenarioRequest one_more = at_most;
  one_more.concurrency = most + 1;
  absl::StatusOr<framework::Estimate> over = Estimate(one_more);
  ASSERT_TRUE(over.ok()) << over.status();
  EXPECT_FALSE(over->summary.memory.fits);
  EXPECT_LT(m.free_bytes,
            33'554'432 + (over->summary.memory.activation_bytes - m.activation_bytes));
  // Half GQA's cache per sequence: more sequences fit (not twice as many: the prefill
  // activations of the batch grow with it too).
  absl::StatusOr<framework::Estimate> gqa = Estimate(ClaRequest("gqa"));
  ASSERT_TRUE(gqa.ok()) << gqa.status();
  EXPECT_GT(most, gqa->summary.memory.max_concurrency);
}

TEST(CrossLayerAttention, LayersPerCacheOptionAndItsErrors) {
  framework::ScenarioRequest cla3 = ClaRequest("cla");
  cla3.variant_options = {"layers_per_cache=3"};
  absl::StatusOr<framework::Estimate> e = Estimate(cla3);
  ASSERT_TRUE(e.ok()) << e.status();
  // Runs of 3 over 31 layers: writers 0, 3, ..., 30 = ceil(31/3) = 11; 11 x 2,048 = 22,528 B.
  EXPECT_EQ(e->ledger.kv_cache_bytes_per_token, 22'528);
  EXPECT_EQ(Params(e->ledger.decode, IC_PHASE_K_PROJ), 11.0 * 4'194'304);

  framework::ScenarioRequest zero = ClaRequest("cla");
  zero.variant_options = {"layers_per_cache=0"};
  absl::StatusOr<framework::Estimate> bad = Estimate(zero);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("option layers_per_cache = 0 must be >= 1 (set in --variant-option)"));
  framework::ScenarioRequest typo = ClaRequest("cla");
  typo.variant_options = {"layers_per_cach=2"};
  absl::StatusOr<framework::Estimate> unknown = Estimate(typo);
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("option layers_per_cach is not an option of the cla variant; it takes "
                        "layers_per_cache"));
}

// ---- sliding-window attention (sdk/examples/sliding_window_attention) ----

framework::ScenarioRequest SwaRequest(const std::string& variant) {
  framework::ScenarioRequest r;
  r.model = "llama-3.1-8b";  // 32 layers, 8 KV heads of 128
  r.gpus = 1;
  r.input_tokens = 32000;
  r.output_tokens = 1;  // a sequence holds 32,001 tokens
  r.attention_variant = variant;
  return r;
}

TEST(SlidingWindowAttention, MemoryKeepsOnlyTheWindow) {
  absl::StatusOr<framework::Estimate> swa = Estimate(SwaRequest("swa"));
  absl::StatusOr<framework::Estimate> gqa = Estimate(SwaRequest("gqa"));
  ASSERT_TRUE(swa.ok()) << swa.status();
  ASSERT_TRUE(gqa.ok()) << gqa.status();
  // 2,048 B per token and layer (8 x 128 x 2 x 1 B); 32 layers.
  // swa keeps 4,096 tokens: 32 x 2,048 x 4,096 = 268,435,456 B.
  EXPECT_EQ(swa->summary.memory.kv_bytes, 268'435'456);
  // gqa keeps all 32,001: 32 x 2,048 x 32,001 = 2,097,217,536 B.
  EXPECT_EQ(gqa->summary.memory.kv_bytes, 2'097'217'536);
  // The window option: 8,192 tokens = 536,870,912 B.
  framework::ScenarioRequest wide = SwaRequest("swa");
  wide.variant_options = {"window=8192"};
  absl::StatusOr<framework::Estimate> swa8k = Estimate(wide);
  ASSERT_TRUE(swa8k.ok()) << swa8k.status();
  EXPECT_EQ(swa8k->summary.memory.kv_bytes, 536'870'912);
}

// The window fills at context 4,097, which swa declares (ABI 1.4 decode_breaks): the decode sum
// of 4,000 + 1,000 tokens (steps 1 .. 999, contexts 4,001 .. 4,999) cuts there, at step 97,
// instead of searching. Llama-3.1-8B on one H100 (flash): ceil(132 SMs / 32 heads) = 5 splits
// at most, reached at 1,025 keys, so the kernel adds no break in that range. Two stretches,
// [1, 96] and [97, 999], each its two ends and three probes: 10 steps evaluated, and the same
// sums as visiting all 999 (to 1e-9).
TEST(SlidingWindowAttention, DeclaredWindowBreakCutsTheDecodeSum) {
  framework::ScenarioRequest r = SwaRequest("swa");
  r.input_tokens = 4000;
  r.output_tokens = 1000;
  absl::StatusOr<framework::Scenario> scenario = framework::MakeScenario(r, Presets());
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  absl::StatusOr<framework::Estimate> closed = framework::EstimateScenario(*scenario, Plugins());
  scenario->decode_sum = framework::DecodeSumMethod::kEveryStep;
  absl::StatusOr<framework::Estimate> every = framework::EstimateScenario(*scenario, Plugins());
  ASSERT_TRUE(closed.ok()) << closed.status();
  ASSERT_TRUE(every.ok()) << every.status();
  EXPECT_EQ(closed->ledger.decode_sum.evaluated_steps, 10);
  EXPECT_EQ(every->ledger.decode_sum.evaluated_steps, 999);
  EXPECT_NEAR(closed->decode_sum_s, every->decode_sum_s, 1e-9 * every->decode_sum_s);
  EXPECT_NEAR(closed->ledger.decode_sum.totals.kv_read_bytes,
              every->ledger.decode_sum.totals.kv_read_bytes,
              1e-9 * every->ledger.decode_sum.totals.kv_read_bytes);
}

}  // namespace
}  // namespace infercost
