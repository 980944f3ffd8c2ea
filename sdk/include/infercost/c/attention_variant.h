/* infercost ABI v1 — attention-variant plugins (MHA, GQA, MQA, MLA, and third-party ones).
 *
 * Given the model's attention shape and one stage (a prefill of n tokens, or a decode step at
 * context N) for a batch of sequences, an attention variant reports the attention phases of
 * ONE layer on ONE tensor-parallel shard into a sink, and the KV-cache bytes per token.
 *
 *   const ic_attention_variant_table* t = plugin->kind_table;
 *   ic_error* err = t->emit_phases(instance, &shape, &stage, &sink);
 *
 * Phases a variant emits: q_proj, k_proj, v_proj, qk_scores, softmax, attn_v, o_proj (MLA:
 * q_a_proj, q_b_proj, kv_a_proj, kv_b_proj instead of q/k/v_proj). The variant reports the
 * algorithmic traffic (K and V read once per step, no materialised scores); the attention
 * kernel plugin then rewrites the score/softmax/attn_v traffic.
 *
 * ABI 1.1 opens the contract (see sdk/ABI.md, "Attention variants in 1.1"):
 *   - shape->options: the variant's own hyper-parameters as named values (MLA's ranks, a
 *     window, an indexer's top-k ...), which it validates itself;
 *   - stage->layer / classify_layer: the layer being costed (index, count, the kind from the
 *     model's layer pattern); layers the variant puts in different classes are costed apart, so
 *     "K/V on every other layer" is exact;
 *   - kv_state_bytes: the bytes one sequence keeps in a layer at a context (full, windowed,
 *     shared with another layer, latent, or a constant recurrent state); the host uses it for
 *     memory and capacity.
 */
#ifndef INFERCOST_C_ATTENTION_VARIANT_H_
#define INFERCOST_C_ATTENTION_VARIANT_H_

#include <stddef.h>
#include <stdint.h>

#include "infercost/c/abi.h"
#include "infercost/c/dtype.h"
#include "infercost/c/phase.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  IC_ATTENTION_FLAG_QKV_BIAS = 1u << 0, /* q/k/v projections carry a bias vector */
  IC_ATTENTION_FLAG_O_BIAS = 1u << 1    /* o projection carries a bias vector */
};

/* The model's attention hyper-parameters (unsharded). Zero means "not used". */
typedef struct ic_attention_shape {
  uint32_t struct_size;
  uint32_t flags;           /* IC_ATTENTION_FLAG_* */
  int64_t hidden_size;      /* d */
  int64_t num_heads;        /* H_q */
  int64_t num_kv_heads;     /* H_kv as configured (a variant may override: MHA uses H_q) */
  int64_t head_dim;         /* q/k head dim (MLA: nope + rope) */
  int64_t v_head_dim;       /* value head dim (usually = head_dim) */
  int64_t q_lora_rank;      /* MLA; 0 = queries not compressed */
  int64_t kv_lora_rank;     /* MLA latent rank */
  int64_t qk_nope_head_dim; /* MLA */
  int64_t qk_rope_head_dim; /* MLA decoupled RoPE dim (cached beside the latent) */
  int64_t sliding_window;   /* the model's window (tokens a query may attend to); 0 = none */
  /* ---- 1.1: read only when IC_HAS_FIELD(shape, ic_attention_shape, field) ---- */
  /* The variant's hyper-parameters and options. Element i is at
   * (const char*)options + i * option_size; read fields past option_size with IC_HAS_FIELD. A
   * 1.1 host leaves the 1.0 MLA fields above 0 for 1.1 variants: MLA reads its ranks here. */
  const ic_option* options;
  uint64_t option_count;
  uint64_t option_size;
  int64_t num_layers; /* layers in the model */
} ic_attention_shape;

/* (1.1) One layer of the model, as the host asks a variant about it. */
typedef struct ic_layer {
  uint32_t struct_size;
  uint32_t reserved;
  int64_t index; /* 0-based */
  int64_t count; /* layers in the model */
  /* The model's layer pattern entry for this layer, e.g. "full_attention", "sliding_attention",
   * "linear_attention"; empty when the model declares no pattern. */
  ic_string kind;
} ic_layer;

