// The default scenario of the explainer (calculator-spec §3) against its golden table: every
// value as an exact integer and as the displayed string. Expected numbers come from the spec's
// "exact" column; the arithmetic is repeated in each comment.
#include "framework/report/units.h"
#include "gtest/gtest.h"
#include "infercost/sdk/abi_support.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost {
namespace {

using framework::FormatBytes;
using framework::FormatFlops;
using framework::FormatParams;
using framework::Ledger;
using framework::ScenarioRequest;

class GoldenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ledger_ = new Ledger(testing::RunScenario(ScenarioRequest{})); }
  static const ic_phase_cost& Decode(ic_phase_id phase) {
    const ic_phase_cost* cost = ledger_->decode.Find(phase);
    EXPECT_NE(cost, nullptr);
    return *cost;
  }
  static double Bytes(const ic_phase_cost& c) { return sdk::HbmBytes(c); }
  static Ledger* ledger_;
};
Ledger* GoldenTest::ledger_ = nullptr;

TEST_F(GoldenTest, DefaultScenarioIsTheExplainers) {
  // N = input + output/2 = 500 + 250 = 750; one sequence.
  EXPECT_EQ(ledger_->decode.step.context_tokens, 750);
  EXPECT_EQ(ledger_->decode.step.batch, 1);
  EXPECT_EQ(ledger_->prefill.step.query_tokens, 500);
}

TEST_F(GoldenTest, TokenIds) {
  const ic_phase_cost& c = Decode(IC_PHASE_TOKEN_IDS);
  EXPECT_EQ(c.matrix_flops, 0);
  EXPECT_EQ(Bytes(c), 0);
  EXPECT_EQ(FormatFlops(c.matrix_flops), "0");
  EXPECT_EQ(FormatBytes(Bytes(c)), "0 B");
}

TEST_F(GoldenTest, Embedding) {
  const ic_phase_cost& c = Decode(IC_PHASE_EMBEDDING);
  EXPECT_EQ(c.params, 1'050'673'152.0);  // V*d = 128256 * 8192
  EXPECT_EQ(FormatParams(c.params), "1.05 B");
  EXPECT_EQ(c.matrix_flops, 0);
  EXPECT_EQ(FormatFlops(c.matrix_flops), "0");
}

TEST_F(GoldenTest, RmsNormOneNormInEachLayer) {
  const ic_phase_cost& c = Decode(IC_PHASE_ATTN_NORM);
  EXPECT_EQ(c.params, 655'360.0);  // d*L = 8192 * 80
  EXPECT_EQ(FormatParams(c.params), "655.4 K");
  EXPECT_EQ(c.matrix_flops, 0);
  EXPECT_EQ(FormatFlops(c.matrix_flops), "0");
  // The spec's §5: the other norm is its own phase with the same size.
  EXPECT_EQ(Decode(IC_PHASE_FFN_NORM).params, 655'360.0);
}

TEST_F(GoldenTest, QProjection) {
  const ic_phase_cost& c = Decode(IC_PHASE_Q_PROJ);
  EXPECT_EQ(c.weight_bytes, 5'368'709'120.0);  // d*H_q*128*L = 8192*64*128*80 at 1 byte
  EXPECT_EQ(FormatBytes(c.weight_bytes), "5.4 GB");
}

TEST_F(GoldenTest, KAndVProjections) {
  for (ic_phase_id phase : {IC_PHASE_K_PROJ, IC_PHASE_V_PROJ}) {
    const ic_phase_cost& c = Decode(phase);
    EXPECT_EQ(c.weight_bytes, 671'088'640.0);  // d*H_kv*128*L = 8192*8*128*80
    EXPECT_EQ(FormatBytes(c.weight_bytes), "671.1 MB");
  }
}

TEST_F(GoldenTest, QkScores) {
  const ic_phase_cost& c = Decode(IC_PHASE_QK_SCORES);
  EXPECT_EQ(c.matrix_flops, 983'040'000.0);  // 2*H_q*128*N*L = 2*64*128*750*80
  EXPECT_EQ(FormatFlops(c.matrix_flops), "983.0 M");
  EXPECT_EQ(c.kv_read_bytes, 61'440'000.0);  // N*H_kv*128*L = 750*8*128*80 at 1 byte
  EXPECT_EQ(FormatBytes(c.kv_read_bytes), "61.4 MB");
}

TEST_F(GoldenTest, FfnUpProjection) {
  const ic_phase_cost& c = Decode(IC_PHASE_FFN_UP);
  EXPECT_EQ(c.params, 18'790'481'920.0);        // d*d_ff*L = 8192*28672*80
  EXPECT_EQ(c.matrix_flops, 37'580'963'840.0);  // 2*d*d_ff*L
  EXPECT_EQ(c.weight_bytes, 18'790'481'920.0);  // params at 1 byte
  EXPECT_EQ(FormatParams(c.params), "18.79 B");
  EXPECT_EQ(FormatFlops(c.matrix_flops), "37.6 B");
  EXPECT_EQ(FormatBytes(c.weight_bytes), "18.8 GB");
}

TEST_F(GoldenTest, FfnActivation) {
  const ic_phase_cost& c = Decode(IC_PHASE_FFN_ACT);
  EXPECT_EQ(c.matrix_flops, 0);
  EXPECT_EQ(FormatFlops(c.matrix_flops), "0");
}

TEST_F(GoldenTest, StackOneLayer) {
  // q 67,108,864 + k 8,388,608 + v 8,388,608 + o 67,108,864 + 3 x 234,881,024 (gate, up, down)
  // + 2 x 8,192 (norms) = 855,654,400.
  EXPECT_EQ(ledger_->decode.layer_weight_bytes, 855'654'400.0);
  EXPECT_EQ(FormatBytes(ledger_->decode.layer_weight_bytes), "855.7 MB");
  ASSERT_EQ(ledger_->decode.groups.size(), 1u);
  EXPECT_EQ(ledger_->decode.groups[0].layers, 80);
}

TEST_F(GoldenTest, StackWholeModel) {
  // L x layer + LM head = 80 * 855,654,400 + 128256 * 8192 = 69,503,025,152 (no KV).
  EXPECT_EQ(ledger_->decode.stack_weight_bytes, 69'503'025'152.0);
  EXPECT_EQ(FormatBytes(ledger_->decode.stack_weight_bytes), "69.5 GB");
}

TEST_F(GoldenTest, WholeModelParamsAreTheExactSize) {
  // Spec §5: exactly 70.55e9 params: 80 layers x 855,654,400 + embedding 1,050,673,152 +
  // LM head 1,050,673,152 + final norm 8,192 = 70,553,706,496.
  EXPECT_EQ(ledger_->decode.totals.params, 70'553'706'496.0);
}

}  // namespace
}  // namespace infercost
