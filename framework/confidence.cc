#include "framework/confidence.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_split.h"
#include "fmt/format.h"

namespace infercost::framework {

Confidence AssessConfidence(const TimeBand& band, double value, double coverage) {
  Confidence c;
  c.basis = band;
  c.value_s = value;
  c.coverage = coverage;
  if (!(value > 0)) {
    c.level = "low";
    return c;
  }
  // The measurement lies in [low_s, high_s] at `coverage`: how far that is from the prediction.
  c.band = std::max(band.high_s / value - 1, 1 - band.low_s / value);
  // Without measurements of its own regime the band is a stand-in (every regime's, doubled), whose
  // width follows how well the other regimes are predicted: it does not earn a level above low.
  c.level = !band.calibrated                         ? "low"
            : c.band <= kHighConfidenceBand + 1e-9   ? "high"
            : c.band <= kMediumConfidenceBand + 1e-9 ? "medium"
                                                     : "low";
  return c;
}

std::vector<std::string> ConfidenceReasons(const Confidence& c) {
  const TimeBand& band = c.basis;
  if (!(c.value_s > 0)) return {"the predicted time is zero: nothing to measure it against"};
  std::vector<std::string> reasons;
  if (band.calibrated) {
    reasons.push_back(fmt::format(
        "{:.0f}% of {} measurements of regime {} lay within {:+.0f}% .. {:+.0f}% of the prediction",
        100 * c.coverage, band.rows, std::string(band.regime), 100 * (band.low_s / c.value_s - 1),
        100 * (band.high_s / c.value_s - 1)));
  }
  for (absl::string_view why : absl::StrSplit(BandWhy(band), "; ", absl::SkipEmpty())) {
    reasons.emplace_back(why);
  }
  return reasons;
}

}  // namespace infercost::framework
