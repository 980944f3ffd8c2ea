// Predicted vs measured static-batch latency (Argonne LLM-Inference-Bench rows copied to
// tests/data/validation/anl_static_batch.csv; source and licence in the README beside it).
//
// Issue 4, point 5: with the vllm and trtllm-0.11 presets (trtllm-0.11: the TensorRT-LLM ANL ran),
// the e2e latency of Llama-3-8B and Llama-3-70B on A100 and H100 is predicted with median absolute
// error <= 20% - per engine x device x model, and here also per tensor-parallel degree. The
// measured values come only from the CSV; the presets were fitted to it with a few parameters per
// engine and device (docs/calibration.md). Achieved when these presets were fitted (`infercost
// validate`):
//
//   engine  device     model        TP      rows  median |error|
//   vllm    h100-sxm   llama-3-8b   1,2,4     60   6.4%  (TP1 9.4%, TP2 2.0%, TP4 6.1%)
//   vllm    h100-sxm   llama-3-70b  4         20   4.3%
//   vllm    a100-40gb  llama-3-8b   1,2       40   2.0%  (TP1 1.7%, TP2 2.9%)
//   trtllm  h100-sxm   llama-3-8b   1,2,4     51   4.0%  (TP1 7.6%, TP2 1.9%, TP4 1.6%)
//   trtllm  h100-sxm   llama-3-70b  4         20   4.0%
//   trtllm  a100-40gb  llama-3-8b   1,2,4     60   3.9%  (TP1 2.9%, TP2 3.0%, TP4 6.0%)
//   trtllm  a100-40gb  llama-3-70b  4         12   3.4%
// (trtllm: re-fitted with ANL's TensorRT-LLM 0.11 single-block decode attention on these rows,
// 2026-12-02; before it 4.3% / 3.3% / 4.8% / 4.1%.)
//
// Llama-2-7B rows (not fitted) are in the file too: 5.3-12.2% per group; not asserted.
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "framework/loader/plugin_loader.h"
#include "framework/timing/step_timer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/presets.h"
#include "tests/integration/pipeline_fixture.h"
#include "tests/validation/band_share_expectations.h"
#include "validation/anl_static_batch.h"

