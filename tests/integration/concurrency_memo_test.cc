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
      EXPECT_NE(memo.FindFullWave(got->summary.memory.max_concurrency, InTreePlugins()), nullptr)
          << where;
    }
  }
  EXPECT_GT(in_waves, 50);  // the memo's case was exercised
}

TEST(ConcurrencyMemo, ForgetsOnAnotherRevisionOrPluginSet) {
  framework::ConcurrencyMemo memo;
  const framework::PluginSet& plugins = InTreePlugins();
  const framework::PluginSet other;
  double e2e = 0;
  memo.Use(7);
  framework::BatchTimes times;
  times.e2e_s = 2.5;
  times.tpot_s = 0.01;
  memo.Keep(12, plugins, times);  // no largest concurrency kept for the scenario yet: not kept
  EXPECT_FALSE(memo.FindE2e(12, plugins, e2e));
  memo.KeepMaxConcurrency(plugins, 30);
  memo.Keep(12, plugins, times);
  ASSERT_TRUE(memo.FindE2e(12, plugins, e2e));
  EXPECT_EQ(e2e, 2.5);
  EXPECT_FALSE(memo.FindE2e(13, plugins, e2e));
  EXPECT_FALSE(memo.FindE2e(11, plugins, e2e));
  EXPECT_FALSE(memo.FindE2e(0, plugins, e2e));
  EXPECT_EQ(memo.FindFullWave(12, plugins), nullptr);  // 12 is not the largest that fits
  times.e2e_s = 4.0;
  memo.Keep(30, plugins, times);
  ASSERT_NE(memo.FindFullWave(30, plugins), nullptr);
  EXPECT_EQ(memo.FindFullWave(30, plugins)->e2e_s, 4.0);
  EXPECT_EQ(memo.FindFullWave(30, plugins)->tpot_s, 0.01);
  ASSERT_TRUE(memo.FindE2e(30, plugins, e2e));  // a full wave is also a last wave's size
  EXPECT_EQ(e2e, 4.0);
  EXPECT_EQ(memo.MaxConcurrency(plugins), 30);
  EXPECT_FALSE(memo.FindE2e(12, other, e2e));
  EXPECT_EQ(memo.FindFullWave(30, other), nullptr);
  EXPECT_EQ(memo.MaxConcurrency(other), -1);
  memo.Use(7);  // the same scenario: kept
  EXPECT_TRUE(memo.FindE2e(12, plugins, e2e));
  memo.Use(8);  // another: nothing kept for it
  EXPECT_FALSE(memo.FindE2e(12, plugins, e2e));
  EXPECT_EQ(memo.FindFullWave(30, plugins), nullptr);
  EXPECT_EQ(memo.MaxConcurrency(plugins), -1);
  memo.Use(7);  // back: what was kept for it
  ASSERT_TRUE(memo.FindE2e(12, plugins, e2e));
  EXPECT_EQ(e2e, 2.5);
  EXPECT_EQ(memo.MaxConcurrency(plugins), 30);
  // Another largest concurrency for the scenario: its full wave is not that one.
  memo.KeepMaxConcurrency(plugins, 31);
  EXPECT_EQ(memo.FindFullWave(30, plugins), nullptr);
  EXPECT_EQ(memo.FindFullWave(31, plugins), nullptr);
  memo.KeepMaxConcurrency(plugins, 30);
  // Another plugin set forgets everything.
  memo.KeepMaxConcurrency(other, 30);
  memo.Use(7);
  EXPECT_FALSE(memo.FindE2e(12, plugins, e2e));
  EXPECT_FALSE(memo.FindE2e(12, other, e2e));
  memo.KeepMaxConcurrency(plugins, 30);
  memo.Keep(12, plugins, times);
  // Bounded in scenarios: the one after kMaxKeptScenarios others starts again.
  for (uint64_t r = 1; r <= framework::ConcurrencyMemo::kMaxKeptScenarios; ++r) {
    memo.Use(1000 + r);
    memo.KeepMaxConcurrency(plugins, 5);
  }
  memo.Use(7);
  EXPECT_EQ(memo.MaxConcurrency(plugins), -1);
  EXPECT_FALSE(memo.FindE2e(12, plugins, e2e));
}

// A sweep with the concurrency outermost: 4,000 scenarios, each met again with every
// concurrency 1 .. 250 after all the others. Every latency kept is still there at the end
// (1,000,000 <= kMaxKeptLatencies), and one more scenario's beyond the bound starts the
// latencies again but keeps the largest concurrencies and full waves.
TEST(ConcurrencyMemo, KeepsEveryScenarioOfAGridWithConcurrencyOutermost) {
  framework::ConcurrencyMemo memo;
  const framework::PluginSet& plugins = InTreePlugins();
  constexpr int64_t kScenarios = 4000;
  constexpr int64_t kConcurrencies = 250;
  static_assert(kScenarios * kConcurrencies <=
                static_cast<int64_t>(framework::ConcurrencyMemo::kMaxKeptLatencies));
  static_assert(kScenarios <= static_cast<int64_t>(framework::ConcurrencyMemo::kMaxKeptScenarios));
  framework::BatchTimes times;
  for (int64_t c = 1; c <= kConcurrencies; ++c) {
    for (int64_t r = 1; r <= kScenarios; ++r) {
      memo.Use(static_cast<uint64_t>(r));
      memo.KeepMaxConcurrency(plugins, kConcurrencies);
      times.e2e_s = static_cast<double>(r * 1000 + c);
      memo.Keep(c, plugins, times);
    }
  }
  int64_t missing = 0;
  for (int64_t r = 1; r <= kScenarios; ++r) {
    memo.Use(static_cast<uint64_t>(r));
    for (int64_t c = 1; c <= kConcurrencies; ++c) {
      double e2e = 0;
      if (!memo.FindE2e(c, plugins, e2e) || e2e != static_cast<double>(r * 1000 + c)) ++missing;
    }
  }
  EXPECT_EQ(missing, 0);
  // Past the bound: a scenario whose latencies would not fit beside the others.
  memo.Use(kScenarios + 1);
  memo.KeepMaxConcurrency(plugins, 60000);
  times.e2e_s = 1;
  memo.Keep(60000, plugins, times);
  double e2e = 0;
  EXPECT_TRUE(memo.FindE2e(60000, plugins, e2e));
  memo.Use(1);
  EXPECT_FALSE(memo.FindE2e(1, plugins, e2e));              // latencies started again
  EXPECT_EQ(memo.MaxConcurrency(plugins), kConcurrencies);  // the rest is kept
  EXPECT_NE(memo.FindFullWave(kConcurrencies, plugins), nullptr);
  // A batch above kMaxKeptConcurrency is not kept as a latency.
  memo.Use(kScenarios + 2);
  memo.KeepMaxConcurrency(plugins, framework::ConcurrencyMemo::kMaxKeptConcurrency + 5);
  memo.Keep(framework::ConcurrencyMemo::kMaxKeptConcurrency + 1, plugins, times);
  EXPECT_FALSE(memo.FindE2e(framework::ConcurrencyMemo::kMaxKeptConcurrency + 1, plugins, e2e));
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
