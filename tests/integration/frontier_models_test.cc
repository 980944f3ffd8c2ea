// The frontier models of issue 11 whose attention is a plugin the host does not know: GLM-5
// (MLA + DeepSeek Sparse Attention, plugin dsa), Kimi-K2.5 (MLA, 384 experts) and MiniMax-M2.5
// (GQA, 256 experts), plus the active parameters of Qwen3.5-397B-A17B. Every expected number is
// derived by hand from the config (presets/models/*.toml, cited in presets/SOURCES.md) and the
// formulas in docs/phases.md; fp8 weights and KV (1 B) by default.
//
// Published figures are rounded names ("744B", "40B", "1T"), and vendors differ on whether
// "active" counts the embedding and LM head. The exact count is asserted; each published
// figure is then checked to its own precision, with the convention that reaches it named.
#include <cmath>
#include <cstdint>
#include <vector>

#include "framework/abi/phase_catalog.h"
#include "framework/estimate.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

using framework::LayerGroup;
using framework::ScenarioRequest;

ScenarioRequest Model(const char* name) {
  ScenarioRequest r;
  r.model = name;
  r.gpus = 8;
  return r;
}

// Parameters one token uses: everything but the routed experts it is not sent to, i.e. the total
// less (1 - k/E) of each MoE layer's routed experts.
double ActiveParams(const framework::Ledger& ledger, double experts, double per_token) {
  double idle = 0;
  for (const LayerGroup& group : ledger.decode.groups) {
    for (const ic_phase_cost& cost : group.phases) {
      if (cost.phase == IC_PHASE_MOE_EXPERTS) {
        idle += static_cast<double>(group.layers) * cost.params * (1 - per_token / experts);
      }
    }
  }
  return ledger.decode.totals.params - idle;
}

