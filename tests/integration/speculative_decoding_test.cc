// Speculative decoding (framework/speculation.h, framework/serving/step_parts.h): a decode step
// verifies K drafted tokens per sequence and adds E = 1 + a1 + a1 a2 + ... tokens on average.
// The expectations are derived by hand, not from running the code:
//   - E from the acceptance rates (the arithmetic in each comment);
//   - a step's time does not depend on the acceptance rate, so TPOT x E is the same for every
//     rate (the step is verify + drafts whatever is accepted);
//   - at batch 1 a dense model's decode step is weight streaming, so with every draft accepted
//     the time per token is (verify + draft) / 2 with verify ~ the plain step and the draft ~
//     1 / layers of the layers' weights plus the LM head's (Llama-3.1-8B's bytes below);
//   - one client in serving and disagg mode is the static view at concurrency 1.
#include <cmath>
#include <string>
#include <vector>

#include "framework/estimate.h"
#include "framework/speculation.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

using framework::ExpectedTokensPerStep;
using framework::ScenarioRequest;

TEST(SpeculativeDecoding, TokensPerStepFromTheAcceptanceRates) {
  EXPECT_DOUBLE_EQ(ExpectedTokensPerStep(0, {0.85}), 1);
  // One draft at 0.85 (DeepSeek-V3's MTP): 1 + 0.85.
  EXPECT_DOUBLE_EQ(ExpectedTokensPerStep(1, {0.85}), 1.85);
  // Three drafts at 0.85, then 0.3 repeated: 1 + 0.85 + 0.85 x 0.3 + 0.85 x 0.3 x 0.3
  // = 1 + 0.85 + 0.255 + 0.0765 = 2.1815.
  EXPECT_NEAR(ExpectedTokensPerStep(3, {0.85, 0.3}), 2.1815, 1e-12);
  // Every draft accepted: K + 1 tokens a step.
  EXPECT_DOUBLE_EQ(ExpectedTokensPerStep(4, {1.0}), 5);
  // None accepted: the target's own token only.
  EXPECT_DOUBLE_EQ(ExpectedTokensPerStep(4, {0.0}), 1);
}

ScenarioRequest Llama8b(const char* mode, int64_t drafted, std::vector<double> acceptance) {
  ScenarioRequest r;
  r.model = "llama-3.1-8b";
  r.hardware = "h100-sxm";
  r.engine = "vllm";
  r.gpus = 1;
  r.weights = "bf16";
  r.kv = "bf16";
  r.input_tokens = 1000;
  r.output_tokens = 201;
  r.concurrency = 1;
  r.mode = mode;
  r.speculative_tokens = drafted;
  r.acceptance = std::move(acceptance);
  // (No serving-path time: one client's TTFT is then its prompt step, as in static mode.)
  r.engine_settings.emplace_back("request_overhead_s", 0);
  return r;
}

TEST(SpeculativeDecoding, DefaultAcceptanceIsDeepSeekV3sMtp) {
  const absl::StatusOr<framework::Scenario> made =
      framework::MakeScenario(Llama8b("static", 1, {}), RepoPresets());
  ASSERT_TRUE(made.ok()) << made.status();
  const framework::Scenario& s = *made;
  ASSERT_EQ(s.speculation.acceptance.size(), 1u);
  EXPECT_DOUBLE_EQ(s.speculation.acceptance[0], 0.85);
  EXPECT_DOUBLE_EQ(s.speculation.tokens_per_step, 1.85);
}

TEST(SpeculativeDecoding, AStepTakesTheSameTimeWhateverIsAccepted) {
  for (const int64_t drafted : {1, 3}) {
    const double never = EstimateOrFail(Llama8b("static", drafted, {0.0})).summary.tpot_s;
    for (const double rate : {0.5, 0.85, 1.0}) {
      const double tpot = EstimateOrFail(Llama8b("static", drafted, {rate})).summary.tpot_s;
      EXPECT_NEAR(tpot * ExpectedTokensPerStep(drafted, {rate}) / never, 1, 1e-12)
          << drafted << " drafted at " << rate;
    }
  }
}

TEST(SpeculativeDecoding, DraftsNeverAcceptedOnlyCost) {
  const double plain = EstimateOrFail(Llama8b("static", 0, {})).summary.tpot_s;
  const double never = EstimateOrFail(Llama8b("static", 2, {0.0})).summary.tpot_s;
  EXPECT_GT(never, plain);
}

