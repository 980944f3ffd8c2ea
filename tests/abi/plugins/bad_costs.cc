// Attention-variant plugins (C++ SDK) that emit records the host must refuse. Built once per
// COSTS_* macro; PLUGIN_NAME is the plugin's name:
//   COSTS_NAN                 qk_scores.matrix_flops = NaN
//   COSTS_NEGATIVE            attn_v.kv_read_bytes = -1
//   COSTS_IGNORES_SINK_ERROR  emits qk_scores.matrix_flops = NaN, swallows the sink's error,
//                             emits a good attn_v and returns OK
//   COSTS_FOREIGN_PHASE       emits ffn_up, which is not an attention phase
//   COSTS_GROWING_STATE       caches nothing per token, yet says its state grows with context
//   COSTS_TOPK_BEYOND_CONTEXT caches 100 B per token and reads its top 64 tokens' worth even
//                             when fewer are cached (more than the model keeps at context 1)
//   COSTS_TOPK_REGROWS        reads min(C, 64) tokens, but all C again beyond context 16384
//   COSTS_TOO_MANY_COPIES     k_proj.weight_copies = tensor_parallel + 1 (more GPUs than the group
//   has)
//   COSTS_HIDDEN_PAGES        reads its cache in pages of 16 tokens (ceil(C / 16) x 16 x 100 B,
//                             a staircase) and declares (ABI 1.4) no decode break
//   COSTS_HIDDEN_FAR_WINDOW   reads min(C, 6000) tokens (a window filling at 6,000, beyond the
//                             conformance kit's one-by-one contexts) and declares no decode break
// Each first emits a good q_proj, so the failure is not simply "the first record".
#include <algorithm>
#include <cmath>
#include <limits>

#include "infercost/sdk/plugin.h"

#ifndef PLUGIN_NAME
#error "PLUGIN_NAME must be defined (a string literal)"
#endif

namespace {

using infercost::sdk::MakePhaseCost;

class BadCosts final : public infercost::sdk::AttentionVariant {
 public:
  static constexpr bool kThreadSafe = true;  // no member state
#if defined(COSTS_TOPK_BEYOND_CONTEXT) || defined(COSTS_TOPK_REGROWS) || \
    defined(COSTS_HIDDEN_PAGES) || defined(COSTS_HIDDEN_FAR_WINDOW)
  static constexpr double kBytesPerToken = 100;
  static constexpr double kTopK = 64;
#else
  static constexpr double kBytesPerToken = 0;
#endif
  double KvCacheBytesPerToken(const ic_attention_shape& /*shape*/,
                              const ic_stage& /*stage*/) override {
    return kBytesPerToken;
  }