typedef int32_t ic_stage_kind;
enum { IC_STAGE_PREFILL = 0, IC_STAGE_DECODE = 1 };

/* ABI 1.0's MLA form. A 1.1 host passes it as the variant option "mla_form" (a string) and
 * sets this field only for variants built against 1.0. */
typedef int32_t ic_mla_form;
enum {
  IC_MLA_FORM_DEFAULT = 0,    /* what engines do: decompress at prefill, absorbed at decode */
  IC_MLA_FORM_DECOMPRESS = 1, /* materialise per-head K/V from the latent */
  IC_MLA_FORM_ABSORBED = 2    /* fold W_UK into the query and W_UV into the output */
};

/* One forward step. For each of `batch` sequences the step processes `query_tokens` new tokens
 * and attention spans `context_tokens` tokens in total (those new tokens included):
 *   prefill of n tokens: query_tokens = n, context_tokens = n (causal)
 *   decode step at context N: query_tokens = 1, context_tokens = N */
typedef struct ic_stage {
  uint32_t struct_size;
  ic_stage_kind kind;
  int64_t batch;
  int64_t query_tokens;
  int64_t context_tokens;
  ic_dtype weight_dtype;
  ic_dtype activation_dtype;
  ic_dtype kv_dtype;
  ic_mla_form mla_form;
  double weight_bytes_per_element;
  double activation_bytes_per_element;
  double kv_bytes_per_element;
  int64_t tensor_parallel; /* number of shards heads are split over (1 = unsharded) */
  /* ---- 1.1 ---- */
  const ic_layer* layer; /* the layer being costed (a representative of its class) */
} ic_stage;

/* (1.4) A regular staircase of breaks in the context: break i (i = 0 .. count - 1) is at context
 * `first + i * period`, the first context of a new stair. Between two consecutive breaks (of any
 * staircase) a variant's decode records are affine in the context (and a kernel's rewrite
 * keeps records affine in the context so); across one staircase they are affine in the context
 * and in the number of that staircase's breaks passed: every break of one staircase changes
 * them by the same amount and keeps their slope. A staircase of one break may also change the
 * slope (a window that fills up): declare such a bend as a staircase of its own. A host checks
 * a declaration on a step or two of the sums it makes with it (infercost-conformance samples
 * it): one that is not true may give a wrong sum. */
typedef struct ic_context_stairs {
  int64_t first;  /* context of the first break */
  int64_t period; /* contexts from one break to the next, >= 1 */
  int64_t count;  /* breaks, >= 1 */
} ic_context_stairs;

/* decode_breaks writes this count when it cannot tell (the host then finds the breaks itself). */
#define IC_BREAKS_UNKNOWN (-1)

