// Test helper: presets from the repo's presets/ and the in-tree plugins from the build tree,
// loaded through the same loader a third party's plugins go through.
#ifndef INFERCOST_TESTS_INTEGRATION_PIPELINE_FIXTURE_H_
#define INFERCOST_TESTS_INTEGRATION_PIPELINE_FIXTURE_H_

#include <cstdint>
#include <string>

#include "framework/estimate.h"
#include "framework/ledger/pipeline.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"
#include "gtest/gtest.h"
#include "registry/presets.h"

namespace infercost::testing {

// Loaded once per test binary.
const registry::Presets& RepoPresets();
const framework::PluginSet& InTreePlugins();

// Builds the pipeline of `request`; fails the test on error.
framework::Pipeline MakePipeline(const framework::ScenarioRequest& request);
framework::Ledger RunScenario(const framework::ScenarioRequest& request);
// The whole estimate (ledgers, timing, memory) of `request`, or its error.
absl::StatusOr<framework::Estimate> TryEstimate(const framework::ScenarioRequest& request);
// The same, failing the test on error (an empty estimate then).
framework::Estimate EstimateOrFail(const framework::ScenarioRequest& request);

// Llama-3.1-8B bf16 (16 GB of weights) with vLLM on one 24 GB L4, `input_tokens` + 200 tokens:
// a few dozen sequences fit, so a hundred run in waves.
framework::ScenarioRequest LlamaOnL4(int64_t concurrency, int64_t input_tokens = 1000);
// Every number of two summaries equal to the last bit (and their notes), `where` in failures.
void ExpectSameSummary(const framework::Summary& got, const framework::Summary& want,
                       const std::string& where);

// The layer group called `name` (fails the test and returns nullptr when there is none).
const framework::LayerGroup* Group(const framework::StageLedger& ledger, const std::string& name);
// Parameters of one layer of `group` in phases of `section`.
double SectionParams(const framework::LayerGroup& group, ic_section section);

}  // namespace infercost::testing

#endif  // INFERCOST_TESTS_INTEGRATION_PIPELINE_FIXTURE_H_
