// "swa": sliding-window attention on every layer, an attention variant the core does not ship.
//
// Each query attends only to the last W tokens before it (itself included; W = the option
// `window`, 4096 unless set), the local attention of Longformer (Beltagy et al. 2020) and
// Mistral-7B v0.1, whose layers all use a 4096-token window. Keys and values are grouped as in GQA
// (num_kv_heads K/V heads, each shared by num_heads / num_kv_heads query heads), so
// `--attention-variant swa` can replace `gqa` for any Llama-style model to ask: "what if every
// layer attended only locally?"
//
// What the window changes, per layer and per step (q new tokens, context C, window W):
//   qk_scores, attn_v   FLOPs: (query, key) pairs fall from sum_p p to sum_p min(p, W), i.e. a
//                       decode step at C > W scores W keys instead of C;
//                       K/V reads: min(C, W + q - 1) keys per sequence instead of C;
//   softmax             5 FLOPs per pair, so it shrinks the same way;
//   projections         unchanged (they do not depend on the context).
// Below the window (C <= W) nothing changes: the report is identical to gqa's.
//
//   KV-cache memory      a sequence keeps only its last W tokens per layer: KvStateBytes (ABI
//                       1.1) says so, and the host's memory, capacity and KV meters use it.
//   decode breaks        the window fills at context W + 1: DecodeBreaks (ABI 1.4) says so, and
//                       the host's decode sum cuts there instead of searching.
//
// Options (ABI 1.1): `window` (tokens, >= 1) from the model preset's [variant] table or
// `--variant-option window=8192`; any other option is refused with a message naming it.
//
// How a plugin is put together with the C++ SDK layer:
//   1. derive from infercost::sdk::AttentionVariant and override Validate,
//      KvCacheBytesPerToken and EmitPhases (and, since ABI 1.1, KvStateBytes and ClassifyLayer
//      where the defaults do not fit); declare kThreadSafe when the class keeps no state;
//   2. signal bad input by throwing infercost::sdk::Error(IC_STATUS_INVALID_ARGUMENT, "...");
//      the SDK's trampolines turn every exception into an error object made by the host, so no
//      exception ever crosses the C ABI;
//   3. end the file with INFERCOST_PLUGIN(Class, "name", "version", "vendor", "description"),
//      which defines the one exported symbol, infercost_plugin_entry().
#include <algorithm>
#include <cstdint>

#include "infercost/sdk/attention_math.h"  // the shared formulas: pairs, keys read, phases
#include "infercost/sdk/plugin.h"          // AttentionVariant, PhaseSink, INFERCOST_PLUGIN

namespace {

namespace am = infercost::sdk::attention_math;

// Tokens each query may attend to, itself included, unless the option `window` says otherwise.
constexpr int64_t kDefaultWindow = 4096;

class SlidingWindowAttention final : public infercost::sdk::AttentionVariant {
 public:
  // No member state: the host may call one instance from several threads.
  static constexpr bool kThreadSafe = true;

  // Called once per scenario (and per tensor-parallel size) before any cost: reject shapes and
  // options this variant cannot cost, with a message that says what to change. The SDK's checks
  // cover the sizes, and that the query heads group evenly over the K/V heads and split over
  // the shards.
  void Validate(const ic_attention_shape& shape, int64_t tensor_parallel) override {
    infercost::sdk::Options(shape).RejectUnknown({"window"}, "swa");
    am::ValidateAttentionShape(shape, tensor_parallel);
    am::ValidateKvHeadSplit(shape, shape.num_kv_heads, tensor_parallel);
  }

  // KV-cache bytes ONE token adds to ONE layer on ONE tensor-parallel shard: a key and a value
  // vector per K/V head held by this shard. A window limits how many tokens are read, not what
  // one token weighs, so this is GQA's figure.
  double KvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage) override {
    Validate(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
    return am::StandardKvCacheBytesPerToken(shape, stage, shape.num_kv_heads);
  }

  // The attention phases of one layer, one shard, the whole batch of the stage. The host calls
  // this for the prefill (query_tokens = context_tokens = n) and for decode steps
  // (query_tokens = 1, context_tokens = N) and multiplies by the number of layers.
  void EmitPhases(const ic_attention_shape& shape, const ic_stage& stage,
                  const infercost::sdk::PhaseSink& sink) override {
    Validate(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
    // The SDK's standard-attention formulas already account for a window, so this variant is
    // "GQA with the window forced on every layer".
    const Windowed w = WindowedInputs(shape, stage);
    // q_proj, k_proj, v_proj, qk_scores, softmax, attn_v, o_proj, in that order. Emit throws if
    // the host rejects a record (e.g. a NaN); the trampoline then returns the host's error.
    for (const ic_phase_cost& cost :
         am::StandardAttentionPhases(w.shape, w.stage, shape.num_kv_heads)) {
      sink.Emit(cost);
    }
  }

  // What one sequence keeps in a layer: the K/V of its last min(context, W) tokens.
  double KvStateBytes(const ic_attention_shape& shape, const ic_stage& stage) override {
    Validate(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
    const Windowed w = WindowedInputs(shape, stage);
    return am::StandardKvStateBytes(w.shape, w.stage, shape.num_kv_heads);
  }

  // Optional (ABI 1.4): where a decode step's phases stop being affine in the context, here once,
  // where the window fills (the keys read stay W from context W + 1 on). The host sums a long
  // generation's steps in closed form on either side instead of searching for the bend.
  int64_t DecodeBreaks(const ic_attention_shape& shape, const ic_stage& stage,
                       int64_t first_context, int64_t last_context, ic_context_stairs* stairs,
                       uint64_t capacity) override {
    Validate(shape, stage.tensor_parallel);
    return am::WindowDecodeBreaks(WindowedInputs(shape, stage).shape.sliding_window, first_context,
                                  last_context, stairs, capacity);
  }

 private:
  struct Windowed {
    ic_attention_shape shape;
    ic_stage stage;
  };
  // The shape with the window W (a model's own window when narrower), and the stage without its
  // layer: every layer slides here, whatever the model's layer pattern says.
  static Windowed WindowedInputs(const ic_attention_shape& shape, const ic_stage& stage) {
    const int64_t window = infercost::sdk::Options(shape).Int("window", kDefaultWindow, false);
    Windowed w{shape, stage};
    w.shape.sliding_window =
        shape.sliding_window > 0 ? std::min(shape.sliding_window, window) : window;
    w.stage.layer = nullptr;
    return w;
  }
};

}  // namespace

INFERCOST_PLUGIN(SlidingWindowAttention, "swa", "1.1.0", "infercost examples",
                 "sliding-window attention: GQA with every layer attending to the last W tokens "
                 "(option window, default 4096)")
