#include "validation/aic_disagg_layouts.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "validation/csv_table.h"

namespace infercost::validation {
namespace {

const char kHeader[] =
    "backend,system,precision,isl,osl,concurrency,speculative,drafts,prefill_workers,prefill_tp,"
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

// A pool's workers, TP (per attention-DP rank), attention-DP ranks and EP.
void ExpectPool(const AicRow::Pool& pool, int64_t workers, int64_t tp, int64_t attention_dp,
                int64_t ep) {
  EXPECT_EQ(pool.workers, workers);
  EXPECT_EQ(pool.tp, tp);
  EXPECT_EQ(pool.attention_dp, attention_dp);
  EXPECT_EQ(pool.moe_ep, ep);
}

// dsr1-fp4-b200-dynamo-trt at 1k / 1k as the master configuration writes it: 1,365 clients on one
// prefill worker (TP 4, EP 4, attention DP) and five decode workers (TP 8, EP 8, attention DP); 10
// clients, speculative and plain alike, on one prefill worker and five decode workers of TP 8, EP
// 8 without attention DP; 6 clients, the speculative run with 5 decode workers, the plain one 3.
const char kB200Fp4[] =
    "trtllm,b200_sxm,fp4,1024,1024,1365,false,0,1,4,4,true,5,8,8,true\n"
    "trtllm,b200_sxm,fp4,1024,1024,10,true,3,1,4,4,true,5,8,8,false\n"
    "trtllm,b200_sxm,fp4,1024,1024,10,false,0,1,4,4,true,5,8,8,false\n"
    "trtllm,b200_sxm,fp4,1024,1024,6,true,3,1,4,4,true,5,8,8,false\n"
    "trtllm,b200_sxm,fp4,1024,1024,6,false,0,1,4,4,true,3,8,8,false\n";

TEST(DisaggLayouts, ARowTakesItsRunsPoolsAttentionDpAsRanks) {
  std::vector<AicRow> rows = {Row(1365, 4, 4, 8, 8)};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(kB200Fp4), rows), 1);
  const AicRow& r = rows[0];
  EXPECT_TRUE(AicPoolsDescribed(r));
  ExpectPool(r.prefill, 1, 1, 4, 4);  // 4 GPUs as 4 attention-DP ranks
  ExpectPool(r.decode, 5, 1, 8, 8);
  EXPECT_EQ(AicRegime(r), "disagg");
}

// 10 clients: a speculative and a plain point of the same pools. Which of the two ran is not
// known: two possible layouts, the pools alike, drafting 3 and none.
TEST(DisaggLayouts, SpeculativeAndPlainRunsOfTheSamePoolsAreEachPossible) {
  std::vector<AicRow> rows = {Row(10, 4, 4, 8, 8)};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(kB200Fp4), rows), 0);
  EXPECT_FALSE(AicPoolsDescribed(rows[0]));
  EXPECT_EQ(AicRegime(rows[0]), "disagg-any-of");
  ASSERT_EQ(rows[0].possible_layouts.size(), 2u);
  for (const AicRow::Layout& l : rows[0].possible_layouts) {
    ExpectPool(l.decode, 5, 8, 1, 8);  // no attention DP: one TP 8 rank
  }
  EXPECT_EQ(rows[0].possible_layouts[0].drafts, 3);
  EXPECT_EQ(rows[0].possible_layouts[1].drafts, 0);
  EXPECT_EQ(rows[0].recipe_drafts, 0);
  EXPECT_EQ(AicRecipeSpeculation(rows[0]), AicSpeculation{});
  const std::vector<AicRow> variants = AicLayoutVariants(rows[0]);
  ASSERT_EQ(variants.size(), 2u);
  EXPECT_EQ(AicRecipeSpeculation(variants[0]), (AicSpeculation{3, {0.85, 0.3, 0.0}}));
  EXPECT_EQ(AicRecipeSpeculation(variants[1]), AicSpeculation{});
}

