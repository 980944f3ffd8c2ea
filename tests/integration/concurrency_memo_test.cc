// A ConcurrencyMemo (framework/concurrency_memo.h) changes how much is evaluated, never the
// answer: every summary through a scenario cache and a memo, in any order of concurrencies and
// with other fields changing in between, equals the summary of the same request evaluated alone.
// And the cache's revision, which keys the memo, changes exactly when something but the
// concurrency does.
#include "framework/concurrency_memo.h"

#include <cstdint>
#include <string>
#include <vector>

#include "framework/estimate.h"
#include "framework/scenario_cache.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

using framework::ScenarioRequest;

// LlamaOnL4 (pipeline_fixture.h): concurrencies up to 120 cover batches that fit and batches
// in waves.
TEST(ConcurrencyMemo, SummariesAreThoseOfEachRequestAlone) {
  std::vector<ScenarioRequest> requests;
  for (int64_t c = 1; c <= 120; ++c) requests.push_back(LlamaOnL4(c));  // waves reuse the fitting
  for (int64_t c = 120; c >= 1; c -= 7) requests.push_back(LlamaOnL4(c));           // waves first
  for (int64_t c : {97, 3, 64, 64, 1, 119}) requests.push_back(LlamaOnL4(c, 900));  // other input
  for (int64_t c : {97, 45, 2}) requests.push_back(LlamaOnL4(c));  // back: a new revision
  ScenarioRequest serving = LlamaOnL4(80);
  serving.mode = "serving";  // not static: the memo is not used
  requests.push_back(serving);
  requests.push_back(LlamaOnL4(81));

  framework::ScenarioCache cache(
      [](const ScenarioRequest& r) { return framework::MakeScenario(r, RepoPresets()); });
  framework::PipelineCache pipelines;
  framework::ConcurrencyMemo memo;
  int in_waves = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const std::string where =
        "request " + std::to_string(i) + ", concurrency " + std::to_string(requests[i].concurrency);
    absl::StatusOr<const framework::Scenario*> scenario = cache.Get(requests[i]);
    ASSERT_TRUE(scenario.ok()) << where << ": " << scenario.status();
    memo.Use(cache.revision());
    absl::StatusOr<framework::Estimate> got = framework::EstimateScenario(
        **scenario, InTreePlugins(), framework::EstimateDetail::kSummary, &pipelines, &memo);
    ASSERT_TRUE(got.ok()) << where << ": " << got.status();
    const framework::Estimate want = EstimateOrFail(requests[i]);
    ExpectSameSummary(got->summary, want.summary, where);
    if (got->summary.waves > 1) {
      ++in_waves;
      // The full wave was kept (so the next batch in waves reuses it).
      EXPECT_NE(memo.Find(got->summary.memory.max_concurrency, InTreePlugins()), nullptr) << where;
    }
  }
  EXPECT_GT(in_waves, 50);  // the memo's case was exercised
}

TEST(ConcurrencyMemo, ForgetsOnAnotherRevisionOrPluginSet) {
  framework::ConcurrencyMemo memo;
  const framework::PluginSet& plugins = InTreePlugins();
  const framework::PluginSet other;
  memo.Use(7);
  framework::BatchTimes times;
  times.e2e_s = 2.5;
  memo.Keep(12, plugins, times);
  memo.KeepMaxConcurrency(plugins, 30);
  ASSERT_NE(memo.Find(12, plugins), nullptr);
  EXPECT_EQ(memo.Find(12, plugins)->e2e_s, 2.5);
  EXPECT_EQ(memo.Find(13, plugins), nullptr);
  EXPECT_EQ(memo.MaxConcurrency(plugins), 30);
  EXPECT_EQ(memo.Find(12, other), nullptr);
  EXPECT_EQ(memo.MaxConcurrency(other), -1);
  memo.Use(7);  // the same scenario: kept
  EXPECT_NE(memo.Find(12, plugins), nullptr);
  memo.Use(8);  // another: forgotten
  EXPECT_EQ(memo.Find(12, plugins), nullptr);
  EXPECT_EQ(memo.MaxConcurrency(plugins), -1);
  // Bounded: a batch size beyond the cap is not kept.
  memo.Keep(framework::ConcurrencyMemo::kMaxKeptConcurrency + 1, plugins, times);
  EXPECT_EQ(memo.Find(framework::ConcurrencyMemo::kMaxKeptConcurrency + 1, plugins), nullptr);
}

TEST(ScenarioCache, RevisionChangesWithAnythingButTheConcurrency) {
  framework::ScenarioCache cache(
      [](const ScenarioRequest& r) { return framework::MakeScenario(r, RepoPresets()); });
  framework::ScenarioCache other_cache(
      [](const ScenarioRequest& r) { return framework::MakeScenario(r, RepoPresets()); });
  const auto revision_of = [](framework::ScenarioCache& c, const ScenarioRequest& r) {
    EXPECT_TRUE(c.Get(r).ok());
    return c.revision();
  };
  const uint64_t first = revision_of(cache, LlamaOnL4(1));
  EXPECT_NE(first, 0u);
  EXPECT_EQ(revision_of(cache, LlamaOnL4(50)), first);  // only the concurrency
  const uint64_t other_input = revision_of(cache, LlamaOnL4(50, 900));
  EXPECT_NE(other_input, first);
  EXPECT_NE(revision_of(cache, LlamaOnL4(50)),
            other_input);  // back, but the scenario changed again
  ScenarioRequest other_model = LlamaOnL4(50);
  other_model.model = "llama-3-8b";
  const uint64_t model_revision = revision_of(cache, other_model);
  EXPECT_NE(model_revision, first);
  EXPECT_NE(model_revision, other_input);
  // A request whose numbers fail leaves the scenario half set: the next one is a new revision.
  const uint64_t before_error = revision_of(cache, LlamaOnL4(5));
  ScenarioRequest bad = LlamaOnL4(5);
  bad.input_tokens = 0;
  EXPECT_FALSE(cache.Get(bad).ok());
  EXPECT_NE(revision_of(cache, LlamaOnL4(5)), before_error);
  // Unique across caches.
  EXPECT_NE(revision_of(other_cache, LlamaOnL4(1)), revision_of(cache, LlamaOnL4(1)));
}

}  // namespace
}  // namespace infercost::testing
