// SumOfLargestLine: sums of the upper envelope of a few lines over whole steps, worked out by
// hand term by term.
#include "framework/ledger/largest_line_sum.h"

#include "gtest/gtest.h"

namespace infercost::framework {
namespace {

TEST(SumOfLargestLine, OneLineIsAnArithmeticSeries) {
  // 3 + 2t over t = 0 .. 9: 10 x 3 + 2 x (0 + ... + 9) = 30 + 90 = 120.
  const AffineLine line[] = {{3, 2}};
  EXPECT_DOUBLE_EQ(SumOfLargestLine(line, 10), 120);
}

TEST(SumOfLargestLine, TheEnvelopeChangesLineWhereAFasterOnePassesIt) {
  // max(2 + t, 5) over t = 0 .. 5: 5, 5, 5, 5 (a tie at t = 3), 6, 7 = 33.
  const AffineLine lines[] = {{2, 1}, {5, 0}};
  EXPECT_DOUBLE_EQ(SumOfLargestLine(lines, 6), 33);
  // Listed the other way round, the same.
  const AffineLine swapped[] = {{5, 0}, {2, 1}};
  EXPECT_DOUBLE_EQ(SumOfLargestLine(swapped, 6), 33);
}

TEST(SumOfLargestLine, ALineThatNeverTopsAddsNothing) {
  // max(10 - t, 4, -8 + 2t) over t = 0 .. 11: 10 9 8 7 6 5 4 (all three meet at t = 6) then
  // 6 8 10 12 14: 49 + 50 = 99.
  const AffineLine lines[] = {{10, -1}, {4, 0}, {-8, 2}};
  EXPECT_DOUBLE_EQ(SumOfLargestLine(lines, 12), 99);
}

TEST(SumOfLargestLine, ALongRunIsSummedWithoutVisitingItsSteps) {
  // max(0, t - 1e6) over t = 0 .. 2e6 - 1: 1 + 2 + ... + 999,999 = 999,999 x 1e6 / 2.
  const AffineLine lines[] = {{0, 0}, {-1e6, 1}};
  EXPECT_DOUBLE_EQ(SumOfLargestLine(lines, 2'000'000), 499'999'500'000.0);
}

TEST(SumOfLargestLine, TwoLinesAreSummedLikeAnyOther) {
  // Parallel lines: the higher one throughout, max(1 + t, 4 + t) over t = 0 .. 4:
  // 4 + 5 + 6 + 7 + 8 = 30.
  const AffineLine parallel[] = {{1, 1}, {4, 1}};
  EXPECT_DOUBLE_EQ(SumOfLargestLine(parallel, 5), 30);
  // The faster line on top from the start: max(3t, 1 - t) over t = 0 .. 3: 1, 3, 6, 9 = 19.
  const AffineLine from_start[] = {{0, 3}, {1, -1}};
  EXPECT_DOUBLE_EQ(SumOfLargestLine(from_start, 4), 19);
  // Crossing after the run: max(10 - t, 0) over t = 0 .. 4: 10 + 9 + 8 + 7 + 6 = 40.
  const AffineLine late[] = {{10, -1}, {0, 0}};
  EXPECT_DOUBLE_EQ(SumOfLargestLine(late, 5), 40);
  // The same three with a third line that never tops (-100): the general path, same sums.
  const AffineLine parallel3[] = {{1, 1}, {4, 1}, {-100, 0}};
  EXPECT_DOUBLE_EQ(SumOfLargestLine(parallel3, 5), 30);
  const AffineLine from_start3[] = {{0, 3}, {1, -1}, {-100, 0}};
  EXPECT_DOUBLE_EQ(SumOfLargestLine(from_start3, 4), 19);
  const AffineLine late3[] = {{10, -1}, {0, 0}, {-100, 0}};
  EXPECT_DOUBLE_EQ(SumOfLargestLine(late3, 5), 40);
}

TEST(SumOfLargestLine, NothingToSum) {
  const AffineLine line[] = {{3, 2}};
  EXPECT_EQ(SumOfLargestLine(line, 0), 0);
  EXPECT_EQ(SumOfLargestLine({}, 5), 0);
}

}  // namespace
}  // namespace infercost::framework
