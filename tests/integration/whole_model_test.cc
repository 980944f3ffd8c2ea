// The whole model's meters derived from one GPU's ledger (framework/ledger/whole_model.h, issue
// 10 point 3): each record summed over the tensor-parallel group, params and weight bytes / its
// weight_copies (each distinct weight once). Every expected number is hand arithmetic in the
// comment beside it (Llama-3-70B: d = 8192, L = 80, H = 64, H_kv = 8, dh = 128, fp8 weights and
// KV, bf16 activations).
#include "framework/ledger/whole_model.h"

#include <cmath>
#include <limits>

#include "framework/estimate.h"
#include "gtest/gtest.h"
#include "infercost/sdk/abi_support.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost {
namespace {

using framework::Estimate;
using framework::ScenarioRequest;
using framework::StageLedger;

Estimate EstimateOf(const ScenarioRequest& request) {
  auto estimate = testing::TryEstimate(request);
  EXPECT_TRUE(estimate.ok()) << estimate.status();
  return estimate.ok() ? *estimate : Estimate{};
}

const ic_phase_cost& Phase(const StageLedger& stage, ic_phase_id id) {
  static const ic_phase_cost kNone{};
  const ic_phase_cost* cost = stage.Find(id);
  EXPECT_NE(cost, nullptr) << "no phase " << id;
  return cost != nullptr ? *cost : kNone;
}

ScenarioRequest Llama70b(int64_t gpus) {
  ScenarioRequest request;
  request.gpus = gpus;
  return request;
}

TEST(WholeModel, ReplicatedKvHeadWeightsCountOnce) {
  // TP 16 > H_kv = 8: each GPU keeps one K/V head, each head on 16 / 8 = 2 GPUs
  // (weight_copies 2).
  const Estimate e = EstimateOf(Llama70b(16));
  // One GPU: d * 1 * dh * L = 8192 * 128 * 80 = 83,886,080 B of k_proj weights.
  EXPECT_EQ(Phase(e.decode_per_gpu, IC_PHASE_K_PROJ).weight_bytes, 83'886'080.0);
  ASSERT_EQ(e.decode_per_gpu.groups.size(), 1u);
  for (const ic_phase_cost& cost : e.decode_per_gpu.groups[0].phases) {
    if (cost.phase == IC_PHASE_K_PROJ) {
      EXPECT_EQ(cost.weight_copies, 2.0);  // the layer's record
    }
  }
  // Whole model: 83,886,080 x 16 / 2 = 671,088,640 = d * H_kv * dh * L, the one-GPU number.
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_K_PROJ).weight_bytes, 671'088'640.0);
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_V_PROJ).params, 671'088'640.0);
  // Work is what the GPUs do: each writes its head's new key, T * 1 * dh * kb * L = 10,240 B,
  // 163,840 B over the group, twice the one-GPU 1 * 8 * 128 * 1 * 80 = 81,920 B.
  EXPECT_EQ(Phase(e.decode_per_gpu, IC_PHASE_K_PROJ).kv_write_bytes, 10'240.0);
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_K_PROJ).kv_write_bytes, 163'840.0);
  // Scores are split by query heads (copies 1) but each GPU reads its head's replica of the
  // cache: N * 1 * dh * kb * L = 750 * 128 * 80 = 7,680,000 B per GPU, x 16 = 122,880,000 B,
  // twice the one-GPU 61,440,000 (each head's cache is read on both GPUs that keep it).
  EXPECT_EQ(Phase(e.decode_per_gpu, IC_PHASE_QK_SCORES).kv_read_bytes, 7'680'000.0);
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_QK_SCORES).kv_read_bytes, 122'880'000.0);
  // FLOPs add up: 2 * H * dh * N * L = 2 * 64 * 128 * 750 * 80 = 983,040,000.
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_QK_SCORES).matrix_flops, 983'040'000.0);
}

