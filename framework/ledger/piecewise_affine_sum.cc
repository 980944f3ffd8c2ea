#include "framework/ledger/piecewise_affine_sum.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "framework/base/status_macros.h"

namespace infercost::framework {
namespace {

// Segments of at most this many steps are summed step by step.
constexpr int64_t kDirectSteps = 8;
// Longer segments than this that are not one line are split where they leave the line through
// their first steps; shorter ones are halved.
constexpr int64_t kFindBreakSteps = 64;
// A probe agrees with the chord when every component is within this share of its magnitude.
constexpr double kRelativeTolerance = 1e-9;
// Where the probes sit in a segment: its middle and two points at irrational fractions, so
// that a regular staircase (a jump every P steps) cannot meet the chord at all three by the
// segment lengths halving in step with P.
constexpr double kProbeFractions[] = {0.5, 0.2763932022500210, 0.7236067977499790};

// Known breaks listed one by one up to this many (beyond, the sum searches for them itself):
// KV read in pages of 16 tokens over a million-token context. Listing them is cheap beside one
// sample; the sum then takes about seven samples for each run of equal stairs.
constexpr size_t kMostListedBreaks = size_t{1} << 16;
// A run of known stairs is summed as a plane from this many stairs and steps a stair on (fewer:
// stair by stair).
constexpr int64_t kPlaneStairs = 3;

bool OnChord(const AffineSample& a, const AffineSample& probe, const AffineSample& b,
             double fraction) {
  if (probe.shape != a.shape || b.shape != a.shape || probe.values.size() != a.values.size() ||
      b.values.size() != a.values.size()) {
    return false;
  }
  for (size_t i = 0; i < a.values.size(); ++i) {
    const double fa = a.values[i];
    const double fb = b.values[i];
    const double fp = probe.values[i];
    const double chord = fa + (fb - fa) * fraction;
    const double scale = std::max({std::fabs(fa), std::fabs(fb), std::fabs(fp)});
    if (std::fabs(fp - chord) > kRelativeTolerance * scale) return false;
  }
  return true;
}

// Whether `probe`, the sample at (stair m, step j) of a run whose corners (0, 0), (0, D - 1) and
// (M - 1, 0) are f00, f0j and fm0, lies on their plane:
// f00 + j / (D - 1) (f0j - f00) + m / (M - 1) (fm0 - f00).
bool OnPlane(const AffineSample& f00, const AffineSample& f0j, const AffineSample& fm0,
             const AffineSample& probe, double j_fraction, double m_fraction) {
  const size_t n = f00.values.size();
  if (f0j.shape != f00.shape || fm0.shape != f00.shape || probe.shape != f00.shape ||
      f0j.values.size() != n || fm0.values.size() != n || probe.values.size() != n) {
    return false;
  }
  for (size_t i = 0; i < n; ++i) {
    const double base = f00.values[i];
    const double plane =
        base + (f0j.values[i] - base) * j_fraction + (fm0.values[i] - base) * m_fraction;
    const double scale = std::max({std::fabs(base), std::fabs(f0j.values[i]),
                                   std::fabs(fm0.values[i]), std::fabs(probe.values[i])});
    if (std::fabs(probe.values[i] - plane) > kRelativeTolerance * scale) return false;
  }
  return true;
}

// A known break: its step and which staircases (bits) hold it.
struct KnownBreak {
  int64_t step;
  uint64_t staircases;
};

// The known breaks in (first, last], sorted, one entry per step; false when there are too many
// to list (or staircases to tell apart).
bool ListBreaks(int64_t first, int64_t last, absl::Span<const Staircase> known,
                absl::InlinedVector<KnownBreak, 64>& breaks) {
  if (known.size() > 64) return false;
  size_t total = 0;
  for (size_t s = 0; s < known.size(); ++s) {
    const Staircase& stairs = known[s];
    if (stairs.period < 1 || stairs.count < 1) continue;
    // Break i at first + i * period (in 128 bits: a declared staircase may reach far).
    const __int128 start = stairs.first;
    const __int128 period = stairs.period;
    const __int128 lowest = start > first ? 0 : (first - start) / period + 1;
    if (last < start) continue;
    const __int128 highest = std::min<__int128>(stairs.count - 1, (last - start) / period);
    if (highest < lowest) continue;
    total += static_cast<size_t>(std::min<__int128>(highest - lowest + 1, kMostListedBreaks + 1));
    if (total > kMostListedBreaks) return false;
    breaks.reserve(total);
    for (__int128 i = lowest; i <= highest; ++i) {
      breaks.push_back({static_cast<int64_t>(start + i * period), uint64_t{1} << s});
    }
  }
  std::sort(breaks.begin(), breaks.end(),
            [](const KnownBreak& a, const KnownBreak& b) { return a.step < b.step; });
  size_t kept = 0;
  for (const KnownBreak& b : breaks) {
    if (kept > 0 && breaks[kept - 1].step == b.step) {
      breaks[kept - 1].staircases |= b.staircases;
    } else {
      breaks[kept++] = b;
    }
  }
  breaks.resize(kept);
  return true;
}

class Summer {
 public:
  // The steps of a segment left to sum after a split: [a, b) with a's sample.
  struct Tail {
    int64_t a = 0;
    AffineSample fa;
  };

