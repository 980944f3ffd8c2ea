// How a paged-attention engine runs one decode step's attention, where the engine picks between
// two kernels and the device runs them differently (issue 12, point 2; docs/calibration.md,
// "vLLM on ROCm: the paged-attention kernel switch"). The one place for that formula: the step
// timer asks it for every decode attention record (qk_scores, attn_v) before timing it.
//
// vLLM before its V1 engine (vllm/attention/ops/paged_attn.py, 0.4-0.6) picks
//
//   use_v1 = max_seq_len <= 8192 and (max_num_partitions == 1 or num_seqs * num_heads > 512)
//
// with 512-token partitions (num_heads: query heads on one GPU). PagedAttention V2 splits each
// sequence's context into partitions processed in parallel; V1 walks a whole context in one
// workgroup. Where V1 walks more than one partition (a context V2 would have split), the device
// reaches `unsplit_efficiency` of what the engine's calibration says (vLLM of mid-2024: MI300X
// 0.45, MI250 0.33; NVIDIA: 1); with one partition the two kernels do the same work (and the
// step time stays monotone in the context). Separately, `kv_sharing` says how much of
// grouped-query attention's KV saving the device's caches deliver to this kernel: 1 = each KV
// head is read once for its group of query heads, 0 = once per query head (MI300X: its L2 is
// split per XCD and consecutive workgroups go to different XCDs).
//
// Single-block decode attention (TensorRT-LLM 0.10/0.11 with multi_block_mode off, its default
// then: tensorrt_llm/plugin/plugin.py `_multi_block_mode = False`): every (sequence, head) walks
// its whole context in one thread block, at `block_bytes_per_s` whatever the context. However
// many blocks run side by side, a step's attention cannot end before one block has streamed its
// head's keys and values: the record's time is at least
//
//   walk = (keys or values of one sequence's KV head) / block_bytes_per_s
//        = kv_read_bytes x query_heads_per_kv_head / gemm_count / block_bytes_per_s
//
// (gemm_count = sequences x query heads on this GPU). Below the SMs' capacity the blocks run in
// parallel and the walk is the whole time; with more blocks than that the device's bandwidth
// binds and the walk is shorter than the streaming time (docs/calibration.md, "TensorRT-LLM's
// fixed cost per step"). With one block per query head, `block_kv_sharing` of grouped-query
// attention's KV saving reaches this kernel (it replaces kv_sharing while the switch is on).
//
//   DecodeAttention d = DecodeAttentionOf(engine, query_heads_per_kv_head);
//   DecodeAttentionRun run = d.Run(cost);   // run.cost, run.efficiency
#ifndef INFERCOST_FRAMEWORK_TIMING_DECODE_ATTENTION_H_
#define INFERCOST_FRAMEWORK_TIMING_DECODE_ATTENTION_H_

#include <cstdint>

#include "infercost/c/hardware.h"
#include "infercost/c/phase.h"
#include "registry/engine.h"

namespace infercost::framework {

// A decode attention record as the kernel runs it: its traffic, and the fraction of the
// engine's matmul and bandwidth efficiencies the kernel reaches (1: as calibrated).
struct DecodeAttentionRun {
  ic_phase_cost cost{};
  double efficiency = 1;
  bool unsplit = false;  // the engine ran the unpartitioned kernel over > 1 partition
  // Single-block kernel: the shortest time the record can take (one block's walk; 0: none).
  double floor_s = 0;

  // `time` (the hardware plugin's for `cost`) as this kernel takes it: at least one block's
  // walk over its context, the kernel's fixed cost (overhead_s) on top as for any kernel.
  void ApplyFloor(ic_phase_time& time) const;
};

struct DecodeAttention {
  // The engine's kernel switch (0: none; the split kernel always runs).
  int64_t split_threshold = 0;         // V1 above this many sequences x query heads per GPU
  int64_t partition_tokens = 512;      // context tokens per partition of the split kernel
  int64_t split_max_context = 8192;    // V1 only up to this context (V2 beyond, whatever the batch)
  double unsplit_efficiency = 1;       // the device's V1 over a context V2 would split
  double kv_sharing = 1;               // see the banner
  double query_heads_per_kv_head = 1;  // per GPU, for the model's standard attention (else 1)
  bool single_block = false;           // one block per (sequence, head) walks the whole context
  double block_bytes_per_s = 0;        // the rate one such block streams K or V (0: no floor)
  double block_kv_sharing = 1;         // kv_sharing of the single-block kernel

  // Whether the single-block kernel runs (the switch on and a rate for this device).
  bool SingleBlock() const { return single_block && block_bytes_per_s > 0; }

  // Whether the engine runs its unpartitioned (V1) kernel for a decode step of `context` tokens
  // with `sequences_x_heads` (num_seqs x query heads on one GPU).
  bool UsesUnsplitKernel(int64_t sequences_x_heads, int64_t context) const;
  // Whether nothing here changes any record (no key set, or values that change nothing): the
  // step timer then times records exactly as before.
  bool Inert() const;
  // `cost` as this engine runs it on this device: unchanged unless it is a decode (one query
  // token) qk_scores or attn_v record.
  DecodeAttentionRun Run(const ic_phase_cost& cost) const;
};

// The engine's keys (decode_attention_*: registry/engine.h), on a device for which `engine` was
// resolved (Engine::ForHardware), and the model's query heads per KV head on one GPU.
DecodeAttention DecodeAttentionOf(const registry::Engine& engine, double query_heads_per_kv_head);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_TIMING_DECODE_ATTENTION_H_