TEST(WholeModel, RowParallelOutputsAndCollectivesAreTheGroups) {
  // TP 2, one decode token. o_proj on one GPU reads its H/2 heads' output and writes the full
  // d-wide partial sum: (32 * 128 + 8192) * 2 B * 80 = (4,096 + 8,192) * 160 = 1,966,080 B.
  const Estimate two = EstimateOf(Llama70b(2));
  EXPECT_EQ(Phase(two.decode_per_gpu, IC_PHASE_O_PROJ).activation_bytes, 1'966'080.0);
  // The group: 2 x 1,966,080 = 3,932,160 B = (64 * 128 + 2 * 8192) * 2 * 80.
  EXPECT_EQ(Phase(two.ledger.decode, IC_PHASE_O_PROJ).activation_bytes, 3'932'160.0);
  // One GPU alone writes the output once: (64 * 128 + 8192) * 2 * 80 = 2,621,440 B.
  const Estimate one = EstimateOf(Llama70b(1));
  EXPECT_EQ(Phase(one.ledger.decode, IC_PHASE_O_PROJ).activation_bytes, 2'621'440.0);
  // Weights and FLOPs add up to the one-GPU numbers: d * H * dh * L = 8192 * 8192 * 80 B.
  EXPECT_EQ(Phase(two.ledger.decode, IC_PHASE_O_PROJ).weight_bytes, 5'368'709'120.0);
  EXPECT_EQ(Phase(two.ledger.decode, IC_PHASE_O_PROJ).matrix_flops,
            Phase(one.ledger.decode, IC_PHASE_O_PROJ).matrix_flops);
  // Both GPUs hold the norm vectors: d * L = 655,360 params, counted once; both normalise the
  // token: 4 FLOPs * d * L = 4 * 8192 * 80 = 2,621,440 vector FLOPs each, 5,242,880 together.
  EXPECT_EQ(Phase(two.decode_per_gpu, IC_PHASE_ATTN_NORM).params, 655'360.0);
  EXPECT_EQ(Phase(two.ledger.decode, IC_PHASE_ATTN_NORM).params, 655'360.0);
  EXPECT_EQ(Phase(two.ledger.decode, IC_PHASE_ATTN_NORM).weight_bytes, 655'360.0);
  EXPECT_EQ(Phase(two.decode_per_gpu, IC_PHASE_ATTN_NORM).vector_flops, 2'621'440.0);
  EXPECT_EQ(Phase(two.ledger.decode, IC_PHASE_ATTN_NORM).vector_flops, 5'242'880.0);
  // The all-reduce after attention: each GPU sends T * d * ab = 8192 * 2 = 16,384 B per layer
  // (1,310,720 B over 80 layers); the group 2,621,440 B. One GPU has none.
  EXPECT_EQ(Phase(two.decode_per_gpu, IC_PHASE_ATTN_ALL_REDUCE).comm_bytes, 1'310'720.0);
  EXPECT_EQ(Phase(two.ledger.decode, IC_PHASE_ATTN_ALL_REDUCE).comm_bytes, 2'621'440.0);
  EXPECT_EQ(one.ledger.decode.Find(IC_PHASE_ATTN_ALL_REDUCE), nullptr);
}

TEST(WholeModel, DecodeSumComesFromTheSamePerGpuSteps) {
  // Steps k = 1..499 at context 500 + k: sum of contexts = 499 * 500 + 499 * 500 / 2 = 374,250.
  // qk_scores FLOPs: 2 * H * dh * L * 374,250 = 2 * 64 * 128 * 80 * 374,250 = 490,536,960,000,
  // from each step's per-GPU records (H/2 heads) x 2.
  const Estimate e = EstimateOf(Llama70b(2));
  const ic_phase_cost* scores = nullptr;
  for (const ic_phase_cost& cost : e.ledger.decode_sum.phases) {
    if (cost.phase == IC_PHASE_QK_SCORES) scores = &cost;
  }
  ASSERT_NE(scores, nullptr);
  EXPECT_EQ(scores->matrix_flops, 490'536'960'000.0);
}

TEST(WholeModel, DataParallelMetersAreOneReplicas) {
  // Llama-3-8B (d = 4096, H = 32, dh = 128, L = 32), DP 2, 8 clients: each replica decodes 4.
  ScenarioRequest request;
  request.model = "llama-3-8b";
  request.gpus = 2;
  request.dp = 2;
  request.concurrency = 8;
  const Estimate e = EstimateOf(request);
  EXPECT_EQ(e.ledger.decode.step.batch, 4);
  // q_proj: 2 * 4 * 4096 * 4096 * 32 = 4,294,967,296 FLOPs; weights once: 4096^2 * 32 B.
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_Q_PROJ).matrix_flops, 4'294'967'296.0);
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_Q_PROJ).weight_bytes, 536'870'912.0);
}

TEST(WholeModel, LatentProjectionsAreReplicated) {
  // DeepSeek-V3 on 8 GPUs (TP 8): q_a_proj d -> rq plus its norm, (7168 * 1536 + 1536) * 61 =
  // 671,706,624 params; kv_a_proj d -> r + dr plus its norm, (7168 * 576 + 512) * 61 =
  // 251,886,080. Every GPU holds them all (weight_copies 8); the whole model counts them once.
  ScenarioRequest request;
  request.model = "deepseek-v3";
  request.gpus = 8;
  request.input_tokens = 100;
  request.output_tokens = 4;
  const Estimate e = EstimateOf(request);
  EXPECT_EQ(Phase(e.decode_per_gpu, IC_PHASE_Q_A_PROJ).params, 671'706'624.0);
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_Q_A_PROJ).params, 671'706'624.0);
  EXPECT_EQ(Phase(e.decode_per_gpu, IC_PHASE_KV_A_PROJ).params, 251'886'080.0);
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_KV_A_PROJ).params, 251'886'080.0);
  // Each GPU writes the step's latent to its own copy of the cache: (512 + 64) * 1 B (fp8) * 61
  // = 35,136 B, and the group 8 x 35,136 = 281,088 B.
  EXPECT_EQ(Phase(e.decode_per_gpu, IC_PHASE_KV_A_PROJ).kv_write_bytes, 35'136.0);
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_KV_A_PROJ).kv_write_bytes, 281'088.0);
}

