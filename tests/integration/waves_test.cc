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

// Which of the two notes `summary` carries: "DOES NOT LOAD", "NOT ONE SEQUENCE FITS", or "".
std::string NothingFitsNote(const framework::Summary& summary) {
  for (const char* note : {"DOES NOT LOAD", "NOT ONE SEQUENCE FITS"}) {
    if (HasNoteWith(summary, note)) return note;
  }
  return "";
}

TEST(Waves, ADeploymentWhereNothingFitsSaysSoAndWhy) {
  framework::ScenarioRequest too_big = LlamaOnL4(4);
  too_big.model = "llama-3.1-405b";
  framework::ScenarioRequest long_context = LlamaOnL4(1, 200'000);
  long_context.allow_beyond_context = true;
  struct Case {
    framework::ScenarioRequest request;
    const char* mode;
    bool weights_fit;
    const char* note;
  };
  for (const Case& c : {Case{too_big, "static", false, "DOES NOT LOAD"},
                        Case{too_big, "serving", false, "DOES NOT LOAD"},
                        Case{long_context, "static", true, "NOT ONE SEQUENCE FITS"},
                        Case{LlamaOnL4(1), "static", true, ""}}) {  // (fits: neither note)
    framework::ScenarioRequest r = c.request;
    r.mode = c.mode;
    SCOPED_TRACE(r.model + " " + c.mode + " " + std::to_string(r.input_tokens));
    const framework::Estimate e = EstimateOrFail(r);
    EXPECT_EQ(e.summary.memory.max_concurrency == 0, std::string(c.note) != "");
    EXPECT_EQ(e.summary.memory.weights_bytes < e.summary.memory.capacity_bytes, c.weights_fit);
    EXPECT_EQ(NothingFitsNote(e.summary), c.note);
  }
  EXPECT_TRUE(HasNoteWith(EstimateOrFail(too_big).summary, "more GPUs"));
}

}  // namespace
}  // namespace infercost::testing
