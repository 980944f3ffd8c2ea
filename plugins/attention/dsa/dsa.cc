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
//                   FLOPs; RoPE, Hadamard rotations and fp8 quantisation of q and k; writes
//                   T·index_key_bytes to the cache. Nine records, one per kernel (EmitIndexer)
//   indexer_scores  every query scores every cached token it may see (causal pairs P): 2·Hi·di
//                   matrix FLOPs per pair, 3·Hi vector FLOPs per pair (ReLU, weight, sum) and
//                   fp32 logits written; then the top-k selection reads them (1 per pair).
//                   Reads every cached key once per step (B·C·index_key_bytes) — linear in C.
//                   Two records: the logits kernel and the top-k kernel
//   MLA phases      as mla over at most k keys per query: the causal pairs are sum_p min(p, k)
//                   and a decode step reads min(C, k) cached latents (a window of k tokens in
//                   count, chosen anywhere in the context)
// KV per token: MLA's latent and RoPE key, plus the indexer key.
#include <algorithm>
#include <cmath>
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

  // (ABI 1.4) The indexer scores every key (affine in the context); the main attention reads
  // min(context, k) keys: one break where the context passes index_topk.
  int64_t DecodeBreaks(const ic_attention_shape& shape, const ic_stage& stage,
                       int64_t first_context, int64_t last_context, ic_context_stairs* stairs,
                       uint64_t capacity) override {
    CheckMlaStep(shape, stage);
    return am::WindowDecodeBreaks(IndexerOf(shape).topk, first_context, last_context, stairs,
                                  capacity);
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
  // The indexer as the kernels it runs, one record each (each record is one kernel to the
  // timing model: its roofline time plus the engine's kernel_overhead_s). The order and split
  // are DeepSeek-V3.2-Exp's reference Indexer.forward and SGLang's Indexer.forward_cuda
  // (python/sglang/srt/layers/attention/nsa/nsa_indexer.py @005e8bf8: _get_q_k_bf16, act_quant,
  // set_index_k_scale_buffer, _get_topk_paged): every step is its own op on the previous one's
  // output. T = batch x query tokens, r = qk_rope_head_dim (the indexer ropes its first r dims).
  //   1 wq_b          GEMM T x Hi*di x q_in
  //   2 wk            GEMM T x di x d
  //   3 weights_proj  GEMM T x Hi x d, then x n_heads^-1/2 x q_scale x softmax scale (2 / weight)
  //   4 k_norm        LayerNorm of T x di (weight and bias 2*di; 5 FLOPs per element)
  //   5 RoPE          q and k rope parts, T x (Hi + 1) x r elements, 3 FLOPs each
  //   6 Hadamard q    T x Hi vectors of di: di * log2(di) adds each (rotate_activation)
  //   7 Hadamard k    T vectors of di
  //   8 fp8 quant q   T x Hi x di: amax + scale, 2 FLOPs per element; writes fp8 + fp32 scales
  //   9 fp8 quant k   T x di, 2 FLOPs per element; writes the key to the cache (key_bytes)
  //  10 logits        every query x every key it may see (causal pairs P per sequence):
  //                   2*Hi*di matrix FLOPs per pair, 3*Hi vector FLOPs per pair (ReLU, weight,
  //                   sum over heads); reads every cached key once per step (B*C*key_bytes);
  //                   writes the fp32 logits (4 B per pair)
  //  11 top-k         reads the logits, one compare per pair, writes min(C, k) int32 indices
  //                   per query
  // Records 1-9 are IC_PHASE_INDEXER_PROJ, 10-11 IC_PHASE_INDEXER_SCORES.
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
    const double rope = static_cast<double>(std::min(p.qk_rope_head_dim, x.head_dim));
    const double copies = static_cast<double>(stage.tensor_parallel);  // weights on every shard

    // A projection of T tokens from k to n features; reads its input, writes its output.
    const auto projection = [&](double n, double k) {
      ic_phase_cost c = infercost::sdk::MakePhaseCost(IC_PHASE_INDEXER_PROJ);
      infercost::sdk::SetGemm(c, tokens, n, k);
      c.params = n * k;
      c.weight_bytes = c.params * wb;
      c.activation_bytes = tokens * (k + n) * ab;
      c.weight_copies = copies;
      return c;
    };
    // An element-wise kernel over `elements` activations: reads and writes each once.
    const auto elementwise = [&](double elements, double flops_per_element) {
      ic_phase_cost c = infercost::sdk::MakePhaseCost(IC_PHASE_INDEXER_PROJ);
      c.vector_flops = elements * flops_per_element;
      c.activation_bytes = 2 * elements * ab;
      return c;
    };

    sink.Emit(projection(hi * di, q_in));    // 1 wq_b
    sink.Emit(projection(di, d));            // 2 wk
    ic_phase_cost gate = projection(hi, d);  // 3 weights_proj and its scaling
    gate.vector_flops = 2 * tokens * hi;
    sink.Emit(gate);
    ic_phase_cost norm = elementwise(tokens * di, 5);  // 4 k_norm
    norm.params = 2 * di;
    norm.weight_bytes = norm.params * wb;
    norm.weight_copies = copies;
    sink.Emit(norm);
    sink.Emit(elementwise(tokens * (hi + 1) * rope, 3));      // 5 RoPE, q and k
    sink.Emit(elementwise(tokens * hi * di, std::log2(di)));  // 6 Hadamard q
    sink.Emit(elementwise(tokens * di, std::log2(di)));       // 7 Hadamard k
    ic_phase_cost quant_q = infercost::sdk::MakePhaseCost(IC_PHASE_INDEXER_PROJ);  // 8
    quant_q.vector_flops = 2 * tokens * hi * di;
    quant_q.activation_bytes = tokens * hi * di * ab + tokens * hi * (di + 4);  // fp8 + scale
    sink.Emit(quant_q);
    ic_phase_cost quant_k = infercost::sdk::MakePhaseCost(IC_PHASE_INDEXER_PROJ);  // 9
    quant_k.vector_flops = 2 * tokens * di;
    quant_k.activation_bytes = tokens * di * ab;
    quant_k.kv_write_bytes = tokens * x.key_bytes;
    sink.Emit(quant_k);

    const double pairs =
        am::CausalAttentionPairs(stage.query_tokens, stage.context_tokens, 0);      // per sequence
    ic_phase_cost logits = infercost::sdk::MakePhaseCost(IC_PHASE_INDEXER_SCORES);  // 10
    infercost::sdk::SetGemm(logits, static_cast<double>(stage.query_tokens) * hi,
                            static_cast<double>(stage.context_tokens), di, batch);
    logits.matrix_flops = 2 * batch * pairs * hi * di;
    logits.vector_flops = batch * pairs * 3 * hi;  // ReLU, weight, sum over heads
    logits.kv_read_bytes = batch * static_cast<double>(stage.context_tokens) * x.key_bytes;
    logits.activation_bytes = tokens * hi * (di + 4) + batch * pairs * 4;  // fp8 q, weights; logits
    sink.Emit(logits);
    ic_phase_cost topk = infercost::sdk::MakePhaseCost(IC_PHASE_INDEXER_SCORES);  // 11
    const double selected = static_cast<double>(std::min(stage.context_tokens, x.topk));
    topk.vector_flops = batch * pairs;                                  // one compare per score
    topk.activation_bytes = batch * pairs * 4 + tokens * selected * 4;  // logits in, indices out
    sink.Emit(topk);
  }
};

}  // namespace

INFERCOST_PLUGIN(DeepSeekSparseAttention, "dsa", "1.1.0", "infercost",
                 "DeepSeek Sparse Attention: MLA whose main attention reads the index_topk tokens "
                 "a lightning indexer selects from every cached token")
