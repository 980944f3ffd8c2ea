// Serving mode (framework/serving/): a continuously batching server simulated step by step.
// The expectations are identities the simulation must reproduce, derived by hand from how the
// engines schedule (not from running it):
//   - one client: each request is one prompt step, then output - 1 decode steps of batch 1 —
//     the static view at concurrency 1;
//   - SGLang-style prefill_first with clients spread out (as a benchmark's are after its first
//     requests): each prompt is a prefill step alone, every decode step has the whole batch;
//     and the start-up burst of every client at once is one prefill step of all their prompts;
//   - a closed loop obeys Little's law: requests/s x (TTFT + (output - 1) TPOT) = clients.
#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "framework/estimate.h"
#include "framework/serving/arrivals.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

using framework::ScenarioRequest;

ScenarioRequest Llama8b(const char* engine, int64_t concurrency, const char* mode) {
  ScenarioRequest r;
  r.model = "llama-3.1-8b";
  r.hardware = "h100-sxm";
  r.engine = engine;
  r.gpus = 1;
  r.weights = "bf16";
  r.kv = "bf16";
  r.input_tokens = 1000;
  r.output_tokens = 200;
  r.concurrency = concurrency;
  r.mode = mode;
  return r;
}

TEST(ServingMode, OneClientIsTheStaticViewAtConcurrencyOne) {
  // (No serving-path time per request: TheServingPathAddsItsTimeToTheTtft below.)
  ScenarioRequest one = Llama8b("vllm", 1, "serving");
  one.engine_settings.emplace_back("request_overhead_s", 0);
  const framework::Estimate serving = EstimateOrFail(one);
  const framework::Estimate fixed = EstimateOrFail(Llama8b("vllm", 1, "static"));
  ASSERT_TRUE(serving.summary.serving.has_value());
  EXPECT_EQ(serving.summary.mode, framework::ServingMode::kServing);
  // Batch-1 decode steps at contexts 1001..1199 (the static step is at the mean, 1100; the
  // simulation groups contexts to 1/32 of their size).
  EXPECT_NEAR(serving.summary.tpot_s / fixed.summary.tpot_s, 1, 0.01);
  // The prompt step runs the LM head for the last prompt token only; the static prefill is the
  // same step otherwise.
  EXPECT_LE(serving.summary.ttft_s, fixed.summary.ttft_s * (1 + 1e-9));
  EXPECT_GT(serving.summary.ttft_s, 0.9 * fixed.summary.ttft_s);
  EXPECT_EQ(serving.summary.serving->waiting_requests, 0);
}

// SGLang-style prefill_first with no serving-path time (request_overhead_s 0): 8 clients x 1000
// prompt tokens, 200 output tokens. Spread out, each request's prompt is a prefill step of its
// own the moment its predecessor's last decode step ends (the running ones paused), then it
// decodes with all 8 in every decode step: per cycle of the 8 clients, 8 prefill steps and 199
// decode steps of batch 8. Over one request's 199 decode steps the 7 other clients each prefill
// once, so TPOT = (199 t_decode + 7 t_prefill) / 199, t_decode the static decode step of batch 8
// and t_prefill the TTFT (one prompt's step).
ScenarioRequest PrefillFirstWithoutServingPath(int64_t concurrency, const char* mode) {
  ScenarioRequest r = Llama8b("sglang", concurrency, mode);
  r.engine_settings.emplace_back("request_overhead_s", 0);
  return r;
}

TEST(ServingMode, SpreadClientsPrefillAloneAndDecodeTogether) {
  const framework::Estimate serving = EstimateOrFail(PrefillFirstWithoutServingPath(8, "serving"));
  const framework::Estimate alone = EstimateOrFail(PrefillFirstWithoutServingPath(1, "static"));
  const framework::Estimate fixed = EstimateOrFail(PrefillFirstWithoutServingPath(8, "static"));
  // TTFT: one prompt's prefill step (its LM head for the last prompt token only; the static
  // prefill is the same step otherwise).
  const double ttft = serving.summary.ttft_s;
  EXPECT_LE(ttft, alone.summary.ttft_s * (1 + 1e-9));
  EXPECT_GT(ttft, 0.9 * alone.summary.ttft_s);
  // (Decode steps at contexts grouped to 1/32 of their size: within 1 %.)
  EXPECT_NEAR(serving.summary.tpot_s / ((199 * fixed.summary.tpot_s + 7 * ttft) / 199), 1, 0.01);
  // 8 prefill steps in every 207; the measured window is about two cycles (414 steps), so its
  // share is within one step of that.
  EXPECT_NEAR(serving.summary.serving->mixed_step_fraction, 8.0 / 207, 1.0 / 400);
  EXPECT_EQ(serving.summary.serving->waiting_requests, 0);
}

// A benchmark's start-up burst: every client's first request at once to the idle server. 8 x 1000
// = 8000 prompt tokens fit SGLang's 8192-token chunk: one prefill step of all 8, the static
// prefill of the batch. (The simulation assembles its step from parts - the token-linear phases of
// all 8,000 tokens at once, each prompt's attention core, sampling - which the static prefill
// times as one batch; measured here they agree within 1.3 %, so 2 %. Two steps would be 2x.)
TEST(ServingMode, TheStartUpBurstIsOnePrefillStepOfEveryPrompt) {
  const framework::Estimate serving = EstimateOrFail(PrefillFirstWithoutServingPath(8, "serving"));
  const framework::Estimate fixed = EstimateOrFail(PrefillFirstWithoutServingPath(8, "static"));
  EXPECT_NEAR(serving.summary.serving->burst_ttft_s / fixed.summary.ttft_s, 1, 0.02);
}