namespace infercost::validation {
namespace {

using ::testing::HasSubstr;

constexpr double kMaxMedianAbsError = 0.20;  // issue 4, point 5

const std::string& DataPath() {
  static const std::string path =
      std::string(INFERCOST_TEST_DATA_DIR) + "/validation/anl_static_batch.csv";
  return path;
}

using testing::ExpectBandsHoldTheirShareAndGroupsAddUp;
using testing::InTreePlugins;
using testing::RepoPresets;

const AnlValidation& Validation() {
  static const AnlValidation* validation = [] {
    absl::StatusOr<std::vector<AnlRow>> rows = ReadAnlStaticBatchCsv(DataPath());
    EXPECT_TRUE(rows.ok()) << rows.status();
    absl::StatusOr<AnlValidation> v = ValidateAnlStaticBatch(
        rows.ok() ? *rows : std::vector<AnlRow>{}, RepoPresets(), InTreePlugins(), AnlFilter{});
    EXPECT_TRUE(v.ok()) << v.status();
    return new AnlValidation(v.ok() ? std::move(*v) : AnlValidation{});
  }();
  return *validation;
}

// engine, hardware, model -> rows expected in the copied file.
const std::map<std::tuple<std::string, std::string, std::string>, int64_t>& Llama3Groups() {
  static const auto* groups =
      new std::map<std::tuple<std::string, std::string, std::string>, int64_t>{
          {{"vllm-0.5", "h100-sxm", "llama-3-8b"}, 60},
          {{"vllm-0.5", "h100-sxm", "llama-3-70b"}, 20},
          {{"vllm-0.5", "a100-40gb", "llama-3-8b"}, 40},
          {{"trtllm-0.11", "h100-sxm", "llama-3-8b"}, 51},
          {{"trtllm-0.11", "h100-sxm", "llama-3-70b"}, 20},
          {{"trtllm-0.11", "a100-40gb", "llama-3-8b"}, 60},
          {{"trtllm-0.11", "a100-40gb", "llama-3-70b"}, 12},
      };
  return *groups;
}

TEST(AnlValidation, EveryCopiedRowHasPresetsAndIsPredicted) {
  const AnlValidation& v = Validation();
  EXPECT_EQ(v.skipped, 0);
  EXPECT_EQ(v.results.size(), 504u);  // vLLM + TensorRT-LLM x Llama-3-8B/70B, Llama-2-7B
  for (const AnlResult& r : v.results) {
    EXPECT_GT(r.predicted_s, 0) << r.row.source;
    EXPECT_EQ(r.request.input_tokens, r.row.length) << r.row.source;
    EXPECT_EQ(r.request.output_tokens, r.row.length) << r.row.source;
    EXPECT_EQ(r.request.concurrency, r.row.batch) << r.row.source;
    EXPECT_EQ(r.request.gpus, r.row.num_hardware) << r.row.source;
  }
}

TEST(AnlValidation, Llama3MedianErrorWithinTwentyPercentPerEngineDeviceModel) {
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> seen;
  for (const AnlGroup& g : Validation().groups) {
    const auto key = std::tuple{g.engine, g.hardware, g.model};
    if (!Llama3Groups().contains(key)) continue;
    seen[key] = g.rows;
    EXPECT_LE(g.median_abs_error, kMaxMedianAbsError)
        << g.engine << " " << g.hardware << " " << g.model << ": median |error| "
        << 100 * g.median_abs_error << "% over " << g.rows << " rows";
  }
  EXPECT_EQ(seen, Llama3Groups());  // every group present, with all of its rows
}

TEST(AnlValidation, Llama3MedianErrorWithinTwentyPercentPerTensorParallelDegree) {
  std::map<std::tuple<std::string, std::string, std::string, int64_t>, std::vector<double>> by_tp;
  for (const AnlResult& r : Validation().results) {
    if (!Llama3Groups().contains({r.request.engine, r.request.hardware, r.request.model})) {
      continue;
    }
    by_tp[{r.request.engine, r.request.hardware, r.request.model, r.row.num_hardware}].push_back(
        r.relative_error);
  }
  EXPECT_EQ(by_tp.size(), 14u);  // 8B: vllm 3 + 2, trtllm 3 + 3 TP degrees; 70B: TP 4 x 3
  for (const auto& [key, errors] : by_tp) {
    const auto& [engine, hardware, model, tp] = key;
    EXPECT_LE(MedianAbsolute(errors), kMaxMedianAbsError)
        << engine << " " << hardware << " " << model << " TP " << tp;
  }
}

TEST(AnlValidation, FiltersSelectOneEngineModelAndDevice) {
  absl::StatusOr<std::vector<AnlRow>> rows = ReadAnlStaticBatchCsv(DataPath());
  ASSERT_TRUE(rows.ok()) << rows.status();
  absl::StatusOr<AnlValidation> v = ValidateAnlStaticBatch(
      *rows, RepoPresets(), InTreePlugins(), {"trtllm-0.11", "llama-3-70b", "h100-sxm"});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->results.size(), 20u);
  ASSERT_EQ(v->groups.size(), 1u);
  EXPECT_EQ(v->groups[0].gpus, std::vector<int64_t>{4});
}

// ---- the parser and the mapping ----

constexpr const char* kHeader =
    "Hardware,Num of Hardware,Framework,Model,Input Output Length,Batch Size,Latency,"
    "Throughput\n";

// Issue 12, points 2 and 5: each group and regime says what share of its measured latencies lies
// inside the prediction's band. Llama-3-8B on one H100, 128 tokens in and out, batch 1, runs in
// about a second (the file's row: 0.99 s): 10,000 s and 10 us are outside any band (the widest,
// uncalibrated ones are a factor of 2 either way). On the fitted file the shipped bands hold
// their 80 % (presets/error-bands.toml was derived to); the groups' shares add up to the file's.
TEST(AnlValidation, TheShareOfMeasurementsInsideTheBandIsCountedPerGroupAndRegime) {
  const std::string text =
      std::string(kHeader) +
      "Nvidia H100 GPU,1,vLLM,meta-llama/Meta-Llama-3-8B,128,1,10000,0.0256\n"
      "Nvidia H100 GPU,1,vLLM,meta-llama/Meta-Llama-3-8B,128,1,1e-5,25600000\n";
  absl::StatusOr<std::vector<AnlRow>> rows = ParseAnlStaticBatchCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  absl::StatusOr<AnlValidation> outside =
      ValidateAnlStaticBatch(*rows, RepoPresets(), InTreePlugins(), AnlFilter{});
  ASSERT_TRUE(outside.ok()) << outside.status();
  ASSERT_EQ(outside->results.size(), 2u);
  for (const AnlResult& r : outside->results) EXPECT_FALSE(r.in_band) << r.row.source;
  ASSERT_EQ(outside->groups.size(), 1u);
  EXPECT_EQ(outside->groups[0].in_band, 0);
  for (const AnlRegime& r : outside->regimes) EXPECT_EQ(r.in_band, 0) << r.name;
  EXPECT_EQ(outside->in_band, 0);

  ExpectBandsHoldTheirShareAndGroupsAddUp(Validation());
}

TEST(AnlCsv, ParsesRowsSkippingBlankLinesAndCarriageReturns) {
  const std::string text = std::string(kHeader) +
                           "Nvidia H100 GPU,1,vLLM,meta-llama/Meta-Llama-3-8B,128,1,0.99,257.5\r\n"
                           "\n"
                           "\"Nvidia A100 GPU\",4,TensorRT-LLM,meta-llama/Meta-Llama-3-70B,"
                           "256,16,10.2,802.5\n";
  absl::StatusOr<std::vector<AnlRow>> rows = ParseAnlStaticBatchCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].source, "t.csv:2");
  EXPECT_DOUBLE_EQ((*rows)[0].latency_s, 0.99);
  EXPECT_EQ((*rows)[1].source, "t.csv:4");
  EXPECT_EQ((*rows)[1].hardware, "Nvidia A100 GPU");
  EXPECT_EQ((*rows)[1].num_hardware, 4);
  EXPECT_EQ((*rows)[1].length, 256);
  EXPECT_EQ((*rows)[1].batch, 16);
}

