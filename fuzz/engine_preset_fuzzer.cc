// Fuzz harness: engine presets (presets/engines/*.toml, --presets-dir) through
// registry::ParseEnginePreset: TOML syntax, types, ranges and cross-field checks.
// Seeds: fuzz/corpus/engine_preset/ (copies of presets/engines/). See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "registry/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  infercost::fuzz::CheckRefusal(
      infercost::registry::ParseEnginePreset(text, "fuzz/vllm.toml").status());
  return 0;
}
