// Issue 13, point 1: the decode sum in closed form (framework/ledger/piecewise_affine_sum.h)
// gives the same answers as visiting every decode step, for every bundled model, both attention
// kernels, several lengths and batches; and the largest concurrency found by interpolation is
// the largest that fits.
#include <cmath>
#include <string>
#include <vector>

#include "framework/estimate.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

using framework::DecodeSumMethod;

absl::StatusOr<framework::Estimate> EstimateWith(const framework::ScenarioRequest& request,
                                                 DecodeSumMethod method) {
  absl::StatusOr<framework::Scenario> scenario = framework::MakeScenario(request, RepoPresets());
  if (!scenario.ok()) return scenario.status();
  scenario->decode_sum = method;
  return framework::EstimateScenario(*scenario, InTreePlugins());
}

void ExpectClose(double closed_form, double every_step, const std::string& what) {
  EXPECT_NEAR(closed_form, every_step, 1e-9 * std::fabs(every_step)) << what;
}

void ExpectSameCost(const ic_phase_cost& a, const ic_phase_cost& b, const std::string& what) {
  ExpectClose(a.matrix_flops, b.matrix_flops, what + " matrix_flops");
  ExpectClose(a.vector_flops, b.vector_flops, what + " vector_flops");
  ExpectClose(a.weight_bytes, b.weight_bytes, what + " weight_bytes");
  ExpectClose(a.kv_read_bytes, b.kv_read_bytes, what + " kv_read_bytes");
  ExpectClose(a.kv_write_bytes, b.kv_write_bytes, what + " kv_write_bytes");
  ExpectClose(a.activation_bytes, b.activation_bytes, what + " activation_bytes");
  ExpectClose(a.comm_bytes, b.comm_bytes, what + " comm_bytes");
  EXPECT_EQ(a.params, b.params) << what;
}

// The closed form gives what visiting every step gives for `r`: decode seconds and e2e.
void ExpectClosedFormEqualsEveryStep(const framework::ScenarioRequest& r, const std::string& what) {
  absl::StatusOr<framework::Estimate> closed = EstimateWith(r, DecodeSumMethod::kPiecewiseAffine);
  absl::StatusOr<framework::Estimate> every = EstimateWith(r, DecodeSumMethod::kEveryStep);
  ASSERT_TRUE(closed.ok()) << what << ": " << closed.status();
  ASSERT_TRUE(every.ok()) << what << ": " << every.status();
  ExpectClose(closed->decode_sum_s, every->decode_sum_s, what + " decode seconds");
  ExpectClose(closed->summary.e2e_s, every->summary.e2e_s, what + " e2e");
}

std::vector<std::string> BundledModels() { return RepoPresets().models.Names(); }

TEST(DecodeSum, ClosedFormEqualsEveryStepForEveryBundledModel) {
  struct Lengths {
    int64_t input, output;
  };
  // Short and long answers, a prompt that starts inside a flash-decoding split staircase, and a
  // context that crosses sliding windows (gemma, gpt-oss: 4,096 / 128 tokens); answers of a few
  // steps, with and without a break among them (Llama's split breaks: contexts 513, 769, ...).
  const std::vector<Lengths> lengths = {{500, 2}, {500, 500}, {1000, 2500}, {37, 4500}, {500, 5},
                                        {510, 6}, {500, 20},  {500, 24},    {500, 25}};
  int64_t compared = 0;
  for (const std::string& model : BundledModels()) {
    for (const char* kernel : {"flash", "naive"}) {
      for (const Lengths& l : lengths) {
        for (int64_t concurrency : {1, 7}) {
          framework::ScenarioRequest r;
          r.model = model;
          r.gpus = 8;
          r.attention_kernel = kernel;
          r.input_tokens = l.input;
          r.output_tokens = l.output;
          r.concurrency = concurrency;
          r.allow_beyond_context = true;
          const std::string what = model + " " + kernel + " " + std::to_string(l.input) + "+" +
                                   std::to_string(l.output) + " x" + std::to_string(concurrency);
          absl::StatusOr<framework::Estimate> every = EstimateWith(r, DecodeSumMethod::kEveryStep);
          absl::StatusOr<framework::Estimate> closed =
              EstimateWith(r, DecodeSumMethod::kPiecewiseAffine);
          ASSERT_EQ(every.status().code(), closed.status().code()) << what;
          if (!every.ok()) continue;  // e.g. TP 8 does not divide the model's heads
          ++compared;
          ExpectClose(closed->decode_sum_s, every->decode_sum_s, what + " decode seconds");
          ExpectClose(closed->summary.e2e_s, every->summary.e2e_s, what + " e2e");
          ExpectClose(closed->summary.usd_per_million_output_tokens,
                      every->summary.usd_per_million_output_tokens, what + " $/Mtok");
          const framework::DecodeSum& a = closed->ledger.decode_sum;
          const framework::DecodeSum& b = every->ledger.decode_sum;
          ASSERT_EQ(a.phases.size(), b.phases.size()) << what;
          for (size_t i = 0; i < a.phases.size(); ++i) {
            ASSERT_EQ(a.phases[i].phase, b.phases[i].phase) << what;
            ExpectSameCost(a.phases[i], b.phases[i], what + " phase " + std::to_string(i));
          }
          ExpectSameCost(a.totals, b.totals, what + " totals");
          EXPECT_EQ(b.evaluated_steps, l.output - 1) << what;
          EXPECT_LE(a.evaluated_steps, b.evaluated_steps) << what;
        }
      }
    }
  }
  EXPECT_GT(compared, 100);
}

