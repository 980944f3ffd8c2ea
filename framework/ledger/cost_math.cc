#include "framework/ledger/cost_math.h"

#include <cstdint>
#include <limits>

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

ic_phase_cost Sum(const std::vector<ic_phase_cost>& phases) {
  ic_phase_cost total = ZeroCost(IC_PHASE_TOKEN_IDS);
  for (const ic_phase_cost& cost : phases) AddScaled(total, cost, 1);
  total.gemm_m = total.gemm_n = total.gemm_k = total.gemm_count = 0;
  return total;
}

void Accumulate(std::vector<ic_phase_cost>& phases, const ic_phase_cost& cost, double times) {
  for (ic_phase_cost& existing : phases) {
    if (existing.phase == cost.phase) {
      AddScaled(existing, cost, times);
      return;
    }
  }
  ic_phase_cost fresh = ZeroCost(cost.phase);
  AddScaled(fresh, cost, times);
  phases.push_back(fresh);
}

std::array<double, kCostFields> CostFields(const ic_phase_cost& cost) {
  return {cost.params,
          cost.matrix_flops,
          cost.vector_flops,
          cost.weight_bytes,
          cost.kv_read_bytes,
          cost.kv_write_bytes,
          cost.activation_bytes,
          cost.comm_bytes,
          static_cast<double>(cost.gemm_m),
          static_cast<double>(cost.gemm_n),
          static_cast<double>(cost.gemm_k),
          static_cast<double>(cost.gemm_count)};
}

namespace {

// A GEMM size carried as a double (an interpolated sample), back as an integer: one at or beyond
// int64's range (a plugin's INT64_MAX rounds up to 2^63 as a double, which does not convert)
// stays at its end of the range.
int64_t GemmSizeOf(double value) {
  constexpr double kBeyond = 9223372036854775808.0;  // 2^63
  if (!(value < kBeyond)) return std::numeric_limits<int64_t>::max();
  if (!(value >= -kBeyond)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

}  // namespace

ic_phase_cost CostFromFields(ic_phase_id phase, const double* f) {
  ic_phase_cost cost = ZeroCost(phase);
  cost.params = f[0];
  cost.matrix_flops = f[1];
  cost.vector_flops = f[2];
  cost.weight_bytes = f[3];
  cost.kv_read_bytes = f[4];
  cost.kv_write_bytes = f[5];
  cost.activation_bytes = f[6];
  cost.comm_bytes = f[7];
  cost.gemm_m = GemmSizeOf(f[8]);
  cost.gemm_n = GemmSizeOf(f[9]);
  cost.gemm_k = GemmSizeOf(f[10]);
  cost.gemm_count = GemmSizeOf(f[11]);
  return cost;
}

}  // namespace infercost::framework