  Summer(SampleAtRef sample, AddWeightedRef add) : sample_(sample), add_(add) {}

  absl::StatusOr<AffineSample> At(int64_t step) {
    ++stats_.samples;
    return sample_(step);
  }

  // Adds the steps [a, b), given the samples at a and at b. `on_first_line`: a, a + 1 and b are
  // known to lie on one line (a segment SplitAtBreak cut off before a break), so the middle
  // alone is probed (a function that is convex between jumps, as a maximum of affine pieces is,
  // cannot leave the line through a, a + 1 and come back to it at b; a jump away and back can,
  // and the middle is there for it). What a split leaves after its break is summed by the next
  // turn of the loop, not by a nested call: a staircase of many stairs nests nothing.
  absl::Status Segment(int64_t a, int64_t b, const AffineSample& first, const AffineSample& fb,
                       bool on_first_line = false) {
    const AffineSample* fa = &first;
    Tail rest;  // [rest.a, b) once a split has summed the part before it
    for (;;) {
      const int64_t n = b - a;
      if (n <= 0) return absl::OkStatus();
      if (n <= kDirectSteps) {
        add_(*fa, 1);
        for (int64_t k = a + 1; k < b; ++k) {
          ASSIGN_OR_RETURN(const AffineSample fk, At(k));
          add_(fk, 1);
        }
        return absl::OkStatus();
      }
      Tail next;
      // A staircase so far (the last segment split left its line this far from its start):
      // look for the next break as far from this segment's start before probing the chord,
      // which a segment holding more than one stair fails anyway.
      if (!on_first_line && last_break_distance_ > 1 && n > 2 * last_break_distance_ &&
          n > kFindBreakSteps) {
        ASSIGN_OR_RETURN(const bool split, SplitAtGuess(a, *fa, next));
        if (split) {
          rest = std::move(next);
          a = rest.a;
          fa = &rest.fa;
          continue;
        }
      }
      const int64_t middle = a + n / 2;
      ASSIGN_OR_RETURN(AffineSample fm, At(middle));
      bool affine = OnChord(*fa, fm, fb, static_cast<double>(middle - a) / static_cast<double>(n));
      for (size_t p = 1; affine && !on_first_line && p < std::size(kProbeFractions); ++p) {
        const int64_t probe = a + static_cast<int64_t>(kProbeFractions[p] * static_cast<double>(n));
        ASSIGN_OR_RETURN(const AffineSample fp, At(probe));
        affine = OnChord(*fa, fp, fb, static_cast<double>(probe - a) / static_cast<double>(n));
      }
      if (affine) {
        // sum_{j=0}^{n-1} (fa + (fb - fa) j / n) = fa (n - (n-1)/2) + fb (n-1)/2.
        const double to_b = static_cast<double>(n - 1) / 2;
        add_(*fa, static_cast<double>(n) - to_b);
        add_(fb, to_b);
        ++stats_.segments;
        return absl::OkStatus();
      }
      if (n <= kFindBreakSteps) {
        RETURN_IF_ERROR(Segment(a, middle, *fa, fm));
        next = {middle, std::move(fm)};
      } else {
        RETURN_IF_ERROR(SplitAtBreak(a, b, *fa, fb, middle, fm, next));
      }
      rest = std::move(next);
      a = rest.a;
      fa = &rest.fa;
      on_first_line = false;
    }
  }

  // The staircase guess on its own: when the line through a and a + 1 holds at a + D - 1 and not
  // at a + D (D the last stair's length, break to break), sums [a, a + D) and leaves the steps
  // from a + D on in `rest` (true); false (three samples spent, nothing added) when the staircase
  // does not go on here.
  absl::StatusOr<bool> SplitAtGuess(int64_t a, const AffineSample& fa, Tail& rest) {
    const int64_t on = a + last_break_distance_ - 1;
    const int64_t off = on + 1;
    ASSIGN_OR_RETURN(const AffineSample f_next, At(a + 1));
    ASSIGN_OR_RETURN(AffineSample f_on, At(on));
    guess_failed_at_ = a;  // until it holds: SplitAtBreak then does not try it again
    if (!OnChord(fa, f_on, f_next, static_cast<double>(on - a))) return false;
    ASSIGN_OR_RETURN(AffineSample f_off, At(off));
    if (OnChord(fa, f_off, f_next, static_cast<double>(off - a))) return false;
    guess_failed_at_ = -1;
    previous_break_ = off;
    RETURN_IF_ERROR(Segment(a, on, fa, f_on, /*on_first_line=*/true));
    add_(f_on, 1);
    rest = {off, std::move(f_off)};
    return true;
  }

