// Issue 13, points 2 and 6: `infercost search` finds what a brute-force evaluation of the same
// small grid finds, prunes nothing that could win, and every frontier point is non-dominated.
// The brute force here is independent of the search: one EstimateScenario per layout, written
// out by hand, with the feasibility rules of the flags applied in the test.
#include <atomic>
#include <limits>
#include <vector>

#include "absl/strings/match.h"
#include "apps/infercost/search_command.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

cli::SearchFlags SmallGrid() {
  cli::SearchFlags f;
  f.model = "llama-3-8b";
  f.hardware = {"h100-sxm", "l40s"};
  f.engines = {"vllm"};
  f.weights = {"bf16", "fp8"};
  f.gpus = {1, 2, 4};
  f.concurrency = 16;
  f.max_tpot_s = 0.02;
  f.max_usd_per_hour = 12;  // prunes 4 x H100 (and more)
  f.threads = 2;
  return f;
}

TEST(Search, MatchesABruteForceEvaluationOfTheSameGrid) {
  const cli::SearchFlags flags = SmallGrid();
  absl::StatusOr<cli::SearchResult> result = cli::Search(flags, RepoPresets(), InTreePlugins());
  ASSERT_TRUE(result.ok()) << result.status();
  // The grid by hand: 2 devices x 2 weights x (1 GPU: tp1; 2 GPUs: tp1/dp2, tp2, pp2; 4 GPUs:
  // tp in {1,2,4} x pp in {1,2,4} with tp x pp | 4 -> 6 layouts) = 2 x 2 x 10 = 40.
  EXPECT_EQ(result->configurations, 40);
  double best_cost = std::numeric_limits<double>::infinity();
  double best_per_gpu = 0, best_per_user = 0;
  int feasible = 0;
  for (const char* hw : {"h100-sxm", "l40s"}) {
    const double price = RepoPresets().hardware.FindOrNull(hw)->price_usd_per_gpu_hour;
    for (const char* weights : {"bf16", "fp8"}) {
      for (int64_t g : {1, 2, 4}) {
        for (int64_t tp : {1, 2, 4}) {
          for (int64_t pp : {1, 2, 4}) {
            if (g % (tp * pp) != 0) continue;
            if (price * static_cast<double>(g) > 12) continue;  // over the budget
            framework::ScenarioRequest r;
            r.model = "llama-3-8b";
            r.hardware = hw;
            r.engine = "vllm";
            r.weights = weights;
            r.kv = "fp8";
            r.gpus = g;
            r.tp = tp;
            r.pp = pp;
            r.dp = g / tp / pp;
            r.concurrency = 16;
            absl::StatusOr<framework::Estimate> e = TryEstimate(r);
            if (!e.ok()) continue;
            const framework::Summary& s = e->summary;
            if (!s.memory.fits || s.tpot_s > 0.02) continue;
            ++feasible;
            // Every GPU-second of the batch, its prefill too, per output token made:
            // $/h x GPUs / 3600 x e2e / (16 sequences x output tokens), per million.
            const double cost = 1e6 * price * static_cast<double>(g) / 3600 * s.e2e_s /
                                (16.0 * static_cast<double>(r.output_tokens));
            best_cost = std::min(best_cost, cost);
            best_per_gpu = std::max(best_per_gpu, s.tokens_per_s_per_gpu);
            best_per_user = std::max(best_per_user, s.tokens_per_s_per_user);
          }
        }
      }
    }
  }
  ASSERT_GT(feasible, 0);
  EXPECT_EQ(result->feasible, feasible);
  ASSERT_TRUE(result->objectives[0].best && result->objectives[1].best &&
              result->objectives[2].best);
  const auto& c = result->candidates;
  EXPECT_NEAR(c[*result->objectives[0].best].usd_per_million_tokens, best_cost, 1e-9 * best_cost);
  EXPECT_EQ(c[*result->objectives[1].best].summary.tokens_per_s_per_gpu, best_per_gpu);
  EXPECT_EQ(c[*result->objectives[2].best].summary.tokens_per_s_per_user, best_per_user);

  // Without the budget nothing is pruned, and the budget's winner is still found among the
  // feasible ones (pruning only removed what the budget makes infeasible).
  cli::SearchFlags unpruned = flags;
  unpruned.max_usd_per_hour = 0;
  absl::StatusOr<cli::SearchResult> all = cli::Search(unpruned, RepoPresets(), InTreePlugins());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->pruned, 0);
  EXPECT_GT(result->pruned, 0);
  double best_within_budget = std::numeric_limits<double>::infinity();
  for (const cli::Candidate& x : all->candidates) {
    if (x.feasible && x.usd_per_hour <= 12) {
      best_within_budget = std::min(best_within_budget, x.usd_per_million_tokens);
    }
  }
  EXPECT_NEAR(best_within_budget, best_cost, 1e-9 * best_cost);
}

