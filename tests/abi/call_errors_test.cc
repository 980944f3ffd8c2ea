// Plugins that load but misbehave when called: exceptions inside plugin code, invalid cost
// records, a kernel that changes FLOPs, a hardware model that returns NaN. Every host call must
// come back as an absl::Status naming the problem, and the host must stay usable.
#include <cstring>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/abi/attention_kernel_plugin.h"
#include "framework/abi/attention_variant_plugin.h"
#include "framework/abi/hardware_plugin.h"
#include "gtest/gtest.h"
#include "infercost/c/plugin.h"
#include "tests/abi/abi_test_util.h"
#include "tests/abi/plugins/abi_test_plugins.h"

namespace infercost::abi_test {
namespace {

using framework::AttentionKernelPlugin;
using framework::AttentionVariantPlugin;
using framework::HardwarePlugin;

// The loaded plugin `name` from bad_plugins/; fails the test (and returns null) when absent.
std::shared_ptr<const LoadedPlugin> Loaded(std::string_view name) {
  auto plugin = FindLoaded(BadPlugins(), name);
  EXPECT_NE(plugin, nullptr) << name << " did not load:\n" << Describe(BadPlugins());
  return plugin;
}

// ---- case 6: C++ exceptions thrown inside plugin functions ----

TEST(AbiCallErrors, RuntimeErrorBecomesInternalWithItsMessage) {
  const auto plugin = Loaded("abi_throwing");
  ASSERT_NE(plugin, nullptr);
  const AttentionVariantPlugin variant(plugin);
  absl::StatusOr<std::vector<ic_phase_cost>> phases = variant.Phases(SmallShape(), PrefillStage());
  ASSERT_FALSE(phases.ok());
  EXPECT_EQ(phases.status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(Contains(phases.status().message(), ABI_TEST_BOOM));
  EXPECT_TRUE(Contains(phases.status().message(), "abi_throwing"));
}

TEST(AbiCallErrors, SdkErrorKeepsItsCodeAndMessage) {
  const auto plugin = Loaded("abi_throwing");
  ASSERT_NE(plugin, nullptr);
  const AttentionVariantPlugin variant(plugin);
  absl::StatusOr<std::vector<ic_phase_cost>> phases = variant.Phases(SmallShape(), DecodeStage());
  ASSERT_FALSE(phases.ok());
  EXPECT_EQ(phases.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(phases.status().message(), ABI_TEST_DECODE_UNSUPPORTED));
}

TEST(AbiCallErrors, NonStandardAndAllocationExceptionsAreContained) {
  const auto plugin = Loaded("abi_throwing");
  ASSERT_NE(plugin, nullptr);
  const AttentionVariantPlugin variant(plugin);

  const absl::Status validate = variant.Validate(SmallShape(), 1);  // throws an int
  EXPECT_EQ(validate.code(), absl::StatusCode::kInternal) << validate;

  absl::StatusOr<double> kv = variant.KvCacheBytesPerToken(SmallShape(), DecodeStage());
  EXPECT_FALSE(kv.ok());  // throws std::bad_alloc
  EXPECT_FALSE(kv.status().message().empty());
}

TEST(AbiCallErrors, PluginStaysUsableAfterThrowing) {
  const auto plugin = Loaded("abi_throwing");
  ASSERT_NE(plugin, nullptr);
  const AttentionVariantPlugin variant(plugin);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::vector<ic_phase_cost>> prefill =
        variant.Phases(SmallShape(), PrefillStage());
    ASSERT_FALSE(prefill.ok());
    EXPECT_TRUE(Contains(prefill.status().message(), ABI_TEST_BOOM));
  }
  // Other plugins are unaffected.
  const AttentionVariantPlugin good(Loaded("abi_c_good"));
  EXPECT_TRUE(good.Phases(SmallShape(), DecodeStage()).ok());
}

// ---- case 7: invalid cost records ----

TEST(AbiCallErrors, NanCostNamesFieldAndPhase) {
  const auto plugin = Loaded("abi_nan_cost");
  ASSERT_NE(plugin, nullptr);
  absl::StatusOr<std::vector<ic_phase_cost>> phases =
      AttentionVariantPlugin(plugin).Phases(SmallShape(), DecodeStage());
  ASSERT_FALSE(phases.ok());
  EXPECT_TRUE(Contains(phases.status().message(), "matrix_flops"));
  EXPECT_TRUE(Contains(phases.status().message(), "qk_scores"));
  EXPECT_TRUE(Contains(phases.status().message(), "abi_nan_cost"));
}

TEST(AbiCallErrors, NegativeCostNamesFieldAndPhase) {
  const auto plugin = Loaded("abi_negative_cost");
  ASSERT_NE(plugin, nullptr);
  absl::StatusOr<std::vector<ic_phase_cost>> phases =
      AttentionVariantPlugin(plugin).Phases(SmallShape(), DecodeStage());
  ASSERT_FALSE(phases.ok());
  EXPECT_TRUE(Contains(phases.status().message(), "kv_read_bytes"));
  EXPECT_TRUE(Contains(phases.status().message(), "attn_v"));
}

TEST(AbiCallErrors, CopiesBeyondTheGroupNamePhaseAndGroup) {
  // ABI 1.2: a record computed by more GPUs than the tensor-parallel group has is refused.
  const auto plugin = Loaded("abi_too_many_copies");
  ASSERT_NE(plugin, nullptr);
  absl::StatusOr<std::vector<ic_phase_cost>> phases =
      AttentionVariantPlugin(plugin).Phases(SmallShape(), DecodeStage());
  ASSERT_FALSE(phases.ok());
  EXPECT_TRUE(Contains(phases.status().message(), "k_proj"));
  EXPECT_TRUE(Contains(phases.status().message(), "copies"));
  EXPECT_TRUE(Contains(phases.status().message(), "abi_too_many_copies"));
}

TEST(AbiCallErrors, PluginThatIgnoresTheSinkErrorStillFails) {
  const auto plugin = Loaded("abi_ignores_sink_error");
  ASSERT_NE(plugin, nullptr);
  const AttentionVariantPlugin variant(plugin);
  for (int i = 0; i < 2; ++i) {  // the swallowed error is freed by the host: repeatable
    absl::StatusOr<std::vector<ic_phase_cost>> phases = variant.Phases(SmallShape(), DecodeStage());
    ASSERT_FALSE(phases.ok()) << "a rejected record must fail the call even if the plugin "
                                 "returns OK";
    EXPECT_TRUE(Contains(phases.status().message(), "matrix_flops"));
    EXPECT_TRUE(Contains(phases.status().message(), "qk_scores"));
  }
}

TEST(AbiCallErrors, NonAttentionPhaseFromAVariant) {
  const auto plugin = Loaded("abi_foreign_phase");
  ASSERT_NE(plugin, nullptr);
  absl::StatusOr<std::vector<ic_phase_cost>> phases =
      AttentionVariantPlugin(plugin).Phases(SmallShape(), DecodeStage());
  ASSERT_FALSE(phases.ok());
  EXPECT_TRUE(Contains(phases.status().message(), "ffn_up"));
}

// ---- case 12: a kernel that changes FLOPs; a hardware model that returns NaN ----

std::vector<ic_phase_cost> AttentionCore() {
  std::vector<ic_phase_cost> phases(3);
  const ic_phase_id ids[] = {IC_PHASE_QK_SCORES, IC_PHASE_SOFTMAX, IC_PHASE_ATTN_V};
  for (size_t i = 0; i < phases.size(); ++i) {
    phases[i].struct_size = sizeof(ic_phase_cost);
    phases[i].phase = ids[i];
  }
  phases[0].matrix_flops = 204800;
  phases[1].vector_flops = 8000;
  phases[2].matrix_flops = 204800;
  phases[2].kv_read_bytes = 51200;
  return phases;
}

ic_kernel_device KernelDevice() {
  ic_kernel_device device{};
  device.struct_size = sizeof(ic_kernel_device);
  device.onchip_memory_bytes = 30e6;
  device.l2_cache_bytes = 50e6;
  device.compute_units = 132;
  return device;
}

void ExpectSamePhases(const std::vector<ic_phase_cost>& a, const std::vector<ic_phase_cost>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof(ic_phase_cost)), 0) << "phase " << i;
  }
}

