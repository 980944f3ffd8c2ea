// Speculative decoding: each decode step verifies `tokens` drafted tokens per sequence (K + 1
// query tokens: the step's own and the K drafts) and keeps the drafts up to the first rejected
// one plus the target's own token, so a step adds
//   E = 1 + a1 + a1 a2 + ... + a1 a2 ... aK
// tokens to a sequence on average (a_i: the conditional acceptance rate of drafted position i,
// given the ones before were accepted). The drafts come one at a time from a draft of
// `draft_layers` decoder layers of the model's shape and its LM head (DeepSeek-V3's MTP module,
// EAGLE's head: one layer), so a step's time is
//   verify (the target at K + 1 query tokens per sequence) + K x (draft_layers decoder layers
//   of a one-token decode step + the LM head)
// and the time per output token is that over E (framework/serving/step_parts.h times it).
//
//   ASSIGN_OR_RETURN(Speculation spec, ResolveSpeculation(request, model));
//   spec.tokens_per_step;  // 1.85 for one draft at 0.85
#ifndef INFERCOST_FRAMEWORK_SPECULATION_H_
#define INFERCOST_FRAMEWORK_SPECULATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/scenario.h"
#include "registry/model.h"

namespace infercost::framework {

// The acceptance rate a drafted token gets when --acceptance is not given: DeepSeek-V3's MTP
// module, "the acceptance rate of the second token prediction ranges between 85% and 90%"
// (DeepSeek-V3 Technical Report, arXiv:2412.19437, section 5.4.3); the low end.
inline constexpr double kDefaultAcceptance = 0.85;
// The most tokens drafted per step (engines draft up to ~8; beyond 16 every extra one is
// accepted with a vanishing probability and only costs).
inline constexpr int64_t kMostSpeculativeTokens = 16;

// E above: `drafted` positions, rate i from `acceptance` (its last repeated; empty: none
// accepted).
double ExpectedTokensPerStep(int64_t drafted, const std::vector<double>& acceptance);

// The request's --speculative-tokens, --acceptance and --draft-layers checked against `model`
// (errors name the flag, the value and what is allowed).
absl::StatusOr<Speculation> ResolveSpeculation(const ScenarioRequest& request,
                                               const registry::Model& model);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_SPECULATION_H_