// Llama-3-8B on `gpus` H100 SXM ($3.99 each an hour), vLLM, bf16 weights, every layout, one
// thread.
cli::SearchFlags OneDeviceBf16(int64_t gpus) {
  cli::SearchFlags f;
  f.model = "llama-3-8b";
  f.hardware = {"h100-sxm"};
  f.engines = {"vllm"};
  f.weights = {"bf16"};
  f.gpus = {gpus};
  f.threads = 1;
  return f;
}

// A value given twice is one candidate; a grid past what a search holds is refused before any
// candidate is built (2,000 copies of --gpus 65536 once aborted the process allocating them).
TEST(Search, RepeatedValuesCountOnceAndAnOversizedGridIsRefusedUpFront) {
  cli::SearchFlags f = SmallGrid();
  f.hardware = {"h100-sxm", "l40s", "h100-sxm"};
  f.weights = {"bf16", "fp8", "bf16"};
  f.gpus = {1, 2, 4, 2, 1};
  absl::StatusOr<cli::SearchResult> result = cli::Search(f, RepoPresets(), InTreePlugins());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->configurations, 40);  // the 40 of SmallGrid
  // DeepSeek-V3 (MoE: ep divides tp x dp) on 65,536 GPUs: tp and pp range over the divisors,
  // 2^0 .. 2^16; for tp = 2^a, pp = 2^b (a + b <= 16), dp x tp = 2^(16 - b) has 17 - b divisors
  // for ep: sum over b = 0..16 of (17 - b) x (17 - b) = 1^2 + ... + 17^2 = 17 x 18 x 35 / 6 =
  // 1,785 layouts, x 1 device x 2 engines x 2 weights x 1 KV x 3 modes = 21,420; with the
  // layouts of 2^15 GPUs too (1^2 + ... + 16^2 = 1,496), 3,281 x 12 = 39,372. Under the limit;
  // ten more devices over it.
  cli::SearchFlags big;
  big.model = "deepseek-v3";
  big.hardware = {"h100-sxm"};
  big.engines = {"vllm", "sglang"};
  big.weights = {"bf16", "fp8"};
  big.modes = {"static", "serving", "disagg"};
  big.gpus = {65536, 32768};
  big.max_gpus = 1;  // everything pruned: nothing evaluated
  result = cli::Search(big, RepoPresets(), InTreePlugins());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->configurations, 39372);
  EXPECT_EQ(result->pruned, 39372);
  big.hardware = {"h100-sxm", "h200", "b200", "mi300x", "a100-80gb", "l40s"};  // x 6: 236,232
  result = cli::Search(big, RepoPresets(), InTreePlugins());
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(absl::StrContains(result.status().message(), "236232 configurations"))
      << result.status();
  EXPECT_TRUE(absl::StrContains(result.status().message(), "infercost sweep")) << result.status();
}

// A budget equal to a candidate's price in decimal keeps it: 5 x H100 SXM at $3.99 is $19.95/h,
// though 3.99 x 5 is 19.950000000000003 in doubles (the search pruned it, and with a GPU count
// recomputed from throughputs it also marked evaluated candidates over such a budget).
TEST(Search, ABudgetEqualToACandidatesPriceKeepsIt) {
  cli::SearchFlags f = OneDeviceBf16(5);
  ASSERT_EQ(RepoPresets().hardware.FindOrNull("h100-sxm")->price_usd_per_gpu_hour, 3.99);
  f.max_usd_per_hour = 19.95;
  absl::StatusOr<cli::SearchResult> result = cli::Search(f, RepoPresets(), InTreePlugins());
  ASSERT_TRUE(result.ok()) << result.status();
  // 5 GPUs: tp1 x dp5 or pp5 (tp must divide 32 heads and 8 KV heads: 5 does not).
  EXPECT_EQ(result->pruned, 0);
  EXPECT_GT(result->feasible, 0);
  for (const cli::Candidate& c : result->candidates) {
    if (!c.evaluated) continue;
    EXPECT_EQ(c.usd_per_hour, 3.99 * 5);
    EXPECT_EQ(c.why_infeasible.find("/h >"), std::string::npos) << c.why_infeasible;
  }
  f.max_usd_per_hour = 19.94;  // a cent less: every one over it
  result = cli::Search(f, RepoPresets(), InTreePlugins());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->feasible, 0);
  EXPECT_EQ(result->pruned, result->configurations);
}