TEST(AnlCsv, MalformedRowsNameFileAndLine) {
  const auto error = [](const std::string& body) {
    return std::string(
        ParseAnlStaticBatchCsv(std::string(kHeader) + body, "bad.csv").status().message());
  };
  EXPECT_THAT(error("Nvidia H100 GPU,1,vLLM,m,128,1,0.99\n"),
              HasSubstr("bad.csv:2: 7 fields, but the header has 8"));
  EXPECT_THAT(error("Nvidia H100 GPU,1,vLLM,m,128,1,1,1\nNvidia H100 GPU,1,vLLM,m,128,x,1,1\n"),
              HasSubstr("bad.csv:3: 'Batch Size' = 'x' is not a positive integer"));
  EXPECT_THAT(error("Nvidia H100 GPU,0,vLLM,m,128,1,1,1\n"),
              HasSubstr("bad.csv:2: 'Num of Hardware' = '0' is not a positive integer"));
  EXPECT_THAT(error("Nvidia H100 GPU,1,vLLM,m,128,1,-2,1\n"),
              HasSubstr("bad.csv:2: 'Latency' = '-2' is not a positive number"));
  EXPECT_THAT(error("Nvidia H100 GPU,1,,m,128,1,1,1\n"),
              HasSubstr("bad.csv:2: 'Framework' is empty"));
  EXPECT_THAT(error("\"Nvidia H100 GPU,1,vLLM,m,128,1,1,1\n"),
              HasSubstr("bad.csv:2: unterminated quoted field"));
  EXPECT_THAT(
      std::string(ParseAnlStaticBatchCsv("Hardware,Framework\n", "h.csv").status().message()),
      HasSubstr("h.csv:1: header has no column 'Num of Hardware'"));
  EXPECT_THAT(std::string(ParseAnlStaticBatchCsv("\n\n", "e.csv").status().message()),
              HasSubstr("e.csv: empty file"));
  EXPECT_THAT(std::string(ReadAnlStaticBatchCsv("/nonexistent/x.csv").status().message()),
              HasSubstr("/nonexistent/x.csv: no such file"));
  // A column named twice: which one is meant cannot be told (the first was taken, silently).
  EXPECT_THAT(std::string(ParseAnlStaticBatchCsv("Hardware,Num of Hardware,Hardware\n", "d.csv")
                              .status()
                              .message()),
              HasSubstr("d.csv:1: the header names column 'Hardware' twice (fields 1 and 3)"));
}

