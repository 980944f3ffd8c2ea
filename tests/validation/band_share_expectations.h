// What every validation suite's "in band" share must satisfy on a file the shipped error bands
// were derived from (issue 12, points 2 and 5): the bands claim 80 % and hold at least that, and
// the groups' shares, weighted by their rows, add up to the suite's.
//
//   ExpectBandsHoldTheirShareAndGroupsAddUp(Validate("aic_serving_low_concurrency.csv"));
#ifndef INFERCOST_TESTS_VALIDATION_BAND_SHARE_EXPECTATIONS_H_
#define INFERCOST_TESTS_VALIDATION_BAND_SHARE_EXPECTATIONS_H_

#include "gtest/gtest.h"

namespace infercost::testing {

// `Validation`: validation::AicValidation or AnlValidation (band_coverage, in_band, groups with
// in_band and rows, results).
template <class Validation>
void ExpectBandsHoldTheirShareAndGroupsAddUp(const Validation& v) {
  EXPECT_DOUBLE_EQ(v.band_coverage, 0.8);
  EXPECT_GE(v.in_band, 0.8);
  double inside = 0;
  for (const auto& g : v.groups) inside += g.in_band * static_cast<double>(g.rows);
  EXPECT_NEAR(inside, v.in_band * static_cast<double>(v.results.size()), 1e-6);
}

}  // namespace infercost::testing

#endif  // INFERCOST_TESTS_VALIDATION_BAND_SHARE_EXPECTATIONS_H_
