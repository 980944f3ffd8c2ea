// infercost C++ SDK — building phase records and writing them to the host's sink.
//
//   ic_phase_cost c = infercost::sdk::MakePhaseCost(IC_PHASE_Q_PROJ);
//   c.matrix_flops = 2.0 * tokens * d * d;
//   sink.Emit(c);   // throws HostError if the host rejects the record
#ifndef INFERCOST_SDK_PHASE_SINK_H_
#define INFERCOST_SDK_PHASE_SINK_H_

#include "infercost/c/phase.h"
#include "infercost/sdk/error.h"

namespace infercost::sdk {
inline namespace v1 {

// A zeroed record of the current ABI size for `phase`.
inline ic_phase_cost MakePhaseCost(ic_phase_id phase) noexcept {
  ic_phase_cost cost{};
  cost.struct_size = sizeof(ic_phase_cost);
  cost.phase = phase;
  return cost;
}

// Sets the matmul shape: `count` products of an (m x k) by (k x n) matrix; matrix FLOPs follow.
inline void SetGemm(ic_phase_cost& cost, double m, double n, double k, double count = 1) noexcept {
  cost.gemm_m = static_cast<int64_t>(m);
  cost.gemm_n = static_cast<int64_t>(n);
  cost.gemm_k = static_cast<int64_t>(k);
  cost.gemm_count = static_cast<int64_t>(count);
  cost.matrix_flops = 2.0 * m * n * k * count;  // one multiply-add = 2 FLOPs
}

class PhaseSink {
 public:
  explicit PhaseSink(const ic_phase_sink* sink) noexcept : sink_(sink) {}
  void Emit(const ic_phase_cost& cost) const {
    if (ic_error* error = sink_->emit(sink_->context, &cost)) throw HostError(error);
  }

 private:
  const ic_phase_sink* sink_;
};

}  // namespace v1
}  // namespace infercost::sdk

#endif  // INFERCOST_SDK_PHASE_SINK_H_