// A spreadsheet's UTF-8 byte-order mark before the header is not part of the first column's name
// (the file was reported to have no column 'Hardware').
TEST(AnlCsv, AByteOrderMarkBeforeTheHeaderIsNotPartOfIt) {
  absl::StatusOr<std::vector<AnlRow>> rows = ParseAnlStaticBatchCsv(
      "\xEF\xBB\xBF" + std::string(kHeader) +
          "Nvidia H100 GPU,1,vLLM,meta-llama/Meta-Llama-3-8B,128,1,0.99,257.5\n",
      "bom.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_DOUBLE_EQ((*rows)[0].latency_s, 0.99);
}

TEST(AnlCsv, RowsMapToFp16ScenariosAndUnknownNamesAreSkipped) {
  const std::string text = std::string(kHeader) +
                           "Nvidia A100 GPU,2,vLLM,meta-llama/Meta-Llama-3-8B,512,32,7.9,4162\n"
                           "Nvidia A100 GPU,2,TGI,meta-llama/Meta-Llama-3-8B,512,32,10,97\n"
                           "Nvidia A100 GPU,2,llama.cpp,meta-llama/Meta-Llama-3-8B,512,32,10,97\n";
  absl::StatusOr<std::vector<AnlRow>> rows = ParseAnlStaticBatchCsv(text, "m.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  absl::StatusOr<framework::ScenarioRequest> request =
      AnlScenarioRequest((*rows)[0], RepoPresets());
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->engine, "vllm-0.5");  // the vLLM ANL ran (mid-2024)
  EXPECT_EQ(request->hardware, "a100-40gb");
  EXPECT_EQ(request->model, "llama-3-8b");
  EXPECT_EQ(request->gpus, 2);
  EXPECT_EQ(request->weights, "fp16");
  EXPECT_EQ(request->activations, "fp16");
  EXPECT_EQ(request->kv, "fp16");
  EXPECT_EQ(request->input_tokens, 512);
  EXPECT_EQ(request->output_tokens, 512);
  EXPECT_EQ(request->concurrency, 32);

  const absl::StatusOr<framework::ScenarioRequest> unknown =
      AnlScenarioRequest((*rows)[1], RepoPresets());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("m.csv:3: no preset for Framework 'TGI'"));
  // llama.cpp splits layers over its GPUs: a pipeline of 2, not tensor parallel 2.
  absl::StatusOr<framework::ScenarioRequest> layers = AnlScenarioRequest((*rows)[2], RepoPresets());
  ASSERT_TRUE(layers.ok()) << layers.status();
  EXPECT_EQ(layers->engine, "llamacpp");
  EXPECT_EQ(layers->pp, 2);

  absl::StatusOr<AnlValidation> v =
      ValidateAnlStaticBatch(*rows, RepoPresets(), InTreePlugins(), AnlFilter{});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->results.size(), 2u);
  EXPECT_EQ(v->skipped, 1);
}

