#include "validation/aic_disagg_layouts.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace infercost::validation {
namespace {

const char kHeader[] =
    "backend,system,precision,isl,osl,concurrency,speculative,prefill_workers,prefill_tp,"
    "prefill_ep,prefill_attention_dp,decode_workers,decode_tp,decode_ep,decode_attention_dp\n";

std::vector<DisaggLayout> Layouts(const std::string& body) {
  absl::StatusOr<std::vector<DisaggLayout>> layouts =
      ParseDisaggLayouts(std::string(kHeader) + body, "layouts.csv");
  EXPECT_TRUE(layouts.ok()) << layouts.status();
  return layouts.ok() ? *layouts : std::vector<DisaggLayout>{};
}

// An InferenceX disaggregated row as aiconfigurator's dump writes it: pools' TP and EP, no
// workers, no attention DP.
AicRow Row(int64_t concurrency, int64_t prefill_tp, int64_t prefill_ep, int64_t decode_tp,
           int64_t decode_ep) {
  AicRow row;
  row.source = "rows.csv:2";
  row.backend = "trtllm";
  row.system = "b200_sxm";
  row.precision = "fp4";
  row.mode = "disagg";
  row.inferencex = true;
  row.isl = 1024;
  row.osl = 1024;
  row.batch_size = concurrency;
  row.prefill.tp = prefill_tp;
  row.prefill.moe_ep = prefill_ep;
  row.decode.tp = decode_tp;
  row.decode.moe_ep = decode_ep;
  return row;
}

// dsr1-fp4-b200-dynamo-trt at 1k / 1k as the master configuration writes it: 1,365 clients on one
// prefill worker (TP 4, EP 4, attention DP) and five decode workers (TP 8, EP 8, attention DP); 10
// clients, speculative and plain alike, on one prefill worker and five decode workers of TP 8, EP
// 8 without attention DP; 6 clients, the speculative run with 5 decode workers, the plain one 3.
const char kB200Fp4[] =
    "trtllm,b200_sxm,fp4,1024,1024,1365,false,1,4,4,true,5,8,8,true\n"
    "trtllm,b200_sxm,fp4,1024,1024,10,true,1,4,4,true,5,8,8,false\n"
    "trtllm,b200_sxm,fp4,1024,1024,10,false,1,4,4,true,5,8,8,false\n"
    "trtllm,b200_sxm,fp4,1024,1024,6,true,1,4,4,true,5,8,8,false\n"
    "trtllm,b200_sxm,fp4,1024,1024,6,false,1,4,4,true,3,8,8,false\n";

TEST(DisaggLayouts, ARowTakesItsRunsPoolsAttentionDpAsRanks) {
  std::vector<AicRow> rows = {Row(1365, 4, 4, 8, 8)};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(kB200Fp4), rows), 1);
  const AicRow& r = rows[0];
  EXPECT_TRUE(AicPoolsDescribed(r));
  EXPECT_EQ(r.prefill.workers, 1);
  EXPECT_EQ(r.prefill.tp, 1);  // 4 GPUs as 4 attention-DP ranks
  EXPECT_EQ(r.prefill.attention_dp, 4);
  EXPECT_EQ(r.prefill.moe_ep, 4);
  EXPECT_EQ(r.decode.workers, 5);
  EXPECT_EQ(r.decode.tp, 1);
  EXPECT_EQ(r.decode.attention_dp, 8);
  EXPECT_EQ(r.decode.moe_ep, 8);
  EXPECT_EQ(AicRegime(r), "disagg");
}

TEST(DisaggLayouts, SpeculativeAndPlainRunsAgreeingOnTheirPoolsFillTheirRow) {
  std::vector<AicRow> rows = {Row(10, 4, 4, 8, 8)};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(kB200Fp4), rows), 1);
  EXPECT_EQ(rows[0].decode.workers, 5);
  EXPECT_EQ(rows[0].decode.tp, 8);  // no attention DP: one TP 8 rank
  EXPECT_EQ(rows[0].decode.attention_dp, 1);
}

TEST(DisaggLayouts, RunsWrittenAlikeWithOtherPoolsLeaveTheRowAsItIs) {
  std::vector<AicRow> rows = {Row(6, 4, 4, 8, 8)};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(kB200Fp4), rows), 0);
  EXPECT_FALSE(AicPoolsDescribed(rows[0]));
  EXPECT_EQ(AicRegime(rows[0]), "disagg-1x1");
}

// The dump writes the decode pool's EP as 4 where the config launched EP 8: no layout has the
// row's EP, so the one with its TP stands, with the config's EP.
TEST(DisaggLayouts, AnEpTheConfigDoesNotHaveFallsBackToTheTp) {
  std::vector<AicRow> rows = {Row(1365, 4, 4, 8, 4)};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(kB200Fp4), rows), 1);
  EXPECT_EQ(rows[0].decode.moe_ep, 8);
  EXPECT_EQ(rows[0].decode.workers, 5);
  // Another TP: none.
  std::vector<AicRow> other_tp = {Row(1365, 4, 4, 4, 4)};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(kB200Fp4), other_tp), 0);
}

TEST(DisaggLayouts, OnlyInferenceXRowsWithoutWorkersAreFilled) {
  AicRow elsewhere = Row(1365, 4, 4, 8, 8);
  elsewhere.inferencex = false;
  AicRow described = Row(1365, 4, 4, 8, 8);
  described.prefill.workers = 2;
  described.decode.workers = 3;
  AicRow other_concurrency = Row(1366, 4, 4, 8, 8);
  AicRow other_precision = Row(1365, 4, 4, 8, 8);
  other_precision.precision = "fp8";
  AicRow aggregated = Row(1365, 4, 4, 8, 8);
  aggregated.mode = "agg";
  std::vector<AicRow> rows = {elsewhere, described, other_concurrency, other_precision, aggregated};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(kB200Fp4), rows), 0);
  EXPECT_EQ(rows[1].prefill.workers, 2);
  EXPECT_EQ(rows[1].decode.workers, 3);
  EXPECT_EQ(rows[1].decode.tp, 8);
}

TEST(DisaggLayouts, AMalformedFileNamesTheLineAndColumn) {
  for (const auto& [body, words] : std::vector<std::pair<std::string, std::string>>{
           {"trtllm,b200_sxm,fp4,1024,1024,8,false,0,4,4,true,5,8,8,true\n", "prefill_workers"},
           {"trtllm,b200_sxm,fp4,1024,1024,8,false,1,4,4,true,5,8,8,yes\n", "decode_attention_dp"},
           {"trtllm,b200_sxm,fp4,1024,0,8,false,1,4,4,true,5,8,8,true\n", "osl"},
           {"trtllm,b200_sxm,fp4,1024,1024,x,false,1,4,4,true,5,8,8,true\n", "concurrency"}}) {
    absl::StatusOr<std::vector<DisaggLayout>> layouts =
        ParseDisaggLayouts(std::string(kHeader) + body, "layouts.csv");
    ASSERT_FALSE(layouts.ok()) << body;
    EXPECT_NE(layouts.status().message().find("layouts.csv:2"), std::string::npos)
        << layouts.status();
    EXPECT_NE(layouts.status().message().find(words), std::string::npos) << layouts.status();
  }
  absl::StatusOr<std::vector<DisaggLayout>> no_column =
      ParseDisaggLayouts("backend,system\ntrtllm,b200_sxm\n", "layouts.csv");
  ASSERT_FALSE(no_column.ok());
  EXPECT_NE(no_column.status().message().find("precision"), std::string::npos)
      << no_column.status();
}

}  // namespace
}  // namespace infercost::validation
