// The host trusts only what it has proven: a third-party plugin is probed in a child process by
// the conformance runner before it is loaded (a crashing one is rejected with the check and call
// that crashed, and never mapped into the host); verdicts are cached by path, size and mtime;
// a plugin named like one of the host's own is refused unless overridden.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "framework/abi/attention_variant_plugin.h"
#include "framework/abi/hardware_plugin.h"
#include "framework/loader/plugin_loader.h"
#include "framework/loader/plugin_precedence.h"
#include "framework/loader/plugin_probe.h"
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
std::string BrokenShadowPluginDir() { return ABI_BROKEN_SHADOW_PLUGIN_DIR; }

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
  EXPECT_EQ(second.detail.rfind(first.detail, 0), 0u) << second.detail;  // the same verdict
  EXPECT_TRUE(Contains(second.detail, "cached verdict; delete "));       // and how to redo it

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

// A check that runs past its own time limit (the whole probe still within its own): the plugin
// is rejected, and the message says the check did not finish, not that the plugin crashed (a
// plugin far too slow per call is rejected the same way, and is told so).
TEST(PluginTrust, ACheckPastItsTimeLimitIsReportedAsNotFinishingNotAsACrash) {
  const fs::path scratch = ScratchDir();
  framework::PluginProbeOptions options;
  options.runner_path = INFERCOST_CONFORMANCE_RUNNER_PATH;
  options.cache_dir = (scratch / "cache").string();
  options.check_timeout_seconds = 1;
  options.total_timeout_seconds = 60;
  const ProbeVerdict verdict = ProbePlugin(ABI_HANG_PLUGIN, options);
  EXPECT_EQ(verdict.outcome, ProbeOutcome::kRejected) << verdict.detail;
  EXPECT_TRUE(Contains(verdict.detail, "did not see check")) << verdict.detail;
  EXPECT_TRUE(Contains(verdict.detail, "finish in its time")) << verdict.detail;
  EXPECT_FALSE(Contains(verdict.detail, "take the host down")) << verdict.detail;
}

// A host that ignores SIGCHLD (daemons, Python) must not turn every probe into a hang.
TEST(PluginTrust, ProbeWorksInAHostThatIgnoresSigchld) {
  const fs::path scratch = ScratchDir();
  framework::PluginProbeOptions options;
  options.runner_path = INFERCOST_CONFORMANCE_RUNNER_PATH;
  options.cache_dir = (scratch / "cache").string();
  struct sigaction ignore = {}, previous = {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGCHLD, &ignore, &previous);
  const ProbeVerdict good =
      ProbePlugin((fs::path(SecondPluginDir()) / LibraryFile("abi_dup")).string(), options);
  const ProbeVerdict bad =
      ProbePlugin((fs::path(CrashPluginDir()) / LibraryFile("abi_segfaults")).string(), options);
  ::sigaction(SIGCHLD, &previous, nullptr);
  EXPECT_EQ(good.outcome, ProbeOutcome::kPassed) << good.detail;
  EXPECT_EQ(bad.outcome, ProbeOutcome::kRejected) << bad.detail;
  EXPECT_TRUE(Contains(bad.detail, "SIGSEGV")) << bad.detail;
}

