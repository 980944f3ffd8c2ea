#include "decode_breaks_check.h"

#include <algorithm>
#include <cmath>

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

}  // namespace

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

}  // namespace infercost::conformance
