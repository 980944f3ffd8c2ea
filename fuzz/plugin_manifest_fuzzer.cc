// Fuzz harness: plugin manifests (<name>.icplugin.toml) through framework::ParsePluginManifest:
// TOML syntax, kinds, library paths and ABI numbers. Nothing is loaded.
// Seeds: fuzz/corpus/plugin_manifest/ (the in-tree plugins' manifests). See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "framework/loader/plugin_manifest.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  infercost::fuzz::CheckRefusal(
      infercost::framework::ParsePluginManifest(text, "/fuzz/plugins/gqa.icplugin.toml").status());
  return 0;
}
