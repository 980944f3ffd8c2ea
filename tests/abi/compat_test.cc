// What must keep working: a plugin built for a newer ABI minor, the in-tree plugins loaded
// exactly as a third party's would be, and plugin code staying mapped while it can be reached.
#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/abi/attention_variant_plugin.h"
#include "framework/loader/plugin_loader.h"
#include "gtest/gtest.h"
#include "infercost/c/plugin.h"
#include "tests/abi/abi_test_util.h"
#include "tests/abi/plugins/abi_test_plugins.h"

namespace infercost::abi_test {
namespace {

namespace fs = std::filesystem;
using framework::AttentionVariantPlugin;

// True while `path` is mapped in this process (dlopen with RTLD_NOLOAD never loads).
bool IsMapped(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  dlclose(handle);
  return true;
}

// ---- case 2: a plugin built for a newer minor loads and works ----

TEST(AbiCompat, NewerMinorPluginLoads) {
  const auto plugin = FindLoaded(BadPlugins(), "abi_newer_minor");
  ASSERT_NE(plugin, nullptr) << Describe(BadPlugins());
  EXPECT_EQ(FindRejected(BadPlugins(), LibraryFile("abi_newer_minor")), nullptr);
  EXPECT_EQ(plugin->kind(), IC_PLUGIN_KIND_ATTENTION_VARIANT);
  EXPECT_EQ(plugin->info().abi_major, INFERCOST_ABI_MAJOR);
  EXPECT_EQ(plugin->info().abi_minor, ABI_TEST_NEWER_MINOR);
  // Its table is bigger than this host's ic_plugin: the future fields trail the v1.0 ones.
  EXPECT_GT(plugin->info().struct_size, sizeof(ic_plugin));
  EXPECT_GT(*static_cast<const uint32_t*>(plugin->info().kind_table),
            sizeof(ic_attention_variant_table));
  EXPECT_EQ(plugin->version(), "1.1.0");
}

TEST(AbiCompat, NewerMinorPluginWorks) {
  const auto plugin = FindLoaded(BadPlugins(), "abi_newer_minor");
  ASSERT_NE(plugin, nullptr) << Describe(BadPlugins());
  const AttentionVariantPlugin variant(plugin);
  const ic_attention_shape shape = SmallShape();
  const ic_stage stage = DecodeStage();

  EXPECT_TRUE(variant.Validate(shape, 1).ok());

  // 2 * num_kv_heads * head_dim * kv_bytes_per_element = 2 * 2 * 64 * 2
  absl::StatusOr<double> kv_bytes = variant.KvCacheBytesPerToken(shape, stage);
  ASSERT_TRUE(kv_bytes.ok()) << kv_bytes.status();
  EXPECT_EQ(*kv_bytes, 512);

  // Its records are bigger than ic_phase_cost and carry a NaN in a field this host does not
  // know: the host must take the v1.0 part and ignore the rest.
  absl::StatusOr<std::vector<ic_phase_cost>> phases = variant.Phases(shape, stage);
  ASSERT_TRUE(phases.ok()) << phases.status();
  ASSERT_EQ(phases->size(), 2u);
  const ic_phase_cost& q_proj = (*phases)[0];
  EXPECT_EQ(q_proj.phase, IC_PHASE_Q_PROJ);
  EXPECT_EQ(q_proj.struct_size, sizeof(ic_phase_cost));
  EXPECT_EQ(q_proj.params, 262144);        // 512 * 8 * 64
  EXPECT_EQ(q_proj.weight_bytes, 524288);  // params * 2
  const ic_phase_cost& scores = (*phases)[1];
  EXPECT_EQ(scores.phase, IC_PHASE_QK_SCORES);
  EXPECT_EQ(scores.struct_size, sizeof(ic_phase_cost));
  EXPECT_EQ(scores.matrix_flops, 204800);  // 2 * batch 2 * 8 heads * 64 * 1 query * 100 context
}

// ---- the in-tree plugins load through the public, third-party path ----

TEST(AbiCompat, InTreePluginsLoadLikeThirdPartyOnes) {
  const PluginSet set = framework::LoadPlugins(OnlyDirs({BuildPluginDir()}));
  EXPECT_TRUE(set.rejected.empty()) << Describe(set);

  std::map<std::string, ic_plugin_kind> kinds;
  for (const auto& plugin : set.loaded) kinds[std::string(plugin->name())] = plugin->kind();
  const std::map<std::string, ic_plugin_kind> expected = {
      {"mha", IC_PLUGIN_KIND_ATTENTION_VARIANT},
      {"gqa", IC_PLUGIN_KIND_ATTENTION_VARIANT},
      {"mqa", IC_PLUGIN_KIND_ATTENTION_VARIANT},
      {"mla", IC_PLUGIN_KIND_ATTENTION_VARIANT},
      {"gated_deltanet", IC_PLUGIN_KIND_ATTENTION_VARIANT},
      {"dsa", IC_PLUGIN_KIND_ATTENTION_VARIANT},
      {"naive", IC_PLUGIN_KIND_ATTENTION_KERNEL},
      {"flash", IC_PLUGIN_KIND_ATTENTION_KERNEL},
      {"roofline", IC_PLUGIN_KIND_HARDWARE}};
  EXPECT_EQ(kinds, expected) << Describe(set);
  EXPECT_EQ(set.loaded.size(), expected.size()) << Describe(set);

  for (const auto& plugin : set.loaded) {
    SCOPED_TRACE(plugin->path());
    EXPECT_EQ(plugin->info().abi_major, INFERCOST_ABI_MAJOR);
    EXPECT_EQ(plugin->info().abi_minor, INFERCOST_ABI_MINOR);
    EXPECT_EQ(plugin->info().struct_size, sizeof(ic_plugin));
    EXPECT_NE(plugin->instance(), nullptr);
    EXPECT_FALSE(plugin->version().empty());
    EXPECT_EQ(fs::path(plugin->path()).filename(), LibraryFile(plugin->name()));
  }
}

// ---- case 11: plugin code stays mapped while it can be reached ----

TEST(AbiLifetime, LibraryStaysMappedAfterThePluginSetIsGone) {
  const ic_attention_variant_table* table = nullptr;
  std::string path;
  {
    const PluginSet set = framework::LoadPlugins(OnlyDirs({BadPluginDir()}));
    const auto plugin = FindLoaded(set, "abi_c_good");
    ASSERT_NE(plugin, nullptr) << Describe(set);
    table = static_cast<const ic_attention_variant_table*>(plugin->info().kind_table);
    path = plugin->path();
  }  // every LoadedPlugin and instance destroyed here; the default is never to unload

  EXPECT_TRUE(IsMapped(path));
  // abi_c_good's functions do not use the instance, so its table stays callable.
  const ic_attention_shape shape = SmallShape();
  const ic_stage stage = DecodeStage();
  double bytes = -1;
  EXPECT_EQ(table->kv_cache_bytes_per_token(nullptr, &shape, &stage, &bytes), nullptr);
  EXPECT_EQ(bytes, 512);  // 2 * 2 kv heads * 64 * 2 bytes
}

TEST(AbiLifetime, SharedOwnershipKeepsAnUnloadablePluginAlive) {
  std::shared_ptr<const LoadedPlugin> kept;
  {
    PluginLoaderOptions options = OnlyDirs({BadPluginDir()});
    options.allow_unload = true;
    const PluginSet set = framework::LoadPlugins(options);
    kept = FindLoaded(set, "abi_newer_minor");
    ASSERT_NE(kept, nullptr) << Describe(set);
  }  // the set is gone; only `kept` references the plugin

  EXPECT_TRUE(IsMapped(kept->path()));
  EXPECT_EQ(kept->name(), "abi_newer_minor");  // the name lives in the library's data
  const AttentionVariantPlugin variant(kept);
  absl::StatusOr<std::vector<ic_phase_cost>> phases = variant.Phases(SmallShape(), DecodeStage());
  ASSERT_TRUE(phases.ok()) << phases.status();
  EXPECT_EQ(phases->size(), 2u);
}

TEST(AbiLifetime, LoadPluginLibraryResultOutlivesEverythingElse) {
  const std::string path = (fs::path(BadPluginDir()) / LibraryFile("abi_c_good")).string();
  absl::StatusOr<std::shared_ptr<const LoadedPlugin>> plugin =
      framework::LoadPluginLibrary(path, nullptr, /*allow_unload=*/true);
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  const AttentionVariantPlugin variant(*std::move(plugin));
  absl::StatusOr<std::vector<ic_phase_cost>> phases = variant.Phases(SmallShape(), DecodeStage());
  ASSERT_TRUE(phases.ok()) << phases.status();
  ASSERT_EQ(phases->size(), 1u);
  EXPECT_EQ((*phases)[0].phase, IC_PHASE_QK_SCORES);
  EXPECT_EQ((*phases)[0].matrix_flops, 204800);  // 2 * 2 * 8 * 64 * 1 * 100
  EXPECT_TRUE(IsMapped(path));
}

}  // namespace
}  // namespace infercost::abi_test