TEST(AbiCallErrors, KernelThatChangesFlopsIsRejected) {
  const auto plugin = Loaded("abi_flop_changer");
  ASSERT_NE(plugin, nullptr);
  std::vector<ic_phase_cost> phases = AttentionCore();
  const std::vector<ic_phase_cost> before = phases;
  const absl::Status status = AttentionKernelPlugin(plugin).RewriteTraffic(
      SmallShape(), DecodeStage(), KernelDevice(), phases);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(status.message(), "qk_scores"));
  EXPECT_TRUE(Contains(status.message(), "FLOPs"));
  ExpectSamePhases(phases, before);  // nothing of the bad rewrite is kept
}

TEST(AbiCallErrors, KernelThatWritesNegativeTrafficIsRejected) {
  const auto plugin = Loaded("abi_negative_traffic");
  ASSERT_NE(plugin, nullptr);
  std::vector<ic_phase_cost> phases = AttentionCore();
  const std::vector<ic_phase_cost> before = phases;
  const absl::Status status = AttentionKernelPlugin(plugin).RewriteTraffic(
      SmallShape(), DecodeStage(), KernelDevice(), phases);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(status.message(), "activation_bytes"));
  EXPECT_TRUE(Contains(status.message(), "softmax"));
  ExpectSamePhases(phases, before);
}

