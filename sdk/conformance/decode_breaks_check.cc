#include "decode_breaks_check.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "fixtures.h"

namespace infercost::conformance {
namespace {

// Whether b - a == c - b in every value, to 1e-9 of their size (three points on a line, or
// two equal jumps).
bool EqualSteps(const std::vector<double>& a, const std::vector<double>& b,
                const std::vector<double>& c) {
  if (a.size() != b.size() || b.size() != c.size() || a.empty()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const double scale = std::max({std::fabs(a[i]), std::fabs(b[i]), std::fabs(c[i]), 1.0});
    if (std::fabs((b[i] - a[i]) - (c[i] - b[i])) > 1e-9 * scale) return false;
  }
  return true;
}

// Checks `stairs` (what decode_breaks declared for the steps named `steps`) against
// `values(c)`; `input` as for CheckDecodeBreaks. Adds the breaks seen to `declared`.
void CheckDeclaredBreaks(const std::string& steps, const std::vector<ic_context_stairs>& stairs,
                         const std::function<std::vector<double>(int64_t)>& values,
                         const std::function<std::vector<double>(int64_t)>& input,
                         Problems& problems, int& declared) {
  constexpr int64_t kLast = kLastCheckedContext;
  // Which staircase (index + 1) holds each context as a break; 0: none.
  std::vector<int> staircase_at(kLast + 2, 0);
  for (size_t s = 0; s < stairs.size(); ++s) {
    const ic_context_stairs& st = stairs[s];
    if (st.period < 1 || st.count < 1) {
      problems.Add(Cat(steps, ": staircase ", s, " has period ", st.period, " and count ", st.count,
                       " (both must be >= 1)"));
      continue;
    }
    for (int64_t i = 0; i < st.count; ++i) {
      const int64_t at = st.first + i * st.period;
      if (at > kLast + 1) break;
      if (at >= 1) staircase_at[at] = staircase_at[at] == 0 ? static_cast<int>(s) + 1 : -1;
      ++declared;
    }
  }
  std::vector<std::vector<double>> in(kLast + 2);
  std::vector<std::vector<double>> out(kLast + 2);
  for (int64_t c = 1; c <= kLast + 1; ++c) {
    if (input) in[c] = input(c);
    out[c] = values(c);
  }
  // Without an input the plugin's own numbers must be affine wherever no break is declared.
  const auto input_affine = [&](int64_t a, int64_t b, int64_t c) {
    return !input || EqualSteps(in[a], in[b], in[c]);
  };
  int reported = 0;
  for (int64_t c = 2; c <= kLast && reported < 3; ++c) {
    // c - 1, c, c + 1 in one stair (no break at c or c + 1) where the input is affine.
    if (staircase_at[c] != 0 || staircase_at[c + 1] != 0) continue;
    if (!input_affine(c - 1, c, c + 1)) continue;
    if (!EqualSteps(out[c - 1], out[c], out[c + 1])) {
      problems.Add(Cat(steps, ": the numbers bend at context ", c, " where no break is declared"));
      ++reported;
    }
  }
  // Breaks of one staircase jump alike: the jump at a break, less the slope beside it.
  for (size_t s = 0; s < stairs.size(); ++s) {
    std::vector<double> previous;
    for (int64_t c = 3; c + 1 <= kLast; ++c) {
      if (staircase_at[c] != static_cast<int>(s) + 1 || staircase_at[c - 1] != 0 ||
          staircase_at[c + 1] != 0 || !input_affine(c - 2, c - 1, c) ||
          !input_affine(c - 1, c, c + 1)) {
        continue;
      }
      if (out[c].size() != out[c - 1].size() || out[c].size() != out[c - 2].size()) {
        continue;  // a failed call (reported) or a record count that changes (a bend above)
      }
      // Jump at c beyond the line through c - 2, c - 1: out[c] - 2 out[c-1] + out[c-2].
      std::vector<double> jump(out[c].size());
      for (size_t i = 0; i < jump.size(); ++i) {
        jump[i] = out[c][i] - 2 * out[c - 1][i] + out[c - 2][i];
      }
      if (!previous.empty() && previous.size() == jump.size()) {
        for (size_t i = 0; i < jump.size() && reported < 3; ++i) {
          const double scale = std::max({std::fabs(out[c][i]), std::fabs(previous[i]), 1.0});
          if (std::fabs(jump[i] - previous[i]) > 1e-9 * scale) {
            problems.Add(Cat(steps, ": staircase ", s, " jumps by ", Num(jump[i]), " at context ",
                             c, " but by ", Num(previous[i]), " at its previous break (value ", i,
                             ")"));
            ++reported;
            break;
          }
        }
      }
      previous = std::move(jump);
      // Two or more breaks change the numbers alike, so never their slope: the host fits one
      // slope for every stair of such a staircase (a window that fills, one break, may bend).
      if (stairs[s].count >= 2) {
        for (size_t i = 0; i < out[c].size() && out[c + 1].size() == out[c].size() && reported < 3;
             ++i) {
          const double before = out[c - 1][i] - out[c - 2][i];
          const double after = out[c + 1][i] - out[c][i];
          const double scale = std::max({std::fabs(out[c + 1][i]), std::fabs(out[c][i]), 1.0});
          if (std::fabs(after - before) > 1e-9 * scale) {
            problems.Add(Cat(steps, ": staircase ", s, " of ", stairs[s].count,
                             " breaks changes the slope at context ", c, ": ", Num(before),
                             " a context before it, ", Num(after), " after it (value ", i,
                             "); the breaks of one staircase change the numbers alike, never "
                             "their slope (a bend is a staircase of its own, of one break)"));
            ++reported;
            break;
          }
        }
      }
    }
  }
}

// Beyond kLastCheckedContext: in each doubling [2^e, 2^(e+1)] of the context up to
// kFarthestCheckedContext, the stretch from its start to the first declared break must be affine
// (checked at its ends and middle: a bend anywhere in it moves the middle off the line), and the
// first break of each staircase in each doubling (from 2,048 on) must jump as its first break in
// the doubling before.
void CheckFarBreaks(const std::string& steps, const std::vector<ic_context_stairs>& stairs,
                    const std::function<std::vector<double>(int64_t)>& values,
                    const std::function<std::vector<double>(int64_t)>& input, Problems& problems,
                    int& declared) {
  // The first declared break at or after `from` (of any staircase; kFarthest + 2 when none).
  const auto next_break = [&](int64_t from) {
    int64_t best = kFarthestCheckedContext + 2;
    for (const ic_context_stairs& st : stairs) {
      if (st.period < 1 || st.count < 1) continue;
      const int64_t last = st.first + (st.count - 1) * st.period;
      if (last < from) continue;
      const int64_t i = from <= st.first ? 0 : (from - st.first + st.period - 1) / st.period;
      best = std::min(best, st.first + i * st.period);
    }
    return best;
  };
  const auto is_break = [&](int64_t c) { return next_break(c) == c; };
  // Whether f is affine over a, b, c; nullopt where a call failed (a plugin may refuse contexts
  // that long: not a bend).
  const auto affine = [&](int64_t a, int64_t b, int64_t c, const auto& f) -> std::optional<bool> {
    const std::vector<double> at_a = f(a), at_b = f(b), at_c = f(c);
    if (at_a.empty() || at_b.empty() || at_c.empty()) return std::nullopt;
    return EqualSteps(at_a, at_b, at_c);
  };
  for (int64_t lo = kLastCheckedContext; lo < kFarthestCheckedContext; lo *= 2) {
    const int64_t hi = 2 * lo;
    // The stretch [lo, end]: up to the first break after lo (or the doubling's end).
    const int64_t end = std::min(hi, next_break(lo + 1) - 1);
    if (is_break(lo) || end - lo < 2) continue;
    const int64_t half = (end - lo) / 2;
    const int64_t a = lo, m = lo + half, b = lo + 2 * half;
    if (!input || affine(a, m, b, input).value_or(false)) {
      if (affine(a, m, b, values).value_or(true)) continue;
      problems.Add(Cat(steps, ": the numbers bend between contexts ", a, " and ", b,
                       " where no break is declared"));
      return;
    }
  }
  // Each staircase's breaks beyond: the first in each doubling jumps as the one before it.
  for (size_t s = 0; s < stairs.size(); ++s) {
    const ic_context_stairs& st = stairs[s];
    if (st.period < 1 || st.count < 1) continue;
    std::vector<double> previous;
    int64_t previous_at = 0;
    for (int64_t lo = kLastCheckedContext / 2; lo < kFarthestCheckedContext; lo *= 2) {
      const int64_t i = lo <= st.first ? 0 : (lo - st.first + st.period - 1) / st.period;
      if (i >= st.count) break;
      const int64_t x = st.first + i * st.period;
      if (x >= 2 * lo || x < 3 || x == previous_at) continue;
      if (is_break(x - 1) || is_break(x - 2)) continue;
      if (input && !affine(x - 2, x - 1, x, input).value_or(false)) continue;
      const std::vector<double> at = values(x), one = values(x - 1), two = values(x - 2);
      if (at.empty() || at.size() != one.size() || at.size() != two.size()) continue;
      std::vector<double> jump(at.size());
      for (size_t k = 0; k < jump.size(); ++k) jump[k] = at[k] - 2 * one[k] + two[k];
      if (!previous.empty() && previous.size() == jump.size()) {
        for (size_t k = 0; k < jump.size(); ++k) {
          const double scale = std::max({std::fabs(at[k]), std::fabs(previous[k]), 1.0});
          if (std::fabs(jump[k] - previous[k]) > 1e-9 * scale) {
            problems.Add(Cat(steps, ": staircase ", s, " jumps by ", Num(jump[k]), " at context ",
                             x, " but by ", Num(previous[k]), " at context ", previous_at,
                             " (value ", k, ")"));
            return;
          }
        }
      }
      previous = std::move(jump);
      previous_at = x;
      if (x > kLastCheckedContext + 1) ++declared;
    }
  }
}

}  // namespace

CheckResult CheckDecodeBreaks(const std::string& what, bool accepts_tp2,
                              const DeclareBreaks& declare, const StepNumbers& numbers,
                              const StepNumbers& input) {
  Problems problems;
  int declared = 0;
  int stages = 0;
  for (const ic_stage& base : {Decode(1, 1), Decode(16, 1), Decode(1, 1, 2), Decode(3, 1, 2)}) {
    if (base.tensor_parallel == 2 && !accepts_tp2) continue;
    const std::string steps =
        Cat("decode steps of batch ", base.batch, " at tp ", base.tensor_parallel);
    Progress(Cat("decode_breaks of ", steps));
    std::vector<ic_context_stairs> stairs;
    ErrorInfo error;
    const int64_t count = declare(base, stairs, error);
    if (error.is_error) {
      problems.Add(Cat(steps, ": decode_breaks failed: ", error.ToString()));
      continue;
    }
    if (count == IC_BREAKS_UNKNOWN) continue;
    if (count < 0 || count > static_cast<int64_t>(kOfferedStaircases)) {
      problems.Add(Cat(steps, ": decode_breaks returned count ", count, " (>= 0, at most the ",
                       "capacity ", kOfferedStaircases, ", or IC_BREAKS_UNKNOWN)"));
      continue;
    }
    ++stages;
    const auto at = [&](const StepNumbers& f) -> std::function<std::vector<double>(int64_t)> {
      if (!f) return nullptr;
      return [&, f](int64_t context) { return f(base, context, problems); };
    };
    CheckDeclaredBreaks(steps, stairs, at(numbers), at(input), problems, declared);
    // (far contexts a plugin refuses are skipped, not reported)
    const auto far = [&](const StepNumbers& f) -> std::function<std::vector<double>(int64_t)> {
      if (!f) return nullptr;
      return [&, f](int64_t context) {
        Problems refused;
        std::vector<double> v = f(base, context, refused);
        return refused.empty() ? v : std::vector<double>{};
      };
    };
    CheckFarBreaks(steps, stairs, far(numbers), far(input), problems, declared);
  }
  problems.FailIfAny(Cat("decode_breaks does not describe the ", what, ": "));
  if (stages == 0) {
    return {Status::kSkip, "decode_breaks returns IC_BREAKS_UNKNOWN for every decode stage", {}};
  }
  return {Status::kPass,
          Cat(stages, " decode stages, contexts 1..", kLastCheckedContext,
              " one by one and a few in each doubling up to ", kFarthestCheckedContext, ": the ",
              what, " affine between the ", declared,
              " declared breaks, and each staircase's breaks jump alike (two or more keeping the "
              "slope)"),
          {}};
}

}  // namespace infercost::conformance