// The closed form's time models are kept per thread (framework/timing/time_model_memo.h) and
// used again only for the same plugin, device and execution: devices, engines and dtypes taken
// in turn, and each one again after the others, still give what visiting every step gives (a
// model kept for another device or execution would not).
TEST(DecodeSum, ClosedFormEqualsEveryStepAcrossDevicesAndEnginesTakenInTurn) {
  struct Setup {
    const char* hardware;
    const char* engine;
    const char* weights;
  };
  const std::vector<Setup> setups = {{"h100-sxm", "vllm", "fp8"},   {"a100-80gb", "vllm", "bf16"},
                                     {"h200", "trtllm", "fp8"},     {"mi300x", "vllm", "fp8"},
                                     {"h100-sxm", "ideal", "bf16"}, {"l40s", "sglang", "fp8"}};
  int64_t compared = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (const Setup& setup : setups) {
      framework::ScenarioRequest r;
      r.hardware = setup.hardware;
      r.engine = setup.engine;
      r.weights = setup.weights;
      r.gpus = 8;
      r.input_tokens = 1000;
      r.output_tokens = 700;
      r.concurrency = 4;
      ExpectClosedFormEqualsEveryStep(r, std::string(setup.hardware) + " " + setup.engine + " " +
                                             setup.weights + " pass " + std::to_string(pass));
      ++compared;
    }
  }
  EXPECT_EQ(compared, 12);
}