// A runner that is not the one this host needs never yields a verdict: the plugin loads with a
// warning that says why, and nothing is cached.
TEST(PluginTrust, AWrongRunnerMeansNotProbedWithTheReason) {
  const fs::path scratch = ScratchDir();
  const std::string plugin = (fs::path(SecondPluginDir()) / LibraryFile("abi_dup")).string();
  struct FakeRunner {
    const char* script;
    const char* expected;
  };
  const FakeRunner runners[] = {
      {"echo 'this is not JSON'", "gave no report (exit status 0)"},
      {"echo \"unknown argument '--only'\" >&2; exit 2", "older runner without --only"},
      {"echo '{\"checks\": [{\"name\": \"handshake\", \"status\": \"pass\"},"
       " {\"name\": \"lifecycle\", \"status\": \"skip\"}]}'",
       "ran none of the probe's checks"},
      {"echo '{\"checks\": [{\"name\": \"lifecycle\", \"status\": \"fail\", "
       "\"outcome\": \"runner-error\", \"reason\": \"runner error: fork() failed\"}]}'",
       "the runner failed in check lifecycle"},
      // A failed check without an outcome: the host never guesses from a reason's wording.
      {"echo '{\"checks\": [{\"name\": \"lifecycle\", \"status\": \"fail\", "
       "\"reason\": \"the plugin crashed the check process with SIGSEGV\"}]}'",
       "reports no check outcome"},
  };
  int index = 0;
  for (const FakeRunner& fake : runners) {
    const fs::path runner = scratch / ("runner" + std::to_string(index++));
    std::ofstream(runner) << "#!/bin/sh\n" << fake.script << "\n";
    fs::permissions(runner, fs::perms::owner_all);
    framework::PluginProbeOptions options;
    options.runner_path = runner.string();
    options.cache_dir = (scratch / "cache").string();
    const ProbeVerdict verdict = ProbePlugin(plugin, options);
    EXPECT_EQ(verdict.outcome, ProbeOutcome::kNotProbed) << fake.script << ": " << verdict.detail;
    EXPECT_TRUE(Contains(verdict.detail, fake.expected)) << verdict.detail;
  }
  EXPECT_FALSE(fs::exists(scratch / "cache" / "plugin-probes"));  // no verdict was cached
}

// A runner that ran the plugin and ended without a report the host can read (a plugin that
// wrote over the runner's memory, or text the report could not hold) vouches for nothing: the
// plugin is not loaded, and nothing is cached.
TEST(PluginTrust, ARunnerThatFailsWithoutAReadableReportRejectsThePlugin) {
  const fs::path scratch = ScratchDir();
  const fs::path runner = scratch / "runner";
  std::ofstream(runner) << "#!/bin/sh\nprintf '{\"checks\": [{\"name\": \"x\\377' ; exit 1\n";
  fs::permissions(runner, fs::perms::owner_all);
  framework::PluginProbeOptions options;
  options.runner_path = runner.string();
  options.cache_dir = (scratch / "cache").string();
  const ProbeVerdict verdict =
      ProbePlugin((fs::path(SecondPluginDir()) / LibraryFile("abi_dup")).string(), options);
  EXPECT_EQ(verdict.outcome, ProbeOutcome::kRejected) << verdict.detail;
  EXPECT_TRUE(Contains(verdict.detail, "without a readable report (exit status 1)"))
      << verdict.detail;
  EXPECT_FALSE(fs::exists(scratch / "cache" / "plugin-probes"));
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
  EXPECT_TRUE(loaded->declarations_vetted());  // (probed, and nothing found false)
}

// The pieces of the time model the host gets for one record from hardware plugin `loaded`.
uint32_t AskedPieces(const std::shared_ptr<const LoadedPlugin>& loaded) {
  const framework::HardwarePlugin hardware(loaded);
  ic_device device{};
  device.struct_size = sizeof(device);
  ic_execution execution{};
  execution.struct_size = sizeof(execution);
  ic_phase_cost cost{};
  cost.struct_size = sizeof(cost);
  cost.phase = IC_PHASE_QK_SCORES;
  cost.kv_read_bytes = 1e9;
  ic_time_model model{};
  const absl::Status status = hardware.PhaseTimeModels(device, execution, &cost, 1, &model);
  EXPECT_TRUE(status.ok()) << status;
  return model.piece_count;
}

