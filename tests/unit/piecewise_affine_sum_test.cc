// The closed-form step sum (framework/ledger/piecewise_affine_sum.h): exact sums of affine,
// kinked, stepped and shape-changing sequences, each derived by hand, in far fewer samples than
// steps.
#include "framework/ledger/piecewise_affine_sum.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <vector>

#include "gtest/gtest.h"

namespace infercost::framework {
namespace {

// A sample of one value of shape `shape` (built up, not brace-initialised: GCC 12 with the
// sanitizers warns, wrongly, that an InlinedVector made from a braced list may be used
// uninitialised).
AffineSample Sample(int64_t shape, double value) {
  AffineSample sample;
  sample.shape.push_back(shape);
  sample.values.push_back(value);
  return sample;
}

// Sums a scalar f(k) over k = first .. last; the samples taken are counted in *samples.
double SumOf(int64_t first, int64_t last, const std::function<double(int64_t)>& f,
             int64_t* samples = nullptr, std::vector<Staircase> known_breaks = {}) {
  double total = 0;
  const SampleAt at = [&](int64_t k) -> absl::StatusOr<AffineSample> { return Sample(0, f(k)); };
  const AddWeighted add = [&](const AffineSample& s, double w) { total += w * s.values[0]; };
  absl::StatusOr<SumStats> stats = SumPiecewiseAffine(first, last, at, add, known_breaks);
  EXPECT_TRUE(stats.ok()) << stats.status();
  if (samples != nullptr && stats.ok()) *samples = stats->samples;
  return total;
}

TEST(PiecewiseAffineSum, AffineSequenceInFiveSamples) {
  int64_t samples = 0;
  // sum_{k=1}^{1000} (3k + 2) = 3 * 1000 * 1001 / 2 + 2 * 1000 = 1,501,500 + 2,000.
  EXPECT_DOUBLE_EQ(SumOf(
                       1, 1000, [](int64_t k) { return 3.0 * k + 2; }, &samples),
                   1503500);
  EXPECT_EQ(samples, 5);  // both ends and three probes
  // One million steps cost no more: sum_{k=1}^{10^6} 0.5 k = 0.25 * 10^6 * (10^6 + 1).
  EXPECT_DOUBLE_EQ(SumOf(
                       1, 1000000, [](int64_t k) { return 0.5 * k; }, &samples),
                   0.25 * 1e6 * (1e6 + 1));
  EXPECT_EQ(samples, 5);
}

TEST(PiecewiseAffineSum, EmptySingleAndShortRanges) {
  EXPECT_EQ(SumOf(5, 4, [](int64_t) { return 1.0; }), 0);
  EXPECT_EQ(SumOf(7, 7, [](int64_t k) { return 1.0 * k; }), 7);
  // 1^2 + ... + 6^2 = 91: short ranges are summed step by step, whatever their shape.
  EXPECT_EQ(SumOf(1, 6, [](int64_t k) { return 1.0 * k * k; }), 91);
}

TEST(PiecewiseAffineSum, MaximumOfAffinePiecesSumsExactly) {
  // max(k, 500) over 1..1000: 500 x 500 for k <= 500, then 501 + ... + 1000 = 375,250.
  int64_t samples = 0;
  EXPECT_DOUBLE_EQ(SumOf(
                       1, 1000, [](int64_t k) { return std::max(1.0 * k, 500.0); }, &samples),
                   250000 + 375250);
  EXPECT_LT(samples, 120);
  // A roofline-like time: max(compute, memory) + overhead with the crossing at k = 3,000.4:
  // max(2k, 6000.8) + 1 over 1..100,000 = 3,000 x 6,001.8 + sum_{k=3001}^{100000} (2k + 1).
  const double expected =
      3000 * 6001.8 + (2.0 * (100000.0 * 100001 / 2 - 3000.0 * 3001 / 2) + (100000 - 3000));
  EXPECT_NEAR(SumOf(
                  1, 100000, [](int64_t k) { return std::max(2.0 * k, 6000.8) + 1; }, &samples),
              expected, 1e-9 * expected);
  EXPECT_LT(samples, 200);
}

TEST(PiecewiseAffineSum, RegularStaircaseIsNotMistakenForALine) {
  // ceil(k / 256) over 1..4096: 256 steps at each level 1..16 = 256 x 136 = 34,816. Its samples
  // at power-of-two positions lie on the chord; the irrational probes catch it.
  EXPECT_DOUBLE_EQ(SumOf(1, 4096, [](int64_t k) { return std::ceil(k / 256.0); }), 34816);
  // floor(k / 256) over 0..4095 (each level 0..15 256 times) = 256 x 120 = 30,720.
  EXPECT_DOUBLE_EQ(SumOf(0, 4095, [](int64_t k) { return std::floor(k / 256.0); }), 30720);
  // A staircase capped like flash-decoding's splits: min(ceil(k / 256), 17) over 1..100,000 =
  // 256 x (1 + ... + 16) + 17 x (100,000 - 4,096) = 34,816 + 1,630,368.
  int64_t samples = 0;
  EXPECT_DOUBLE_EQ(
      SumOf(
          1, 100000, [](int64_t k) { return std::min(std::ceil(k / 256.0), 17.0); }, &samples),
      34816 + 1630368);
  EXPECT_LT(samples, 100000 / 10);
}

TEST(PiecewiseAffineSum, RegularStaircaseCostsAFewSamplesPerStep) {
  // ceil(k / 256) over 1..100,000: levels 1..390 256 times each, then 391 for the last
  // 100,000 - 390 x 256 = 160 steps: 256 x (390 x 391 / 2) + 160 x 391 = 19,518,720 + 62,560.
  int64_t samples = 0;
  EXPECT_DOUBLE_EQ(SumOf(
                       1, 100000, [](int64_t k) { return std::ceil(k / 256.0); }, &samples),
                   19518720 + 62560);
  // 390 steps, each found where the previous distance predicts it (three samples: the second
  // step of the stretch and the two around the predicted step) and its flat stretch checked in
  // its middle (one): 4 samples a step, 1,560, plus the first step found by bisection (~20);
  // bisection over the rest of the range would take ~22 a step (8,600).
  EXPECT_LT(samples, 1600);
}

// Known breaks (a kernel's declared staircase): flash-decoding's split bytes, c x splits with
// splits = min(ceil(k / 256), 17) and none at 1 split, on top of a line in k.
double SplitLike(int64_t k) {
  const double splits = std::min(std::ceil(k / 256.0), 17.0);
  return 2.0 * k + 1 + (splits > 1 ? 5.0 * splits : 0);
}

TEST(PiecewiseAffineSum, DeclaredStaircaseIsSummedAsOnePlane) {
  // The breaks: 1 -> 2 splits at 257 (jump 10), then 2 -> 3 ... 16 -> 17 at 513 + 256 i,
  // i = 0 .. 14 (jump 5 each).
  const std::vector<Staircase> breaks = {{257, 256, 1}, {513, 256, 15}};
  // Over 1 .. 100,000: sum (2k + 1) = 100,000 x 100,001 + 100,000 = 10,000,200,000; the split
  // term: 0 for k <= 256; 5 x s x 256 for s = 2 .. 16 (k up to 4,096): 1,280 x (2 + ... + 16) =
  // 1,280 x 135 = 172,800; 5 x 17 x (100,000 - 4,096) = 8,151,840.
  const double expected = 10000200000.0 + 172800 + 8151840;
  int64_t samples = 0;
  EXPECT_NEAR(SumOf(1, 100000, SplitLike, &samples, breaks), expected, 1e-12 * expected);
  // Breaks at 257, 513, ..., 4,097 (16). Stairs: [1, 256] (its ends and three probes: 5); the
  // 15 equal stairs [257, 4,096], whose inner breaks (513 .. 3,841) all jump by 5 (the jump of
  // 10 at 257 is into the run, not inside it), as one plane (4 corners + 3 probes: 7); the
  // last, [4,097, 100,000] (5): 17 samples.
  EXPECT_EQ(samples, 17);
  // Without the declaration the same sum searches for every break (~4 samples each).
  int64_t searched = 0;
  EXPECT_NEAR(SumOf(1, 100000, SplitLike, &searched), expected, 1e-12 * expected);
  EXPECT_GT(searched, 3 * samples);
  // Staircases given in any order, overlapping or reaching past the range change nothing.
  EXPECT_NEAR(SumOf(1, 100000, SplitLike, &samples,
                    {{513, 256, 40}, {257, 256, 1}, {1, 256, 2}, {-511, 256, 3}}),
              expected, 1e-12 * expected);
}

TEST(PiecewiseAffineSum, DeclaredStaircaseWithAnUndeclaredKinkStaysExact) {
  // A time that is the larger of a compute and a memory line (the roofline), where the memory
  // line holds the declared split staircase: max(3k, 2k + 1 + 5 splits(k) + 1,000), crossing
  // inside a run of stairs. The plane check fails there and the run is halved down to stairs
  // searched as usual. Expected: the sum visited step by step in this test (the definition).
  const auto time = [](int64_t k) { return std::max(3.0 * k, SplitLike(k) + 1000); };
  double expected = 0;
  for (int64_t k = 1; k <= 20000; ++k) expected += time(k);
  EXPECT_NEAR(SumOf(1, 20000, time, nullptr, {{257, 256, 1}, {513, 256, 15}}), expected,
              1e-12 * expected);
  // A declaration whose breaks do not jump alike (one jump of 50 among jumps of 5 at k = 2,049):
  // the run's plane misses its probes, so it is halved until each part is one.
  const auto uneven = [](int64_t k) { return SplitLike(k) + (k >= 2049 ? 45.0 : 0.0); };
  expected = 0;
  for (int64_t k = 1; k <= 20000; ++k) expected += uneven(k);
  EXPECT_NEAR(SumOf(1, 20000, uneven, nullptr, {{257, 256, 1}, {513, 256, 15}}), expected,
              1e-12 * expected);
}

TEST(PiecewiseAffineSum, ThousandsOfDeclaredPagesCostAFewSamples) {
  // A KV cache read in pages of 16 tokens: 1,600 ceil(k / 16) + 3k over 1..100,000, the pages
  // declared (a break at 17 + 16 i, i = 0 .. 6,248). By hand: 1,600 x 16 x (1 + ... + 6,250) =
  // 25,600 x 19,534,375 = 500,080,000,000; 3 x 100,000 x 100,001 / 2 = 15,000,150,000.
  const auto paged = [](int64_t k) { return 1600 * std::ceil(k / 16.0) + 3.0 * k; };
  int64_t samples = 0;
  EXPECT_DOUBLE_EQ(SumOf(1, 100000, paged, &samples, {{17, 16, 6249}}), 515080150000.0);
  // [1, 16] (ends and three probes: 5), the 6,248 equal stairs [17, 99,984] as one plane (7),
  // [99,985, 100,000] (5).
  EXPECT_EQ(samples, 17);
}

TEST(PiecewiseAffineSum, TooManyDeclaredBreaksAreSearchedFor) {
  // 100,000 breaks (period 1) is more than the sum lists (65,536): it searches, and stays exact.
  // floor(k / 10) over 1..100,000: level v (v = 1 .. 9,999) holds k = 10 v .. 10 v + 9, 10 steps;
  // v = 0 holds k = 1 .. 9 and v = 10,000 only k = 100,000: 10 x 9,999 x 10,000 / 2 + 10,000 =
  // 499,950,000 + 10,000.
  EXPECT_DOUBLE_EQ(
      SumOf(1, 100000, [](int64_t k) { return std::floor(k / 10.0); }, nullptr, {{1, 1, 200000}}),
      499960000);
}

TEST(PiecewiseAffineSum, AHundredThousandUndeclaredStairsNestNoCalls) {
  // floor(k / 10) over 1..1,000,000, not declared: 100,000 stairs found one after another. Each
  // split's rest is summed by the same loop, not by a nested call (one call per stair would
  // need ~100 MB of stack). By hand: level v = 1 .. 99,999 holds 10 steps, v = 100,000 one:
  // 10 x 99,999 x 100,000 / 2 + 100,000 = 49,999,500,000 + 100,000.
  EXPECT_DOUBLE_EQ(SumOf(1, 1000000, [](int64_t k) { return std::floor(k / 10.0); }),
                   49999600000.0);
}

TEST(PiecewiseAffineSum, SamplesOfDifferentShapesAreNeverInterpolated) {
  // Steps below 300 report one phase (id 1, value k); from 300 on another (id 2, value 1).
  std::map<int64_t, double> by_shape;
  const SampleAt at = [](int64_t k) -> absl::StatusOr<AffineSample> {
    if (k < 300) return Sample(1, 1.0 * k);
    return Sample(2, 1.0);
  };
  const AddWeighted add = [&](const AffineSample& s, double w) {
    by_shape[s.shape[0]] += w * s.values[0];
  };
  ASSERT_TRUE(SumPiecewiseAffine(1, 1000, at, add).ok());
  EXPECT_DOUBLE_EQ(by_shape[1], 299.0 * 300 / 2);  // 1 + ... + 299
  EXPECT_DOUBLE_EQ(by_shape[2], 701);              // steps 300 .. 1000
}

TEST(PiecewiseAffineSum, AnErrorAtAnyStepIsReturned) {
  const SampleAt at = [](int64_t k) -> absl::StatusOr<AffineSample> {
    if (k == 500) return absl::InvalidArgumentError("step 500 is bad");
    return Sample(0, k < 500 ? 1.0 : 2.0);
  };
  const AddWeighted add = [](const AffineSample&, double) {};
  absl::StatusOr<SumStats> stats = SumPiecewiseAffine(1, 1000, at, add);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().message(), "step 500 is bad");
}

}  // namespace
}  // namespace infercost::framework
