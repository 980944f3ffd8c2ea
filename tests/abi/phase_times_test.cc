// ABI 1.3 phase_times: a hardware plugin times many records in one call, exactly as phase_time
// times each; a table of ABI 1.1 (no phase_times) is timed record by record; a batch that fails
// is re-timed record by record so that the error names the record.
#include <vector>

#include "framework/abi/hardware_plugin.h"
#include "gtest/gtest.h"
#include "tests/abi/abi_test_util.h"

namespace infercost::abi_test {
namespace {

using framework::HardwarePlugin;

ic_execution Execution() {
  ic_execution execution{};
  execution.struct_size = sizeof(ic_execution);
  execution.weight_dtype = IC_DTYPE_BF16;
  execution.activation_dtype = IC_DTYPE_BF16;
  execution.kv_dtype = IC_DTYPE_BF16;
  execution.matmul_efficiency = 0.7;
  execution.matmul_half_flops = 1e9;
  execution.bandwidth_efficiency = 0.8;
  execution.bandwidth_half_bytes = 1e6;
  execution.kernel_overhead_s = 3e-6;
  return execution;
}

ic_phase_cost Record(ic_phase_id phase, double matrix_flops, double vector_flops,
                     double weight_bytes, double kv_read_bytes) {
  ic_phase_cost cost{};
  cost.struct_size = sizeof(ic_phase_cost);
  cost.phase = phase;
  cost.matrix_flops = matrix_flops;
  cost.vector_flops = vector_flops;
  cost.weight_bytes = weight_bytes;
  cost.kv_read_bytes = kv_read_bytes;
  return cost;
}

// Compute-bound, memory-bound, vector-only and empty records.
std::vector<ic_phase_cost> Records() {
  return {Record(IC_PHASE_FFN_UP, 1e12, 0, 1e8, 0), Record(IC_PHASE_QK_SCORES, 1e8, 0, 0, 4e9),
          Record(IC_PHASE_SOFTMAX, 0, 5e7, 0, 0), Record(IC_PHASE_TOKEN_IDS, 0, 0, 0, 0)};
}

std::shared_ptr<const LoadedPlugin> Load(const std::string& dir, const char* name) {
  static const PluginSet* in_tree = new PluginSet(framework::LoadPlugins(OnlyDirs({dir})));
  static const PluginSet* bad = new PluginSet(framework::LoadPlugins(OnlyDirs({BadPluginDir()})));
  return FindLoaded(dir == BadPluginDir() ? *bad : *in_tree, name);
}

TEST(PhaseTimes, RooflineBatchIsExactlyEachRecordsTime) {
  const auto plugin = Load(BuildPluginDir(), "roofline");
  ASSERT_NE(plugin, nullptr);
  const HardwarePlugin roofline(plugin);
  const std::vector<ic_phase_cost> records = Records();
  std::vector<ic_phase_time> times(records.size());
  ASSERT_TRUE(
      roofline.PhaseTimes(TestDevice(), Execution(), records.data(), records.size(), times.data())
          .ok());
  for (size_t i = 0; i < records.size(); ++i) {
    absl::StatusOr<ic_phase_time> one = roofline.PhaseTime(TestDevice(), Execution(), records[i]);
    ASSERT_TRUE(one.ok()) << one.status();
    EXPECT_EQ(times[i].time_s, one->time_s) << i;
    EXPECT_EQ(times[i].compute_s, one->compute_s) << i;
    EXPECT_EQ(times[i].memory_s, one->memory_s) << i;
    EXPECT_EQ(times[i].overhead_s, one->overhead_s) << i;
    EXPECT_EQ(times[i].bound, one->bound) << i;
  }
  // And the roofline's own formula for the first (ffn_up: 1e12 FLOPs, 1e8 weight bytes):
  // compute = (1e12 + 1e9) / (1e15 x 0.7) = 1.43e-3 s; memory = (1e8 + 1e6) / (3e12 x 0.8)
  // = 4.2083e-5 s; time = compute + 3e-6 kernel overhead.
  EXPECT_NEAR(times[0].time_s, 1.001e12 / 0.7e15 + 3e-6, 1e-15);
  EXPECT_EQ(times[0].bound, IC_BOUND_COMPUTE);
}

TEST(PhaseTimes, TableWithoutPhaseTimesIsTimedRecordByRecord) {
  // abi_v1_1_hardware's table ends before phase_times (whose slot would abort the test).
  const auto plugin = Load(BadPluginDir(), "abi_v1_1_hardware");
  ASSERT_NE(plugin, nullptr);
  const std::vector<ic_phase_cost> records = Records();
  std::vector<ic_phase_time> times(records.size());
  ASSERT_TRUE(
      HardwarePlugin(plugin)
          .PhaseTimes(TestDevice(), Execution(), records.data(), records.size(), times.data())
          .ok());
  // Its toy model: max(matrix_flops / 1e15, weight_bytes / 1e12) + 1e-6.
  EXPECT_DOUBLE_EQ(times[0].time_s, 1e-3 + 1e-6);  // max(1e12 / 1e15, 1e8 / 1e12) + 1e-6
  EXPECT_DOUBLE_EQ(times[1].time_s, 1e-7 + 1e-6);  // max(1e8 / 1e15, 0) + 1e-6
  EXPECT_DOUBLE_EQ(times[2].time_s, 1e-6);         // no matrix FLOPs, no weights
  EXPECT_DOUBLE_EQ(times[3].time_s, 1e-6);
}

TEST(PhaseTimes, AFailedBatchNamesTheRecord) {
  const auto plugin = Load(BuildPluginDir(), "roofline");
  ASSERT_NE(plugin, nullptr);
  std::vector<ic_phase_cost> records = Records();
  records[1].kv_read_bytes = -1;  // qk_scores: the roofline refuses it
  std::vector<ic_phase_time> times(records.size());
  const absl::Status status = HardwarePlugin(plugin).PhaseTimes(
      TestDevice(), Execution(), records.data(), records.size(), times.data());
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(status.message(), "qk_scores")) << status;
  EXPECT_TRUE(Contains(status.message(), "kv_read_bytes")) << status;
}

TEST(PhaseTimes, ANonFiniteTimeInABatchNamesThePhase) {
  const auto plugin = Load(BadPluginDir(), "abi_nan_time");  // SDK default: PhaseTime each
  ASSERT_NE(plugin, nullptr);
  const std::vector<ic_phase_cost> records = Records();
  std::vector<ic_phase_time> times(records.size());
  const absl::Status status = HardwarePlugin(plugin).PhaseTimes(
      TestDevice(), Execution(), records.data(), records.size(), times.data());
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(status.message(), "abi_nan_time")) << status;
  EXPECT_TRUE(Contains(status.message(), "ffn_up")) << status;
}

}  // namespace
}  // namespace infercost::abi_test