// Llama-3.1-8B (config.json: hidden 4096, 32 layers, vocabulary 128,256, untied LM head;
// 8.03 B parameters): bf16 weights 16.06 GB, the LM head 128,256 x 4,096 x 2 = 1.05 GB, the
// layers (and the embedding table, of which a step reads one row per token) the other 15.01 GB.
// At batch 1 the decode step streams the weights: with one draft always accepted (E = 2), the
// verify step (2 query tokens) streams the same bytes as the plain step, and the draft streams
// 1 / 32 of the layers' and the LM head's:
//   draft / plain = (15.01 / 32 + 1.05) / 16.06 = (0.469 + 1.05) / 16.06 = 0.0946
//   TPOT / plain TPOT = (1 + 0.0946) / 2 = 0.547
// (the layers' share also carries the KV cache read, ~0.13 GB at 1,100 tokens, and the step's
// fixed costs: within 3 %).
TEST(SpeculativeDecoding, OneAcceptedDraftAtBatchOneNearlyHalvesTheTimePerToken) {
  const double plain = EstimateOrFail(Llama8b("static", 0, {})).summary.tpot_s;
  const double spec = EstimateOrFail(Llama8b("static", 1, {1.0})).summary.tpot_s;
  EXPECT_NEAR(spec / plain, 0.547, 0.03 * 0.547);
}

TEST(SpeculativeDecoding, OneClientServedIsTheStaticView) {
  const framework::Estimate fixed = EstimateOrFail(Llama8b("static", 2, {0.85, 0.5}));
  for (const char* mode : {"serving", "disagg"}) {
    const framework::Estimate served = EstimateOrFail(Llama8b(mode, 2, {0.85, 0.5}));
    // E = 1 + 0.85 + 0.425 = 2.275: 200 tokens after the first in ceil(200 / 2.275) = 88 steps
    // (87.9 at the mean; whole steps: within 0.2 %), at contexts grouped to 1/32 of their size.
    EXPECT_NEAR(served.summary.tpot_s / fixed.summary.tpot_s, 1, 0.01) << mode;
  }
}

// SGLang-style prefill_first, 8 clients spread out, every draft accepted (E = 2): as in
// serving_mode_test.cc's SpreadClientsPrefillAloneAndDecodeTogether, each prompt is a step of its
// own and every decode step has all 8, but a request's 200 tokens after its first take
// 200 / 2 = 100 steps, over which the 7 other clients each prefill once:
//   TPOT = (100 t_step + 7 t_prefill) / 200,
// t_step the static speculative step of batch 8 (its TPOT x E) and t_prefill the TTFT.
TEST(SpeculativeDecoding, ServingTakesFewerStepsForTheSameTokens) {
  auto eight = [](const char* mode) {
    ScenarioRequest r = Llama8b(mode, 1, {1.0});
    r.engine = "sglang";
    r.concurrency = 8;
    return EstimateOrFail(r).summary;
  };
  const framework::Summary served = eight("serving");
  const framework::Summary fixed = eight("static");
  const double t_step = fixed.tpot_s * 2;
  // (Decode steps at contexts grouped to 1/32 of their size: within 1 %.)
  EXPECT_NEAR(served.tpot_s / ((100 * t_step + 7 * served.ttft_s) / 200), 1, 0.01);
}

TEST(SpeculativeDecoding, BadSettingsAreRefusedByName) {
  struct Case {
    int64_t drafted;
    std::vector<double> acceptance;
    int64_t draft_layers;
    std::string message;
  };
  const Case cases[] = {
      {-1, {}, 1, "--speculative-tokens = -1 must be the tokens drafted per decode step, 0..16"},
      {17, {}, 1, "--speculative-tokens = 17 must be"},
      {0, {0.8}, 1, "--acceptance and --draft-layers describe speculative decoding"},
      {0, {}, 2, "--acceptance and --draft-layers describe speculative decoding"},
      {1, {1.2}, 1, "--acceptance rate 1.2 must be in [0, 1]"},
      {1, {0.8, 0.5}, 1, "--acceptance has 2 rates (0.8,0.5) for --speculative-tokens 1"},
      {1,
       {},
       0,
       "--draft-layers = 0 must be the decoder layers the draft runs per drafted "
       "token, 1..32 (the layers of llama-3.1-8b"},
      {1, {}, 33, "--draft-layers = 33 must be"},
  };
  for (const Case& c : cases) {
    ScenarioRequest r = Llama8b("static", c.drafted, c.acceptance);
    r.draft_layers = c.draft_layers;
    const absl::StatusOr<framework::Estimate> e = TryEstimate(r);
    ASSERT_FALSE(e.ok()) << c.message;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(e.status().message()).find(c.message), std::string::npos)
        << e.status().message();
  }
}

}  // namespace
}  // namespace infercost::testing
