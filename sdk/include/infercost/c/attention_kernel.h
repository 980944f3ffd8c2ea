/* infercost ABI v1 — attention-kernel plugins (naive, flash, and third-party ones).
 *
 * A kernel decides how the score/softmax/attn-V phases move data through HBM: naive writes the
 * scores matrix and reads it back; flash tiles it in on-chip memory and re-reads K/V per query
 * tile. It rewrites, in place, the traffic fields of the phases an attention variant emitted.
 * FLOPs must not change; only byte fields may.
 *
 *   const ic_attention_kernel_table* t = plugin->kind_table;
 *   ic_error* err = t->rewrite_phases(instance, &shape, &stage, &device, phases, count,
 *                                     sizeof(ic_phase_cost));
 *
 * (1.4) A kernel may also say where its rewrite of decode steps stops being affine in the context
 * (flash-decoding's split count steps every 256 keys), so that a host summing the steps of a
 * generation in closed form evaluates a regular staircase a few times instead of every stair:
 *
 *   ic_context_stairs stairs[4]; int64_t count;
 *   t->decode_breaks(instance, &shape, &stage, &device, 501, 100500, stairs, 4, &count);
 */
#ifndef INFERCOST_C_ATTENTION_KERNEL_H_
#define INFERCOST_C_ATTENTION_KERNEL_H_

#include <stddef.h>
#include <stdint.h>

#include "infercost/c/abi.h"
#include "infercost/c/attention_variant.h"
#include "infercost/c/phase.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a kernel needs to know of the device it runs on. */
typedef struct ic_kernel_device {
  uint32_t struct_size;
  uint32_t reserved;
  double onchip_memory_bytes; /* shared memory / SRAM over all compute units */
  double l2_cache_bytes;
  int64_t compute_units; /* SMs / CUs; 0 if unknown */
} ic_kernel_device;

typedef struct ic_attention_kernel_table {
  uint32_t struct_size;
  uint32_t reserved;
  /* Rewrites kv_read_bytes / kv_write_bytes / activation_bytes of `phases` (one layer, one
   * shard, as emitted by the variant for `stage`). Phases it does not handle stay unchanged.
   * The records are IC_PHASE_COST_V1_0_SIZE bytes apart (the 1.0 layout; since 1.2 a host packs
   * its larger records to that size for this call). */
  ic_error* (*rewrite_traffic)(void* instance, const ic_attention_shape* shape,
                               const ic_stage* stage, const ic_kernel_device* device,
                               ic_phase_cost* phases, uint64_t phase_count);
  /* ---- 1.1: used when IC_HAS_FIELD says the table holds it and it is non-NULL ---- */
  /* rewrite_traffic with the element size of `phases`: record i is at
   * (char*)phases + i * phase_size, and its own struct_size says which fields it holds. A 1.1
   * host calls this instead of rewrite_traffic. */
  ic_error* (*rewrite_phases)(void* instance, const ic_attention_shape* shape,
                              const ic_stage* stage, const ic_kernel_device* device,
                              ic_phase_cost* phases, uint64_t phase_count, uint64_t phase_size);
  /* ---- 1.4: used when IC_HAS_FIELD says the table holds it and it is non-NULL ---- */
  /* Where the rewrite of decode steps like `stage` (query_tokens 1; its context_tokens ignored)
   * stops being affine for contexts in [first_context, last_context]: the staircases holding
   * every break in that range, at most `capacity` of them written to `stairs`, and their number
   * to *count (more than `capacity`: the host finds the breaks itself; 0: affine over the whole
   * range; IC_BREAKS_UNKNOWN: the kernel cannot tell). Breaks outside the range may be included.
   * A host checks the claim no further than the sums it makes with it: a staircase that is not
   * true gives wrong sums (the conformance runner samples it). */
  ic_error* (*decode_breaks)(void* instance, const ic_attention_shape* shape, const ic_stage* stage,
                             const ic_kernel_device* device, int64_t first_context,
                             int64_t last_context, ic_context_stairs* stairs, uint64_t capacity,
                             int64_t* count);
} ic_attention_kernel_table;

IC_STATIC_ASSERT(sizeof(ic_kernel_device) == 32, "ic_kernel_device v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_attention_kernel_table, rewrite_traffic) == 8, "kernel table v1.0");
#define IC_ATTENTION_KERNEL_TABLE_V1_0_SIZE 16u
IC_STATIC_ASSERT(offsetof(ic_attention_kernel_table, rewrite_phases) == 16, "kernel table v1.1");
IC_STATIC_ASSERT(offsetof(ic_attention_kernel_table, decode_breaks) == 24, "kernel table v1.4");
IC_STATIC_ASSERT(sizeof(ic_attention_kernel_table) == 32, "attention kernel table v1.4");

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INFERCOST_C_ATTENTION_KERNEL_H_ */
