#include "framework/speculation.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_join.h"
#include "fmt/format.h"

namespace infercost::framework {

double ExpectedTokensPerStep(int64_t drafted, const std::vector<double>& acceptance) {
  double tokens = 1;  // the target's own token, always kept
  double all_accepted = 1;
  for (int64_t i = 0; i < drafted && !acceptance.empty(); ++i) {
    all_accepted *= acceptance[std::min<size_t>(static_cast<size_t>(i), acceptance.size() - 1)];
    tokens += all_accepted;
  }
  return tokens;
}

absl::StatusOr<Speculation> ResolveSpeculation(const ScenarioRequest& request,
                                               const registry::Model& model) {
  Speculation spec;
  if (request.speculative_tokens < 0 || request.speculative_tokens > kMostSpeculativeTokens) {
    return absl::InvalidArgumentError(fmt::format(
        "--speculative-tokens = {} must be the tokens drafted per decode step, 0..{} (0: no "
        "speculative decoding; 1 for DeepSeek's MTP module, 2-8 for EAGLE drafts)",
        request.speculative_tokens, kMostSpeculativeTokens));
  }
  if (request.speculative_tokens == 0) {
    if (!request.acceptance.empty() || request.draft_layers != 1) {
      return absl::InvalidArgumentError(
          "--acceptance and --draft-layers describe speculative decoding; add "
          "--speculative-tokens K (the tokens drafted per step) or drop them");
    }
    return spec;
  }
  if (request.acceptance.size() > static_cast<size_t>(request.speculative_tokens)) {
    return absl::InvalidArgumentError(fmt::format(
        "--acceptance has {} rates ({}) for --speculative-tokens {}: give one per drafted "
        "position at most (the last one repeats)",
        request.acceptance.size(), absl::StrJoin(request.acceptance, ","),
        request.speculative_tokens));
  }
  for (const double rate : request.acceptance) {
    if (!(rate >= 0 && rate <= 1)) {
      return absl::InvalidArgumentError(fmt::format(
          "--acceptance rate {} must be in [0, 1]: the probability that a drafted token is "
          "accepted given the ones before it were (e.g. 0.85 for DeepSeek-V3's MTP module)",
          rate));
    }
  }
  if (request.draft_layers < 1 || request.draft_layers > model.num_layers) {
    return absl::InvalidArgumentError(fmt::format(
        "--draft-layers = {} must be the decoder layers the draft runs per drafted token, 1..{} "
        "(the layers of {}; 1 for an MTP module or an EAGLE head)",
        request.draft_layers, model.num_layers, model.name));
  }
  spec.tokens = request.speculative_tokens;
  spec.acceptance =
      request.acceptance.empty() ? std::vector<double>{kDefaultAcceptance} : request.acceptance;
  spec.draft_layers = request.draft_layers;
  spec.tokens_per_step = ExpectedTokensPerStep(spec.tokens, spec.acceptance);
  return spec;
}

}  // namespace infercost::framework
