// Plugins the loader must reject, each with a reason that names the problem, without crashing
// and without stopping the good plugins beside them from loading.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/loader/plugin_loader.h"
#include "framework/loader/plugin_manifest.h"
#include "gtest/gtest.h"
#include "infercost/c/plugin.h"
#include "tests/abi/abi_test_util.h"
#include "tests/abi/plugins/abi_test_plugins.h"

namespace infercost::abi_test {
namespace {

namespace fs = std::filesystem;

// The rejection of bad_plugins/<file>; fails the test when the loader did not reject it.
const RejectedPlugin& Rejection(const std::string& file) {
  static const RejectedPlugin kNone{};
  const RejectedPlugin* rejected = FindRejected(BadPlugins(), file);
  EXPECT_NE(rejected, nullptr) << file << " was not rejected; plugins:\n" << Describe(BadPlugins());
  return rejected != nullptr ? *rejected : kNone;
}

std::string AbiPrefix(int major) { return "ABI " + std::to_string(major) + "."; }

// ---- case 1: wrong ABI major ----

TEST(AbiLoaderRejects, WrongAbiMajorWithBothVersions) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_wrong_major"));
  EXPECT_EQ(rejected.name, "abi_wrong_major");
  EXPECT_TRUE(Contains(rejected.reason, "ABI 2."));                        // the plugin's
  EXPECT_TRUE(Contains(rejected.reason, AbiPrefix(INFERCOST_ABI_MAJOR)));  // the host's
  EXPECT_EQ(rejected.plugin_abi_major, 2);
  EXPECT_EQ(rejected.plugin_abi_minor, INFERCOST_ABI_MINOR);
  EXPECT_EQ(FindLoaded(BadPlugins(), "abi_wrong_major"), nullptr);
}

TEST(AbiLoaderRejects, WrongAbiMajorThroughLoadPluginLibrary) {
  absl::StatusOr<std::shared_ptr<const LoadedPlugin>> plugin = framework::LoadPluginLibrary(
      (fs::path(BadPluginDir()) / LibraryFile("abi_wrong_major")).string());
  ASSERT_FALSE(plugin.ok());
  EXPECT_TRUE(Contains(plugin.status().message(), "ABI 2."));
  EXPECT_TRUE(Contains(plugin.status().message(), LibraryFile("abi_wrong_major")));
}

TEST(AbiLoaderRejects, ManifestDeclaringAFutureMajor) {
  const RejectedPlugin& rejected = Rejection(ManifestFile("abi_future_major"));
  EXPECT_EQ(rejected.name, "abi_future_major");
  EXPECT_TRUE(Contains(rejected.reason, "2"));
  EXPECT_TRUE(Contains(rejected.reason, "ABI"));
}

// ---- case 3: no entry symbol ----

TEST(AbiLoaderRejects, LibraryWithoutEntrySymbol) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_no_entry"));
  EXPECT_TRUE(Contains(rejected.reason, INFERCOST_PLUGIN_ENTRY_SYMBOL));
  EXPECT_EQ(rejected.name, "abi_no_entry");  // from the manifest: the table is out of reach
}

// ---- case 4: files that are not shared libraries ----

TEST(AbiLoaderRejects, TextFileNamedLikeALibrary) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_not_elf"));
  EXPECT_TRUE(Contains(rejected.reason, "not a shared library"));
  EXPECT_EQ(rejected.name, "abi_not_elf");
}

TEST(AbiLoaderRejects, FileTooShortToBeALibrary) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_tiny_file"));
  EXPECT_TRUE(Contains(rejected.reason, "not a shared library"));
}

// A real plugin library cut short (a copy that stopped part way): its ELF header points past
// the end of the file. The dynamic loader would map the missing bytes and the first read of them
// kills the process (SIGBUS) where no conformance probe runs first; the loader rejects it before.
TEST(AbiLoaderRejects, TruncatedLibrary) {
  const fs::path whole = fs::path(BuildPluginDir()) / LibraryFile("gqa");
  const fs::path cut = fs::path(::testing::TempDir()) / LibraryFile("abi_truncated");
  {
    std::ifstream in(whole, std::ios::binary);
    ASSERT_TRUE(in) << whole;
    std::string head(8192, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    ASSERT_EQ(in.gcount(), 8192);
    std::ofstream out(cut, std::ios::binary | std::ios::trunc);
    out.write(head.data(), static_cast<std::streamsize>(head.size()));
  }
  absl::StatusOr<std::shared_ptr<const LoadedPlugin>> plugin =
      framework::LoadPluginLibrary(cut.string());
  ASSERT_FALSE(plugin.ok());
  EXPECT_TRUE(Contains(plugin.status().message(), "truncated")) << plugin.status();
  EXPECT_TRUE(Contains(plugin.status().message(), "8192 bytes")) << plugin.status();
}

TEST(AbiLoaderRejects, ManifestPointingAtAMissingLibrary) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_missing_library"));
  EXPECT_TRUE(Contains(rejected.reason, "does not exist"));
}

