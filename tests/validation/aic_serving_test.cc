// The decode step against aiconfigurator's measured serving TPOT (issue 5, point 7): every
// agg-mode row at concurrency <= 8 on one node (TP 1-8) of the models we have presets for, copied
// into tests/data/validation/aic_serving_low_concurrency.csv. Expected values are the file's
// measurements; the thresholds are the (25% median |error|).
//
// Achieved with the presets as committed (infercost validate --suite aic):
//   h100-sxm dense 108 rows 12.1%   h100-sxm MoE 54 rows 15.0%
//   b200 dense      96 rows 13.9%   b200 MoE    181 rows 14.5%
//   all 439 rows 14.0%
#include "validation/aic_serving.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "framework/loader/plugin_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/presets.h"
#include "tests/integration/pipeline_fixture.h"
#include "tests/validation/band_share_expectations.h"
#include "validation/csv_table.h"
#include "validation/row_estimate.h"

namespace infercost::validation {
namespace {

constexpr double kMaxMedianAbsError = 0.25;  // issue 5, point 7

using testing::ExpectBandsHoldTheirShareAndGroupsAddUp;
using testing::InTreePlugins;
using testing::RepoPresets;

AicValidation Validate(const std::string& file, const std::string& mode = "static") {
  absl::StatusOr<std::vector<AicRow>> rows =
      ReadAicServingCsv(std::string(INFERCOST_TEST_DATA_DIR) + "/validation/" + file);
  EXPECT_TRUE(rows.ok()) << rows.status();
  absl::StatusOr<AicValidation> v =
      rows.ok() ? ValidateAicServing(*rows, RepoPresets(), InTreePlugins(), {}, mode)
                : absl::StatusOr<AicValidation>(rows.status());
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? std::move(*v) : AicValidation{};
}

const AicValidation& Validation() {
  static const AicValidation* validation =
      new AicValidation(Validate("aic_serving_low_concurrency.csv"));
  return *validation;
}

// Every row of the four frontier models (issue 11, point 6).
const AicValidation& Frontier() {
  static const AicValidation* validation = new AicValidation(Validate("aic_serving_frontier.csv"));
  return *validation;
}

// The columns of the recipe tests' hand-written rows, and a source that makes a row InferenceX's
// (followed by the row's concurrency).
constexpr char kRecipeRowsHeader[] =
    "id,silicon_data_source,backend,backend_version,model_path,system,precision,mode,isl,osl,"
    "batch_size,tp_size,pp_size,attention_dp_size,moe_ep_size,silicon_ttft_ms,silicon_tpot_ms\n";
constexpr char kInferenceXSource[] = "source_file=2026-04-06.csv; silicon_concurrency=";

// A served request of `row` carries the recipe's `settings`, a static one none.
void ExpectSettingsServedOnly(const AicRow& row,
                              const std::vector<std::pair<std::string, double>>& settings) {
  for (const auto& [mode, expected] :
       {std::pair{"serving", settings}, std::pair{"static", decltype(settings){}}}) {
    absl::StatusOr<framework::ScenarioRequest> request =
        AicScenarioRequest(row, RepoPresets(), mode);
    ASSERT_TRUE(request.ok()) << request.status();
    EXPECT_EQ(request->engine_settings, expected) << mode;
  }
}

const AicGroup* Class(const std::string& hardware, const std::string& kind) {
  for (const AicGroup& g : Validation().classes) {
    if (g.hardware == hardware && g.model == kind) return &g;
  }
  return nullptr;
}

TEST(AicServingParse, ReadsColumnsByNameAndDefaultsEmptyParallelSizes) {
  const std::string text =
      "id,backend,backend_version,model_path,system,precision,mode,isl,osl,batch_size,tp_size,"
      "pp_size,attention_dp_size,moe_ep_size,silicon_tpot_ms\n"
      "a,trtllm,1.0,Qwen/Qwen3-32B,h100_sxm,fp8,agg,1024,128,8,2,1,,,10.5\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].attention_dp, 1);
  EXPECT_EQ((*rows)[0].moe_ep, 1);
  EXPECT_DOUBLE_EQ((*rows)[0].tpot_ms, 10.5);
  absl::StatusOr<framework::ScenarioRequest> request =
      AicScenarioRequest((*rows)[0], RepoPresets());
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->model, "qwen3-32b");
  EXPECT_EQ(request->hardware, "h100-sxm");
  EXPECT_EQ(request->engine, "trtllm-1.0");  // backend_version 1.0: AicEnginePreset
  EXPECT_EQ(request->weights, "fp8");
  EXPECT_EQ(request->kv, "fp8");
  EXPECT_EQ(request->gpus, 2);
  EXPECT_EQ(request->concurrency, 8);
}

// With attention data parallelism the file's batch_size is one DP rank's batch; the run's client
// concurrency is the stated silicon_concurrency (= batch_size x attention_dp_size on those rows,
// e.g. the file's trtllm DeepSeek rows: batch_size 4, attention_dp_size 64, concurrency 256).
TEST(AicServingParse, AttentionDataParallelRowsServeTheStatedConcurrency) {
  const std::string text =
      "id,silicon_data_source,backend,backend_version,model_path,system,precision,mode,isl,osl,"
      "batch_size,tp_size,pp_size,attention_dp_size,moe_ep_size,silicon_tpot_ms\n"
      "dp,x; silicon_concurrency=256; y,trtllm,1.0,deepseek-ai/DeepSeek-V3,b200_sxm,fp4,agg,1024,"
      "1024,4,1,1,64,8,23.9\n"
      "dp-unstated,x,trtllm,1.0,deepseek-ai/DeepSeek-V3,b200_sxm,fp4,agg,1024,1024,4,1,1,64,8,"
      "23.9\n"
      "no-dp,x; silicon_concurrency=32; y,trtllm,1.0,Qwen/Qwen3-32B,h100_sxm,fp8,agg,1024,128,8,"
      "2,1,1,1,10.5\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  const int64_t expected[] = {256, 4, 8};  // stated; batch_size (nothing stated); batch_size (dp 1)
  for (size_t i = 0; i < 3; ++i) {
    absl::StatusOr<framework::ScenarioRequest> request =
        AicScenarioRequest((*rows)[i], RepoPresets());
    ASSERT_TRUE(request.ok()) << request.status();
    EXPECT_EQ(request->concurrency, expected[i]) << i;
  }
  EXPECT_EQ((*rows)[0].batch_size, 4);  // the regime still reads the per-rank batch
}

// A run the file writes squared (validation/aic_parallelism.h) is predicted on the GPUs it had,
// and one attention-DP rank's batch keeps the run's clients: TP 8 x EP 8 written tp 64 (8 GPUs,
// 4 clients); attention DP 8 x EP 8 written dp 64 with 1 per rank (8 GPUs, 64 / 8 = 8 per rank,
// 64 clients as stated); vLLM TP 4 x EP 4 written tp 4 x dp 4 with 8 per rank and no stated
// concurrency (4 GPUs, no DP: 8 x 4 / 1 = 32 clients).
TEST(AicServingParse, ASquaredRunIsPredictedOnTheGpusItHad) {
  const std::string text =
      "id,silicon_data_source,backend,backend_version,model_path,system,precision,mode,isl,osl,"
      "batch_size,tp_size,pp_size,attention_dp_size,moe_tp_size,moe_ep_size,silicon_tpot_ms\n"
      "r1_c4_tp8_ep8_1,x,sglang,0.5,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,1024,1024,4,64,1,1,8,"
      "8,10.3\n"
      "r1_c64_tp8_ep8_2,x; silicon_concurrency=64; y,trtllm,1.1,deepseek-ai/DeepSeek-R1,b200_sxm,"
      "fp4,agg,1024,1024,1,1,1,64,8,8,12.3\n"
      "kimi_cfg635,x,vllm,0.15,moonshotai/Kimi-K2.5,b200_sxm,fp4,agg,1024,1024,8,4,1,4,1,16,20\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  struct Expected {
    int64_t tp, dp, ep, gpus, batch_size, concurrency;
  };
  const Expected expected[] = {{8, 1, 8, 8, 4, 4}, {1, 8, 8, 8, 8, 64}, {4, 1, 4, 4, 32, 32}};
  for (size_t i = 0; i < 3; ++i) {
    const AicRow& row = (*rows)[i];
    EXPECT_EQ(row.batch_size, expected[i].batch_size) << i;
    absl::StatusOr<framework::ScenarioRequest> request = AicScenarioRequest(row, RepoPresets());
    ASSERT_TRUE(request.ok()) << request.status();
    EXPECT_EQ(request->tp, expected[i].tp) << i;
    EXPECT_EQ(request->dp, expected[i].dp) << i;
    EXPECT_EQ(request->ep, expected[i].ep) << i;
    EXPECT_EQ(request->gpus, expected[i].gpus) << i;
    EXPECT_EQ(request->concurrency, expected[i].concurrency) << i;
  }
}

