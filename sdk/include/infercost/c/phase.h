/* infercost ABI v1 — phases, the per-phase cost record and the sink plugins write into.
 *
 * A phase is one step of a layer (q_proj, qk_scores, ffn_down, ...) identified by a stable id.
 * Its cost record carries params, matrix FLOPs (tensor-core work), vector FLOPs (element-wise
 * work), bytes by kind of traffic, and the matmul shape M x N x K (times gemm_count) so a
 * hardware plugin can judge efficiency. Plugins report ONE layer; the host multiplies by the
 * number of layers of that kind.
 *
 *   ic_phase_cost c = {0}; c.struct_size = sizeof c; c.phase = IC_PHASE_Q_PROJ; ...
 *   ic_error* err = sink->emit(sink->context, &c);   // return err if non-NULL
 */
#ifndef INFERCOST_C_PHASE_H_
#define INFERCOST_C_PHASE_H_

#include <stddef.h>
#include <stdint.h>

#include "infercost/c/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Phase ids. Append-only: a value never changes meaning. Names are the snake_case of the id
 * without the IC_PHASE_ prefix (IC_PHASE_QK_SCORES -> "qk_scores"). */
typedef int32_t ic_phase_id;
enum {
  IC_PHASE_TOKEN_IDS = 0,
  IC_PHASE_EMBEDDING = 1,
  IC_PHASE_ATTN_NORM = 2,
  IC_PHASE_Q_PROJ = 3,
  IC_PHASE_K_PROJ = 4,
  IC_PHASE_V_PROJ = 5,
  IC_PHASE_QK_SCORES = 6,
  IC_PHASE_SOFTMAX = 7,
  IC_PHASE_ATTN_V = 8,
  IC_PHASE_O_PROJ = 9,
  IC_PHASE_FFN_NORM = 10,
  IC_PHASE_FFN_GATE = 11,
  IC_PHASE_FFN_UP = 12,
  IC_PHASE_FFN_ACT = 13,
  IC_PHASE_FFN_DOWN = 14,
  IC_PHASE_FINAL_NORM = 15,
  IC_PHASE_LM_HEAD = 16,
  IC_PHASE_SAMPLING = 17,
  IC_PHASE_Q_A_PROJ = 18,  /* MLA: d -> q_lora_rank */
  IC_PHASE_Q_B_PROJ = 19,  /* MLA: q_lora_rank -> H * (nope + rope) */
  IC_PHASE_KV_A_PROJ = 20, /* MLA: d -> kv_lora_rank + rope (the cached latent) */
  IC_PHASE_KV_B_PROJ = 21, /* MLA: kv_lora_rank -> H * (nope + v) */
  IC_PHASE_MOE_ROUTER = 22,
  IC_PHASE_MOE_EXPERTS = 23,
  IC_PHASE_MOE_SHARED_EXPERTS = 24,
  IC_PHASE_ATTN_ALL_REDUCE = 25, /* TP all-reduce after attention */
  IC_PHASE_FFN_ALL_REDUCE = 26,  /* TP all-reduce after the FFN */
  IC_PHASE_PP_SEND_RECV = 27,    /* pipeline-parallel activation hand-off */
  IC_PHASE_EP_DISPATCH = 28,     /* expert-parallel all-to-all dispatch */
  IC_PHASE_EP_COMBINE = 29,      /* expert-parallel all-to-all combine */
  IC_PHASE_COUNT_V1 = 30,
  /* ---- 1.1: linear attention (Gated DeltaNet) and sparse attention (DSA's indexer) ---- */
  IC_PHASE_LINEAR_IN_PROJ = 30, /* linear attention: fused q/k/v/gate (+ beta/alpha) projection */
  IC_PHASE_SHORT_CONV = 31,     /* causal depthwise convolution over the projected channels */
  IC_PHASE_STATE_UPDATE = 32,   /* recurrent state: read, decay + delta-rule update, output */
  IC_PHASE_OUTPUT_GATE = 33,    /* gated norm / output gate before o_proj */
  IC_PHASE_INDEXER_PROJ = 34,   /* sparse attention's indexer: its queries, keys, head weights */
  IC_PHASE_INDEXER_SCORES = 35, /* indexer scores over every cached token, then top-k select */
  IC_PHASE_COUNT_V1_1 = 36
};

