#include "common.h"

#include <cmath>
#include <cstdio>

namespace infercost::conformance {

std::string Num(double value) {
  if (std::isnan(value)) return "NaN";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

void Problems::FailIfAny(const std::string& prefix) const {
  if (problems_.empty()) return;
  constexpr size_t kShown = 6;
  std::string reason = prefix;
  for (size_t i = 0; i < problems_.size() && i < kShown; ++i) {
    if (i > 0) reason += "; ";
    reason += problems_[i];
  }
  if (problems_.size() > kShown) reason += Cat(" (and ", problems_.size() - kShown, " more)");
  Fail(reason);
}

}  // namespace infercost::conformance
