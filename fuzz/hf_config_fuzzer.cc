// Fuzz harness: Hugging Face config.json imports (--model path/config.json) through
// registry::ParseHuggingFaceConfig: JSON syntax, types, architectures and their mappings.
// Seeds: fuzz/corpus/hf_config/ (tests/data/hf_configs/). See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "registry/hf_config.h"

namespace {
// presets/hf-import.toml's names (the harness does not read files).
const infercost::registry::HfVariantNames kNames{"mla", "dsa", "gated_deltanet",
                                                 "mha", "mqa", "gqa"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  infercost::fuzz::CheckRefusal(
      infercost::registry::ParseHuggingFaceConfig(text, "fuzz/llama-3.1-8b/config.json", kNames)
          .status());
  return 0;
}