// A hardware plugin whose ABI 1.5 time models say its bytes go twice as fast as its phase_time
// does (false_time_model_hardware.cc) fails the probe's invariants.time_model: it loads, with a
// warning, and the host does not ask it for models (its verdict cached with the failed check).
TEST(PluginTrust, PluginWhoseTimeModelsFailedTheProbeIsTimedWithoutThem) {
  const fs::path scratch = ScratchDir();
  const fs::path dir = scratch / "plugins";
  fs::create_directories(dir);
  for (const std::string& file :
       {LibraryFile("abi_false_model"), std::string("abi_false_model.icplugin.toml")}) {
    fs::copy_file(fs::path(BadPluginDir()) / file, dir / file);
  }
  for (const bool cached : {false, true}) {
    SCOPED_TRACE(cached ? "cached verdict" : "fresh verdict");
    const PluginSet set = framework::LoadPlugins(Probing({dir.string()}, scratch / "cache"));
    const auto loaded = FindLoaded(set, "abi_false_model");
    ASSERT_NE(loaded, nullptr) << Describe(set);
    EXPECT_TRUE(loaded->FailedProbeCheck("invariants.time_model"));
    EXPECT_TRUE(Contains(Provenance(set, loaded->path()),
                         cached ? "(cached verdict)" : "failed: invariants.time_model"));
    ASSERT_EQ(set.warnings.size(), 1u) << Describe(set);
    EXPECT_TRUE(Contains(set.warnings[0],
                         "failed the conformance probe's invariants.time_model, so its time "
                         "models are not used"))
        << set.warnings[0];
    // Its models are not asked for: every record comes back without one, so a decode sum
    // times each record with phase_time.
    EXPECT_EQ(AskedPieces(loaded), 0u);
  }
  // Without the probe the host cannot know: it asks, and gets the (false) model.
  PluginLoaderOptions unprobed = OnlyDirs({dir.string()});
  unprobed.probe = false;
  const PluginSet set = framework::LoadPlugins(unprobed);
  const auto loaded = FindLoaded(set, "abi_false_model");
  ASSERT_NE(loaded, nullptr) << Describe(set);
  EXPECT_FALSE(loaded->FailedProbeCheck("invariants.time_model"));
  EXPECT_EQ(AskedPieces(loaded), 2u);  // the plugin's model: matrix FLOPs and weight bytes
}

// `library` (a plugin of bad_plugins/ and its manifest) alone in a directory of its own.
fs::path DirectoryWith(const fs::path& scratch, const std::string& library) {
  const fs::path dir = scratch / "plugins";
  fs::create_directories(dir);
  for (const std::string& file : {LibraryFile(library), library + ".icplugin.toml"}) {
    fs::copy_file(fs::path(BadPluginDir()) / file, dir / file);
  }
  return dir;
}

// `library`, alone in `dir`, loaded with the probe (its verdicts under `scratch`) or without it:
// only with it is the failed `check` recorded, and warned of with `warning`.
std::shared_ptr<const LoadedPlugin> LoadedWithVerdict(const fs::path& dir, const fs::path& scratch,
                                                      bool probed, const std::string& library,
                                                      std::string_view check,
                                                      std::string_view warning) {
  PluginLoaderOptions options = Probing({dir.string()}, scratch / "cache");
  if (!probed) {
    options = OnlyDirs({dir.string()});
    options.probe = false;
  }
  const PluginSet set = framework::LoadPlugins(options);
  auto loaded = FindLoaded(set, library);
  EXPECT_NE(loaded, nullptr) << Describe(set);
  if (loaded == nullptr) return nullptr;
  EXPECT_EQ(loaded->FailedProbeCheck(check), probed);
  EXPECT_EQ(set.warnings.size(), probed ? 1u : 0u) << Describe(set);
  if (probed && !set.warnings.empty()) {
    EXPECT_TRUE(Contains(set.warnings[0], warning)) << set.warnings[0];
  }
  return loaded;
}

// A hardware plugin whose batched phase_times disagrees with its phase_time (twice as long) is
// timed record by record once the probe has found it out; unprobed, the host cannot know.
TEST(PluginTrust, PhaseTimesThatFailedTheProbeAreNotUsed) {
  const fs::path scratch = ScratchDir();
  const fs::path dir = DirectoryWith(scratch, "abi_batch_disagrees");
  for (const bool probed : {true, false}) {
    SCOPED_TRACE(probed ? "probed" : "unprobed");
    const auto loaded = LoadedWithVerdict(
        dir, scratch, probed, "abi_batch_disagrees", "invariants.phase_times_match",
        "invariants.phase_times_match, so its batched phase_times is not used");
    ASSERT_NE(loaded, nullptr);
    ic_device device{};
    device.struct_size = sizeof(device);
    ic_execution execution{};
    execution.struct_size = sizeof(execution);
    ic_phase_cost cost{};
    cost.struct_size = sizeof(cost);
    cost.phase = IC_PHASE_FFN_DOWN;
    cost.weight_bytes = 1e9;
    ic_phase_time time{};
    const framework::HardwarePlugin hardware(loaded);
    ASSERT_TRUE(hardware.PhaseTimes(device, execution, &cost, 1, &time).ok());
    // phase_time: max(0 / 1e15, 1e9 / 1e12) + 1e-6 = 1.001e-3 s; phase_times: twice that.
    EXPECT_DOUBLE_EQ(time.time_s, probed ? 1.001e-3 : 2.002e-3);
  }
}

