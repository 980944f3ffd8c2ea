// Issue 13, point 5: many scenarios per call on several threads give exactly what one call per
// scenario gives, in request order, each with its own status.
#include "framework/batch.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

TEST(EstimateBatch, ManyThreadsGiveExactlyTheSingleCallAnswersInOrder) {
  std::vector<framework::ScenarioRequest> requests;
  for (int64_t c = 1; c <= 24; ++c) {
    framework::ScenarioRequest r;
    r.model = "llama-3.1-8b";
    r.engine = "vllm";
    r.gpus = c % 3 == 0 ? 2 : 1;
    r.concurrency = c;
    r.mode = c % 4 == 0 ? "serving" : "static";
    requests.push_back(r);
  }
  requests[5].gpus = 3;  // TP 3 does not divide Llama-3.1-8B's 32 heads
  const std::vector<framework::BatchResult> batch =
      framework::EstimateBatch(requests, RepoPresets(), InTreePlugins(), /*threads=*/4);
  ASSERT_EQ(batch.size(), requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::StatusOr<framework::Estimate> one = TryEstimate(requests[i]);
    ASSERT_EQ(batch[i].status.code(), one.status().code()) << i;
    if (!one.ok()) continue;
    ExpectSameSummary(batch[i].summary, one->summary, "request " + std::to_string(i));
  }
  EXPECT_EQ(batch[5].status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(framework::EstimateBatch({}, RepoPresets(), InTreePlugins()).empty());
}

}  // namespace
}  // namespace infercost::testing
