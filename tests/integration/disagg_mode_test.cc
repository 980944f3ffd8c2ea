// Disaggregated serving (framework/serving/disagg_model.h): prefill and decode pools simulated
// event by event. The expectations are derived by hand from how the pools work:
//   - the KV transfer is latency + bytes / (senders x link bandwidth), on the scale-up links when
//     both pools fit in one node, else on the scale-out links;
//   - one client: TTFT is the serving path's time (request_overhead_s), one prefill step of one
//     prompt (the static prefill at concurrency 1 of the prefill worker's layout) and the KV
//     transfer; TPOT the batch-1 decode steps;
//   - a prefill-bound closed loop (one prefill worker taking one prompt a step, several clients,
//     tiny decode): the prefill worker never idles, so requests/s = 1 / prefill step, and every
//     cycle TTFT + (output - 1) TPOT = clients x prefill step (Little's law).
#include <cmath>

#include "framework/estimate.h"
#include "framework/serving/disagg_model.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

using framework::ScenarioRequest;

// Llama-3-70B, fp8 weights and KV, 2 x H100 per worker (the default scenario's layout).
ScenarioRequest Llama70b(int64_t concurrency, const char* mode) {
  ScenarioRequest r;  // llama-3-70b on h100-sxm, fp8 / fp8, 500 in / 500 out, 2 GPUs
  r.engine = "vllm";
  r.concurrency = concurrency;
  r.mode = mode;
  return r;
}

// `clients` clients sending 4000-token prompts for one decode step (2 output tokens) through a
// 50 ms serving path, prefill steps of up to `prefill_batch` prompts, `decode_workers` decode
// workers: a loop whose cycle is the prefill's.
ScenarioRequest LongPromptsOneDecodeStep(int64_t clients, int64_t prefill_batch,
                                         int64_t decode_workers) {
  ScenarioRequest r = Llama70b(clients, "disagg");
  r.input_tokens = 4000;
  r.output_tokens = 2;
  r.prefill_pool.max_batch = prefill_batch;
  r.decode_pool.workers = decode_workers;
  r.engine_settings.emplace_back("request_overhead_s", 0.05);
  return r;
}

// The prefill step of `prompts` of `disagg`'s prompts: the static TTFT of one worker's layout.
double StaticPrefillStep(ScenarioRequest disagg, int64_t prompts) {
  disagg.mode = "static";
  disagg.concurrency = prompts;
  disagg.prefill_pool = {};
  disagg.decode_pool = {};
  return EstimateOrFail(disagg).summary.ttft_s;
}

TEST(KvTransfer, ScaleUpWithinANodeScaleOutBeyond) {
  registry::Hardware hw;
  hw.scale_up_bandwidth_bytes_per_s = 100e9;
  hw.scale_up_latency_s = 5e-6;
  hw.scale_out_bandwidth_bytes_per_s = 25e9;
  hw.scale_out_latency_s = 10e-6;
  hw.gpus_per_node = 8;
  // 6 GPUs in all fit one node: 5 us + 1 GB / (min(2, 4) x 100 GB/s) = 5 us + 5 ms.
  EXPECT_DOUBLE_EQ(framework::KvTransferSeconds(1e9, hw, 2, 4, 6), 5e-6 + 5e-3);
  // 16 GPUs: two nodes, scale-out: 10 us + 1 GB / (8 x 25 GB/s) = 10 us + 5 ms.
  EXPECT_DOUBLE_EQ(framework::KvTransferSeconds(1e9, hw, 8, 8, 16), 10e-6 + 5e-3);
}

TEST(DisaggMode, OneClientIsThePathOnePrefillAndTheTransferThenBatchOneDecode) {
  ScenarioRequest r = Llama70b(1, "disagg");
  r.engine_settings.emplace_back("request_overhead_s", 0.05);
  const framework::Estimate disagg = EstimateOrFail(r);
  const framework::Estimate fixed = EstimateOrFail(Llama70b(1, "static"));
  ASSERT_TRUE(disagg.summary.disagg.has_value());
  EXPECT_EQ(disagg.summary.mode, framework::ServingMode::kDisagg);
  // KV of one 500-token prompt, whole model: 80 layers x 2 (K, V) x 8 KV heads x 128 x 1 byte
  // (fp8) x 500 = 81,920,000 bytes. Both pools (2 + 2 GPUs) fit one 8-GPU H100 node: NVLink,
  // 450 GB/s and 2 us per GPU (presets/hardware/h100-sxm.toml), 2 senders:
  // 2e-6 + 81.92e6 / (2 x 450e9) = 2e-6 + 9.102e-5 s.
  const double transfer = 2e-6 + 81.92e6 / (2 * 450e9);
  EXPECT_NEAR(disagg.summary.disagg->kv_transfer_s, transfer, 1e-12);
  // The request reaches the router 50 ms after it is sent (the serving path), then the prefill.
  EXPECT_NEAR(disagg.summary.ttft_s, 0.05 + fixed.summary.ttft_s + transfer, 1e-9);
  // Batch-1 decode steps at contexts 501..999 (static: at the mean, 750; contexts grouped to
  // 1/32 of their size).
  EXPECT_NEAR(disagg.summary.tpot_s / fixed.summary.tpot_s, 1, 0.01);
  EXPECT_NEAR(disagg.summary.disagg->decode_batch, 1, 0.05);
  EXPECT_EQ(disagg.summary.disagg->prefill_wait_s, 0);
  // Four GPUs in all; one request at a time.
  EXPECT_NEAR(disagg.summary.tokens_per_s_per_gpu,
              500 / (4 * (disagg.summary.ttft_s + 499 * disagg.summary.tpot_s)), 1e-9);
}

