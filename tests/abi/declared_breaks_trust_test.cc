// A variant's or kernel's declared decode breaks (ABI 1.4) are taken in the form they declare,
// each record A + B k + D n(k) with no check of its own, only where the declaration was checked
// before the plugin was loaded (LoadedPlugin::declarations_vetted): the host's own plugins, or a
// third-party plugin whose conformance probe ran and passed invariants.decode_breaks. Otherwise
// the decode sum's basis is fitted on steps of its own and checked on another.
//
// The bundled flash kernel, copied beside the host as a third-party plugin that overrides the
// host's own (--plugin-override flash): Llama-3-70B on 8 x H100, 500 + 500 tokens, whose decode
// steps (contexts 501 .. 999, plus 1,000 after the last) pass flash's split breaks at 513 and
// 769 (a staircase of two). Vetted (probed), the basis is the mean step 250 (context 750, in
// the stair [13, 268]), the step after the last (500, the next stair) and the mean step's
// neighbour 251: one step evaluated. Not vetted (loaded with the probe turned off), the basis
// is steps 1 and 12 (evaluated, the stair before the first break) and 500, checked on the mean
// step: two evaluated. Both sums are the every-step sum.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "gtest/gtest.h"
#include "registry/presets.h"
#include "tests/abi/abi_test_util.h"

namespace infercost::abi_test {
namespace {

namespace fs = std::filesystem;
using framework::DecodeSumMethod;

// flash, copied into a fresh directory with its manifest (a third-party plugin there).
fs::path ThirdPartyFlashDir() {
  const fs::path dir = fs::temp_directory_path() /
                       ("infercost-declared-breaks-" + std::to_string(getpid())) / "plugins";
  fs::remove_all(dir.parent_path());
  fs::create_directories(dir);
  fs::copy_file(fs::path(BuildPluginDir()) / LibraryFile("flash"), dir / LibraryFile("flash"));
  std::ofstream(dir / "flash.icplugin.toml")
      << "name = \"flash\"\nkind = \"attention_kernel\"\nlibrary = \"" << LibraryFile("flash")
      << "\"\nabi_major = 1\n";
  return dir;
}

PluginSet WithThirdPartyFlash(bool probed) {
  static const fs::path dir = ThirdPartyFlashDir();
  PluginLoaderOptions options = OnlyDirs({dir.string(), BuildPluginDir()});
  options.overrides = {"flash"};
  options.probe = probed;
  options.probe_options.runner_path = INFERCOST_CONFORMANCE_RUNNER_PATH;
  options.probe_options.cache_dir = (dir.parent_path() / "cache").string();
  return framework::LoadPlugins(options);
}

absl::StatusOr<framework::Estimate> Llama70b(const PluginSet& plugins, DecodeSumMethod method) {
  static const registry::Presets* presets = [] {
    absl::StatusOr<registry::Presets> loaded = registry::LoadPresets({INFERCOST_TEST_PRESET_DIR});
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new registry::Presets(loaded.ok() ? std::move(*loaded) : registry::Presets{});
  }();
  framework::ScenarioRequest request;
  request.model = "llama-3-70b";
  request.hardware = "h100-sxm";
  request.gpus = 8;
  request.input_tokens = 500;
  request.output_tokens = 500;
  absl::StatusOr<framework::Scenario> scenario = framework::MakeScenario(request, *presets);
  if (!scenario.ok()) return scenario.status();
  scenario->decode_sum = method;
  return framework::EstimateScenario(*scenario, plugins);
}

TEST(DeclaredBreaksTrust, OnlyAVettedDeclarationIsTakenWithoutACheck) {
  for (const bool probed : {true, false}) {
    SCOPED_TRACE(probed ? "probed" : "not probed");
    const PluginSet plugins = WithThirdPartyFlash(probed);
    const auto flash = FindLoaded(plugins, "flash");
    ASSERT_NE(flash, nullptr) << Describe(plugins);
    ASSERT_NE(flash->path().find("infercost-declared-breaks-"), std::string::npos)
        << flash->path();  // the copy, not the host's own
    EXPECT_EQ(flash->declarations_vetted(), probed);
    const absl::StatusOr<framework::Estimate> closed_form =
        Llama70b(plugins, DecodeSumMethod::kPiecewiseAffine);
    const absl::StatusOr<framework::Estimate> every_step =
        Llama70b(plugins, DecodeSumMethod::kEveryStep);
    ASSERT_TRUE(closed_form.ok()) << closed_form.status();
    ASSERT_TRUE(every_step.ok()) << every_step.status();
    EXPECT_EQ(closed_form->ledger.decode_sum.evaluated_steps, probed ? 1 : 2);
    EXPECT_NEAR(closed_form->decode_sum_s, every_step->decode_sum_s,
                1e-9 * every_step->decode_sum_s);
  }
}

TEST(DeclaredBreaksTrust, TheHostsOwnPluginsDeclarationsAreVetted) {
  PluginLoaderOptions options = OnlyDirs({BuildPluginDir()});
  options.probe = false;
  const PluginSet plugins = framework::LoadPlugins(options);
  for (const char* name : {"flash", "naive", "gqa", "mla"}) {
    const auto plugin = FindLoaded(plugins, name);
    ASSERT_NE(plugin, nullptr) << name;
    EXPECT_TRUE(plugin->declarations_vetted()) << name;
  }
}

}  // namespace
}  // namespace infercost::abi_test
