// infercost-conformance — reference inputs the checks call plugins with, and helpers to build
// "newer caller" structs and compare results bit for bit.
//
// The reference attention shape suits every kind of variant the core ships (MHA, GQA, MQA and
// MLA at once: head_dim = qk_nope + qk_rope, latent ranks set); a variant that rejects it is
// tried with a sliding window too (see CandidateShapes).
#ifndef INFERCOST_SDK_CONFORMANCE_FIXTURES_H_
#define INFERCOST_SDK_CONFORMANCE_FIXTURES_H_

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common.h"
#include "infercost/c/plugin.h"

namespace infercost::conformance {

// The bytes a "newer caller" puts in the fields this ABI does not know yet.
inline constexpr unsigned char kGarbageByte = 0xA5;
// The bytes placed past an output struct's struct_size.
inline constexpr unsigned char kGuardByte = 0x5A;

// A struct as a caller built against a later minor would pass it: the v1.0 struct first, then
// trailing fields this runner sets to garbage; struct_size covers the whole thing.
template <typename T>
struct Newer {
  T base;
  unsigned char trailing[64];
};

template <typename T>
Newer<T> MakeNewer(const T& value) {
  Newer<T> newer;
  std::memset(static_cast<void*>(&newer), kGarbageByte, sizeof newer);
  std::memcpy(static_cast<void*>(&newer.base), &value, sizeof value);
  newer.base.struct_size = sizeof newer;
  return newer;
}

// The frozen ABI 1.0 size of each input struct (what a caller built against SDK 1.0 passes in
// struct_size, whatever later minors append).
template <typename T>
inline constexpr uint32_t kV1_0Size = 0;
template <>
inline constexpr uint32_t kV1_0Size<ic_attention_shape> = IC_ATTENTION_SHAPE_V1_0_SIZE;
template <>
inline constexpr uint32_t kV1_0Size<ic_stage> = IC_STAGE_V1_0_SIZE;
template <>
inline constexpr uint32_t kV1_0Size<ic_phase_sink> = 24;
template <>
inline constexpr uint32_t kV1_0Size<ic_kernel_device> = 32;
template <>
inline constexpr uint32_t kV1_0Size<ic_device> = IC_DEVICE_V1_0_SIZE;
template <>
inline constexpr uint32_t kV1_0Size<ic_execution> = 64;
template <>
inline constexpr uint32_t kV1_0Size<ic_phase_cost> = 104;
template <>
inline constexpr uint32_t kV1_0Size<ic_collective> = 32;

// `value` as an ABI 1.0 caller passes it: struct_size = the 1.0 size.
template <typename T>
T AsV1_0(T value) {
  static_assert(kV1_0Size<T> != 0 && kV1_0Size<T> <= sizeof(T), "unknown ABI 1.0 size");
  value.struct_size = kV1_0Size<T>;
  return value;
}

template <typename T>
std::string BytesOf(const T& value) {
  return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}

// ---- attention ----
ic_attention_shape ReferenceShape(int64_t sliding_window = 0);
// Shapes tried in order until the plugin accepts one (reference, then with a sliding window,
// then with the reference ranks as ABI 1.1 options for latent-attention variants). Each carries
// the options given with AddCandidateOption.
std::vector<ic_attention_shape> CandidateShapes();
// Option records whose strings live until the process ends (ABI 1.1 variant options).
ic_option IntOption(const std::string& name, int64_t value, const std::string& source);
ic_option StringOption(const std::string& name, const std::string& value,
                       const std::string& source);
// Adds `key=value` (--variant-option) to every candidate shape; false if not key=value.
bool AddCandidateOption(const std::string& assignment);
ic_stage MakeStage(ic_stage_kind kind, int64_t batch, int64_t query_tokens, int64_t context_tokens,
                   int64_t tensor_parallel = 1);
ic_stage Prefill(int64_t batch, int64_t tokens, int64_t tensor_parallel = 1);
ic_stage Decode(int64_t batch, int64_t context, int64_t tensor_parallel = 1);
// "prefill of 128, batch 2" / "decode at context 1024, batch 2, tp 2".
std::string Describe(const ic_stage& stage);

// Whether a phase id belongs to the attention section (what a variant may emit).
bool IsAttentionPhase(ic_phase_id id);
// "qk_scores", or "phase N" for ids this ABI does not know.
std::string PhaseName(ic_phase_id id);

// Phases as a variant would emit them (standard q/k/v/o or MLA-style), for kernel checks.
std::vector<ic_phase_cost> SyntheticAttentionPhases(const ic_attention_shape& shape,
                                                    const ic_stage& stage, bool mla_style);

ic_kernel_device ReferenceKernelDevice();

// ---- hardware ----
ic_device ReferenceDevice();  // an H100-class device
ic_execution ReferenceExecution();
// A matmul-heavy phase with some traffic of every kind.
ic_phase_cost ReferencePhaseCost();
ic_collective MakeCollective(ic_collective_op op, double bytes, int64_t group_size,
                             bool spans_nodes);
std::string CollectiveName(ic_collective_op op);

// Problems with a phase record: struct_size below ABI 1.0, non-finite or negative metrics,
// negative matmul sizes. Each problem is prefixed with `where`.
void CheckPhaseRecord(const ic_phase_cost& cost, const std::string& where, Problems& problems);

}  // namespace infercost::conformance

#endif  // INFERCOST_SDK_CONFORMANCE_FIXTURES_H_
