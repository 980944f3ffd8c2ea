#include "tests/integration/pipeline_fixture.h"

#include <cstdlib>

#include "framework/abi/phase_catalog.h"

namespace infercost::testing {

const registry::Presets& RepoPresets() {
  static const registry::Presets* presets = [] {
    auto loaded = registry::LoadPresets({INFERCOST_TEST_PRESET_DIR});
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      std::abort();
    }
    return new registry::Presets(std::move(*loaded));
  }();
  return *presets;
}

const framework::PluginSet& InTreePlugins() {
  static const framework::PluginSet* plugins = [] {
    framework::PluginLoaderOptions options;
    options.plugin_dirs = {INFERCOST_TEST_PLUGIN_DIR};
    options.use_environment = false;
    options.use_default_dirs = false;
    return new framework::PluginSet(framework::LoadPlugins(options));
  }();
  return *plugins;
}

framework::Pipeline MakePipeline(const framework::ScenarioRequest& request) {
  auto scenario = framework::MakeScenario(request, RepoPresets());
  if (!scenario.ok()) {
    ADD_FAILURE() << scenario.status();
    std::abort();
  }
  auto pipeline = framework::Pipeline::Create(*scenario, InTreePlugins());
  if (!pipeline.ok()) {
    ADD_FAILURE() << pipeline.status();
    std::abort();
  }
  return std::move(*pipeline);
}

framework::Ledger RunScenario(const framework::ScenarioRequest& request) {
  auto ledger = MakePipeline(request).Run();
  if (!ledger.ok()) {
    ADD_FAILURE() << ledger.status();
    std::abort();
  }
  return std::move(*ledger);
}

absl::StatusOr<framework::Estimate> TryEstimate(const framework::ScenarioRequest& request) {
  auto scenario = framework::MakeScenario(request, RepoPresets());
  if (!scenario.ok()) return scenario.status();
  return framework::EstimateScenario(*scenario, InTreePlugins());
}

framework::Estimate EstimateOrFail(const framework::ScenarioRequest& request) {
  absl::StatusOr<framework::Estimate> e = TryEstimate(request);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : framework::Estimate{};
}

framework::ScenarioRequest LlamaOnL4(int64_t concurrency, int64_t input_tokens) {
  framework::ScenarioRequest r;
  r.model = "llama-3.1-8b";
  r.hardware = "l4";
  r.engine = "vllm";
  r.gpus = 1;
  r.weights = "bf16";
  r.kv = "bf16";
  r.input_tokens = input_tokens;
  r.output_tokens = 200;
  r.concurrency = concurrency;
  return r;
}

void ExpectSameSummary(const framework::Summary& got, const framework::Summary& want,
                       const std::string& where) {
  EXPECT_EQ(got.ttft_s, want.ttft_s) << where;
  EXPECT_EQ(got.tpot_s, want.tpot_s) << where;
  EXPECT_EQ(got.e2e_s, want.e2e_s) << where;
  EXPECT_EQ(got.tokens_per_s_per_user, want.tokens_per_s_per_user) << where;
  EXPECT_EQ(got.tokens_per_s_aggregate, want.tokens_per_s_aggregate) << where;
  EXPECT_EQ(got.tokens_per_s_per_gpu, want.tokens_per_s_per_gpu) << where;
  EXPECT_EQ(got.usd_per_million_input_tokens, want.usd_per_million_input_tokens) << where;
  EXPECT_EQ(got.usd_per_million_output_tokens, want.usd_per_million_output_tokens) << where;
  EXPECT_EQ(got.waves, want.waves) << where;
  EXPECT_EQ(got.memory.fits, want.memory.fits) << where;
  EXPECT_EQ(got.memory.max_concurrency, want.memory.max_concurrency) << where;
  EXPECT_EQ(got.memory.weights_bytes, want.memory.weights_bytes) << where;
  EXPECT_EQ(got.memory.kv_bytes, want.memory.kv_bytes) << where;
  EXPECT_EQ(got.memory.activation_bytes, want.memory.activation_bytes) << where;
  EXPECT_EQ(got.memory.free_bytes, want.memory.free_bytes) << where;
  EXPECT_EQ(got.e2e_band.low_s, want.e2e_band.low_s) << where;
  EXPECT_EQ(got.e2e_band.high_s, want.e2e_band.high_s) << where;
  EXPECT_EQ(got.notes, want.notes) << where;
}

const framework::LayerGroup* Group(const framework::StageLedger& ledger, const std::string& name) {
  for (const framework::LayerGroup& group : ledger.groups) {
    if (group.name == name) return &group;
  }
  ADD_FAILURE() << "no layer group " << name;
  return nullptr;
}

double SectionParams(const framework::LayerGroup& group, ic_section section) {
  double params = 0;
  for (const ic_phase_cost& cost : group.phases) {
    if (framework::PhaseSection(cost.phase) == section) params += cost.params;
  }
  return params;
}

}  // namespace infercost::testing
