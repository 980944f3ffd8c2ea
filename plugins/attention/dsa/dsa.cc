// DeepSeek Sparse Attention (DeepSeek-V3.2, GLM-5): multi-head latent attention whose main
// attention reads only the index_topk tokens a lightweight "lightning indexer" selects. The
// indexer scores every cached token with its own small heads and keeps one low-precision key
// per token beside the MLA latent.
//
// Options (ABI 1.1): MLA's (kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim, v_head_dim,
// q_lora_rank, mla_form; see mla_core.h) and the indexer's, config.json names:
//   index_n_heads Hi (64), index_head_dim di (128), index_topk k (2048),
//   index_key_bytes (bytes one token's indexer key takes in the cache; default di + 4: fp8 values
//   and one fp32 scale, 132 B as DeepSeek's reference, vLLM and SGLang store it).
//
// One layer on one tensor-parallel shard, whole batch (T tokens, context C, q new tokens per
// sequence). The indexer is replicated on every shard (its weights are small). Sources:
// DeepSeek-V3.2-Exp inference/model.py (Indexer), vLLM deepseek_v2.py / indexer, SGLang nsa.
//   indexer_proj    wq_b (q_lora_rank -> Hi·di, from MLA's query latent), wk (d -> di), k_norm
//                   (LayerNorm, 2·di), weights_proj (d -> Hi): params
//                   q_in·Hi·di + d·di + 2·di + d·Hi; 2·T·(q_in·Hi·di + d·di + d·Hi) matrix
//                   FLOPs; writes T·index_key_bytes to the cache
//   indexer_scores  every query scores every cached token it may see (causal pairs P): 2·Hi·di
//                   matrix FLOPs per pair, 3·Hi + 1 vector FLOPs per pair (ReLU, weight, sum)
//                   plus 1 per pair for the top-k selection; reads every cached key once per
//                   step (B·C·index_key_bytes) — linear in C
//   MLA phases      as mla over at most k keys per query: the causal pairs are sum_p min(p, k)
//                   and a decode step reads min(C, k) cached latents (a window of k tokens in
//                   count, chosen anywhere in the context)
// KV per token: MLA's latent and RoPE key, plus the indexer key.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "infercost/sdk/plugin.h"
#include "mla_core.h"  // MLA's formulas, shared with the mla plugin

namespace {

struct Indexer {
  int64_t heads;     // Hi
  int64_t head_dim;  // di
  int64_t topk;      // k
  double key_bytes;  // per token
};

Indexer IndexerOf(const ic_attention_shape& shape) {
  const infercost::sdk::Options options(shape);
  Indexer x{};
  x.heads = options.Int("index_n_heads");
  x.head_dim = options.Int("index_head_dim");
  x.topk = options.Int("index_topk");
  x.key_bytes =
      options.Float("index_key_bytes", static_cast<double>(x.head_dim) + 4);  // fp8 + scale
  constexpr int64_t kMax = int64_t{1} << 24;
  for (const auto& [name, value] :
       {std::pair{"index_n_heads", x.heads}, std::pair{"index_head_dim", x.head_dim},
        std::pair{"index_topk", x.topk}}) {
    am::RequireAtMost(name, value, kMax);
  }
  if (!(x.key_bytes >= 0 && x.key_bytes <= 1e6)) {
    am::RejectArgument("index_key_bytes = " + am::FormatNumber(x.key_bytes) +
                       " must be in [0, 1e6]");
  }
  return x;
}

class DeepSeekSparseAttention final : public infercost::sdk::AttentionVariant {
 public:
  static constexpr bool kThreadSafe = true;  // stateless

  void Validate(const ic_attention_shape& shape, int64_t tensor_parallel) override {
    infercost::sdk::Options(shape).RejectUnknown(
        {"q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim",
         "mla_form", "index_n_heads", "index_head_dim", "index_topk", "index_key_bytes"},
        "dsa");
    if (!IC_HAS_FIELD(&shape, ic_attention_shape, option_size)) {
      am::RejectArgument("dsa needs an ABI 1.1 host: its indexer's sizes are variant options");
    }
    CheckMla(shape, ParamsOf(shape, nullptr), tensor_parallel);
    IndexerOf(shape);
  }