// An attention variant whose reads stop growing at 6,000 tokens of context while it declares no
// decode break: once the probe has found the declaration false the host does not ask for it
// (the decode sum finds the breaks itself, as for a plugin that declares none).
TEST(PluginTrust, DecodeBreaksThatFailedTheProbeAreNotAskedFor) {
  const fs::path scratch = ScratchDir();
  const fs::path dir = DirectoryWith(scratch, "abi_hidden_far_window");
  for (const bool probed : {true, false}) {
    SCOPED_TRACE(probed ? "probed" : "unprobed");
    const auto loaded =
        LoadedWithVerdict(dir, scratch, probed, "abi_hidden_far_window", "invariants.decode_breaks",
                          "invariants.decode_breaks, so its declared decode breaks are not used");
    ASSERT_NE(loaded, nullptr);
    EXPECT_FALSE(loaded->declarations_vetted());  // failed, or not probed
    framework::DeclaredStairs stairs;
    const absl::StatusOr<bool> declared = framework::AttentionVariantPlugin(loaded).DecodeBreaks(
        SmallShape(), DecodeStage(), 1, 100000, stairs);
    ASSERT_TRUE(declared.ok()) << declared.status();
    EXPECT_EQ(*declared, !probed);  // unprobed: its (false) "no breaks" is taken
  }
}

// A variant that refuses every shape without options of its own (the bundled dsa, which needs
// its indexer's sizes) fails every invariant of a probe that does not give them, so the host
// stops using its declared decode breaks and says how to give them; with its manifest's
// probe_options the probe tries it and it passes.
TEST(PluginTrust, AVariantThatNeedsOptionsIsProbedWithItsManifestsProbeOptions) {
  const fs::path scratch = ScratchDir();
  const fs::path dir = scratch / "plugins";
  fs::create_directories(dir);
  fs::copy_file(fs::path(BuildPluginDir()) / LibraryFile("dsa"), dir / LibraryFile("dsa"));
  const fs::path manifest = dir / "dsa.icplugin.toml";
  for (const bool with_options : {false, true}) {
    SCOPED_TRACE(with_options ? "with probe_options" : "without probe_options");
    std::ofstream(manifest) << "name = \"dsa\"\nkind = \"attention_variant\"\nlibrary = \""
                            << LibraryFile("dsa") << "\"\nabi_major = 1\n"
                            << (with_options ? "probe_options = [\"index_n_heads=16\", "
                                               "\"index_head_dim=64\", \"index_topk=256\"]\n"
                                             : "");
    // (the options are part of the verdict's key: the second load probes again)
    const PluginSet set = framework::LoadPlugins(Probing({dir.string()}, scratch / "cache"));
    const auto loaded = FindLoaded(set, "dsa");
    ASSERT_NE(loaded, nullptr) << Describe(set);
    EXPECT_EQ(loaded->FailedProbeCheck("invariants.decode_breaks"), !with_options);
    EXPECT_EQ(loaded->FailedProbeCheck("invariants.costs_valid"), !with_options);
    if (with_options) {
      EXPECT_TRUE(set.warnings.empty()) << Describe(set);
    } else {
      ASSERT_EQ(set.warnings.size(), 1u) << Describe(set);
      EXPECT_TRUE(Contains(set.warnings[0], "invariants.decode_breaks")) << set.warnings[0];
      EXPECT_TRUE(Contains(set.warnings[0], manifest.string() + " as probe_options"))
          << set.warnings[0];
    }
  }
}

