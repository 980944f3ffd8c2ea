// How a scenario's GPUs are arranged: tensor (TP), pipeline (PP), data (DP) and expert (EP)
// parallelism, checked against the model, with errors that list the valid choices.
//
//   GPUs = TP x PP x DP. Attention and dense FFNs are split over TP; layers over PP stages; each of
//   the DP replicas serves its share of the sequences (for MoE models this is attention data
//   parallelism). The routed experts of a MoE layer are spread over EP GPUs of the TP x DP group of
//   a stage (EP divides TP x DP and the expert count); the rest of that group splits each expert's
//   width (expert tensor parallelism = TP x DP / EP).
//
//   ASSIGN_OR_RETURN(Parallelism p, ResolveParallelism({.gpus = 8, .tp = 0, ...}, model));
#ifndef INFERCOST_FRAMEWORK_PARALLELISM_H_
#define INFERCOST_FRAMEWORK_PARALLELISM_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "registry/model.h"

namespace infercost::framework {

// Largest GPU count and largest degree of any one kind of parallelism: keeps every product of
// degrees far inside int64 (65,536^3 < 2^63).
inline constexpr int64_t kMaxParallelDegree = 65536;

struct ParallelismRequest {
  int64_t gpus = 1;
  int64_t tp = 0;  // 0: whatever GPUs remain after PP and DP
  int64_t pp = 1;
  int64_t dp = 1;
  int64_t ep = 1;
};

struct Parallelism {
  int64_t tensor = 1;
  int64_t pipeline = 1;
  int64_t data = 1;
  int64_t expert = 1;
  // GPUs of one stage that share a MoE layer's experts (TP x DP) and the split of each expert.
  int64_t MoeGroup() const { return tensor * data; }
  int64_t ExpertTensor() const { return MoeGroup() / expert; }
};

absl::StatusOr<Parallelism> ResolveParallelism(const ParallelismRequest& request,
                                               const registry::Model& model);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_PARALLELISM_H_
