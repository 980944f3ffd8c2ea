// The sum of the largest of a few lines over a run of whole steps, exactly: the upper envelope
// of lines c_p + m_p t is convex and piecewise affine, so the run splits where the envelope
// changes line (at most once per line), and each part is an arithmetic series. This is how the
// decode sum adds a record's time over one stair, where the time is an overhead plus the
// largest of affine pieces of the record's fields (RecordValueModel) and the fields are affine
// in the step.
//
//   const AffineLine lines[] = {{2, 1}, {5, 0}};   // max(2 + t, 5)
//   SumOfLargestLine(lines, 6);                     // 5 + 5 + 5 + 5 + 6 + 7 = 33
#ifndef INFERCOST_FRAMEWORK_LEDGER_LARGEST_LINE_SUM_H_
#define INFERCOST_FRAMEWORK_LEDGER_LARGEST_LINE_SUM_H_

#include <cstdint>

#include "absl/types/span.h"

namespace infercost::framework {

// at_zero + per_step x t.
struct AffineLine {
  double at_zero = 0;
  double per_step = 0;
};

// sum over t = 0 .. count - 1 of the largest of `lines` at t (0 when count < 1 or no lines).
double SumOfLargestLine(absl::Span<const AffineLine> lines, int64_t count);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_LARGEST_LINE_SUM_H_
