// Arithmetic on phase records: sums and scaling of every metric (shapes are kept, not summed).
//
//   ic_phase_cost total = ZeroCost(IC_PHASE_Q_PROJ);
//   AddScaled(total, per_layer, 80);   // total += 80 x per_layer
#ifndef INFERCOST_FRAMEWORK_LEDGER_COST_MATH_H_
#define INFERCOST_FRAMEWORK_LEDGER_COST_MATH_H_

#include <array>
#include <vector>

#include "infercost/c/phase.h"

namespace infercost::framework {

ic_phase_cost ZeroCost(ic_phase_id phase);
// into += times x cost, metric by metric; the matmul shape is taken from `cost` if `into` has
// none.
void AddScaled(ic_phase_cost& into, const ic_phase_cost& cost, double times);

// The sum of `phases`' metrics (no matmul shape).
ic_phase_cost Sum(const std::vector<ic_phase_cost>& phases);
// Adds `times` x `cost` to the record of the same phase in `phases` (appending one if new).
void Accumulate(std::vector<ic_phase_cost>& phases, const ic_phase_cost& cost, double times);

// Every number of a record as doubles (the eight metrics, then gemm m, n, k, count), and back:
// what code that treats a record as a vector (interpolation, summation) works on.
inline constexpr size_t kCostFields = 12;
std::array<double, kCostFields> CostFields(const ic_phase_cost& cost);
ic_phase_cost CostFromFields(ic_phase_id phase, const double* fields);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_COST_MATH_H_
