#include "framework/confidence.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_split.h"
#include "fmt/format.h"

namespace infercost::framework {

Confidence AssessConfidence(const TimeBand& band, double value, double coverage) {
  Confidence c;
  if (!(value > 0)) {
    return {"low", 1.0, {"the predicted time is zero: nothing to measure it against"}};
  }
  // The measurement lies in [low_s, high_s] at `coverage`: how far that is from the prediction.
  c.band = std::max(band.high_s / value - 1, 1 - band.low_s / value);
  c.level = c.band <= kHighConfidenceBand + 1e-9     ? "high"
            : c.band <= kMediumConfidenceBand + 1e-9 ? "medium"
                                                     : "low";
  if (band.calibrated) {
    c.reasons.push_back(fmt::format(
        "{:.0f}% of {} measurements of regime {} lay within {:+.0f}% .. {:+.0f}% of the prediction",
        100 * coverage, band.rows, band.regime, 100 * (band.low_s / value - 1),
        100 * (band.high_s / value - 1)));
  }
  for (absl::string_view why : absl::StrSplit(band.why, "; ", absl::SkipEmpty())) {
    c.reasons.emplace_back(why);
  }
  return c;
}

}  // namespace infercost::framework
