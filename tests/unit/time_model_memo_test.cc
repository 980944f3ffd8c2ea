// TimeModelMemo: which records share a kept time model (the ABI 1.5 promise: the same plugin,
// device and execution, the same phase, the same timed fields positive), and that owners that
// are gone never match new ones.
#include "framework/timing/time_model_memo.h"

#include <memory>

#include "gtest/gtest.h"

namespace infercost::framework {
namespace {

ic_phase_cost Record(ic_phase_id phase, double matrix_flops, double kv_read_bytes) {
  ic_phase_cost cost{};
  cost.struct_size = sizeof(ic_phase_cost);
  cost.phase = phase;
  cost.matrix_flops = matrix_flops;
  cost.kv_read_bytes = kv_read_bytes;
  return cost;
}

ic_time_model Model(double overhead_s) {
  ic_time_model model{};
  model.struct_size = sizeof(ic_time_model);
  model.overhead_s = overhead_s;
  model.piece_count = 1;
  model.pieces[0].s_per_matrix_flop = 1e-15;
  return model;
}

ic_execution Execution(double matmul_efficiency) {
  ic_execution execution{};
  execution.struct_size = sizeof(ic_execution);
  execution.matmul_efficiency = matmul_efficiency;
  return execution;
}

TEST(TimeModelMemo, RecordsOfOnePhaseWithTheSameFieldsPositiveShareAModel) {
  TimeModelMemo memo;
  const auto plugin = std::make_shared<int>(1);
  const auto device = std::make_shared<int>(2);
  memo.Use(plugin, device, Execution(0.7));
  EXPECT_EQ(memo.Find(Record(IC_PHASE_QK_SCORES, 4e9, 1e6)), nullptr);
  memo.Keep(Record(IC_PHASE_QK_SCORES, 4e9, 1e6), Model(5e-6));
  // Other sizes, the same fields positive (matrix FLOPs and KV reads): the kept model.
  const ic_time_model* kept = memo.Find(Record(IC_PHASE_QK_SCORES, 8e9, 3e7));
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->overhead_s, 5e-6);
  EXPECT_EQ(kept->pieces[0].s_per_matrix_flop, 1e-15);
  // No KV reads (a field zero that was positive): another pattern, nothing kept.
  EXPECT_EQ(memo.Find(Record(IC_PHASE_QK_SCORES, 8e9, 0)), nullptr);
  // Another phase with the same fields positive: nothing kept.
  EXPECT_EQ(memo.Find(Record(IC_PHASE_ATTN_V, 4e9, 1e6)), nullptr);
  // Keeping the same pattern again replaces the model (one per pattern).
  memo.Keep(Record(IC_PHASE_QK_SCORES, 2e9, 5e5), Model(7e-6));
  EXPECT_EQ(memo.Find(Record(IC_PHASE_QK_SCORES, 4e9, 1e6))->overhead_s, 7e-6);
  EXPECT_EQ(memo.size(), 1u);
}

TEST(TimeModelMemo, AnotherPluginDeviceOrExecutionIsAnotherContext) {
  TimeModelMemo memo;
  const auto plugin = std::make_shared<int>(1);
  const auto device = std::make_shared<int>(2);
  const ic_phase_cost record = Record(IC_PHASE_QK_SCORES, 4e9, 1e6);
  memo.Use(plugin, device, Execution(0.7));
  memo.Keep(record, Model(5e-6));

  const auto other_plugin = std::make_shared<int>(1);  // equal contents, another owner
  const auto other_device = std::make_shared<int>(2);
  memo.Use(other_plugin, device, Execution(0.7));
  EXPECT_EQ(memo.Find(record), nullptr);
  memo.Use(plugin, other_device, Execution(0.7));
  EXPECT_EQ(memo.Find(record), nullptr);
  memo.Use(plugin, device, Execution(0.8));
  EXPECT_EQ(memo.Find(record), nullptr);
  // A copy of the owner (the same control block) is the same plugin; back in the first
  // context, its model is still kept.
  const std::shared_ptr<const void> same_plugin = plugin;
  memo.Use(same_plugin, device, Execution(0.7));
  ASSERT_NE(memo.Find(record), nullptr);
  EXPECT_EQ(memo.Find(record)->overhead_s, 5e-6);
}

TEST(TimeModelMemo, ADeviceThatIsGoneNeverMatchesANewOne) {
  TimeModelMemo memo;
  const auto plugin = std::make_shared<int>(1);
  const ic_phase_cost record = Record(IC_PHASE_QK_SCORES, 4e9, 1e6);
  auto device = std::make_shared<int>(2);
  memo.Use(plugin, device, Execution(0.7));
  memo.Keep(record, Model(5e-6));
  device.reset();
  // New devices of the same size, some likely where the old one was (the allocator reuses its
  // memory; a context of raw addresses would match them): none matches, neither as the last
  // context used nor as one kept.
  for (int i = 0; i < 8; ++i) {
    const auto fresh = std::make_shared<int>(2);
    memo.Use(plugin, fresh, Execution(0.7));
    EXPECT_EQ(memo.Find(record), nullptr) << "new device " << i;
  }
}

TEST(TimeModelMemo, KeepsAtMostItsBound) {
  TimeModelMemo memo;
  const auto plugin = std::make_shared<int>(1);
  const auto device = std::make_shared<int>(2);
  for (size_t i = 0; i <= TimeModelMemo::kMaxKept; ++i) {
    memo.Use(plugin, device, Execution(0.5 + 1e-4 * static_cast<double>(i)));
    memo.Keep(Record(IC_PHASE_QK_SCORES, 4e9, 1e6), Model(1e-6));
    EXPECT_LE(memo.size(), TimeModelMemo::kMaxKept);
    // The model just kept is found, whatever was forgotten to keep it.
    EXPECT_NE(memo.Find(Record(IC_PHASE_QK_SCORES, 4e9, 1e6)), nullptr) << i;
  }
  EXPECT_GE(memo.size(), 1u);
}

}  // namespace
}  // namespace infercost::framework
