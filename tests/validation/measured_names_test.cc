// How a measured row's model and device names find their presets (validation/measured_names.h),
// and what validate does with a row none describes or whose precision is unknown: issue 12,
// point 2 (every row a preset can describe is predicted; the others are counted, with the fix).
#include "validation/measured_names.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"
#include "validation/aic_serving.h"

namespace infercost::validation {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::InTreePlugins;
using testing::RepoPresets;

TEST(MeasuredNames, ACheckpointsNameLosesItsOrganisationReleaseAndQuantisationWords) {
  EXPECT_THAT(ModelNameCandidates("nvidia/Llama-3.3-70B-Instruct-FP8"),
              ElementsAre("nvidia/Llama-3.3-70B-Instruct-FP8", "nvidia/llama-3.3-70b-instruct-fp8",
                          "llama-3.3-70b-instruct-fp8", "llama-3.3-70b-instruct", "llama-3.3-70b"));
  EXPECT_THAT(ModelNameCandidates("meta-llama/Meta-Llama-3-8B"),
              ElementsAre("meta-llama/Meta-Llama-3-8B", "meta-llama/meta-llama-3-8b",
                          "meta-llama-3-8b", "llama-3-8b"));
  // A version and a four-digit release are checkpoint words; the size is not.
  EXPECT_EQ(ModelNameCandidates("mistralai/Mistral-7B-v0.1").back(), "mistral-7b");
  EXPECT_EQ(ModelNameCandidates("Qwen/Qwen3-235B-A22B-Instruct-2507").back(), "qwen3-235b-a22b");
  EXPECT_EQ(ModelNameCandidates("Qwen/Qwen3-8B").back(), "qwen3-8b");
}

TEST(MeasuredNames, ADeviceLabelLosesItsVendorAndKindWords) {
  EXPECT_THAT(DeviceNameCandidates("Nvidia GH200 GPU"),
              ElementsAre("Nvidia GH200 GPU", "nvidia-gh200-gpu", "gh200"));
  EXPECT_THAT(DeviceNameCandidates("b200_sxm"), ElementsAre("b200_sxm", "b200-sxm", "b200"));
  EXPECT_THAT(DeviceNameCandidates("AMD MI300X OAM"),
              ElementsAre("AMD MI300X OAM", "amd-mi300x-oam", "mi300x-oam", "mi300x"));
  EXPECT_THAT(DeviceNameCandidates("Habana Gaudi2"),
              ElementsAre("Habana Gaudi2", "habana-gaudi2", "gaudi2"));
}

TEST(MeasuredNames, TheShippedPresetsDescribeTheBenchmarksNames) {
  const registry::Presets& presets = RepoPresets();
  struct Case {
    const char* measured;
    const char* preset;
  };
  for (const Case& c :
       {Case{"meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"},
        // Llama-3.3-70B: an alias of llama-3.1-70b (the same config.json sizes).
        Case{"meta-llama/Llama-3.3-70B-Instruct", "llama-3.1-70b"},
        Case{"nvidia/DeepSeek-R1-NVFP4", "deepseek-r1"},
        Case{"nvidia/DeepSeek-V3.1-NVFP4", "deepseek-v3"},
        Case{"Qwen/Qwen3-235B-A22B-FP8", "qwen3-235b-a22b"}, Case{"Qwen/Qwen2-7B", "qwen2.5-7b"},
        Case{"Qwen/Qwen2-72B", "qwen2.5-72b"},
        Case{"mistralai/Mixtral-8x7B-Instruct-v0.1", "mixtral-8x7b"},
        Case{"zai-org/GLM-5-FP8", "glm-5"}, Case{"moonshotai/Kimi-K2.5", "kimi-k2.5"},
        Case{"mistralai/Mistral-7B-v0.1", "mistral-7b"},
        // AMD's checkpoints of models with presets; MiniMax-M2 and -M2.1, M2.5's architecture.
        Case{"amd/Llama-3.3-70B-Instruct-FP8-KV", "llama-3.1-70b"},
        Case{"amd/DeepSeek-R1-0528-MXFP4-Preview", "deepseek-r1"},
        Case{"MiniMaxAI/MiniMax-M2", "minimax-m2.5"},
        Case{"MiniMaxAI/MiniMax-M2.1", "minimax-m2.5"}}) {
    absl::StatusOr<std::string> preset = ModelPresetFor(c.measured, presets);
    ASSERT_TRUE(preset.ok()) << c.measured << ": " << preset.status();
    EXPECT_EQ(*preset, c.preset) << c.measured;
  }
  for (const Case& c :
       {Case{"h100_sxm", "h100-sxm"}, Case{"b200_sxm", "b200"}, Case{"h200_sxm", "h200"},
        Case{"gb200_sxm", "gb200"}, Case{"Nvidia A100 GPU", "a100-40gb"},
        Case{"Nvidia H100 GPU", "h100-sxm"}, Case{"AMD MI300X GPU", "mi300x"},
        Case{"Nvidia GH200 GPU", "gh200"}, Case{"Intel Data Center GPU Max 1550", "max1550"},
        Case{"h800_sxm", "h800"}, Case{"h20_sxm", "h20"},
        // aiconfigurator's a100_sxm is the 80 GB card (its systems/a100_sxm.yaml: 2.039 TB/s).
        Case{"a100_sxm", "a100-80gb"},
        // Devices aiconfigurator names with their form factor and the presets without it.
        Case{"b300_sxm", "b300"}, Case{"gb300_sxm", "gb300"}, Case{"AMD MI300X OAM", "mi300x"}}) {
    absl::StatusOr<std::string> preset = HardwarePresetFor(c.measured, presets);
    ASSERT_TRUE(preset.ok()) << c.measured << ": " << preset.status();
    EXPECT_EQ(*preset, c.preset) << c.measured;
  }
  // Two labels compared as devices: maker, kind and form factor dropped, case folded.
  for (const char* label : {"b200_sxm", "B200", "NVIDIA B200 GPU", "b200"}) {
    EXPECT_EQ(DeviceName(label), "b200") << label;
  }
  EXPECT_EQ(DeviceName("gb200_sxm"), "gb200");
  EXPECT_NE(DeviceName("h100_pcie"), DeviceName("h100_sxm"));  // the form factor h100-pcie keeps
  absl::StatusOr<std::string> unknown = ModelPresetFor("acme/Frob-9B-Chat", presets);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("no model preset for 'acme/Frob-9B-Chat' (tried acme/Frob-9B-Chat, "
                        "acme/frob-9b-chat, frob-9b-chat, frob-9b); add one, or add the name to a "
                        "preset's `aliases`"));
}

