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
