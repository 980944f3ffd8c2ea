// A pipeline reused for a scenario of the same structure (framework/ledger/pipeline_cache.h)
// gives exactly what a freshly built one gives, and is never reused across a structure change.
#include "framework/ledger/pipeline_cache.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

framework::Scenario ScenarioOf(const framework::ScenarioRequest& request) {
  absl::StatusOr<framework::Scenario> s = framework::MakeScenario(request, RepoPresets());
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : framework::Scenario{};
}

framework::ScenarioRequest Llama70bOn(int64_t gpus) {
  framework::ScenarioRequest r;
  r.model = "llama-3-70b";
  r.gpus = gpus;
  return r;
}

TEST(PipelineCache, RebindsOnlyTheSameStructure) {
  const framework::Pipeline pipeline = MakePipeline(Llama70bOn(8));
  // Lengths, concurrency and engine are not part of the structure.
  framework::ScenarioRequest other_point = Llama70bOn(8);
  other_point.concurrency = 37;
  other_point.input_tokens = 4000;
  other_point.output_tokens = 3;
  other_point.engine = "vllm";
  EXPECT_TRUE(pipeline.Rebind(ScenarioOf(other_point)).has_value());
  // Each of these changes what the pipeline classified or sized.
  framework::ScenarioRequest tp4 = Llama70bOn(4);
  framework::ScenarioRequest smaller = Llama70bOn(8);
  smaller.model = "llama-3-8b";
  framework::ScenarioRequest kv16 = Llama70bOn(8);
  kv16.kv = "bf16";
  framework::ScenarioRequest naive = Llama70bOn(8);
  naive.attention_kernel = "naive";
  framework::ScenarioRequest option = Llama70bOn(8);
  option.model = "deepseek-v3";
  framework::ScenarioRequest absorbed = option;
  absorbed.variant_options = {"mla_form=absorbed"};
  for (const framework::ScenarioRequest& changed : {tp4, smaller, kv16, naive}) {
    EXPECT_FALSE(pipeline.Rebind(ScenarioOf(changed)).has_value()) << changed.model;
  }
  // A variant option is part of the model: the same model with another option is another
  // structure.
  const framework::Pipeline deepseek = MakePipeline(option);
  EXPECT_FALSE(deepseek.Rebind(ScenarioOf(absorbed)).has_value());
  EXPECT_TRUE(deepseek.Rebind(ScenarioOf(option)).has_value());
}

TEST(PipelineCache, CachedEstimatesEqualFreshOnes) {
  // Points of a sweep in an order that changes structure now and then (model, TP, kernel), with
  // batches that do not fit (waves) and a serving-mode point.
  std::vector<framework::ScenarioRequest> points;
  for (const char* model : {"llama-3-70b", "deepseek-v3", "llama-3-70b", "gemma-2-9b"}) {
    for (int64_t gpus : {8, 8, 4}) {
      for (int64_t concurrency : {1, 64, 100000}) {
        framework::ScenarioRequest r;
        r.model = model;
        r.gpus = gpus;
        r.concurrency = concurrency;
        r.output_tokens = concurrency == 64 ? 300 : 2;
        r.allow_beyond_context = true;
        points.push_back(r);
      }
    }
  }
  points[4].attention_kernel = "naive";
  points[5].mode = "serving";
  points[5].engine = "vllm";
  framework::PipelineCache cache;
  int64_t compared = 0;
  for (const framework::ScenarioRequest& r : points) {
    absl::StatusOr<framework::Scenario> s = framework::MakeScenario(r, RepoPresets());
    if (!s.ok()) continue;  // e.g. TP 8 does not divide gemma-2-9b's heads
    const absl::StatusOr<framework::Estimate> fresh =
        framework::EstimateScenario(*s, InTreePlugins(), framework::EstimateDetail::kSummary);
    const absl::StatusOr<framework::Estimate> cached = framework::EstimateScenario(
        *s, InTreePlugins(), framework::EstimateDetail::kSummary, &cache);
    const std::string what =
        r.model + " x" + std::to_string(r.gpus) + " c" + std::to_string(r.concurrency);
    ASSERT_EQ(fresh.status(), cached.status()) << what;
    if (!fresh.ok()) continue;
    ++compared;
    ExpectSameSummary(cached->summary, fresh->summary, what);
  }
  EXPECT_GE(compared, 24);
}

}  // namespace
}  // namespace infercost::testing
