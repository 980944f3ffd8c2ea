#include "framework/ledger/decode_attention_basis.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>

namespace infercost::framework {
namespace {

// A basis takes three steps and is checked on another: shorter sums evaluate every step (and
// Pipeline::FitDecodeBasis takes a basis only where it evaluates fewer steps than that).
constexpr int64_t kFewestSteps = 4;
constexpr double kRelativeTolerance = 1e-9;

// The fields of a record that may change with the context.
constexpr std::array<double ic_phase_cost::*, 9> kDoubleFields = {
    &ic_phase_cost::params,           &ic_phase_cost::matrix_flops,  &ic_phase_cost::vector_flops,
    &ic_phase_cost::weight_bytes,     &ic_phase_cost::kv_read_bytes, &ic_phase_cost::kv_write_bytes,
    &ic_phase_cost::activation_bytes, &ic_phase_cost::comm_bytes,    &ic_phase_cost::weight_copies};
constexpr std::array<int64_t ic_phase_cost::*, 4> kIntFields = {
    &ic_phase_cost::gemm_m, &ic_phase_cost::gemm_n, &ic_phase_cost::gemm_k,
    &ic_phase_cost::gemm_count};

// kDoubleFields (kIntFields) of a record as one array, in that order: the first eight doubles
// and the four integers lie one after another in ic_phase_cost, weight_copies after them.
static_assert(offsetof(ic_phase_cost, comm_bytes) == offsetof(ic_phase_cost, params) + 7 * 8 &&
                  offsetof(ic_phase_cost, gemm_count) == offsetof(ic_phase_cost, gemm_m) + 3 * 8,
              "the fields DoublesOf and IntsOf copy must lie one after another");
using Doubles = std::array<double, kDoubleFields.size()>;
using Ints = std::array<int64_t, kIntFields.size()>;
Doubles DoublesOf(const ic_phase_cost& cost) {
  Doubles d;
  std::memcpy(d.data(), &cost.params, 8 * sizeof(double));
  d[8] = cost.weight_copies;
  return d;
}
void SetDoubles(const Doubles& d, ic_phase_cost& cost) {
  std::memcpy(&cost.params, d.data(), 8 * sizeof(double));
  cost.weight_copies = d[8];
}
Ints IntsOf(const ic_phase_cost& cost) {
  Ints i;
  std::memcpy(i.data(), &cost.gemm_m, sizeof(Ints));
  return i;
}

// Where each of RecordValueModel::kFields is in kDoubleFields.
constexpr std::array<size_t, RecordValueModel::kFields.size()> kTimedFields = {1, 2, 3, 4, 5, 6};
constexpr bool TimedFieldsMatch() {
  for (size_t f = 0; f < kTimedFields.size(); ++f) {
    if (kDoubleFields[kTimedFields[f]] != RecordValueModel::kFields[f]) return false;
  }
  return true;
}
static_assert(TimedFieldsMatch(), "kTimedFields must point at RecordValueModel::kFields");

// The breaks of `stairs` in [2, steps] (a break at step 1 or before changes every step alike):
// the first, the period and how many; count 0 when none. `Int` holds every intermediate value.
template <typename Int>
Staircase InRangeAs(const Staircase& stairs, int64_t steps) {
  Staircase in;
  in.count = 0;
  if (stairs.period < 1 || stairs.count < 1) return in;
  const Int first = stairs.first;
  const Int period = stairs.period;
  const Int lowest = first >= 2 ? 0 : (2 - first + period - 1) / period;
  if (lowest >= stairs.count) return in;
  const Int first_in = first + lowest * period;
  if (first_in > steps) return in;
  const Int highest = std::min<Int>(stairs.count - 1, (steps - first) / period);
  in.first = static_cast<int64_t>(first_in);
  in.period = stairs.period;
  in.count = static_cast<int64_t>(highest - lowest + 1);
  return in;
}
Staircase InRange(const Staircase& stairs, int64_t steps) {
  // 64 bits where nothing can overflow them (every declared staircase of a real context), 128
  // otherwise.
  constexpr int64_t kSmall = int64_t{1} << 60;
  const bool small =
      stairs.first > -kSmall && stairs.first < kSmall && stairs.period < kSmall && steps < kSmall;
  return small ? InRangeAs<int64_t>(stairs, steps) : InRangeAs<__int128>(stairs, steps);
}

bool SameBreaks(const Staircase& a, const Staircase& b) {
  return a.first == b.first && a.count == b.count && (a.count == 1 || a.period == b.period);
}

// Every field equal bit for bit (ic_phase_cost has no padding; a record's numbers are finite, so
// equal bits are equal values).
bool SameBits(const ic_phase_cost& a, const ic_phase_cost& b) {
  static_assert(sizeof(ic_phase_cost) == 112, "ic_phase_cost without padding");
  return std::memcmp(&a, &b, sizeof(ic_phase_cost)) == 0;
}

bool SameKind(const ic_phase_cost& a, const ic_phase_cost& b) {
  return a.struct_size == b.struct_size && a.phase == b.phase;
}

// The same layers, class and number of records (each record's kind is compared with its own).
bool SameSlice(const AttentionSlice& a, const AttentionSlice& b) {
  return a.layers == b.layers && a.attention_class == b.attention_class &&
         a.phases.size() == b.phases.size();
}

// (to - from) / steps when it divides exactly (and nothing overflows).
bool ExactStep(int64_t from, int64_t to, int64_t steps, int64_t& out) {
  int64_t change = 0;
  if (steps == 0 || __builtin_sub_overflow(to, from, &change)) return false;
  // The usual cases without a division (a 64-bit division is some 40 cycles): one break, or
  // one more token of context per step.
  if (steps == 1 || change == 0) {
    out = change;
    return true;
  }
  if (change == steps) {
    out = 1;
    return true;
  }
  if (steps == -1 && change == std::numeric_limits<int64_t>::min()) return false;
  if (change % steps != 0) return false;
  out = change / steps;
  return true;
}

}  // namespace

bool DecodeAttentionBasis::TakeStaircase(int64_t steps, absl::Span<const Staircase> breaks,
                                         bool& break_on_next, int64_t& fewest_declared) {
  has_stairs_ = false;
  break_on_next = false;
  fewest_declared = std::numeric_limits<int64_t>::max();
  for (const Staircase& declared : breaks) {
    const Staircase in = InRange(declared, steps);
    const Staircase with_next = InRange(declared, steps + 1);
    if (with_next.count > 0 &&
        with_next.first + (with_next.count - 1) * with_next.period == steps + 1) {
      break_on_next = true;
    }
    if (in.count == 0) continue;
    if (has_stairs_ && !SameBreaks(in, stairs_)) return false;  // two staircases: no basis
    fewest_declared = std::min(fewest_declared, declared.count);
    stairs_ = in;
    has_stairs_ = true;
    last_break_ = in.first + (in.count - 1) * in.period;  // (in [2, steps]: no overflow)
  }
  return true;
}

bool DecodeAttentionBasis::Plan(int64_t steps, absl::Span<const Staircase> breaks,
                                bool next_is_known) {
  if (steps < kFewestSteps) return false;
  bool break_on_next = false;
  int64_t fewest_declared = 0;
  if (!TakeStaircase(steps, breaks, break_on_next, fewest_declared)) return false;
  // The far point: the last step, or the one after it where it is known and in the same stair.
  const int64_t far = next_is_known && !break_on_next ? steps + 1 : steps;
  if (!has_stairs_) {
    SetPoints({1, far, far});
    return true;
  }
  // Two steps in one stair and one in another.
  if (stairs_.first - 1 >= 2) {  // the stair before the first break
    SetPoints({1, stairs_.first - 1, far});
    return true;
  }
  const int64_t end = stairs_.count >= 2 ? stairs_.first + stairs_.period - 1 : steps;
  if (end - stairs_.first < 1) return false;  // stairs of one step: nothing to tell apart
  SetPoints({stairs_.first, end, 1});
  return true;
}

bool DecodeAttentionBasis::PlanFromKnownSteps(int64_t steps, absl::Span<const Staircase> breaks,
                                              int64_t known) {
  if (steps < kFewestSteps || known < 1 || known > steps) return false;
  bool break_on_next = false;
  int64_t fewest_declared = 0;
  if (!TakeStaircase(steps, breaks, break_on_next, fewest_declared)) return false;
  // No break on the far point; only the breaks of a staircase of two or more keep the records'
  // slope (ABI 1.4).
  if (break_on_next || (has_stairs_ && fewest_declared < 2)) return false;
  const int64_t far = steps + 1;
  if (!has_stairs_) {
    SetPoints({known, far, far});
    return true;
  }
  const int64_t known_breaks = BreaksPassed(known);
  if (known_breaks == BreaksPassed(far)) {  // (step 1 lies before the first break, in [2, steps])
    SetPoints({known, far, 1});
    return true;
  }
  if (known < steps && BreaksPassed(known + 1) == known_breaks) {
    SetPoints({known, known + 1, far});
    return true;
  }
  if (known > 1 && BreaksPassed(known - 1) == known_breaks) {
    SetPoints({known, known - 1, far});
    return true;
  }
  return false;
}

int64_t DecodeAttentionBasis::FarStairCheck(int64_t steps, int64_t checked) const {
  if (!has_stairs_) return 0;
  const int64_t last_break = last_break_;
  if (points_[2] < steps) {
    // Fitted on step 1 and the stair after the first break (a first break on step 2): the stairs
    // after that one are the basis's extrapolation, seen by `checked` where it lies in one of
    // them, else by a step in the last.
    if (stairs_.count < 2 || checked >= stairs_.first + stairs_.period) return 0;
    return last_break + (steps - last_break) / 2;
  }
  if (checked >= last_break && checked < steps) return 0;
  // Two or more breaks change the records alike (ABI 1.4): a check in a stair between two of
  // them already sees a break that also bends the records (the slope there would differ from
  // the first stair's by the bend of each break passed, and the fitted jump would not hold).
  if (stairs_.count >= 2 && checked >= stairs_.first && checked < last_break) return 0;
  // A step of the last stair other than the far point: its middle, or the last step itself
  // where the far point is the step after it (a last stair of one step in the sum is still
  // checked then: its value comes from the far point and the first stair's slope).
  const int64_t middle = last_break + (steps - last_break) / 2;
  if (middle != points_[2] && middle <= steps) return middle;
  // The last stair holds the far point only (fitted exactly there): where other breaks come
  // before it, a step that begins a stair among them (stairs of one step, period 1, included).
  return stairs_.count >= 2 ? stairs_.first + (stairs_.count - 1) / 2 * stairs_.period : 0;
}

void DecodeAttentionBasis::Take(size_t i, const std::vector<AttentionSlice>& attention) {
  std::vector<AttentionSlice>& into = taken_[i];
  elsewhere_.at[i] = nullptr;
  into.resize(attention.size());
  for (size_t s = 0; s < attention.size(); ++s) {
    into[s].layers = attention[s].layers;
    into[s].attention_class = attention[s].attention_class;
    into[s].phases.assign(attention[s].phases.begin(), attention[s].phases.end());
  }
}

bool DecodeAttentionBasis::Fit() {
  const std::vector<AttentionSlice>& first = AtPoint(0);
  const std::vector<AttentionSlice>& second = AtPoint(1);
  const std::vector<AttentionSlice>& third = AtPoint(2);
  // The three alike but for numbers: slices here, each record's kind below.
  if (second.size() != first.size() || third.size() != first.size()) return false;
  size_t count = 0;
  for (size_t s = 0; s < first.size(); ++s) {
    if (!SameSlice(first[s], second[s]) || !SameSlice(first[s], third[s])) return false;
    count += first[s].phases.size();
  }
  const int64_t steps = points_[1] - points_[0];
  const int64_t breaks = BreaksPassed(points_[2]) - first_point_breaks_;
  const int64_t far_steps = points_[2] - points_[0];
  // (the records of the last fit are overwritten: no allocation once the vector has grown; a
  // failed fit leaves records_ unused)
  records_.resize(count);
  size_t next = 0;
  for (size_t s = 0; s < first.size(); ++s) {
    for (size_t p = 0; p < first[s].phases.size(); ++p) {
      const ic_phase_cost& a = first[s].phases[p];
      const ic_phase_cost& b = second[s].phases[p];
      const ic_phase_cost& c = third[s].phases[p];
      Record& r = records_[next++];
      r.base = a;
      r.base_doubles = DoublesOf(a);
      r.base_ints = IntsOf(a);
      r.layers = first[s].layers;
      r.changing_doubles = 0;
      r.changing_ints = 0;
      // The same record at all three points (most of them): nothing changes (and its changes
      // per step and per break are not read).
      if (SameBits(a, b) && SameBits(a, c)) continue;
      if (!SameKind(a, b) || !SameKind(a, c)) return false;
      r.per_step = {};
      r.per_break = {};
      r.int_per_step = {};
      r.int_per_break = {};
      const Doubles& at_a = r.base_doubles;
      const Doubles at_b = DoublesOf(b);
      const Doubles at_c = DoublesOf(c);
      for (size_t f = 0; f < at_a.size(); ++f) {
        if (at_b[f] == at_a[f] && at_c[f] == at_a[f]) continue;  // constant: 0 and 0
        r.per_step[f] = (at_b[f] - at_a[f]) / static_cast<double>(steps);
        if (breaks != 0) {
          r.per_break[f] = (at_c[f] - at_a[f] - r.per_step[f] * static_cast<double>(far_steps)) /
                           static_cast<double>(breaks);
        }
        if (r.per_step[f] != 0 || r.per_break[f] != 0) r.changing_doubles |= 1u << f;
      }
      const Ints& int_a = r.base_ints;
      const Ints int_b = IntsOf(b);
      const Ints int_c = IntsOf(c);
      for (size_t f = 0; f < int_a.size(); ++f) {
        if (int_b[f] == int_a[f] && int_c[f] == int_a[f]) continue;  // constant: 0 and 0
        if (!ExactStep(int_a[f], int_b[f], steps, r.int_per_step[f])) return false;
        // What the far point holds beyond the steps' change: the breaks' (none without any).
        int64_t along = 0;
        int64_t predicted = 0;
        if (__builtin_mul_overflow(r.int_per_step[f], far_steps, &along) ||
            __builtin_add_overflow(int_a[f], along, &predicted)) {
          return false;
        }
        if (breaks != 0) {
          if (!ExactStep(predicted, int_c[f], breaks, r.int_per_break[f])) return false;
        } else if (int_c[f] != predicted) {
          return false;
        }
        if (r.int_per_step[f] != 0 || r.int_per_break[f] != 0) r.changing_ints |= 1u << f;
      }
    }
  }
  return true;
}

void DecodeAttentionBasis::At(int64_t step, std::vector<AttentionSlice>& slices,
                              Records which) const {
  const std::vector<AttentionSlice>& shape = taken_[0];
  const Offset at = OffsetOf(step);
  const int64_t int_dk = step - points_[0];
  const int64_t int_dn = BreaksPassed(step) - first_point_breaks_;
  slices.resize(shape.size());
  size_t r = 0;
  for (size_t s = 0; s < shape.size(); ++s) {
    AttentionSlice& slice = slices[s];
    slice.layers = shape[s].layers;
    slice.attention_class = shape[s].attention_class;
    slice.phases.clear();
    for (size_t p = 0; p < shape[s].phases.size(); ++p) {
      const Record& record = records_[r++];
      if ((which == Records::kVarying && !record.varying()) ||
          (which == Records::kConstant && record.varying())) {
        continue;
      }
      ic_phase_cost& cost = slice.phases.emplace_back(record.base);
      if (record.changing_doubles != 0) {
        Doubles fields = record.base_doubles;
        for (uint32_t bits = record.changing_doubles; bits != 0; bits &= bits - 1) {
          const int f = __builtin_ctz(bits);
          fields[f] = FieldAt(record, f, at);
        }
        SetDoubles(fields, cost);
      }
      for (uint32_t bits = record.changing_ints; bits != 0; bits &= bits - 1) {
        const int f = __builtin_ctz(bits);
        cost.*kIntFields[f] = static_cast<int64_t>(IntFieldAt(record, f, int_dk, int_dn));
      }
    }
  }
}

bool DecodeAttentionBasis::Matches(int64_t step,
                                   const std::vector<AttentionSlice>& attention) const {
  const std::vector<AttentionSlice>& fitted = taken_[0];
  if (attention.size() != fitted.size()) return false;
  const Offset at = OffsetOf(step);
  const int64_t dk = step - points_[0];
  const int64_t dn = BreaksPassed(step) - first_point_breaks_;
  size_t r = 0;
  for (size_t s = 0; s < attention.size(); ++s) {
    if (!SameSlice(attention[s], fitted[s])) return false;
    for (const ic_phase_cost& cost : attention[s].phases) {
      const Record& record = records_[r++];
      if (!record.varying() && SameBits(cost, record.base)) continue;  // (most of them)
      if (!SameKind(cost, record.base)) return false;
      const Doubles actual = DoublesOf(cost);
      for (size_t f = 0; f < actual.size(); ++f) {
        const double base = record.base_doubles[f];
        // A field that does not change, found unchanged (most of them): nothing to weigh.
        if ((record.changing_doubles & (1u << f)) == 0 && actual[f] == base) continue;
        const double predicted = record.varying() ? FieldAt(record, f, at) : base;
        const double scale =
            std::max({std::fabs(base), std::fabs(predicted), std::fabs(actual[f])});
        if (!(std::fabs(actual[f] - predicted) <= kRelativeTolerance * scale)) return false;
      }
      const Ints actual_ints = IntsOf(cost);
      for (size_t f = 0; f < actual_ints.size(); ++f) {
        if ((record.changing_ints & (1u << f)) == 0
                ? actual_ints[f] != record.base_ints[f]
                : IntFieldAt(record, f, dk, dn) != actual_ints[f]) {
          return false;
        }
      }
    }
  }
  return true;
}

void DecodeAttentionBasis::SetPoints(const std::array<int64_t, 3>& points) {
  points_ = points;
  first_point_breaks_ = BreaksPassed(points_[0]);
}

void DecodeAttentionBasis::Along(
    size_t record, double constant,
    const std::array<double, RecordValueModel::kFields.size()>& per_unit, Line& line) const {
  const Record& r = records_[record];
  double at_first = constant;
  double per_step = 0;
  double per_break = 0;
  for (size_t f = 0; f < kTimedFields.size(); ++f) {
    const size_t field = kTimedFields[f];
    at_first += per_unit[f] * r.base_doubles[field];
    if (!r.varying()) continue;  // (its changes are not kept: none)
    per_step += per_unit[f] * r.per_step[field];
    per_break += per_unit[f] * r.per_break[field];
  }
  line.at_first = at_first;
  line.per_step = per_step;
  line.per_break = per_break;
}

bool DecodeAttentionBasis::KeepsSigns(size_t record, int64_t steps) const {
  const Record& r = records_[record];
  // (step 1 passes no break: Plan's staircase has its breaks in 2 .. steps)
  const Offset first{static_cast<double>(1 - points_[0]),
                     static_cast<double>(-first_point_breaks_)};
  const Offset last = OffsetOf(steps);
  // Every timed field is weighed, without an early exit (six fields, mostly one way).
  bool keeps = true;
  for (const size_t field : kTimedFields) {
    const double base = r.base_doubles[field];
    if ((r.changing_doubles & (1u << field)) == 0) {  // constant: keeps its sign
      keeps &= base >= 0;
      continue;
    }
    // Zero at points()[0] and not elsewhere fails (base > 0). Steps and breaks only grow with
    // the step: with both changes of one sign the field is monotone, so positive throughout
    // when it is clearly positive at both ends.
    const double per_step = r.per_step[field];
    const double per_break = r.per_break[field];
    const double least = kRelativeTolerance * base;
    keeps &= base > 0 && !(per_step > 0 && per_break < 0) && !(per_step < 0 && per_break > 0) &&
             FieldAt(r, field, first) > least && FieldAt(r, field, last) > least;
  }
  return keeps;
}

}  // namespace infercost::framework
