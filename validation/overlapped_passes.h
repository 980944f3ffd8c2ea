// Forward passes that no host synchronisation separates, overlapped on a layer pipeline.
//
// llama.cpp returns from llama_decode without waiting for its GPUs since its pipeline-parallel
// support (ggml-org/llama.cpp#6017, merged March 2024, before ANL's mid-2024 runs): the host
// waits only where it reads logits (llama_synchronize in llama_get_logits; ggml-org/llama.cpp
// #6366). A prompt fed one token per call (prompt batch -b 1) reads no logits before its last
// token, so those passes are queued back to back, and on layers split over P GPUs
// (--split-mode layer, its default) pass i + 1 runs its first layers while pass i runs its last
// ones, up to GGML_SCHED_MAX_COPIES = 4 passes in flight (the scheduler's copies of the graph
// inputs, ggml/src/ggml-backend.c). Such passes cost a pass / min(P, 4) each; a pass whose token
// the host samples waits for the one before it, as every decode step is timed.
//
//   OverlappedPasses leading{.passes = 127, .in_flight = 4};
//   ASSIGN_OR_RETURN(double e2e, E2eWithOverlappedPasses(source, request, leading, full_e2e_s,
//                                                        presets, plugins));
#ifndef INFERCOST_VALIDATION_OVERLAPPED_PASSES_H_
#define INFERCOST_VALIDATION_OVERLAPPED_PASSES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"
#include "registry/presets.h"

namespace infercost::validation {

// llama.cpp's GGML_SCHED_MAX_COPIES: passes in flight at once on a layer pipeline.
inline constexpr int64_t kLlamaCppPassesInFlight = 4;

// The first `passes` forward passes of a run (its prefill, then decode steps) and how many of
// them run at once; 0 passes or 1 in flight: every pass waits for the one before it.
struct OverlappedPasses {
  int64_t passes = 0;
  int64_t in_flight = 1;
  bool operator==(const OverlappedPasses&) const = default;
};

// llama.cpp's overlap on `pipeline_stages` GPUs: min(stages, GGML_SCHED_MAX_COPIES).
int64_t LlamaCppPassesInFlight(int64_t pipeline_stages);

// `e2e_s` (the estimate of `request`, every pass sequential) with its first `leading.passes`
// passes overlapped: e2e_s - (1 - 1 / in_flight) x (their sequential time), that time being the
// e2e of `request` with `leading.passes` output tokens. An error is prefixed by `source`.
absl::StatusOr<double> E2eWithOverlappedPasses(const std::string& source,
                                               const framework::ScenarioRequest& request,
                                               const OverlappedPasses& leading, double e2e_s,
                                               const registry::Presets& presets,
                                               const framework::PluginSet& plugins);

}  // namespace infercost::validation

#endif  // INFERCOST_VALIDATION_OVERLAPPED_PASSES_H_
