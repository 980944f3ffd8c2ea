#include "decode_breaks_check.h"

#include <algorithm>
#include <cmath>
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
  }
  problems.FailIfAny(Cat("decode_breaks does not describe the ", what, ": "));
  if (stages == 0) {
    return {Status::kSkip, "decode_breaks returns IC_BREAKS_UNKNOWN for every decode stage", {}};
  }
  return {Status::kPass,
          Cat(stages, " decode stages, contexts 1..", kLastCheckedContext, ": the ", what,
              " affine between the ", declared,
              " declared breaks, and each staircase's breaks jump alike"),
          {}};
}

}  // namespace infercost::conformance