TEST(WholeModel, MultiQueryHeadOnEveryGpu) {
  // Llama-3-70B as MQA on 2 GPUs: both keep the one K/V head. K weights 8192 * 128 * 80 =
  // 83,886,080 B once; K cache read 750 * 128 * 80 = 7,680,000 B on each GPU, 15,360,000 B for
  // the group (one GPU alone reads 7,680,000: ledger_test).
  ScenarioRequest request = Llama70b(2);
  request.attention_variant = "mqa";
  const Estimate e = EstimateOf(request);
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_K_PROJ).weight_bytes, 83'886'080.0);
  EXPECT_EQ(Phase(e.decode_per_gpu, IC_PHASE_QK_SCORES).kv_read_bytes, 7'680'000.0);
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_QK_SCORES).kv_read_bytes, 15'360'000.0);
}

TEST(WholeModel, ImbalancedExpertsAreMeteredAtTheMeanGpu) {
  // Mixtral-8x7B (d = 4096, expert width 14336, top-2 of 8, L = 32), TP 2, one token, the
  // busiest GPU getting 1.5 x its share. One expert: 3 * 4096 * 14336 = 176,160,768 params.
  ScenarioRequest request;
  request.model = "mixtral-8x7b";
  request.gpus = 2;
  request.moe_imbalance = 1.5;
  request.input_tokens = 100;
  request.output_tokens = 4;
  const Estimate e = EstimateOf(request);
  // Busiest GPU (timed): 2 * (1 * 2 / 2) * 1.5 * 176,160,768 * 32 = 16,911,433,728 FLOPs.
  EXPECT_EQ(Phase(e.decode_per_gpu, IC_PHASE_MOE_EXPERTS).matrix_flops, 16'911'433'728.0);
  // Whole model: the token's 2 experts once, 2 * 2 * 176,160,768 * 32 = 22,548,578,304.
  EXPECT_EQ(Phase(e.ledger.decode, IC_PHASE_MOE_EXPERTS).matrix_flops, 22'548'578'304.0);
}

TEST(WholeModel, RecordOfAGroup) {
  ic_phase_cost cost{};
  cost.struct_size = sizeof cost;
  cost.phase = IC_PHASE_K_PROJ;
  cost.params = 10;
  cost.weight_bytes = 20;
  cost.matrix_flops = 30;
  cost.kv_write_bytes = 40;
  // weight_copies 0 (a 1.1 record) or 1: every GPU its own shard, all x 8.
  ic_phase_cost whole = framework::WholeModelRecord(cost, 8);
  EXPECT_EQ(whole.params, 80.0);
  EXPECT_EQ(whole.weight_bytes, 160.0);
  EXPECT_EQ(whole.matrix_flops, 240.0);
  // Each weight on 2 of the 8 GPUs: weights x 8 / 2, work x 8.
  cost.weight_copies = 2;
  whole = framework::WholeModelRecord(cost, 8);
  EXPECT_EQ(whole.params, 40.0);
  EXPECT_EQ(whole.weight_bytes, 80.0);
  EXPECT_EQ(whole.matrix_flops, 240.0);
  EXPECT_EQ(whole.kv_write_bytes, 320.0);
  EXPECT_EQ(whole.weight_copies, 2.0);
  // On every GPU: weights once.
  cost.weight_copies = 8;
  EXPECT_EQ(framework::WholeModelRecord(cost, 8).params, 10.0);
}

TEST(WholeModel, WeightCopiesMustBeFiniteAndNonNegative) {
  ic_phase_cost cost{};
  cost.struct_size = sizeof cost;
  cost.phase = IC_PHASE_K_PROJ;
  EXPECT_EQ(sdk::PhaseRecordProblem(cost), "");
  cost.weight_copies = -1;
  EXPECT_NE(sdk::PhaseRecordProblem(cost).find("k_proj.weight_copies = -1"), std::string::npos);
  cost.weight_copies = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(sdk::PhaseRecordProblem(cost).find("k_proj.weight_copies"), std::string::npos);
  // A 1.1 record (104 bytes) has no weight_copies: not read, whatever lies beyond it.
  cost.struct_size = IC_PHASE_COST_V1_0_SIZE;
  EXPECT_EQ(sdk::PhaseRecordProblem(cost), "");
}

}  // namespace
}  // namespace infercost