// Issue 12, points 2 and 5: each group says what share of its measured TPOTs lies inside the
// prediction's band. Qwen3-32B on two H100s at 4 clients decodes in milliseconds (its weights,
// 64 GB in bf16, stream over 2 x 3.35 TB/s in ~10 ms per step): a measured 1,000 ms or 0.01 ms is
// outside any band (the widest, uncalibrated ones are a factor of 2 either way), so none of the
// two rows is inside. On the fitted suite the shipped bands hold their 80 % (presets/
// error-bands.toml was derived to); the groups' shares add up to the suite's.
TEST(AicServingValidation, TheShareOfMeasurementsInsideTheBandIsCountedPerGroup) {
  const std::string text =
      "id,backend,backend_version,model_path,system,precision,mode,isl,osl,batch_size,tp_size,"
      "pp_size,attention_dp_size,moe_ep_size,silicon_tpot_ms\n"
      "slow,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,1024,1024,4,2,1,1,1,1000\n"
      "fast,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,1024,1024,4,2,1,1,1,0.01\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  absl::StatusOr<AicValidation> outside =
      ValidateAicServing(*rows, RepoPresets(), InTreePlugins(), {});
  ASSERT_TRUE(outside.ok()) << outside.status();
  ASSERT_EQ(outside->groups.size(), 1u);
  EXPECT_EQ(outside->groups[0].in_band, 0);
  EXPECT_EQ(outside->in_band, 0);
  for (const AicResult& r : outside->results) EXPECT_FALSE(r.tpot_in_band) << r.row.source;

  ExpectBandsHoldTheirShareAndGroupsAddUp(Validate("aic_serving_low_concurrency.csv"));
}

// Rows with the same labels are one configuration and get one prediction: those measured 1.25x
// or more apart are listed, and the error is also given over the other rows. Here: rows 0 and 1
// (5 and 10 ms: 10 / 5 = 2x apart) are one; rows 2 and 3 (same labels, 8 and 9.6 ms: 1.2x) are
// not far enough apart; row 4 has row 0's labels but TP 4, another configuration.
TEST(AicServingValidation, ConfigurationsMeasuredFarApartAreListed) {
  const std::string text =
      "id,backend,backend_version,model_path,system,precision,mode,isl,osl,batch_size,tp_size,"
      "pp_size,attention_dp_size,moe_ep_size,silicon_tpot_ms\n"
      "a,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,1024,1024,4,2,1,1,1,5.0\n"
      "b,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,1024,1024,4,2,1,1,1,10.0\n"
      "c,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,8192,1024,4,2,1,1,1,8.0\n"
      "d,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,8192,1024,4,2,1,1,1,9.6\n"
      "e,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,1024,1024,4,4,1,1,1,5.0\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  absl::StatusOr<AicValidation> v = ValidateAicServing(*rows, RepoPresets(), InTreePlugins(), {});
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->results.size(), 5u);
  ASSERT_EQ(v->repeated.size(), 1u);
  EXPECT_EQ(v->repeated[0].results, (std::vector<size_t>{0, 1}));
  EXPECT_DOUBLE_EQ(v->repeated[0].spread, 2.0);
  EXPECT_EQ(v->repeated_rows, 2);
  // Rows 0 and 1 share one prediction.
  EXPECT_EQ(v->results[0].predicted_ms, v->results[1].predicted_ms);
  // The other rows' error: rows 2, 3 and 4.
  std::vector<double> others = {v->results[2].relative_error, v->results[3].relative_error,
                                v->results[4].relative_error};
  EXPECT_DOUBLE_EQ(v->others_median_abs_error, MedianAbsolute(others));
  EXPECT_DOUBLE_EQ(v->others_p90_abs_error, QuantileAbsolute(others, 0.9));
}

// The source's dumps overlap: one run can stand in the file twice, under another id, data source,
// model label (DeepSeek-V3 for DeepSeek-R1) or engine version string, with every other column
// equal, its measured TTFT and TPOT to the last digit. It is one measurement, counted once (the
// first row kept, the copy's source noted). Rows 1 and 2 here are such a pair; row 3 has row 1's
// labels and another TPOT (another run: kept); row 4 has row 1's every column but states another
// client concurrency (another run: kept).
TEST(AicServingParse, ACopyOfOneRunIsCountedOnce) {
  const std::string text =
      "id,silicon_data_source,backend,backend_version,model_path,system,precision,mode,isl,osl,"
      "batch_size,tp_size,pp_size,attention_dp_size,moe_ep_size,silicon_ttft_ms,silicon_tpot_ms\n"
      "run,dump-a; silicon_concurrency=4; measured=2026-02-05,trtllm,1.2.0rc6.post3,"
      "deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,1024,8192,4,8,1,1,1,195.0521711143665,"
      "4.365594794963619\n"
      "copy,dump-b; silicon_concurrency=4; measured=2026-02-05,trtllm,rc6.post3,"
      "deepseek-ai/DeepSeek-V3,b200_sxm,fp8,agg,1024,8192,4,8,1,1,1,195.0521711143665,"
      "4.365594794963619\n"
      "other-run,dump-a; silicon_concurrency=4; measured=2026-01-29,trtllm,1.2.0rc6.post3,"
      "deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,1024,8192,4,8,1,1,1,195.0521711143665,"
      "10.134441675668226\n"
      "other-clients,dump-a; silicon_concurrency=8; measured=2026-02-05,trtllm,1.2.0rc6.post3,"
      "deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,1024,8192,4,8,1,1,1,195.0521711143665,"
      "4.365594794963619\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].source, "t.csv:2");
  EXPECT_EQ((*rows)[0].copies, (std::vector<std::string>{"t.csv:3"}));
  EXPECT_DOUBLE_EQ((*rows)[1].tpot_ms, 10.134441675668226);
  EXPECT_TRUE((*rows)[1].copies.empty());
  EXPECT_EQ((*rows)[2].source, "t.csv:5");
  EXPECT_TRUE((*rows)[2].copies.empty());
  absl::StatusOr<AicValidation> v = ValidateAicServing(*rows, RepoPresets(), InTreePlugins(), {});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->results.size(), 3u);
  EXPECT_EQ(v->copies, 1);
}

