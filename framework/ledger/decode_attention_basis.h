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
//     for (int64_t k : basis.points()) ... evaluate k into basis.Slot(i) (or basis.Take(i, it));
//     if (basis.Fit() && basis.Matches(check_step, attention_at_check)) basis.At(k, slices);
//   }
#ifndef INFERCOST_FRAMEWORK_LEDGER_DECODE_ATTENTION_BASIS_H_
#define INFERCOST_FRAMEWORK_LEDGER_DECODE_ATTENTION_BASIS_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "framework/ledger/attention_slice.h"
#include "framework/ledger/piecewise_affine_sum.h"
#include "framework/ledger/record_value_model.h"

namespace infercost::framework {

class DecodeAttentionBasis {
 public:
  // Plans a basis over steps 1 .. `steps` given the declared staircases there (in steps; every
  // plugin must have declared: the caller checks). False (no basis: evaluate every sample)
  // for fewer than four steps (three to fit, one to check), or where more than one distinct
  // staircase has breaks in the range.
  // With `next_is_known` (the step after the last, steps + 1, is evaluated already and the
  // breaks were declared up to it), that step serves as the far point in place of the last
  // where no break falls on it: one evaluation fewer.
  bool Plan(int64_t steps, absl::Span<const Staircase> breaks, bool next_is_known = false);
  // Plans a basis that is not checked (no FarStairCheck, no Matches: the caller takes the
  // declaration as checked, see AttentionVariantPlugin::DecodeBreaksVetted) from two steps the
  // caller evaluated already, `known` (in 1 .. steps) and the step after the last (steps + 1),
  // and at most one more: {known, steps + 1, steps + 1} where no staircase cuts the range; else
  // {known, a neighbour of it in its stair, steps + 1}, or {known, steps + 1, 1} where both lie
  // in the last stair. False (plan with Plan) for fewer than four steps, two staircases, a
  // staircase of one break (one break may bend the records: only Plan's checks see it), a break
  // on steps + 1, or a stair of `known` alone.
  bool PlanFromKnownSteps(int64_t steps, absl::Span<const Staircase> breaks, int64_t known);
  // The steps to evaluate, in order: two in one stair, one in another (a third equal to the
  // second when no staircase cuts the range). The last step's stair may hold steps + 1 (see
  // Plan).
  const std::array<int64_t, 3>& points() const { return points_; }
  // A step to check in the stair of points()[2] besides it (its slope there is taken from the
  // first stair's: a break that also bends the records, a window filling, shows there), or 0
  // when that stair has no other step, there is no staircase, or `checked` (a step checked
  // already) is such a step or lies between two breaks of a staircase of two or more; where
  // that stair holds the far point only and breaks come before it, a step that begins a stair
  // among them. Where points()[2] is step 1 (a first break on step 2, the other points after
  // it), a step in the last stair when more breaks follow the first and `checked` is not past
  // the second.
  int64_t FarStairCheck(int64_t steps, int64_t checked) const;
  // The attention evaluated at points()[i] (copied; capacity reused across sums).
  void Take(size_t i, const std::vector<AttentionSlice>& attention);
  // Where to evaluate the attention at points()[i] in place of Take (capacity reused).
  std::vector<AttentionSlice>& Slot(size_t i) {
    elsewhere_.at[i] = nullptr;
    return taken_[i];
  }
  // points()[i] is the point before it again: the same attention (not copied).
  void TakeAgain(size_t i) { elsewhere_.at[i] = &AtPoint(i - 1); }
  // The attention at points()[i], i >= 1, is `attention`, read in place by Fit (which must be
  // called while it lives, unchanged): the caller's evaluation of that step, not copied.
  void Refer(size_t i, const std::vector<AttentionSlice>& attention) {
    if (i == 0) return Take(i, attention);  // (At and Matches read point 0's after Fit)
    elsewhere_.at[i] = &attention;
  }
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
  // Record `record` as evaluated at points()[0].
  const ic_phase_cost& base(size_t record) const { return records_[record].base; }
  // The layers of record `record`'s slice.
  int64_t layers(size_t record) const { return records_[record].layers; }

  // The stairs of steps 1 .. `steps` (the stretches between the breaks of the staircase the
  // basis was planned with; 1 without one) and the first step of stair `i` (< StairCount).
  int64_t StairCount() const { return has_stairs_ ? stairs_.count + 1 : 1; }
  int64_t StairStart(int64_t i) const {
    return i == 0 ? 1 : stairs_.first + (i - 1) * stairs_.period;
  }