// A decode worker's steps where only its answers grow are taken many at once
// (skip_quiet_decode_steps in framework/serving/disagg_model.cc); the run must come out as step
// by step. One client of 500 + 400,000 tokens: each request is the path, one prefill step, the
// transfer and 399,999 decode steps of batch 1, whose mean is the static TPOT at concurrency 1
// (time affine in the context, contexts grouped to 1/32 of their size: within 1 %), and the
// four GPUs serve one request at a time.
TEST(DisaggMode, LongAnswersCountEveryDecodeStep) {
  ScenarioRequest r = Llama70b(1, "disagg");
  r.output_tokens = 400'000;
  r.allow_beyond_context = true;
  r.engine_settings.emplace_back("request_overhead_s", 0.05);
  const framework::Estimate disagg = EstimateOrFail(r);
  ScenarioRequest static_request = Llama70b(1, "static");
  static_request.output_tokens = 400'000;
  static_request.allow_beyond_context = true;
  const framework::Estimate fixed = EstimateOrFail(static_request);
  ASSERT_TRUE(disagg.summary.disagg.has_value());
  EXPECT_EQ(disagg.summary.disagg->completed, 2);
  EXPECT_NEAR(disagg.summary.tpot_s / fixed.summary.tpot_s, 1, 0.01);
  EXPECT_NEAR(disagg.summary.ttft_s,
              0.05 + StaticPrefillStep(r, 1) + disagg.summary.disagg->kv_transfer_s, 1e-9);
  EXPECT_NEAR(disagg.summary.tokens_per_s_per_gpu /
                  (400'000 / (4 * (disagg.summary.ttft_s + 399'999 * disagg.summary.tpot_s))),
              1, 1e-9);
}

TEST(DisaggMode, APrefillBoundLoopRunsAtThePrefillRate) {
  // (50 ms on the serving path per request: shorter than a 4000-token prefill step, so the
  // prefill queue is never empty.)
  const ScenarioRequest r = LongPromptsOneDecodeStep(6, 1, 2);
  const framework::Estimate disagg = EstimateOrFail(r);
  const double prefill_step = StaticPrefillStep(r, 1);  // one 4000-token prompt
  ASSERT_TRUE(disagg.summary.disagg.has_value());
  const framework::DisaggState& d = *disagg.summary.disagg;
  EXPECT_NEAR(d.prefill_step_s, prefill_step, 1e-12);
  EXPECT_NEAR(d.prefill_busy, 1, 1e-9);
  EXPECT_NEAR(d.requests_per_s * prefill_step, 1, 1e-9);
  EXPECT_NEAR((disagg.summary.ttft_s + disagg.summary.tpot_s) / (6 * prefill_step), 1, 1e-9);
  // A cycle of 6 prefill steps is the serving path, the wait, its own prefill step, the transfer
  // and the decode (TPOT: output - 1 = 1 step, its wait for the step boundary included).
  EXPECT_NEAR(d.prefill_wait_s, 5 * prefill_step - 0.05 - d.kv_transfer_s - disagg.summary.tpot_s,
              1e-9);
  EXPECT_NEAR(disagg.summary.ttft_s, 0.05 + d.prefill_wait_s + prefill_step + d.kv_transfer_s,
              1e-9);
}

// Drawn lengths (--length-range-ratio 0.5: prompts of 2,000-4,000 tokens) in the same
// prefill-bound loop: the prefill worker still never idles and takes one prompt a step, so
// requests/s is 1 over the mean prefill step, which lies between the steps of one 2,000-token and
// one 4,000-token prompt; the mean step is reported (prefill_step_s) and Little's law holds
// with it.
TEST(DisaggMode, DrawnPromptsRunThePrefillBoundLoopAtTheirMeanStep) {
  ScenarioRequest r = LongPromptsOneDecodeStep(6, 1, 2);
  r.length_range_ratio = 0.5;
  const framework::Estimate disagg = EstimateOrFail(r);
  ScenarioRequest longest = r;
  longest.length_range_ratio = 1;
  ScenarioRequest shortest = longest;
  shortest.input_tokens = 2000;
  const double longest_step = StaticPrefillStep(longest, 1);
  const double shortest_step = StaticPrefillStep(shortest, 1);
  ASSERT_TRUE(disagg.summary.disagg.has_value());
  const framework::DisaggState& d = *disagg.summary.disagg;
  EXPECT_NEAR(d.prefill_busy, 1, 1e-9);
  EXPECT_LT(d.prefill_step_s, longest_step);
  EXPECT_GT(d.prefill_step_s, shortest_step);
  EXPECT_GT(d.requests_per_s * longest_step, 1);
  EXPECT_LT(d.requests_per_s * shortest_step, 1);
}