// Routed experts timed with their own execution (an engine's expert_matmul_ratio below 1:
// framework/timing/step_timer.h): the closed form still gives what visiting every step gives,
// for mixture-of-experts models on engines with and without the ratio, taken in turn twice, at a
// concurrency of tens of tokens per expert in each decode step.
TEST(DecodeSum, ClosedFormEqualsEveryStepWithRoutedExpertsTimedApart) {
  int64_t compared = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (const char* model : {"qwen3-235b-a22b", "gpt-oss-120b", "mixtral-8x7b"}) {
      for (const char* engine : {"vllm", "sglang", "ideal"}) {
        framework::ScenarioRequest r;
        r.model = model;
        r.engine = engine;
        r.weights = "fp8";
        r.gpus = 8;
        r.input_tokens = 900;
        r.output_tokens = 600;
        r.concurrency = 1024;
        ExpectClosedFormEqualsEveryStep(
            r, std::string(model) + " " + engine + " pass " + std::to_string(pass));
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 18);
}

// A sliding window that fills on the answer's last decode step (context input + output - 1 =
// window + 1): the break bends the records on a last stair of one step. Found by an outside
// tester (gpt-oss-120b: a 128-token window; gemma-2-9b and gemma-3-27b: 4,096 and 1,024), up
// to 4e-8 off before the last stair was checked; one token shorter or longer was exact.
TEST(DecodeSum, ClosedFormEqualsEveryStepWhenAWindowFillsOnTheLastStep) {
  struct Case {
    const char* model;
    const char* kernel;
    int64_t input, output, concurrency, gpus;
  };
  const std::vector<Case> cases = {
      {"gpt-oss-120b", "flash", 1, 129, 1, 1}, {"gpt-oss-120b", "naive", 29, 101, 7, 8},
      {"gemma-2-9b", "naive", 1, 4097, 1, 1},  {"gemma-3-27b", "naive", 1, 1025, 1, 1},
      {"gpt-oss-120b", "flash", 1, 128, 1, 1}, {"gpt-oss-120b", "flash", 1, 130, 1, 1}};
  for (const Case& c : cases) {
    framework::ScenarioRequest r;
    r.model = c.model;
    r.attention_kernel = c.kernel;
    r.input_tokens = c.input;
    r.output_tokens = c.output;
    r.concurrency = c.concurrency;
    r.gpus = c.gpus;
    ExpectClosedFormEqualsEveryStep(r, std::string(c.model) + " " + c.kernel + " " +
                                           std::to_string(c.input) + " + " +
                                           std::to_string(c.output));
  }
}

// ANL's TensorRT-LLM 0.11 (the trtllm-0.11 preset): the single-block decode attention makes a
// record's time the larger of its streaming time and one block's walk
// (framework/timing/decode_attention.h), a kink in the context where the two cross (near 3.35e12 x
// 0.76 / 5e10 = 51 KV-head blocks on H100: Llama-3-8B at TP 1 has 8 per sequence, so 6-7 sequences
// sit near it). The closed form still equals visiting every step.
TEST(DecodeSum, ClosedFormEqualsEveryStepWithTheSingleBlockKernel) {
  int64_t compared = 0;
  for (const char* model : {"llama-3-8b", "llama-2-7b"}) {
    for (int64_t gpus : {1, 4}) {
      for (int64_t concurrency : {1, 6, 7, 16}) {
        framework::ScenarioRequest r;
        r.engine = "trtllm-0.11";
        r.hardware = "h100-sxm";
        r.model = model;
        r.gpus = gpus;
        r.weights = r.activations = r.kv = "fp16";
        r.input_tokens = 128;
        r.output_tokens = 2048;
        r.concurrency = concurrency;
        const std::string what =
            std::string(model) + " tp" + std::to_string(gpus) + " x" + std::to_string(concurrency);
        absl::StatusOr<framework::Estimate> every = EstimateWith(r, DecodeSumMethod::kEveryStep);
        absl::StatusOr<framework::Estimate> closed =
            EstimateWith(r, DecodeSumMethod::kPiecewiseAffine);
        ASSERT_TRUE(every.ok()) << what << every.status();
        ASSERT_TRUE(closed.ok()) << what << closed.status();
        ++compared;
        ExpectClose(closed->decode_sum_s, every->decode_sum_s, what + " decode seconds");
        ExpectClose(closed->summary.e2e_s, every->summary.e2e_s, what + " e2e");
        // The kernel is on: a batch-1 step walks more slowly than it streams, so the decode is
        // slower than without the switch.
        r.engine_settings = {{"decode_attention_single_block", 0}};
        absl::StatusOr<framework::Estimate> preset = EstimateWith(r, DecodeSumMethod::kEveryStep);
        ASSERT_TRUE(preset.ok()) << what << preset.status();
        if (concurrency == 1) {
          EXPECT_GT(every->decode_sum_s, preset->decode_sum_s) << what;
        }
      }
    }
  }
  EXPECT_EQ(compared, 16);
}

// The decode sum of Llama-3-70B on 8 GPUs (flash kernel) at these lengths, in closed form.
absl::StatusOr<framework::DecodeSum> Llama70bDecodeSum(int64_t input_tokens,
                                                       int64_t output_tokens) {
  framework::ScenarioRequest r;
  r.model = "llama-3-70b";
  r.gpus = 8;
  r.input_tokens = input_tokens;
  r.output_tokens = output_tokens;
  r.allow_beyond_context = true;
  absl::StatusOr<framework::Estimate> e = EstimateWith(r, DecodeSumMethod::kPiecewiseAffine);
  if (!e.ok()) return e.status();
  return e->ledger.decode_sum;
}

// The steps that sum evaluated (-1 where the estimate failed, which the test reports).
int64_t StepsEvaluated(int64_t input_tokens, int64_t output_tokens) {
  const absl::StatusOr<framework::DecodeSum> sum = Llama70bDecodeSum(input_tokens, output_tokens);
  EXPECT_TRUE(sum.ok()) << sum.status();
  return sum.ok() ? sum->evaluated_steps : -1;
}

TEST(DecodeSum, LongAnswersCostFewStepEvaluations) {
  const absl::StatusOr<framework::DecodeSum> sum = Llama70bDecodeSum(500, 100000);
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(sum->steps, 99999);
  // The flash-decoding split count steps every 256 keys until it reaches 17 per GPU
  // (ceil(132 SMs / 8 heads)); the kernel declares those breaks (ABI 1.4 decode_breaks): from
  // context 501 they are at 513, 769, ..., 4097 (15 of them, one staircase), i.e. steps 13 + 256 i
  // (context = 500 + step). The bundled plugins' declarations are vetted (the host's own:
  // DecodeBreaksVetted), and a staircase of two or more breaks keeps the records' slope, so each
  // record is A + B k + D n(k) as declared and the basis is fitted on the two steps evaluated
  // already, unchecked: the mean step (context 500 + 100,000 / 2: step 50,000, evaluated for the
  // summary) and the step after the last, 100,000 (context 100,500, evaluated by the memory
  // model for the decode's activation peak; no break falls on it). Both lie in the last stair
  // [3597, 100000], so the third point is step 1, before the first break (evaluated). The
  // roofline gives each record's time as max(compute, memory) of affine pieces (ABI 1.5), so
  // every stair is summed in closed form: 1 step evaluated, against 99,999 visited one by one.
  EXPECT_EQ(sum->evaluated_steps, 1);
  // 500 output tokens (steps 1 .. 499, contexts 501 .. 999; flash declares the breaks asked for,
  // 513 and 769: a staircase of two): the mean step 250 (context 750) lies in the stair
  // [13, 268], the step after the last, 500, in the next: the third point is the mean step's
  // neighbour 251 (evaluated).
  EXPECT_EQ(StepsEvaluated(500, 500), 1);
  // 5,000 + 3,000 tokens: contexts 5,001 .. 7,999, past the last split break (4,097): no break
  // in the range, so the records are affine throughout and the basis is the mean step (context
  // 5,000 + 1,500: step 1,500, the summary's) and the step after the last (3,000, the memory
  // model's): nothing evaluated.
  EXPECT_EQ(StepsEvaluated(5000, 3000), 0);
  // Short answers take a basis too where it evaluates fewer steps than visiting each would.
  // 500 + 20 tokens: steps 1 .. 19 (contexts 501 .. 519), one break in the range, at step 13
  // (context 513), of flash's staircase of the one-at-a-time split breaks (513, 769, ...: flash
  // declares that whole staircase, two or more breaks, which keep the records' slope): the
  // mean step 10 (context 510) lies in the stair [1, 12], the step after the last, 20, beyond
  // the break, so the third point is the mean step's neighbour 11: 1 step evaluated, not 18.
  EXPECT_EQ(StepsEvaluated(500, 20), 1);
  // 500 + 24: steps 1 .. 23, the same break at step 13; the mean step, 500 + 24 / 2 = 512, is
  // step 12, whose neighbour 13 lies past the break, so the other one, 11 (evaluated), with
  // the step after the last, 24: 1 step evaluated, not 22.
  EXPECT_EQ(StepsEvaluated(500, 24), 1);
  // 500 + 5: steps 1 .. 4 (contexts 501 .. 504), no break: the basis is the mean step 2
  // (context 502) and 5 (the memory model's): nothing evaluated, not 3.
  EXPECT_EQ(StepsEvaluated(500, 5), 0);
  // 500 + 4: three steps, too few to fit three and check on a fourth: the sum samples each of
  // them (counted as 3, the mean step 2 among them though the summary's evaluation serves it).
  EXPECT_EQ(StepsEvaluated(500, 4), 3);
}

TEST(DecodeSum, LargestConcurrencyIsTheLastThatFits) {
  struct Case {
    const char* model;
    int64_t gpus;
  };
  for (const Case& c : {Case{"llama-3-70b", 4}, Case{"llama-3-70b", 8}, Case{"llama-3.1-8b", 1},
                        Case{"llama-3.1-8b", 8}, Case{"deepseek-v3", 16}, Case{"mixtral-8x7b", 2},
                        Case{"gemma-2-9b", 1}, Case{"qwen3-next-80b-a3b", 4}}) {
    {
      const char* model = c.model;
      const int64_t gpus = c.gpus;
      framework::ScenarioRequest r;
      r.model = model;
      r.gpus = gpus;
      r.engine = "vllm";
      absl::StatusOr<framework::Estimate> e = TryEstimate(r);
      ASSERT_TRUE(e.ok()) << model << ": " << e.status();
      const int64_t most = e->summary.memory.max_concurrency;
      ASSERT_GT(most, 0) << model;
      r.concurrency = most;
      absl::StatusOr<framework::Estimate> at = TryEstimate(r);
      ASSERT_TRUE(at.ok()) << at.status();
      EXPECT_TRUE(at->summary.memory.fits) << model << " at " << most;
      r.concurrency = most + 1;
      absl::StatusOr<framework::Estimate> over = TryEstimate(r);
      ASSERT_TRUE(over.ok()) << over.status();
      EXPECT_FALSE(over->summary.memory.fits) << model << " at " << most + 1;
    }
  }
}

// To the last bit: the full estimate sums the whole model's meters apart from the times (a sum
// over more values may sample other steps; 2 sequences of vLLM did, with a last-bit difference).
// A summary times the steps without their per-phase lists and builds no merged whole-step
// records (StepTimer::TimeTotalsInto, AssembleStage): the same sums in the same order, so the
// same answer to the last bit. Models with collectives (TP 8), expert parallelism, several layer
// groups (a hybrid and a sliding-window model) and MLA.
TEST(DecodeSum, SummaryOnlyEstimateGivesTheSameSummary) {
  struct Model {
    const char* name;
    int64_t gpus;
    int64_t ep;
  };
  for (const Model& model :
       {Model{"llama-3.1-8b", 1, 1}, Model{"llama-3-70b", 8, 1}, Model{"qwen3-235b-a22b", 8, 8},
        Model{"qwen3-next-80b-a3b", 4, 1}, Model{"gemma-2-9b", 2, 1}, Model{"deepseek-v3", 8, 8}}) {
    for (const char* mode : {"static", "serving"}) {
      for (int64_t concurrency : {1, 2, 5, 7, 64, 5000}) {  // 5,000 sequences do not fit: waves
        framework::ScenarioRequest r;
        r.model = model.name;
        r.gpus = model.gpus;
        r.ep = model.ep;
        r.engine = "vllm";
        r.mode = mode;
        r.concurrency = concurrency;
        const std::string where =
            std::string(model.name) + " " + mode + " x" + std::to_string(concurrency);
        absl::StatusOr<framework::Scenario> s = framework::MakeScenario(r, RepoPresets());
        ASSERT_TRUE(s.ok()) << where << ": " << s.status();
        absl::StatusOr<framework::Estimate> full =
            framework::EstimateScenario(*s, InTreePlugins(), framework::EstimateDetail::kFull);
        absl::StatusOr<framework::Estimate> summary =
            framework::EstimateScenario(*s, InTreePlugins(), framework::EstimateDetail::kSummary);
        ASSERT_TRUE(full.ok() && summary.ok()) << where << full.status() << summary.status();
        ExpectSameSummary(summary->summary, full->summary, where);
        EXPECT_TRUE(summary->ledger.decode_sum.phases.empty()) << where;  // no whole-model ledger
        EXPECT_FALSE(full->ledger.decode_sum.phases.empty()) << where;
        if (!summary->summary.memory.fits && std::string(mode) == "static") continue;  // waves
        EXPECT_EQ(summary->decode_timing.time_s, full->decode_timing.time_s) << where;
        EXPECT_EQ(summary->decode_timing.kernels_s, full->decode_timing.kernels_s) << where;
        EXPECT_EQ(summary->prefill_timing.time_s, full->prefill_timing.time_s) << where;
        EXPECT_TRUE(summary->decode_timing.phases.empty()) << where;  // no per-phase list
        EXPECT_FALSE(full->decode_timing.phases.empty()) << where;
        EXPECT_TRUE(summary->decode_per_gpu.phases.empty()) << where;  // no merged records
        EXPECT_FALSE(full->decode_per_gpu.phases.empty()) << where;
      }
    }
  }
}

}  // namespace
}  // namespace infercost::testing
