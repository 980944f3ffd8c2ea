// The parts a continuously batched step's time is made of (token-linear work, attention cores,
// the LM head and sampling, host costs), each memoised: a simulation asks for the same few many
// times. StepTime is the one formula of a step that the serving and disaggregated simulations
// and a static batch's speculative decoding use; with speculative decoding
// (framework/speculation.h) its decoding sequences are verify steps of K + 1 query tokens
// followed by K draft passes.
//
//   StepParts parts(pipeline, timer, scenario);
//   ASSIGN_OR_RETURN(double step, parts.StepTime(64, 1500, 0, 0, 64, 64));  // 64 decoding
#ifndef INFERCOST_FRAMEWORK_SERVING_STEP_PARTS_H_
#define INFERCOST_FRAMEWORK_SERVING_STEP_PARTS_H_

#include <cstdint>
#include <map>
#include <utility>

#include "absl/status/statusor.h"
#include "framework/ledger/pipeline.h"
#include "framework/ledger/step.h"
#include "framework/scenario.h"
#include "framework/timing/step_timer.h"

namespace infercost::framework {

class StepParts {
 public:
  StepParts(const Pipeline& pipeline, const StepTimer& timer, const Scenario& s);

  // A step's time: `decoding` sequences decoding at `context` and `prompt_tokens` prompt tokens
  // (their attention cores `prompt_core`), `sampling` sequences sampling (the decoding ones
  // among them), `sequences` in it for the host's per-sequence cost. Speculative decoding: each
  // decoding sequence is verified at K + 1 query tokens (K more sampled) and drafted K times
  // (DraftTime).
  absl::StatusOr<double> StepTime(int64_t decoding, int64_t context, int64_t prompt_tokens,
                                  double prompt_core, int64_t sampling, int64_t sequences);

  // Everything of a step of `tokens` tokens but the attention core, the LM head and sampling and
  // the per-sequence host cost: projections, FFN/MoE, norms, embedding, collectives, engine
  // per-step and per-layer costs.
  absl::StatusOr<double> TokenLinear(int64_t tokens);
  // The LM head and sampling for `sequences` sampling sequences (or verified positions).
  absl::StatusOr<double> Sampling(int64_t sequences);
  // The attention core of `batch` sequences decoding one token at `context`.
  absl::StatusOr<double> DecodeCore(int64_t batch, int64_t context);
  // Speculative decoding's verify: the attention core of `batch` sequences at K + 1 query
  // tokens, the first at `context` (a decode step of that many query tokens: the engines' decode
  // kernels take the drafts as extra query rows; MLA keeps its absorbed form).
  absl::StatusOr<double> VerifyCore(int64_t batch, int64_t context);
  // The attention core of one prompt chunk of `query` tokens ending at `context`.
  absl::StatusOr<double> PrefillCore(int64_t query, int64_t context);
  // Speculative decoding's drafts for `batch` sequences at `context`: K passes of the draft's
  // layers (a share draft_layers / layers of a one-token step's token-linear work and attention
  // core) and the LM head each. 0 without speculative decoding.
  absl::StatusOr<double> DraftTime(int64_t batch, int64_t context);

  // Decode steps a request of `output` tokens takes after its first token: output - 1, over the
  // tokens a step adds with speculative decoding (rounded up).
  int64_t DecodeSteps(int64_t output) const;
  // The tokens a sequence of `output` tokens has after `steps` steps (its first token the
  // first): one a step, E with speculative decoding (at most the output).
  double TokensAfter(int64_t steps, int64_t output) const;
  // A request's token steps: its first token, then its decode steps.
  int64_t TokenSteps(int64_t output) const { return 1 + DecodeSteps(output); }
  // A request's context after `steps` of its token steps: its prompt and the tokens written.
  double ContextAfter(int64_t prompt, int64_t steps, int64_t output) const {
    return static_cast<double>(prompt) + TokensAfter(steps, output);
  }

  // One request's time in a server running `batch` sequences: its prompt's prefill alone (chunk
  // by chunk), then its decode steps of the whole batch at the mean context of an answer half
  // written.
  absl::StatusOr<double> RequestTimeAtFullBatch(int64_t batch);

  // A static batch's time per output token with speculative decoding over its plain decode
  // step's, for `batch` sequences at `context` (1 without speculative decoding).
  absl::StatusOr<double> SpeculativeTimeRatio(int64_t batch, int64_t context);

 private:
  // StepTime without speculative decoding (its decoding sequences one token each).
  absl::StatusOr<double> PlainStepTime(int64_t decoding, int64_t context, int64_t prompt_tokens,
                                       double prompt_core, int64_t sampling, int64_t sequences);
  absl::StatusOr<double> CoreTime(const Step& step) const;

  const Pipeline& pipeline_;
  const StepTimer& timer_;
  const Scenario& s_;
  double per_sequence_s_ = 0;
  std::map<int64_t, double> token_linear_;
  std::map<int64_t, double> sampling_;
  std::map<std::pair<int64_t, int64_t>, double> decode_core_;
  std::map<std::pair<int64_t, int64_t>, double> prefill_core_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_SERVING_STEP_PARTS_H_
