// A hardware plugin (C++ SDK) whose ABI 1.3 phase_times disagrees with its phase_time: each
// record's time alone is max(matrix_flops / 1e15, weight_bytes / 1e12) + 1e-6 s, in a batch twice
// that. The conformance kit's invariants.phase_times_match must fail it; nothing else does.
#include <algorithm>

#include "infercost/sdk/plugin.h"

namespace {

class BatchDisagrees final : public infercost::sdk::Hardware {
 public:
  static constexpr bool kThreadSafe = true;  // no member state

  ic_phase_time PhaseTime(const ic_device& /*device*/, const ic_execution& /*execution*/,
                          const ic_phase_cost& cost) override {
    ic_phase_time time{};
    time.compute_s = cost.matrix_flops / 1e15;
    time.memory_s = cost.weight_bytes / 1e12;
    time.overhead_s = 1e-6;
    time.bound = time.compute_s > time.memory_s ? IC_BOUND_COMPUTE : IC_BOUND_MEMORY;
    time.time_s = std::max(time.compute_s, time.memory_s) + time.overhead_s;
    return time;
  }

  void PhaseTimes(const ic_device& device, const ic_execution& execution,
                  const ic_phase_cost* costs, size_t count, ic_phase_time* out) override {
    for (size_t i = 0; i < count; ++i) {
      out[i] = PhaseTime(device, execution, costs[i]);
      out[i].time_s *= 2;  // the bug
    }
  }

  double CollectiveTime(const ic_device& /*device*/, const ic_execution& /*execution*/,
                        const ic_collective& collective) override {
    return collective.bytes / 1e11;
  }
};

}  // namespace

INFERCOST_PLUGIN(BatchDisagrees, "abi_batch_disagrees", "1.0.0", "infercost tests",
                 "phase_times twice phase_time (ABI tests)")
