// Fuzz harness: the C API's JSON (framework/include/infercost/infercost.h).
//   - Input starting with 'O': the rest is the options JSON of infercost_context_create (a
//     context that loads plugins is created and destroyed per input, so seeds switch the
//     default directories off).
//   - Anything else: the scenario JSON of infercost_evaluate, on one context created once from
//     the repository's presets and this build's plugins (keys, types, integer ranges, names,
//     the whole estimate).
// Every call must return a status; a failure must leave a message in infercost_last_error, and
// must not be INFERCOST_INTERNAL (what the API returns for an exception it caught: bad input
// deserves a clear error instead).
// Seeds: fuzz/corpus/c_api/. See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "infercost/infercost.h"

namespace {

infercost_context* SharedContext() {
  static infercost_context* context = [] {
    infercost_context* created = nullptr;
    const std::string options = std::string("{\"plugin_dirs\": [\"") + INFERCOST_FUZZ_PLUGIN_DIR +
                                "\"], \"preset_dirs\": [\"" + INFERCOST_FUZZ_PRESET_DIR +
                                "\"], \"use_environment\": false, \"use_default_dirs\": false}";
    if (infercost_context_create(options.c_str(), &created) != INFERCOST_OK) {
      std::fprintf(stderr, "c_api_fuzzer: no context: %s\n", infercost_last_error(nullptr));
      std::abort();
    }
    return created;
  }();
  return context;
}

void CheckFailure(infercost_status status, const infercost_context* context) {
  if (status == INFERCOST_OK) return;
  const char* message = infercost_last_error(context);
  if (message == nullptr || *message == '\0') {
    std::fprintf(stderr, "c_api_fuzzer: status %d without a message\n", static_cast<int>(status));
    std::abort();
  }
  if (status == INFERCOST_INTERNAL) {
    std::fprintf(stderr, "c_api_fuzzer: internal error: %s\n", message);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 0 && data[0] == 'O') {
    const std::string options(reinterpret_cast<const char*>(data) + 1, size - 1);
    infercost_context* context = nullptr;
    const infercost_status status = infercost_context_create(options.c_str(), &context);
    CheckFailure(status, nullptr);
    if ((status == INFERCOST_OK) != (context != nullptr)) std::abort();
    infercost_context_destroy(context);
    return 0;
  }
  infercost_context* context = SharedContext();
  const std::string scenario(reinterpret_cast<const char*>(data), size);
  char* report = nullptr;
  const infercost_status status = infercost_evaluate(context, scenario.c_str(), &report);
  CheckFailure(status, context);
  if ((status == INFERCOST_OK) != (report != nullptr)) std::abort();
  infercost_free(report);
  return 0;
}
