// A hardware plugin (C++ SDK) describing five devices, three of them what no hardware preset may
// hold: a negative price, a NaN memory capacity, a name that is no registry key; and one named
// like a preset (h100-sxm). Only "odd-good" may join the presets (device_check_test.cc).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "infercost/sdk/plugin.h"

namespace {

ic_device Device(const char* name) {
  ic_device device{};
  device.name = {name, std::char_traits<char>::length(name)};
  device.matrix_flops_per_s[IC_DTYPE_BF16] = 1e15;
  device.vector_flops_per_s = 5e13;
  device.memory_bandwidth_bytes_per_s = 3e12;
  device.memory_capacity_bytes = 8e10;
  device.onchip_memory_bytes = 3e7;
  device.l2_cache_bytes = 5e7;
  device.scale_up_bandwidth_bytes_per_s = 4.5e11;
  device.scale_up_latency_s = 2e-6;
  device.scale_out_bandwidth_bytes_per_s = 5e10;
  device.scale_out_latency_s = 1e-5;
  device.power_watts = 700;
  device.price_usd_per_gpu_hour = 2;
  device.gpus_per_node = 8;
  device.compute_units = 132;
  return device;
}

class OddDevices final : public infercost::sdk::Hardware {
 public:
  static constexpr bool kThreadSafe = true;  // no member state
  uint64_t DeviceCount() override { return 5; }
  ic_device DescribeDevice(uint64_t index) override {
    switch (index) {
      case 0:
        return Device("odd-good");
      case 1: {
        ic_device device = Device("odd-negative-price");
        device.price_usd_per_gpu_hour = -1;
        return device;
      }
      case 2: {
        ic_device device = Device("odd-nan-capacity");
        device.memory_capacity_bytes = std::numeric_limits<double>::quiet_NaN();
        return device;
      }
      case 3:
        return Device("Odd Upper");
      default:
        return Device("h100-sxm");
    }
  }

  ic_phase_time PhaseTime(const ic_device& device, const ic_execution& /*execution*/,
                          const ic_phase_cost& cost) override {
    ic_phase_time time{};
    time.compute_s = cost.matrix_flops / device.matrix_flops_per_s[IC_DTYPE_BF16];
    time.memory_s = infercost::sdk::HbmBytes(cost) / device.memory_bandwidth_bytes_per_s;
    time.bound = time.compute_s > time.memory_s ? IC_BOUND_COMPUTE : IC_BOUND_MEMORY;
    time.time_s = std::max(time.compute_s, time.memory_s);
    return time;
  }

  double CollectiveTime(const ic_device& device, const ic_execution& /*execution*/,
                        const ic_collective& collective) override {
    return collective.bytes / device.scale_up_bandwidth_bytes_per_s;
  }
};

}  // namespace

INFERCOST_PLUGIN(OddDevices, "abi_odd_devices", "1.0.0", "infercost tests",
                 "devices out of a preset's ranges (ABI tests)")