// The deployment's token budget (--max-batched-tokens 2000, as a server started with
// --max-prefill-tokens 2000) holds two of the 8 burst prompts of 1000 tokens: the burst is 4
// prefill steps of 2 prompts each, back to back (prefill_first pauses the decodes while prompts
// wait), so the prompts' first tokens come at 1, 2, 3 and 4 steps of the static prefill of 2
// sequences, 2 prompts each: mean (1 + 2 + 3 + 4) / 4 = 2.5 such steps (2 % as above).
TEST(ServingMode, TheDeploymentsTokenBudgetSplitsTheBurst) {
  ScenarioRequest budget = PrefillFirstWithoutServingPath(8, "serving");
  budget.max_batched_tokens = 2000;
  const framework::Estimate serving = EstimateOrFail(budget);
  const framework::Estimate two = EstimateOrFail(PrefillFirstWithoutServingPath(2, "static"));
  EXPECT_NEAR(serving.summary.serving->burst_ttft_s / (2.5 * two.summary.ttft_s), 1, 0.02);
}

// Without chunked prefill (TensorRT-LLM's default) a prompt goes whole into a step whose budget
// left after the running decodes holds it. 8 burst prompts of 1000 tokens in a 2,500-token budget:
// step 1 prefills prompts 1-2 (a third does not fit whole in the 500 left), steps 2, 3 and 4
// prompts 3-4, 5-6 and 7-8 beside 2, 4 and 6 decoding sequences (2,498 .. 2,494 tokens left:
// two prompts each). First tokens after 1, 2, 3 and 4 such steps: mean 2.5 steps of the static
// prefill of 2 sequences (the decodes of at most 6 sequences at ~1,000 tokens add well under 1 %
// to a step of 2,000 prompt tokens; 2 % as above). Chunked, the same budget packs 2,500 tokens a
// step: first tokens after 1.25 (2 prompts), 2.5 (2), 3.75 (3) and ~4 (1) two-prompt steps, mean
// ~2.84, which the 2 % tolerance tells apart.
TEST(ServingMode, PromptsGoWholeWithoutChunkedPrefill) {
  ScenarioRequest whole = Llama8b("trtllm", 8, "serving");
  whole.engine_settings.emplace_back("request_overhead_s", 0);
  whole.engine_settings.emplace_back("main_process_request_overhead_s", 0);
  whole.max_batched_tokens = 2500;
  ScenarioRequest two = Llama8b("trtllm", 2, "static");
  const framework::Estimate serving = EstimateOrFail(whole);
  const framework::Estimate fixed = EstimateOrFail(two);
  EXPECT_NEAR(serving.summary.serving->burst_ttft_s / (2.5 * fixed.summary.ttft_s), 1, 0.02);
}

// The serving path's time per request (request_overhead_s) comes before the scheduler sees the
// request: the TTFT grows by it, plus at most the step the request then waits out (a one-prompt
// prefill step or a decode step, whichever is longer), and the GPU's steps do not change.
TEST(ServingMode, TheServingPathAddsItsTimeToTheTtft) {
  const framework::Estimate without = EstimateOrFail(PrefillFirstWithoutServingPath(8, "serving"));
  ScenarioRequest r = Llama8b("sglang", 8, "serving");
  r.engine_settings.emplace_back("request_overhead_s", 0.05);
  const framework::Estimate with = EstimateOrFail(r);
  const framework::Estimate fixed = EstimateOrFail(PrefillFirstWithoutServingPath(8, "static"));
  const double prefill = without.summary.ttft_s;
  EXPECT_GE(with.summary.ttft_s, 0.05 + prefill * (1 - 1e-9));
  EXPECT_LE(with.summary.ttft_s,
            0.05 + prefill + std::max(prefill, fixed.summary.tpot_s) * (1 + 1e-9));
  // The burst: every request 50 ms later at the scheduler, the same prefill step.
  EXPECT_NEAR(with.summary.serving->burst_ttft_s - without.summary.serving->burst_ttft_s, 0.05,
              1e-9);
}

TEST(ServingMode, ClosedLoopObeysLittlesLaw) {
  for (const char* engine : {"vllm", "sglang"}) {
    for (int64_t clients : {4, 32, 128}) {
      SCOPED_TRACE(std::string(engine) + " x " + std::to_string(clients));
      const framework::Estimate e = EstimateOrFail(Llama8b(engine, clients, "serving"));
      const framework::ServingState& s = *e.summary.serving;
      const double cycle = s.ttft_s + 199 * s.tpot_s;
      EXPECT_NEAR(s.requests_per_s * cycle / static_cast<double>(clients), 1, 0.05);
    }
  }
}

