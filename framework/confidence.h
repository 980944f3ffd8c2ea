// How far to trust a scenario's time and money numbers: a band from the explainer's rules
// (calculator-spec §4), with the reasons that set it. To be replaced by the measured error of the
// validation harness for the scenario's regime.
//
//   Confidence c = AssessConfidence(scenario);   // c.level == "high", c.band == 0.3
#ifndef INFERCOST_FRAMEWORK_CONFIDENCE_H_
#define INFERCOST_FRAMEWORK_CONFIDENCE_H_

#include <string>
#include <vector>

#include "framework/scenario.h"

namespace infercost::framework {

struct Confidence {
  std::string level;  // "high" | "medium" | "low"
  double band = 1.0;  // relative error band: 0.3 = ±30%
  std::vector<std::string> reasons;
};

Confidence AssessConfidence(const Scenario& scenario);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_CONFIDENCE_H_