// One run written again under another description: rows that measure the same TTFT and TPOT to
// the last digit for the same engine, device, precision, mode, lengths and stated concurrency
// (the dumps describe one disaggregated run with and without its pools' worker counts, or one
// layout squared). It is one measurement, counted once; the description that states the worker
// counts is kept whichever came first. Rows 1 and 2 here are such a pair (row 2 with the
// counts), row 3 has another TTFT (another run: kept), and row 4 states no TTFT (nothing to
// tell runs apart by: kept).
TEST(AicServingParse, ARunDescribedTwiceIsCountedOnce) {
  const std::string text =
      "id,silicon_data_source,backend,backend_version,model_path,system,precision,mode,isl,osl,"
      "batch_size,tp_size,pp_size,attention_dp_size,moe_ep_size,prefill_num_workers,"
      "prefill_tp_size,prefill_moe_ep_size,decode_num_workers,decode_tp_size,decode_moe_ep_size,"
      "silicon_ttft_ms,silicon_tpot_ms\n"
      "flat,a; silicon_concurrency=4096,trtllm,0.8.1,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,"
      "disagg,1024,1024,,,,,,,8,8,,8,8,4268.25473396192,74.25205109047542\n"
      "pools,b; silicon_concurrency=4096,trtllm,0.8.1,deepseek-ai/DeepSeek-V3,b200_sxm,fp8,"
      "disagg,1024,1024,,,,,,1,8,8,1,8,8,4268.25473396192,74.25205109047542\n"
      "other,a; silicon_concurrency=4096,trtllm,0.8.1,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,"
      "disagg,1024,1024,,,,,,,8,8,,8,8,4000.5,74.25205109047542\n"
      "agg-a,a; silicon_concurrency=8,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,1024,1024,8,2,"
      "1,1,1,,,,,,,,10.5\n"
      "agg-b,a; silicon_concurrency=8,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,1024,1024,8,4,"
      "1,1,1,,,,,,,,10.5\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].source, "t.csv:3");  // the described copy, in the first one's place
  EXPECT_EQ((*rows)[0].prefill.workers, 1);
  EXPECT_EQ((*rows)[0].decode.workers, 1);
  EXPECT_EQ((*rows)[0].copies, (std::vector<std::string>{"t.csv:2"}));
  EXPECT_EQ((*rows)[1].source, "t.csv:4");
  EXPECT_TRUE((*rows)[1].copies.empty());
  EXPECT_EQ((*rows)[2].source, "t.csv:5");
  EXPECT_EQ((*rows)[3].source, "t.csv:6");
}

// One run written again to fewer digits (the source's gap-analysis files write InferenceX's
// runs rounded to 2 decimals: 2688.7035179373925 ms as 2688.70), or one double written twice
// its last digit apart, is one measurement: counted once, the description with every digit kept
// in the first one's place. 2688.71 is another (0.0065 ms from the first, more than half of the
// rounded one's last digit).
TEST(AicServingParse, ARunWrittenAgainToFewerDigitsIsCountedOnce) {
  const std::string text =
      "id,silicon_data_source,backend,backend_version,model_path,system,precision,mode,isl,osl,"
      "batch_size,tp_size,pp_size,attention_dp_size,moe_ep_size,silicon_ttft_ms,silicon_tpot_ms\n"
      "rounded,gap; silicon_concurrency=64,sglang,0.5.9,Qwen/Qwen3.5-397B-A17B-FP8,b200_sxm,fp8,"
      "agg,8192,1024,64,4,1,1,1,2688.70,30.14\n"
      "every-digit,dated; silicon_concurrency=64,sglang,0.5.9,Qwen/Qwen3.5-397B-A17B-FP8,"
      "b200_sxm,fp8,agg,8192,1024,64,4,1,1,4,2688.7035179373925,30.139811450238785\n"
      "another,dated; silicon_concurrency=64,sglang,0.5.9,Qwen/Qwen3.5-397B-A17B-FP8,b200_sxm,"
      "fp8,agg,8192,1024,64,4,1,1,1,2688.71,30.14\n"
      "noise-a,dated; silicon_concurrency=8,sglang,0.5.8,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,"
      "agg,1024,8192,8,8,1,1,1,199.4286597095197,10.322922014878305\n"
      "noise-b,dump; silicon_concurrency=8,sglang,0.5.8,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,"
      "agg,1024,8192,8,8,1,1,1,199.4286597095195,10.322922014878303\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].source, "t.csv:3");  // every digit, in the rounded one's place
  EXPECT_EQ((*rows)[0].moe_ep, 4);
  EXPECT_DOUBLE_EQ((*rows)[0].ttft_ms, 2688.7035179373925);
  EXPECT_EQ((*rows)[0].copies, (std::vector<std::string>{"t.csv:2"}));
  EXPECT_EQ((*rows)[1].source, "t.csv:4");
  EXPECT_TRUE((*rows)[1].copies.empty());
  EXPECT_EQ((*rows)[2].source, "t.csv:5");
  EXPECT_EQ((*rows)[2].copies, (std::vector<std::string>{"t.csv:6"}));
}

// The digits a number is written with, as the comparison above reads them (and `infercost sweep`
// its grid's steps): after the point; 0 without one; -1 with an exponent or for no number.
TEST(AicServingParse, DecimalsAreCountedAsWritten) {
  EXPECT_EQ(DecimalsWritten("2688.70"), 2);
  EXPECT_EQ(DecimalsWritten("2688.7035179373925"), 13);
  EXPECT_EQ(DecimalsWritten("0.25"), 2);
  EXPECT_EQ(DecimalsWritten("3"), 0);
  EXPECT_EQ(DecimalsWritten("1e3"), -1);
  EXPECT_EQ(DecimalsWritten("2.5E-3"), -1);
  EXPECT_EQ(DecimalsWritten(""), -1);
}

TEST(AicServingParse, MissingColumnIsAnError) {
  EXPECT_FALSE(ParseAicServingCsv("backend,model_path\nx,y\n", "t.csv").ok());
}

// A row whose mode is neither agg nor disagg, or whose TTFT is not a positive time, is an error
// naming the row (it was evaluated as an agg row, and the TTFT shown as not measured).
TEST(AicServingParse, AnUnknownModeOrANonPositiveTtftIsAnError) {
  const std::string header =
      "id,backend,backend_version,model_path,system,precision,mode,isl,osl,batch_size,tp_size,"
      "pp_size,attention_dp_size,moe_ep_size,silicon_ttft_ms,silicon_tpot_ms\n";
  const auto error = [&](const std::string& row) {
    return std::string(ParseAicServingCsv(header + row, "t.csv").status().message());
  };
  EXPECT_THAT(error("a,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,aggregated,1024,128,4,2,1,1,1,90,"
                    "10.5\n"),
              ::testing::HasSubstr("t.csv:2: mode = 'aggregated'"));
  EXPECT_THAT(error("a,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,1024,128,4,2,1,1,1,-1,10.5\n"),
              ::testing::HasSubstr("t.csv:2: silicon_ttft_ms = -1 is not a positive time"));
  EXPECT_TRUE(ParseAicServingCsv(
                  header + "a,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,1024,128,4,2,1,1,1,,"
                           "10.5\n",
                  "t.csv")
                  .ok());
}

// 439 rows in the file, 368 runs: 65 rows repeat a run in every column but where the row came
// from (python's csv over aic_serving_low_concurrency.csv, rows keyed by every column but id,
// silicon_data_source, model_path and backend_version, plus the stated silicon_concurrency), and
// 6 more the same measurement again, their times one writing of the same double apart (keyed as
// in ARunDescribedTwiceIsCountedOnce, the times equal within half the last digit written).
TEST(AicServingValidation, EveryCopiedRowIsCompared) {
  EXPECT_EQ(Validation().results.size(), 368u);
  EXPECT_EQ(Validation().copies, 71);
  EXPECT_EQ(Validation().skipped, 0);
}

TEST(AicServingValidation, DenseModelsWithin25PercentOnH100AndB200) {
  for (const char* hardware : {"h100-sxm", "b200"}) {
    const AicGroup* g = Class(hardware, "dense");
    ASSERT_NE(g, nullptr) << hardware;
    EXPECT_LE(g->median_abs_error, kMaxMedianAbsError) << hardware;
  }
}

TEST(AicServingValidation, MoeModelsWithin25PercentOnH100AndB200) {
  for (const char* hardware : {"h100-sxm", "b200"}) {
    const AicGroup* g = Class(hardware, "moe");
    ASSERT_NE(g, nullptr) << hardware;
    EXPECT_LE(g->median_abs_error, kMaxMedianAbsError) << hardware;
  }
}