// A run whose layouts all draft alike drafts as they do (the `_mtpN` of their recipes): 2 tokens
// at aiconfigurator's default rates 0.85 and 0.3; a plain run's layout none; a speculative point
// whose recipe does not say how deep leaves its run plain.
TEST(DisaggLayouts, ARunWhoseLayoutsDraftAlikeDraftsAsTheyDo) {
  const std::string layouts =
      "trtllm,b200_sxm,fp4,1024,1024,1214,true,2,1,4,4,true,2,8,8,true\n"
      "trtllm,b200_sxm,fp4,1024,1024,1365,false,0,1,4,4,true,5,8,8,true\n"
      "sglang,b200_sxm,fp4,1024,1024,1214,true,,1,4,4,true,2,8,8,true\n";
  std::vector<AicRow> rows = {Row(1214, 4, 4, 8, 8), Row(1365, 4, 4, 8, 8), Row(1214, 4, 4, 8, 8)};
  rows[2].backend = "sglang";
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(layouts), rows), 3);
  EXPECT_EQ(rows[0].recipe_drafts, 2);
  EXPECT_EQ(AicRecipeSpeculation(rows[0]), (AicSpeculation{2, {0.85, 0.3}}));
  EXPECT_EQ(rows[1].recipe_drafts, 0);
  EXPECT_EQ(AicRecipeSpeculation(rows[1]), AicSpeculation{});
  EXPECT_EQ(rows[2].recipe_drafts, 0);
  EXPECT_EQ(AicRecipeSpeculation(rows[2]), AicSpeculation{});
  EXPECT_EQ(AicMtpAcceptance(3), (std::vector<double>{0.85, 0.3, 0.0}));
  EXPECT_EQ(AicMtpAcceptance(6), (std::vector<double>{0.85, 0.3, 0.0, 0.0, 0.0, 0.0}));
}

// 6 clients: the speculative point's 5 decode workers drafting 3 tokens, or the plain point's 3.
// Which ran is not known: the row stays undescribed and has both as its possible layouts, each
// as it would fill the row (attention DP as ranks), and AicLayoutVariants gives the row as each.
TEST(DisaggLayouts, RunsWrittenAlikeWithOtherPoolsAreEachPossible) {
  std::vector<AicRow> rows = {Row(6, 4, 4, 8, 8)};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(kB200Fp4), rows), 0);
  const AicRow& r = rows[0];
  EXPECT_FALSE(AicPoolsDescribed(r));
  EXPECT_EQ(AicRegime(r), "disagg-any-of");
  ASSERT_EQ(r.possible_layouts.size(), 2u);
  for (const AicRow::Layout& l : r.possible_layouts) ExpectPool(l.prefill, 1, 1, 4, 4);
  ExpectPool(r.possible_layouts[0].decode, 5, 8, 1, 8);
  EXPECT_EQ(r.possible_layouts[0].drafts, 3);
  ExpectPool(r.possible_layouts[1].decode, 3, 8, 1, 8);
  EXPECT_EQ(r.possible_layouts[1].drafts, 0);
  const std::vector<AicRow> variants = AicLayoutVariants(r);
  ASSERT_EQ(variants.size(), 2u);
  for (size_t i = 0; i < variants.size(); ++i) {
    EXPECT_EQ(AicRegime(variants[i]), "disagg");
    EXPECT_TRUE(variants[i].possible_layouts.empty());
    EXPECT_EQ(variants[i].decode.workers, i == 0 ? 5 : 3);
    EXPECT_EQ(variants[i].recipe_drafts, i == 0 ? 3 : 0);
    EXPECT_EQ(variants[i].source, r.source);
  }
  // A row of no possible layouts is its own one variant.
  EXPECT_EQ(AicLayoutVariants(Row(1365, 4, 4, 8, 8)).size(), 1u);
}

// Two points of the same pools drafting differently, beside a third of other pools: the layouts
// the row may have run are three (pools and drafts), none repeated.
TEST(DisaggLayouts, EachPossibleLayoutIsListedOnce) {
  const std::string layouts =
      "trtllm,b200_sxm,fp4,1024,1024,64,true,2,1,4,4,true,2,8,8,true\n"
      "trtllm,b200_sxm,fp4,1024,1024,64,false,0,1,4,4,true,2,8,8,true\n"
      "trtllm,b200_sxm,fp4,1024,1024,64,false,0,1,4,4,true,2,8,8,true\n"
      "trtllm,b200_sxm,fp4,1024,1024,64,false,0,2,4,4,true,2,8,8,true\n";
  std::vector<AicRow> rows = {Row(64, 4, 4, 8, 8)};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(layouts), rows), 0);
  ASSERT_EQ(rows[0].possible_layouts.size(), 3u);
  EXPECT_EQ(rows[0].possible_layouts[0].drafts, 2);
  EXPECT_EQ(rows[0].possible_layouts[1].drafts, 0);
  EXPECT_EQ(rows[0].possible_layouts[1].prefill.workers, 1);
  EXPECT_EQ(rows[0].possible_layouts[2].prefill.workers, 2);
}

