// A record's fields carried as doubles (framework/ledger/cost_math.h) come back as the record:
// GEMM sizes too, at the ends of int64's range (a plugin may write INT64_MAX, which as a double
// is 2^63, one past the range: converting it back was undefined and gave INT64_MIN).
#include "framework/ledger/cost_math.h"

#include <array>
#include <cstdint>
#include <limits>

#include "gtest/gtest.h"
#include "infercost/c/phase.h"

namespace infercost::framework {
namespace {

TEST(CostMath, FieldsComeBackAsTheRecordGemmSizesAtTheEndsOfTheirRange) {
  ic_phase_cost cost = ZeroCost(IC_PHASE_Q_PROJ);
  cost.matrix_flops = 2e9;
  cost.weight_bytes = 3e6;
  cost.gemm_m = 16;
  cost.gemm_n = 4096;
  cost.gemm_k = std::numeric_limits<int64_t>::max();
  cost.gemm_count = 1;
  const std::array<double, kCostFields> fields = CostFields(cost);
  const ic_phase_cost back = CostFromFields(IC_PHASE_Q_PROJ, fields.data());
  EXPECT_EQ(back.matrix_flops, 2e9);
  EXPECT_EQ(back.weight_bytes, 3e6);
  EXPECT_EQ(back.gemm_m, 16);
  EXPECT_EQ(back.gemm_n, 4096);
  EXPECT_EQ(back.gemm_k, std::numeric_limits<int64_t>::max());  // 2^63 as a double: the end
  EXPECT_EQ(back.gemm_count, 1);
}

}  // namespace
}  // namespace infercost::framework
