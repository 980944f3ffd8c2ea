// A hardware plugin's devices are held to what a hardware preset may hold: one out of a preset's
// ranges, or named as no registry key, is left out with the reason; the others are described.
#include <string>

#include "framework/abi/hardware_plugin.h"
#include "framework/loader/plugin_loader.h"
#include "gtest/gtest.h"
#include "tests/abi/abi_test_util.h"

namespace infercost::abi_test {
namespace {

TEST(DeviceCheck, DevicesOutOfAPresetsRangesAreLeftOutWithTheReason) {
  const PluginSet set = framework::LoadPlugins(OnlyDirs({ABI_DEVICE_PLUGIN_DIR}));
  const auto loaded = FindLoaded(set, "abi_odd_devices");
  ASSERT_NE(loaded, nullptr) << Describe(set);
  const absl::StatusOr<framework::HardwarePlugin::DescribedDevices> described =
      framework::HardwarePlugin(loaded).Devices();
  ASSERT_TRUE(described.ok()) << described.status();
  // The valid one, and the one named like a preset (the presets decide between those).
  ASSERT_EQ(described->devices.size(), 2u);
  EXPECT_EQ(described->devices[0].name, "odd-good");
  EXPECT_EQ(described->devices[0].source, "plugin:abi_odd_devices");
  EXPECT_EQ(described->devices[1].name, "h100-sxm");
  ASSERT_EQ(described->refused.size(), 3u);
  EXPECT_EQ(described->refused[0],
            "hardware plugin abi_odd_devices: device odd-negative-price: price_usd_per_gpu_hour "
            "is -1; expected a number in [1e-06, 1000000] (as a hardware preset takes)");
  EXPECT_EQ(described->refused[1],
            "hardware plugin abi_odd_devices: device odd-nan-capacity: memory_capacity_bytes is "
            "nan; expected a number in [1000000, 1000000000000000] (as a hardware preset takes)");
  EXPECT_EQ(described->refused[2],
            "hardware plugin abi_odd_devices: device 3 is named 'Odd Upper'; a device's name is "
            "a registry key (1-64 of [a-z0-9._-])");
}

}  // namespace
}  // namespace infercost::abi_test
