#include "framework/ledger/cost_math.h"

#include "infercost/sdk/phase_sink.h"

namespace infercost::framework {

ic_phase_cost ZeroCost(ic_phase_id phase) { return sdk::MakePhaseCost(phase); }

void AddScaled(ic_phase_cost& into, const ic_phase_cost& cost, double times) {
  into.params += times * cost.params;
  into.matrix_flops += times * cost.matrix_flops;
  into.vector_flops += times * cost.vector_flops;
  into.weight_bytes += times * cost.weight_bytes;
  into.kv_read_bytes += times * cost.kv_read_bytes;
  into.kv_write_bytes += times * cost.kv_write_bytes;
  into.activation_bytes += times * cost.activation_bytes;
  into.comm_bytes += times * cost.comm_bytes;
  if (into.gemm_count == 0) {
    into.gemm_m = cost.gemm_m;
    into.gemm_n = cost.gemm_n;
    into.gemm_k = cost.gemm_k;
    into.gemm_count = cost.gemm_count;
  }
}

}  // namespace infercost::framework
