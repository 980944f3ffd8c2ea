// Fuzz harness: hardware presets (presets/hardwares/*.toml, --presets-dir) through
// registry::ParseHardwarePreset: TOML syntax, types, ranges and cross-field checks.
// Seeds: fuzz/corpus/hardware_preset/ (copies of presets/hardwares/). See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "registry/hardware.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  infercost::fuzz::CheckRefusal(
      infercost::registry::ParseHardwarePreset(text, "fuzz/h100-sxm.toml").status());
  return 0;
}
