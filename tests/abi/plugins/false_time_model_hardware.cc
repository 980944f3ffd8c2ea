// A hardware plugin (C++ SDK) whose ABI 1.5 time model is not its time: each record's time is
// max((matrix + vector FLOPs) / 1e15, HBM bytes / 1e12) + 1e-6 s, and the model it gives says
// the weight bytes go twice as fast (FALSE_MODEL_SLOPE, the conformance kit's
// invariants.time_model must fail it), the KV bytes read do (FALSE_MODEL_KV: only a decode
// sum's attention records change in those, so a host that summed with the model would be off),
// or holds a NaN (FALSE_MODEL_NAN, the host must refuse it with an error naming the plugin).
#include <algorithm>
#include <limits>

#include "infercost/sdk/plugin.h"

namespace {

class FalseTimeModel final : public infercost::sdk::Hardware {
 public:
  static constexpr bool kThreadSafe = true;  // no member state

  ic_phase_time PhaseTime(const ic_device& /*device*/, const ic_execution& /*execution*/,
                          const ic_phase_cost& cost) override {
    ic_phase_time time{};
    time.compute_s = (cost.matrix_flops + cost.vector_flops) / 1e15;
    time.memory_s =
        (cost.weight_bytes + cost.kv_read_bytes + cost.kv_write_bytes + cost.activation_bytes) /
        1e12;
    time.overhead_s = 1e-6;
    time.bound = time.compute_s > time.memory_s ? IC_BOUND_COMPUTE : IC_BOUND_MEMORY;
    time.time_s = std::max(time.compute_s, time.memory_s) + time.overhead_s;
    return time;
  }

  bool PhaseTimeModel(const ic_device& /*device*/, const ic_execution& /*execution*/,
                      const ic_phase_cost& /*cost*/, ic_time_model& out) override {
    out.piece_count = 2;
    out.pieces[0].s_per_matrix_flop = 1 / 1e15;
    out.pieces[0].s_per_vector_flop = 1 / 1e15;
    ic_time_piece& bytes = out.pieces[1];
    bytes.s_per_weight_byte = bytes.s_per_kv_read_byte = bytes.s_per_kv_write_byte =
        bytes.s_per_activation_byte = 1 / 1e12;
#if defined(FALSE_MODEL_NAN)
    bytes.s_per_weight_byte = std::numeric_limits<double>::quiet_NaN();
#elif defined(FALSE_MODEL_KV)
    bytes.s_per_kv_read_byte = 1 / 2e12;  // the bug: half of PhaseTime's
#else
    bytes.s_per_weight_byte = 1 / 2e12;  // the bug: half of PhaseTime's
#endif
    out.overhead_s = 1e-6;
    return true;
  }

  double CollectiveTime(const ic_device& /*device*/, const ic_execution& /*execution*/,
                        const ic_collective& collective) override {
    return collective.bytes / 1e11;
  }
};

}  // namespace

INFERCOST_PLUGIN(FalseTimeModel, PLUGIN_NAME, "1.0.0", "infercost tests",
                 "a time model that is not its phase time (ABI tests)")
