// The host trusts only what it has proven: a third-party plugin is probed in a child process by
// the conformance runner before it is loaded (a crashing one is rejected with the check and call
// that crashed, and never mapped into the host); verdicts are cached by path, size and mtime;
// a plugin named like one of the host's own is refused unless overridden.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "framework/plugin_loader.h"
#include "framework/plugin_probe.h"
#include "gtest/gtest.h"
#include "tests/abi/abi_test_util.h"

namespace infercost::abi_test {
namespace {

namespace fs = std::filesystem;
using framework::ProbeOutcome;
using framework::ProbePlugin;
using framework::ProbeVerdict;

std::string CrashPluginDir() { return ABI_CRASH_PLUGIN_DIR; }
std::string ShadowPluginDir() { return ABI_SHADOW_PLUGIN_DIR; }

// A fresh, empty directory for this test (verdict cache, copied plugins).
fs::path ScratchDir() {
  const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::temp_directory_path() /
                 (std::string("infercost-trust-") + test->name() + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

PluginLoaderOptions Probing(std::vector<std::string> dirs, const fs::path& cache) {
  PluginLoaderOptions options = OnlyDirs(std::move(dirs));
  options.probe_options.runner_path = INFERCOST_CONFORMANCE_RUNNER_PATH;
  options.probe_options.cache_dir = cache.string();
  return options;
}

std::string Provenance(const PluginSet& set, const std::string& path) {
  const auto it = set.provenance.find(path);
  return it == set.provenance.end() ? "" : it->second;
}

// ---- a plugin that crashes inside a call never reaches the host ----

TEST(PluginTrust, CrashingPluginIsRejectedWithTheCheckAndCallThatCrashed) {
  const fs::path cache = ScratchDir();
  const PluginSet set = framework::LoadPlugins(Probing({CrashPluginDir()}, cache));
  EXPECT_EQ(FindLoaded(set, "abi_segfaults"), nullptr) << Describe(set);
  const RejectedPlugin* rejected = FindRejected(set, LibraryFile("abi_segfaults"));
  ASSERT_NE(rejected, nullptr) << Describe(set);
  EXPECT_EQ(rejected->name, "abi_segfaults");
  EXPECT_TRUE(Contains(rejected->reason, "conformance probe"));
  EXPECT_TRUE(Contains(rejected->reason, "SIGSEGV"));      // how it crashed
  EXPECT_TRUE(Contains(rejected->reason, "emit_phases"));  // in which call
  EXPECT_TRUE(Contains(rejected->reason, "not loaded"));
  // The table that claims a 2^40-byte name is rejected by the loader's own checks, not read.
  const RejectedPlugin* huge = FindRejected(set, LibraryFile("abi_huge_name"));
  ASSERT_NE(huge, nullptr) << Describe(set);
  EXPECT_TRUE(Contains(huge->reason, "1099511627776"));  // 2^40
}

TEST(PluginTrust, VerdictIsCachedByPathSizeAndModificationTime) {
  const fs::path scratch = ScratchDir();
  const fs::path copy = scratch / LibraryFile("abi_segfaults");
  fs::copy_file(fs::path(CrashPluginDir()) / LibraryFile("abi_segfaults"), copy);
  framework::PluginProbeOptions options;
  options.runner_path = INFERCOST_CONFORMANCE_RUNNER_PATH;
  options.cache_dir = (scratch / "cache").string();

  const ProbeVerdict first = ProbePlugin(copy.string(), options);
  EXPECT_EQ(first.outcome, ProbeOutcome::kRejected) << first.detail;
  EXPECT_FALSE(first.from_cache);
  const ProbeVerdict second = ProbePlugin(copy.string(), options);
  EXPECT_EQ(second.outcome, ProbeOutcome::kRejected);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.detail, first.detail);

  // A rebuilt library (here: a good one copied over it, new size and mtime) is probed again.
  fs::copy_file(fs::path(BadPluginDir()) / LibraryFile("abi_c_good"), copy,
                fs::copy_options::overwrite_existing);
  fs::last_write_time(copy, fs::last_write_time(copy) + std::chrono::seconds(5));
  const ProbeVerdict rebuilt = ProbePlugin(copy.string(), options);
  EXPECT_FALSE(rebuilt.from_cache);
  EXPECT_EQ(rebuilt.outcome, ProbeOutcome::kPassed) << rebuilt.detail;
}

TEST(PluginTrust, HangingPluginIsRejectedWhenTheProbeRunsOutOfTime) {
  const fs::path scratch = ScratchDir();
  framework::PluginProbeOptions options;
  options.runner_path = INFERCOST_CONFORMANCE_RUNNER_PATH;
  options.cache_dir = (scratch / "cache").string();
  options.total_timeout_seconds = 2;  // its emit_phases never returns
  const auto start = std::chrono::steady_clock::now();
  const ProbeVerdict verdict = ProbePlugin(ABI_HANG_PLUGIN, options);
  EXPECT_EQ(verdict.outcome, ProbeOutcome::kRejected) << verdict.detail;
  EXPECT_TRUE(Contains(verdict.detail, "did not finish in 2 s")) << verdict.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST(PluginTrust, WellBehavedThirdPartyPluginPassesTheProbeAndLoads) {
  const fs::path cache = ScratchDir();
  const PluginSet set = framework::LoadPlugins(Probing({SecondPluginDir()}, cache));
  const auto loaded = FindLoaded(set, "abi_dup");
  ASSERT_NE(loaded, nullptr) << Describe(set);
  const std::string why = Provenance(set, loaded->path());
  EXPECT_TRUE(Contains(why, "third-party")) << why;
  EXPECT_TRUE(Contains(why, "conformance probe passed")) << why;
  EXPECT_TRUE(set.warnings.empty());
}

TEST(PluginTrust, WithoutARunnerThePluginLoadsWithAWarning) {
  const fs::path cache = ScratchDir();
  PluginLoaderOptions options = Probing({SecondPluginDir()}, cache);
  options.probe_options.runner_path = (cache / "no-such-runner").string();
  const PluginSet set = framework::LoadPlugins(options);
  EXPECT_NE(FindLoaded(set, "abi_dup"), nullptr) << Describe(set);
  ASSERT_EQ(set.warnings.size(), 1u);
  EXPECT_TRUE(Contains(set.warnings[0], "not probed"));
  EXPECT_TRUE(Contains(set.warnings[0], "no-such-runner"));
}

TEST(PluginTrust, TheHostsOwnPluginsAreNotProbed) {
  const fs::path cache = ScratchDir();
  const PluginSet set = framework::LoadPlugins(Probing({BuildPluginDir()}, cache));
  const auto gqa = FindLoaded(set, "gqa");
  ASSERT_NE(gqa, nullptr) << Describe(set);
  EXPECT_EQ(Provenance(set, gqa->path()), "the host's own plugin");
  EXPECT_FALSE(fs::exists(cache / "plugin-probes"));  // nothing was probed
}

// ---- precedence: the host's own plugin wins unless overridden ----

TEST(PluginTrust, ThirdPartyPluginNamedLikeTheHostsOwnIsRefused) {
  const fs::path cache = ScratchDir();
  // The third-party directory comes first in the search path; it still does not win.
  const PluginSet set =
      framework::LoadPlugins(Probing({ShadowPluginDir(), BuildPluginDir()}, cache));
  const auto gqa = FindLoaded(set, "gqa");
  ASSERT_NE(gqa, nullptr) << Describe(set);
  EXPECT_EQ(fs::path(gqa->path()).parent_path(), fs::path(BuildPluginDir()));
  const RejectedPlugin* shadow = nullptr;
  for (const RejectedPlugin& r : set.rejected) {
    if (fs::path(r.path).parent_path() == fs::path(ShadowPluginDir())) shadow = &r;
  }
  ASSERT_NE(shadow, nullptr) << Describe(set);
  EXPECT_EQ(shadow->name, "gqa");
  EXPECT_TRUE(Contains(shadow->reason, "the host's own plugin"));
  EXPECT_TRUE(Contains(shadow->reason, "--plugin-override gqa"));
}

TEST(PluginTrust, OverrideLetsTheThirdPartyPluginWin) {
  const fs::path cache = ScratchDir();
  PluginLoaderOptions options = Probing({BuildPluginDir(), ShadowPluginDir()}, cache);
  options.overrides = {"gqa"};
  const PluginSet set = framework::LoadPlugins(options);
  const auto gqa = FindLoaded(set, "gqa");
  ASSERT_NE(gqa, nullptr) << Describe(set);
  EXPECT_EQ(fs::path(gqa->path()).parent_path(), fs::path(ShadowPluginDir()));
  EXPECT_TRUE(Contains(Provenance(set, gqa->path()), "--plugin-override gqa"));
  const RejectedPlugin* own = nullptr;
  for (const RejectedPlugin& r : set.rejected) {
    if (fs::path(r.path).parent_path() == fs::path(BuildPluginDir())) own = &r;
  }
  ASSERT_NE(own, nullptr) << Describe(set);
  EXPECT_TRUE(Contains(own->reason, "overridden by"));
  // Exactly one gqa; the other in-tree plugins are untouched.
  EXPECT_EQ(std::count_if(set.loaded.begin(), set.loaded.end(),
                          [](const auto& p) { return p->name() == "gqa"; }),
            1);
  EXPECT_NE(FindLoaded(set, "mha"), nullptr);
}

TEST(PluginTrust, OverrideThatMatchesNothingIsAWarning) {
  const fs::path cache = ScratchDir();
  PluginLoaderOptions options = Probing({BuildPluginDir()}, cache);
  options.overrides = {"gqa"};  // no third-party gqa in the search path
  const PluginSet set = framework::LoadPlugins(options);
  ASSERT_EQ(set.warnings.size(), 1u) << Describe(set);
  EXPECT_TRUE(Contains(set.warnings[0], "--plugin-override gqa"));
  EXPECT_TRUE(Contains(set.warnings[0], "nothing is overridden"));
  EXPECT_NE(FindLoaded(set, "gqa"), nullptr);
}

}  // namespace
}  // namespace infercost::abi_test