// ---- GLM-5: d 6144, 64 heads, q_lora 2048, kv_lora 512, nope 192, rope 64, v 256; indexer 32
// heads of 128, top-k 2048; 78 layers, 3 dense (12,288), 75 MoE (256 x 2048, 8 per token, 1
// shared); vocab 154,880.
TEST(FrontierModels, Glm5ParamsByLayerKindAndTotal) {
  const framework::Ledger ledger = RunScenario(Model("glm-5"));
  // MLA: q_a 6144 x 2048 + 2048 (norm) = 12,584,960; q_b 2048 x 64 x 256 = 33,554,432;
  // kv_a 6144 x 576 + 512 = 3,539,456; kv_b 512 x 64 x (192 + 256) = 14,680,064;
  // o 64 x 256 x 6144 = 100,663,296: 165,022,208.
  // Indexer: wq_b 2048 x 32 x 128 = 8,388,608; wk 6144 x 128 = 786,432; k_norm 256;
  // weights_proj 6144 x 32 = 196,608: 9,371,904. Attention 174,394,112 per layer.
  EXPECT_EQ(SectionParams(*Group(ledger.decode, "dense"), IC_SECTION_ATTENTION), 174'394'112);
  EXPECT_EQ(SectionParams(*Group(ledger.decode, "moe"), IC_SECTION_ATTENTION), 174'394'112);
  const ic_phase_cost* indexer = ledger.decode.Find(IC_PHASE_INDEXER_PROJ);
  ASSERT_NE(indexer, nullptr);
  EXPECT_EQ(indexer->params, 78.0 * 9'371'904);
  // Attention 78 x 174,394,112 = 13,602,740,736; dense FFN 3 x (3 x 6144 x 12,288 + norms
  // 12,288) = 679,514,112; MoE 75 x (router 1,572,864 + 256 x 37,748,736 + shared 37,748,736 +
  // norms 12,288) = 75 x 9,703,010,304 = 727,725,772,800; embedding + LM head 2 x 154,880 x 6144
  // = 1,903,165,440; final norm 6144. Total 743,911,199,232: "744B" within 0.02 %.
  EXPECT_EQ(ledger.decode.totals.params, 743'911'199'232.0);
  EXPECT_LT(std::fabs(ledger.decode.totals.params / 744e9 - 1), 0.001);
  // Active: the total less 75 x (256 - 8) x 37,748,736 = 702,126,489,600 idle experts =
  // 41,784,709,632; without the embedding and LM head (Z.ai's convention) 39,881,544,192, which
  // is "40B active" within 0.3 %.
  const double active = ActiveParams(ledger, 256, 8);
  EXPECT_EQ(active, 41'784'709'632.0);
  EXPECT_LT(std::fabs((active - 1'903'165'440.0) / 40e9 - 1), 0.005);
  // KV per token and layer: latent 512 + RoPE key 64 at 1 B + indexer key 132 B = 708 B; x 78.
  EXPECT_EQ(ledger.kv_cache_bytes_per_token, 55'224);
}

// ---- Kimi-K2.5: d 7168, 64 heads, q_lora 1536, kv_lora 512, nope 128, rope 64, v 128; 61
// layers, 1 dense (18,432), 60 MoE (384 x 2048, 8 per token, 1 shared); vocab 163,840.
TEST(FrontierModels, KimiK25ParamsByLayerKindAndTotal) {
  const framework::Ledger ledger = RunScenario(Model("kimi-k2.5"));
  // q_a 7168 x 1536 + 1536 = 11,011,584; q_b 1536 x 64 x 192 = 18,874,368; kv_a 7168 x 576 +
  // 512 = 4,129,280; kv_b 512 x 64 x 256 = 8,388,608; o 64 x 128 x 7168 = 58,720,256:
  // 101,124,096 per layer.
  EXPECT_EQ(SectionParams(*Group(ledger.decode, "moe"), IC_SECTION_ATTENTION), 101'124'096);
  // Attention 61 x 101,124,096 = 6,168,569,856; dense 3 x 7168 x 18,432 + 14,336 = 396,376,064;
  // MoE 60 x (router 2,752,512 + 384 x 44,040,192 + shared 44,040,192 + norms 14,336) = 60 x
  // 16,958,240,768 = 1,017,494,446,080; embedding + LM head 2 x 163,840 x 7168 = 2,348,810,240;
  // final norm 7168. Total 1,026,408,209,408: the card's one-digit "1T" (1.03T to three digits).
  EXPECT_EQ(ledger.decode.totals.params, 1'026'408'209'408.0);
  EXPECT_EQ(std::round(ledger.decode.totals.params / 1e12), 1.0);
  // Active: less 60 x 376 x 44,040,192 = 993,546,731,520 idle: 32,861,477,888, the card's
  // "32B" (Moonshot counts the embedding and LM head, and truncates: Kimi-K2 is "A32B" too).
  const double active = ActiveParams(ledger, 384, 8);
  EXPECT_EQ(active, 32'861'477'888.0);
  EXPECT_EQ(std::floor(active / 1e9), 32.0);
  // KV per token: (512 + 64) x 1 B x 61 layers.
  EXPECT_EQ(ledger.kv_cache_bytes_per_token, 35'136);
}

// ---- MiniMax-M2.5: d 3072, 48 heads of 128, 8 KV heads; 62 layers, all MoE (256 x 1536, 8 per
// token, no shared expert); vocab 200,064.
TEST(FrontierModels, MiniMaxM25ParamsByLayerKindAndTotal) {
  const framework::Ledger ledger = RunScenario(Model("minimax-m2.5"));
  // q 3072 x 6144 = 18,874,368; k, v 3072 x 1024 = 3,145,728 each; o 6144 x 3072 = 18,874,368:
  // 44,040,192 per layer (the per-layer q/k RMSNorm weights, 7168, are not modelled).
  EXPECT_EQ(SectionParams(*Group(ledger.decode, "moe"), IC_SECTION_ATTENTION), 44'040'192);
  // 62 x (44,040,192 + router 786,432 + 256 x 14,155,776 + norms 6144) = 62 x 3,668,711,424 =
  // 227,460,108,288; embedding + LM head 2 x 200,064 x 3072 = 1,229,193,216; final norm 3072.
  // Total 228,689,304,576: "230B" within 0.6 %.
  EXPECT_EQ(ledger.decode.totals.params, 228'689'304'576.0);
  EXPECT_LT(std::fabs(ledger.decode.totals.params / 230e9 - 1), 0.01);
  // Active: less 62 x 248 x 14,155,776 = 217,659,211,776 idle: 11,030,092,800; without the
  // embedding and LM head 9,800,899,584, "10B active" within 2 % (a one-digit figure).
  const double active = ActiveParams(ledger, 256, 8);
  EXPECT_EQ(active, 11'030'092'800.0);
  EXPECT_EQ(std::round((active - 1'229'193'216.0) / 1e9), 10.0);
  // KV per token: 2 x 8 x 128 x 1 B x 62 layers.
  EXPECT_EQ(ledger.kv_cache_bytes_per_token, 126'976);
}

// MiniMax-M2.5's per-layer QK-norm (qk_norm = "per_layer": one RMSNorm over all 48 query heads
// and all 8 key heads) all-reduces each token's two variances under tensor parallelism: a second
// attn_all_reduce record per layer of 2 x 4 B per token beside the attention output's
// T x 3072 x 2 B (bf16); none on one GPU; and the step takes longer than without it.
TEST(FrontierModels, MiniMaxM25PerLayerQkNormAllReducesTheVariances) {
  const auto attention_all_reduces = [](const framework::Ledger& ledger) {
    std::vector<double> bytes;
    for (const ic_phase_cost& cost : Group(ledger.decode, "moe")->phases) {
      if (cost.phase == IC_PHASE_ATTN_ALL_REDUCE) bytes.push_back(cost.comm_bytes);
    }
    return bytes;
  };
  // T tokens in the explainer's decode step, each GPU's T x 3072 x 2 B for the output and T x 8 B
  // for the norm, summed over the 8 GPUs in the whole-model ledger.
  const framework::Ledger tp8 = RunScenario(Model("minimax-m2.5"));
  const double tokens = tp8.decode.step.tokens();
  EXPECT_EQ(tp8.decode.step.tensor_parallel, 8);
  EXPECT_EQ(attention_all_reduces(tp8), (std::vector<double>{8 * tokens * 6144, 8 * tokens * 8}));
  ScenarioRequest one_gpu = Model("minimax-m2.5");
  one_gpu.gpus = 1;
  EXPECT_TRUE(attention_all_reduces(RunScenario(one_gpu)).empty());

  absl::StatusOr<framework::Scenario> with =
      framework::MakeScenario(Model("minimax-m2.5"), RepoPresets());
  ASSERT_TRUE(with.ok()) << with.status();
  EXPECT_EQ(with->model.qk_norm, registry::QkNorm::kPerLayer);
  framework::Scenario without = *with;
  without.model.qk_norm = registry::QkNorm::kPerHead;  // local to each GPU: no all-reduce
  absl::StatusOr<framework::Estimate> e_with = framework::EstimateScenario(*with, InTreePlugins());
  absl::StatusOr<framework::Estimate> e_without =
      framework::EstimateScenario(without, InTreePlugins());
  ASSERT_TRUE(e_with.ok()) << e_with.status();
  ASSERT_TRUE(e_without.ok()) << e_without.status();
  EXPECT_GT(e_with->summary.tpot_s, e_without->summary.tpot_s);
}

// ---- DeepSeek-V3.2: DeepSeek-V3 (d 7168, 128 heads, q_lora 1536, kv_lora 512, nope 128, rope
// 64, v 128; 3 dense layers of 18,432, 58 MoE of 256 x 2048, 8 per token, 1 shared; vocab
// 129,280) plus an indexer of 64 heads of 128 per layer.
TEST(FrontierModels, DeepSeekV32TotalParams) {
  const framework::Ledger ledger = RunScenario(Model("deepseek-v3.2"));
  // MLA: q_a 11,011,584; q_b 1536 x 128 x 192 = 37,748,736; kv_a 4,129,280; kv_b 512 x 128 x 256
  // = 16,777,216; o 128 x 128 x 7168 = 117,440,512: 187,107,328; indexer 13,959,424 (see
  // hybrid_model_test.cc): 201,066,752 per layer.
  EXPECT_EQ(SectionParams(*Group(ledger.decode, "moe"), IC_SECTION_ATTENTION), 201'066'752);
  // Attention 61 x 201,066,752 = 12,265,071,872; dense 3 x (3 x 7168 x 18,432 + 14,336) =
  // 1,189,128,192; MoE 58 x (router 1,835,008 + 256 x 44,040,192 + shared 44,040,192 + norms
  // 14,336) = 58 x 11,320,178,688 = 656,570,363,904; embedding + LM head 2 x 129,280 x 7168 =
  // 1,853,358,080; final norm 7168. Total 671,877,929,216: DeepSeek's inference config is named
  // config_671B_v3.2.json (no other published count found).
  EXPECT_EQ(ledger.decode.totals.params, 671'877'929'216.0);
  EXPECT_EQ(std::floor(ledger.decode.totals.params / 1e9), 671.0);
}

// ---- Qwen3.5-397B-A17B (totals in hybrid_model_test.cc): active parameters.
TEST(FrontierModels, Qwen35ActiveParams) {
  const framework::Ledger ledger = RunScenario(Model("qwen3.5-397b-a17b"));
  // 396,346,096,896 less 60 x (512 - 10) x 12,582,912 = 378,997,309,440 idle experts:
  // 17,348,787,456. Qwen counts the embedding and LM head and truncates ("A17B"; Qwen3-235B's
  // 22.19B is "A22B"): 17.35B is 2 % above the name, so the 1 % the name suggests cannot hold.
  const double active = ActiveParams(ledger, 512, 10);
  EXPECT_EQ(active, 17'348'787'456.0);
  EXPECT_EQ(std::floor(active / 1e9), 17.0);
}

// ---- Models validate finds by a checkpoint's name (validation/measured_names.h), each preset's
// totals against the published counts.
// Qwen3-30B-A3B: d 2048, 32 heads of 128, 4 KV heads, no biases; 48 MoE layers of 128 x 768, 8
// per token; vocab 151,936, untied.
TEST(FrontierModels, Qwen3_30bA3bParamsAndActive) {
  const framework::Ledger ledger = RunScenario(Model("qwen3-30b-a3b"));
  // q 2048 x 4096 = 8,388,608; k, v 2048 x 512 = 1,048,576 each; o 8,388,608: 18,874,368.
  EXPECT_EQ(SectionParams(*Group(ledger.decode, "moe"), IC_SECTION_ATTENTION), 18'874'368);
  // 48 x (18,874,368 + router 262,144 + 128 x 3 x 2048 x 768 = 603,979,776 + norms 4096) =
  // 48 x 623,120,384 = 29,909,778,432; embedding + LM head 2 x 151,936 x 2048 = 622,329,856;
  // final norm 2048. Total 30,532,110,336: the model card's "30.5B in total".
  EXPECT_EQ(ledger.decode.totals.params, 30'532'110'336.0);
  EXPECT_EQ(std::round(ledger.decode.totals.params / 1e8), 305.0);
  // Active: less 48 x 120 x 4,718,592 = 27,179,089,920 idle: 3,353,020,416, the card's "3.3B
  // activated" (counting the embedding and LM head, truncated as Qwen names them).
  const double active = ActiveParams(ledger, 128, 8);
  EXPECT_EQ(active, 3'353'020'416.0);
  EXPECT_EQ(std::floor(active / 1e8), 33.0);
}

// gpt-oss-20b: gpt-oss-120b's layer with 24 layers and 32 experts: d 2880, 64 heads of 64, 8 KV
// heads, QKV bias; experts 3 x 2880 x 2880, 4 per token; vocab 201,088, untied.
TEST(FrontierModels, GptOss20bParamsAndActive) {
  const framework::Ledger ledger = RunScenario(Model("gpt-oss-20b"));
  // q 2880 x 4096 = 11,796,480; k, v 2880 x 512 = 1,474,560 each; o 11,796,480; QKV bias 4096 +
  // 512 + 512: 26,547,200.
  // The same in the sliding-window and the full-attention layers (12 of each).
  EXPECT_EQ(SectionParams(*Group(ledger.decode, "moe-sliding"), IC_SECTION_ATTENTION), 26'547'200);
  EXPECT_EQ(SectionParams(*Group(ledger.decode, "moe-full"), IC_SECTION_ATTENTION), 26'547'200);
  // 24 x (26,547,200 + router 92,160 + 32 x 24,883,200 = 796,262,400 + norms 5760) = 24 x
  // 822,907,520 = 19,749,780,480; embedding + LM head 2 x 201,088 x 2880 = 1,158,266,880; final
  // norm 2880. Total 20,908,050,240: OpenAI's model card counts 20.91B (its expert and router
  // biases, 0.01B, not modelled).
  EXPECT_EQ(ledger.decode.totals.params, 20'908'050'240.0);
  EXPECT_LT(std::fabs(ledger.decode.totals.params / 20.91e9 - 1), 0.001);
  // Active: less 24 x 28 x 24,883,200 = 16,721,510,400 idle: 4,186,539,840; OpenAI counts the
  // unembedding but not the embedding (201,088 x 2880 = 579,133,440): 3,607,406,400, its "3.61B".
  const double active = ActiveParams(ledger, 32, 4);
  EXPECT_EQ(active, 4'186'539'840.0);
  EXPECT_EQ(std::round((active - 579'133'440.0) / 1e7), 361.0);
}

// GLM-4.7 (GLM-4.5's architecture): d 5120, 96 heads of 128, 8 KV heads, QKV bias; 3 dense layers
// of 12,288, 89 MoE of 160 x 1536, 8 per token, 1 shared; vocab 151,552, untied.
TEST(FrontierModels, Glm47ParamsAndActive) {
  const framework::Ledger ledger = RunScenario(Model("glm-4.7"));
  // q 5120 x 12,288 = 62,914,560; k, v 5120 x 1024 = 5,242,880 each; o 62,914,560; QKV bias
  // 12,288 + 1024 + 1024: 136,329,216.
  EXPECT_EQ(SectionParams(*Group(ledger.decode, "dense"), IC_SECTION_ATTENTION), 136'329'216);
  EXPECT_EQ(SectionParams(*Group(ledger.decode, "moe"), IC_SECTION_ATTENTION), 136'329'216);
  // Dense 3 x (136,329,216 + 3 x 5120 x 12,288 = 188,743,680 + norms 10,240) = 975,249,408; MoE
  // 89 x (136,329,216 + router 819,200 + 160 x 23,592,960 = 3,774,873,600 + shared 23,592,960 +
  // norms 10,240) = 89 x 3,935,625,216 = 350,270,644,224; embedding + LM head 2 x 151,552 x 5120
  // = 1,551,892,480; final norm 5120. Total 352,797,791,232: GLM-4.5's "355B" within 1 % (its
  // multi-token-prediction layer, about one MoE layer more, is not costed).
  EXPECT_EQ(ledger.decode.totals.params, 352'797'791'232.0);
  EXPECT_LT(std::fabs(ledger.decode.totals.params / 355e9 - 1), 0.01);
  // Active: less 89 x 152 x 23,592,960 = 319,165,562,880 idle: 33,632,228,352; without the
  // embedding and LM head 32,080,335,872, the "32B active".
  const double active = ActiveParams(ledger, 160, 8);
  EXPECT_EQ(active, 33'632'228'352.0);
  EXPECT_EQ(std::round((active - 1'551'892'480.0) / 1e9), 32.0);
}

}  // namespace
}  // namespace infercost::testing