TEST(AbiLoaderRejects, TextFileThroughLoadPluginLibrary) {
  absl::StatusOr<std::shared_ptr<const LoadedPlugin>> plugin = framework::LoadPluginLibrary(
      (fs::path(BadPluginDir()) / LibraryFile("abi_not_elf")).string());
  ASSERT_FALSE(plugin.ok());
  EXPECT_TRUE(Contains(plugin.status().message(), "not a shared library"));
}

// ---- case 5: initialize fails ----

TEST(AbiLoaderRejects, InitializeErrorCarriesThePluginsMessage) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_init_fails"));
  EXPECT_TRUE(Contains(rejected.reason, ABI_TEST_INIT_FAILURE_MESSAGE));
  EXPECT_TRUE(Contains(rejected.reason, "initialize"));
  EXPECT_EQ(rejected.name, "abi_init_fails");
}

// ---- case 8: malformed tables ----

TEST(AbiLoaderRejects, NullFunctionInKindTable) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_null_function"));
  EXPECT_TRUE(Contains(rejected.reason, "null"));
}

TEST(AbiLoaderRejects, NullKindTable) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_null_kind_table"));
  EXPECT_TRUE(Contains(rejected.reason, "kind_table"));
  EXPECT_TRUE(Contains(rejected.reason, "null"));
}

TEST(AbiLoaderRejects, UnknownKind) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_unknown_kind"));
  EXPECT_TRUE(Contains(rejected.reason, "kind"));
  EXPECT_TRUE(Contains(rejected.reason, "42"));
}

TEST(AbiLoaderRejects, NullInitialize) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_null_initialize"));
  EXPECT_TRUE(Contains(rejected.reason, "initialize"));
}

TEST(AbiLoaderRejects, PluginTableSmallerThanAbi1_0) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_small_table"));
  EXPECT_TRUE(Contains(rejected.reason, "64"));  // the size the table claims
}

TEST(AbiLoaderRejects, EntryReturningNull) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_null_table"));
  EXPECT_TRUE(Contains(rejected.reason, "null"));
}

