// How far to trust a scenario's time and money numbers, from the measured error of its regime:
// the headline time's band (framework/error_band.h; static: end-to-end, serving and disagg: TPOT)
// as a ± fraction, labelled with the explainer's levels (calculator-spec §4: high within ±30 %,
// medium within ±50 %, low beyond), with the measurements behind it and every reason it was
// widened. No rule on engine, device or model names: only what was measured. A regime with no
// measurements of its own (TimeBand::calibrated false: the stand-in band of every regime) is low,
// whatever that stand-in's width.
//
// The level is decided without text; the reasons are written only when a report asks for them.
//
//   Confidence c = AssessConfidence(summary.e2e_band, summary.e2e_s, 0.8);
//   for (const std::string& reason : ConfidenceReasons(c)) ...
#ifndef INFERCOST_FRAMEWORK_CONFIDENCE_H_
#define INFERCOST_FRAMEWORK_CONFIDENCE_H_

#include <string>
#include <vector>

#include "framework/error_band.h"

namespace infercost::framework {

struct Confidence {
  std::string level;  // "high" | "medium" | "low"
  double band = 1.0;  // relative error band: 0.3 = ±30% (the farther side of the measured band)
  // What the level rests on (for ConfidenceReasons): the headline time's band, the time itself
  // and the share of measurements the band holds.
  TimeBand basis;
  double value_s = 0;
  double coverage = 0;
};

inline constexpr double kHighConfidenceBand = 0.3;
inline constexpr double kMediumConfidenceBand = 0.5;

// `band` of a prediction `value` (seconds) at `coverage` of the measurements.
Confidence AssessConfidence(const TimeBand& band, double value, double coverage);
// Why, in words: the measurements behind the band and every reason it was widened.
std::vector<std::string> ConfidenceReasons(const Confidence& confidence);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_CONFIDENCE_H_
