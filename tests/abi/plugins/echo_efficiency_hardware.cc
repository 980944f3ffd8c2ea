// A hardware plugin (C++ SDK) that answers with the efficiencies the host passed it:
// time_s = matmul_efficiency + 1000 x bandwidth_efficiency. With ECHO_OWN_EFFICIENCY it declares
// kOwnEfficiency (IC_PLUGIN_FLAG_OWN_EFFICIENCY), and the host must then pass 1 and 1.
#include "infercost/sdk/plugin.h"

#ifndef PLUGIN_NAME
#error "PLUGIN_NAME must be defined (a string literal)"
#endif

namespace {

class EchoEfficiency final : public infercost::sdk::Hardware {
 public:
  static constexpr bool kThreadSafe = true;  // no member state
#if defined(ECHO_OWN_EFFICIENCY)
  static constexpr bool kOwnEfficiency = true;
#endif
  uint64_t DeviceCount() override { return 0; }
  ic_device DescribeDevice(uint64_t /*index*/) override { return ic_device{}; }

  ic_phase_time PhaseTime(const ic_device& /*device*/, const ic_execution& execution,
                          const ic_phase_cost& /*cost*/) override {
    ic_phase_time time{};
    time.bound = IC_BOUND_MEMORY;
    time.time_s = execution.matmul_efficiency + 1000 * execution.bandwidth_efficiency;
    time.memory_s = time.time_s;
    return time;
  }

  double CollectiveTime(const ic_device& /*device*/, const ic_execution& /*execution*/,
                        const ic_collective& /*collective*/) override {
    return 0;
  }
};

}  // namespace

INFERCOST_PLUGIN(EchoEfficiency, PLUGIN_NAME, "1.0.0", "infercost tests",
                 "times are the efficiencies it was given (ABI tests)")
