// The attention of every decode step of a sum from a few evaluations: where the plugins declare
// their decode breaks (ABI 1.4 decode_breaks), their records between breaks are affine in the
// context and each break of one staircase changes them by the same amount, so a record at step k
// is A + B k + D n(k), n(k) the staircase's breaks passed. Three evaluated steps give A, B and D
// (two in one stair, one in another); one or two more check them (the middle step, and another
// in the third's stair: a break that bends the records shows there), and a sum then takes
// every other step's records from the basis instead of calling the plugins again.
//
//   DecodeAttentionBasis basis;
//   if (basis.Plan(steps, breaks_in_steps)) {          // which steps to evaluate
//     for (int64_t k : basis.points()) ... evaluate k ... basis.Take(i, attention_at_k);
//     if (basis.Fit() && basis.Matches(check_step, attention_at_check)) basis.At(k, slices);
//   }
#ifndef INFERCOST_FRAMEWORK_LEDGER_DECODE_ATTENTION_BASIS_H_
#define INFERCOST_FRAMEWORK_LEDGER_DECODE_ATTENTION_BASIS_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "framework/ledger/attention_slice.h"
#include "framework/ledger/piecewise_affine_sum.h"

namespace infercost::framework {

class DecodeAttentionBasis {
 public:
  // Plans a basis over steps 1 .. `steps` given the declared staircases there (in steps; every
  // plugin must have declared: the caller checks). False (no basis: evaluate every sample)
  // when the range is too short to gain from one, or more than one distinct staircase has
  // breaks in it.
  bool Plan(int64_t steps, absl::Span<const Staircase> breaks);
  // The steps to evaluate, in order: two in one stair, one in another (a third equal to the
  // second when no staircase cuts the range).
  const std::array<int64_t, 3>& points() const { return points_; }
  // A step to check in the stair of points()[2] besides it (its slope there is taken from the
  // first stair's: a break that also bends the records, a window filling, shows there), or 0
  // when that stair has no other step, there is no staircase, or `checked` (a step checked
  // already) is such a step.
  int64_t FarStairCheck(int64_t steps, int64_t checked) const;
  // The attention evaluated at points()[i] (copied; capacity reused across sums).
  void Take(size_t i, const std::vector<AttentionSlice>& attention);
  // Derives the basis from the three taken: false when their records differ in anything but
  // numbers (slices, layers, phases, sizes) or an integer field does not step by a whole number.
  bool Fit();
  // Whether `attention`, evaluated at `step`, is what the basis gives there (every field within
  // 1e-9 of its magnitude): the check that the plugins' records are what they declared.
  bool Matches(int64_t step, const std::vector<AttentionSlice>& attention) const;
  // Which records At gives: all, those that change with the step, or those that do not.
  enum class Records { kAll, kVarying, kConstant };
  // The attention at `step` from the basis, into `slices` (capacity reused): every slice, with
  // the records `which` asks for in their order (a slice may be left with none).
  void At(int64_t step, std::vector<AttentionSlice>& slices, Records which = Records::kAll) const;
  // The records in order (slices' phases one after another), and whether each changes with the
  // step.
  size_t records() const { return records_.size(); }
  bool varying(size_t record) const { return records_[record].varying(); }

 private:
  // Breaks of the staircase at or before `step` (0 without one).
  int64_t BreaksPassed(int64_t step) const;

  bool has_stairs_ = false;
  Staircase stairs_;
  std::array<int64_t, 3> points_{};
  std::array<std::vector<AttentionSlice>, 3> taken_;
  // Per record (slices' phases in order): the record at points_[0] and its change per step and
  // per break, fields as doubles and the integer fields as integers.
  struct Record {
    ic_phase_cost base;
    std::array<double, 9> per_step{};
    std::array<double, 9> per_break{};
    std::array<int64_t, 4> int_per_step{};
    std::array<int64_t, 4> int_per_break{};
    uint16_t changing_doubles = 0;  // bit f: kDoubleFields[f] changes with step or break
    uint16_t changing_ints = 0;
    bool varying() const { return changing_doubles != 0 || changing_ints != 0; }
  };
  std::vector<Record> records_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_DECODE_ATTENTION_BASIS_H_