// Clients that send together reach the router together, after the serving path, and are
// prefilled in one step: 4 clients, identical requests, a prefill step of up to 4 prompts, so
// every cycle is one prefill step of all 4 (TTFT = 50 ms + that step + the KV transfer).
TEST(DisaggMode, RequestsReachingTheRouterTogetherArePrefilledTogether) {
  const ScenarioRequest r = LongPromptsOneDecodeStep(4, 4, 4);
  const framework::Estimate disagg = EstimateOrFail(r);
  const double prefill_step = StaticPrefillStep(r, 4);  // 4 prompts of 4000 tokens
  ASSERT_TRUE(disagg.summary.disagg.has_value());
  const framework::DisaggState& d = *disagg.summary.disagg;
  EXPECT_EQ(d.prefill_batch, 4);
  EXPECT_NEAR(d.prefill_step_s, prefill_step, 1e-12);
  EXPECT_NEAR(disagg.summary.ttft_s, 0.05 + prefill_step + d.kv_transfer_s, 1e-9);
}

// At a request rate the serving path only delays each arrival by the same time: the pools see
// the same arrivals shifted, so every TTFT is longer by that time and nothing else moves (up to
// the rounding of the shifted event times, which can break a tie between two events the other
// way: within 2 % of the 50 ms, 1 % elsewhere).
TEST(DisaggMode, AtARequestRateTheServingPathAddsItsTimeToEveryTtftAndNothingElse) {
  ScenarioRequest r = Llama70b(1, "disagg");
  r.request_rate = 4;
  r.engine_settings.emplace_back("request_overhead_s", 0);
  const framework::Estimate none = EstimateOrFail(r);
  r.engine_settings.back().second = 0.05;
  const framework::Estimate path = EstimateOrFail(r);
  ASSERT_TRUE(none.summary.disagg.has_value() && path.summary.disagg.has_value());
  EXPECT_NEAR(path.summary.ttft_s - none.summary.ttft_s, 0.05, 0.001);
  EXPECT_NEAR(path.summary.tpot_s / none.summary.tpot_s, 1, 0.01);
  EXPECT_NEAR(path.summary.disagg->decode_batch / none.summary.disagg->decode_batch, 1, 0.01);
}

TEST(DisaggMode, MoreDecodeWorkersShortenTheStepAtHighConcurrency) {
  ScenarioRequest r = Llama70b(256, "disagg");
  r.prefill_pool.workers = 4;
  r.decode_pool.workers = 1;
  const framework::Estimate one = EstimateOrFail(r);
  r.decode_pool.workers = 4;
  const framework::Estimate four = EstimateOrFail(r);
  EXPECT_LT(four.summary.tpot_s, one.summary.tpot_s);
  EXPECT_LT(four.summary.disagg->decode_batch, one.summary.disagg->decode_batch);
  // GPUs: 4 x 2 + 4 x 2 = 16.
  EXPECT_NEAR(four.summary.tokens_per_s_per_gpu * 16, four.summary.tokens_per_s_aggregate, 1e-6);
}

TEST(DisaggMode, PoolFlagsAreCheckedAndNamed) {
  ScenarioRequest r = Llama70b(4, "static");
  r.decode_pool.workers = 2;
  absl::StatusOr<framework::Estimate> e = TryEstimate(r);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("--mode disagg"), std::string::npos) << e.status();

  r = Llama70b(4, "disagg");
  r.prefill_pool.tp = 3;  // 64 query heads, 8 KV heads: 3 does not divide them
  e = TryEstimate(r);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("--prefill"), std::string::npos) << e.status();

  r = Llama70b(4, "disagg");
  r.decode_pool.workers = -1;
  e = TryEstimate(r);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("--decode-workers"), std::string::npos) << e.status();
}

// The memory a report shows is one decode worker's; a prefill pool too small for its weights
// makes the deployment not fit all the same. Llama-3-70B in bf16 is 70.6 B params x 2 bytes =
// 141 GB, more than one H100's 80 GB: a one-GPU prefill worker cannot hold it, while workers
// of 4 GPUs (35 GB each) can.
TEST(DisaggMode, APrefillPoolThatCannotHoldItsWeightsDoesNotFit) {
  ScenarioRequest r = Llama70b(4, "disagg");
  r.gpus = 4;
  r.weights = "bf16";
  r.kv = "bf16";
  const framework::Estimate both_fit = EstimateOrFail(r);
  EXPECT_TRUE(both_fit.summary.memory.fits);
  r.prefill_pool.gpus = 1;
  r.prefill_pool.tp = 1;
  const framework::Estimate e = EstimateOrFail(r);
  EXPECT_FALSE(e.summary.memory.fits);
  EXPECT_NE(::testing::PrintToString(e.summary.notes).find("prefill workers do NOT fit"),
            std::string::npos);
}

}  // namespace
}  // namespace infercost::testing
