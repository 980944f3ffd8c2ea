#include "framework/timing/decode_attention.h"

namespace infercost::framework {

bool DecodeAttention::UsesUnsplitKernel(int64_t sequences_x_heads, int64_t context) const {
  if (split_threshold <= 0) return false;
  // vllm/attention/ops/paged_attn.py: max_num_partitions = ceil(max_seq_len / 512).
  const int64_t partitions = (context + partition_tokens - 1) / partition_tokens;
  return context <= split_max_context && (partitions == 1 || sequences_x_heads > split_threshold);
}

bool DecodeAttention::Inert() const {
  const bool slow_unsplit = split_threshold > 0 && unsplit_efficiency != 1;
  const bool unshared_kv = kv_sharing != 1 && query_heads_per_kv_head != 1;
  return !slow_unsplit && !unshared_kv && !SingleBlock();
}

void DecodeAttentionRun::ApplyFloor(ic_phase_time& time) const {
  if (!(floor_s > time.memory_s)) return;
  time.memory_s = floor_s;
  if (floor_s + time.overhead_s > time.time_s) {
    time.time_s = floor_s + time.overhead_s;
    time.bound = IC_BOUND_MEMORY;
  }
}

DecodeAttentionRun DecodeAttention::Run(const ic_phase_cost& cost) const {
  DecodeAttentionRun run;
  run.cost = cost;
  const bool attention = cost.phase == IC_PHASE_QK_SCORES || cost.phase == IC_PHASE_ATTN_V;
  // A decode record: one query token per (sequence, head) GEMM, gemm_count = sequences x query
  // heads on this GPU (sdk attention_math.h StandardAttentionPhases).
  if (!attention || cost.gemm_m != 1 || cost.gemm_count <= 0) return run;
  // The keys each (sequence, head) reads: N of qk_scores (1 x N x dh), K of attn_v (1 x dv x K).
  const int64_t context = cost.phase == IC_PHASE_QK_SCORES ? cost.gemm_n : cost.gemm_k;
  // Grouped-query heads each reading their KV head: bytes x (G - sharing x (G - 1)).
  const double group = query_heads_per_kv_head;
  const double sharing = SingleBlock() ? block_kv_sharing : kv_sharing;
  run.cost.kv_read_bytes = cost.kv_read_bytes * (group - sharing * (group - 1));
  if (SingleBlock()) {
    // One block per (sequence, head) streams its KV head's keys (or values): the K or V bytes of
    // the record over sequences x KV heads = gemm_count / group.
    const double per_block_bytes =
        cost.kv_read_bytes * group / static_cast<double>(cost.gemm_count);
    run.floor_s = per_block_bytes / block_bytes_per_s;
  }
  if (UsesUnsplitKernel(cost.gemm_count, context) && context > partition_tokens) {
    run.unsplit = true;
    run.efficiency = unsplit_efficiency;
  }
  return run;
}

DecodeAttention DecodeAttentionOf(const registry::Engine& engine, double query_heads_per_kv_head) {
  DecodeAttention d;
  d.split_threshold = engine.decode_attention_split_threshold;
  d.partition_tokens = engine.decode_attention_partition_tokens;
  d.split_max_context = engine.decode_attention_split_max_context;
  d.unsplit_efficiency = engine.decode_attention_unsplit_efficiency;
  d.kv_sharing = engine.decode_attention_kv_sharing;
  d.query_heads_per_kv_head = query_heads_per_kv_head;
  d.single_block = engine.decode_attention_single_block == 1;
  d.block_bytes_per_s = engine.decode_attention_block_bytes_per_s;
  d.block_kv_sharing = engine.decode_attention_block_kv_sharing;
  return d;
}

}  // namespace infercost::framework