  void EmitPhases(const ic_attention_shape& /*shape*/, [[maybe_unused]] const ic_stage& stage,
                  const infercost::sdk::PhaseSink& sink) override {
    ic_phase_cost q_proj = MakePhaseCost(IC_PHASE_Q_PROJ);
    infercost::sdk::SetGemm(q_proj, 4, 8, 16);
    sink.Emit(q_proj);
#if defined(COSTS_NAN)
    ic_phase_cost scores = MakePhaseCost(IC_PHASE_QK_SCORES);
    scores.matrix_flops = std::numeric_limits<double>::quiet_NaN();
    sink.Emit(scores);
#elif defined(COSTS_NEGATIVE)
    ic_phase_cost attn_v = MakePhaseCost(IC_PHASE_ATTN_V);
    attn_v.kv_read_bytes = -1;
    sink.Emit(attn_v);
#elif defined(COSTS_IGNORES_SINK_ERROR)
    ic_phase_cost scores = MakePhaseCost(IC_PHASE_QK_SCORES);
    scores.matrix_flops = std::numeric_limits<double>::quiet_NaN();
    try {
      sink.Emit(scores);
    } catch (const infercost::sdk::HostError&) {
      // Misbehaving on purpose: the ABI says to stop and return the sink's error.
    }
    ic_phase_cost attn_v = MakePhaseCost(IC_PHASE_ATTN_V);
    attn_v.kv_read_bytes = 1024;
    sink.Emit(attn_v);
#elif defined(COSTS_FOREIGN_PHASE)
    ic_phase_cost ffn_up = MakePhaseCost(IC_PHASE_FFN_UP);
    sink.Emit(ffn_up);
#elif defined(COSTS_GROWING_STATE)
    // good records only: the lie is in KvStateBytes
#elif defined(COSTS_TOPK_BEYOND_CONTEXT) || defined(COSTS_TOPK_REGROWS)
#if defined(COSTS_TOPK_BEYOND_CONTEXT)
    const double tokens_read = kTopK;  // the bug: k tokens even when fewer are cached
#else
    const double context = static_cast<double>(stage.context_tokens);
    const double tokens_read = context > 16384 ? context : std::min(context, kTopK);
#endif
    ic_phase_cost scores = MakePhaseCost(IC_PHASE_QK_SCORES);
    scores.kv_read_bytes = static_cast<double>(stage.batch) * tokens_read * kBytesPerToken;
    sink.Emit(scores);
#elif defined(COSTS_HIDDEN_PAGES)
    const double pages = std::ceil(static_cast<double>(stage.context_tokens) / 16);
    ic_phase_cost scores = MakePhaseCost(IC_PHASE_QK_SCORES);
    scores.kv_read_bytes = static_cast<double>(stage.batch) * pages * 16 * kBytesPerToken;
    sink.Emit(scores);
#elif defined(COSTS_HIDDEN_FAR_WINDOW)
    const double window = std::min<double>(static_cast<double>(stage.context_tokens), 6000);
    ic_phase_cost scores = MakePhaseCost(IC_PHASE_QK_SCORES);
    scores.kv_read_bytes = static_cast<double>(stage.batch) * window * kBytesPerToken;
    sink.Emit(scores);
#elif defined(COSTS_TOO_MANY_COPIES)
    ic_phase_cost k_proj = MakePhaseCost(IC_PHASE_K_PROJ);
    k_proj.weight_copies = static_cast<double>(stage.tensor_parallel + 1);
    sink.Emit(k_proj);
#elif defined(COSTS_UNDECLARED_REPLICA)
    ic_phase_cost k_proj = MakePhaseCost(IC_PHASE_K_PROJ);
    k_proj.params = 1000;
    k_proj.weight_bytes = 1000;
    sink.Emit(k_proj);
#else
#error \
    "define one of COSTS_NAN, COSTS_NEGATIVE, COSTS_IGNORES_SINK_ERROR, COSTS_FOREIGN_PHASE, COSTS_GROWING_STATE, COSTS_TOPK_BEYOND_CONTEXT, COSTS_TOPK_REGROWS, COSTS_TOO_MANY_COPIES, COSTS_UNDECLARED_REPLICA, COSTS_HIDDEN_PAGES, COSTS_HIDDEN_FAR_WINDOW"
#endif
  }

#if defined(COSTS_HIDDEN_PAGES) || defined(COSTS_HIDDEN_FAR_WINDOW)
  int64_t DecodeBreaks(const ic_attention_shape&, const ic_stage&, int64_t, int64_t,
                       ic_context_stairs*, uint64_t) override {
    return 0;  // "affine throughout": not true (a page every 16 tokens; a window at 6,000)
  }
#endif
#if defined(COSTS_GROWING_STATE)
  // Nothing is appended per token (KvCacheBytesPerToken = 0), so the state must not grow.
  double KvStateBytes(const ic_attention_shape& /*shape*/, const ic_stage& stage) override {
    return 64.0 * static_cast<double>(stage.context_tokens);
  }
#endif
};

}  // namespace

INFERCOST_PLUGIN(BadCosts, PLUGIN_NAME, "1.0.0", "infercost tests",
                 "emits phase records the host must refuse (ABI tests)")
