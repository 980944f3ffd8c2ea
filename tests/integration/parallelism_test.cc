// Parallel layouts, MoE routing and MLA forms (issue 5), with hand-derived numbers.
#include <string_view>

#include "framework/estimate.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost {
namespace {

using framework::Estimate;
using framework::ScenarioRequest;

using testing::TryEstimate;

Estimate EstimateOf(const ScenarioRequest& request) {
  auto estimate = TryEstimate(request);
  EXPECT_TRUE(estimate.ok()) << estimate.status();
  return *estimate;
}

const ic_phase_cost& Phase(const framework::StageLedger& stage, ic_phase_id id) {
  const ic_phase_cost* cost = stage.Find(id);
  EXPECT_NE(cost, nullptr);
  return *cost;
}

ScenarioRequest DeepSeek(int64_t concurrency) {
  ScenarioRequest request;
  request.model = "deepseek-v3";
  request.gpus = 8;
  request.concurrency = concurrency;
  request.input_tokens = 100;
  request.output_tokens = 4;
  return request;
}

TEST(MoeTest, BatchOneDecodeReadsOnlyTheRoutedExperts) {
  // One token picks 8 of 256 experts: 256 * (1 - (1 - 8/256)^1) = 8 experts per MoE layer, each
  // 3 * 7168 * 2048 = 44,040,192 params at fp8: 352,321,536 B per layer, x 58 MoE layers =
  // 20,434,649,088 B (whole model).
  const Estimate e = EstimateOf(DeepSeek(1));
  EXPECT_NEAR(Phase(e.ledger.decode, IC_PHASE_MOE_EXPERTS).weight_bytes, 20'434'649'088.0, 1.0);
  // Memory still holds every expert: 256 * 44,040,192 = 11,274,289,152 per layer, * 58 =
  // 653,908,770,816 params.
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_MOE_EXPERTS).params, 653'908'770'816.0);
}

TEST(MoeTest, LargeBatchesTouchNearlyAllExperts) {
  // 512 tokens: 256 * (1 - (31/32)^512) = 256 * (1 - 8.8e-8) ~ 256 experts.
  const Estimate e = EstimateOf(DeepSeek(512));
  EXPECT_NEAR(Phase(e.ledger.decode, IC_PHASE_MOE_EXPERTS).weight_bytes, 256.0 * 44'040'192 * 58,
              0.001 * 256.0 * 44'040'192 * 58);
}

TEST(MoeTest, ExpertParallelSpreadsExperts) {
  // 8 GPUs, TP 8, EP 8: each GPU holds 256 / 8 = 32 whole experts (expert TP = 8 / 8 = 1):
  // 32 * 44,040,192 = 1,409,286,144 params per MoE layer.
  ScenarioRequest request = DeepSeek(1);
  request.ep = 8;
  const Estimate e = EstimateOf(request);
  ASSERT_EQ(e.decode_per_gpu.groups.size(), 2u);
  const auto& moe_layer = e.decode_per_gpu.groups[1];
  EXPECT_EQ(moe_layer.name, "moe");
  double routed_params = 0;
  for (const auto& cost : moe_layer.phases) {
    if (cost.phase == IC_PHASE_MOE_EXPERTS) routed_params = cost.params;
  }
  EXPECT_EQ(routed_params, 1'409'286'144.0);
  // Tokens move by all-to-all instead of an FFN all-reduce.
  bool dispatch = false, ffn_all_reduce = false;
  for (const auto& cost : moe_layer.phases) {
    dispatch = dispatch || cost.phase == IC_PHASE_EP_DISPATCH;
    ffn_all_reduce = ffn_all_reduce || cost.phase == IC_PHASE_FFN_ALL_REDUCE;
  }
  EXPECT_TRUE(dispatch);
  EXPECT_FALSE(ffn_all_reduce);
  // Each GPU sends its share of the token's k = 8 expert copies: T/TP * k * d * 2 B =
  // 1/8 * 8 * 7168 * 2 = 14,336 B per MoE layer, and gets as much back.
  for (const auto& cost : moe_layer.phases) {
    if (cost.phase == IC_PHASE_EP_DISPATCH || cost.phase == IC_PHASE_EP_COMBINE) {
      EXPECT_EQ(cost.comm_bytes, 14'336.0);
    }
  }
}

TEST(MoeTest, InvalidExpertParallelListsTheValidChoices) {
  ScenarioRequest request = DeepSeek(1);
  request.ep = 3;
  auto estimate = TryEstimate(request);
  ASSERT_FALSE(estimate.ok());
  // EP must divide TP x DP = 8 and 256 experts: 1, 2, 4, 8.
  EXPECT_NE(estimate.status().message().find("valid: 1, 2, 4, 8"), std::string::npos)
      << estimate.status();
  request = ScenarioRequest{};
  request.ep = 2;  // Llama-3-70B has no experts
  estimate = TryEstimate(request);
  ASSERT_FALSE(estimate.ok());
  EXPECT_NE(estimate.status().message().find("no experts"), std::string::npos);
}

TEST(ParallelismTest, PipelineStagesSplitWeightsAndKv) {
  // Llama-3-70B fp8 on 2 GPUs as 2 pipeline stages (TP 1): a stage holds 40 of 80 layers
  // (40 * 855,654,400 = 34,226,176,000 B) plus, on the busiest stage, embedding and LM head
  // (2 * 1,050,673,152) and the final norm (8,192): 36,327,530,496 B.
  ScenarioRequest request;
  request.pp = 2;
  const Estimate e = EstimateOf(request);
  EXPECT_EQ(e.summary.memory.weights_bytes, 36'327'530'496.0);
  // KV: 1000 tokens * 2 * 8 heads * 128 * 40 layers * 1 B = 81,920,000 B.
  EXPECT_EQ(e.summary.memory.kv_bytes, 81'920'000.0);
  EXPECT_DOUBLE_EQ(e.summary.pipeline_bubble_fraction, 0.5);
  // One hand-off per step at decode: T x d x 2 B = 8192 * 2 = 16,384 B (one hop, PP 2).
  ASSERT_NE(e.decode_per_gpu.Find(IC_PHASE_PP_SEND_RECV), nullptr);
  EXPECT_EQ(e.decode_per_gpu.Find(IC_PHASE_PP_SEND_RECV)->comm_bytes, 16'384.0);
}

TEST(ParallelismTest, LayoutsMustMultiplyToTheGpus) {
  ScenarioRequest request;
  request.gpus = 8;
  request.tp = 4;
  request.pp = 3;
  auto estimate = TryEstimate(request);
  ASSERT_FALSE(estimate.ok());
  EXPECT_NE(estimate.status().message().find("= 12 GPUs, but --gpus is 8"), std::string::npos);
  EXPECT_NE(estimate.status().message().find("--tp 4 --pp 2 --dp 1"), std::string::npos);
}

// The estimate's first note holds `text`.
void ExpectFirstNote(const Estimate& e, std::string_view text) {
  ASSERT_FALSE(e.summary.notes.empty());
  EXPECT_NE(e.summary.notes[0].find(text), std::string::npos) << e.summary.notes[0];
}

TEST(ParallelismTest, TensorParallelBeyondKvHeadsReplicatesThem) {
  // TP 16 over 8 KV heads: each GPU keeps one K/V head: 2 * 1 * 128 * 80 layers * 1 B = 20,480 B
  // per token, of the model's 2 * 8 * 128 * 80 * 1 B = 163,840 B; 16 GPUs x 20,480 / 163,840 = 2
  // copies of each byte, and the report says so.
  ScenarioRequest request;
  request.gpus = 16;
  const Estimate e = EstimateOf(request);
  EXPECT_EQ(e.kv_bytes_per_token_per_gpu, 20'480.0);
  ExpectFirstNote(e,
                  "KV cache replicated: the gqa variant keeps 20480 of the model's 163840 KV "
                  "bytes per token on each of the 16 tensor-parallel GPUs, so each byte is "
                  "stored 2 times");
}

// Pipeline stages split the layers, so each GPU caches its stage's: Llama-3-70B at pp 2, tp 1
// keeps 2 * 8 KV heads * 128 * 40 layers * 1 B = 81,920 B per token on each GPU (half the
// model's 163,840), one copy in all; at tp 16 x pp 2 (32 GPUs), 2 * 1 * 128 * 40 = 10,240 B on
// each, 32 x 10,240 / 163,840 = 2 copies.
TEST(ParallelismTest, EachPipelineStageCachesItsOwnLayers) {
  ScenarioRequest request;
  request.gpus = 2;
  request.tp = 1;
  request.pp = 2;
  Estimate e = EstimateOf(request);
  EXPECT_EQ(e.kv_bytes_per_token_per_gpu, 81'920.0);
  for (const std::string& note : e.summary.notes) {
    EXPECT_EQ(note.find("KV cache replicated"), std::string::npos) << note;
  }
  request.gpus = 32;
  request.tp = 16;
  e = EstimateOf(request);
  EXPECT_EQ(e.kv_bytes_per_token_per_gpu, 10'240.0);
  ExpectFirstNote(e,
                  "keeps 10240 of the model's 163840 KV bytes per token on each of the 16 "
                  "tensor-parallel GPUs of each of the 2 pipeline stages (its layers), so each "
                  "byte is stored 2 times");
}

TEST(ParallelismTest, DataParallelSplitsTheSequences) {
  // 2 replicas of TP 1 serve 8 sequences: 4 each; KV per GPU = 4 * 1000 * 163,840 B.
  ScenarioRequest request;
  request.gpus = 2;
  request.dp = 2;
  request.concurrency = 8;
  const Estimate e = EstimateOf(request);
  EXPECT_EQ(e.decode_per_gpu.step.batch, 4);
  EXPECT_EQ(e.summary.memory.kv_bytes, 4 * 1000 * 163'840.0);
}

TEST(MlaTest, FormsAreSelectable) {
  // Decode at context 100 + 4/2 = 102, batch 1, one layer of DeepSeek-V3 (128 heads, r = 512,
  // nope 128, v 128). Absorbed kv_b_proj: 2*T*H*dn*r + 2*T*H*r*dv = 2*128*128*512 * 2 =
  // 33,554,432 FLOPs per layer; decompressed it rebuilds K and V of all 102 keys:
  // 2 * 102 * 512 * 128 * (128 + 128) = 3,422,552,064 per layer. x 61 layers.
  ScenarioRequest absorbed = DeepSeek(1);
  absorbed.mla_form = "absorbed";
  ScenarioRequest decompress = DeepSeek(1);
  decompress.mla_form = "decompress";
  EXPECT_EQ(Phase(EstimateOf(absorbed).ledger.decode, IC_PHASE_KV_B_PROJ).matrix_flops,
            33'554'432.0 * 61);
  EXPECT_EQ(Phase(EstimateOf(decompress).ledger.decode, IC_PHASE_KV_B_PROJ).matrix_flops,
            3'422'552'064.0 * 61);
  ScenarioRequest bad = DeepSeek(1);
  bad.mla_form = "folded";
  EXPECT_FALSE(TryEstimate(bad).ok());
}

// Issue 9: degrees of 2^32 used to overflow their product (then gpus % 0 raised SIGFPE).
TEST(ParallelismTest, HugeDegreesAreRefusedNotOverflowed) {
  ScenarioRequest request;
  request.pp = int64_t{1} << 32;
  request.dp = int64_t{1} << 32;
  absl::StatusOr<Estimate> estimate = TryEstimate(request);
  ASSERT_FALSE(estimate.ok());
  EXPECT_NE(estimate.status().message().find("--pp = 4294967296 exceeds --gpus 2"),
            std::string::npos)
      << estimate.status();
  request = ScenarioRequest();
  request.gpus = 1;
  request.tp = int64_t{1} << 32;
  request.pp = int64_t{1} << 32;
  estimate = TryEstimate(request);
  ASSERT_FALSE(estimate.ok());
  EXPECT_NE(estimate.status().message().find("exceeds --gpus 1"), std::string::npos)
      << estimate.status();
}

// Issue 9: efficiencies outside [0.001, 1] name the flag; 0 is not "unset".
TEST(ScenarioTest, EfficienciesOutsideThePhysicalRangeAreRefused) {
  for (double value : {0.0, 1e-300, 5e-324, 1.5, -0.5}) {
    ScenarioRequest request;
    request.matmul_efficiency = value;
    absl::StatusOr<Estimate> estimate = TryEstimate(request);
    ASSERT_FALSE(estimate.ok()) << value;
    EXPECT_NE(estimate.status().message().find("--mfu"), std::string::npos) << estimate.status();
    request = ScenarioRequest();
    request.bandwidth_efficiency = value;
    estimate = TryEstimate(request);
    ASSERT_FALSE(estimate.ok()) << value;
    EXPECT_NE(estimate.status().message().find("--bw-efficiency"), std::string::npos)
        << estimate.status();
  }
}

// Issue 9: a context beyond the model's maximum (Llama-3-70B: 8,192) is refused unless allowed,
// and then carries a warning in the report's notes.
TEST(ScenarioTest, ContextBeyondTheModelNeedsConsent) {
  ScenarioRequest request;
  request.input_tokens = 8192;
  request.output_tokens = 1;  // 8,193 > 8,192 (config.json max_position_embeddings)
  absl::StatusOr<Estimate> estimate = TryEstimate(request);
  ASSERT_FALSE(estimate.ok());
  EXPECT_NE(estimate.status().message().find("--allow-beyond-context"), std::string::npos);
  request.allow_beyond_context = true;
  estimate = TryEstimate(request);
  ASSERT_TRUE(estimate.ok()) << estimate.status();
  ASSERT_FALSE(estimate->summary.notes.empty());
  EXPECT_NE(estimate->summary.notes[0].find("8193 tokens exceeds the 8192-token maximum"),
            std::string::npos)
      << estimate->summary.notes[0];
}

}  // namespace
}  // namespace infercost
