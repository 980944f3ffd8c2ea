// "cla": cross-layer attention (Brandon et al. 2024, "Reducing Transformer Key-Value Cache Size
// with Cross-Layer Attention", arXiv:2405.12981): adjacent layers share one KV cache.
//
// Layers are grouped in runs of G = layers_per_cache (option, default 2: "CLA2"): layer i with
// i % G == 0 computes K and V and writes them to the cache; the next G - 1 layers attend to
// that layer's K/V and have no K/V projections of their own. Attention is otherwise GQA's
// (num_kv_heads K/V heads).
//
// What each layer costs, for one layer on one tensor-parallel shard and the whole batch:
//   writer layer (i % G == 0)   q_proj, k_proj, v_proj, qk_scores, softmax, attn_v, o_proj: GQA;
//                               keeps every token's K/V (the cache its run shares)
//   reader layer (i % G != 0)   q_proj, qk_scores, softmax, attn_v, o_proj: GQA's, reading the
//                               writer's cache; no k_proj/v_proj (no params, FLOPs or KV writes);
//                               keeps nothing of its own
// With L layers there are ceil(L / G) writers, exactly: for L = 31 and G = 2, 16 writers and
// 15 readers (the last layer has no partner and writes its own cache). An average of "half a
// K/V projection per layer" would give 15.5 and misprice per-kernel overheads; ABI 1.1's layer
// classes make it exact: ClassifyLayer puts writers and readers in different classes, and the
// host costs one of each and multiplies.
//
// Options (ABI 1.1; the model preset's [variant] table or --variant-option):
//   layers_per_cache   G >= 1 (1 = plain GQA: every layer has its own cache)
#include <cstdint>
#include <string>

#include "infercost/sdk/attention_math.h"
#include "infercost/sdk/plugin.h"

namespace {

namespace am = infercost::sdk::attention_math;
using infercost::sdk::LayerOf;
using infercost::sdk::Options;

class CrossLayerAttention final : public infercost::sdk::AttentionVariant {
 public:
  // No member state: the host may call one instance from several threads.
  static constexpr bool kThreadSafe = true;

  void Validate(const ic_attention_shape& shape, int64_t tensor_parallel) override {
    Options(shape).RejectUnknown({"layers_per_cache"}, "cla");
    LayersPerCache(shape);
    am::ValidateAttentionShape(shape, tensor_parallel);
    am::ValidateKvHeadSplit(shape, shape.num_kv_heads, tensor_parallel);
  }

  // Writers and readers cost differently; within each, the layer kind decides the window.
  uint64_t ClassifyLayer(const ic_attention_shape& shape, const ic_layer& layer) override {
    am::RequireStandardLayer(shape, layer);
    const uint64_t by_kind = AttentionVariant::ClassifyLayer(shape, layer);
    return by_kind * 2 + (Writes(shape, layer) ? 0 : 1);
  }

  // A reader adds nothing to the cache: the token's K/V is its writer's.
  double KvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage) override {
    Check(shape, stage);
    if (!Writes(shape, LayerOf(stage))) return 0;
    return am::StandardKvCacheBytesPerToken(shape, stage, shape.num_kv_heads);
  }

  double KvStateBytes(const ic_attention_shape& shape, const ic_stage& stage) override {
    Check(shape, stage);
    if (!Writes(shape, LayerOf(stage))) return 0;
    return am::StandardKvStateBytes(shape, stage, shape.num_kv_heads);
  }

  void EmitPhases(const ic_attention_shape& shape, const ic_stage& stage,
                  const infercost::sdk::PhaseSink& sink) override {
    Check(shape, stage);
    const bool writes = Writes(shape, LayerOf(stage));
    for (const ic_phase_cost& cost :
         am::StandardAttentionPhases(shape, stage, shape.num_kv_heads)) {
      // A reader has no K/V projections; its scores and values read the writer's cache (the
      // same bytes GQA reads).
      if (!writes && (cost.phase == IC_PHASE_K_PROJ || cost.phase == IC_PHASE_V_PROJ)) continue;
      sink.Emit(cost);
    }
  }

 private:
  static int64_t LayersPerCache(const ic_attention_shape& shape) {
    const int64_t g = Options(shape).Int("layers_per_cache", 2, /*allow_zero=*/false);
    if (g > (int64_t{1} << 16)) {
      am::RejectArgument("layers_per_cache = " + std::to_string(g) +
                         " exceeds any layer count; use 1 .. 65536");
    }
    return g;
  }

  // The first layer of each run of G computes K/V. A host that does not say which layer it
  // costs (ABI 1.0) gets writer layers: the whole model then looks like GQA.
  static bool Writes(const ic_attention_shape& shape, const ic_layer& layer) {
    return layer.index % LayersPerCache(shape) == 0;
  }

  void Check(const ic_attention_shape& shape, const ic_stage& stage) {
    Validate(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
  }
};

}  // namespace

INFERCOST_PLUGIN(CrossLayerAttention, "cla", "1.1.0", "infercost examples",
                 "cross-layer attention: runs of layers_per_cache layers share one KV cache "
                 "(GQA heads; default 2)")
