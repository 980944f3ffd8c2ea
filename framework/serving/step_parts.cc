#include "framework/serving/step_parts.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "framework/abi/phase_catalog.h"
#include "framework/base/status_macros.h"
#include "framework/ledger/scenario_steps.h"
#include "framework/serving/serving_model.h"

namespace infercost::framework {
namespace {

// The attention core: the variant's and kernel's phases that own no weights (scores, softmax,
// state updates); their cost follows each sequence's own context.
std::vector<ic_phase_cost> Core(const std::vector<ic_phase_cost>& phases) {
  std::vector<ic_phase_cost> core;
  for (const ic_phase_cost& cost : phases) {
    if (cost.params == 0) core.push_back(cost);
  }
  return core;
}

bool IsSampling(ic_phase_id id) { return id == IC_PHASE_LM_HEAD || id == IC_PHASE_SAMPLING; }

}  // namespace

StepParts::StepParts(const Pipeline& pipeline, const StepTimer& timer, const Scenario& s)
    : pipeline_(pipeline), timer_(timer), s_(s) {
  const Execution execution = ExecutionOf(s);
  per_sequence_s_ = execution.per_sequence_overhead_s;
}

absl::StatusOr<double> StepParts::TokenLinear(int64_t tokens) {
  if (tokens <= 0) return 0.0;
  if (auto it = token_linear_.find(tokens); it != token_linear_.end()) return it->second;
  const Step step = PerGpuStep(s_, IC_STAGE_DECODE, tokens, 1, s_.input_tokens);
  ASSIGN_OR_RETURN(StageLedger ledger, pipeline_.Evaluate(step));
  StageTiming timing;  // the step's time only
  RETURN_IF_ERROR(timer_.TimeTotalsInto(ledger, timing));
  ASSIGN_OR_RETURN(double core, CoreTime(step));
  double sampling = 0;
  for (const ic_phase_cost& cost : ledger.model_phases) {
    if (!IsSampling(cost.phase)) continue;
    ASSIGN_OR_RETURN(double t, timer_.TimePhases({cost}, 1));
    sampling += t;
  }
  const double seconds =
      timing.time_s - core - sampling - static_cast<double>(tokens) * per_sequence_s_;
  token_linear_[tokens] = seconds;
  return seconds;
}

absl::StatusOr<double> StepParts::Sampling(int64_t sequences) {
  if (sequences <= 0) return 0.0;
  if (auto it = sampling_.find(sequences); it != sampling_.end()) return it->second;
  ASSIGN_OR_RETURN(StageLedger ledger,
                   pipeline_.Evaluate(PerGpuStep(s_, IC_STAGE_DECODE, sequences, 1, 1)));
  double seconds = 0;
  for (const ic_phase_cost& cost : ledger.model_phases) {
    if (!IsSampling(cost.phase)) continue;
    ASSIGN_OR_RETURN(double t, timer_.TimePhases({cost}, 1));
    seconds += t;
  }
  sampling_[sequences] = seconds;
  return seconds;
}

absl::StatusOr<double> StepParts::StepTime(int64_t decoding, int64_t context, int64_t prompt_tokens,
                                           double prompt_core, int64_t sampling,
                                           int64_t sequences) {
  const int64_t drafted = s_.speculation.tokens;
  if (drafted == 0 || decoding <= 0) {
    return PlainStepTime(decoding, context, prompt_tokens, prompt_core, sampling, sequences);
  }
  // Speculative decoding: each decoding sequence's K + 1 tokens through the target (all of them
  // sampled to check the drafts), then its K drafts.
  ASSIGN_OR_RETURN(const double linear, TokenLinear(decoding * (drafted + 1) + prompt_tokens));
  ASSIGN_OR_RETURN(const double verify_core, VerifyCore(decoding, context));
  ASSIGN_OR_RETURN(const double sampled, Sampling(sampling + decoding * drafted));
  ASSIGN_OR_RETURN(const double drafts, DraftTime(decoding, context));
  return linear + verify_core + prompt_core + sampled + drafts +
         static_cast<double>(sequences) * per_sequence_s_;
}

absl::StatusOr<double> StepParts::PlainStepTime(int64_t decoding, int64_t context,
                                                int64_t prompt_tokens, double prompt_core,
                                                int64_t sampling, int64_t sequences) {
  ASSIGN_OR_RETURN(const double linear, TokenLinear(decoding + prompt_tokens));
  ASSIGN_OR_RETURN(const double decode_core, DecodeCore(decoding, context));
  ASSIGN_OR_RETURN(const double sampled, Sampling(sampling));
  return linear + decode_core + prompt_core + sampled +
         static_cast<double>(sequences) * per_sequence_s_;
}

absl::StatusOr<double> StepParts::DecodeCore(int64_t batch, int64_t context) {
  if (batch <= 0) return 0.0;
  const auto key = std::make_pair(batch, context);
  if (auto it = decode_core_.find(key); it != decode_core_.end()) return it->second;
  ASSIGN_OR_RETURN(double seconds, CoreTime(PerGpuStep(s_, IC_STAGE_DECODE, batch, 1, context)));
  decode_core_[key] = seconds;
  return seconds;
}

absl::StatusOr<double> StepParts::VerifyCore(int64_t batch, int64_t context) {
  if (batch <= 0) return 0.0;
  const int64_t query = s_.speculation.tokens + 1;
  return CoreTime(PerGpuStep(s_, IC_STAGE_DECODE, batch, query, context + query - 1));
}

absl::StatusOr<double> StepParts::PrefillCore(int64_t query, int64_t context) {
  const auto key = std::make_pair(query, context);
  if (auto it = prefill_core_.find(key); it != prefill_core_.end()) return it->second;
  ASSIGN_OR_RETURN(double seconds, CoreTime(PerGpuStep(s_, IC_STAGE_PREFILL, 1, query, context)));
  prefill_core_[key] = seconds;
  return seconds;
}

absl::StatusOr<double> StepParts::DraftTime(int64_t batch, int64_t context) {
  const Speculation& spec = s_.speculation;
  if (spec.tokens == 0 || batch <= 0) return 0.0;
  ASSIGN_OR_RETURN(const double linear, TokenLinear(batch));
  ASSIGN_OR_RETURN(const double core, DecodeCore(batch, context));
  ASSIGN_OR_RETURN(const double head, Sampling(batch));
  const double layer_share =
      static_cast<double>(spec.draft_layers) / static_cast<double>(s_.model.num_layers);
  return static_cast<double>(spec.tokens) * (layer_share * (linear + core) + head);
}

int64_t StepParts::DecodeSteps(int64_t output) const {
  const int64_t decodes = std::max<int64_t>(output - 1, 0);
  if (s_.speculation.tokens == 0) return decodes;
  return static_cast<int64_t>(
      std::ceil(static_cast<double>(decodes) / s_.speculation.tokens_per_step));
}

double StepParts::TokensAfter(int64_t steps, int64_t output) const {
  if (s_.speculation.tokens == 0 || steps <= 1) return static_cast<double>(steps);
  return std::min(static_cast<double>(output),
                  1 + static_cast<double>(steps - 1) * s_.speculation.tokens_per_step);
}

absl::StatusOr<double> StepParts::RequestTimeAtFullBatch(int64_t batch) {
  const int64_t isl = s_.input_tokens;
  const int64_t decodes = std::max<int64_t>(s_.output_tokens - 1, 0);
  const int64_t chunk =
      s_.engine.max_batched_tokens > 0 ? std::min(isl, s_.engine.max_batched_tokens) : isl;
  ASSIGN_OR_RETURN(const double prompt_core, PrefillCore(chunk, chunk));
  ASSIGN_OR_RETURN(const double chunk_step, StepTime(0, isl, chunk, prompt_core, 0, 1));
  const int64_t context =
      ContextBucket(static_cast<double>(isl) + static_cast<double>(decodes) / 2);
  ASSIGN_OR_RETURN(const double decode_step, StepTime(batch, context, 0, 0, batch, batch));
  return static_cast<double>((isl + chunk - 1) / chunk) * chunk_step +
         static_cast<double>(DecodeSteps(s_.output_tokens)) * decode_step;
}

absl::StatusOr<double> StepParts::SpeculativeTimeRatio(int64_t batch, int64_t context) {
  if (s_.speculation.tokens == 0) return 1.0;
  ASSIGN_OR_RETURN(const double plain, PlainStepTime(batch, context, 0, 0, batch, batch));
  ASSIGN_OR_RETURN(const double speculative, StepTime(batch, context, 0, 0, batch, batch));
  return speculative / (s_.speculation.tokens_per_step * plain);
}

absl::StatusOr<double> StepParts::CoreTime(const Step& step) const {
  ASSIGN_OR_RETURN(std::vector<AttentionSlice> slices, pipeline_.AttentionByClass(step));
  double seconds = 0;
  for (const AttentionSlice& slice : slices) {
    ASSIGN_OR_RETURN(double t,
                     timer_.TimePhases(Core(slice.phases), static_cast<double>(slice.layers)));
    seconds += t;
  }
  return seconds;
}

}  // namespace infercost::framework
