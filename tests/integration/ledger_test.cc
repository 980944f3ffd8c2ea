// Hand-derived properties of the ledger (issue 3, point 5), through the real plugins.
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost {
namespace {

using framework::Ledger;
using framework::ScenarioRequest;
using framework::StageLedger;
using framework::Step;

const ic_phase_cost& Phase(const StageLedger& stage, ic_phase_id phase) {
  const ic_phase_cost* cost = stage.Find(phase);
  EXPECT_NE(cost, nullptr);
  return *cost;
}

ScenarioRequest Llama70bAs(const std::string& variant) {
  ScenarioRequest request;
  request.attention_variant = variant;
  return request;
}

TEST(LedgerTest, KvBytesScaleWithKvHeads) {
  // Llama-3-70B decode at N = 750, fp8 KV (1 byte), 80 layers, head dim 128.
  // K read = 750 * H_kv * 128 * 80: MHA (64 heads) 491,520,000; GQA (8) 61,440,000; MQA (1)
  // 7,680,000. K projection weights = 8192 * H_kv * 128 * 80 at 1 byte.
  // On one GPU (the meters of a tensor-parallel group, where GPUs keep replicas of a K/V head,
  // are whole_model_test's).
  auto one_gpu = [](const std::string& variant) {
    ScenarioRequest request = Llama70bAs(variant);
    request.gpus = 1;
    return testing::RunScenario(request);
  };
  const Ledger mha = one_gpu("mha");
  const Ledger gqa = one_gpu("gqa");
  const Ledger mqa = one_gpu("mqa");
  EXPECT_EQ(Phase(mha.decode, IC_PHASE_QK_SCORES).kv_read_bytes, 491'520'000.0);
  EXPECT_EQ(Phase(gqa.decode, IC_PHASE_QK_SCORES).kv_read_bytes, 61'440'000.0);
  EXPECT_EQ(Phase(mqa.decode, IC_PHASE_QK_SCORES).kv_read_bytes, 7'680'000.0);
  EXPECT_EQ(Phase(mha.decode, IC_PHASE_K_PROJ).weight_bytes, 5'368'709'120.0);
  EXPECT_EQ(Phase(mqa.decode, IC_PHASE_K_PROJ).weight_bytes, 83'886'080.0);
  // KV cache per token: 2 (K and V) * H_kv * 128 * 80 layers at 1 byte.
  EXPECT_EQ(mha.kv_cache_bytes_per_token, 1'310'720.0);  // 2*64*128*80
  EXPECT_EQ(gqa.kv_cache_bytes_per_token, 163'840.0);    // 2*8*128*80
  EXPECT_EQ(mqa.kv_cache_bytes_per_token, 20'480.0);     // 2*1*128*80
  // Q-side FLOPs do not depend on the K/V heads.
  EXPECT_EQ(Phase(mha.decode, IC_PHASE_QK_SCORES).matrix_flops,
            Phase(mqa.decode, IC_PHASE_QK_SCORES).matrix_flops);
}

TEST(LedgerTest, KvCacheBytesPerTokenAtFp16) {
  // Spec §3: 2 * L * H_kv * head_dim * 2 bytes = 2*80*8*128*2 = 327,680 for Llama-3-70B.
  ScenarioRequest request;
  request.kv = "fp16";
  EXPECT_EQ(testing::RunScenario(request).kv_cache_bytes_per_token, 327'680.0);
}

// What one sequence keeps at the end of its answer. Llama-3-70B, 500 + 500 tokens: every layer
// keeps every token, 163,840 x 1,000 = 163,840,000 B. Gemma-2-9B, 9,500 + 500 tokens at fp8:
// 2 x 8 KV heads x 256 x 1 B = 4,096 B per token and layer; its 21 global layers keep all
// 10,000 tokens (21 x 4,096 x 10,000 = 860,160,000 B), its 21 sliding ones their 4,096-token
// window (21 x 4,096 x 4,096 = 352,321,536 B): 1,212,481,536 B, not 42 x 4,096 x 10,000.
TEST(LedgerTest, KvCacheBytesPerSequenceKeepsOnlyTheWindowsOfSlidingLayers) {
  EXPECT_EQ(testing::RunScenario(ScenarioRequest{}).kv_cache_bytes_per_sequence, 163'840'000.0);
  ScenarioRequest gemma;
  gemma.model = "gemma-2-9b";
  gemma.gpus = 1;
  gemma.input_tokens = 9'500;
  gemma.output_tokens = 500;
  gemma.allow_beyond_context = true;
  const framework::Ledger ledger = testing::RunScenario(gemma);
  EXPECT_EQ(ledger.kv_cache_bytes_per_token, 172'032.0);  // 42 x 4,096
  EXPECT_EQ(ledger.kv_cache_bytes_per_sequence, 1'212'481'536.0);
}

TEST(LedgerTest, DoublingContextDoublesScoresAndKvReadAtDecode) {
  const framework::Pipeline pipeline = testing::MakePipeline(ScenarioRequest{});
  auto at_750 = pipeline.Evaluate(Step{IC_STAGE_DECODE, 1, 1, 750});
  auto at_1500 = pipeline.Evaluate(Step{IC_STAGE_DECODE, 1, 1, 1500});
  ASSERT_TRUE(at_750.ok() && at_1500.ok());
  // 2*64*128*1500*80 = 1,966,080,000; K read 1500*8*128*80 = 122,880,000.
  EXPECT_EQ(Phase(*at_1500, IC_PHASE_QK_SCORES).matrix_flops, 1'966'080'000.0);
  EXPECT_EQ(Phase(*at_1500, IC_PHASE_QK_SCORES).kv_read_bytes, 122'880'000.0);
  EXPECT_EQ(Phase(*at_1500, IC_PHASE_ATTN_V).kv_read_bytes,
            2 * Phase(*at_750, IC_PHASE_ATTN_V).kv_read_bytes);
  // Weights do not depend on the context.
  EXPECT_EQ(at_1500->stack_weight_bytes, at_750->stack_weight_bytes);
}

TEST(LedgerTest, PrefillScoresAreCausal) {
  // 500 tokens attend to 500*501/2 = 125,250 (query, key) pairs per head:
  // 2 * 64 heads * 128 * 125,250 * 80 layers = 164,167,680,000 (not 2*64*128*500*500*80).
  const Ledger ledger = testing::RunScenario(ScenarioRequest{});
  EXPECT_EQ(Phase(ledger.prefill, IC_PHASE_QK_SCORES).matrix_flops, 164'167'680'000.0);
  EXPECT_EQ(Phase(ledger.prefill, IC_PHASE_ATTN_V).matrix_flops, 164'167'680'000.0);
}

TEST(LedgerTest, Int4HalvesFp8WeightBytes) {
  ScenarioRequest request;
  request.weights = "int4";
  const Ledger int4 = testing::RunScenario(request);
  EXPECT_EQ(Phase(int4.decode, IC_PHASE_Q_PROJ).weight_bytes, 2'684'354'560.0);  // 5,368,709,120/2
  EXPECT_EQ(int4.decode.stack_weight_bytes, 34'751'512'576.0);  // 69,503,025,152 / 2
  // KV stays fp8: unchanged.
  EXPECT_EQ(Phase(int4.decode, IC_PHASE_QK_SCORES).kv_read_bytes, 61'440'000.0);
}

TEST(LedgerTest, FlashVersusNaiveSameFlopsFarFewerPrefillBytes) {
  ScenarioRequest naive_request;
  naive_request.attention_kernel = "naive";
  const Ledger naive = testing::RunScenario(naive_request);
  const Ledger flash = testing::RunScenario(ScenarioRequest{});
  for (ic_phase_id phase : {IC_PHASE_QK_SCORES, IC_PHASE_SOFTMAX, IC_PHASE_ATTN_V}) {
    EXPECT_EQ(Phase(naive.prefill, phase).matrix_flops, Phase(flash.prefill, phase).matrix_flops);
    EXPECT_EQ(Phase(naive.prefill, phase).vector_flops, Phase(flash.prefill, phase).vector_flops);
  }
  // Naive writes the 500 x 500 scores of each of 64 heads at bf16: 64*500*500*2 = 32,000,000
  // bytes per layer, plus reading q (500*64*128*2 = 8,192,000): 40,192,000 * 80 = 3,215,360,000.
  EXPECT_EQ(Phase(naive.prefill, IC_PHASE_QK_SCORES).activation_bytes, 3'215'360'000.0);
  // Softmax reads and writes them: 2 * 32,000,000 * 80 = 5,120,000,000.
  EXPECT_EQ(Phase(naive.prefill, IC_PHASE_SOFTMAX).activation_bytes, 5'120'000'000.0);
  // Flash keeps them on chip: only q is read, 8,192,000 * 80 = 655,360,000.
  EXPECT_EQ(Phase(flash.prefill, IC_PHASE_QK_SCORES).activation_bytes, 655'360'000.0);
  EXPECT_EQ(Phase(flash.prefill, IC_PHASE_SOFTMAX).activation_bytes, 0.0);
  EXPECT_LT(flash.prefill.totals.activation_bytes, naive.prefill.totals.activation_bytes);
}

TEST(LedgerTest, DeepSeekV3LatentCache) {
  // MLA caches kv_lora_rank + rope dim = 512 + 64 = 576 elements per token per layer:
  // at bf16 576 * 61 layers * 2 bytes = 70,272 bytes per token.
  ScenarioRequest request;
  request.model = "deepseek-v3";
  request.kv = "bf16";
  request.input_tokens = 100;
  request.output_tokens = 4;
  request.gpus = 1;  // (a tensor-parallel group keeps the latent on every GPU: whole_model_test)
  const Ledger ledger = testing::RunScenario(request);
  EXPECT_EQ(ledger.kv_cache_bytes_per_token, 70'272.0);
  // Decode writes one latent per layer per step: 576 * 2 bytes * 61 = 70,272.
  EXPECT_EQ(Phase(ledger.decode, IC_PHASE_KV_A_PROJ).kv_write_bytes, 70'272.0);
  // First 3 layers dense, 58 MoE.
  ASSERT_EQ(ledger.decode.groups.size(), 2u);
  EXPECT_EQ(ledger.decode.groups[0].layers, 3);
  EXPECT_EQ(ledger.decode.groups[1].layers, 58);
}

TEST(LedgerTest, DecodeSumIsExactOverSteps) {
  // 500 in, 4 out: decode steps k = 1..3 at contexts 501, 502, 503.
  // qk FLOPs: 2*64*128*(501+502+503)*80 = 16384*1506*80 = 1,973,944,320.
  ScenarioRequest request;
  request.output_tokens = 4;
  const Ledger ledger = testing::RunScenario(request);
  EXPECT_EQ(ledger.decode_sum.steps, 3);
  const ic_phase_cost* qk = nullptr;
  for (const ic_phase_cost& c : ledger.decode_sum.phases) {
    if (c.phase == IC_PHASE_QK_SCORES) qk = &c;
  }
  ASSERT_NE(qk, nullptr);
  EXPECT_EQ(qk->matrix_flops, 1'973'944'320.0);
  // Weights are read once per step: 3 * 69,503,025,152 for the stack meters' matrices plus the
  // embedding rows and final norm (3 * (8192 + 8192)).
  EXPECT_EQ(ledger.decode_sum.totals.weight_bytes, 3 * 69'503'025'152.0 + 3 * 16'384.0);
  // Params are the model's, not multiplied by the steps (70,553,706,496, see golden_test).
  EXPECT_EQ(ledger.decode_sum.totals.params, 70'553'706'496.0);
}

TEST(LedgerTest, ConcurrencyScalesTokensNotWeights) {
  ScenarioRequest request;
  request.concurrency = 8;
  const Ledger eight = testing::RunScenario(request);
  const Ledger one = testing::RunScenario(ScenarioRequest{});
  // Weights are read once per step whatever the batch; K/V reads scale with sequences.
  EXPECT_EQ(Phase(eight.decode, IC_PHASE_Q_PROJ).weight_bytes,
            Phase(one.decode, IC_PHASE_Q_PROJ).weight_bytes);
  EXPECT_EQ(Phase(eight.decode, IC_PHASE_QK_SCORES).kv_read_bytes, 8 * 61'440'000.0);
  EXPECT_EQ(Phase(eight.decode, IC_PHASE_FFN_UP).matrix_flops, 8 * 37'580'963'840.0);
}

}  // namespace
}  // namespace infercost

namespace infercost {
namespace {

TEST(FlashIoTest, Llama8bPrefill8k) {
  // Llama-3-8B (d 4096, 32 heads, 8 KV heads of 128, 32 layers), one 8,192-token prompt, bf16
  // activations, fp8 KV, on an H100 SXM (228 KB of shared memory per SM: 30.1e6 B / 132 SMs).
  // FlashAttention tiles: Bc = floor(228,030 / (4 * 128 * 2)) = 222, Br = min(222, 128) = 128,
  // so 8192 / 128 = 64 query tiles; causally tile t reads keys 1..128t: sum = 128 * 64*65/2 =
  // 266,240 key reads instead of 8,192 — K and V are streamed 32.5 times.
  ScenarioRequest flash_request;
  flash_request.model = "llama-3-8b";
  flash_request.input_tokens = 8192;
  flash_request.output_tokens = 2;
  flash_request.allow_beyond_context = true;  // 8,194 > the 8,192 Llama-3-8B was trained for
  ScenarioRequest naive_request = flash_request;
  naive_request.attention_kernel = "naive";
  const Ledger flash = testing::RunScenario(flash_request);
  const Ledger naive = testing::RunScenario(naive_request);
  const ic_phase_cost& flash_qk = Phase(flash.prefill, IC_PHASE_QK_SCORES);
  const ic_phase_cost& naive_qk = Phase(naive.prefill, IC_PHASE_QK_SCORES);
  // Same FLOPs: 2 * 32 * 128 * (8192 * 8193 / 2) * 32 layers = 8,797,166,764,032.
  EXPECT_EQ(flash_qk.matrix_flops, 8'797'166'764'032.0);
  EXPECT_EQ(naive_qk.matrix_flops, 8'797'166'764'032.0);
  // K read: naive once, 8192 * 8 * 128 * 1 B = 8,388,608 per layer, x 32 = 268,435,456;
  // flash 32.5 times that: 8,724,152,320.
  EXPECT_EQ(naive_qk.kv_read_bytes, 268'435'456.0);
  EXPECT_EQ(flash_qk.kv_read_bytes, 8'724'152'320.0);
  // Scores: naive writes 32 heads x 8192 x 8192 at 2 B = 4,294,967,296 per layer on top of
  // reading q (8192 * 32 * 128 * 2 = 67,108,864): 4,362,076,160 x 32 = 139,586,437,120.
  // Flash only reads q: 67,108,864 x 32 = 2,147,483,648.
  EXPECT_EQ(naive_qk.activation_bytes, 139'586'437'120.0);
  EXPECT_EQ(flash_qk.activation_bytes, 2'147'483'648.0);
}

}  // namespace
}  // namespace infercost