  uint64_t ClassifyLayer(const ic_attention_shape& shape, const ic_layer& layer) override {
    am::RequireLayerKind(layer, "full_attention", "dsa");
    return AttentionVariant::ClassifyLayer(shape, layer);
  }

  // MLA's latent and RoPE key (at the KV dtype, replicated per shard) plus the indexer key.
  double KvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage) override {
    const MlaParams p = CheckMlaStep(shape, stage);
    return static_cast<double>(p.kv_lora_rank + p.qk_rope_head_dim) * stage.kv_bytes_per_element +
           IndexerOf(shape).key_bytes;
  }

  void EmitPhases(const ic_attention_shape& shape, const ic_stage& stage,
                  const infercost::sdk::PhaseSink& sink) override {
    const MlaParams p = CheckMlaStep(shape, stage);
    const Indexer x = IndexerOf(shape);
    EmitIndexer(shape, stage, p, x, sink);
    // The main attention: MLA over at most k selected keys per query, counted like a window of
    // k tokens (the layer's kind plays no part).
    ic_attention_shape sparse = shape;
    sparse.sliding_window = x.topk;
    ic_stage any_layer = stage;
    any_layer.layer = nullptr;
    EmitMla(sparse, any_layer, p, sink);
  }

 private:
  static void EmitIndexer(const ic_attention_shape& shape, const ic_stage& stage,
                          const MlaParams& p, const Indexer& x,
                          const infercost::sdk::PhaseSink& sink) {
    const double ab = stage.activation_bytes_per_element;
    const double wb = stage.weight_bytes_per_element;
    const double batch = static_cast<double>(stage.batch);
    const double tokens = batch * static_cast<double>(stage.query_tokens);
    const double d = static_cast<double>(shape.hidden_size);
    const double q_in = static_cast<double>(p.q_lora_rank > 0 ? p.q_lora_rank : shape.hidden_size);
    const double hi = static_cast<double>(x.heads);
    const double di = static_cast<double>(x.head_dim);

    ic_phase_cost proj = infercost::sdk::MakePhaseCost(IC_PHASE_INDEXER_PROJ);
    const double matmul_params = q_in * hi * di + d * di + d * hi;
    proj.params = matmul_params + 2 * di;  // + k_norm weight and bias
    proj.weight_bytes = proj.params * wb;
    infercost::sdk::SetGemm(proj, tokens, hi * di, q_in);  // the largest of the three
    proj.matrix_flops = 2 * tokens * matmul_params;
    proj.vector_flops = 5 * tokens * di;  // LayerNorm of the key
    proj.activation_bytes = tokens * (q_in + d) * ab + tokens * (hi * di + hi) * ab;
    proj.kv_write_bytes = tokens * x.key_bytes;
    proj.weight_copies = static_cast<double>(stage.tensor_parallel);  // weights on every shard
    sink.Emit(proj);

    const double pairs =
        am::CausalAttentionPairs(stage.query_tokens, stage.context_tokens, 0);  // per sequence
    ic_phase_cost scores = infercost::sdk::MakePhaseCost(IC_PHASE_INDEXER_SCORES);
    infercost::sdk::SetGemm(scores, static_cast<double>(stage.query_tokens) * hi,
                            static_cast<double>(stage.context_tokens), di, batch);
    scores.matrix_flops = 2 * batch * pairs * hi * di;
    scores.vector_flops = batch * pairs * (3 * hi + 1 + 1);  // ReLU, weight, sum; top-k compare
    scores.kv_read_bytes = batch * static_cast<double>(stage.context_tokens) * x.key_bytes;
    const double selected = static_cast<double>(std::min(stage.context_tokens, x.topk));
    scores.activation_bytes = tokens * (hi * di + hi) * ab + tokens * selected * 4;  // indices
    sink.Emit(scores);
  }
};

}  // namespace

INFERCOST_PLUGIN(DeepSeekSparseAttention, "dsa", "1.1.0", "infercost",
                 "DeepSeek Sparse Attention: MLA whose main attention reads the index_topk tokens "
                 "a lightning indexer selects from every cached token")
