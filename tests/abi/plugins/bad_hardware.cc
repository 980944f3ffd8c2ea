// A hardware plugin (C++ SDK) whose answers are not times: PhaseTime reports a NaN wall time,
// CollectiveTime a negative one, and the one device it describes has no name.
#include <limits>

#include "infercost/sdk/plugin.h"

namespace {

class NanTime final : public infercost::sdk::Hardware {
 public:
  static constexpr bool kThreadSafe = true;  // no member state
  uint64_t DeviceCount() override { return 1; }

  ic_device DescribeDevice(uint64_t /*index*/) override {
    ic_device device{};
    device.memory_bandwidth_bytes_per_s = 1e12;
    device.memory_capacity_bytes = 1e11;
    return device;  // name left empty
  }

  ic_phase_time PhaseTime(const ic_device& /*device*/, const ic_execution& /*execution*/,
                          const ic_phase_cost& /*cost*/) override {
    ic_phase_time time{};
    time.bound = IC_BOUND_MEMORY;
    time.memory_s = 1e-3;
    time.time_s = std::numeric_limits<double>::quiet_NaN();
    return time;
  }

  double CollectiveTime(const ic_device& /*device*/, const ic_execution& /*execution*/,
                        const ic_collective& /*collective*/) override {
    return -1;
  }
};

}  // namespace

INFERCOST_PLUGIN(NanTime, "abi_nan_time", "1.0.0", "infercost tests",
                 "reports NaN and negative times (ABI tests)")
