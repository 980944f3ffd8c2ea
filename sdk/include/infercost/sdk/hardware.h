// infercost C++ SDK — base class for hardware plugins.
//
//   class MyChip final : public infercost::sdk::Hardware {
//     static constexpr bool kThreadSafe = true;   // declared by the author; default: serialised
//     ic_phase_time PhaseTime(const ic_device&, const ic_execution&, const ic_phase_cost&)
//     override; double CollectiveTime(const ic_device&, const ic_execution&, const ic_collective&)
//     override;
//     // Optional (ABI 1.3): many records per call, e.g. to check the device once.
//     void PhaseTimes(const ic_device&, const ic_execution&, const ic_phase_cost*, size_t,
//                     ic_phase_time*) override;
//     // Optional (ABI 1.5): the time as overhead + the largest of affine pieces of the fields.
//     bool PhaseTimeModel(const ic_device&, const ic_execution&, const ic_phase_cost&,
//                         ic_time_model&) override;
//   };
//   INFERCOST_PLUGIN(MyChip, "mychip", "1.0.0", "ACME", "ACME X1 timing model");
#ifndef INFERCOST_SDK_HARDWARE_H_
#define INFERCOST_SDK_HARDWARE_H_

#include <cstddef>
#include <cstdint>

#include "infercost/c/hardware.h"
#include "infercost/sdk/error.h"

namespace infercost::sdk {
inline namespace v1 {

class Hardware {
 public:
  static constexpr ic_plugin_kind kKind = IC_PLUGIN_KIND_HARDWARE;
  virtual ~Hardware() = default;
  // Devices this plugin describes itself (vendors); preset-driven plugins keep 0. May throw.
  virtual uint64_t DeviceCount() { return 0; }
  // Pointers in the result (display name, vendor, matrix_peaks) must stay valid until the next
  // call on this instance: point them at members or static storage.
  virtual ic_device DescribeDevice(uint64_t /*index*/) {
    throw Error(IC_STATUS_OUT_OF_RANGE, "this plugin describes no devices of its own");
  }
  virtual ic_phase_time PhaseTime(const ic_device& device, const ic_execution& execution,
                                  const ic_phase_cost& cost) = 0;
  // The times of `count` records (ABI 1.3 phase_times): out[i] must be exactly PhaseTime of
  // costs[i]. By default PhaseTime one by one; override to do per-call work once (checking the
  // device and execution). The records are full-size (the SDK widens a smaller host's).
  virtual void PhaseTimes(const ic_device& device, const ic_execution& execution,
                          const ic_phase_cost* costs, size_t count, ic_phase_time* out) {
    for (size_t i = 0; i < count; ++i) out[i] = PhaseTime(device, execution, costs[i]);
  }
  // `cost`'s time (what PhaseTime gives) as out.overhead_s + the largest of out.piece_count
  // affine pieces of its timed fields, holding for every record of its phase with the same
  // fields zero and the same positive (ABI 1.5 phase_time_models; see ic_time_model). Return
  // false (the default) where the time is not of that form: the host then calls PhaseTime at
  // every decode step it sums. `out` arrives zeroed with struct_size set.
  virtual bool PhaseTimeModel(const ic_device& /*device*/, const ic_execution& /*execution*/,
                              const ic_phase_cost& /*cost*/, ic_time_model& /*out*/) {
    return false;
  }
  virtual double CollectiveTime(const ic_device& device, const ic_execution& execution,
                                const ic_collective& collective) = 0;
};

}  // namespace v1
}  // namespace infercost::sdk

#endif  // INFERCOST_SDK_HARDWARE_H_
