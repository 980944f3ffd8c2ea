// Memory per GPU: this GPU's weights, the KV cache (or recurrent state) of its sequences as the
// variant accounts it, the peak live activations and the engine's reserve; whether it fits, and
// the largest concurrency that does.
//
//   const MemoryModel memory(pipeline, s, WeightBytesPerGpu(decode_per_gpu, s), kv_per_sequence,
//                            reserve_bytes);
//   ASSIGN_OR_RETURN(MemoryPerGpu m, memory.At(s.concurrency));
//   ASSIGN_OR_RETURN(m.max_concurrency, memory.MaxConcurrency(s.concurrency, &m));
#ifndef INFERCOST_FRAMEWORK_MEMORY_MEMORY_MODEL_H_
#define INFERCOST_FRAMEWORK_MEMORY_MEMORY_MODEL_H_

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/ledger/ledger.h"
#include "framework/ledger/pipeline.h"
#include "framework/scenario.h"

namespace infercost::framework {

struct MemoryPerGpu {
  double weights_bytes = 0;     // this GPU's shard of every weight (all experts)
  double kv_bytes = 0;          // concurrency x (input + output) tokens of KV cache
  double activation_bytes = 0;  // peak live activations of the largest step
  double reserve_bytes = 0;     // engine runtime reserve
  double free_bytes = 0;        // capacity - all of the above (negative: does not fit)
  double capacity_bytes = 0;
  bool fits = false;
  int64_t max_concurrency = 0;  // most sequences that fit at input + output tokens
};

// Weights one GPU holds: its pipeline stage's share of the layers, plus (on the busiest stage)
// the embedding, LM head and final norm.
double WeightBytesPerGpu(const StageLedger& per_gpu, const Scenario& s);

// What a memory model remembers while it is asked (the activation peaks of the steps it
// evaluated, and their records), kept by a caller that builds many models one after another:
// their capacity is reused, so that none of them allocates once it has grown.
struct MemoryBuffers {
  std::vector<std::pair<Step, double>> peaks;
  EvaluationScratch records;
  // Whether records.attention holds the attention of `attention_step` (the step evaluated
  // last; another caller, the decode sum, may take it instead of evaluating it again).
  bool has_attention = false;
  Step attention_step;
};

class MemoryModel {
 public:
  MemoryModel(const Pipeline& pipeline, const Scenario& scenario, double weights_bytes,
              double kv_bytes_per_sequence, double reserve_bytes)
      : MemoryModel(pipeline, scenario, weights_bytes, kv_bytes_per_sequence, reserve_bytes,
                    own_buffers_) {}
  // The same with `buffers` the caller keeps (emptied here; used until the model is gone).
  MemoryModel(const Pipeline& pipeline, const Scenario& scenario, double weights_bytes,
              double kv_bytes_per_sequence, double reserve_bytes, MemoryBuffers& buffers)
      : pipeline_(pipeline),
        scenario_(scenario),
        weights_bytes_(weights_bytes),
        kv_bytes_per_sequence_(kv_bytes_per_sequence),
        reserve_bytes_(reserve_bytes),
        buffers_(buffers) {
    buffers_.peaks.clear();
    buffers_.peaks.reserve(8);  // the summary's two steps and the search's few
    buffers_.has_attention = false;
  }
  MemoryModel(const MemoryModel&) = delete;
  MemoryModel& operator=(const MemoryModel&) = delete;

  // Memory of one GPU at `concurrency` sequences.
  absl::StatusOr<MemoryPerGpu> At(int64_t concurrency) const;
  // The largest concurrency whose memory fits (memory grows with concurrency: bounded by the KV
  // room). First a guess with KV and activations in proportion to the batch and its neighbour
  // (two evaluations when the activation peak is proportional to the batch, as an unchunked
  // step's is); then, if the bracket is still open, interpolating the free bytes, which are
  // affine in the concurrency between regime changes, and checking the guess's neighbour, with a
  // halving step whenever that does not halve the bracket (two evaluations past the bracket's
  // ends when free bytes are affine, never more than three times bisection's).
  // `known`, when given, is At(known_concurrency), already evaluated: it starts the bracket.
  absl::StatusOr<int64_t> MaxConcurrency(int64_t known_concurrency = 0,
                                         const MemoryPerGpu* known = nullptr) const;
  // Takes the activation peak of `evaluated.step` from that step's ledger (Pipeline::Evaluate
  // of the same pipeline) instead of evaluating the step again.
  void Remember(const StageLedger& evaluated) const;

 private:
  // At(concurrency); with `exact` false, a point whose activations do not fit as soon as a
  // lower bound of them is known (the host's own records, or the prefill's peak without the
  // decode step's) is returned then: `fits` is still exact, `activation_bytes` a lower bound and
  // `free_bytes` an upper bound (below zero).
  absl::StatusOr<MemoryPerGpu> Evaluate(int64_t concurrency, bool exact) const;
  // Peak live activations of `step` (its largest phase record's working set plus the residual
  // stream, T x d), remembered: the search evaluates the same steps again (a chunked prefill's
  // step is one for every concurrency above a chunk). Where the peak is found to exceed `enough`
  // before the attention plugins are asked, a lower bound above `enough` (not remembered).
  absl::StatusOr<double> PeakOf(const Step& step,
                                double enough = std::numeric_limits<double>::infinity()) const;

  const Pipeline& pipeline_;
  const Scenario& scenario_;
  double weights_bytes_;
  double kv_bytes_per_sequence_;  // one sequence at input + output tokens, all layers of one shard
  double reserve_bytes_;
  MemoryBuffers own_buffers_;  // when the caller keeps none
  MemoryBuffers& buffers_;     // the peaks, and their records reused from one step to the next
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_MEMORY_MEMORY_MODEL_H_