constexpr const char* kAicHeader =
    "id,backend,backend_version,model_path,system,precision,mode,isl,osl,batch_size,tp_size,"
    "pp_size,attention_dp_size,moe_ep_size,silicon_tpot_ms\n";

TEST(MeasuredNames, AiconfiguratorQuantisationLabelsNameTheWeightsDtype) {
  const std::string text =
      std::string(kAicHeader) +
      "a,trtllm,1.0,Qwen/Qwen3-32B,h100_sxm,,agg,1024,128,8,2,1,1,1,10\n"
      "b,trtllm,1.0,Qwen/Qwen3-32B,h100_sxm,fp8_block,agg,1024,128,8,2,1,1,1,10\n"
      "c,trtllm,1.0,Qwen/Qwen3-32B,h100_sxm,w4afp8,agg,1024,128,8,2,1,1,1,10\n"
      "d,trtllm,1.0,Qwen/Qwen3-32B,h100_sxm,int4_wo,agg,1024,128,8,2,1,1,1,10\n"
      "e,trtllm,1.0,Qwen/Qwen3-32B,h100_sxm,nvfp4,agg,1024,128,8,2,1,1,1,10\n"
      "f,trtllm,1.0,Qwen/Qwen3-32B,h100_sxm,q4_k_m,agg,1024,128,8,2,1,1,1,10\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "q.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 6u);
  const char* weights[] = {"bf16", "fp8", "int4", "int4", "nvfp4"};
  const char* kv[] = {"bf16", "fp8", "fp8", "bf16", "fp8"};
  for (size_t i = 0; i < 5; ++i) {
    absl::StatusOr<framework::ScenarioRequest> request =
        AicScenarioRequest((*rows)[i], RepoPresets());
    ASSERT_TRUE(request.ok()) << i << ": " << request.status();
    EXPECT_EQ(request->weights, weights[i]) << i;
    EXPECT_EQ(request->kv, kv[i]) << i;
  }
  absl::StatusOr<framework::ScenarioRequest> unknown =
      AicScenarioRequest((*rows)[5], RepoPresets());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("q.csv:7: precision 'q4_k_m': unknown dtype 'q4_k_m'"));
}

// A row no preset describes, or of an unknown precision, is skipped and said why; the others are
// predicted (before, an unknown precision stopped the whole validation).
TEST(MeasuredNames, ValidateSkipsWhatItCannotDescribeAndPredictsTheRest) {
  const std::string text =
      std::string(kAicHeader) +
      "a,trtllm,1.0,Qwen/Qwen3-32B,h200_sxm,fp8,agg,1024,128,8,2,1,1,1,10\n"
      "b,trtllm,1.0,acme/Frob-9B,h100_sxm,fp8,agg,1024,128,8,2,1,1,1,10\n"
      "c,trtllm,1.0,Qwen/Qwen3-32B,h100_sxm,q4_k_m,agg,1024,128,8,2,1,1,1,10\n"
      "d,trtllm,1.0,meta-llama/Llama-3.3-70B-Instruct,h100_sxm,fp8,agg,1024,128,8,4,1,1,1,20\n";
  absl::StatusOr<std::vector<AicRow>> rows = ParseAicServingCsv(text, "s.csv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  absl::StatusOr<AicValidation> v =
      ValidateAicServing(*rows, RepoPresets(), InTreePlugins(), AicFilter{}, "static");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->results.size(), 2u);
  EXPECT_EQ(v->results[0].request.hardware, "h200");
  EXPECT_EQ(v->results[1].request.model, "llama-3.1-70b");
  EXPECT_EQ(v->skipped, 2);
  ASSERT_EQ(v->skip_reasons.size(), 2u);
  EXPECT_THAT(v->skip_reasons[0], HasSubstr("no model preset for 'acme/Frob-9B'"));
  EXPECT_THAT(v->skip_reasons[1], HasSubstr("precision 'q4_k_m'"));
}

}  // namespace
}  // namespace infercost::validation