// The dump writes the decode pool's EP as 4 where the config launched EP 8: the EP is not
// matched, so the one layout of the row's TPs stands, with the config's EP. Where the config has
// two layouts of the row's TPs, one with the row's EP and one without (H100 TP 16 / EP 1 and
// attention DP 16 / EP 16, runs of one key written EP 1 alike though 2x apart in TPOT), both are
// possible.
TEST(DisaggLayouts, TheDumpsEpIsNotMatched) {
  std::vector<AicRow> rows = {Row(1365, 4, 4, 8, 4)};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(kB200Fp4), rows), 1);
  EXPECT_EQ(rows[0].decode.moe_ep, 8);
  EXPECT_EQ(rows[0].decode.workers, 5);
  // Another TP: none.
  std::vector<AicRow> other_tp = {Row(1365, 4, 4, 4, 4)};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(kB200Fp4), other_tp), 0);
  const std::string h100 =
      "trtllm,h100_sxm,fp8,1024,1024,8,false,0,1,16,1,false,2,16,1,false\n"
      "trtllm,h100_sxm,fp8,1024,1024,8,false,0,1,16,1,false,1,16,16,true\n";
  AicRow ep1 = Row(8, 16, 1, 16, 1);
  ep1.system = "h100_sxm";
  ep1.precision = "fp8";
  std::vector<AicRow> written_ep1 = {ep1};
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(h100), written_ep1), 0);
  ASSERT_EQ(written_ep1[0].possible_layouts.size(), 2u);
  ExpectPool(written_ep1[0].possible_layouts[0].decode, 2, 16, 1, 1);
  ExpectPool(written_ep1[0].possible_layouts[1].decode, 1, 1, 16, 16);
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

// The device is matched as a device, not as a spelling: a row of "GB200" takes the layouts written
// "gb200_sxm" (aiconfigurator's name), and a B200 layout of the same engine, precision, lengths,
// concurrency and TPs is not a GB200's.
TEST(DisaggLayouts, TheDeviceIsMatchedByItsNameNotItsSpelling) {
  const std::string layouts =
      "trtllm,b200_sxm,fp4,1024,1024,64,false,0,1,4,4,true,2,8,8,true\n"
      "trtllm,gb200_sxm,fp4,1024,1024,64,false,0,3,4,4,true,1,8,8,true\n";
  std::vector<AicRow> rows = {Row(64, 4, 4, 8, 8), Row(64, 4, 4, 8, 8), Row(64, 4, 4, 8, 8)};
  rows[0].system = "GB200";
  rows[1].system = "gb200_sxm";
  rows[2].system = "h200_sxm";  // none of its own: left as it is
  EXPECT_EQ(ApplyDisaggLayouts(Layouts(layouts), rows), 2);
  for (int i : {0, 1}) {
    EXPECT_EQ(rows[i].prefill.workers, 3) << rows[i].system;  // the GB200 layout, not the B200's
    EXPECT_EQ(rows[i].decode.workers, 1) << rows[i].system;
  }
  EXPECT_FALSE(AicPoolsDescribed(rows[2]));
}

// The file carries two models (DeepSeek-R1 everywhere, gpt-oss-120b on GB200) and the rows are
// matched without theirs: no two models may share a match key in it.
TEST(DisaggLayouts, NoTwoModelsOfTheCommittedFileShareAMatchKey) {
  absl::StatusOr<CsvTable> table = ReadCsvTable(
      std::string(INFERCOST_TEST_DATA_DIR) + "/validation/" + kInferenceXDisaggLayoutsFile,
      /*has_header=*/true);
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<int> key_columns;
  for (const char* name :
       {"backend", "system", "precision", "isl", "osl", "concurrency", "prefill_tp", "decode_tp"}) {
    absl::StatusOr<int> column = table->Column(name);
    ASSERT_TRUE(column.ok()) << column.status();
    key_columns.push_back(*column);
  }
  absl::StatusOr<int> model = table->Column("model");
  ASSERT_TRUE(model.ok()) << model.status();
  std::map<std::vector<std::string>, std::set<std::string>> models_of_key;
  std::set<std::string> models;
  for (const CsvRow& row : table->rows) {
    std::vector<std::string> key;
    for (int column : key_columns) key.push_back(row.fields[column]);
    // DeepSeek-R1 is written as InferenceX's checkpoint names of it (deepseek-r1-fp4,
    // deepseek-ai/DeepSeek-R1-0528, nvidia/DeepSeek-R1-0528-NVFP4-v2): one model.
    const std::string& name = row.fields[*model];
    const std::string family = name.find("DeepSeek-R1") != std::string::npos ||
                                       name.find("deepseek-r1") != std::string::npos
                                   ? "deepseek-r1"
                                   : name;
    models_of_key[key].insert(family);
    models.insert(family);
  }
  EXPECT_EQ(models, (std::set<std::string>{"deepseek-r1", "openai/gpt-oss-120b"}));
  for (const auto& [key, of_key] : models_of_key) {
    EXPECT_EQ(of_key.size(), 1u) << key[0] << " " << key[1] << " " << key[5];
  }
}

