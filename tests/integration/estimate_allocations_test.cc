// An evaluation into a reused Estimate allocates nothing once warm (issue 13, point 1: "no heap
// allocation on the hot path"), and gives the same answer as a fresh one.
//
// This binary replaces the global operator new to count the allocations made on the testing
// thread while counting is on. To see where an unexpected one comes from, run it with
// INFERCOST_TRACE_ALLOCATIONS=1: each counted allocation then prints its call stack on stderr.
#include <execinfo.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "framework/estimate.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace {

thread_local bool counting = false;
thread_local int64_t counted = 0;

void Trace() {
  static const bool trace = std::getenv("INFERCOST_TRACE_ALLOCATIONS") != nullptr;
  if (!trace) return;
  counting = false;  // backtrace may allocate on its first call
  void* frames[32];
  const int depth = backtrace(frames, 32);
  backtrace_symbols_fd(frames, depth, STDERR_FILENO);
  (void)!write(STDERR_FILENO, "----\n", 5);
  counting = true;
}

}  // namespace

// The replacements pair malloc with free themselves; GCC 12 cannot tell they are the replacements
// and warns that free is called on memory from operator new.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  if (counting) {
    ++counted;
    Trace();
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace infercost::testing {
namespace {

// Heap allocations made by `evaluate` on this thread.
template <typename F>
int64_t AllocationsOf(F&& evaluate) {
  counted = 0;
  counting = true;
  evaluate();
  counting = false;
  return counted;
}

framework::Scenario ScenarioOf(const framework::ScenarioRequest& request) {
  absl::StatusOr<framework::Scenario> s = framework::MakeScenario(request, RepoPresets());
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : framework::Scenario{};
}

// The benchmark's scenario (bench/scenario_bench.cc): the default on 8 GPUs with vLLM, at 2,
// 500 and 100,000 output tokens, then one whose batch does not fit (waves).
TEST(EstimateAllocations, AWarmEvaluationIntoAReusedEstimateAllocatesNothing) {
  std::vector<framework::ScenarioRequest> requests;
  for (const int64_t output : {2, 500, 100000}) {
    framework::ScenarioRequest r;
    r.gpus = 8;
    r.engine = "vllm";
    r.output_tokens = output;
    r.allow_beyond_context = true;
    requests.push_back(r);
  }
  for (const framework::ScenarioRequest& request : requests) {
    const framework::Scenario scenario = ScenarioOf(request);
    framework::PipelineCache pipelines;
    framework::Estimate reused;
    absl::Status status;
    const auto evaluate = [&] {
      status = framework::EstimateScenarioInto(scenario, InTreePlugins(),
                                               framework::EstimateDetail::kSummary, &pipelines,
                                               nullptr, reused);
    };
    evaluate();  // warms the pipeline cache and the estimate's buffers
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(AllocationsOf(evaluate), 0) << request.output_tokens << " output tokens";
    ASSERT_TRUE(status.ok()) << status;
    // The same answer as a fresh evaluation.
    const absl::StatusOr<framework::Estimate> fresh =
        framework::EstimateScenario(scenario, InTreePlugins(), framework::EstimateDetail::kSummary);
    ASSERT_TRUE(fresh.ok()) << fresh.status();
    ExpectSameSummary(reused.summary, fresh->summary, std::to_string(request.output_tokens));
  }
}

// An estimate reused across different scenarios (a full report, then summaries of another
// model, and back) holds each one's own answer: nothing of an earlier one is left in it.
TEST(EstimateAllocations, AReusedEstimateHoldsOnlyItsLastAnswer) {
  framework::ScenarioRequest llama;
  framework::ScenarioRequest deepseek;
  deepseek.model = "deepseek-v3";
  deepseek.gpus = 8;
  framework::ScenarioRequest waves = LlamaOnL4(100);
  framework::ScenarioRequest serving = llama;
  serving.mode = "serving";
  serving.concurrency = 4;
  framework::Estimate reused;
  framework::PipelineCache pipelines;
  for (const auto& [request, detail] : {std::pair{llama, framework::EstimateDetail::kFull},
                                        std::pair{deepseek, framework::EstimateDetail::kSummary},
                                        std::pair{waves, framework::EstimateDetail::kSummary},
                                        std::pair{serving, framework::EstimateDetail::kSummary},
                                        std::pair{llama, framework::EstimateDetail::kSummary},
                                        std::pair{deepseek, framework::EstimateDetail::kFull}}) {
    const framework::Scenario scenario = ScenarioOf(request);
    ASSERT_TRUE(framework::EstimateScenarioInto(scenario, InTreePlugins(), detail, &pipelines,
                                                nullptr, reused)
                    .ok());
    const absl::StatusOr<framework::Estimate> fresh =
        framework::EstimateScenario(scenario, InTreePlugins(), detail);
    ASSERT_TRUE(fresh.ok()) << fresh.status();
    const std::string where = request.model + " " + request.mode;
    ExpectSameSummary(reused.summary, fresh->summary, where);
    EXPECT_EQ(reused.summary.serving.has_value(), fresh->summary.serving.has_value()) << where;
    EXPECT_EQ(reused.summary.mode, fresh->summary.mode) << where;
    EXPECT_EQ(reused.decode_sum_s, fresh->decode_sum_s) << where;
    EXPECT_EQ(reused.decode_per_gpu.phases.size(), fresh->decode_per_gpu.phases.size()) << where;
    EXPECT_EQ(reused.prefill_timing.time_s, fresh->prefill_timing.time_s) << where;
    EXPECT_EQ(reused.decode_timing.phases.size(), fresh->decode_timing.phases.size()) << where;
    EXPECT_EQ(reused.ledger.decode.phases.size(), fresh->ledger.decode.phases.size()) << where;
    EXPECT_EQ(reused.ledger.decode_sum.phases.size(), fresh->ledger.decode_sum.phases.size())
        << where;
    EXPECT_EQ(reused.ledger.decode_sum.totals.matrix_flops,
              fresh->ledger.decode_sum.totals.matrix_flops)
        << where;
    EXPECT_EQ(reused.ledger.kv_cache_bytes_per_token, fresh->ledger.kv_cache_bytes_per_token)
        << where;
  }
}

}  // namespace
}  // namespace infercost::testing