  // Where a step lies from points()[0]: steps and breaks passed since (a record's fields are
  // base + per step x steps + per break x breaks).
  struct Offset {
    double steps = 0;
    double breaks = 0;
  };
  Offset OffsetOf(int64_t step) const {
    return {static_cast<double>(step - points_[0]),
            static_cast<double>(BreaksPassed(step) - first_point_breaks_)};
  }
  // OffsetOf(StairStart(i)), without a division: stair i begins after i breaks.
  Offset StairOffset(int64_t i) const {
    return {static_cast<double>(StairStart(i) - points_[0]),
            static_cast<double>(i - first_point_breaks_)};
  }
  // A linear function of a record's fields along the steps: at_first + per_step x steps +
  // per_break x breaks of an Offset.
  struct Line {
    double at_first = 0;
    double per_step = 0;
    double per_break = 0;
    double At(Offset o) const { return at_first + per_step * o.steps + per_break * o.breaks; }
  };
  // constant + per_unit . (RecordValueModel::kFields of record `record`), along the steps, into
  // `line` (written in place: a returned Line is copied through the stack, and read back in
  // wider loads than it was stored in).
  void Along(size_t record, double constant,
             const std::array<double, RecordValueModel::kFields.size()>& per_unit,
             Line& line) const;
  // Whether each of record `record`'s RecordValueModel::kFields is zero at every step 1 ..
  // `steps` where it is zero at points()[0], and positive at every one where it is positive
  // there (false where that cannot be told: a field that may cross zero).
  bool KeepsSigns(size_t record, int64_t steps) const;

 private:
  // Breaks of the staircase at or before `step` (0 without one).
  int64_t BreaksPassed(int64_t step) const {
    if (!has_stairs_ || step < stairs_.first) return 0;
    if (step >= last_break_) return stairs_.count;  // (the sum's last steps: no division)
    return std::min(stairs_.count, (step - stairs_.first) / stairs_.period + 1);
  }
  // Takes the declared staircase with breaks in [2, steps] (has_stairs_, stairs_, last_break_):
  // false where two distinct ones have breaks there. `break_on_next`: one breaks on steps + 1;
  // `fewest_declared`: the fewest breaks any staircase with breaks in the range was declared
  // with.
  bool TakeStaircase(int64_t steps, absl::Span<const Staircase> breaks, bool& break_on_next,
                     int64_t& fewest_declared);
  // Sets points_ (after the staircase: first_point_breaks_ counts its breaks).
  void SetPoints(const std::array<int64_t, 3>& points);

  bool has_stairs_ = false;
  Staircase stairs_;
  int64_t last_break_ = 0;  // the staircase's last break (with has_stairs_)
  std::array<int64_t, 3> points_{};
  int64_t first_point_breaks_ = 0;  // BreaksPassed(points_[0])
  std::array<std::vector<AttentionSlice>, 3> taken_;
  // The points' attention where it is not in taken_ (TakeAgain, Refer): read by Fit only (point
  // 0's, which At and Matches read, is always taken_[0]). A copy of the basis holds none (the
  // pointers are the original's business).
  struct Elsewhere {
    std::array<const std::vector<AttentionSlice>*, 3> at{};
    Elsewhere() = default;
    Elsewhere(const Elsewhere&) {}
    Elsewhere& operator=(const Elsewhere&) {
      at = {};
      return *this;
    }
  };
  Elsewhere elsewhere_;
  const std::vector<AttentionSlice>& AtPoint(size_t i) const {
    return elsewhere_.at[i] != nullptr ? *elsewhere_.at[i] : taken_[i];
  }
  // Per record (slices' phases in order): the record at points_[0] and its change per step and
  // per break, fields as doubles and the integer fields as integers (the changes are set, and
  // read, only where the record varies).
  struct Record {
    ic_phase_cost base;
    std::array<double, 9> base_doubles{};  // base's kDoubleFields, in their order
    std::array<int64_t, 4> base_ints{};    // base's kIntFields
    int64_t layers = 0;
    std::array<double, 9> per_step{};
    std::array<double, 9> per_break{};
    std::array<int64_t, 4> int_per_step{};
    std::array<int64_t, 4> int_per_break{};
    uint16_t changing_doubles = 0;  // bit f: kDoubleFields[f] changes with step or break
    uint16_t changing_ints = 0;
    bool varying() const { return changing_doubles != 0 || changing_ints != 0; }
  };
  std::vector<Record> records_;

  // Field `field` of kDoubleFields (of kIntFields) of `record` at offset `at`: the one
  // interpolation every reader of the basis uses.
  static double FieldAt(const Record& record, size_t field, Offset at) {
    return record.base_doubles[field] +
           (record.per_step[field] * at.steps + record.per_break[field] * at.breaks);
  }
  static __int128 IntFieldAt(const Record& record, size_t field, int64_t steps, int64_t breaks) {
    return static_cast<__int128>(record.base_ints[field]) +
           static_cast<__int128>(record.int_per_step[field]) * steps +
           static_cast<__int128>(record.int_per_break[field]) * breaks;
  }
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_DECODE_ATTENTION_BASIS_H_