TEST(PluginTrust, WithoutARunnerThePluginLoadsWithAWarning) {
  const fs::path cache = ScratchDir();
  PluginLoaderOptions options = Probing({SecondPluginDir()}, cache);
  options.probe_options.runner_path = (cache / "no-such-runner").string();
  const PluginSet set = framework::LoadPlugins(options);
  const auto loaded = FindLoaded(set, "abi_dup");
  ASSERT_NE(loaded, nullptr) << Describe(set);
  EXPECT_FALSE(loaded->declarations_vetted());
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
  EXPECT_TRUE(gqa->declarations_vetted());
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

// The overriding plugin does not load (built for ABI 2): the host's own is the fallback, and
// the listing says both.
TEST(PluginTrust, OverrideFallsBackToTheHostsOwnWhenTheOverridingPluginFails) {
  const fs::path cache = ScratchDir();
  PluginLoaderOptions options = Probing({BrokenShadowPluginDir(), BuildPluginDir()}, cache);
  options.overrides = {"gqa"};
  const PluginSet set = framework::LoadPlugins(options);
  const auto gqa = FindLoaded(set, "gqa");
  ASSERT_NE(gqa, nullptr) << Describe(set);
  EXPECT_EQ(fs::path(gqa->path()).parent_path(), fs::path(BuildPluginDir()));
  EXPECT_EQ(Provenance(set, gqa->path()),
            "the host's own plugin (the overriding plugin did not load)");
  const RejectedPlugin* broken = FindRejected(set, LibraryFile("gqa"));
  ASSERT_NE(broken, nullptr) << Describe(set);
  EXPECT_TRUE(Contains(broken->reason, "ABI 2.")) << broken->reason;
}

// ---- the decision alone, from manifests (no library opened) ----

framework::PluginCandidate Candidate(const std::string& name, const std::string& library,
                                     bool host_own) {
  framework::PluginCandidate c;
  c.manifest.name = name;
  c.manifest.kind = IC_PLUGIN_KIND_ATTENTION_VARIANT;
  c.manifest.library_path = library;
  c.host_own = host_own;
  return c;
}

std::vector<std::string> Libraries(const std::vector<const framework::PluginCandidate*>& list) {
  std::vector<std::string> out;
  for (const auto* c : list) out.push_back(c->manifest.library_path);
  return out;
}

TEST(PluginPrecedence, OrderRefusalAndOverride) {
  // Search order: a third-party gqa, the host's gqa, a second third-party gqa, a third-party x.
  const std::vector<framework::PluginCandidate> candidates = {
      Candidate("gqa", "/vendor/gqa.so", false), Candidate("gqa", "/host/gqa.so", true),
      Candidate("gqa", "/other/gqa.so", false), Candidate("x", "/vendor/x.so", false),
      Candidate("x", "/other/x.so", false)};
  const framework::Precedence plain = framework::DecidePrecedence(candidates, {});
  ASSERT_EQ(plain.groups.size(), 2u);
  EXPECT_EQ(Libraries(plain.groups[0].order), std::vector<std::string>{"/host/gqa.so"});
  EXPECT_EQ(Libraries(plain.groups[0].refused),
            (std::vector<std::string>{"/vendor/gqa.so", "/other/gqa.so"}));
  EXPECT_EQ(Libraries(plain.groups[1].order),
            (std::vector<std::string>{"/vendor/x.so", "/other/x.so"}));  // search order
  EXPECT_TRUE(plain.warnings.empty());

  const framework::Precedence overridden =
      framework::DecidePrecedence(candidates, {"gqa", "nosuch"});
  EXPECT_TRUE(overridden.groups[0].overridden);
  EXPECT_EQ(Libraries(overridden.groups[0].order),
            (std::vector<std::string>{"/vendor/gqa.so", "/other/gqa.so", "/host/gqa.so"}));
  EXPECT_TRUE(overridden.groups[0].refused.empty());
  ASSERT_EQ(overridden.warnings.size(), 1u);
  EXPECT_TRUE(Contains(overridden.warnings[0], "--plugin-override nosuch"));
}

TEST(PluginPrecedence, OnlyTheInTreeNamesAreTheHostsOwn) {
  for (const char* name : {"mha", "gqa", "mqa", "mla", "naive", "flash", "roofline"}) {
    EXPECT_TRUE(framework::IsOwnPluginName(name)) << name;
  }
  EXPECT_FALSE(framework::IsOwnPluginName("swa"));
  EXPECT_FALSE(framework::IsOwnPluginName("gq"));
  EXPECT_FALSE(framework::IsOwnPluginName(""));
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