// vLLM's host_overlap (presets/engines/vllm.toml) was fitted on the B200 rows only; the 54 H100
// runs (vLLM 0.12 / 0.18, another device; 60 rows, 6 of them copies) are held out of it.
// docs/calibration.md ("vLLM's host overlap") states 6.3% median (17.3% with the ANL-era host
// cost); a bound with a margin.
TEST(AicServingValidation, VllmH100RowsHeldOutOfTheHostOverlapFit) {
  std::vector<double> errors;
  for (const AicResult& r : Validation().results) {
    if (r.request.engine == "vllm" && r.request.hardware == "h100-sxm") {
      errors.push_back(r.relative_error);
    }
  }
  EXPECT_EQ(errors.size(), 54u);
  EXPECT_LE(MedianAbsolute(errors), 0.09);
}

TEST(AicServingValidation, AllRowsWithin25Percent) {
  EXPECT_LE(Validation().median_abs_error, kMaxMedianAbsError);
}

AicRow Row(int64_t batch, int64_t tp, int64_t dp, int64_t pp) {
  AicRow row;
  row.mode = "agg";
  row.batch_size = batch;
  row.tp = tp;
  row.attention_dp = dp;
  row.pp = pp;
  return row;
}

TEST(AicServingRegime, ByConcurrencyAndNodeCount) {
  EXPECT_EQ(AicRegime(Row(8, 8, 1, 1)), "c<=8");
  EXPECT_EQ(AicRegime(Row(16, 8, 1, 1)), "c>8");
  EXPECT_EQ(AicRegime(Row(4, 4, 4, 1)), "multi-node");  // 16 GPUs
  EXPECT_EQ(AicRegime(Row(4, 16, 1, 1)), "multi-node");
  EXPECT_EQ(AicRegime(Row(4, 4, 1, 2)), "multi-node");  // pipeline stages
}

TEST(AicServingRegime, NinetiethPercentileByNearestRank) {
  // |values| sorted: 1..10; the ceil(0.9 x 10) = 9th smallest is 9.
  EXPECT_EQ(QuantileAbsolute({-1, 2, -3, 4, 5, 6, -7, 8, 9, -10}, 0.9), 9);
  EXPECT_EQ(QuantileAbsolute({-4}, 0.9), 4);
  EXPECT_EQ(QuantileAbsolute({}, 0.9), 0);
}

// Every visible aiconfigurator run of Qwen3.5-397B-A17B (147), GLM-5 (32), MiniMax-M2.5 (242) and
// Kimi-K2.5 (95) is predicted, at every concurrency, with its error. Run counts by model and
// regime are counted in the file (python's csv over aic_serving_frontier.csv, 719 rows of which
// 195 repeat a run, keyed as in EveryCopiedRowIsCompared, and 122 more the same measurement
// described again, keyed as in ARunDescribedTwiceIsCountedOnce: 8 of Qwen3.5 above 8 clients, 93
// of the two gap-analysis files that write InferenceX's Qwen3.5 and Kimi-K2.5 runs again rounded
// to 2 decimals, 21 one writing of a double apart; each run's GPUs read as
// validation/aic_parallelism.h says): 402 runs, 135 c<=8 and 267 c>8; none on more than one node
// (the runs that seemed to be were written squared: TP 4 x EP 4 on 16 GPUs).
TEST(AicFrontierValidation, EveryRowOfTheFourModelsIsPredicted) {
  const AicValidation& v = Frontier();
  EXPECT_EQ(v.results.size(), 402u);
  EXPECT_EQ(v.copies, 317);
  EXPECT_EQ(v.skipped, 0);
  EXPECT_EQ(v.disagg_rows, 0);
  std::map<std::string, int> per_model;
  std::map<std::string, int> per_regime;
  for (const AicResult& r : v.results) {
    ++per_model[r.request.model];
    ++per_regime[r.regime];
    EXPECT_GT(r.predicted_ms, 0) << r.row.source;
    EXPECT_DOUBLE_EQ(r.relative_error, r.predicted_ms / r.row.tpot_ms - 1) << r.row.source;
  }
  EXPECT_EQ(per_model["qwen3.5-397b-a17b"], 74);
  EXPECT_EQ(per_model["glm-5"], 28);
  EXPECT_EQ(per_model["minimax-m2.5"], 242);
  EXPECT_EQ(per_model["kimi-k2.5"], 58);
  EXPECT_EQ(per_regime["c<=8"], 135);
  EXPECT_EQ(per_regime["c>8"], 267);
  EXPECT_EQ(per_regime.count("multi-node"), 0u);
  int64_t regime_rows = 0;
  for (const AicGroup& g : v.regimes) regime_rows += g.rows;
  EXPECT_EQ(regime_rows, 402);
}

// Issue 12, points 1 and 2: every other visible aiconfigurator run (aic_serving_rest.csv): its
// 1,095 agg runs and 269 disaggregated runs are predicted, the latter in disagg mode with TTFT
// (python's csv over the file: 1,784 rows, 279 of them repeating a run, keyed as in
// EveryCopiedRowIsCompared, and 141 more the same measurement described again, keyed as in
// ARunDescribedTwiceIsCountedOnce (disaggregated ones written without their worker counts beside
// a row with them, runs written squared, times one writing of a double apart); 269 runs mode =
// disagg, 72 of them with prefill_num_workers and decode_num_workers, every one with
// silicon_ttft_ms). Of the other 197 InferenceX runs, 64 take their pools from
// inferencex_disagg_layouts.csv beside the file, the one layout (pools and drafts) of their key
// and TPs (python over both files, matched as ApplyDisaggLayouts matches: 136 "disagg" runs
// then), 131 match several ("disagg-any-of") and 2 none ("disagg-1x1").
TEST(AicRestValidation, EveryRowIsPredictedDisaggregatedOnesInDisaggMode) {
  const AicValidation v = Validate("aic_serving_rest.csv");
  EXPECT_EQ(v.results.size(), 1095u + 269u);
  EXPECT_EQ(v.copies, 420);
  EXPECT_EQ(v.skipped, 0);
  EXPECT_EQ(v.disagg_rows, 269);
  std::map<std::string, int> per_regime;
  for (const AicResult& r : v.results) {
    ++per_regime[r.regime];
    if (r.row.mode != "disagg") continue;
    EXPECT_EQ(r.request.mode, "disagg") << r.row.source;
    EXPECT_GT(r.predicted_ttft_ms, 0) << r.row.source;
    EXPECT_DOUBLE_EQ(r.ttft_relative_error, r.predicted_ttft_ms / r.row.ttft_ms - 1)
        << r.row.source;
  }
  EXPECT_EQ(per_regime["disagg"], 72 + 64);
  EXPECT_EQ(per_regime["disagg-any-of"], 131);
  EXPECT_EQ(per_regime["disagg-1x1"], 197 - 64 - 131);
}

const AicGroup* Regime(const AicValidation& v, const std::string& regime) {
  for (const AicGroup& g : v.regimes) {
    if (g.regime == regime) return &g;
  }
  return nullptr;
}

// TensorRT-LLM >= 1.0 (presets/engines/trtllm.toml: bandwidth_efficiency and host_overlap,
// fitted on the H100 rows in serving mode). Held out of that fit: the 279 B200 runs above
// concurrency 8 (other models, another device; 257 before each run's GPUs were read as
// validation/aic_parallelism.h says, 58 more then seeming to span nodes, 20 fewer since a run
// described twice counts once and 16 fewer since one written twice a double's last digit apart
// does too: ARunDescribedTwiceIsCountedOnce; python as in EveryRowIsPredicted...), at 12.2% median
// |error| in serving mode, mean -1.5% (12.0% and -6.8% in docs/calibration.md, "Runs written
// squared", before TensorRT-LLM scheduled each prompt whole); a bound with a margin, and no more
// than 8% too fast or slow on average.
// The rows of aic_serving_rest.csv that `filter` keeps, predicted in serving mode.
absl::StatusOr<AicValidation> ValidateServing(const std::string& file, const AicFilter& filter) {
  absl::StatusOr<std::vector<AicRow>> rows =
      ReadAicServingCsv(std::string(INFERCOST_TEST_DATA_DIR) + "/validation/" + file);
  if (!rows.ok()) return rows.status();
  return ValidateAicServing(*rows, RepoPresets(), InTreePlugins(), filter, "serving");
}