// Which closed loops are modelled as desynchronised arrivals (ClientsDesynchronise,
// serving_model.h): one request length on a mixed schedule (vLLM, TensorRT-LLM), 2 or more
// clients a replica, all of them in memory. Not: SGLang's prefill-first schedule, drawn lengths,
// one client, more clients than fit (Llama-3.1-8B bf16 on one H100 holds a few hundred
// 1,200-token sequences: RequestsBeyondMemoryWait below), an open loop.
TEST(ServingMode, OneLengthClientsOfAMixedScheduleAreDesynchronisedArrivals) {
  const auto desynchronised = [](ScenarioRequest r) {
    return EstimateOrFail(r).summary.serving->desynchronised;
  };
  EXPECT_TRUE(desynchronised(Llama8b("vllm", 32, "serving")));
  EXPECT_TRUE(desynchronised(Llama8b("trtllm", 2, "serving")));
  EXPECT_FALSE(desynchronised(Llama8b("sglang", 32, "serving")));
  ScenarioRequest drawn = Llama8b("vllm", 32, "serving");
  drawn.length_range_ratio = 0.8;
  EXPECT_FALSE(desynchronised(drawn));
  EXPECT_FALSE(desynchronised(Llama8b("vllm", 1, "serving")));
  EXPECT_FALSE(desynchronised(Llama8b("vllm", 2000, "serving")));
  ScenarioRequest open = Llama8b("vllm", 1, "serving");
  open.request_rate = 2;
  EXPECT_FALSE(desynchronised(open));
  // Two replicas of 32 clients: 16 a replica, desynchronised within each.
  ScenarioRequest replicas = Llama8b("vllm", 32, "serving");
  replicas.gpus = 2;
  replicas.dp = 2;
  EXPECT_TRUE(desynchronised(replicas));
}

// Desynchronised, each request finds clients - 1 others in the server on average (the arrival
// theorem; occupancy_rate.h): with no serving path every request in the server is decoding or
// waiting for its prompt step, so the time-weighted sequences decoding plus those waiting are
// clients - 1 (the search stops within 2 % of it; a prompt's own step, ~1 / 200 of its life,
// and the run's ends add well under 5 %), and the loop's throughput is the clients over the
// time each spends in the server (Little's law for the closed loop, ClosedLoopObeysLittlesLaw).
TEST(ServingMode, DesynchronisedClientsEachFindTheOthersInTheServer) {
  for (int64_t clients : {4, 32}) {
    SCOPED_TRACE(clients);
    ScenarioRequest r = Llama8b("vllm", clients, "serving");
    r.engine_settings.emplace_back("request_overhead_s", 0);
    const framework::Estimate e = EstimateOrFail(r);
    const framework::ServingState& s = *e.summary.serving;
    ASSERT_TRUE(s.desynchronised);
    const double others = static_cast<double>(clients - 1);
    EXPECT_NEAR((s.decode_batch + s.waiting_requests) / others, 1, 0.07);
    EXPECT_NEAR(s.requests_per_s * s.latency_s / static_cast<double>(clients), 1, 1e-12);
  }
}

TEST(ServingMode, PromptsInterleavedWithDecodesSlowTheSteps) {
  // vLLM mixes prompt chunks into the decode steps: at 64 clients a step carries some prompt
  // tokens more often than not, so the mean step is slower than the static decode step of the
  // same batch, and the GPU time on prompts is the difference.
  const framework::Estimate serving = EstimateOrFail(Llama8b("vllm", 64, "serving"));
  const framework::Estimate fixed = EstimateOrFail(Llama8b("vllm", 64, "static"));
  const framework::ServingState& s = *serving.summary.serving;
  EXPECT_GT(s.mixed_step_fraction, 0);
  EXPECT_GT(s.prefill_time_share, 0);
  EXPECT_GT(serving.summary.tpot_s, fixed.summary.tpot_s);
  EXPECT_LT(s.decode_batch, 64);
}

TEST(ServingMode, RequestsBeyondMemoryWait) {
  // Llama-3.1-8B bf16 on one H100 keeps 80 GB x (1 - 0.1 reserve) - 16 GB weights of KV at
  // 128 KiB per token: a few hundred 1200-token sequences; 2000 clients cannot all run.
  ScenarioRequest r = Llama8b("vllm", 2000, "serving");
  const framework::Estimate e = EstimateOrFail(r);
  ASSERT_LT(e.summary.memory.max_concurrency, 2000);
  EXPECT_GT(e.summary.serving->waiting_requests, 0);
  EXPECT_LE(e.summary.serving->decode_batch, e.summary.memory.max_concurrency);
}

TEST(ServingMode, ClientsServedInWavesAreMeasuredOverTwoWholeCycles) {
  // 256 clients of 4,000 + 4,000 tokens: the KV of fewer than 100 fits (8B bf16, 128 KiB a
  // token, 8,000 tokens each: ~1 GB per sequence), so each cycle is 3-4 waves of 4,000 decode
  // steps. The means are over the two cycles after the start-up one, every client's request in
  // each (the runs once ran out of steps after a fraction of them: 218 of 512 requests, and
  // Little's law missed by 28 %).
  ScenarioRequest r = Llama8b("ideal", 256, "serving");
  r.input_tokens = 4000;
  r.output_tokens = 4000;
  const framework::Estimate e = EstimateOrFail(r);
  ASSERT_LT(e.summary.memory.max_concurrency, 100);
  EXPECT_GE(e.summary.serving->completed, 2 * 256);
}