// A file of rows with no layouts beside it (`infercost validate --data` elsewhere) takes the ones
// of the directory it is given. Its GB200 row (SGLang fp8, 8,192 -> 1,024 tokens, 512 clients,
// prefill TP 8, decode TP 32, no workers) is the committed file's one point of that key:
// dsr1-fp8-gb200-dynamo-sglang's 5 prefill workers of 8 attention-DP ranks and 1 decode worker
// of 32 (EP 8 and 32).
TEST(DisaggLayouts, RowsElsewhereTakeTheLayoutsOfTheGivenDirectory) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "infercost_disagg_layouts_test";
  std::filesystem::create_directories(dir);
  const std::string rows_file = (dir / "rows.csv").string();
  {
    std::ofstream out(rows_file);
    out << "id,silicon_data_source,backend,backend_version,model_path,system,precision,mode,isl,"
           "osl,gemm_quant_mode,moe_quant_mode,batch_size,tp_size,pp_size,attention_dp_size,"
           "moe_tp_size,moe_ep_size,prefill_batch_size,prefill_num_workers,prefill_tp_size,"
           "prefill_pp_size,prefill_attention_dp_size,prefill_moe_tp_size,prefill_moe_ep_size,"
           "decode_batch_size,decode_num_workers,decode_tp_size,decode_pp_size,"
           "decode_attention_dp_size,decode_moe_tp_size,decode_moe_ep_size,silicon_ttft_ms,"
           "silicon_tpot_ms\n"
           "gb200_c512,source_file=2026-03-25.csv; silicon_concurrency=512,sglang,0.5.8.post1,"
           "deepseek-ai/DeepSeek-R1,gb200_sxm,fp8,disagg,8192,1024,fp8,fp8_block,,,,,,,,,8,1,1,"
           "1,8,,,32,1,1,1,32,3000,30\n";
  }
  absl::StatusOr<std::vector<AicRow>> alone = ReadAicServingCsv(rows_file);
  ASSERT_TRUE(alone.ok()) << alone.status();
  ASSERT_EQ(alone->size(), 1u);
  EXPECT_EQ(AicRegime(alone->front()), "disagg-1x1");
  absl::StatusOr<std::vector<AicRow>> given =
      ReadAicServingCsv(rows_file, std::string(INFERCOST_TEST_DATA_DIR) + "/validation");
  ASSERT_TRUE(given.ok()) << given.status();
  ASSERT_EQ(given->size(), 1u);
  const AicRow& r = given->front();
  EXPECT_EQ(AicRegime(r), "disagg");
  EXPECT_EQ(r.prefill.workers, 5);
  EXPECT_EQ(r.prefill.attention_dp, 8);
  EXPECT_EQ(r.prefill.moe_ep, 8);
  EXPECT_EQ(r.decode.workers, 1);
  EXPECT_EQ(r.decode.attention_dp, 32);
  EXPECT_EQ(r.decode.moe_ep, 32);
  std::filesystem::remove_all(dir);
}

TEST(DisaggLayouts, AMalformedFileNamesTheLineAndColumn) {
  for (const auto& [body, words] : std::vector<std::pair<std::string, std::string>>{
           {"trtllm,b200_sxm,fp4,1024,1024,8,false,0,0,4,4,true,5,8,8,true\n", "prefill_workers"},
           {"trtllm,b200_sxm,fp4,1024,1024,8,false,0,1,4,4,true,5,8,8,yes\n",
            "decode_attention_dp"},
           {"trtllm,b200_sxm,fp4,1024,0,8,false,0,1,4,4,true,5,8,8,true\n", "osl"},
           {"trtllm,b200_sxm,fp4,1024,1024,x,false,0,1,4,4,true,5,8,8,true\n", "concurrency"},
           {"trtllm,b200_sxm,fp4,1024,1024,8,false,3,1,4,4,true,5,8,8,true\n", "drafts = 3"},
           {"trtllm,b200_sxm,fp4,1024,1024,8,true,0,1,4,4,true,5,8,8,true\n", "drafts = 0"},
           {"trtllm,b200_sxm,fp4,1024,1024,8,true,-2,1,4,4,true,5,8,8,true\n", "drafts = -2"}}) {
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