absl::StatusOr<AicValidation> ValidateRestServing(const AicFilter& filter) {
  return ValidateServing("aic_serving_rest.csv", filter);
}

TEST(AicRestValidation, TensorRtLlmB200RowsHeldOutOfTheHostOverlapFit) {
  AicFilter filter;
  filter.engine = "trtllm";
  filter.hardware = "b200";
  absl::StatusOr<AicValidation> v = ValidateRestServing(filter);
  ASSERT_TRUE(v.ok()) << v.status();
  const AicGroup* busy = Regime(*v, "c>8");
  ASSERT_NE(busy, nullptr);
  EXPECT_EQ(busy->rows, 279);
  EXPECT_LE(busy->median_abs_error, 0.18);
  EXPECT_LE(std::abs(busy->mean_error), 0.08);
}

// Closed-loop clients of one request length (aiconfigurator's own harness: aiperf with no length
// spread) on a mixed schedule are desynchronised in the measured runs: TensorRT-LLM 1.0's
// Qwen3-32B fp8 runs on H100 at 9-64 clients (python's csv over aic_serving_rest.csv: 107 agg
// rows of backend_version 1.0.x, batch_size 9-64, no two alike) measure a TTFT that barely grows
// with the clients (272, 309, 357, 466 ms at 8, 16, 32, 64 clients, 1,024 / 128 tokens, TP 1) while
// the TPOT absorbs the prefills. Simulated one by one the clients fell into waves, every TTFT a
// wave's prefill (+55 % median, docs/calibration.md "Closed-loop waves"); modelled as
// desynchronised arrivals (framework/serving/serving_model.h, ClientsDesynchronise) the TTFT is
// within a quarter at the median (18 % when this test was written) and the TPOT within a tenth (5.6
// %).
TEST(AicRestValidation, OneLengthClientsOfTensorRtLlm10AreDesynchronisedAsMeasured) {
  AicFilter filter;
  filter.engine = "trtllm-1.0";
  filter.model = "qwen3-32b";
  filter.hardware = "h100-sxm";
  absl::StatusOr<AicValidation> v = ValidateRestServing(filter);
  ASSERT_TRUE(v.ok()) << v.status();
  std::vector<double> ttft, tpot;
  for (const AicResult& r : v->results) {
    if (r.row.concurrency <= 8 || r.row.concurrency > 64) continue;
    ttft.push_back(r.ttft_relative_error);
    tpot.push_back(r.relative_error);
  }
  ASSERT_EQ(ttft.size(), 107u);
  EXPECT_LE(MedianAbsolute(ttft), 0.25);
  EXPECT_LE(MedianAbsolute(tpot), 0.10);
}

// InferenceX's TensorRT-LLM DeepSeek-R1 runs on B200 with the 1.2.0rc6.post3 image are its MTP
// recipes' (AicRecipeSpeculation: 3 drafts a step, 1 with attention DP, at aiconfigurator's
// default rates). Predicted plain, their serving TPOT was 33.6 % (aic_serving_low_concurrency.csv,
// 18 runs; 17 since a run written twice a double's last digit apart counts once) and 22.8 %
// (aic_serving_rest.csv, 41 runs; 33) off at the median, too slow at every
// concurrency (+41 % at 8 clients or fewer); drafting as the recipes did, 10.1 % and 13.6 % when
// this test was written.
TEST(AicServingValidation, InferenceXMtpRecipeRunsDraftAsTheirScriptsSay) {
  AicFilter filter;
  filter.engine = "trtllm";
  filter.model = "deepseek-r1";
  filter.hardware = "b200";
  for (const auto& [file, runs] : {std::pair{"aic_serving_low_concurrency.csv", size_t{17}},
                                   std::pair{"aic_serving_rest.csv", size_t{33}}}) {
    absl::StatusOr<AicValidation> v = ValidateServing(file, filter);
    ASSERT_TRUE(v.ok()) << v.status();
    std::vector<double> tpot;
    for (const AicResult& r : v->results) {
      if (r.row.backend_version != "1.2.0rc6.post3") continue;
      EXPECT_GT(r.request.speculative_tokens, 0) << r.row.source;
      tpot.push_back(r.relative_error);
    }
    ASSERT_EQ(tpot.size(), runs) << file;
    EXPECT_LE(MedianAbsolute(tpot), 0.15) << file;
  }
}

// InferenceX's disaggregated TensorRT-LLM runs whose configuration points all name one recipe
// depth (`_mtpN` of their CONFIG_FILE, inferencex_disagg_layouts.csv's drafts) draft N tokens a
// decode step (AicRecipeSpeculation). The 47 such runs of aic_serving_rest.csv (40 since a run
// written twice a double's last digit apart counts once) were predicted
// plain 23.0 % off at the median (+22.1 % signed, too slow); drafting, 17.4 % (-16.5 %: as the
// plain disaggregated runs, -23 %) when this test was written. (A run of several possible
// layouts, "disagg-any-of", drafts as each of them:
// RunsOfSeveralPossibleLayoutsArePredictedAtEach.)
TEST(AicRestValidation, DisaggregatedMtpRunsDraftTheirRecipesDepth) {
  AicFilter filter;
  filter.engine = "trtllm";
  absl::StatusOr<AicValidation> v = ValidateRestServing(filter);
  ASSERT_TRUE(v.ok()) << v.status();
  std::vector<double> tpot;
  for (const AicResult& r : v->results) {
    if (r.regime != "disagg" || r.request.speculative_tokens == 0) continue;
    EXPECT_EQ(r.request.speculative_tokens, r.row.recipe_drafts) << r.row.source;
    tpot.push_back(r.relative_error);
  }
  ASSERT_EQ(tpot.size(), 40u);
  EXPECT_LE(MedianAbsolute(tpot), 0.20);
}

// SGLang's disaggregated MTP recipes (NVIDIA/srt-slurm recipes/*/mtp/, the CONFIG_FILE of each
// InferenceX point) draft `speculative-num-steps` 2 tokens a step with EAGLE (1 in one B200 fp8
// recipe that no run here matches alone): inferencex_disagg_layouts.csv's drafts. The runs whose
// one possible layout drafts 2 (python over both files, matched as ApplyDisaggLayouts matches: 3
// on B200, 2 on H100, the others of H100 having a TP and an attention-DP layout) draft 2 at
// aiconfigurator's default rates; the other described runs draft none.
TEST(AicRestValidation, SglangDisaggregatedMtpRunsDraftTheirRecipesSteps) {
  AicFilter filter;
  filter.engine = "sglang";
  absl::StatusOr<AicValidation> v = ValidateRestServing(filter);
  ASSERT_TRUE(v.ok()) << v.status();
  std::map<std::string, int> drafting;
  for (const AicResult& r : v->results) {
    if (r.regime != "disagg" || !r.row.inferencex) continue;
    if (r.request.speculative_tokens == 0) continue;
    EXPECT_EQ(r.request.speculative_tokens, 2) << r.row.source;
    EXPECT_EQ(r.request.acceptance, (std::vector<double>{0.85, 0.3})) << r.row.source;
    ++drafting[r.request.hardware];
  }
  EXPECT_EQ(drafting, (std::map<std::string, int>{{"b200", 3}, {"h100-sxm", 2}}));
}