// Decode steps with nothing else changing are taken many at once (framework/serving/
// serving_model.cc, jump_decode_steps); the run must count them as one by one. One client of
// 1000 + 400,000 tokens on vLLM (8,192-token budget: the prompt is one step): each request is one
// prompt step and 399,999 decode steps of batch 1, and the run is the start-up request and the
// two measured, 3 x 400,000 = 1,200,000 steps. The TPOT is the static one at concurrency 1 (the
// mean of batch-1 steps at contexts 1,001..400,999, whose time is affine in the context, is
// the step at the mean context; contexts grouped to 1/32 of their size: within 1 %), and
// Little's law holds for the one client.
TEST(ServingMode, LongAnswersCountEveryDecodeStep) {
  ScenarioRequest r = Llama8b("vllm", 1, "serving");
  r.output_tokens = 400'000;
  r.allow_beyond_context = true;
  const framework::Estimate e = EstimateOrFail(r);
  ScenarioRequest fixed_request = r;
  fixed_request.mode = "static";
  const framework::Estimate fixed = EstimateOrFail(fixed_request);
  const framework::ServingState& s = *e.summary.serving;
  EXPECT_EQ(s.steps, 3 * 400'000);
  EXPECT_EQ(s.completed, 2);
  EXPECT_NEAR(e.summary.tpot_s / fixed.summary.tpot_s, 1, 0.01);
  EXPECT_NEAR(s.requests_per_s * (s.ttft_s + 399'999 * s.tpot_s), 1, 0.01);
  // Of the measured requests' 2 x 400,000 steps, their two prompt steps carry prompt tokens.
  EXPECT_DOUBLE_EQ(s.mixed_step_fraction, 2.0 / 800'000);
}

TEST(ServingMode, UnknownModeIsRefusedByName) {
  ScenarioRequest r = Llama8b("vllm", 1, "disagregated");
  absl::StatusOr<framework::Estimate> e = TryEstimate(r);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("--mode \"disagregated\""), std::string::npos);
}

TEST(OpenLoop, PoissonArrivalsAreFixedIncreasingAndOfTheRequestedRate) {
  const std::vector<double> a = framework::PoissonArrivals(4.0, 400);
  ASSERT_EQ(a.size(), 400u);
  EXPECT_EQ(a, framework::PoissonArrivals(4.0, 400));  // a fixed seed: the same every run
  for (size_t i = 1; i < a.size(); ++i) EXPECT_GT(a[i], a[i - 1]);
  // 400 exponential gaps of mean 0.25 s: their mean has a standard error of 0.25 / 20 = 5%.
  EXPECT_NEAR(a.back() / 400, 0.25, 0.25 * 0.15);
}

// Each request's lengths as benchmark_serving's random dataset draws them (--random-range-ratio
// R): integers uniform in [int(R x length), length]. R = 0.8 of 1,024: [819, 1024] (819.2
// truncated), mean (819 + 1024) / 2 = 921.5; 10,000 draws of a uniform over 206 values (standard
// deviation sqrt((206^2 - 1) / 12) = 59.5) have a mean within 0.6 of it (one standard error),
// so within 3 (5 standard errors). R = 1: exactly the lengths, nothing drawn. A ratio whose
// product truncates to 0 still draws at least 1 token.
TEST(RequestLengths, UniformBetweenTheRatioAndTheStatedLengthFromAFixedSeed) {
  framework::RequestLengths lengths(1024, 8192, 0.8);
  framework::RequestLengths again(1024, 8192, 0.8);
  double prompt_sum = 0, output_sum = 0;
  int64_t shortest = 1 << 30, longest = 0, shortest_output = 1 << 30;
  for (int i = 0; i < 10'000; ++i) {
    const framework::RequestLengths::Drawn d = lengths.Next();
    const framework::RequestLengths::Drawn e = again.Next();
    ASSERT_EQ(d.prompt, e.prompt);  // a fixed seed: the same every run
    ASSERT_EQ(d.output, e.output);
    shortest = std::min(shortest, d.prompt);
    longest = std::max(longest, d.prompt);
    shortest_output = std::min(shortest_output, d.output);
    ASSERT_LE(d.output, 8192);
    prompt_sum += static_cast<double>(d.prompt);
    output_sum += static_cast<double>(d.output);
  }
  EXPECT_EQ(shortest, 819);
  EXPECT_EQ(longest, 1024);
  EXPECT_GE(shortest_output, 6553);  // int(0.8 x 8192) = int(6553.6)
  EXPECT_NEAR(prompt_sum / 10'000, 921.5, 3);
  // [6553, 8192]: mean 7372.5, standard deviation 473, standard error 4.7.
  EXPECT_NEAR(output_sum / 10'000, 7372.5, 25);
  EXPECT_EQ(lengths.MeanPrompt(), 921.5);   // (819 + 1024) / 2
  EXPECT_EQ(lengths.MeanOutput(), 7372.5);  // (6553 + 8192) / 2
  framework::RequestLengths fixed(1000, 200, 1);
  for (int i = 0; i < 10; ++i) {
    const framework::RequestLengths::Drawn d = fixed.Next();
    EXPECT_EQ(d.prompt, 1000);
    EXPECT_EQ(d.output, 200);
  }
  framework::RequestLengths tiny(3, 3, 0.1);  // int(0.3) = 0: from 1
  for (int i = 0; i < 100; ++i) {
    const framework::RequestLengths::Drawn d = tiny.Next();
    EXPECT_GE(d.prompt, 1);
    EXPECT_LE(d.prompt, 3);
    EXPECT_GE(d.output, 1);
  }
}

// SGLang-style prefill_first, 16 clients of 8,000-token prompts (one a step: a budget of 8,000
// tokens, --max-batched-tokens) and 200-token answers, the serving path 0.2 s. The start-up burst
// is 16 prefill steps back to back, first tokens after 1..16 of them. Every request of one length
// then decodes in the same steps and ends on the same step, so all 16 come back together and the
// next cycle is the burst again: the steady TTFT is the burst's (to rounding), 8.5 prefill steps on
// average — a benchmark whose clients sent one length would measure that. Lengths drawn as
// benchmarks draw them (--length-range-ratio 0.8: answers of 160-200 tokens) end on different
// steps, the clients come back apart and a prompt waits for few others: the steady TTFT is well
// under the burst's (under 3/4 of it) and at least one prompt's prefill step.
ScenarioRequest LongPromptsPrefillFirst(double length_range_ratio) {
  ScenarioRequest r = Llama8b("sglang", 16, "serving");
  r.input_tokens = 8000;
  r.max_batched_tokens = 8000;
  r.engine_settings.emplace_back("request_overhead_s", 0.2);
  r.length_range_ratio = length_range_ratio;
  return r;
}

TEST(ServingMode, OneLengthKeepsTheClientsInTheStartUpWaveDrawnLengthsSplitIt) {
  const framework::Estimate one = EstimateOrFail(LongPromptsPrefillFirst(1));
  const framework::Estimate drawn = EstimateOrFail(LongPromptsPrefillFirst(0.8));
  ScenarioRequest alone_request = LongPromptsPrefillFirst(1);
  alone_request.concurrency = 1;
  alone_request.mode = "static";
  const framework::Estimate alone = EstimateOrFail(alone_request);
  const double prefill = alone.summary.ttft_s;  // one 8,000-token prompt's step
  const framework::ServingState& locked = *one.summary.serving;
  EXPECT_NEAR(locked.ttft_s / locked.burst_ttft_s, 1, 1e-6);
  // (each prompt step assembled from parts: within 2 % of the static prefill, as above)
  EXPECT_NEAR(locked.burst_ttft_s, 0.2 + 8.5 * prefill, 0.02 * 8.5 * prefill);
  const framework::ServingState& spread = *drawn.summary.serving;
  EXPECT_LT(spread.ttft_s, 0.75 * spread.burst_ttft_s);
  EXPECT_GT(spread.ttft_s, 0.2 + 0.8 * 0.9 * prefill);  // the shortest prompt is 6,400 tokens
}

// One client: each request's TTFT is its own prompt's step, so drawn prompts of 500-1,000 tokens
// (--length-range-ratio 0.5) give a TTFT between the static TTFTs of 500 and of 1,000 tokens.
TEST(ServingMode, OneClientsDrawnPromptsTakeTheirOwnPrefill) {
  ScenarioRequest r = Llama8b("vllm", 1, "serving");
  r.engine_settings.emplace_back("request_overhead_s", 0);
  r.length_range_ratio = 0.5;
  const framework::Estimate drawn = EstimateOrFail(r);
  ScenarioRequest longest = Llama8b("vllm", 1, "static");
  ScenarioRequest shortest = longest;
  shortest.input_tokens = 500;
  const double most = EstimateOrFail(longest).summary.ttft_s;
  const double least = EstimateOrFail(shortest).summary.ttft_s;
  EXPECT_LT(drawn.summary.ttft_s, most);
  EXPECT_GT(drawn.summary.ttft_s, 0.9 * least);  // (the LM head for the last prompt token only)
  // A request's mean answer: (100 + 200) / 2 = 150 tokens, 149 decode steps after its first; the
  // tokens served per second are the requests' rate x 150.
  EXPECT_NEAR(drawn.summary.e2e_s, drawn.summary.ttft_s + 149 * drawn.summary.tpot_s, 1e-12);
  EXPECT_NEAR(drawn.summary.tokens_per_s_aggregate, drawn.summary.serving->requests_per_s * 150,
              1e-9);
}

// SGLang's --scheduler-recv-interval N (the engine key scheduler_recv_interval): the scheduler
// takes the requests that reached it only every N decode-only steps, at once after a step with
// prompt tokens and while idle (SchedulerRecvSkipper). vLLM-style mixed steps, 2 clients of
// 1,000 / 200 tokens, no serving path, N = 40: a request sent while the other client decodes
// waits for the scheduler's next take, between 0 and 39 more decode steps of the other client
// alone (the batch-1 step: the static TPOT at one client, its context within 3 %); the burst
// reaches an idle server and does not wait. N = 1 is every step, the default.
TEST(ServingMode, ASchedulerTakingRequestsEveryNStepsDelaysTheirPrompts) {
  const auto run = [](int64_t clients, double interval) {
    ScenarioRequest r = Llama8b("vllm", clients, "serving");
    r.engine_settings.emplace_back("request_overhead_s", 0);
    r.engine_settings.emplace_back("scheduler_recv_interval", interval);
    return EstimateOrFail(r);
  };
  const framework::Estimate every = run(2, 1);
  const framework::Estimate sparse = run(2, 40);
  const double decode = EstimateOrFail(Llama8b("vllm", 1, "static")).summary.tpot_s;
  const double wait = sparse.summary.ttft_s - every.summary.ttft_s;
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 39 * decode * 1.03);
  EXPECT_EQ(sparse.summary.serving->burst_ttft_s, every.summary.serving->burst_ttft_s);
  const framework::Estimate default_engine = EstimateOrFail(Llama8b("vllm", 2, "serving"));
  ScenarioRequest one = Llama8b("vllm", 2, "serving");
  one.engine_settings.emplace_back("scheduler_recv_interval", 1);
  EXPECT_EQ(EstimateOrFail(one).summary.ttft_s, default_engine.summary.ttft_s);
}

// The ratio is in (0, 1], and only the serving and disagg simulations draw lengths.
TEST(ServingMode, ALengthRangeRatioOutsideItsRangeOrModeIsRefused) {
  for (const auto& [mode, ratio, words] :
       {std::tuple{"serving", 0.0, "must be in (0, 1]"}, std::tuple{"serving", 1.5, "(0, 1]"},
        std::tuple{"static", 0.8, "needs --mode serving or --mode disagg"}}) {
    ScenarioRequest r = Llama8b("vllm", 4, mode);
    r.length_range_ratio = ratio;
    absl::StatusOr<framework::Estimate> e = TryEstimate(r);
    ASSERT_FALSE(e.ok()) << mode << " " << ratio;
    EXPECT_NE(e.status().message().find("--length-range-ratio"), std::string::npos) << e.status();
    EXPECT_NE(e.status().message().find(words), std::string::npos) << e.status();
  }
}

// Attention data parallelism with balancing (attention_dp_balance_steps, TensorRT-LLM's
// attention_dp_config enable_balance / timeout_iters): a rank holds a new prompt back until every
// other rank has one too, or for that many steps. Llama-3.1-8B on 2 ranks (dp 2, each the whole
// model), 4 clients (2 a rank, spread half a cycle apart), 1,000 / 200 tokens, no serving path.
// Without the hold a request's prompt goes in the step after it arrives; with 20 steps it first
// waits 20 steps of its rank, each the decode step of the other client (batch 1): the other rank
// has a prompt after H(1) = 1 mean gap between its arrivals, half a cycle (~100 steps), so the
// 20 steps run out first. TTFT grows by 20 x the batch-1 decode step (the static TPOT at one
// client; the other client's context is 1,000-1,200 where the static step's is 1,100: within
// 3 %). One rank (dp 1) has no other rank to wait for, and the burst gives every rank prompts
// at once: neither changes. (Lengths drawn from [0.99 x, x], 990-1,000 / 198-200 tokens, keep
// the clients simulated one by one, spread as stated: with one length a mixed schedule's clients
// are modelled as desynchronised arrivals, ClientsDesynchronise in serving_model.h. The 1 % of
// length moves the steps well under the 3 %.)
constexpr double kSimulatedClientsRangeRatio = 0.99;

ScenarioRequest BalancedRanks(int64_t dp, int64_t concurrency, double hold_steps) {
  ScenarioRequest r = Llama8b("vllm", concurrency, "serving");
  r.length_range_ratio = kSimulatedClientsRangeRatio;
  r.gpus = dp;
  r.dp = dp;
  r.engine_settings.emplace_back("request_overhead_s", 0);
  r.engine_settings.emplace_back("attention_dp_balance_steps", hold_steps);
  return r;
}

TEST(ServingMode, BalancedAttentionDpRanksHoldANewPromptForTheOtherRanks) {
  const framework::Estimate without = EstimateOrFail(BalancedRanks(2, 4, 0));
  const framework::Estimate with = EstimateOrFail(BalancedRanks(2, 4, 20));
  const framework::Estimate decode = EstimateOrFail(Llama8b("vllm", 1, "static"));
  ASSERT_TRUE(with.summary.serving.has_value());
  EXPECT_NEAR((with.summary.ttft_s - without.summary.ttft_s) / (20 * decode.summary.tpot_s), 1,
              0.03);
  EXPECT_EQ(with.summary.serving->burst_ttft_s, without.summary.serving->burst_ttft_s);
  const framework::Estimate one_rank = EstimateOrFail(BalancedRanks(1, 2, 20));
  const framework::Estimate one_rank_without = EstimateOrFail(BalancedRanks(1, 2, 0));
  EXPECT_EQ(one_rank.summary.ttft_s, one_rank_without.summary.ttft_s);
  // A prefill-first schedule (SGLang's) holds the prompt the same way, the running decodes going
  // on meanwhile rather than pausing for it: 20 batch-1 decode steps more.
  ScenarioRequest prefill_first = BalancedRanks(2, 4, 20);
  prefill_first.engine = "sglang";
  ScenarioRequest prefill_first_without = BalancedRanks(2, 4, 0);
  prefill_first_without.engine = "sglang";
  const framework::Estimate sglang_decode = EstimateOrFail(Llama8b("sglang", 1, "static"));
  EXPECT_NEAR((EstimateOrFail(prefill_first).summary.ttft_s -
               EstimateOrFail(prefill_first_without).summary.ttft_s) /
                  (20 * sglang_decode.summary.tpot_s),
              1, 0.03);
}

// The hold ends when every other rank has a prompt: with 8 ranks and 64 clients (8 a rank) of 50
// output tokens, a rank's requests arrive 1 / 8 of a cycle apart (~50 / 8 steps plus a prompt),
// so the other 7 all have one after H(7) = 2.59 of those gaps, ~20 steps: far fewer than a hold
// of 1,000 steps, which therefore never runs out. The hold then stays under 3 x H(7) gaps.
TEST(ServingMode, TheBalancingHoldEndsWhenEveryRankHasAPrompt) {
  ScenarioRequest shorter = BalancedRanks(8, 64, 1000);
  shorter.output_tokens = 50;
  ScenarioRequest none = BalancedRanks(8, 64, 0);
  none.output_tokens = 50;
  const framework::Estimate with = EstimateOrFail(shorter);
  const framework::Estimate without = EstimateOrFail(none);
  ASSERT_TRUE(with.summary.serving.has_value());
  // A rank's cycle: TTFT + 49 TPOT (Little's law at 8 clients a rank); the gap, 1 / 8 of it.
  const double gap = (with.summary.ttft_s + 49 * with.summary.tpot_s) / 8;
  const double harmonic = 1 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4 + 1.0 / 5 + 1.0 / 6 + 1.0 / 7;
  const double hold = with.summary.ttft_s - without.summary.ttft_s;
  EXPECT_GT(hold, 0.5 * harmonic * gap);
  EXPECT_LT(hold, 1.5 * harmonic * gap);
}

// Batch waiting (batch_wait_timeout_steps / batch_wait_max_tokens_ratio, TensorRT-LLM's
// batch_wait_timeout_iters / batch_wait_max_tokens_ratio): while sequences decode, the prompts a
// step would take are held back until their whole lengths plus the decoding sequences' tokens
// reach the ratio x the token budget, or for that many steps. Llama-3.1-8B on one GPU, 2 clients
// (spread half a cycle, ~100 steps, apart), 1,000 / 200 tokens, no serving path, a budget of
// 8,192 tokens. With 20 steps and 0.9 (7,372.8 tokens: one prompt of 1,000 and one decoding
// sequence's token, 1,001, never reach it) each prompt waits 20 steps, each the other client's
// batch-1 decode step: TTFT grows by 20 x the static TPOT at one client (within 3 %, as the
// balancing test above). With 0.1 (819.2 tokens: 1,001 reach it) nothing waits; with attention
// data parallelism (dp 2, which TensorRT-LLM leaves out of batch waiting) nothing waits; and the
// burst (both prompts at the idle server: nothing decoding) does not wait. (Lengths drawn as in
// BalancedRanks, so that the clients are simulated one by one.)
ScenarioRequest BatchWaiting(int64_t dp, double timeout_steps, double ratio) {
  ScenarioRequest r = Llama8b("trtllm", 2 * dp, "serving");
  r.length_range_ratio = kSimulatedClientsRangeRatio;
  r.gpus = dp;
  r.dp = dp;
  r.max_batched_tokens = 8192;
  r.engine_settings.emplace_back("request_overhead_s", 0);
  r.engine_settings.emplace_back("main_process_request_overhead_s", 0);
  r.engine_settings.emplace_back("batch_wait_timeout_steps", timeout_steps);
  r.engine_settings.emplace_back("batch_wait_max_tokens_ratio", ratio);
  return r;
}

TEST(ServingMode, BatchWaitingHoldsPromptsUntilTheirTokensOrTheTimeout) {
  const framework::Estimate without = EstimateOrFail(BatchWaiting(1, 0, 0));
  const framework::Estimate with = EstimateOrFail(BatchWaiting(1, 20, 0.9));
  ScenarioRequest one = Llama8b("trtllm", 1, "static");
  const framework::Estimate decode = EstimateOrFail(one);
  ASSERT_TRUE(with.summary.serving.has_value());
  EXPECT_NEAR((with.summary.ttft_s - without.summary.ttft_s) / (20 * decode.summary.tpot_s), 1,
              0.03);
  EXPECT_EQ(with.summary.serving->burst_ttft_s, without.summary.serving->burst_ttft_s);
  // Either key alone holds nothing (TensorRT-LLM waits only with both).
  EXPECT_EQ(EstimateOrFail(BatchWaiting(1, 20, 0)).summary.ttft_s, without.summary.ttft_s);
  EXPECT_EQ(EstimateOrFail(BatchWaiting(1, 0, 0.9)).summary.ttft_s, without.summary.ttft_s);
  // The tokens reach 0.1 x 8,192: released at once.
  EXPECT_EQ(EstimateOrFail(BatchWaiting(1, 20, 0.1)).summary.ttft_s, without.summary.ttft_s);
  // Attention data parallelism: no batch waiting.
  EXPECT_EQ(EstimateOrFail(BatchWaiting(2, 20, 0.9)).summary.ttft_s,
            EstimateOrFail(BatchWaiting(2, 0, 0)).summary.ttft_s);
}

// A step's tokens reaching the ratio end the wait long before the timeout: 16 clients of 1,000 /
// 200 tokens, a budget of 8,192, a timeout of 1,000 steps. With 0.24 (1,966.08 tokens: two
// waiting prompts and 14 decoding sequences, 2,014, reach it; one prompt and 15, 1,015, do not) a
// prompt waits at most for the next one, about 1 / 16 of a cycle (~13 steps of ~200): under 40
// steps of the full batch's decode. With 0.99 (8,110.08: the 8 prompts the budget admits beside
// 8 decoding sequences, 8,008, never reach it) prompts wait until nothing decodes (the running
// requests' last steps, up to ~200) or the timeout: far longer, over 40 steps.
TEST(ServingMode, BatchWaitingEndsWhenTheStepHoldsEnoughTokens) {
  const auto sixteen = [](double timeout_steps, double ratio) {
    ScenarioRequest r = BatchWaiting(1, timeout_steps, ratio);
    r.concurrency = 16;
    return EstimateOrFail(r);
  };
  const framework::Estimate none = sixteen(0, 0);
  const double step = none.summary.tpot_s;
  EXPECT_LT(sixteen(1000, 0.24).summary.ttft_s - none.summary.ttft_s, 40 * step);
  EXPECT_GT(sixteen(1000, 0.99).summary.ttft_s - none.summary.ttft_s, 40 * step);
}

TEST(OpenLoop, RareArrivalsMeetAnIdleServer) {
  // One request every 1000 s on average, each served in well under a second: a request
  // practically never finds another running, so each sees the one-client server.
  ScenarioRequest open = Llama8b("vllm", 1, "serving");
  open.output_tokens = 50;
  open.request_rate = 0.001;
  ScenarioRequest closed = open;
  closed.request_rate = 0;
  const framework::Estimate o = EstimateOrFail(open);
  const framework::Estimate c = EstimateOrFail(closed);
  EXPECT_NEAR(o.summary.ttft_s / c.summary.ttft_s, 1, 1e-6);
  EXPECT_NEAR(o.summary.tpot_s / c.summary.tpot_s, 1, 0.01);
  EXPECT_FALSE(o.summary.serving->overloaded);
  // Served = arrived over the measured window: 299 gaps after the first 100 arrivals.
  const std::vector<double> a = framework::PoissonArrivals(0.001, 400);
  EXPECT_NEAR(o.summary.serving->requests_per_s, 299 / (a[399] - a[100]), 1e-12);
}

// A server with room for thousands of sequences (Llama-3.1-8B fp8 on 8 B200s) at 2 requests a
// second: each request is served long before the next arrives, so it serves what arrives, in
// both modes. (The simulation's work limit once assumed every step held what memory does: the
// run stopped after ~40 simulated seconds of the ~200 the arrivals span, and the cut-off run
// read as overloaded at 66 requests a second, 33x what arrived.)
TEST(OpenLoop, ALightlyLoadedServerWithRoomForThousandsServesWhatArrives) {
  ScenarioRequest r = Llama8b("vllm", 1, "serving");
  r.hardware = "b200";
  r.gpus = 8;
  r.weights = "fp8";
  r.kv = "fp8";
  r.request_rate = 2;
  // Served = arrived over the measured window: 299 gaps after the first 100 of 400 arrivals.
  const std::vector<double> a = framework::PoissonArrivals(2, 400);
  const double arrived_per_s = 299 / (a[399] - a[100]);
  for (const char* mode : {"serving", "disagg"}) {
    SCOPED_TRACE(mode);
    r.mode = mode;
    const framework::Estimate e = EstimateOrFail(r);
    const bool serving = r.mode == "serving";
    ASSERT_TRUE(serving ? e.summary.serving.has_value() : e.summary.disagg.has_value());
    EXPECT_FALSE(serving ? e.summary.serving->overloaded : e.summary.disagg->overloaded);
    EXPECT_NEAR(serving ? e.summary.serving->requests_per_s : e.summary.disagg->requests_per_s,
                arrived_per_s, 1e-12);
    // Output tokens per second: what arrives, 200 per request.
    EXPECT_NEAR(e.summary.tokens_per_s_aggregate, 200 * arrived_per_s, 1e-9);
  }
}

TEST(OpenLoop, ArrivalsBeyondCapacityAreFlaggedOverloaded) {
  ScenarioRequest r = Llama8b("vllm", 1, "serving");
  r.output_tokens = 50;
  r.request_rate = 5000;  // 400 requests in ~0.08 s
  const framework::Estimate e = EstimateOrFail(r);
  EXPECT_TRUE(e.summary.serving->overloaded);
  EXPECT_LT(e.summary.serving->requests_per_s, 5000);
  EXPECT_NE(::testing::PrintToString(e.summary.notes).find("OVERLOADED"), std::string::npos);

  r.mode = "disagg";
  const framework::Estimate d = EstimateOrFail(r);
  EXPECT_TRUE(d.summary.disagg->overloaded);

  r.mode = "static";  // a static batch has no arrivals
  absl::StatusOr<framework::Estimate> bad = TryEstimate(r);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--request-rate"), std::string::npos);
}

// A server whose memory lets every request in (the ideal engine, 8B on 80 GB) has no queue to
// grow: arrivals beyond what it completes slow its running batch down instead, and it is
// overloaded all the same. At any rate beyond that, the served rate is what it completes, far
// below the arrivals, and every number is a number (1,500/s once gave a NaN $/M input tokens:
// every request completed before a steady step was left).
TEST(OpenLoop, AServerWithoutAQueueIsOverloadedByArrivalsBeyondItsCompletions) {
  ScenarioRequest r = Llama8b("ideal", 1, "serving");
  r.input_tokens = 500;
  r.output_tokens = 500;
  for (const double rate : {1000.0, 1500.0, 5000.0}) {
    SCOPED_TRACE(rate);
    r.request_rate = rate;
    const framework::Estimate e = EstimateOrFail(r);
    EXPECT_TRUE(e.summary.serving->overloaded);
    EXPECT_LT(e.summary.serving->requests_per_s, 0.9 * rate);
    EXPECT_GT(e.summary.serving->prefill_time_share, 0);  // the prompts' GPU time is counted
    EXPECT_GT(e.summary.usd_per_million_input_tokens, 0);
  }
}

// A server that keeps up, with many requests in it at once (Little: rate x time in the server),
// is measured over enough arrivals that the measured three quarters are at least ten times
// those: the window is its steady state, not the server filling up, and it serves what arrives.
TEST(OpenLoop, ASteadyServerIsMeasuredOverManyTimesTheRequestsItHolds) {
  ScenarioRequest r = Llama8b("ideal", 1, "serving");
  r.input_tokens = 500;
  r.output_tokens = 500;
  r.request_rate = 20;  // (25/s is beyond it: a 1-GPU 8B server completes ~20/s of these)
  const framework::Estimate e = EstimateOrFail(r);
  const framework::ServingState& st = *e.summary.serving;
  ASSERT_FALSE(st.overloaded);
  const double in_server = r.request_rate * (st.ttft_s + (r.output_tokens - 1) * st.tpot_s);
  EXPECT_GT(in_server, 30);  // (more than the default 400 arrivals can measure tenfold)
  const int64_t n = st.open_loop_requests;
  EXPECT_GE(0.75 * static_cast<double>(n), 10 * in_server);
  // Served = arrived over the measured window (after the first quarter of the n arrivals).
  const std::vector<double> a = framework::PoissonArrivals(r.request_rate, n);
  EXPECT_NEAR(st.requests_per_s, static_cast<double>(n - 1 - n / 4) / (a[n - 1] - a[n / 4]), 1e-12);
}

}  // namespace
}  // namespace infercost::testing
