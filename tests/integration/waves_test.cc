// Issue 12, point 4: a static batch larger than memory holds runs in waves of the largest batch
// that fits, one after another (as an engine admits what fits and preempts the rest), instead of
// being timed as if it fit. Expected values are the identity by hand: waves = ceil(C / fits) and
// the end-to-end latency is the sum of the waves' own static batches.
#include <cmath>
#include <string>

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

// Nothing fits at all: no waves to run, and the summary says why instead of printing the times of
// a deployment that cannot run as if it could. Llama-3.1-405B in bf16 is 405e9 x 2 = 810 GB of
// weights against one L4's 24 GB; Llama-3.1-8B in bf16 (16 GB) loads there, but a 200,000-token
// sequence's KV cache (32 layers x 8 KV heads x 128 x 2 x 2 bytes = 128 KiB per token: 26 GB) does
// not fit beside it.
bool HasNoteWith(const framework::Summary& summary, const std::string& text) {
  for (const std::string& note : summary.notes) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(Waves, ADeploymentWhereNothingFitsSaysSoAndWhy) {
  framework::ScenarioRequest r = LlamaOnL4(4);
  r.model = "llama-3.1-405b";
  for (const char* mode : {"static", "serving"}) {
    SCOPED_TRACE(mode);
    r.mode = mode;
    const framework::Estimate e = EstimateOrFail(r);
    EXPECT_EQ(e.summary.memory.max_concurrency, 0);
    EXPECT_GT(e.summary.memory.weights_bytes, e.summary.memory.capacity_bytes);
    EXPECT_TRUE(HasNoteWith(e.summary, "DOES NOT LOAD"));
    EXPECT_TRUE(HasNoteWith(e.summary, "more GPUs"));
  }
  framework::ScenarioRequest long_context = LlamaOnL4(1, 200'000);
  long_context.allow_beyond_context = true;
  const framework::Estimate e = EstimateOrFail(long_context);
  EXPECT_EQ(e.summary.memory.max_concurrency, 0);
  EXPECT_LT(e.summary.memory.weights_bytes, e.summary.memory.capacity_bytes);
  EXPECT_TRUE(HasNoteWith(e.summary, "NOT ONE SEQUENCE FITS"));
  EXPECT_FALSE(HasNoteWith(e.summary, "DOES NOT LOAD"));
  // A deployment that fits carries neither.
  const framework::Estimate fits = EstimateOrFail(LlamaOnL4(1));
  EXPECT_GE(fits.summary.memory.max_concurrency, 1);
  EXPECT_FALSE(HasNoteWith(fits.summary, "DOES NOT LOAD"));
  EXPECT_FALSE(HasNoteWith(fits.summary, "NOT ONE SEQUENCE FITS"));
}

}  // namespace
}  // namespace infercost::testing