typedef int32_t ic_section;
enum {
  IC_SECTION_VOCABULARY = 0,
  IC_SECTION_NORM = 1,
  IC_SECTION_ATTENTION = 2,
  IC_SECTION_FFN = 3,
  IC_SECTION_COMMUNICATION = 4
};

/* The cost of one phase for one layer (or once per model for vocabulary phases), for the whole
 * batch of one step. All byte counts are HBM traffic. Non-negative, finite. */
typedef struct ic_phase_cost {
  uint32_t struct_size;
  ic_phase_id phase;
  double params;           /* parameters the phase owns */
  double matrix_flops;     /* multiply-add counted as 2, on matrix units */
  double vector_flops;     /* element-wise work on vector units */
  double weight_bytes;     /* weights read */
  double kv_read_bytes;    /* KV cache read */
  double kv_write_bytes;   /* KV cache written */
  double activation_bytes; /* activations read + written (incl. materialised scores) */
  double comm_bytes;       /* bytes each GPU sends in collectives */
  int64_t gemm_m;          /* matmul shape: M x K times K x N ... */
  int64_t gemm_n;
  int64_t gemm_k;
  int64_t gemm_count; /* ... repeated gemm_count times (e.g. batch x heads); 0 if no matmul */
  /* ---- 1.2 ---- */
  /* How many GPUs of the tensor-parallel group hold this record's weights identically (a
   * replicated weight): 1 (or 0, a 1.0/1.1 record) when each GPU holds its own shard; the
   * group's size for a weight every GPU keeps whole (a norm, MLA's latent projection); group /
   * kv_heads for K/V projections of heads several GPUs keep a replica of. The host derives the
   * whole model's meters from one GPU's records summed over the group: params and weight_bytes
   * x tensor_parallel / weight_copies (each distinct weight once), every other field (the work
   * each GPU does) x tensor_parallel. */
  double weight_copies;
} ic_phase_cost;

/* The frozen ABI 1.0 / 1.1 size of ic_phase_cost (what a 1.0 or 1.1 plugin emits). */
#define IC_PHASE_COST_V1_0_SIZE 104u

/* Where a plugin writes its phases. The host validates each record and may return an error
 * (e.g. a NaN field); the plugin must then stop and return that error unchanged. */
typedef struct ic_phase_sink {
  uint32_t struct_size;
  uint32_t reserved;
  void* context;
  ic_error* (*emit)(void* context, const ic_phase_cost* cost);
} ic_phase_sink;

IC_STATIC_ASSERT(offsetof(ic_phase_cost, weight_copies) == IC_PHASE_COST_V1_0_SIZE,
                 "ic_phase_cost v1.2 appends after the frozen v1.0 layout");
IC_STATIC_ASSERT(sizeof(ic_phase_cost) == 112, "ic_phase_cost v1.2 layout");
/* A host older than 1.1 rejects the 1.1 phase ids as unknown: a plugin that emits them needs a
 * 1.1 host (check host->abi_minor at initialize). */
IC_STATIC_ASSERT(offsetof(ic_phase_cost, params) == 8, "ic_phase_cost v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_phase_cost, comm_bytes) == 64, "ic_phase_cost v1.0 layout");
IC_STATIC_ASSERT(offsetof(ic_phase_cost, gemm_m) == 72, "ic_phase_cost v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_phase_cost, gemm_count) == 96, "ic_phase_cost v1.0 layout");
IC_STATIC_ASSERT(sizeof(ic_phase_sink) == 24, "ic_phase_sink v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_phase_sink, emit) == 16, "ic_phase_sink v1.0 layout is frozen");

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INFERCOST_C_PHASE_H_ */
