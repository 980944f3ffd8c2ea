// ABI 1.3 phase_times: a hardware plugin times many records in one call, exactly as phase_time
// times each; a table of ABI 1.1 (no phase_times) is timed record by record; a batch that fails
// is re-timed record by record so that the error names the record. ABI 1.5 phase_time_models:
// the roofline's time as a maximum of affine pieces of a record's fields.
#include <vector>

#include "framework/abi/hardware_plugin.h"
#include "gtest/gtest.h"
#include "infercost/sdk/abi_support.h"
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

// The host's models of `records` (one call).
absl::StatusOr<std::vector<ic_time_model>> Models(const HardwarePlugin& hardware,
                                                  const std::vector<ic_phase_cost>& records) {
  std::vector<ic_time_model> models(records.size());
  const absl::Status status = hardware.PhaseTimeModels(TestDevice(), Execution(), records.data(),
                                                       records.size(), models.data());
  if (!status.ok()) return status;
  return models;
}

TEST(PhaseTimeModel, RooflinePiecesAreItsRatesAndHalfSizes) {
  const auto plugin = Load(BuildPluginDir(), "roofline");
  ASSERT_NE(plugin, nullptr);
  const HardwarePlugin roofline(plugin);
  // ffn_up, 1e12 FLOPs and 1e8 weight bytes, on TestDevice (bf16 1e15 FLOP/s, 3e12 B/s) at
  // Execution() (matmul 0.7 reaching half at 1e9 FLOPs, bandwidth 0.8 at 1e6 bytes, 3 us):
  //   compute piece: 1 / (1e15 x 0.7) s per FLOP, constant 1e9 / 0.7e15 s (the half size);
  //   memory piece: 1 / (3e12 x 0.8) s per byte, constant 1e6 / 2.4e12 s; overhead 3e-6 s.
  const absl::StatusOr<std::vector<ic_time_model>> models = Models(roofline, Records());
  ASSERT_TRUE(models.ok()) << models.status();
  const ic_time_model* model = &(*models)[0];
  ASSERT_EQ(model->piece_count, 2u);
  EXPECT_DOUBLE_EQ(model->pieces[0].s_per_matrix_flop, 1 / 0.7e15);
  EXPECT_DOUBLE_EQ(model->pieces[0].constant_s, 1e9 / 0.7e15);
  EXPECT_EQ(model->pieces[0].s_per_vector_flop, 0);  // no vector FLOPs in the record
  EXPECT_EQ(model->pieces[0].s_per_weight_byte, 0);
  EXPECT_DOUBLE_EQ(model->pieces[1].s_per_weight_byte, 1 / 2.4e12);
  EXPECT_DOUBLE_EQ(model->pieces[1].s_per_kv_read_byte, 1 / 2.4e12);
  EXPECT_DOUBLE_EQ(model->pieces[1].constant_s, 1e6 / 2.4e12);
  EXPECT_EQ(model->pieces[1].s_per_matrix_flop, 0);
  EXPECT_DOUBLE_EQ(model->overhead_s, 3e-6);
  // At the record: (1e12 + 1e9) / 0.7e15 + 3e-6 (compute-bound), as PhaseTimes asserts above.
  EXPECT_NEAR(sdk::ModelTime(*model, Records()[0]), 1.001e12 / 0.7e15 + 3e-6, 1e-15);
}

TEST(PhaseTimeModel, RooflineModelGivesPhaseTimeForRecordsOfTheSameSigns) {
  const auto plugin = Load(BuildPluginDir(), "roofline");
  ASSERT_NE(plugin, nullptr);
  const HardwarePlugin roofline(plugin);
  const std::vector<ic_phase_cost> records = Records();
  const absl::StatusOr<std::vector<ic_time_model>> models = Models(roofline, records);
  ASSERT_TRUE(models.ok()) << models.status();
  for (size_t i = 0; i < records.size(); ++i) {
    const ic_phase_cost& record = records[i];
    const ic_time_model* model = &(*models)[i];
    ASSERT_GT(model->piece_count, 0u);
    // The record with its positive fields scaled (other GEMM shapes too): compute- and
    // memory-bound alike.
    for (const double scale : {1e-6, 0.5, 1.0, 3.0, 1e4}) {
      ic_phase_cost scaled = record;
      scaled.matrix_flops *= scale;
      scaled.vector_flops *= scale * 2;
      scaled.weight_bytes *= scale;
      scaled.kv_read_bytes *= scale * 5;
      scaled.gemm_n = 17;
      const absl::StatusOr<ic_phase_time> time =
          roofline.PhaseTime(TestDevice(), Execution(), scaled);
      ASSERT_TRUE(time.ok()) << time.status();
      EXPECT_NEAR(sdk::ModelTime(*model, scaled), time->time_s, 1e-12 * time->time_s)
          << record.phase << " x " << scale;
    }
  }
}

TEST(PhaseTimeModel, APluginWithoutTheEntryHasNoModel) {
  // abi_v1_1_hardware's table ends before phase_times and phase_time_models (whose slot would
  // abort the test).
  const auto plugin = Load(BadPluginDir(), "abi_v1_1_hardware");
  ASSERT_NE(plugin, nullptr);
  const absl::StatusOr<std::vector<ic_time_model>> models =
      Models(HardwarePlugin(plugin), Records());
  ASSERT_TRUE(models.ok()) << models.status();
  for (const ic_time_model& model : *models) EXPECT_EQ(model.piece_count, 0u);
}

TEST(PhaseTimeModel, ANonFiniteModelIsAnErrorNamingThePlugin) {
  // Not probed: its probe fails invariants.time_model, and the host then never asks for its
  // models (plugin_trust_test.cc); a host without the probe must still refuse what they hold.
  PluginLoaderOptions unprobed = OnlyDirs({BadPluginDir()});
  unprobed.probe = false;
  const auto plugin = FindLoaded(framework::LoadPlugins(unprobed), "abi_nan_model");
  ASSERT_NE(plugin, nullptr);
  const absl::StatusOr<std::vector<ic_time_model>> models =
      Models(HardwarePlugin(plugin), Records());
  ASSERT_FALSE(models.ok());
  EXPECT_TRUE(Contains(models.status().message(), "abi_nan_model")) << models.status();
  EXPECT_TRUE(Contains(models.status().message(), "ffn_up")) << models.status();
  EXPECT_TRUE(Contains(models.status().message(), "nan")) << models.status();
}

TEST(PhaseTimeModel, ARefusedRecordIsAnErrorNamingThePhase) {
  const auto plugin = Load(BuildPluginDir(), "roofline");
  ASSERT_NE(plugin, nullptr);
  std::vector<ic_phase_cost> records = Records();
  records[1].kv_read_bytes = -1;  // qk_scores: the roofline refuses it
  const absl::StatusOr<std::vector<ic_time_model>> models = Models(HardwarePlugin(plugin), records);
  ASSERT_FALSE(models.ok());
  EXPECT_TRUE(Contains(models.status().message(), "qk_scores")) << models.status();
  EXPECT_TRUE(Contains(models.status().message(), "kv_read_bytes")) << models.status();
}

}  // namespace
}  // namespace infercost::abi_test
