// Issue 13, point 1: the decode sum's attention from a basis of three evaluated steps
// (framework/ledger/decode_attention_basis.h). Records here are written by hand as affine
// functions of the step k and of n(k), the breaks of one staircase passed; the expected values
// are those formulas evaluated by hand.
#include "framework/ledger/decode_attention_basis.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"

namespace infercost::framework {
namespace {

// Breaks at steps 13 and 269 (period 256, two of them): n(k) = 0 for k < 13, 1 for 13 <= k <
// 269, 2 from 269 on.
int64_t Passed(int64_t k) { return k < 13 ? 0 : (k < 269 ? 1 : 2); }

// One slice of 3 layers with two records: a score record growing with the context (KV read 64
// bytes a step, a 256-key block of 5,000 bytes more at each break; gemm_n = 500 + k keys
// rounded up to 16 more at a break) and a projection record that does not change.
std::vector<AttentionSlice> AttentionAt(int64_t k) {
  ic_phase_cost scores{};
  scores.struct_size = sizeof(ic_phase_cost);
  scores.phase = IC_PHASE_QK_SCORES;
  scores.kv_read_bytes = 1000.0 + 64.0 * static_cast<double>(k) + 5000.0 * Passed(k);
  scores.matrix_flops = 2.0 * 128.0 * static_cast<double>(500 + k);
  scores.gemm_m = 1;
  scores.gemm_n = 500 + k + 16 * Passed(k);
  scores.gemm_k = 128;
  scores.gemm_count = 8;
  ic_phase_cost projection{};
  projection.struct_size = sizeof(ic_phase_cost);
  projection.phase = IC_PHASE_Q_PROJ;
  projection.params = 7;
  projection.weight_bytes = 14;
  projection.gemm_m = 1;
  projection.gemm_n = 1024;
  projection.gemm_k = 8192;
  projection.gemm_count = 1;
  AttentionSlice slice;
  slice.layers = 3;
  slice.phases = {scores, projection};
  return {slice};
}

// One step's attention whose score record reads `kv_read_bytes` of KV and does no matrix work
// (gemm_n 128): the record the break tests below shape along the steps.
std::vector<AttentionSlice> ReadingKv(double kv_read_bytes) {
  std::vector<AttentionSlice> slices = AttentionAt(1);
  slices[0].phases[0].kv_read_bytes = kv_read_bytes;
  slices[0].phases[0].matrix_flops = 0;
  slices[0].phases[0].gemm_n = 128;
  return slices;
}

DecodeAttentionBasis FittedOver499Steps() {
  DecodeAttentionBasis basis;
  const Staircase stairs{13, 256, 2};
  EXPECT_TRUE(basis.Plan(499, {&stairs, 1}));
  for (size_t i = 0; i < basis.points().size(); ++i) basis.Take(i, AttentionAt(basis.points()[i]));
  EXPECT_TRUE(basis.Fit());
  return basis;
}

TEST(DecodeAttentionBasis, PlansTwoStepsInOneStairAndOneInAnother) {
  DecodeAttentionBasis basis;
  // No staircase: the two ends (the third point repeats the second).
  ASSERT_TRUE(basis.Plan(100, {}));
  EXPECT_EQ(basis.points(), (std::array<int64_t, 3>{1, 100, 100}));
  // Breaks at 13 and 269: the stair [1, 12] and the last step, in the third stair.
  const Staircase stairs{13, 256, 2};
  ASSERT_TRUE(basis.Plan(499, {&stairs, 1}));
  EXPECT_EQ(basis.points(), (std::array<int64_t, 3>{1, 12, 499}));
  // The third point's stair is [269, 499]: checked in its middle, 269 + 230 / 2 = 384, unless a
  // step of it was checked already, or the check lies in the middle stair [13, 268] (with two
  // breaks that change the records alike, a bend at each would show there).
  EXPECT_EQ(basis.FarStairCheck(499, 5), 384);
  EXPECT_EQ(basis.FarStairCheck(499, 300), 0);
  EXPECT_EQ(basis.FarStairCheck(499, 250), 0);
  EXPECT_EQ(basis.FarStairCheck(499, 13), 0);
  EXPECT_EQ(basis.FarStairCheck(499, 268), 0);
  // A break at step 2 (every 10 steps): [1, 1] is one step, so the stair [2, 11] and step 1.
  const Staircase early{2, 10, 50};
  ASSERT_TRUE(basis.Plan(100, {&early, 1}));
  EXPECT_EQ(basis.points(), (std::array<int64_t, 3>{2, 11, 1}));
  EXPECT_EQ(basis.FarStairCheck(100, 50), 0);  // step 1's stair holds no other step
  // The same staircase declared twice (two attention classes) is one.
  const Staircase twice[] = {stairs, stairs};
  EXPECT_TRUE(basis.Plan(499, twice));
  // A staircase with no break in [2, steps] is none: breaks at 600, 856 are past step 499.
  const Staircase beyond{600, 256, 2};
  ASSERT_TRUE(basis.Plan(499, {&beyond, 1}));
  EXPECT_EQ(basis.points(), (std::array<int64_t, 3>{1, 499, 499}));
}

TEST(DecodeAttentionBasis, DeclinesWhatItCannotRepresent) {
  DecodeAttentionBasis basis;
  EXPECT_FALSE(basis.Plan(3, {}));  // three steps: no fourth to check a basis on
  EXPECT_TRUE(basis.Plan(4, {}));   // four: points 1, 4, 4 and a step between to check
  const Staircase two[] = {{13, 256, 2}, {100, 16, 20}};
  EXPECT_FALSE(basis.Plan(499, two));  // two staircases
  const Staircase every_step{2, 1, 1000};
  EXPECT_FALSE(basis.Plan(499, {&every_step, 1}));  // stairs of one step
}

TEST(DecodeAttentionBasis, GivesEveryStepsRecordsFromThreeEvaluations) {
  const DecodeAttentionBasis basis = FittedOver499Steps();
  for (int64_t k : {1, 2, 12, 13, 14, 250, 268, 269, 300, 499}) {
    std::vector<AttentionSlice> slices;
    basis.At(k, slices);
    const std::vector<AttentionSlice> expected = AttentionAt(k);
    ASSERT_EQ(slices.size(), 1u);
    ASSERT_EQ(slices[0].phases.size(), 2u);
    EXPECT_EQ(slices[0].layers, 3);
    const ic_phase_cost& got = slices[0].phases[0];
    const ic_phase_cost& want = expected[0].phases[0];
    EXPECT_EQ(got.phase, IC_PHASE_QK_SCORES);
    EXPECT_NEAR(got.kv_read_bytes, want.kv_read_bytes, 1e-9 * want.kv_read_bytes) << k;
    EXPECT_NEAR(got.matrix_flops, want.matrix_flops, 1e-9 * want.matrix_flops) << k;
    EXPECT_EQ(got.gemm_n, want.gemm_n) << k;
    EXPECT_EQ(got.gemm_k, 128);
    EXPECT_EQ(slices[0].phases[1].params, 7);
    EXPECT_EQ(slices[0].phases[1].gemm_n, 1024);
    EXPECT_TRUE(basis.Matches(k, expected)) << k;
  }
  // Step 300: 1,000 + 64 x 300 + 5,000 x 2 = 30,200 bytes; 500 + 300 + 32 = 832 keys.
  std::vector<AttentionSlice> at300;
  basis.At(300, at300);
  EXPECT_DOUBLE_EQ(at300[0].phases[0].kv_read_bytes, 30200.0);
  EXPECT_EQ(at300[0].phases[0].gemm_n, 832);
}

TEST(DecodeAttentionBasis, SplitsTheRecordsThatChangeFromThoseThatDoNot) {
  const DecodeAttentionBasis basis = FittedOver499Steps();
  ASSERT_EQ(basis.records(), 2u);
  EXPECT_TRUE(basis.varying(0));
  EXPECT_FALSE(basis.varying(1));
  std::vector<AttentionSlice> varying;
  basis.At(40, varying, DecodeAttentionBasis::Records::kVarying);
  ASSERT_EQ(varying[0].phases.size(), 1u);
  EXPECT_EQ(varying[0].phases[0].phase, IC_PHASE_QK_SCORES);
  EXPECT_DOUBLE_EQ(varying[0].phases[0].kv_read_bytes, 1000.0 + 64.0 * 40 + 5000.0);
  std::vector<AttentionSlice> constant;
  basis.At(40, constant, DecodeAttentionBasis::Records::kConstant);
  ASSERT_EQ(constant[0].phases.size(), 1u);
  EXPECT_EQ(constant[0].phases[0].phase, IC_PHASE_Q_PROJ);
}

TEST(DecodeAttentionBasis, ChecksWhatThePluginsDeclared) {
  const DecodeAttentionBasis basis = FittedOver499Steps();
  // A record that bends where no break was declared: one byte in a million off at step 300.
  std::vector<AttentionSlice> bent = AttentionAt(300);
  bent[0].phases[0].kv_read_bytes *= 1 + 1e-6;
  EXPECT_FALSE(basis.Matches(300, bent));
  std::vector<AttentionSlice> more_keys = AttentionAt(300);
  more_keys[0].phases[0].gemm_n += 1;
  EXPECT_FALSE(basis.Matches(300, more_keys));
  std::vector<AttentionSlice> other_phase = AttentionAt(300);
  other_phase[0].phases[1].phase = IC_PHASE_O_PROJ;
  EXPECT_FALSE(basis.Matches(300, other_phase));
}

// A window of 700 keys fills at step 201 (context 500 + k): the plugin declares that break, but
// past it the KV read stops growing, a change of slope the basis (one slope throughout) cannot
// hold. The check in the last stair sees it: points 1, 200, 499; KV read 64 x min(500 + k, 700)
// bytes; the basis has slope 64 and, from step 499, a break of 64 x (700 - 501) - 64 x 498 =
// -19,136; at step 350 it says 64 x 501 + 64 x 349 - 19,136 = 35,264, the window 64 x 700 =
// 44,800.
TEST(DecodeAttentionBasis, ACheckInTheLastStairSeesABreakThatBends) {
  const auto window = [](int64_t k) {
    return ReadingKv(64.0 * static_cast<double>(std::min<int64_t>(500 + k, 700)));
  };
  DecodeAttentionBasis basis;
  const Staircase fills{201, 1, 1};
  ASSERT_TRUE(basis.Plan(499, {&fills, 1}));
  ASSERT_EQ(basis.points(), (std::array<int64_t, 3>{1, 200, 499}));
  for (size_t i = 0; i < 3; ++i) basis.Take(i, window(basis.points()[i]));
  ASSERT_TRUE(basis.Fit());
  EXPECT_TRUE(basis.Matches(100, window(100)));  // before the break the line holds
  const int64_t check = basis.FarStairCheck(499, 100);
  EXPECT_EQ(check, 350);  // 201 + (499 - 201) / 2
  std::vector<AttentionSlice> at_check;
  basis.At(check, at_check);
  EXPECT_DOUBLE_EQ(at_check[0].phases[0].kv_read_bytes, 35264.0);
  EXPECT_FALSE(basis.Matches(check, window(check)));
}

// A window that fills on the sum's last step (a break there that bends the records), with the
// step after the last as the far point: the last stair holds one step of the sum, valued from
// the far point with the first stair's slope, so it is checked (an outside tester found it
// was not: gpt-oss-120b, 1 + 129 tokens, was 2.8e-8 off the every-step sum).
TEST(DecodeAttentionBasis, ALastStairOfOneStepIsCheckedWhenTheFarPointIsTheStepAfterIt) {
  // 64 bytes more a step up to step 498 (context 500 + 498 = 998), flat from step 499 on.
  const auto window = [](int64_t k) {
    return ReadingKv(64.0 * static_cast<double>(std::min<int64_t>(500 + k, 998)));
  };
  DecodeAttentionBasis basis;
  const Staircase fills{499, 1, 1};
  ASSERT_TRUE(basis.Plan(499, {&fills, 1}, /*next_is_known=*/true));
  ASSERT_EQ(basis.points(), (std::array<int64_t, 3>{1, 498, 500}));
  for (size_t i = 0; i < 3; ++i) basis.Take(i, window(basis.points()[i]));
  ASSERT_TRUE(basis.Fit());
  // Slope 64 from steps 1 and 498; the jump from step 500: 64 x 998 - 64 x (501 + 499) = -128.
  // At step 499 that gives 64 x (501 + 498) - 128 = 63,808 bytes, where the plugin has
  // 64 x 998 = 63,872.
  std::vector<AttentionSlice> at;
  basis.At(499, at);
  EXPECT_DOUBLE_EQ(at[0].phases[0].kv_read_bytes, 63808.0);
  EXPECT_EQ(basis.FarStairCheck(499, 250), 499);
  EXPECT_FALSE(basis.Matches(499, window(499)));
  // With the last step as the far point, that stair's one step is fitted exactly: no check.
  ASSERT_TRUE(basis.Plan(499, {&fills, 1}, /*next_is_known=*/false));
  ASSERT_EQ(basis.points(), (std::array<int64_t, 3>{1, 498, 499}));
  EXPECT_EQ(basis.FarStairCheck(499, 250), 0);
}

// A first break on step 2 puts the fit before and just after it (points 2, 51 and 1): the
// stairs after the second break are extrapolated, so one of them is checked where the checked
// step is not in one. A plugin whose slope grows at each break (a false declaration: breaks of
// one staircase change the records alike) is caught there (an outside tester's case: 15 % off
// before).
TEST(DecodeAttentionBasis, StairsBeyondTheFittedOnesAreCheckedWhenTheFitIsAtTheFirstBreak) {
  // 64 bytes a step, 1,000 more at each break (steps 2 and 52); `bend` adds 64 a step more
  // after the second.
  const auto records = [](int64_t k, bool bend) {
    double kv = 64.0 * static_cast<double>(k) + (k >= 2 ? 1000.0 : 0.0) + (k >= 52 ? 1000.0 : 0.0);
    if (bend && k >= 52) kv += 64.0 * static_cast<double>(k - 52);
    return ReadingKv(kv);
  };
  const Staircase stairs{2, 50, 2};
  for (const bool bend : {false, true}) {
    DecodeAttentionBasis basis;
    ASSERT_TRUE(basis.Plan(99, {&stairs, 1}));
    ASSERT_EQ(basis.points(), (std::array<int64_t, 3>{2, 51, 1}));
    for (size_t i = 0; i < 3; ++i) basis.Take(i, records(basis.points()[i], bend));
    ASSERT_TRUE(basis.Fit());
    // The mean step 50 is in the fitted stair: check the last one, at 52 + (99 - 52) / 2 = 75.
    EXPECT_EQ(basis.FarStairCheck(99, 50), 75);
    // Honest: 64 x 75 + 2,000 = 6,800 at step 75; bent: 23 x 64 = 1,472 more.
    EXPECT_EQ(basis.Matches(75, records(75, bend)), !bend) << bend;
    // A checked step past the second break has seen it already.
    EXPECT_EQ(basis.FarStairCheck(99, 60), 0);
  }
  // One break only (on step 2): both stairs are fitted, nothing beyond.
  const Staircase one{2, 1, 1};
  DecodeAttentionBasis single;
  ASSERT_TRUE(single.Plan(99, {&one, 1}));
  EXPECT_EQ(single.FarStairCheck(99, 50), 0);
}

// A break on each of the last 17 steps (483 .. 499, period 1): the last stair is the far point
// alone, so the check is on a break among them, 483 + (17 - 1) / 2 = 491. A plugin whose slope
// grows by 10 at each break is caught there (an outside tester's case: 0.4 % off before).
TEST(DecodeAttentionBasis, BreaksBeforeALastStairOfTheFarPointAloneAreChecked) {
  const auto records = [](int64_t k, bool bend) {
    const int64_t n = k >= 483 ? k - 482 : 0;  // breaks passed
    double kv = 64.0 * static_cast<double>(k) + 1000.0 * static_cast<double>(n);
    if (bend) kv += 10.0 * static_cast<double>(n * (n + 1) / 2);  // sum of (k - b_j + 1)
    return ReadingKv(kv);
  };
  const Staircase every_step{483, 1, 17};
  for (const bool bend : {false, true}) {
    DecodeAttentionBasis basis;
    ASSERT_TRUE(basis.Plan(499, {&every_step, 1}));
    ASSERT_EQ(basis.points(), (std::array<int64_t, 3>{1, 482, 499}));
    for (size_t i = 0; i < 3; ++i) basis.Take(i, records(basis.points()[i], bend));
    ASSERT_TRUE(basis.Fit());
    EXPECT_EQ(basis.FarStairCheck(499, 250), 491);
    // Honest: 64 x 491 + 1,000 x 9 = 40,424 at step 491; bent: 10 x 45 = 450 more there, but
    // the fit through step 499 (10 x 153 = 1,530 more) spreads it as 90 a break: 9 x 90 = 810.
    EXPECT_EQ(basis.Matches(491, records(491, bend)), !bend) << bend;
  }
}

TEST(DecodeAttentionBasis, RefusesRecordsThatDoNotStepByWholeNumbers) {
  DecodeAttentionBasis basis;
  ASSERT_TRUE(basis.Plan(100, {}));  // points 1, 100, 100
  std::vector<AttentionSlice> first = AttentionAt(1);
  std::vector<AttentionSlice> last = AttentionAt(100);
  // gemm_n 501 at step 1 and 501 + 100 at step 100: 100 keys over 99 steps is no whole number.
  last[0].phases[0].gemm_n = 601;
  basis.Take(0, first);
  basis.Take(1, last);
  basis.Take(2, last);
  EXPECT_FALSE(basis.Fit());
  // Records of another structure (a phase more) cannot be interpolated either.
  std::vector<AttentionSlice> longer = AttentionAt(100);
  longer[0].phases.push_back(longer[0].phases[1]);
  basis.Take(1, longer);
  basis.Take(2, longer);
  EXPECT_FALSE(basis.Fit());
}

TEST(DecodeAttentionBasis, TheStepAfterTheLastServesAsTheFarPointWhereNoBreakFallsOnIt) {
  DecodeAttentionBasis basis;
  // Breaks at 13 and 269 over 499 steps: step 500 is in the last stair [269, 500].
  const Staircase stairs{13, 256, 2};
  ASSERT_TRUE(basis.Plan(499, {&stairs, 1}, /*next_is_known=*/true));
  EXPECT_EQ(basis.points(), (std::array<int64_t, 3>{1, 12, 500}));
  // A fit through it gives the same records as through step 499 (AttentionAt is A + B k +
  // D n(k) at 500 too): step 250, say, 1000 + 64 x 250 + 5000 x 1 = 22,000 bytes.
  for (size_t i = 0; i < 3; ++i) basis.Take(i, AttentionAt(basis.points()[i]));
  ASSERT_TRUE(basis.Fit());
  std::vector<AttentionSlice> at;
  basis.At(250, at);
  EXPECT_DOUBLE_EQ(at[0].phases[0].kv_read_bytes, 22000.0);
  EXPECT_EQ(basis.FarStairCheck(499, 5), 384);  // 269 + (499 - 269) / 2, in the sum's range
  // No staircase: the two ends are 1 and 100 + 1.
  ASSERT_TRUE(basis.Plan(100, {}, true));
  EXPECT_EQ(basis.points(), (std::array<int64_t, 3>{1, 101, 101}));
  // A break on step 500 itself (period 487: the second at 13 + 487 = 500): the far point stays
  // 499.
  const Staircase on_next{13, 487, 2};
  ASSERT_TRUE(basis.Plan(499, {&on_next, 1}, true));
  EXPECT_EQ(basis.points(), (std::array<int64_t, 3>{1, 12, 499}));
}

TEST(DecodeAttentionBasis, LinesAlongTheStepsAndTheSignsOfTheirFields) {
  const DecodeAttentionBasis basis = FittedOver499Steps();  // points 1, 12 and 499
  // The score record (record 0): kv_read 1000 + 64 k + 5000 n(k), matrix_flops 256 (500 + k).
  // 2 s per matrix FLOP + 3 s per KV byte + 7 s: at step 1, 2 x 256 x 501 + 3 x 1064 + 7 =
  // 256,512 + 3,192 + 7 = 259,711; per step 2 x 256 + 3 x 64 = 704; per break 3 x 5000 = 15,000.
  const std::array<double, 6> per_unit = {2, 0, 0, 3, 0, 0};
  DecodeAttentionBasis::Line line;
  basis.Along(0, 7, per_unit, line);
  EXPECT_DOUBLE_EQ(line.at_first, 259711.0);
  EXPECT_DOUBLE_EQ(line.per_step, 704.0);
  EXPECT_DOUBLE_EQ(line.per_break, 15000.0);
  // Step 300: 299 steps and 2 breaks past step 1: 259,711 + 704 x 299 + 15,000 x 2 = 500,207.
  const DecodeAttentionBasis::Offset at = basis.OffsetOf(300);
  EXPECT_EQ(at.steps, 299);
  EXPECT_EQ(at.breaks, 2);
  EXPECT_DOUBLE_EQ(line.At(at), 500207.0);
  // Its fields stay positive (growing) or zero (vector FLOPs, weights, writes, activations), as
  // do the projection's (constant).
  EXPECT_TRUE(basis.KeepsSigns(0, 499));
  EXPECT_TRUE(basis.KeepsSigns(1, 499));
  // A KV read shrinking by 64 a step from 20,000 reaches 20,000 - 64 x 498 < 0 at step 499.
  DecodeAttentionBasis shrinking;
  ASSERT_TRUE(shrinking.Plan(499, {}));
  for (size_t i = 0; i < 3; ++i) {
    std::vector<AttentionSlice> slices = AttentionAt(1);
    slices[0].phases[0].kv_read_bytes =
        20000.0 - 64.0 * static_cast<double>(shrinking.points()[i] - 1);
    slices[0].phases[0].matrix_flops = 100;
    slices[0].phases[0].gemm_n = 501;
    shrinking.Take(i, slices);
  }
  ASSERT_TRUE(shrinking.Fit());
  EXPECT_FALSE(shrinking.KeepsSigns(0, 499));
  EXPECT_TRUE(shrinking.KeepsSigns(0, 300));  // 20,000 - 64 x 299 = 864 > 0 at step 300
}

}  // namespace
}  // namespace infercost::framework
