// Fuzz harness: model presets (presets/models/*.toml, --presets-dir) through
// registry::ParseModelPreset: TOML syntax, types, ranges and cross-field checks.
// Seeds: fuzz/corpus/model_preset/ (copies of presets/models/). See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "registry/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  infercost::fuzz::CheckRefusal(
      infercost::registry::ParseModelPreset(text, "fuzz/llama-3-8b.toml").status());
  return 0;
}
