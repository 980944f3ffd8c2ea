// A ConcurrencyMemo (framework/concurrency_memo.h) changes how much is evaluated, never the
// answer: every summary through a scenario cache and a memo, in any order of concurrencies and
// with other fields changing in between, equals the summary of the same request evaluated alone.
// And the cache's revision, which keys the memo, names a request's content but its concurrency:
// it differs exactly when something but the concurrency does.
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
  for (int64_t c : {97, 45, 2}) requests.push_back(LlamaOnL4(c));  // back: kept from before
  // Two scenarios interleaved point by point (the concurrency not the fastest grid axis).
  for (int64_t c = 60; c <= 110; c += 10) {
    requests.push_back(LlamaOnL4(c));
    requests.push_back(LlamaOnL4(c + 3, 700));
  }
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
  memo.Use(8);  // another: nothing kept for it
  EXPECT_EQ(memo.Find(12, plugins), nullptr);
  EXPECT_EQ(memo.MaxConcurrency(plugins), -1);
  memo.Use(7);  // back: what was kept for it
  ASSERT_NE(memo.Find(12, plugins), nullptr);
  EXPECT_EQ(memo.Find(12, plugins)->e2e_s, 2.5);
  EXPECT_EQ(memo.MaxConcurrency(plugins), 30);
  // Another plugin set forgets everything.
  memo.Keep(3, other, times);
  memo.Use(7);
  EXPECT_EQ(memo.Find(12, plugins), nullptr);
  EXPECT_EQ(memo.Find(12, other), nullptr);
  memo.Keep(12, plugins, times);
  // Bounded in scenarios: the one after kMaxKeptScenarios others starts again.
  memo.KeepMaxConcurrency(plugins, 30);
  for (uint64_t r = 1; r <= framework::ConcurrencyMemo::kMaxKeptScenarios; ++r) {
    memo.Use(1000 + r);
    memo.KeepMaxConcurrency(plugins, 5);
  }
  memo.Use(7);
  EXPECT_EQ(memo.MaxConcurrency(plugins), -1);
  // ... and in batches: the one after kMaxKeptBatches others starts again.
  memo.Use(9);
  memo.Keep(12, plugins, times);
  for (int64_t c = 1; c <= static_cast<int64_t>(framework::ConcurrencyMemo::kMaxKeptBatches); ++c) {
    memo.Use(c % 2 == 0 ? 10 : 11);
    memo.Keep(c, plugins, times);
  }
  memo.Use(9);
  EXPECT_EQ(memo.Find(12, plugins), nullptr);
  memo.Use(10);  // kept after the start again
  EXPECT_NE(memo.Find(static_cast<int64_t>(framework::ConcurrencyMemo::kMaxKeptBatches), plugins),
            nullptr);
}

TEST(ScenarioCache, RevisionNamesEverythingButTheConcurrency) {
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
  EXPECT_EQ(revision_of(cache, LlamaOnL4(50)), first);  // back: the same content
  EXPECT_EQ(revision_of(cache, LlamaOnL4(7, 900)), other_input);
  ScenarioRequest other_model = LlamaOnL4(50);
  other_model.model = "llama-3-8b";
  const uint64_t model_revision = revision_of(cache, other_model);
  EXPECT_NE(model_revision, first);
  EXPECT_NE(model_revision, other_input);
  EXPECT_EQ(revision_of(cache, LlamaOnL4(9)), first);  // after another model's
  // A request whose numbers fail leaves the scenario half set; the next one sets every number
  // again, and its revision is its content's.
  const uint64_t before_error = revision_of(cache, LlamaOnL4(5));
  ScenarioRequest bad = LlamaOnL4(5);
  bad.input_tokens = 0;
  EXPECT_FALSE(cache.Get(bad).ok());
  EXPECT_EQ(revision_of(cache, LlamaOnL4(5)), before_error);
  ScenarioRequest serving = LlamaOnL4(5);
  serving.mode = "serving";
  EXPECT_NE(revision_of(cache, serving), before_error);
  ScenarioRequest tp = LlamaOnL4(5);
  tp.gpus = 2;
  EXPECT_NE(revision_of(cache, tp), before_error);
  // Unique across caches.
  EXPECT_NE(revision_of(other_cache, LlamaOnL4(1)), revision_of(cache, LlamaOnL4(1)));
}

}  // namespace
}  // namespace infercost::testing
