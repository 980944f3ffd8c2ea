// A hybrid linear/full-attention model through the per-layer variants of ABI 1.1:
// Qwen3-Next-80B-A3B (presets/models/qwen3-next-80b-a3b.toml) — 36 Gated DeltaNet layers
// (plugin gated_deltanet) and 12 gated full-attention layers (gqa, output_gate), all MoE.
// Every expected number is derived by hand from the config (d 2048; full attention: 16 query
// heads, 2 KV heads, head_dim 256; linear: Hk 16, Hv 32, dk = dv = 128, conv kernel 4; MoE: 512
// experts of width 512, 10 per token, 1 shared; vocab 151,936) and the formulas in
// docs/phases.md. Dtypes: fp8 weights and KV (1 B), bf16 activations (2 B), bf16 state (2 B).
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
using framework::Step;

ScenarioRequest Qwen3Next() {
  ScenarioRequest r;
  r.model = "qwen3-next-80b-a3b";
  r.gpus = 1;
  return r;
}

double AttentionParams(const LayerGroup& group) {
  return SectionParams(group, IC_SECTION_ATTENTION);
}

TEST(HybridModel, ParamsPerLayerKindAndTotal) {
  const framework::Ledger ledger = RunScenario(Qwen3Next());
  const LayerGroup* linear = Group(ledger.decode, "moe-linear");
  const LayerGroup* full = Group(ledger.decode, "moe-full");
  ASSERT_NE(linear, nullptr);
  ASSERT_NE(full, nullptr);
  EXPECT_EQ(linear->layers, 36);
  EXPECT_EQ(full->layers, 12);
  // Gated DeltaNet layer: in_proj d x (2·16·128 + 2·32·128 + 2·32) = 2048 x 12,352 = 25,296,896;
  // conv (2·16·128 + 32·128) x 4 = 32,768; A_log + dt_bias 64; norm 128; out 4096 x 2048 =
  // 8,388,608. Sum 33,718,464.
  EXPECT_EQ(AttentionParams(*linear), 33'718'464);
  // Gated attention layer: q (query + gate) 2048 x 8192 = 16,777,216; k, v 2048 x 512 =
  // 1,048,576 each; o 4096 x 2048 = 8,388,608. Sum 27,262,976.
  EXPECT_EQ(AttentionParams(*full), 27'262'976);
  // Whole model: 36 x 33,718,464 + 12 x 27,262,976 = 1,541,020,416 attention;
  // 48 x (router 2048·512 = 1,048,576 + experts 512·3·2048·512 = 1,610,612,736 + shared
  // 3·2048·512 = 3,145,728 + norms 2·2048) = 77,510,934,528; embedding and LM head 2 x
  // 151,936 x 2048 = 622,329,856; final norm 2048. Total 79,674,286,848: the published "80B in
  // total" within 0.5 %.
  EXPECT_EQ(ledger.decode.totals.params, 79'674'286'848.0);
  EXPECT_LT(std::fabs(ledger.decode.totals.params / 80e9 - 1), 0.005);
}

// --variant-option VARIANT.KEY=VALUE sets an option of a per-layer variant: a conv kernel of 8
// instead of 4 adds (2·16·128 + 32·128) x 4 = 32,768 conv weights to each Gated DeltaNet layer
// (33,718,464 -> 33,751,232) and leaves the full-attention layers as they were; a bad value is
// refused by that plugin, and the message says how such options are given.
TEST(HybridModel, APerLayerVariantsOptionIsGivenAsVariantDotKey) {
  ScenarioRequest request = Qwen3Next();
  request.variant_options = {"gated_deltanet.conv_kernel=8"};
  const framework::Ledger ledger = RunScenario(request);
  const LayerGroup* linear = Group(ledger.decode, "moe-linear");
  const LayerGroup* full = Group(ledger.decode, "moe-full");
  ASSERT_NE(linear, nullptr);
  ASSERT_NE(full, nullptr);
  EXPECT_EQ(AttentionParams(*linear), 33'751'232);
  EXPECT_EQ(AttentionParams(*full), 27'262'976);
  request.variant_options = {"gated_deltanet.conv_kernel=0"};
  const absl::Status refused = TryEstimate(request).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("attention variant gated_deltanet: option conv_kernel = 0"),
            absl::string_view::npos)
      << refused;
  EXPECT_NE(refused.message().find("--variant-option VARIANT.KEY=VALUE"), absl::string_view::npos)
      << refused;
}