  // A long segment that is not one line: follow the line through its first two steps to where
  // the steps leave it (bisection, one sample a halving), sum the part before as a segment of
  // its own and leave the part after in `rest` (each checked like any other). A regime change
  // then costs O(log n) samples once, not three probes at every level of halving. `middle`
  // (strictly inside) was sampled already (`fm`): it narrows the search before any new sample.
  absl::Status SplitAtBreak(int64_t a, int64_t b, const AffineSample& fa, const AffineSample& fb,
                            int64_t middle, const AffineSample& fm, Tail& rest) {
    ASSIGN_OR_RETURN(const AffineSample f_next, At(a + 1));
    const auto on_first_line = [&](const AffineSample& probe, int64_t k) {
      return OnChord(fa, probe, f_next, static_cast<double>(k - a));
    };
    // Invariant: step `on` lies on the line, step `off` does not (b itself, if nothing earlier).
    int64_t on = a + 1;
    int64_t off = b;
    AffineSample f_on = f_next;
    AffineSample f_off = fb;
    // Moves the end that step k (strictly between `on` and `off`, sampled as f_k) belongs to
    // there; true when k lies on the line.
    const auto place = [&](int64_t k, AffineSample f_k) {
      const bool on_line = on_first_line(f_k, k);
      (on_line ? on : off) = k;
      (on_line ? f_on : f_off) = std::move(f_k);
      return on_line;
    };
    // The same for a step sampled now.
    const auto narrow = [&](int64_t k) -> absl::StatusOr<bool> {
      ASSIGN_OR_RETURN(AffineSample f_k, At(k));
      return place(k, std::move(f_k));
    };
    if (middle > on && middle < off) place(middle, fm);
    // A staircase (flash-decoding's split count steps every so many keys) leaves its line one
    // stair after the previous break: try that distance first (two samples; bisection goes on
    // from whatever they show when the guess is wrong).
    const int64_t guess = a + last_break_distance_;
    if (last_break_distance_ > 1 && guess_failed_at_ != a && guess - 1 > on && guess < off) {
      ASSIGN_OR_RETURN(const bool before_on_line, narrow(guess - 1));
      if (before_on_line) RETURN_IF_ERROR(narrow(guess).status());
    }
    while (off - on > 1) RETURN_IF_ERROR(narrow(on + (off - on) / 2).status());
    // [a, on] and [off, b): `on` + 1 = `off`. A segment that began at the previous break
    // measured a stair (the range's first segment, starting anywhere, measures nothing).
    if (a == previous_break_) last_break_distance_ = off - a;
    previous_break_ = off;
    RETURN_IF_ERROR(Segment(a, on, fa, f_on, /*on_first_line=*/on > a + 1));
    add_(f_on, 1);
    rest = {off, std::move(f_off)};
    return absl::OkStatus();
  }

  // The steps [first, last] cut at known `breaks` (in (first, last], sorted): each stair a
  // segment, a run of equal stairs that jump alike one plane.
  absl::Status KnownStairs(int64_t first, int64_t last, absl::Span<const KnownBreak> breaks) {
    const size_t n = breaks.size();
    // Stair t: [start(t), start(t + 1) - 1], t = 0 .. n; stair t > 0 starts at break t - 1.
    const auto start = [&](size_t t) { return t == 0 ? first : breaks[t - 1].step; };
    const auto end = [&](size_t t) { return t == n ? last : breaks[t].step - 1; };
    RETURN_IF_ERROR(Stair(start(0), end(0)));
    size_t t = 1;
    while (t < n) {  // stairs between two breaks
      const int64_t length = end(t) - start(t) + 1;
      // Stairs t .. t + m - 1 of one length whose inner breaks (t .. t + m - 2) jump alike.
      size_t m = 1;
      while (t + m < n && end(t + m) - start(t + m) + 1 == length &&
             breaks[t + m - 1].staircases == breaks[t].staircases) {
        ++m;
      }
      RETURN_IF_ERROR(Run(start(t), length, static_cast<int64_t>(m)));
      t += m;
    }
    if (n > 0) RETURN_IF_ERROR(Stair(start(n), end(n)));
    return absl::OkStatus();
  }

