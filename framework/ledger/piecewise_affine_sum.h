// Sums a per-step quantity over a range of steps without visiting every step, exactly where it is
// piecewise affine in the step (the decode sum: every cost of a decode step is affine in its
// context within a regime, and its time a maximum of affine pieces).
//
// The range is cut into segments; a segment whose end samples and three interior probes lie on
// one line (every component, to 1e-9 relative) is summed in closed form from its two ends; any
// other segment is halved, down to a few steps summed one by one, or, when long, split where it
// leaves the line through its first two steps (found by bisection, or at once where a staircase
// put the last break: the same distance from the segment's start). A segment cut off before a
// break, whose first two steps and end are known to lie on one line, is probed in its middle
// only: this assumes each component is convex between jumps (affine costs; times that are a
// maximum of affine pieces). A quantity with K kinks or jumps over N steps costs O(K log N)
// samples instead of N, a regular staircase about four a stair.
//
//   ASSIGN_OR_RETURN(SumStats stats, SumPiecewiseAffine(first, last, sample, add));
//   // add(s, w) was called with weights w such that sum_k f(k) = sum w * s.
#ifndef INFERCOST_FRAMEWORK_LEDGER_PIECEWISE_AFFINE_SUM_H_
#define INFERCOST_FRAMEWORK_LEDGER_PIECEWISE_AFFINE_SUM_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"

namespace infercost::framework {

// One step's quantity: `values` to be summed, and `shape`, what they mean (e.g. which phase each
// value belongs to). Samples of different shapes are never interpolated into each other.
struct AffineSample {
  std::vector<int64_t> shape;
  std::vector<double> values;
};

struct SumStats {
  int64_t samples = 0;   // how many steps were evaluated
  int64_t segments = 0;  // segments summed in closed form
};

using SampleAt = std::function<absl::StatusOr<AffineSample>(int64_t step)>;
// Receives a sample and the weight it carries in the sum (a whole number of steps or a half).
using AddWeighted = std::function<void(const AffineSample& sample, double weight)>;

// sum over step = first .. last of sample(step), handed to `add` as weighted samples.
// Empty (nothing added) when last < first.
absl::StatusOr<SumStats> SumPiecewiseAffine(int64_t first, int64_t last, const SampleAt& sample,
                                            const AddWeighted& add);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_PIECEWISE_AFFINE_SUM_H_