TEST(HybridModel, LinearLayerDecodeIsFlatInContext) {
  const framework::Pipeline pipeline = MakePipeline(Qwen3Next());
  for (int64_t context : {1000, 100000}) {
    SCOPED_TRACE(context);
    absl::StatusOr<framework::StageLedger> step =
        pipeline.Evaluate(Step{IC_STAGE_DECODE, 1, 1, context});
    ASSERT_TRUE(step.ok()) << step.status();
    const ic_phase_cost* state = step->Find(IC_PHASE_STATE_UPDATE);
    ASSERT_NE(state, nullptr);
    // Per layer: 7·dk·dv per value head = 7 x 16,384 x 32 = 3,670,016, plus the L2 norms of q
    // and k (3 x 128 x 16 each = 6,144 x 2) and the gates (10 x 32): 3,682,624; x 36 layers.
    EXPECT_EQ(state->vector_flops, 36.0 * 3'682'624);
    EXPECT_EQ(state->matrix_flops, 0);
    // The state, 32 x 128 x 128 x 2 B = 1,048,576 per layer, read and written: x 36.
    EXPECT_EQ(state->kv_read_bytes, 36.0 * 1'048'576);
    EXPECT_EQ(state->kv_write_bytes, 36.0 * 1'048'576);
    // The conv state, (4 - 1) x 8,192 channels x 2 B = 49,152 per layer, read and written.
    const ic_phase_cost* conv = step->Find(IC_PHASE_SHORT_CONV);
    ASSERT_NE(conv, nullptr);
    EXPECT_EQ(conv->kv_read_bytes, 36.0 * 49'152);
  }
}

TEST(HybridModel, KvMemoryAt128kIsTheFullLayersCachePlusConstantState) {
  ScenarioRequest r = Qwen3Next();
  r.input_tokens = 131'000;
  r.output_tokens = 72;  // a sequence holds 131,072 tokens
  absl::StatusOr<framework::Estimate> e = TryEstimate(r);
  ASSERT_TRUE(e.ok()) << e.status();
  // Full layers: K and V of 2 heads x 256 dims x 1 B = 1,024 B per token and layer; 12 layers x
  // 131,072 tokens = 1,610,612,736 B. Linear layers: state 1,048,576 + conv 49,152 = 1,097,728
  // B each, whatever the context; x 36 = 39,518,208 B. Sum 1,650,130,944 B.
  EXPECT_EQ(e->summary.memory.kv_bytes, 1'650'130'944.0);
  // Per token, only the full layers add to the cache: 12 x 1,024 = 12,288 B.
  EXPECT_EQ(e->ledger.kv_cache_bytes_per_token, 12'288);
}

// Qwen3.5-397B-A17B: d 4096; linear Hk 16, Hv 64, dk = dv = 128, K 4, fp32 state; full
// attention 32 heads, 2 KV heads of 256, gated; 512 experts of 1024, 10 per token, 1 shared;
// vocab 248,320; 45 linear + 15 full layers.
TEST(HybridModel, Qwen35TotalParamsAndStateByHand) {
  ScenarioRequest r;
  r.model = "qwen3.5-397b-a17b";
  r.gpus = 8;
  const framework::Ledger ledger = RunScenario(r);
  // Linear layer: in 4096 x (4096 + 16,384 + 128) = 84,410,368; conv 12,288 x 4 = 49,152;
  // A_log, dt_bias 128; norm 128; out 8192 x 4096 = 33,554,432: 118,014,208.
  EXPECT_EQ(AttentionParams(*Group(ledger.decode, "moe-linear")), 118'014'208);
  // Full layer: q 4096 x 16,384 = 67,108,864; k, v 4096 x 512 = 2,097,152 each; o 8192 x 4096 =
  // 33,554,432: 104,857,600.
  EXPECT_EQ(AttentionParams(*Group(ledger.decode, "moe-full")), 104'857'600);
  // 45 x 118,014,208 + 15 x 104,857,600 = 6,883,503,360; MoE 60 x (router 2,097,152 + experts
  // 512 x 12,582,912 + shared 12,582,912 + norms 8,192) = 387,428,352,000; embedding + LM head
  // 2 x 248,320 x 4096 = 2,034,237,440; final norm 4,096. Total 396,346,096,896: the published
  // "397B in total" within 0.2 % (its vision tower and MTP layer are not modelled).
  EXPECT_EQ(ledger.decode.totals.params, 396'346'096'896.0);
  EXPECT_LT(std::fabs(ledger.decode.totals.params / 397e9 - 1), 0.01);
  // State per sequence and linear layer: 64 x 128 x 128 x 4 B = 4,194,304 (fp32) + conv
  // 3 x 12,288 x 2 B = 73,728.
  const framework::Pipeline pipeline = MakePipeline(r);
  absl::StatusOr<double> state = pipeline.KvCacheBytesPerSequence(1, 1);
  ASSERT_TRUE(state.ok()) << state.status();
  // At a context of 1 token the full layers hold 1 x 15 x 2 x 2 x 256 x 1 B = 15,360.
  EXPECT_EQ(*state, 45.0 * (4'194'304 + 73'728) + 15'360);
}

// ---- DeepSeek Sparse Attention: DeepSeek-V3.2 (presets/models/deepseek-v3.2.toml) ----
// MLA (q_lora 1536, kv_lora 512, rope 64) plus a lightning indexer of 64 heads of 128 whose key
// takes 132 B per token (128 fp8 + a 4 B scale), selecting 2048 tokens; fp8 KV (1 B), 61 layers.

ScenarioRequest DeepSeekV32() {
  ScenarioRequest r;
  r.model = "deepseek-v3.2";
  r.gpus = 8;
  return r;
}

TEST(SparseAttention, IndexerParamsAndKvPerToken) {
  const framework::Ledger ledger = RunScenario(DeepSeekV32());
  const ic_phase_cost* indexer = ledger.decode.Find(IC_PHASE_INDEXER_PROJ);
  ASSERT_NE(indexer, nullptr);
  // wq_b 1536 x 8192 = 12,582,912; wk 7168 x 128 = 917,504; k_norm 2 x 128 = 256;
  // weights_proj 7168 x 64 = 458,752: 13,959,424 per layer, x 61.
  EXPECT_EQ(indexer->params, 61.0 * 13'959'424);
  // Per token and layer: latent 512 + RoPE key 64 at 1 B, plus the 132 B indexer key = 708 B;
  // x 61 layers = 43,188 B.
  EXPECT_EQ(ledger.kv_cache_bytes_per_token, 43'188);
}

TEST(SparseAttention, MainReadsCappedAtTopKIndexerReadsLinearInContext) {
  const framework::Pipeline pipeline = MakePipeline(DeepSeekV32());
  double main_reads_at_4k = 0;
  for (int64_t context : {4096, 8192}) {
    SCOPED_TRACE(context);
    absl::StatusOr<framework::StageLedger> step =
        pipeline.Evaluate(Step{IC_STAGE_DECODE, 1, 1, context});
    ASSERT_TRUE(step.ok()) << step.status();
    const ic_phase_cost* scores = step->Find(IC_PHASE_INDEXER_SCORES);
    ASSERT_NE(scores, nullptr);
    // The indexer reads every cached key: C x 132 B per layer, x 61.
    EXPECT_EQ(scores->kv_read_bytes, 61.0 * 132 * static_cast<double>(context));
    // ... and scores each: 2 x 64 heads x 128 dims per key, x 61.
    EXPECT_EQ(scores->matrix_flops, 61.0 * 2 * 64 * 128 * static_cast<double>(context));
    // The main attention reads the 2048 selected latents: 2048 x 576 B per layer, x 61 =
    // 71,958,528 B, at either context.
    const ic_phase_cost* qk = step->Find(IC_PHASE_QK_SCORES);
    ASSERT_NE(qk, nullptr);
    EXPECT_EQ(qk->kv_read_bytes, 61.0 * 2048 * 576);
    if (context == 4096) {
      main_reads_at_4k = qk->matrix_flops;
    } else {
      EXPECT_EQ(qk->matrix_flops, main_reads_at_4k);  // capped at k
    }
  }
}

// The indexer is timed as the kernels it runs (plugins/attention/dsa/dsa.cc, EmitIndexer): nine
// indexer_proj records (wq_b, wk, weights_proj GEMMs; k_norm; RoPE; Hadamard q; Hadamard k; fp8
// quantisation of q; of k with its cache write) and two indexer_scores records (logits, top-k),
// each one kernel. One layer on one GPU, decode, batch 2 (T = 2 tokens), context 4096; fp8
// weights and KV (1 B), bf16 activations (2 B); d 7168, q_lora 1536, Hi 64, di 128, rope 64.
TEST(SparseAttention, IndexerIsElevenKernelsPerLayer) {
  const framework::Pipeline pipeline = MakePipeline(DeepSeekV32());
  absl::StatusOr<framework::StageLedger> step =
      pipeline.Evaluate(Step{IC_STAGE_DECODE, 2, 1, 4096});
  ASSERT_TRUE(step.ok()) << step.status();
  ASSERT_FALSE(step->groups.empty());
  int proj = 0;
  double proj_matrix = 0, proj_vector = 0, proj_kv_write = 0, proj_params = 0;
  std::vector<ic_phase_cost> scores;
  for (const ic_phase_cost& cost : step->groups.front().phases) {
    if (cost.phase == IC_PHASE_INDEXER_PROJ) {
      ++proj;
      proj_matrix += cost.matrix_flops;
      proj_vector += cost.vector_flops;
      proj_kv_write += cost.kv_write_bytes;
      proj_params += cost.params;
    } else if (cost.phase == IC_PHASE_INDEXER_SCORES) {
      scores.push_back(cost);
    }
  }
  EXPECT_EQ(proj, 9);
  // Params as one record had them: 13,959,424 (IndexerParamsAndKvPerToken).
  EXPECT_EQ(proj_params, 13'959'424);
  // 2 T (1536 x 8192 + 7168 x 128 + 7168 x 64) = 4 x 13,959,168 = 55,836,672.
  EXPECT_EQ(proj_matrix, 55'836'672);
  // weights_proj scaling 2 T Hi = 256; k_norm 5 T di = 1,280; RoPE 3 T (64 + 1) 64 = 24,960;
  // Hadamard q T Hi di log2(128) = 2 x 8192 x 7 = 114,688; Hadamard k 2 x 128 x 7 = 1,792;
  // quantise q 2 T Hi di = 32,768; quantise k 2 T di = 512. Sum 176,256.
  EXPECT_EQ(proj_vector, 176'256);
  EXPECT_EQ(proj_kv_write, 2 * 132);  // T keys of 132 B
  ASSERT_EQ(scores.size(), 2u);
  const ic_phase_cost& logits = scores[0].kv_read_bytes > 0 ? scores[0] : scores[1];
  const ic_phase_cost& topk = scores[0].kv_read_bytes > 0 ? scores[1] : scores[0];
  // Logits: 4096 pairs per sequence; 2 x 2 x 4096 x 64 x 128 = 134,217,728 matrix FLOPs;
  // 3 x 64 per pair: 2 x 4096 x 192 = 1,572,864 vector FLOPs; reads 2 x 4096 x 132 =
  // 1,081,344 B of keys; activations: fp8 q and fp32 weights 2 x 64 x (128 + 4) = 16,896 B plus
  // the fp32 logits 2 x 4096 x 4 = 32,768 B: 49,664 B.
  EXPECT_EQ(logits.matrix_flops, 134'217'728);
  EXPECT_EQ(logits.vector_flops, 1'572'864);
  EXPECT_EQ(logits.kv_read_bytes, 1'081'344);
  EXPECT_EQ(logits.activation_bytes, 49'664);
  // Top-k: one compare per logit, 8,192; reads the 32,768 B of logits and writes 2 x 2048 int32
  // indices (16,384 B): 49,152 B.
  EXPECT_EQ(topk.matrix_flops, 0);
  EXPECT_EQ(topk.vector_flops, 8'192);
  EXPECT_EQ(topk.activation_bytes, 49'152);
}

}  // namespace
}  // namespace infercost::testing