// How many sequences a row ran comes from its own Throughput = 2 x length x sequences /
// Latency. Rows copied from anl_static_batch_all.csv (A100, Llama-2-7B, 128 tokens):
//   vLLM, Batch Size 16: 2035.234414 x 2.012545 / 256 = 16.0 sequences;
//   llama.cpp, Batch Size 16: 109.826672 x 2.330946 / 256 = 1.0 - the prompt batch `-b`;
//   llama.cpp, Batch Size 1: 58.922482 x 4.344691 / 256 = 1.0, and the prompt goes one token
//   per pass: 128 + 127 = 255 single-token passes = a 1-token prompt and 255 generated tokens.
TEST(AnlCsv, SequencesComeFromTheRowsThroughputAndLlamaCppBatchIsThePromptBatch) {
  const std::string text =
      std::string(kHeader) +
      "Nvidia A100 GPU,1,vLLM,meta-llama/Llama-2-7b-hf,128,16,2.012544585391879,"
      "2035.234414050228\n"
      "Nvidia A100 GPU,1,llama.cpp,meta-llama/Llama-2-7b-hf,128,16,2.330946,109.826672\n"
      "Nvidia A100 GPU,1,llama.cpp,meta-llama/Llama-2-7b-hf,128,1,4.344691,58.922482\n";
  absl::StatusOr<std::vector<AnlRow>> rows = ParseAnlStaticBatchCsv(text, "s.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  const int64_t concurrency[] = {16, 1, 1};
  const int64_t input[] = {128, 128, 1};
  const int64_t output[] = {128, 128, 255};
  for (size_t i = 0; i < 3; ++i) {
    absl::StatusOr<framework::ScenarioRequest> request =
        AnlScenarioRequest((*rows)[i], RepoPresets());
    ASSERT_TRUE(request.ok()) << request.status();
    EXPECT_EQ(request->concurrency, concurrency[i]) << i;
    EXPECT_EQ(request->input_tokens, input[i]) << i;
    EXPECT_EQ(request->output_tokens, output[i]) << i;
  }
}

// ANL ran TensorRT-LLM 0.11, whose decode attention walks each context in one thread block
// (multi_block_mode off by default then); the trtllm preset describes TensorRT-LLM >= 1.0. A
// TensorRT-LLM row, and only such a row, runs the trtllm-0.11 preset, whose switch is on.
// And every ANL row (2024 engines) runs its host synchronously: host_overlap 0, whatever the
// engine preset's current default (vLLM's is its async scheduling).
TEST(AnlCsv, TensorRtLlmRowsRunSingleBlockDecodeAttentionAndNoRowOverlapsItsHost) {
  const std::string text =
      std::string(kHeader) +
      "Nvidia H100 GPU,1,TensorRT-LLM,meta-llama/Meta-Llama-3-8B,128,1,0.9,284\n"
      "Nvidia H100 GPU,1,vLLM,meta-llama/Meta-Llama-3-8B,128,1,1.0,256\n";
  absl::StatusOr<std::vector<AnlRow>> rows = ParseAnlStaticBatchCsv(text, "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  absl::StatusOr<framework::ScenarioRequest> trtllm = AnlScenarioRequest((*rows)[0], RepoPresets());
  ASSERT_TRUE(trtllm.ok()) << trtllm.status();
  EXPECT_EQ(trtllm->engine, "trtllm-0.11");
  const std::vector<std::pair<std::string, double>> synchronous_host = {{"host_overlap", 0}};
  EXPECT_EQ(trtllm->engine_settings, synchronous_host);
  absl::StatusOr<framework::Scenario> trtllm_scenario =
      framework::MakeScenario(*trtllm, RepoPresets());
  ASSERT_TRUE(trtllm_scenario.ok()) << trtllm_scenario.status();
  EXPECT_TRUE(framework::ExecutionOf(*trtllm_scenario).decode_attention.SingleBlock());
  absl::StatusOr<framework::ScenarioRequest> vllm = AnlScenarioRequest((*rows)[1], RepoPresets());
  ASSERT_TRUE(vllm.ok()) << vllm.status();
  const std::vector<std::pair<std::string, double>> synchronous = {{"host_overlap", 0}};
  EXPECT_EQ(vllm->engine_settings, synchronous);
  // The same row on a current vLLM (a user's scenario) hides most of its per-step host work;
  // ANL's vLLM of mid-2024 does not, by its preset as well as by the row.
  EXPECT_EQ(vllm->engine, "vllm-0.5");
  absl::StatusOr<framework::Scenario> anl = framework::MakeScenario(*vllm, RepoPresets());
  framework::ScenarioRequest without_setting = *vllm;
  without_setting.engine_settings.clear();
  absl::StatusOr<framework::Scenario> preset_alone =
      framework::MakeScenario(without_setting, RepoPresets());
  ASSERT_TRUE(preset_alone.ok()) << preset_alone.status();
  EXPECT_EQ(preset_alone->engine.host_overlap, 0);
  framework::ScenarioRequest current = without_setting;
  current.engine = "vllm";
  absl::StatusOr<framework::Scenario> now = framework::MakeScenario(current, RepoPresets());
  ASSERT_TRUE(anl.ok() && now.ok());
  EXPECT_EQ(anl->engine.host_overlap, 0);
  EXPECT_GT(now->engine.host_overlap, 0);
}

AnlValidation ValidateFile(const std::string& file, const AnlFilter& filter = {}) {
  absl::StatusOr<std::vector<AnlRow>> rows =
      ReadAnlStaticBatchCsv(std::string(INFERCOST_TEST_DATA_DIR) + "/validation/" + file);
  EXPECT_TRUE(rows.ok()) << rows.status();
  absl::StatusOr<AnlValidation> v = ValidateAnlStaticBatch(
      rows.ok() ? *rows : std::vector<AnlRow>{}, RepoPresets(), InTreePlugins(), filter);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : AnlValidation{};
}

// Issue 12, point 2: every ANL row with a preset for its engine, device and model is predicted:
// the whole public file (1,639 rows; the 71 of DeciLM-7B, Aquila-7B and BLOOM-7B1 have no model
// preset, counted with python's csv) and the AMD file (808 rows, MI300X and MI250).
TEST(AnlEveryRow, EveryMappedRowOfBothFilesIsPredicted) {
  const AnlValidation all = ValidateFile("anl_static_batch_all.csv");
  EXPECT_EQ(all.results.size(), 1639u - 71u);
  EXPECT_EQ(all.skipped, 71);
  const AnlValidation amd = ValidateFile("anl_static_batch_amd.csv");
  EXPECT_EQ(amd.results.size(), 808u);
  EXPECT_EQ(amd.skipped, 0);
}

// The DeepSpeed-MII preset's host costs were fitted on its 7-8B rows; the Llama-2-70B rows were
// held out of the fit (presets/engines/deepspeed-mii.toml).
TEST(AnlEveryRow, DeepSpeedMiiFitAndHeldOutRows) {
  AnlFilter filter;
  filter.engine = "deepspeed-mii";
  const AnlValidation v = ValidateFile("anl_static_batch_all.csv", filter);
  std::vector<double> fitted, held_out;
  for (const AnlResult& r : v.results) {
    (r.request.model == "llama-2-70b" ? held_out : fitted).push_back(r.relative_error);
  }
  EXPECT_EQ(fitted.size(), 133u);
  EXPECT_EQ(held_out.size(), 20u);
  EXPECT_LE(MedianAbsolute(fitted), 0.10);
  EXPECT_LE(MedianAbsolute(held_out), 0.20);
}

// Issue 12, point 2: vLLM on ROCm switches its decode attention to the unpartitioned
// PagedAttention V1 kernel above 512 sequences x query heads per GPU (framework/timing/
// decode_attention.h). The AMD file's median meets the 10% target (8.0%; 13.1% without the
// switch), and vLLM's Llama-3 rows on MI300X whose decode runs V1 over more than one 512-token
// partition (batch x heads per GPU > 512, input + output > 512) are predicted within 11.5% median
// (37.8% before); bounds with a margin.
TEST(AnlEveryRow, AmdVllmRowsAboveThePagedAttentionSwitch) {
  const AnlValidation amd = ValidateFile("anl_static_batch_amd.csv");
  std::vector<double> all, above_switch;
  for (const AnlResult& r : amd.results) {
    all.push_back(r.relative_error);
    const framework::ScenarioRequest& q = r.request;
    if (q.engine != "vllm-0.5" || q.hardware != "mi300x" || q.model == "llama-2-7b") continue;
    absl::StatusOr<const registry::Model*> model = RepoPresets().models.Find(q.model);
    ASSERT_TRUE(model.ok()) << model.status();
    const int64_t heads_per_gpu = (*model)->num_attention_heads / q.gpus;
    if (q.concurrency * heads_per_gpu > 512 && q.input_tokens + q.output_tokens > 512) {
      above_switch.push_back(r.relative_error);
    }
  }
  EXPECT_LE(MedianAbsolute(all), 0.10);
  EXPECT_EQ(above_switch.size(), 71u);
  EXPECT_LE(MedianAbsolute(above_switch), 0.15);
}

// llama.cpp with a prompt batch of 1 queues its prompt passes without waiting for them
// (validation/overlapped_passes.h): on a layer split over P GPUs they overlap min(P, 4) at a time.
// The measured rows say so without the model. A100, Llama-2-7B, 128 tokens, prompt batch 1 on 1,
// 2 and 4 GPUs: 4.345, 3.515 and 3.037 s (anl_static_batch_all.csv). With D the sampled passes
// and Q the 127 prompt passes on one GPU, D + Q = 4.345 and D + Q / 2 = 3.515 give Q = 1.660 and
// D = 2.685, so 4 GPUs should take D + Q / 4 = 3.100 s: 2.1% from the measured 3.037 s. A layer
// pipeline without overlap would take 4.345 s on every count (it moves no work off the path).
TEST(AnlCsv, LlamaCppPromptPassesOverlapOnItsLayerPipeline) {
  const double one = 4.344691, two = 3.515, four = 3.037;
  const double prompt = 2 * (one - two), sampled = one - prompt;
  EXPECT_NEAR(sampled + prompt / 4, four, 0.025 * four);

  const std::string text =
      std::string(kHeader) +
      "Nvidia A100 GPU,1,llama.cpp,meta-llama/Llama-2-7b-hf,128,1,4.344691,58.922482\n"
      "Nvidia A100 GPU,2,llama.cpp,meta-llama/Llama-2-7b-hf,128,1,3.515,72.83\n"
      "Nvidia A100 GPU,4,llama.cpp,meta-llama/Llama-2-7b-hf,128,1,3.037,84.29\n"
      "Nvidia A100 GPU,2,llama.cpp,meta-llama/Llama-2-7b-hf,128,16,2.398,106.76\n"
      "Nvidia A100 GPU,2,vLLM,meta-llama/Llama-2-7b-hf,128,1,2.0,128\n"
      "AMD MI250 GPU,1,llama.cpp,meta-llama/Llama-2-7b-hf,128,1,5.7619302,44.429556\n"
      "AMD MI250 GPU,4,llama.cpp,meta-llama/Llama-2-7b-hf,128,1,6.02,42.52\n";
  absl::StatusOr<std::vector<AnlRow>> rows = ParseAnlStaticBatchCsv(text, "o.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  // Prompt batch 1: the first 127 of 255 passes are prompt tokens; overlapped by the pipeline's
  // GPUs (an MI250 card is two GCDs), at most GGML_SCHED_MAX_COPIES = 4. A prompt batch of 16
  // or a vLLM row overlaps nothing.
  const OverlappedPasses expected[] = {{127, 1}, {127, 2}, {127, 4}, {}, {}, {127, 2}, {127, 4}};
  for (size_t i = 0; i < rows->size(); ++i) {
    absl::StatusOr<framework::ScenarioRequest> request =
        AnlScenarioRequest((*rows)[i], RepoPresets());
    ASSERT_TRUE(request.ok()) << request.status();
    EXPECT_EQ(AnlOverlappedPasses((*rows)[i], *request), expected[i]) << i;
  }
  EXPECT_EQ(LlamaCppPassesInFlight(1), 1);
  EXPECT_EQ(LlamaCppPassesInFlight(3), 3);
  EXPECT_EQ(LlamaCppPassesInFlight(8), 4);

  // The overlapped run is the sequential one less (1 - 1/k) of its first passes' time, each
  // estimated as its own scenario (the prefill and 126 decode steps: 127 output tokens).
  absl::StatusOr<framework::ScenarioRequest> request =
      AnlScenarioRequest((*rows)[2], RepoPresets());
  ASSERT_TRUE(request.ok()) << request.status();
  framework::ScenarioRequest first = *request;
  first.output_tokens = 127;
  absl::StatusOr<framework::Estimate> whole =
      EstimateRow("o.csv:4", *request, RepoPresets(), InTreePlugins());
  absl::StatusOr<framework::Estimate> part =
      EstimateRow("o.csv:4", first, RepoPresets(), InTreePlugins());
  ASSERT_TRUE(whole.ok() && part.ok());
  absl::StatusOr<double> overlapped =
      AnlPredictedLatency((*rows)[2], *request, *whole, RepoPresets(), InTreePlugins());
  ASSERT_TRUE(overlapped.ok()) << overlapped.status();
  EXPECT_NEAR(*overlapped, whole->summary.e2e_s - 0.75 * part->summary.e2e_s, 1e-12);
  // One pass in flight (one GPU): nothing overlaps.
  absl::StatusOr<double> sequential = E2eWithOverlappedPasses(
      "o.csv:4", *request, {.passes = 127, .in_flight = 1}, 1.5, RepoPresets(), InTreePlugins());
  ASSERT_TRUE(sequential.ok()) << sequential.status();
  EXPECT_EQ(*sequential, 1.5);
}

// Every prompt-batch-1 llama.cpp row on a layer pipeline (2-4 GPUs of A100, H100, MI300X; every
// MI250 card is already two GCDs): 38.7% / 39.5% median |error| with each pass sequential (too
// slow), 7.7% / 12.2% with the overlap (docs/calibration.md, "llama.cpp's prompt passes overlap
// on its layer pipeline"); bounds with a margin.
TEST(AnlEveryRow, LlamaCppPromptBatchOneRowsOnALayerPipeline) {
  std::vector<double> nvidia_mi300x, mi250;
  for (const char* file : {"anl_static_batch_all.csv", "anl_static_batch_amd.csv"}) {
    for (const AnlResult& r : ValidateFile(file).results) {
      if (r.request.engine != "llamacpp" || r.row.batch != 1 || r.request.pp < 2) continue;
      (r.request.hardware == "mi250" ? mi250 : nvidia_mi300x).push_back(r.relative_error);
    }
  }
  EXPECT_EQ(nvidia_mi300x.size(), 115u);
  EXPECT_EQ(mi250.size(), 35u);
  EXPECT_LE(MedianAbsolute(nvidia_mi300x), 0.10);
  EXPECT_LE(MedianAbsolute(mi250), 0.15);
}

TEST(AnlCsv, MedianOfAbsoluteValues) {
  EXPECT_EQ(MedianAbsolute({}), 0);
  EXPECT_DOUBLE_EQ(MedianAbsolute({-0.3, 0.1, 0.2}), 0.2);
  EXPECT_DOUBLE_EQ(MedianAbsolute({-0.4, 0.1, 0.2, -0.05}), 0.15);
}

}  // namespace
}  // namespace infercost::validation
