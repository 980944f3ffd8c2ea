// A hardware plugin's ABI 1.5 time models are its word for its times, and a decode sum summed
// with a false one would be wrong: the host checks each model against the time the plugin gave
// for the step the sum's basis was checked on, and sums step by step where they disagree. The
// test plugin (false_time_model_hardware.cc, FALSE_MODEL_KV) times a record as
// max(FLOPs / 1e15, HBM bytes / 1e12) + 1 us but models its KV reads as twice as fast; it is
// loaded without the conformance probe (which would find the model false first:
// plugin_trust_test.cc), as a host that turned probing off would.
#include <cmath>
#include <string>

#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "gtest/gtest.h"
#include "registry/presets.h"
#include "tests/abi/abi_test_util.h"

namespace infercost::abi_test {
namespace {

using framework::DecodeSumMethod;

absl::StatusOr<framework::Estimate> EstimateOn(const std::string& hardware_plugin,
                                               int64_t output_tokens, DecodeSumMethod method) {
  static const registry::Presets* presets = [] {
    absl::StatusOr<registry::Presets> loaded = registry::LoadPresets({INFERCOST_TEST_PRESET_DIR});
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new registry::Presets(loaded.ok() ? std::move(*loaded) : registry::Presets{});
  }();
  static const PluginSet* plugins = [] {
    PluginLoaderOptions options = OnlyDirs({BuildPluginDir(), ABI_MODEL_PLUGIN_DIR});
    options.probe = false;
    return new PluginSet(framework::LoadPlugins(options));
  }();
  framework::ScenarioRequest request;
  request.model = "llama-3-70b";
  request.hardware = "h100-sxm";
  request.gpus = 8;
  request.input_tokens = 500;
  request.output_tokens = output_tokens;
  request.concurrency = 4;
  absl::StatusOr<framework::Scenario> scenario = framework::MakeScenario(request, *presets);
  if (!scenario.ok()) return scenario.status();
  scenario->hardware.plugin = hardware_plugin;
  scenario->decode_sum = method;
  return framework::EstimateScenario(*scenario, *plugins);
}

TEST(TimeModelCheck, AFalseModelIsNotSummedTheSumStaysExact) {
  for (const int64_t output_tokens : {500, 3000}) {
    SCOPED_TRACE(output_tokens);
    const absl::StatusOr<framework::Estimate> closed_form =
        EstimateOn("abi_false_kv_model", output_tokens, DecodeSumMethod::kPiecewiseAffine);
    const absl::StatusOr<framework::Estimate> every_step =
        EstimateOn("abi_false_kv_model", output_tokens, DecodeSumMethod::kEveryStep);
    ASSERT_TRUE(closed_form.ok()) << closed_form.status();
    ASSERT_TRUE(every_step.ok()) << every_step.status();
    EXPECT_NEAR(closed_form->decode_sum_s, every_step->decode_sum_s,
                1e-9 * every_step->decode_sum_s);
    // Not from the models: the piecewise-affine sum sampled steps of its own (with a true model
    // the basis's one evaluation is all: decode_sum_test.cc, LongAnswersCostFewStepEvaluations).
    EXPECT_GT(closed_form->ledger.decode_sum.evaluated_steps, 2);
  }
}

// The same plugin whose model is false on weight bytes only (FALSE_MODEL_SLOPE), which no
// attention record has: for the records a decode sum values its models are true, pass the
// check and are summed in closed form. (Batch 4: flash declares its split breaks at contexts
// 513 and 769, a staircase of two, vetted as the host's own; the basis is the mean step 250,
// the step after the last, 500, and the mean step's neighbour 251: one step evaluated.)
TEST(TimeModelCheck, AModelTrueForTheRecordsSummedIsUsed) {
  const absl::StatusOr<framework::Estimate> closed_form =
      EstimateOn("abi_weight_false_model", 500, DecodeSumMethod::kPiecewiseAffine);
  const absl::StatusOr<framework::Estimate> every_step =
      EstimateOn("abi_weight_false_model", 500, DecodeSumMethod::kEveryStep);
  ASSERT_TRUE(closed_form.ok()) << closed_form.status();
  ASSERT_TRUE(every_step.ok()) << every_step.status();
  EXPECT_NEAR(closed_form->decode_sum_s, every_step->decode_sum_s, 1e-9 * every_step->decode_sum_s);
  EXPECT_EQ(closed_form->ledger.decode_sum.evaluated_steps, 1);
}

}  // namespace
}  // namespace infercost::abi_test