// The disaggregated InferenceX runs whose configuration lists several layouts at their key and
// TPs (EveryRowIsPredictedDisaggregatedOnesInDisaggMode: 131) were predicted with one worker a
// pool where the layouts' pools differed (67 runs, every client on one decode worker: TPOT 75.0 %
// median |error|; SGLang at 4,096 clients 217 ms a token against 18 measured), plain where only
// their drafts did. Each is now predicted at each possible layout, its times their geometric
// mean and its band their span: the 146 within 30.1 % at the median when this test was written
// (131 since a run written twice a double's last digit apart counts once).
TEST(AicRestValidation, RunsOfSeveralPossibleLayoutsArePredictedAtEach) {
  absl::StatusOr<AicValidation> v = ValidateRestServing({});
  ASSERT_TRUE(v.ok()) << v.status();
  std::vector<double> tpot;
  bool checked_one = false;
  for (const AicResult& r : v->results) {
    if (r.regime != "disagg-any-of") continue;
    tpot.push_back(r.relative_error);
    if (checked_one) continue;
    checked_one = true;
    const std::vector<AicRow> variants = AicLayoutVariants(r.row);
    ASSERT_GE(variants.size(), 2u) << r.row.source;
    double log_tpot = 0, log_ttft = 0, lowest = 1e9, highest = 0, low = 1e9, high = 0;
    for (const AicRow& variant : variants) {
      absl::StatusOr<framework::ScenarioRequest> request =
          AicScenarioRequest(variant, RepoPresets(), "serving");
      ASSERT_TRUE(request.ok()) << request.status();
      EXPECT_EQ(request->mode, "disagg");
      absl::StatusOr<framework::Estimate> e =
          EstimateRow(variant.source, *request, RepoPresets(), InTreePlugins());
      ASSERT_TRUE(e.ok()) << e.status();
      log_tpot += std::log(e->summary.tpot_s);
      log_ttft += std::log(e->summary.ttft_s);
      lowest = std::min(lowest, e->summary.tpot_s);
      highest = std::max(highest, e->summary.tpot_s);
      low = std::min(low, e->summary.tpot_band.low_s);
      high = std::max(high, e->summary.tpot_band.high_s);
    }
    const double n = static_cast<double>(variants.size());
    EXPECT_NEAR(r.predicted_ms, 1e3 * std::exp(log_tpot / n), 1e-9 * r.predicted_ms);
    EXPECT_NEAR(r.predicted_ttft_ms, 1e3 * std::exp(log_ttft / n), 1e-9 * r.predicted_ttft_ms);
    EXPECT_LT(lowest, highest) << "the layouts differ, so do their predictions";
    EXPECT_GE(r.predicted_ms, 1e3 * lowest);
    EXPECT_LE(r.predicted_ms, 1e3 * highest);
    const double measured_s = r.row.tpot_ms / 1e3;
    EXPECT_EQ(r.tpot_in_band, measured_s >= low && measured_s <= high);
  }
  ASSERT_EQ(tpot.size(), 131u);
  EXPECT_LE(MedianAbsolute(tpot), 0.35);
}

// SGLang's InferenceX runs on B200 (DeepSeek-R1 / V3 and Qwen3.5) took new requests only every 10
// or 30 decode steps (AicRecipeSettings). Above 8 clients their serving TTFT was 38.8 %
// (aic_serving_frontier.csv, 55 runs; 48 since a run written again to fewer digits counts once)
// and 36.3 % (aic_serving_rest.csv, 88; 81) off at the median,
// too short; with the recipes' interval 17.6 % and 32.2 % when this test was written.
TEST(AicServingValidation, InferenceXSglangRunsWaitForTheSchedulersTake) {
  AicFilter filter;
  filter.engine = "sglang";
  filter.hardware = "b200";
  for (const auto& [file, runs] : {std::pair{"aic_serving_frontier.csv", size_t{48}},
                                   std::pair{"aic_serving_rest.csv", size_t{81}}}) {
    absl::StatusOr<AicValidation> v = ValidateServing(file, filter);
    ASSERT_TRUE(v.ok()) << v.status();
    std::vector<double> ttft;
    for (const AicResult& r : v->results) {
      if (!r.row.inferencex || r.row.mode != "agg" || r.row.concurrency <= 8) continue;
      const bool recipe = absl::StrContains(r.row.model_path, "DeepSeek") ||
                          absl::StrContains(r.row.model_path, "Qwen3.5");
      if (!recipe) continue;
      EXPECT_FALSE(r.request.engine_settings.empty()) << r.row.source;
      ttft.push_back(r.ttft_relative_error);
    }
    ASSERT_EQ(ttft.size(), runs) << file;
    EXPECT_LE(MedianAbsolute(ttft), 0.34) << file;
  }
}

// Above concurrency 8 a continuously batched step carries prompt chunks; the serving mode
// simulates them, the static step does not. On the frontier rows (measured TPOT) the serving
// mode's median |error| there is the lower, and TTFT is predicted for every row that has one.
TEST(AicFrontierValidation, ServingModeBeatsTheStaticStepAboveConcurrency8) {
  const AicValidation serving = Validate("aic_serving_frontier.csv", "serving");
  ASSERT_EQ(serving.results.size(), 402u);
  EXPECT_EQ(serving.mode, "serving");
  const AicGroup* busy_serving = Regime(serving, "c>8");
  const AicGroup* busy_static = Regime(Frontier(), "c>8");
  ASSERT_NE(busy_serving, nullptr);
  ASSERT_NE(busy_static, nullptr);
  EXPECT_LT(busy_serving->median_abs_error, busy_static->median_abs_error);
  EXPECT_LT(serving.median_abs_error, Frontier().median_abs_error);
  int with_burst = 0;
  for (const AicResult& r : serving.results) {
    ASSERT_GT(r.row.ttft_ms, 0) << r.row.source;
    EXPECT_GT(r.predicted_ttft_ms, 0) << r.row.source;
    EXPECT_DOUBLE_EQ(r.ttft_relative_error, r.predicted_ttft_ms / r.row.ttft_ms - 1);
    // What is compared is the benchmark's mean over 10 requests per client, the start-up
    // burst's one of them: (burst + 9 steady) / 10, each printed apart (no burst simulated:
    // the steady TTFT).
    const double want = r.predicted_burst_ttft_ms > 0
                            ? (r.predicted_burst_ttft_ms + 9 * r.predicted_steady_ttft_ms) / 10
                            : r.predicted_steady_ttft_ms;
    EXPECT_NEAR(r.predicted_ttft_ms, want, 1e-9 * r.predicted_ttft_ms) << r.row.source;
    if (r.predicted_burst_ttft_ms > 0) ++with_burst;
  }
  EXPECT_GT(with_burst, 390);  // 399 of 402 (memory runs the other three in waves)
}

// The token budget per step of the deployment behind each row, as aiconfigurator's generator
// writes it (rule_plugin/vllm.rule, trtllm.rule, line by line): agg max_batch_size + isl + 1500
// with max_batch_size already raised to 512 (or doubled from 512 on), a prefill worker
// isl + 1500, TensorRT-LLM's rounded up to 32-token blocks; SGLang's left to its preset.
TEST(AicServingRequest, EachRowGetsItsDeploymentsTokenBudget) {
  AicRow row;
  row.model_path = "meta-llama/Llama-3.1-70B";
  row.system = "b200_sxm";
  row.mode = "agg";
  row.isl = 1024;
  row.osl = 1024;
  row.batch_size = row.concurrency = 4;
  row.backend = "vllm";
  EXPECT_EQ(AicTokenBudget(row), 512 + 1024 + 1500);  // batch 4 < 512: 3036
  row.batch_size = row.concurrency = 600;
  EXPECT_EQ(AicTokenBudget(row), 1200 + 1024 + 1500);  // batch 600 >= 512: 2 x 600, 3724
  row.batch_size = row.concurrency = 8;
  row.backend = "trtllm";
  EXPECT_EQ(AicTokenBudget(row), 3040);  // 512 + 1024 + 1500 = 3036 -> 95 blocks of 32
  row.mode = "disagg";
  row.isl = 8192;
  EXPECT_EQ(AicTokenBudget(row), 9696);  // 8192 + 1500 = 9692 -> 303 blocks of 32
  row.backend = "sglang";
  EXPECT_EQ(AicTokenBudget(row), 0);  // the preset's
  row.backend = "trtllm";
  row.mode = "agg";
  absl::StatusOr<framework::ScenarioRequest> request =
      AicScenarioRequest(row, RepoPresets(), "serving");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->max_batched_tokens, 10208);  // 512 + 8192 + 1500 = 10204 -> 319 blocks
}

