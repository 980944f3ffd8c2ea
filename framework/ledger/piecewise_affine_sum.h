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
// Breaks known beforehand (a kernel's declared staircases: `known_breaks`) are not searched for:
// each stretch between two is a segment of its own, and a run of equal stairs whose breaks all
// jump alike is summed as one plane over (stair, step in the stair) from its four corners, when
// three interior probes lie on that plane too (split in halves when not): a regular staircase
// costs about seven samples whatever its length.
//
//   ASSIGN_OR_RETURN(SumStats stats, SumPiecewiseAffine(first, last, sample, add));
//   // add(s, w) was called with weights w such that sum_k f(k) = sum w * s.
//   SumPiecewiseAffine(first, last, sample, add, {{first_break, period, count}});
#ifndef INFERCOST_FRAMEWORK_LEDGER_PIECEWISE_AFFINE_SUM_H_
#define INFERCOST_FRAMEWORK_LEDGER_PIECEWISE_AFFINE_SUM_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace infercost::framework {

// One step's quantity: `values` to be summed, and `shape`, what they mean (e.g. which phase each
// value belongs to). Samples of different shapes are never interpolated into each other.
// Held inline up to a decode step's per-GPU times (no allocation per sample on that path).
struct AffineSample {
  absl::InlinedVector<int64_t, 4> shape;
  absl::InlinedVector<double, 24> values;
};

struct SumStats {
  int64_t samples = 0;   // how many steps were evaluated
  int64_t segments = 0;  // segments summed in closed form
};

// Breaks at steps first + i * period, i = 0 .. count - 1 (a break: the first step of a new
// stair). Between two consecutive breaks the sampled quantity is affine where nothing else
// bends it; every break of one staircase changes it by the same amount.
struct Staircase {
  int64_t first = 0;
  int64_t period = 1;
  int64_t count = 0;
};

using SampleAt = std::function<absl::StatusOr<AffineSample>(int64_t step)>;
// Receives a sample and the weight it carries in the sum (a whole number of steps or a half).
using AddWeighted = std::function<void(const AffineSample& sample, double weight)>;
// What the sum takes: either of the above, or any callable of the same signature, by reference
// (nothing copied or allocated; it must outlive the call).
using SampleAtRef = absl::FunctionRef<absl::StatusOr<AffineSample>(int64_t step)>;
using AddWeightedRef = absl::FunctionRef<void(const AffineSample& sample, double weight)>;

// sum over step = first .. last of sample(step), handed to `add` as weighted samples.
// Empty (nothing added) when last < first.
// `known_breaks`: staircases of breaks known beforehand (any number; beyond 64 staircases or
// 65,536 breaks in the range they are searched for like any other).
absl::StatusOr<SumStats> SumPiecewiseAffine(int64_t first, int64_t last, SampleAtRef sample,
                                            AddWeightedRef add,
                                            absl::Span<const Staircase> known_breaks = {});

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_PIECEWISE_AFFINE_SUM_H_
