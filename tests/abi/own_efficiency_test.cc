// IC_PLUGIN_FLAG_OWN_EFFICIENCY (ABI 1.1): a hardware plugin that brings its own efficiencies
// gets matmul and bandwidth efficiency 1 from the host; any other gets the engine's calibration.
// The test plugins echo what they were given (tests/abi/plugins/echo_efficiency_hardware.cc:
// time = matmul_efficiency + 1000 x bandwidth_efficiency).
#include <string>

#include "framework/abi/hardware_plugin.h"
#include "framework/loader/plugin_loader.h"
#include "framework/timing/step_timer.h"
#include "gtest/gtest.h"
#include "tests/abi/abi_test_util.h"

namespace infercost::abi_test {
namespace {

double EchoedTime(const framework::PluginSet& set, const char* name) {
  absl::StatusOr<std::shared_ptr<const framework::LoadedPlugin>> plugin =
      set.Find(IC_PLUGIN_KIND_HARDWARE, name);
  EXPECT_TRUE(plugin.ok()) << plugin.status();
  if (!plugin.ok()) return -1;
  framework::Execution execution;
  execution.abi.struct_size = sizeof(ic_execution);
  execution.abi.matmul_efficiency = 0.59;  // vLLM's H100 fit
  execution.abi.bandwidth_efficiency = 0.92;
  execution.abi.matmul_half_flops = 1e9;
  registry::Hardware device;
  device.name = std::string("x");
  device.memory_bandwidth_bytes_per_s = 1e12;
  const framework::StepTimer timer(framework::HardwarePlugin(*plugin), device, execution);
  ic_phase_cost cost{};
  cost.struct_size = sizeof(ic_phase_cost);
  cost.phase = IC_PHASE_Q_PROJ;
  absl::StatusOr<double> t = timer.TimePhases({cost}, 1);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : -1;
}

TEST(OwnEfficiency, DeclaredPluginsGetPeakEfficienciesOthersTheEngines) {
  const framework::PluginSet set = framework::LoadPlugins(OnlyDirs({BadPluginDir()}));
  EXPECT_DOUBLE_EQ(EchoedTime(set, "abi_echo_efficiency"), 0.59 + 1000 * 0.92);
  EXPECT_DOUBLE_EQ(EchoedTime(set, "abi_own_efficiency"), 1 + 1000 * 1);
}

}  // namespace
}  // namespace infercost::abi_test
