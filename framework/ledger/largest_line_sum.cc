#include "framework/ledger/largest_line_sum.h"

#include <cmath>

namespace infercost::framework {
namespace {

double At(const AffineLine& line, double t) { return line.at_zero + line.per_step * t; }

// sum over t = from .. to - 1 of `line`: (to - from) terms, their mean at the middle.
double SeriesSum(const AffineLine& line, int64_t from, int64_t to) {
  const double terms = static_cast<double>(to - from);
  return terms * line.at_zero +
         line.per_step * (static_cast<double>(from) + static_cast<double>(to - 1)) * terms / 2;
}

// Two lines (the usual compute and memory pieces): one crossing at most.
double SumOfLargerOfTwo(const AffineLine& a, const AffineLine& b, int64_t count) {
  const double gap = b.at_zero - a.at_zero;  // b - a at t = 0
  const double faster_by = b.per_step - a.per_step;
  if (faster_by == 0) return SeriesSum(gap > 0 ? b : a, 0, count);
  // The faster line is above the slower one exactly where t > crossing.
  const AffineLine& slow = faster_by > 0 ? a : b;
  const AffineLine& fast = faster_by > 0 ? b : a;
  const double crossing = -gap / faster_by;
  int64_t split = count;  // slow on top for t < split, fast from it
  if (crossing < 0) {
    split = 0;
  } else if (crossing < static_cast<double>(count)) {
    split = static_cast<int64_t>(crossing) + 1;  // (not negative: truncation is the floor)
  }
  if (split > count) split = count;
  return SeriesSum(slow, 0, split) + SeriesSum(fast, split, count);
}

// Any number of lines: the run splits where another line passes the one on top.
double SumOfLargestOfMany(absl::Span<const AffineLine> lines, int64_t count) {
  double total = 0;
  int64_t t = 0;
  while (t < count) {
    // The line on top at t (ties: the one that grows faster, which stays on top after t).
    const double at = static_cast<double>(t);
    size_t top = 0;
    for (size_t p = 1; p < lines.size(); ++p) {
      const double value = At(lines[p], at);
      const double best = At(lines[top], at);
      if (value > best || (value == best && lines[p].per_step > lines[top].per_step)) top = p;
    }
    // It stays on top until a faster-growing line passes it: the first whole t' > t where
    // that line is above, t' = floor(crossing) + 1.
    int64_t end = count;
    for (size_t q = 0; q < lines.size(); ++q) {
      const double faster = lines[q].per_step - lines[top].per_step;
      if (!(faster > 0)) continue;
      const double crossing = (lines[top].at_zero - lines[q].at_zero) / faster;
      if (!(crossing < static_cast<double>(end))) continue;  // passes it only after the run
      const int64_t passed = crossing < at ? t + 1 : static_cast<int64_t>(std::floor(crossing)) + 1;
      if (passed < end) end = passed > t ? passed : t + 1;
    }
    total += SeriesSum(lines[top], t, end);
    t = end;
  }
  return total;
}

}  // namespace

double SumOfLargestLine(absl::Span<const AffineLine> lines, int64_t count) {
  if (count < 1 || lines.empty()) return 0;
  return lines.size() == 2 ? SumOfLargerOfTwo(lines[0], lines[1], count)
                           : SumOfLargestOfMany(lines, count);
}

}  // namespace infercost::framework