// A table whose name claims 2^40 bytes must be rejected before the host copies it (it once
// crashed the loader with std::bad_alloc). Runs the load in a child process so that a crash fails
// this test only.
TEST(AbiLoaderRejects, TableWithHugeNameSize) {
  const std::string path = (fs::path(ABI_CRASH_PLUGIN_DIR) / LibraryFile("abi_huge_name")).string();
  EXPECT_EXIT(
      {
        absl::StatusOr<std::shared_ptr<const LoadedPlugin>> plugin =
            framework::LoadPluginLibrary(path);
        const bool rejected_for_its_name =
            !plugin.ok() && plugin.status().message().find("name") != absl::string_view::npos;
        std::exit(rejected_for_its_name ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// ---- case 9: manifest problems ----

TEST(AbiLoaderRejects, ManifestNameDisagreesWithLibrary) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_manifest_says"));
  EXPECT_TRUE(Contains(rejected.reason, "abi_manifest_says"));
  EXPECT_TRUE(Contains(rejected.reason, "abi_library_says"));
  EXPECT_EQ(FindLoaded(BadPlugins(), "abi_library_says"), nullptr);
  EXPECT_EQ(FindLoaded(BadPlugins(), "abi_manifest_says"), nullptr);
}

TEST(AbiLoaderRejects, ManifestKindDisagreesWithLibrary) {
  const RejectedPlugin& rejected = Rejection(LibraryFile("abi_kind_mismatch"));
  EXPECT_TRUE(Contains(rejected.reason, "attention_kernel"));   // the manifest's
  EXPECT_TRUE(Contains(rejected.reason, "attention_variant"));  // the library's
}

TEST(AbiLoaderRejects, MalformedManifestWithFileAndLine) {
  const RejectedPlugin& rejected = Rejection(ManifestFile("abi_malformed"));
  // The unterminated string is on line 3 of the manifest.
  EXPECT_TRUE(Contains(rejected.reason, ManifestFile("abi_malformed") + ":3:"));
}

// probe_options: KEY=VALUE strings, read in order; anything else is refused with the file, the
// key, the entry and the fix (each entry becomes one argument of the runner).
TEST(AbiLoaderRejects, ManifestProbeOptionsAreKeyValueStrings) {
  const std::string head =
      "name = \"x\"\nkind = \"attention_variant\"\nlibrary = \"x.so\"\nabi_major = 1\n";
  const absl::StatusOr<framework::PluginManifest> good = framework::ParsePluginManifest(
      head + "probe_options = [\"index_topk=256\", \"form=absorbed\"]\n", "/p/x.icplugin.toml");
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->probe_options, (std::vector<std::string>{"index_topk=256", "form=absorbed"}));
  const absl::StatusOr<framework::PluginManifest> none =
      framework::ParsePluginManifest(head, "/p/x.icplugin.toml");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->probe_options.empty());
  std::string many = "probe_options = [";
  for (int i = 0; i < 65; ++i) many += "\"k=1\", ";
  many += "]\n";
  for (const std::string& bad :
       {std::string("probe_options = \"index_topk=256\"\n"),    // not an array
        std::string("probe_options = [\"index_topk\"]\n"),      // no value
        std::string("probe_options = [\"=256\"]\n"),            // no name
        std::string("probe_options = [\"Index_topk=256\"]\n"),  // not a-z, 0-9, _
        std::string("probe_options = [256]\n"),                 // not a string
        std::string("probe_options = [\"k=\\u0001\"]\n"),       // a control character
        std::string("probe_options = [\"k=") + std::string(300, 'v') + "\"]\n", many}) {
    const absl::StatusOr<framework::PluginManifest> parsed =
        framework::ParsePluginManifest(head + bad, "/p/x.icplugin.toml");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_TRUE(Contains(std::string(parsed.status().message()), "/p/x.icplugin.toml:5"))
        << parsed.status();
    EXPECT_TRUE(Contains(std::string(parsed.status().message()), "probe_options"))
        << parsed.status();
    EXPECT_TRUE(Contains(std::string(parsed.status().message()), "KEY=VALUE")) << parsed.status();
  }
}

// A manifest names a library beside it: not one elsewhere on the machine (the host would map it
// into its process), by an absolute path or by climbing out with "..".
TEST(AbiLoaderRejects, ManifestLibraryMustLieBesideIt) {
  for (const std::string library :
       {"/lib/x86_64-linux-gnu/libc.so.6", "../other/infercost-x.so", "sub/../../x.so"}) {
    const absl::StatusOr<framework::PluginManifest> parsed =
        framework::ParsePluginManifest("name = \"x\"\nkind = \"attention_variant\"\nlibrary = \"" +
                                           library + "\"\nabi_major = 1\n",
                                       "/p/x.icplugin.toml");
    ASSERT_FALSE(parsed.ok()) << library;
    EXPECT_TRUE(Contains(std::string(parsed.status().message()), "/p/x.icplugin.toml:3"))
        << parsed.status();
    EXPECT_TRUE(Contains(std::string(parsed.status().message()),
                         "must be a file beside the "
                         "manifest"))
        << parsed.status();
  }
  const absl::StatusOr<framework::PluginManifest> below = framework::ParsePluginManifest(
      "name = \"x\"\nkind = \"attention_variant\"\nlibrary = \"lib/infercost-x.so\"\n"
      "abi_major = 1\n",
      "/p/x.icplugin.toml");
  ASSERT_TRUE(below.ok()) << below.status();
  EXPECT_EQ(below->library_path, "/p/lib/infercost-x.so");
}

TEST(AbiLoaderRejects, ManifestMissingARequiredKey) {
  const RejectedPlugin& rejected = Rejection(ManifestFile("abi_missing_key"));
  EXPECT_TRUE(Contains(rejected.reason, ManifestFile("abi_missing_key")));
  EXPECT_TRUE(Contains(rejected.reason, "library"));
}

// ---- case 10: duplicate names ----

TEST(AbiLoaderRejects, DuplicateNameInASecondDirectory) {
  const PluginSet set = framework::LoadPlugins(OnlyDirs({BadPluginDir(), SecondPluginDir()}));
  const std::string second = (fs::path(SecondPluginDir()) / LibraryFile("abi_dup")).string();
  const std::string first = (fs::path(BadPluginDir()) / LibraryFile("abi_dup")).string();

  const auto loaded = FindLoaded(set, "abi_dup");
  ASSERT_NE(loaded, nullptr) << Describe(set);
  EXPECT_EQ(fs::path(loaded->path()), fs::path(first));

  const RejectedPlugin* rejected = nullptr;
  for (const RejectedPlugin& r : set.rejected) {
    if (fs::path(r.path) == fs::path(second)) rejected = &r;
  }
  ASSERT_NE(rejected, nullptr) << Describe(set);
  EXPECT_EQ(rejected->name, "abi_dup");
  EXPECT_TRUE(Contains(rejected->reason, "duplicate"));
  EXPECT_TRUE(Contains(rejected->reason, first));  // says where the first one came from
  EXPECT_EQ(std::count_if(set.loaded.begin(), set.loaded.end(),
                          [](const auto& p) { return p->name() == "abi_dup"; }),
            1);
}

// ---- all of them at once, beside the in-tree plugins ----

TEST(AbiLoaderRejects, BadPluginsDoNotStopTheGoodOnes) {
  const PluginSet set = framework::LoadPlugins(OnlyDirs({BadPluginDir(), BuildPluginDir()}));

  std::vector<std::string> loaded;
  for (const auto& plugin : set.loaded) loaded.emplace_back(plugin->name());
  std::sort(loaded.begin(), loaded.end());
  std::vector<std::string> expected_loaded = {
      // good, or bad only when called
      "abi_batch_disagrees", "abi_bending_stairs", "abi_c_good", "abi_dup", "abi_echo_efficiency",
      "abi_false_model", "abi_flop_changer", "abi_foreign_phase", "abi_growing_state",
      "abi_hidden_far_window", "abi_hidden_pages", "abi_hidden_stairs", "abi_ignores_sink_error",
      "abi_nan_cost", "abi_nan_model", "abi_nan_time", "abi_negative_cost", "abi_negative_traffic",
      "abi_newer_minor", "abi_own_efficiency", "abi_throwing", "abi_too_many_copies",
      "abi_topk_beyond_context", "abi_topk_regrows", "abi_undeclared_replica", "abi_v1_1_hardware",
      // in-tree
      "dsa", "flash", "gated_deltanet", "gqa", "mha", "mla", "mqa", "naive", "roofline"};
  std::sort(expected_loaded.begin(), expected_loaded.end());
  EXPECT_EQ(loaded, expected_loaded) << Describe(set);

  const std::vector<std::string> expected_rejected = {
      LibraryFile("abi_wrong_major"),     ManifestFile("abi_future_major"),
      LibraryFile("abi_no_entry"),        LibraryFile("abi_not_elf"),
      LibraryFile("abi_tiny_file"),       LibraryFile("abi_missing_library"),
      LibraryFile("abi_init_fails"),      LibraryFile("abi_null_function"),
      LibraryFile("abi_null_kind_table"), LibraryFile("abi_unknown_kind"),
      LibraryFile("abi_null_initialize"), LibraryFile("abi_small_table"),
      LibraryFile("abi_null_table"),      LibraryFile("abi_manifest_says"),
      LibraryFile("abi_kind_mismatch"),   ManifestFile("abi_malformed"),
      ManifestFile("abi_missing_key")};
  for (const std::string& file : expected_rejected) {
    const RejectedPlugin* rejected = FindRejected(set, file);
    ASSERT_NE(rejected, nullptr) << file << " was not rejected:\n" << Describe(set);
    EXPECT_FALSE(rejected->reason.empty()) << file;
  }
  EXPECT_EQ(set.rejected.size(), expected_rejected.size()) << Describe(set);
  for (const RejectedPlugin& rejected : set.rejected) {
    EXPECT_EQ(fs::path(rejected.path).parent_path(), fs::path(BadPluginDir()))
        << "an in-tree plugin was rejected: " << rejected.path << ": " << rejected.reason;
  }
}

TEST(AbiLoaderRejects, LoadingTheBadDirectoryTwiceIsStable) {
  const PluginSet first = framework::LoadPlugins(OnlyDirs({BadPluginDir()}));
  const PluginSet second = framework::LoadPlugins(OnlyDirs({BadPluginDir()}));
  EXPECT_EQ(first.loaded.size(), second.loaded.size());
  ASSERT_EQ(first.rejected.size(), second.rejected.size());
  for (size_t i = 0; i < first.rejected.size(); ++i) {
    EXPECT_EQ(first.rejected[i].path, second.rejected[i].path);
    EXPECT_EQ(first.rejected[i].reason, second.rejected[i].reason);
  }
}

}  // namespace
}  // namespace infercost::abi_test
