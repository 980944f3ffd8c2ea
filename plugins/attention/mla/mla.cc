// Multi-head latent attention (DeepSeek-V2, arXiv:2405.04434; DeepSeek-V3): keys and values are
// compressed into one latent of kv_lora_rank (r) per token, cached with a decoupled RoPE key of
// qk_rope_head_dim (dr) shared by all heads. q_a_proj and kv_a_proj are replicated on every
// tensor-parallel shard; q_b_proj, kv_b_proj and o_proj are split by heads.
//
// Its hyper-parameters are variant options (ABI 1.1; the model preset's [variant] table, a
// config.json import or --variant-option): kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim,
// v_head_dim, q_lora_rank (0 or absent: queries not compressed) and mla_form. A host built
// against ABI 1.0 passes the ranks in the shape's MLA fields and the form in stage.mla_form.
//
// Two ways to run it (option mla_form): DECOMPRESS materialises per-head K_nope and V from the
// latent with W_UK / W_UV; ABSORBED folds W_UK into the query and W_UV into the output so that
// attention runs on the latent directly (a 576-wide "MQA" for DeepSeek-V3). DEFAULT is what
// engines do: decompress at prefill, absorbed at decode.
#include <cstdint>
#include <string>
#include <string_view>

#include "infercost/sdk/plugin.h"
#include "mla_core.h"  // the formulas (shared with dsa)

namespace {

class MultiHeadLatentAttention final : public infercost::sdk::AttentionVariant {
 public:
  static constexpr bool kThreadSafe = true;  // stateless

  void Validate(const ic_attention_shape& shape, int64_t tensor_parallel) override {
    if (IC_HAS_FIELD(&shape, ic_attention_shape, option_size)) {
      infercost::sdk::Options(shape).RejectUnknown(
          {kOptionNames[0], kOptionNames[1], kOptionNames[2], kOptionNames[3], kOptionNames[4],
           kOptionNames[5]},
          "mla");
    }
    CheckMla(shape, ParamsOf(shape, nullptr), tensor_parallel);
  }

  // The latent and the RoPE key, replicated on every shard (not divided by tensor_parallel).
  double KvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage) override {
    const MlaParams p = CheckMlaStep(shape, stage);
    return static_cast<double>(p.kv_lora_rank + p.qk_rope_head_dim) * stage.kv_bytes_per_element;
  }

  // Every layer keeps its own latent for every token; MLA has no sliding or linear layers.
  uint64_t ClassifyLayer(const ic_attention_shape& shape, const ic_layer& layer) override {
    am::RequireLayerKind(layer, "full_attention", "mla");
    return AttentionVariant::ClassifyLayer(shape, layer);
  }

  // (ABI 1.4) Every key of every token on the full-attention layers it costs (no break); a
  // window given to a layer of another kind bends where it fills, like any windowed layer.
  int64_t DecodeBreaks(const ic_attention_shape& shape, const ic_stage& stage,
                       int64_t first_context, int64_t last_context, ic_context_stairs* stairs,
                       uint64_t capacity) override {
    return am::WindowDecodeBreaks(am::LayerWindow(shape, stage), first_context, last_context,
                                  stairs, capacity);
  }

  void EmitPhases(const ic_attention_shape& shape, const ic_stage& stage,
                  const infercost::sdk::PhaseSink& sink) override {
    EmitMla(shape, stage, CheckMlaStep(shape, stage), sink);
  }
};

}  // namespace

INFERCOST_PLUGIN(MultiHeadLatentAttention, "mla", "1.1.0", "infercost",
                 "multi-head latent attention (DeepSeek-V2/V3): one compressed latent per token")