  const SumStats& stats() const { return stats_; }

 private:
  // The steps [a, e], no known break inside.
  absl::Status Stair(int64_t a, int64_t e) {
    ASSIGN_OR_RETURN(const AffineSample fa, At(a));
    if (e == a) {
      add_(fa, 1);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(const AffineSample fe, At(e));
    RETURN_IF_ERROR(Segment(a, e, fa, fe));
    add_(fe, 1);
    return absl::OkStatus();
  }

  // `stairs` stairs of `length` steps from step `s`, each break between them jumping alike:
  // the step j of stair m is f(0, 0) + j (f(0, D-1) - f(0, 0)) / (D-1) + m (f(M-1, 0) -
  // f(0, 0)) / (M-1) where the quantity is affine in the context and the stair, which the
  // fourth corner and three interior probes check (a convex or concave quantity equal to a
  // plane at the corners and at an interior point is that plane); halved when it is not. Sum:
  // M D f00 + M D (D-1)/2 (f0j - f00)/(D-1) + D M (M-1)/2 (fm0 - f00)/(M-1) = M D/2 (f0j + fm0).
  absl::Status Run(int64_t s, int64_t length, int64_t stairs) {
    if (stairs < kPlaneStairs || length < kPlaneStairs) {
      for (int64_t m = 0; m < stairs; ++m) {
        RETURN_IF_ERROR(Stair(s + m * length, s + (m + 1) * length - 1));
      }
      return absl::OkStatus();
    }
    const int64_t last_stair = s + (stairs - 1) * length;
    ASSIGN_OR_RETURN(const AffineSample f00, At(s));
    ASSIGN_OR_RETURN(const AffineSample f0j, At(s + length - 1));
    ASSIGN_OR_RETURN(const AffineSample fm0, At(last_stair));
    ASSIGN_OR_RETURN(const AffineSample fmj, At(last_stair + length - 1));
    bool plane = OnPlane(f00, f0j, fm0, fmj, 1, 1);
    // Interior probes: (stair, step) at the middle and at two irrational fractions, crossed.
    for (size_t p = 0; plane && p < std::size(kProbeFractions); ++p) {
      const double m_fraction = kProbeFractions[p];
      const double j_fraction = kProbeFractions[(std::size(kProbeFractions) - p) % 3];
      const int64_t m = std::clamp<int64_t>(
          static_cast<int64_t>(m_fraction * static_cast<double>(stairs - 1)), 1, stairs - 2);
      const int64_t j = std::clamp<int64_t>(
          static_cast<int64_t>(j_fraction * static_cast<double>(length - 1)), 1, length - 2);
      ASSIGN_OR_RETURN(const AffineSample probe, At(s + m * length + j));
      plane =
          OnPlane(f00, f0j, fm0, probe, static_cast<double>(j) / static_cast<double>(length - 1),
                  static_cast<double>(m) / static_cast<double>(stairs - 1));
    }
    if (plane) {
      const double half_steps = static_cast<double>(stairs) * static_cast<double>(length) / 2;
      add_(f0j, half_steps);
      add_(fm0, half_steps);
      ++stats_.segments;
      return absl::OkStatus();
    }
    const int64_t half = stairs / 2;
    RETURN_IF_ERROR(Run(s, length, half));
    return Run(s + half * length, length, stairs - half);
  }

  SampleAtRef sample_;
  AddWeightedRef add_;
  SumStats stats_;
  int64_t last_break_distance_ = 0;  // from one break to the next (a stair), once measured
  int64_t previous_break_ = -1;      // the first step past the last break found
  int64_t guess_failed_at_ = -1;     // the segment start where SplitAtGuess's guess failed
};

}  // namespace

absl::StatusOr<SumStats> SumPiecewiseAffine(int64_t first, int64_t last, SampleAtRef sample,
                                            AddWeightedRef add,
                                            absl::Span<const Staircase> known_breaks) {
  Summer summer(sample, add);
  if (last < first) return summer.stats();
  if (!known_breaks.empty()) {
    absl::InlinedVector<KnownBreak, 64> breaks;
    if (ListBreaks(first, last, known_breaks, breaks) && !breaks.empty()) {
      RETURN_IF_ERROR(summer.KnownStairs(first, last, breaks));
      return summer.stats();
    }
  }
  ASSIGN_OR_RETURN(const AffineSample f_first, summer.At(first));
  if (last == first) {
    add(f_first, 1);
    return summer.stats();
  }
  ASSIGN_OR_RETURN(const AffineSample f_last, summer.At(last));
  RETURN_IF_ERROR(summer.Segment(first, last, f_first, f_last));
  add(f_last, 1);
  return summer.stats();
}

}  // namespace infercost::framework