typedef struct ic_attention_variant_table {
  uint32_t struct_size;
  uint32_t reserved;
  /* Checks that the shape suits this variant on `tensor_parallel` shards (e.g. heads divisible
   * by the KV heads, by the shard count); an INVALID_ARGUMENT error says what to change. */
  ic_error* (*validate)(void* instance, const ic_attention_shape* shape, int64_t tensor_parallel);
  /* KV-cache bytes one token adds to ONE layer on ONE shard, at stage->kv_bytes_per_element. */
  ic_error* (*kv_cache_bytes_per_token)(void* instance, const ic_attention_shape* shape,
                                        const ic_stage* stage, double* bytes);
  /* Emits the attention phases of one layer on one shard for the whole batch of the stage. */
  ic_error* (*emit_phases)(void* instance, const ic_attention_shape* shape, const ic_stage* stage,
                           const ic_phase_sink* sink);
  /* ---- 1.1: used only when IC_HAS_FIELD says the table holds them and they are non-NULL ---- */
  /* Puts `layer` in a class: layers of one class have the same phases and state at every
   * stage, so the host costs one of them and multiplies. Also where a variant rejects a layer
   * it cannot cost (e.g. a "sliding_attention" layer without a window). Without it the host
   * groups layers by their kind. */
  ic_error* (*classify_layer)(void* instance, const ic_attention_shape* shape,
                              const ic_layer* layer, uint64_t* layer_class);
  /* Bytes ONE sequence keeps in the layer stage->layer on one shard once it holds
   * stage->context_tokens tokens (stage->batch = 1, query_tokens = 1): K/V of every token, of
   * the last window, 0 for a layer that reads another layer's cache, a latent, or a constant
   * recurrent state. The host's memory, capacity and KV meters use it. Without it the host
   * takes kv_cache_bytes_per_token x context (x min(context, window) on a windowed layer, the
   * 1.0 rule). */
  ic_error* (*kv_state_bytes)(void* instance, const ic_attention_shape* shape,
                              const ic_stage* stage, double* bytes);
  /* ---- 1.4: used when IC_HAS_FIELD says the table holds it and it is non-NULL ---- */
  /* Where the phases of decode steps like `stage` (query_tokens 1; its context_tokens ignored)
   * stop being affine in the context, for contexts in [first_context, last_context]: the
   * staircases holding every break there (a window filling up: one break at window + 1; KV
   * read in pages: one every page), at most `capacity` of them written to `stairs` and their
   * number to *count (more than `capacity`: the host finds them itself; 0: affine throughout;
   * IC_BREAKS_UNKNOWN: cannot tell). Breaks outside the range may be included. */
  ic_error* (*decode_breaks)(void* instance, const ic_attention_shape* shape, const ic_stage* stage,
                             int64_t first_context, int64_t last_context, ic_context_stairs* stairs,
                             uint64_t capacity, int64_t* count);
} ic_attention_variant_table;

IC_STATIC_ASSERT(offsetof(ic_attention_shape, sliding_window) + 8 == 88, "ic_attention_shape v1.0");
IC_STATIC_ASSERT(offsetof(ic_attention_shape, sliding_window) == 80, "ic_attention_shape v1.0");
IC_STATIC_ASSERT(offsetof(ic_stage, tensor_parallel) + 8 == 80, "ic_stage v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_stage, weight_dtype) == 32, "ic_stage v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_stage, weight_bytes_per_element) == 48, "ic_stage v1.0 layout");
IC_STATIC_ASSERT(offsetof(ic_stage, tensor_parallel) == 72, "ic_stage v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_attention_variant_table, emit_phases) + 8 == 32, "variant table v1.0");
IC_STATIC_ASSERT(offsetof(ic_attention_variant_table, emit_phases) == 24, "variant table v1.0");
#define IC_ATTENTION_SHAPE_V1_0_SIZE 88u
#define IC_STAGE_V1_0_SIZE 80u
#define IC_ATTENTION_VARIANT_TABLE_V1_0_SIZE 32u

/* ---- v1.1 additions, frozen ---- */
IC_STATIC_ASSERT(offsetof(ic_attention_shape, options) == 88, "ic_attention_shape v1.1 layout");
IC_STATIC_ASSERT(sizeof(ic_attention_shape) == 120, "ic_attention_shape v1.1 layout is frozen");
IC_STATIC_ASSERT(sizeof(ic_layer) == 40, "ic_layer v1.1 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_layer, kind) == 24, "ic_layer v1.1 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_stage, layer) == 80, "ic_stage v1.1 layout is frozen");
IC_STATIC_ASSERT(sizeof(ic_stage) == 88, "ic_stage v1.1 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_attention_variant_table, classify_layer) == 32, "variant table v1.1");
IC_STATIC_ASSERT(offsetof(ic_attention_variant_table, kv_state_bytes) == 40, "variant table v1.1");

/* ---- v1.4 additions, frozen ---- */
IC_STATIC_ASSERT(offsetof(ic_attention_variant_table, decode_breaks) == 48, "variant table v1.4");
IC_STATIC_ASSERT(sizeof(ic_attention_variant_table) == 56, "variant table v1.4 is frozen");
IC_STATIC_ASSERT(sizeof(ic_context_stairs) == 24, "ic_context_stairs v1.4 layout is frozen");

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INFERCOST_C_ATTENTION_VARIANT_H_ */