// A row's engine preset by its backend and version: TensorRT-LLM 1.0 (1.0, 1.0.x: aiconfigurator's
// 1.0.0rc3 runs) is trtllm-1.0, whose API server streamed chat completions from its main process;
// later TensorRT-LLMs, a row with no version and the other backends keep the backend's name.
TEST(AicServingRequest, TensorRtLlm10RowsRunTheirOwnPreset) {
  AicRow row;
  row.backend = "trtllm";
  for (const char* version : {"1.0", "1.0.0rc3", "1.0.1"}) {
    row.backend_version = version;
    EXPECT_EQ(AicEnginePreset(row), "trtllm-1.0") << version;
  }
  for (const char* version : {"", "1.1.0rc2.post2", "1.2.0rc6.post3", "10.0", "0.8.1.post2"}) {
    row.backend_version = version;
    EXPECT_EQ(AicEnginePreset(row), "trtllm") << version;
  }
  row.backend = "vllm";
  row.backend_version = "1.0.0";
  EXPECT_EQ(AicEnginePreset(row), "vllm");
  // The preset starts from trtllm (`base`) and differs in its main process's serving path only
  // (its runs had no post-process workers: their fit, not the later releases' DeepSeek runs').
  const registry::Engine* old_release = RepoPresets().engines.FindOrNull("trtllm-1.0");
  const registry::Engine* later = RepoPresets().engines.FindOrNull("trtllm");
  ASSERT_NE(old_release, nullptr);
  ASSERT_NE(later, nullptr);
  EXPECT_NE(old_release->main_process_request_overhead_s, later->main_process_request_overhead_s);
  EXPECT_GT(old_release->ServingPathSeconds(), later->request_overhead_s);
  EXPECT_EQ(old_release->request_overhead_s, later->request_overhead_s);
  EXPECT_EQ(old_release->postprocess_workers, later->postprocess_workers);
  EXPECT_EQ(old_release->bandwidth_efficiency, later->bandwidth_efficiency);
  EXPECT_EQ(old_release->host_overlap, later->host_overlap);
  EXPECT_EQ(old_release->low_precision_matmul_ratio, later->low_precision_matmul_ratio);
  EXPECT_EQ(old_release->expert_matmul_ratio, later->expert_matmul_ratio);
}

// Each row's request lengths as its benchmark drew them: InferenceX's runs (its database dump and
// its dated result files) with its RANDOM_RANGE_RATIO of 0.8, the other sources one length. A
// parsed row says whether it is InferenceX's, and a served (or disaggregated) row's request draws
// with its ratio; a static request keeps one length.
TEST(AicServingRequest, InferenceXRunsDrawTheirLengthsWithItsRangeRatio) {
  EXPECT_TRUE(AicInferenceXRun("db-dump/2026-04-27; config_id=271; silicon_concurrency=4"));
  EXPECT_TRUE(AicInferenceXRun("source_file=2026-03-25.csv; model=DeepSeek-R1"));
  EXPECT_FALSE(AicInferenceXRun("source_file=kimi-k2.5-gap-analysis.csv; silicon_concurrency=4"));
  EXPECT_FALSE(AicInferenceXRun("source_file=/Users/x/aic-auto-gap-analysis/data/h100_sxm/a.csv"));
  EXPECT_FALSE(AicInferenceXRun("source_file=2026-3-25.csv"));  // not a dated file
  EXPECT_FALSE(AicInferenceXRun(""));
  const std::string text =
      "id,silicon_data_source,backend,backend_version,model_path,system,precision,mode,isl,osl,"
      "batch_size,tp_size,pp_size,attention_dp_size,moe_ep_size,silicon_ttft_ms,silicon_tpot_ms\n"
      "a,db-dump/2026-04-27; silicon_concurrency=4,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,1024,"
      "1024,4,2,1,1,1,90,10.5\n"
      "b,source_file=qwen3.5-397b-gap-analysis.csv,vllm,0.12,Qwen/Qwen3-32B,h100_sxm,bf16,agg,"
      "1024,1024,4,2,1,1,1,91,10.5\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_TRUE((*rows)[0].inferencex);
  EXPECT_FALSE((*rows)[1].inferencex);
  EXPECT_EQ(AicLengthRangeRatio((*rows)[0]), 0.8);
  EXPECT_EQ(AicLengthRangeRatio((*rows)[1]), 1);
  for (const auto& [mode, want] : {std::pair{"serving", 0.8}, std::pair{"static", 1.0}}) {
    absl::StatusOr<framework::ScenarioRequest> request =
        AicScenarioRequest((*rows)[0], RepoPresets(), mode);
    ASSERT_TRUE(request.ok()) << request.status();
    EXPECT_EQ(request->length_range_ratio, want) << mode;
  }
}

// The scheduler settings of InferenceX's TensorRT-LLM recipes (AicRecipeSettings), read from
// SemiAnalysisAI/InferenceX benchmarks/: attention-DP balancing with timeout_iters 60 in every
// DeepSeek-R1 recipe with attention DP; batch waiting of 40 iterations and 0.8 in the DeepSeek-R1
// fp8 recipe of 1.2.0rc6.post2 at 1k / 1k and 64 clients or more; 20 and 0.9 in the Llama-3.1-70B
// recipes at 1k / 1k below TP 8; the API server's post-process workers of every Llama-3.1-70B
// recipe (2) and gpt-oss-120b recipe (4), none in the DeepSeek-R1 ones. Another engine, another
// length, fewer clients, TP 8, another image, another source: none. A served row's request carries
// them, a static one does not.
TEST(AicServingRequest, InferenceXTensorRtLlmRecipesSetTheirSchedulerWaits) {
  const std::string header = kRecipeRowsHeader;
  const std::string ix = kInferenceXSource;
  const std::string text =
      header +
      // 0: DeepSeek-R1 attention DP (8 ranks of 8: 64 clients)
      "a," + ix +
      "64,trtllm,1.2.0rc6.post2,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,1024,1024,8,"
      "1,1,8,8,1800,19\n" +
      // 1: DeepSeek-R1 fp8, rc6.post2, 1k / 1k, 64 clients, TP 8
      "b," + ix +
      "64,trtllm,1.2.0rc6.post2,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,1024,1024,64,"
      "8,1,1,1,467,14\n" +
      // 2: the same at 32 clients
      "c," + ix +
      "32,trtllm,1.2.0rc6.post2,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,1024,1024,32,"
      "8,1,1,1,296,11\n" +
      // 3: the same at 64 clients on the rc6.post3 image (the MTP recipe)
      "d," + ix +
      "64,trtllm,1.2.0rc6.post3,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,1024,1024,64,"
      "8,1,1,1,468,14\n" +
      // 4: Llama-3.1-70B 1k / 1k, TP 4
      "e," + ix +
      "8,trtllm,,meta-llama/Llama-3.1-70B,b200_sxm,fp8,agg,1024,1024,8,4,1,1,1,207,7\n" +
      // 5: ... TP 8
      "f," + ix + "8,trtllm,,meta-llama/Llama-3.1-70B,b200_sxm,fp8,agg,1024,1024,8,8,1,1,1,74,6\n" +
      // 6: ... 1k / 8k, TP 4
      "g," + ix + "8,trtllm,,meta-llama/Llama-3.1-70B,b200_sxm,fp8,agg,1024,8192,8,4,1,1,1,76,7\n" +
      // 7: Llama 1k / 1k TP 4 from a gap analysis (not InferenceX)
      "h,source_file=llama-gap-analysis.csv,trtllm,,meta-llama/Llama-3.1-70B,b200_sxm,fp8,agg,1024,"
      "1024,8,4,1,1,1,208,7\n" +
      // 8: vLLM, Llama 1k / 1k TP 4
      "i," + ix + "8,vllm,,meta-llama/Llama-3.1-70B,b200_sxm,fp8,agg,1024,1024,8,4,1,1,1,209,7\n" +
      // 9: row 1 on H200 (the delayed batching is dsr1_fp8_b200_trt.sh's)
      "j," + ix +
      "64,trtllm,1.2.0rc6.post2,deepseek-ai/DeepSeek-R1,h200_sxm,fp8,agg,1024,1024,64,"
      "8,1,1,1,467,14\n" +
      // 10: row 4 on H200 (70b_fp8_h200_trt_slurm.sh writes the same wait)
      "k," + ix +
      "8,trtllm,,meta-llama/Llama-3.1-70B,h200_sxm,fp8,agg,1024,1024,8,4,1,1,1,207,7\n" +
      // 11: gpt-oss-120b
      "l," + ix +
      "4,trtllm,1.2.0rc2,openai/gpt-oss-120b,b200_sxm,fp4,agg,1024,1024,4,1,1,1,1,41,3\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 12u);
  using Settings = std::vector<std::pair<std::string, double>>;
  const Settings balance = {{"attention_dp_balance_steps", 60}};
  const Settings deepseek_wait = {{"batch_wait_timeout_steps", 40},
                                  {"batch_wait_max_tokens_ratio", 0.8}};
  const Settings llama_wait = {{"batch_wait_timeout_steps", 20},
                               {"batch_wait_max_tokens_ratio", 0.9},
                               {"postprocess_workers", 2}};
  const Settings llama = {{"postprocess_workers", 2}};  // every Llama recipe's workers
  const Settings want[] = {balance,    deepseek_wait,
                           {},         {},
                           llama_wait, llama,
                           llama,      {},
                           {},         {},
                           llama_wait, {{"postprocess_workers", 4}}};
  for (size_t i = 0; i < rows->size(); ++i) {
    EXPECT_EQ(AicRecipeSettings((*rows)[i]), want[i]) << (*rows)[i].source;
  }
  ExpectSettingsServedOnly((*rows)[4], llama_wait);
}

