// Helpers for the ABI tests: where the bad plugins were built, loader options that search only
// given directories, lookups in a PluginSet, and a small attention shape and stages.
//
//   const PluginSet& set = BadPlugins();
//   const RejectedPlugin* r = FindRejected(set, LibraryFile("abi_wrong_major"));
//   EXPECT_TRUE(Contains(r->reason, "ABI 2."));
#ifndef INFERCOST_TESTS_ABI_ABI_TEST_UTIL_H_
#define INFERCOST_TESTS_ABI_ABI_TEST_UTIL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "framework/loader/plugin_loader.h"
#include "gtest/gtest.h"
#include "infercost/c/hardware.h"
#include "infercost/c/plugin.h"

namespace infercost::abi_test {

using framework::LoadedPlugin;
using framework::PluginLoaderOptions;
using framework::PluginSet;
using framework::RejectedPlugin;

// bad_plugins/, bad_plugins_second/ and the build tree's plugin dir (in-tree plugins).
std::string BadPluginDir();
std::string SecondPluginDir();
std::string BuildPluginDir();

// "infercost-<name>.so": the library file infercost_add_plugin() makes for plugin <name>.
std::string LibraryFile(std::string_view plugin_name);
// "<name>.icplugin.toml"
std::string ManifestFile(std::string_view plugin_name);

// Options that search exactly `dirs`: no environment, no default dirs; probe verdicts are cached
// in this build tree.
PluginLoaderOptions OnlyDirs(std::vector<std::string> dirs);

// LoadPlugins over bad_plugins/ alone, once per process.
const PluginSet& BadPlugins();

// The rejection whose path (manifest or library) has file name `file_name`; null if none.
const RejectedPlugin* FindRejected(const PluginSet& set, std::string_view file_name);
// The loaded plugin named `name` (any kind); null if none.
std::shared_ptr<const LoadedPlugin> FindLoaded(const PluginSet& set, std::string_view name);
// Every loaded and rejected plugin, one per line, for failure messages.
std::string Describe(const PluginSet& set);

// Success when `text` contains `part`; the failure shows both.
::testing::AssertionResult ContainsText(std::string_view text, std::string_view part);
// The same for any contiguous text (std::string, std::string_view, absl::string_view, which is
// not std::string_view in this Abseil build).
template <typename Text>
::testing::AssertionResult Contains(const Text& text, std::string_view part) {
  return ContainsText(std::string_view(text.data(), text.size()), part);
}

// hidden 512, 8 query heads, 2 K/V heads, head_dim 64.
ic_attention_shape SmallShape();
// Decode step at context 100 for a batch of 2, bf16 everywhere, unsharded.
ic_stage DecodeStage();
// Prefill of 16 tokens for one sequence, bf16 everywhere, unsharded.
ic_stage PrefillStage();
// An H100-like device: bf16 matrix peak 1e15 FLOP/s, vector 6e13, 3e12 B/s, 80 GB, 8 a node.
ic_device TestDevice();

}  // namespace infercost::abi_test

#endif  // INFERCOST_TESTS_ABI_ABI_TEST_UTIL_H_