ic_execution Execution() {
  ic_execution execution{};
  execution.struct_size = sizeof(ic_execution);
  execution.weight_dtype = IC_DTYPE_BF16;
  execution.activation_dtype = IC_DTYPE_BF16;
  execution.kv_dtype = IC_DTYPE_BF16;
  execution.matmul_efficiency = 1;
  execution.bandwidth_efficiency = 1;
  return execution;
}

TEST(AbiCallErrors, HardwareNanPhaseTimeIsAnError) {
  const auto plugin = Loaded("abi_nan_time");
  ASSERT_NE(plugin, nullptr);
  ic_phase_cost cost{};
  cost.struct_size = sizeof(ic_phase_cost);
  cost.phase = IC_PHASE_Q_PROJ;
  cost.matrix_flops = 1e9;
  cost.weight_bytes = 1e6;
  absl::StatusOr<ic_phase_time> time =
      HardwarePlugin(plugin).PhaseTime(TestDevice(), Execution(), cost);
  ASSERT_FALSE(time.ok());
  EXPECT_TRUE(Contains(time.status().message(), "q_proj"));
  EXPECT_TRUE(Contains(time.status().message(), "abi_nan_time"));
}

TEST(AbiCallErrors, HardwareNegativeCollectiveTimeIsAnError) {
  const auto plugin = Loaded("abi_nan_time");
  ASSERT_NE(plugin, nullptr);
  ic_collective collective{};
  collective.struct_size = sizeof(ic_collective);
  collective.op = IC_COLLECTIVE_ALL_REDUCE;
  collective.bytes = 1e6;
  collective.group_size = 8;
  absl::StatusOr<double> seconds =
      HardwarePlugin(plugin).CollectiveTime(TestDevice(), Execution(), collective);
  ASSERT_FALSE(seconds.ok());
  EXPECT_TRUE(Contains(seconds.status().message(), "abi_nan_time"));
}

TEST(AbiCallErrors, HardwareDeviceWithoutNameIsAnError) {
  const auto plugin = Loaded("abi_nan_time");
  ASSERT_NE(plugin, nullptr);
  const absl::StatusOr<HardwarePlugin::DescribedDevices> devices = HardwarePlugin(plugin).Devices();
  ASSERT_FALSE(devices.ok());
  EXPECT_TRUE(Contains(devices.status().message(), "name"));
}

}  // namespace
}  // namespace infercost::abi_test
