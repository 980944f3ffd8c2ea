// Issue 12, point 4: a static batch larger than memory holds runs in waves of the largest batch
// that fits, one after another (as an engine admits what fits and preempts the rest), instead of
// being timed as if it fit. Expected values are the identity by hand: waves = ceil(C / fits) and
// the end-to-end latency is the sum of the waves' own static batches.
#include <cmath>

#include "framework/estimate.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

TEST(Waves, ABatchBeyondMemoryRunsInWavesOfWhatFits) {
  const framework::Estimate big = EstimateOrFail(LlamaOnL4(100));
  ASSERT_FALSE(big.summary.memory.fits);
  const int64_t fits = big.summary.memory.max_concurrency;
  ASSERT_GT(fits, 1);
  ASSERT_LT(fits, 100);
  const int64_t full_waves = 100 / fits;
  const int64_t rest = 100 % fits;
  EXPECT_EQ(big.summary.waves, full_waves + (rest > 0 ? 1 : 0));
  const framework::Estimate wave = EstimateOrFail(LlamaOnL4(fits));
  EXPECT_TRUE(wave.summary.memory.fits);
  EXPECT_EQ(wave.summary.waves, 1);
  double e2e = static_cast<double>(full_waves) * wave.summary.e2e_s;
  if (rest > 0) e2e += EstimateOrFail(LlamaOnL4(rest)).summary.e2e_s;
  EXPECT_DOUBLE_EQ(big.summary.e2e_s, e2e);
  EXPECT_DOUBLE_EQ(big.summary.ttft_s, wave.summary.ttft_s);
  EXPECT_DOUBLE_EQ(big.summary.tpot_s, wave.summary.tpot_s);
  // Throughput as the batch that fits reports it (a full wave decoding at once), so it does not
  // drop by the waves' count one sequence past what fits (it once was 100 x 200 / e2e: ~1/16
  // of a full wave's at two waves).
  EXPECT_DOUBLE_EQ(big.summary.tokens_per_s_aggregate, wave.summary.tokens_per_s_aggregate);
  EXPECT_DOUBLE_EQ(big.summary.tokens_per_s_per_gpu, wave.summary.tokens_per_s_per_gpu);
  EXPECT_DOUBLE_EQ(big.summary.tokens_per_s_per_user, wave.summary.tokens_per_s_per_user);
}

}  // namespace
}  // namespace infercost::testing