// The cost objective counts the prompts' GPU time in a static batch as a server's does: a
// static candidate's $ per million output tokens is its whole batch time (prefill and every
// decode step) over its answers, not its decode step's rate alone.
TEST(Search, AStaticCandidatesCostCountsItsPrefill) {
  cli::SearchFlags f = OneDeviceBf16(1);
  f.concurrency = 8;
  f.input_tokens = 4000;  // a long prompt: its prefill is a large share of the batch's time
  f.output_tokens = 50;
  absl::StatusOr<cli::SearchResult> result = cli::Search(f, RepoPresets(), InTreePlugins());
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->candidates.size(), 1u);
  const cli::Candidate& c = result->candidates[0];
  ASSERT_TRUE(c.evaluated);
  const framework::Summary& s = c.summary;
  // $3.99/h x 1 GPU / 3600 x e2e / (8 x 50 tokens), per million.
  const double expected = 1e6 * 3.99 / 3600 * s.e2e_s / (8.0 * 50.0);
  EXPECT_NEAR(c.usd_per_million_tokens, expected, 1e-12 * expected);
  // More than the decode step's rate alone would charge (the prefill is not free).
  EXPECT_GT(c.usd_per_million_tokens, 1e6 * 3.99 / 3600 / s.tokens_per_s_aggregate * 1.05);
}

TEST(Search, EveryFrontierPointIsNonDominatedAndEveryOtherFeasibleOneIsDominated) {
  cli::SearchFlags flags = SmallGrid();
  flags.max_usd_per_hour = 0;
  absl::StatusOr<cli::SearchResult> result = cli::Search(flags, RepoPresets(), InTreePlugins());
  ASSERT_TRUE(result.ok());
  const auto& c = result->candidates;
  ASSERT_FALSE(result->frontier.empty());
  auto dominates = [&](const cli::Candidate& a, const cli::Candidate& b) {
    const double au = a.summary.tokens_per_s_per_user, bu = b.summary.tokens_per_s_per_user;
    const double ag = a.summary.tokens_per_s_per_gpu, bg = b.summary.tokens_per_s_per_gpu;
    return au >= bu && ag >= bg && (au > bu || ag > bg);
  };
  std::vector<bool> on(c.size(), false);
  for (size_t i : result->frontier) {
    on[i] = true;
    EXPECT_TRUE(c[i].feasible);
    for (const cli::Candidate& other : c) {
      if (other.feasible) {
        EXPECT_FALSE(dominates(other, c[i]));
      }
    }
  }
  for (size_t i = 0; i < c.size(); ++i) {
    if (!c[i].feasible || on[i]) continue;
    bool dominated_or_equal = false;
    for (size_t j : result->frontier) {
      dominated_or_equal |=
          dominates(c[j], c[i]) ||
          (c[j].summary.tokens_per_s_per_user == c[i].summary.tokens_per_s_per_user &&
           c[j].summary.tokens_per_s_per_gpu == c[i].summary.tokens_per_s_per_gpu);
    }
    EXPECT_TRUE(dominated_or_equal) << i;
  }
}

// A host's stop flag, or a time limit already past, ends the search before its first chunk with
// an error saying how far it got (infercost serve sets both for /api/v1/search).
TEST(Search, AStopFlagOrATimeLimitEndsTheSearchSayingHowFarItGot) {
  // SmallGrid: 2 devices x 2 weight dtypes x 3 GPU counts, less what the budget prunes.
  const std::atomic<bool> stop{true};
  cli::SearchFlags stopped = SmallGrid();
  stopped.stop = &stop;
  const absl::StatusOr<cli::SearchResult> a = cli::Search(stopped, RepoPresets(), InTreePlugins());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(absl::StartsWith(a.status().message(), "search: stopped; 0 of "))
      << a.status().message();
  cli::SearchFlags limited = SmallGrid();
  limited.time_limit_s = 1e-12;  // past before the first chunk starts
  const absl::StatusOr<cli::SearchResult> b = cli::Search(limited, RepoPresets(), InTreePlugins());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kDeadlineExceeded);  // HTTP 503
  EXPECT_TRUE(
      absl::StrContains(b.status().message(), "more than this server's limit of 1e-12 s (0 of "))
      << b.status().message();
  // Without either it runs to the end.
  EXPECT_TRUE(cli::Search(SmallGrid(), RepoPresets(), InTreePlugins()).ok());
}

}  // namespace
}  // namespace infercost::testing