// SGLang's --scheduler-recv-interval in InferenceX's B200 recipes (AicRecipeSettings): 10 below
// 16 clients and 30 from 16 (dsr1_fp4_b200.sh, dsr1_fp8_b200.sh, qwen3.5_fp8_b200.sh), 10 in
// dsr1_fp8_b200.sh's TP 4 branch at any concurrency, 30 in qwen3.5_fp4_b200.sh at any. GLM-5's
// recipe, another device, another source, a disaggregated row: none; a static request none.
TEST(AicServingRequest, InferenceXSglangRecipesTakeRequestsEveryFewSteps) {
  const std::string header = kRecipeRowsHeader;
  const std::string ix = kInferenceXSource;
  const auto row = [&](const std::string& id, int conc, const std::string& model,
                       const std::string& system, const std::string& precision, int tp) {
    return id + "," + ix + std::to_string(conc) + ",sglang,0.5.9," + model + "," + system + "," +
           precision + ",agg,1024,1024," + std::to_string(conc) + "," + std::to_string(tp) +
           ",1,1,1," + std::to_string(200 + id[0] - 'a') + ",10\n";  // measured apart
  };
  const std::string r1 = "deepseek-ai/DeepSeek-R1", qwen = "Qwen/Qwen3.5-397B-A17B-FP8";
  const std::string text =
      header + row("a", 4, r1, "b200_sxm", "fp8", 8) + row("b", 16, r1, "b200_sxm", "fp8", 8) +
      row("c", 32, r1, "b200_sxm", "fp8", 4) + row("d", 32, r1, "b200_sxm", "fp4", 4) +
      row("e", 8, qwen, "b200_sxm", "fp8", 8) + row("f", 4, qwen, "b200_sxm", "fp4", 8) +
      row("g", 16, "zai-org/GLM-5-FP8", "b200_sxm", "fp8", 8) +
      row("h", 16, r1, "h200_sxm", "fp8", 8) +
      "i,source_file=dsr1-gap-analysis.csv,sglang,0.5.9,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,"
      "1024,1024,16,8,1,1,1,201,11\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 9u);
  using Settings = std::vector<std::pair<std::string, double>>;
  const auto every = [](double steps) { return Settings{{"scheduler_recv_interval", steps}}; };
  const Settings want[] = {every(10), every(30), every(10), every(30), every(10),
                           every(30), {},        {},        {}};
  for (size_t i = 0; i < rows->size(); ++i) {
    EXPECT_EQ(AicRecipeSettings((*rows)[i]), want[i]) << (*rows)[i].source;
  }
  AicRow disagg = (*rows)[1];
  disagg.mode = "disagg";
  EXPECT_EQ(AicRecipeSettings(disagg), Settings{});
  ExpectSettingsServedOnly((*rows)[1], every(30));
}

// Which rows draft as their recipe did (AicRecipeSpeculation): InferenceX's TensorRT-LLM
// DeepSeek-R1 runs on B200 with the 1.2.0rc6.post3 image (the MTP recipes), 3 drafts at 0.85,
// 0.3, 0 and 1 at 0.85 with attention DP. The plain recipes' image (rc6.post2), another device,
// another source, another engine or a disaggregated row: none. Static and served requests both
// carry it; a stated assumption (validate --speculative-tokens) replaces it, none keeps it.
TEST(AicServingRequest, InferenceXMtpRecipesDraftTokens) {
  const std::string header = kRecipeRowsHeader;
  const std::string ix = kInferenceXSource;
  const std::string text =
      header +
      // 0: DeepSeek-R1 fp8, rc6.post3, TP 8
      "a," + ix +
      "4,trtllm,1.2.0rc6.post3,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,1024,1024,4,8,1,1,1,"
      "195,5.4\n" +
      // 1: the same with attention DP (8 ranks of 8: 64 clients)
      "b," + ix +
      "64,trtllm,1.2.0rc6.post3,deepseek-ai/DeepSeek-R1,b200_sxm,fp4,agg,1024,1024,8,1,1,8,8,"
      "1085,12\n" +
      // 2: row 0 on the plain recipe's image
      "c," + ix +
      "4,trtllm,1.2.0rc6.post2,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,1024,1024,4,8,1,1,1,"
      "189,10.3\n" +
      // 3: row 0 on H200
      "d," + ix +
      "4,trtllm,1.2.0rc6.post3,deepseek-ai/DeepSeek-R1,h200_sxm,fp8,agg,1024,1024,4,8,1,1,1,"
      "195,5.4\n" +
      // 4: row 0 from another source
      "e,source_file=dsr1-gap-analysis.csv,trtllm,1.2.0rc6.post3,deepseek-ai/DeepSeek-R1,b200_sxm,"
      "fp8,agg,1024,1024,4,8,1,1,1,195,5.4\n" +
      // 5: SGLang
      "f," + ix +
      "4,sglang,1.2.0rc6.post3,deepseek-ai/DeepSeek-R1,b200_sxm,fp8,agg,1024,1024,4,8,1,1,1,"
      "195,5.4\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 6u);
  const AicSpeculation three{3, {0.85, 0.3, 0.0}}, one{1, {0.85}};
  const AicSpeculation want[] = {three, one, {}, {}, {}, {}};
  for (size_t i = 0; i < rows->size(); ++i) {
    EXPECT_EQ(AicRecipeSpeculation((*rows)[i]), want[i]) << (*rows)[i].source;
  }
  AicRow disagg = (*rows)[0];
  disagg.mode = "disagg";
  EXPECT_EQ(AicRecipeSpeculation(disagg), AicSpeculation{});
  for (const std::string mode : {"serving", "static"}) {
    absl::StatusOr<framework::ScenarioRequest> request =
        AicScenarioRequest((*rows)[0], RepoPresets(), mode);
    ASSERT_TRUE(request.ok()) << request.status();
    EXPECT_EQ(request->speculative_tokens, 3) << mode;
    EXPECT_EQ(request->acceptance, three.acceptance) << mode;
    framework::ScenarioRequest kept = *request;
    RowAssumption{}.ApplyTo(kept);
    EXPECT_EQ(kept.speculative_tokens, 3) << mode;
    EXPECT_EQ(kept.acceptance, three.acceptance) << mode;
    framework::ScenarioRequest stated = *request;
    RowAssumption{.speculative_tokens = 1, .acceptance = {0.7}}.ApplyTo(stated);
    EXPECT_EQ(stated.speculative_tokens, 1) << mode;
    EXPECT_EQ(stated.acceptance, std::vector<double>{0.7}) << mode;
  }
}

}  // namespace
}  // namespace infercost::validation
