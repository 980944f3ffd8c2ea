// A tiny host for plugin formula tests: loads a built plugin with the conformance kit's loader
// (sdk/conformance: dlopen RTLD_NOW|RTLD_LOCAL and every table check), initializes it with the
// kit's host services, and wraps each ABI call so a test gets a Status plus the outputs. The host
// owns every ic_error; each wrapper frees the one it receives.
//
//   ic_attention_shape shape = Llama3_70B();
//   Emitted out = EmitPhases("gqa", shape, DecodeStage(750));
//   ASSERT_TRUE(out.status.ok()) << out.status.message;
//   EXPECT_EQ(out[IC_PHASE_QK_SCORES].matrix_flops, 12'288'000);  // 2*64*128*750
#ifndef INFERCOST_TESTS_PLUGINS_PLUGIN_TEST_HOST_H_
#define INFERCOST_TESTS_PLUGINS_PLUGIN_TEST_HOST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "infercost/c/plugin.h"

namespace infercost::testing {

struct Status {
  ic_status_code code = IC_STATUS_OK;
  std::string message;
  bool ok() const { return code == IC_STATUS_OK; }
};

// Converts a host-made error into a Status and frees it (nullptr -> OK).
Status TakeError(ic_error* error);

// Errors made by the host and not yet freed.
int LiveErrorCount();

// The host services (the conformance kit's Host): make_error allocates and tracks each error,
// log counts lines. Pass its host_context back as make_error's first argument.
const ic_host_services& FakeHost();

// A plugin from the build tree, loaded and initialized once, never unloaded. Fails the calling
// test (and returns nullptr) when it cannot be loaded.
struct LoadedPlugin {
  const ic_plugin* table = nullptr;
  void* instance = nullptr;
};
const LoadedPlugin* Plugin(const std::string& name);

// ---- attention variants ----
struct Emitted {
  Status status;
  std::vector<ic_phase_cost> phases;
  // The phase with `id`; fails the test (and returns a zero record) when absent.
  const ic_phase_cost& operator[](ic_phase_id id) const;
  std::vector<ic_phase_id> Ids() const;
};
Emitted EmitPhases(const std::string& variant, const ic_attention_shape& shape,
                   const ic_stage& stage);
Status Validate(const std::string& variant, const ic_attention_shape& shape,
                int64_t tensor_parallel);
struct Bytes {
  Status status;
  double bytes = 0;
};
Bytes KvCacheBytesPerToken(const std::string& variant, const ic_attention_shape& shape,
                           const ic_stage& stage);

// ---- attention kernels ----
Status RewriteTraffic(const std::string& kernel, const ic_attention_shape& shape,
                      const ic_stage& stage, const ic_kernel_device& device,
                      std::vector<ic_phase_cost>& phases);

// ---- hardware ----
struct Timed {
  Status status;
  ic_phase_time time{};
};
Timed PhaseTime(const std::string& hardware, const ic_device& device, const ic_execution& execution,
                const ic_phase_cost& cost);
struct Seconds {
  Status status;
  double seconds = -1;
};
Seconds CollectiveTime(const std::string& hardware, const ic_device& device,
                       const ic_execution& execution, const ic_collective& collective);

// ---- inputs ----
// Llama-3-70B attention: d = 8192, 64 query heads, 8 KV heads, head dim 128.
ic_attention_shape Llama3_70B();
// DeepSeek-V3 MLA: d = 7168, 128 heads, q_lora 1536, kv_lora 512, nope 128, rope 64, v 128.
ic_attention_shape DeepSeekV3();
// A stage of one sequence, unsharded, weights fp8 (1 B), activations bf16 (2 B), KV fp8 (1 B).
ic_stage DecodeStage(int64_t context_tokens);
ic_stage PrefillStage(int64_t tokens);

}  // namespace infercost::testing

#endif  // INFERCOST_TESTS_PLUGINS_PLUGIN_TEST_HOST_H_
