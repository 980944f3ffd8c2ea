// Hugging Face config.json import: every supported family read from a copy of a real config
// (tests/data/hf_configs/, sources in its README.md), the expected fields written out by hand from
// those configs, agreement with the shipped presets, and the errors for malformed files.
#include "registry/hf_config.h"

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/model.h"

namespace infercost::registry {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// How imports name variants: the shipped presets/hf-import.toml.
const HfVariantNames& Names() {
  static const HfVariantNames names = [] {
    absl::StatusOr<HfVariantNames> loaded =
        LoadHfVariantNames(std::string(INFERCOST_TEST_PRESET_DIR) + "/hf-import.toml");
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? *loaded : HfVariantNames{};
  }();
  return names;
}

// The imported option `name` as text ("" if absent).
std::string OptionText(const Model& m, const std::string& name) {
  for (const VariantOption& option : m.variant_options) {
    if (option.name == name) return OptionValueText(option);
  }
  return "";
}
bool HasOption(const Model& m, const std::string& name) {
  for (const VariantOption& option : m.variant_options) {
    if (option.name == name) return true;
  }
  return false;
}
int64_t OptionInt(const Model& m, const std::string& name) {
  for (const VariantOption& option : m.variant_options) {
    if (option.name == name) return std::get<int64_t>(option.value);
  }
  return -1;
}
// The window the model's pattern gives `layer`: the standard variants' rule (attention_math.h
// LayerWindow): none on a "full_attention" layer, the model's sliding_window elsewhere.
int64_t LayerWindow(const Model& m, int64_t layer) {
  return LayerType(m, layer) == "full_attention" ? 0 : m.sliding_window;
}

std::string ConfigPath(const std::string& folder) {
  return std::string(INFERCOST_TEST_DATA_DIR) + "/hf_configs/" + folder + "/config.json";
}

std::string PresetPath(const std::string& name) {
  return std::string(INFERCOST_TEST_PRESET_DIR) + "/models/" + name + ".toml";
}

Model Import(const std::string& folder) {
  absl::StatusOr<Model> model = LoadHuggingFaceConfig(ConfigPath(folder), Names());
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? *model : Model{};
}

absl::Status ImportError(const std::string& folder) {
  return LoadHuggingFaceConfig(ConfigPath(folder), Names()).status();
}

// Every field a cost formula reads.
void ExpectSameArchitecture(const Model& imported, const Model& preset) {
  SCOPED_TRACE(imported.source + " vs " + preset.source);
  EXPECT_EQ(imported.attention_variant, preset.attention_variant);
  EXPECT_EQ(imported.hidden_size, preset.hidden_size);
  EXPECT_EQ(imported.num_layers, preset.num_layers);
  EXPECT_EQ(imported.num_attention_heads, preset.num_attention_heads);
  EXPECT_EQ(imported.num_kv_heads, preset.num_kv_heads);
  EXPECT_EQ(imported.head_dim, preset.head_dim);
  EXPECT_EQ(imported.intermediate_size, preset.intermediate_size);
  EXPECT_EQ(imported.vocab_size, preset.vocab_size);
  EXPECT_EQ(imported.tie_word_embeddings, preset.tie_word_embeddings);
  EXPECT_EQ(imported.norm, preset.norm);
  EXPECT_EQ(imported.ffn_activation, preset.ffn_activation);
  EXPECT_EQ(imported.max_context_tokens, preset.max_context_tokens);
  EXPECT_EQ(imported.attention_bias, preset.attention_bias);
  EXPECT_EQ(imported.parallel_attention, preset.parallel_attention);
  EXPECT_EQ(imported.qk_norm, preset.qk_norm);
  EXPECT_EQ(imported.sliding_window, preset.sliding_window);
  EXPECT_EQ(imported.layer_types, preset.layer_types);
  EXPECT_EQ(imported.fp4_format, preset.fp4_format);
  EXPECT_EQ(imported.layer_variants, preset.layer_variants);
  ASSERT_EQ(imported.layer_variant_options.size(), preset.layer_variant_options.size());
  for (const auto& [plugin, options] : preset.layer_variant_options) {
    const auto it = imported.layer_variant_options.find(plugin);
    ASSERT_NE(it, imported.layer_variant_options.end()) << plugin;
    ASSERT_EQ(it->second.size(), options.size()) << plugin;
    for (const VariantOption& option : options) {
      bool same = false;
      for (const VariantOption& other : it->second) {
        same = same ||
               (other.name == option.name && OptionValueText(other) == OptionValueText(option));
      }
      EXPECT_TRUE(same) << plugin << " " << option.name;
    }
  }
  ASSERT_EQ(imported.moe.has_value(), preset.moe.has_value());
  if (imported.moe) {
    EXPECT_EQ(imported.moe->num_experts, preset.moe->num_experts);
    EXPECT_EQ(imported.moe->experts_per_token, preset.moe->experts_per_token);
    EXPECT_EQ(imported.moe->num_shared_experts, preset.moe->num_shared_experts);
    EXPECT_EQ(imported.moe->expert_intermediate_size, preset.moe->expert_intermediate_size);
    EXPECT_EQ(imported.moe->first_dense_layers, preset.moe->first_dense_layers);
  }
  // The variant's options: same names, same values (sources differ: file vs config key).
  ASSERT_EQ(imported.variant_options.size(), preset.variant_options.size());
  for (const VariantOption& option : preset.variant_options) {
    SCOPED_TRACE(option.name);
    EXPECT_EQ(OptionText(imported, option.name), OptionValueText(option));
  }
}

TEST(RegistryHfConfig, Llama31_8bMatchesThePresetFieldByField) {
  const Model imported = Import("llama-3.1-8b");
  absl::StatusOr<Model> preset = LoadModelPreset(PresetPath("llama-3.1-8b"));
  ASSERT_TRUE(preset.ok()) << preset.status();
  EXPECT_EQ(imported.name, preset->name);  // the folder name
  EXPECT_EQ(imported.family, preset->family);
  ExpectSameArchitecture(imported, *preset);
  EXPECT_EQ(imported.source, ConfigPath("llama-3.1-8b"));
}

TEST(RegistryHfConfig, Llama31_8b) {
  const Model m = Import("llama-3.1-8b");
  EXPECT_EQ(m.name, "llama-3.1-8b");
  EXPECT_EQ(m.display_name, "llama-3.1-8b");
  EXPECT_EQ(m.family, "llama");
  EXPECT_EQ(m.attention_variant, "gqa");  // 32 heads, 8 KV heads
  EXPECT_EQ(m.hidden_size, 4096);
  EXPECT_EQ(m.num_layers, 32);
  EXPECT_EQ(m.num_attention_heads, 32);
  EXPECT_EQ(m.num_kv_heads, 8);
  EXPECT_EQ(m.head_dim, 128);  // no head_dim key: 4096 / 32
  EXPECT_EQ(m.intermediate_size, 14336);
  EXPECT_EQ(m.vocab_size, 128256);
  EXPECT_FALSE(m.tie_word_embeddings);
  EXPECT_EQ(m.norm, NormKind::kRmsNorm);
  EXPECT_EQ(m.ffn_activation, FfnActivation::kSwiGlu);
  EXPECT_EQ(m.max_context_tokens, 131072);
  EXPECT_FALSE(m.attention_bias);
  EXPECT_EQ(m.sliding_window, 0);
  EXPECT_TRUE(m.layer_types.empty());
  EXPECT_FALSE(m.moe.has_value());
  EXPECT_TRUE(m.variant_options.empty());
  EXPECT_THAT(m.notes, AllOf(HasSubstr("LlamaForCausalLM"), HasSubstr("torch_dtype bfloat16"),
                             HasSubstr("hidden_act silu")));
}

TEST(RegistryHfConfig, Mistral7bSlidesEveryLayer) {
  const Model m = Import("mistral-7b");
  EXPECT_EQ(m.family, "mistral");
  EXPECT_EQ(m.attention_variant, "gqa");
  EXPECT_EQ(m.head_dim, 128);  // 4096 / 32
  EXPECT_EQ(m.vocab_size, 32000);
  EXPECT_EQ(m.max_context_tokens, 32768);
  EXPECT_EQ(m.sliding_window, 4096);
  EXPECT_TRUE(m.layer_types.empty());  // every layer
  EXPECT_EQ(LayerWindow(m, 0), 4096);
  EXPECT_EQ(LayerWindow(m, 31), 4096);
}

TEST(RegistryHfConfig, Mixtral8x7b) {
  const Model m = Import("mixtral-8x7b");
  EXPECT_EQ(m.family, "mixtral");
  EXPECT_EQ(m.sliding_window, 0);  // sliding_window null
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_EQ(m.moe->num_experts, 8);
  EXPECT_EQ(m.moe->experts_per_token, 2);
  EXPECT_EQ(m.moe->num_shared_experts, 0);
  EXPECT_EQ(m.moe->expert_intermediate_size, 14336);  // intermediate_size is the expert width
  EXPECT_EQ(m.moe->first_dense_layers, 0);
}

TEST(RegistryHfConfig, Qwen25_7bIgnoresTheWindowWhenUseSlidingWindowIsFalse) {
  const Model m = Import("qwen2.5-7b");
  EXPECT_EQ(m.family, "qwen2");
  EXPECT_EQ(m.num_attention_heads, 28);
  EXPECT_EQ(m.num_kv_heads, 4);
  EXPECT_EQ(m.head_dim, 128);  // 3584 / 28
  EXPECT_EQ(m.intermediate_size, 18944);
  EXPECT_EQ(m.vocab_size, 152064);
  EXPECT_TRUE(m.attention_bias);   // Qwen2 q/k/v bias, no config key
  EXPECT_EQ(m.sliding_window, 0);  // sliding_window 131072 but use_sliding_window false
  EXPECT_THAT(m.notes, HasSubstr("use_sliding_window false"));
}

TEST(RegistryHfConfig, Qwen3_32bHeadDimIsNotHiddenOverHeads) {
  const Model m = Import("qwen3-32b");
  EXPECT_EQ(m.family, "qwen3");
  EXPECT_EQ(m.hidden_size, 5120);
  EXPECT_EQ(m.num_attention_heads, 64);
  EXPECT_EQ(m.head_dim, 128);  // config head_dim, not 5120 / 64 = 80
  EXPECT_FALSE(m.attention_bias);
  EXPECT_EQ(m.max_context_tokens, 40960);
}

TEST(RegistryHfConfig, Qwen3_235bA22bMoe) {
  const Model m = Import("qwen3-235b-a22b");
  EXPECT_EQ(m.family, "qwen3-moe");
  EXPECT_EQ(m.attention_variant, "gqa");
  EXPECT_EQ(m.hidden_size, 4096);
  EXPECT_EQ(m.num_layers, 94);
  EXPECT_EQ(m.num_attention_heads, 64);
  EXPECT_EQ(m.num_kv_heads, 4);
  EXPECT_EQ(m.head_dim, 128);
  EXPECT_EQ(m.vocab_size, 151936);
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_EQ(m.moe->num_experts, 128);
  EXPECT_EQ(m.moe->experts_per_token, 8);
  EXPECT_EQ(m.moe->num_shared_experts, 0);
  EXPECT_EQ(m.moe->expert_intermediate_size, 1536);
  EXPECT_EQ(m.moe->first_dense_layers, 0);  // decoder_sparse_step 1, mlp_only_layers []
}

TEST(RegistryHfConfig, Qwen2MoeSharedExpertBecomesSharedExpertsOfTheRoutedWidth) {
  const Model m = Import("qwen2-57b-a14b");
  EXPECT_EQ(m.family, "qwen2-moe");
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_EQ(m.moe->num_experts, 64);
  EXPECT_EQ(m.moe->experts_per_token, 8);
  EXPECT_EQ(m.moe->expert_intermediate_size, 2560);
  EXPECT_EQ(m.moe->num_shared_experts, 8);  // shared_expert_intermediate_size 20480 / 2560
  EXPECT_EQ(m.intermediate_size, 18944);
  EXPECT_TRUE(m.attention_bias);
  EXPECT_EQ(m.sliding_window, 0);  // use_sliding_window false
  EXPECT_THAT(m.notes, HasSubstr("shared expert of width 20480 modelled as 8 shared experts"));
}

TEST(RegistryHfConfig, DeepseekV3MlaAndMoe) {
  const Model m = Import("deepseek-v3");
  EXPECT_EQ(m.family, "deepseek");
  EXPECT_EQ(m.attention_variant, "mla");
  EXPECT_EQ(m.hidden_size, 7168);
  EXPECT_EQ(m.num_layers, 61);
  EXPECT_EQ(m.num_attention_heads, 128);
  EXPECT_EQ(m.num_kv_heads, 128);
  EXPECT_EQ(m.head_dim, 192);  // qk_nope 128 + qk_rope 64
  EXPECT_EQ(m.intermediate_size, 18432);
  EXPECT_EQ(m.vocab_size, 129280);
  EXPECT_EQ(m.max_context_tokens, 163840);
  ASSERT_TRUE(HasOption(m, "kv_lora_rank"));
  EXPECT_EQ(OptionInt(m, "q_lora_rank"), 1536);
  EXPECT_EQ(OptionInt(m, "kv_lora_rank"), 512);
  EXPECT_EQ(OptionInt(m, "qk_nope_head_dim"), 128);
  EXPECT_EQ(OptionInt(m, "qk_rope_head_dim"), 64);
  EXPECT_EQ(OptionInt(m, "v_head_dim"), 128);
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_EQ(m.moe->num_experts, 256);
  EXPECT_EQ(m.moe->experts_per_token, 8);
  EXPECT_EQ(m.moe->num_shared_experts, 1);
  EXPECT_EQ(m.moe->expert_intermediate_size, 2048);
  EXPECT_EQ(m.moe->first_dense_layers, 3);
  EXPECT_FALSE(IsMoeLayer(m, 2));
  EXPECT_TRUE(IsMoeLayer(m, 3));
  EXPECT_THAT(m.notes, HasSubstr("quantization_config: quant_method fp8"));
}

TEST(RegistryHfConfig, DeepseekV2) {
  const Model m = Import("deepseek-v2");
  EXPECT_EQ(m.attention_variant, "mla");
  EXPECT_EQ(m.hidden_size, 5120);
  EXPECT_EQ(m.num_layers, 60);
  EXPECT_EQ(m.vocab_size, 102400);
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_EQ(m.moe->num_experts, 160);
  EXPECT_EQ(m.moe->experts_per_token, 6);
  EXPECT_EQ(m.moe->num_shared_experts, 2);
  EXPECT_EQ(m.moe->expert_intermediate_size, 1536);
  EXPECT_EQ(m.moe->first_dense_layers, 1);
  ASSERT_TRUE(HasOption(m, "kv_lora_rank"));
  EXPECT_EQ(OptionInt(m, "q_lora_rank"), 1536);
  EXPECT_EQ(OptionInt(m, "kv_lora_rank"), 512);
}

TEST(RegistryHfConfig, Gemma2_9bAlternatesFromASlidingFirstLayerAndTiesEmbeddings) {
  const Model m = Import("gemma-2-9b");
  EXPECT_EQ(m.family, "gemma2");
  EXPECT_EQ(m.attention_variant, "gqa");
  EXPECT_EQ(m.hidden_size, 3584);
  EXPECT_EQ(m.num_layers, 42);
  EXPECT_EQ(m.num_attention_heads, 16);
  EXPECT_EQ(m.num_kv_heads, 8);
  EXPECT_EQ(m.head_dim, 256);
  EXPECT_EQ(m.intermediate_size, 14336);
  EXPECT_EQ(m.vocab_size, 256000);
  EXPECT_TRUE(m.tie_word_embeddings);                   // no key: Gemma default
  EXPECT_EQ(m.ffn_activation, FfnActivation::kSwiGlu);  // GeGLU, gated
  EXPECT_EQ(m.max_context_tokens, 8192);
  EXPECT_EQ(m.sliding_window, 4096);
  ASSERT_EQ(m.layer_types.size(), 42u);
  EXPECT_EQ(LayerWindow(m, 0), 4096);
  EXPECT_EQ(LayerWindow(m, 1), 0);
  EXPECT_EQ(LayerWindow(m, 40), 4096);
  EXPECT_EQ(LayerWindow(m, 41), 0);
  EXPECT_THAT(m.notes, HasSubstr("tie_word_embeddings absent: true"));
}

TEST(RegistryHfConfig, Gemma3_27bReadsTextConfigWithFiveLocalToOneGlobal) {
  const Model m = Import("gemma-3-27b");
  EXPECT_EQ(m.family, "gemma3");
  EXPECT_EQ(m.hidden_size, 5376);
  EXPECT_EQ(m.num_layers, 62);
  EXPECT_EQ(m.num_attention_heads, 32);
  EXPECT_EQ(m.num_kv_heads, 16);
  EXPECT_EQ(m.head_dim, 128);
  EXPECT_EQ(m.intermediate_size, 21504);
  EXPECT_EQ(m.vocab_size, 262208);          // Gemma3TextConfig default
  EXPECT_EQ(m.max_context_tokens, 131072);  // Gemma3TextConfig default
  EXPECT_TRUE(m.tie_word_embeddings);
  EXPECT_EQ(m.sliding_window, 1024);
  ASSERT_EQ(m.layer_types.size(), 62u);
  int64_t global = 0;
  for (int64_t layer = 0; layer < m.num_layers; ++layer) {
    const bool full = (layer + 1) % 6 == 0;  // layers 5, 11, ..., 59
    EXPECT_EQ(LayerWindow(m, layer), full ? 0 : 1024) << "layer " << layer;
    global += full ? 1 : 0;
  }
  EXPECT_EQ(global, 10);  // 10 x (5 local + 1 global) + 2 local = 62
  EXPECT_THAT(m.notes, AllOf(HasSubstr("text_config.vocab_size absent: 262208"),
                             HasSubstr("text_config.sliding_window_pattern absent: 6")));
}

TEST(RegistryHfConfig, GptOss120bAlternatesSliding128AndFull) {
  const Model m = Import("gpt-oss-120b");
  EXPECT_EQ(m.family, "gpt-oss");
  EXPECT_EQ(m.attention_variant, "gqa");
  EXPECT_EQ(m.hidden_size, 2880);
  EXPECT_EQ(m.num_layers, 36);
  EXPECT_EQ(m.num_attention_heads, 64);
  EXPECT_EQ(m.num_kv_heads, 8);
  EXPECT_EQ(m.head_dim, 64);
  EXPECT_EQ(m.vocab_size, 201088);
  EXPECT_TRUE(m.attention_bias);
  EXPECT_EQ(m.max_context_tokens, 131072);
  EXPECT_EQ(m.sliding_window, 128);
  ASSERT_EQ(m.layer_types.size(), 36u);
  for (int64_t layer = 0; layer < 36; ++layer) {
    EXPECT_EQ(LayerWindow(m, layer), layer % 2 == 0 ? 128 : 0) << "layer " << layer;
  }
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_EQ(m.moe->num_experts, 128);
  EXPECT_EQ(m.moe->experts_per_token, 4);
  EXPECT_EQ(m.moe->expert_intermediate_size, 2880);
  EXPECT_EQ(m.moe->num_shared_experts, 0);
  EXPECT_EQ(m.moe->first_dense_layers, 0);
  EXPECT_THAT(m.notes, HasSubstr("quantization_config: quant_method mxfp4"));
  // quant_method "mxfp4": --weights fp4 streams MXFP4's 4.25 bits a value, not NVFP4's 4.5.
  EXPECT_EQ(m.fp4_format, registry::Fp4Format::kMxfp4);
}

TEST(RegistryHfConfig, ImportsAgreeWithTheShippedPresets) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"mistral-7b", "mistral-7b"},           {"mixtral-8x7b", "mixtral-8x7b"},
      {"qwen2.5-7b", "qwen2.5-7b"},           {"qwen3-32b", "qwen3-32b"},
      {"qwen3-235b-a22b", "qwen3-235b-a22b"}, {"deepseek-v3", "deepseek-v3"},
      {"deepseek-v3", "deepseek-r1"},  // same architecture
      {"gemma-2-9b", "gemma-2-9b"},           {"gemma-3-27b", "gemma-3-27b"},
      {"gpt-oss-120b", "gpt-oss-120b"},       {"glm-4.7", "glm-4.7"},
  };
  for (const auto& [folder, preset_name] : pairs) {
    absl::StatusOr<Model> preset = LoadModelPreset(PresetPath(preset_name));
    ASSERT_TRUE(preset.ok()) << preset.status();
    ExpectSameArchitecture(Import(folder), *preset);
  }
}

TEST(RegistryHfConfig, ModelTypeAloneIdentifiesTheFamily) {
  const Model m = Import("model-type-only");
  EXPECT_EQ(m.family, "llama");
  EXPECT_EQ(m.name, "model-type-only");
  EXPECT_EQ(m.num_kv_heads, 8);
  EXPECT_FALSE(m.tie_word_embeddings);  // Llama default
}

TEST(RegistryHfConfig, NamesComeFromTheFolderElseNameOrPath) {
  EXPECT_EQ(HuggingFaceModelName("/models/Llama-3.1-8B/config.json", ""), "llama-3.1-8b");
  // A Hugging Face cache snapshot folder is a commit hash: use _name_or_path instead.
  EXPECT_EQ(HuggingFaceModelName("/hub/models--google--gemma-2-9b/snapshots/"
                                 "0123456789abcdef0123456789abcdef01234567/config.json",
                                 "google/gemma-2-9b"),
            "gemma-2-9b");
  EXPECT_EQ(HuggingFaceModelName("/x/0123456789abcdef0123456789abcdef01234567/config.json", ""),
            "hf-model");
}

TEST(RegistryHfConfig, SupportedArchitecturesAreListed) {
  EXPECT_THAT(
      SupportedHuggingFaceArchitectures(),
      testing::IsSupersetOf({"LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM",
                             "Qwen2ForCausalLM", "Qwen2MoeForCausalLM", "Qwen3ForCausalLM",
                             "Qwen3MoeForCausalLM", "DeepseekV2ForCausalLM", "Glm4MoeForCausalLM",
                             "DeepseekV3ForCausalLM", "Gemma2ForCausalLM", "Gemma3ForCausalLM",
                             "Gemma3ForConditionalGeneration", "GptOssForCausalLM"}));
}

TEST(RegistryHfConfig, NotJsonIsAnErrorWithThePosition) {
  const absl::Status status = ImportError("bad/not-json");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), AllOf(HasSubstr(ConfigPath("bad/not-json")),
                                      HasSubstr("not valid JSON"), HasSubstr("line")));
}

// A key given twice in one object is refused (which one a reader keeps differs between
// readers); the same key in two objects is two keys.
TEST(RegistryHfConfig, AKeyGivenTwiceInOneObjectIsAnError) {
  const std::string llama =
      R"("architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256,
         "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
         "intermediate_size": 14336, "max_position_embeddings": 8192)";
  const absl::StatusOr<Model> twice = ParseHuggingFaceConfig(
      "{\"hidden_size\": 1, " + llama + ", \"hidden_size\": 4096}", "dup/config.json", Names());
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(twice.status().message(),
              AllOf(HasSubstr("dup/config.json"),
                    HasSubstr("key \"hidden_size\" appears twice in one object")));
  const absl::StatusOr<Model> once = ParseHuggingFaceConfig(
      "{\"hidden_size\": 4096, " + llama + ", \"rope_scaling\": {\"hidden_size\": 1}}",
      "dup/config.json", Names());
  ASSERT_TRUE(once.ok()) << once.status();
  EXPECT_EQ(once->hidden_size, 4096);
}

TEST(RegistryHfConfig, TopLevelMustBeAnObject) {
  const absl::Status status = ImportError("bad/not-object");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("expected a JSON object at the top level, got array"));
}

TEST(RegistryHfConfig, UnknownArchitectureListsTheSupportedOnes) {
  const absl::Status status = ImportError("bad/unknown-architecture");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr(ConfigPath("bad/unknown-architecture")),
                    HasSubstr("unsupported architecture \"FalconForCausalLM\""),
                    HasSubstr("LlamaForCausalLM"), HasSubstr("DeepseekV3ForCausalLM"),
                    HasSubstr("Gemma3ForConditionalGeneration"), HasSubstr("GptOssForCausalLM")));
}

TEST(RegistryHfConfig, MissingFieldsAreAllNamed) {
  const absl::Status status = ImportError("bad/missing-fields");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr(ConfigPath("bad/missing-fields")),
                    HasSubstr("missing required fields hidden_size, num_hidden_layers, "
                              "vocab_size")));
}

TEST(RegistryHfConfig, WrongTypesNameFieldExpectedTypeAndValue) {
  const absl::Status status = ImportError("bad/wrong-type");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr(ConfigPath("bad/wrong-type")),
                    HasSubstr("field \"num_hidden_layers\": expected an integer, got \"32\" "
                              "(string)"),
                    HasSubstr("field \"tie_word_embeddings\": expected a boolean (true or false), "
                              "got \"no\" (string)"),
                    Not(HasSubstr("missing"))));
}

TEST(RegistryHfConfig, LayerTypesMustListEveryLayer) {
  const absl::Status status = ImportError("bad/layer-types-length");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("field \"layer_types\" lists 24 layers; num_hidden_layers is 36"));
}

TEST(RegistryHfConfig, MissingFileIsNotFound) {
  const absl::Status status = ImportError("no-such-model");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("no-such-model/config.json"));
}

// ---- Issue 9: hostile numbers are errors naming the field, never a crash ----

absl::Status ParseError(const std::string& text) {
  absl::StatusOr<Model> model = ParseHuggingFaceConfig(text, "fuzz/config.json", Names());
  EXPECT_FALSE(model.ok());
  return model.status();
}

// The fields every family needs, small and valid; each test adds what it is about.
constexpr const char* kSmallDense =
    R"("hidden_size": 64, "num_attention_heads": 8, "intermediate_size": 128,
        "vocab_size": 1000, "max_position_embeddings": 4096, "num_hidden_layers": 2, )";

constexpr const char* kLlamaHead =
    R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_attention_heads": 8,
        "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 1000,
        "max_position_embeddings": 4096, )";

// 1e400 is beyond double: nlohmann throws out_of_range, which used to abort the process.
// Query heads not in whole groups per K/V head are named by the config's keys, not the preset's.
TEST(RegistryHfConfig, HeadsNotInWholeGroupsAreNamedByTheConfigsKeys) {
  for (const char* heads : {R"("num_attention_heads": 12, "num_key_value_heads": 8)",
                            R"("num_attention_heads": 8, "num_key_value_heads": 16)"}) {
    const absl::Status status = ParseError(
        std::string(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 96, )") + heads +
        R"(, "head_dim": 8, "intermediate_size": 128, "num_hidden_layers": 2, "vocab_size": 256, )"
        R"("max_position_embeddings": 4096})");
    EXPECT_THAT(status.message(),
                AllOf(HasSubstr("fuzz/config.json"), HasSubstr("num_attention_heads"),
                      HasSubstr("is not a multiple of num_key_value_heads"),
                      Not(HasSubstr("num_kv_heads"))))
        << heads;
  }
}

// A named architecture that is not a supported causal LM is not costed as its family's plain
// model because it shares the model_type (an Eagle3 draft head of Qwen3-MoE is a few layers, a
// vision-language wrapper carries a vision tower); with no architecture named, model_type
// still picks the family.
TEST(RegistryHfConfig, AnUnknownArchitectureIsNotReadAsItsModelTypesFamily) {
  const std::string fields = std::string(kSmallDense) + R"("rms_norm_eps": 1e-06})";
  for (const char* architecture :
       {"Qwen3MoeForCausalLMEagle3", "Qwen2VLForConditionalGeneration", "Qwen3ForRewardModel"}) {
    const absl::Status status = ParseError(
        fmt::format(R"({{"architectures": ["{}"], "model_type": "qwen3", )", architecture) +
        fields);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(),
                AllOf(HasSubstr("fuzz/config.json"),
                      HasSubstr(fmt::format("architectures[0] \"{}\"", architecture)),
                      HasSubstr("model_type \"qwen3\" is Qwen3ForCausalLM's"),
                      HasSubstr("set architectures to [\"Qwen3ForCausalLM\"]"),
                      HasSubstr("presets/models")));
  }
  const absl::StatusOr<Model> by_type = ParseHuggingFaceConfig(
      std::string(R"({"model_type": "qwen3", )") + fields, "fuzz/config.json", Names());
  ASSERT_TRUE(by_type.ok()) << by_type.status();
  EXPECT_EQ(by_type->family, "qwen3");
}

TEST(HfConfigHostileTest, NumberOutOfRangeIsAnError) {
  absl::Status status = ParseError(std::string(kLlamaHead) + R"("num_hidden_layers": 1e400})");
  EXPECT_THAT(status.message(), HasSubstr("fuzz/config.json"));
  EXPECT_THAT(status.message(), HasSubstr("out of range"));
}

// Gemma-2 builds one entry per layer: a huge layer count used to allocate without bound.
TEST(HfConfigHostileTest, HugeLayerCountIsRefusedBeforeAllocating) {
  absl::Status status = ParseError(
      R"({"architectures": ["Gemma2ForCausalLM"], "hidden_size": 64, "num_attention_heads": 8,
          "num_key_value_heads": 2, "head_dim": 8, "intermediate_size": 128, "vocab_size": 1000,
          "max_position_embeddings": 4096, "num_hidden_layers": 4000000000000000000})");
  EXPECT_THAT(status.message(), HasSubstr("num_hidden_layers"));
  EXPECT_THAT(status.message(), HasSubstr("65536"));
}

// (INT64_MAX + width - 1) / width used to overflow into a negative shared-expert count.
TEST(HfConfigHostileTest, HugeSharedExpertWidthIsRefused) {
  absl::Status status =
      ParseError(std::string(R"({"architectures": ["Qwen2MoeForCausalLM"], )") + kSmallDense +
                 R"("num_key_value_heads": 2, "num_experts": 4,
          "num_experts_per_tok": 2, "moe_intermediate_size": 32,
          "shared_expert_intermediate_size": 9223372036854775807})");
  EXPECT_THAT(status.message(), HasSubstr("shared_expert_intermediate_size"));
}

TEST(HfConfigHostileTest, HugeMlaHeadDimsAreRefused) {
  absl::Status status =
      ParseError(std::string(R"({"architectures": ["DeepseekV3ForCausalLM"], )") + kSmallDense +
                 R"("kv_lora_rank": 16, "qk_nope_head_dim": 9223372036854775807,
          "qk_rope_head_dim": 9223372036854775807, "v_head_dim": 8})");
  EXPECT_THAT(status.message(), HasSubstr("qk_nope_head_dim"));
}

// Hugging Face's default (K/V heads = attention heads) is kept, and every report repeats it.
TEST(HfConfigHostileTest, AbsentKvHeadsBecomesAReportNote) {
  absl::StatusOr<Model> model = ParseHuggingFaceConfig(
      std::string(R"({"architectures": ["LlamaForCausalLM"], )") + kSmallDense + R"("x": 0})",
      "m/config.json", Names());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->num_kv_heads, 8);
  ASSERT_EQ(model->report_notes.size(), 1u);
  EXPECT_THAT(model->report_notes[0], HasSubstr("num_key_value_heads is absent"));
}

// Which plugin an import names is data (hf-import.toml), not code: a user's mapping wins.
TEST(RegistryHfConfig, VariantNamesComeFromTheImportTable) {
  const HfVariantNames mine{"my-latent", "my-sparse", "my-linear", "my-mha", "my-mqa", "my-gqa"};
  absl::StatusOr<Model> deepseek = LoadHuggingFaceConfig(ConfigPath("deepseek-v3"), mine);
  absl::StatusOr<Model> llama = LoadHuggingFaceConfig(ConfigPath("llama-3.1-8b"), mine);
  ASSERT_TRUE(deepseek.ok()) << deepseek.status();
  ASSERT_TRUE(llama.ok()) << llama.status();
  EXPECT_EQ(deepseek->attention_variant, "my-latent");
  EXPECT_EQ(llama->attention_variant, "my-gqa");  // 8 of 32 heads
  EXPECT_EQ(Names().latent, "mla");               // the shipped table
  EXPECT_EQ(Names().multi_head, "mha");
}

TEST(RegistryHfConfig, DeepseekV32MatchesThePresetFieldByField) {
  const Model imported = Import("deepseek-v3.2");
  absl::StatusOr<Model> preset = LoadModelPreset(PresetPath("deepseek-v3.2"));
  ASSERT_TRUE(preset.ok()) << preset.status();
  EXPECT_EQ(imported.attention_variant, "dsa");
  EXPECT_EQ(OptionInt(imported, "index_topk"), 2048);
  ExpectSameArchitecture(imported, *preset);
}

TEST(RegistryHfConfig, Qwen3NextMatchesThePresetFieldByField) {
  const Model imported = Import("qwen3-next-80b-a3b");
  absl::StatusOr<Model> preset = LoadModelPreset(PresetPath("qwen3-next-80b-a3b"));
  ASSERT_TRUE(preset.ok()) << preset.status();
  // full_attention_interval 4: layers 3, 7, ..., 47 full, the other 36 linear.
  ASSERT_EQ(imported.layer_types.size(), 48u);
  EXPECT_EQ(imported.layer_types[2], "linear_attention");
  EXPECT_EQ(imported.layer_types[3], "full_attention");
  ExpectSameArchitecture(imported, *preset);
}

// Qwen3.5 keeps the language model in text_config with all 60 layer_types, gates its full
// attention by attn_output_gate, has no intermediate_size (no dense FFN) and is served with an
// fp32 recurrent state (no mamba_ssm_dtype key: vLLM's choice, recorded in the notes).
TEST(RegistryHfConfig, Qwen35MatchesThePresetFieldByField) {
  const Model imported = Import("qwen3.5-397b-a17b");
  absl::StatusOr<Model> preset = LoadModelPreset(PresetPath("qwen3.5-397b-a17b"));
  ASSERT_TRUE(preset.ok()) << preset.status();
  ASSERT_EQ(imported.layer_types.size(), 60u);
  EXPECT_EQ(imported.layer_types[58], "linear_attention");
  EXPECT_EQ(imported.layer_types[59], "full_attention");
  EXPECT_EQ(imported.family, "qwen3_5_moe");
  EXPECT_THAT(imported.notes, HasSubstr("float32 recurrent state"));
  ExpectSameArchitecture(imported, *preset);
}

// GLM-5: DeepSeek's keys plus the DSA indexer, so hf-import.toml's sparse_latent plugin.
TEST(RegistryHfConfig, Glm5MatchesThePresetFieldByField) {
  const Model imported = Import("glm-5");
  absl::StatusOr<Model> preset = LoadModelPreset(PresetPath("glm-5"));
  ASSERT_TRUE(preset.ok()) << preset.status();
  EXPECT_EQ(imported.attention_variant, "dsa");
  EXPECT_EQ(imported.head_dim, 256);  // 192 + 64, not the file's head_dim 64
  EXPECT_EQ(OptionInt(imported, "index_n_heads"), 32);
  EXPECT_EQ(OptionInt(imported, "v_head_dim"), 256);
  ExpectSameArchitecture(imported, *preset);
}

// Kimi-K2.5: a DeepSeek-V3 text model nested in text_config.
TEST(RegistryHfConfig, KimiK25MatchesThePresetFieldByField) {
  const Model imported = Import("kimi-k2.5");
  absl::StatusOr<Model> preset = LoadModelPreset(PresetPath("kimi-k2.5"));
  ASSERT_TRUE(preset.ok()) << preset.status();
  EXPECT_EQ(imported.attention_variant, "mla");
  EXPECT_EQ(OptionInt(imported, "q_lora_rank"), 1536);
  ExpectSameArchitecture(imported, *preset);
}

// MiniMax-M2.5: intermediate_size is the expert width, no shared expert, every layer full GQA.
TEST(RegistryHfConfig, MiniMaxM25MatchesThePresetFieldByField) {
  const Model imported = Import("minimax-m2.5");
  absl::StatusOr<Model> preset = LoadModelPreset(PresetPath("minimax-m2.5"));
  ASSERT_TRUE(preset.ok()) << preset.status();
  EXPECT_EQ(imported.attention_variant, "gqa");  // 48 heads, 8 KV heads
  // use_qk_norm true, qk_norm_type "per_layer": one norm over all heads (all-reduced under TP).
  EXPECT_EQ(imported.qk_norm, QkNorm::kPerLayer);
  ExpectSameArchitecture(imported, *preset);
}

TEST(HfConfigHostileTest, MiniMaxLightningAttentionLayersAreRefusedByName) {
  absl::Status status = ParseError(
      R"({"architectures": ["MiniMaxM2ForCausalLM"], "hidden_size": 64, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 32,
          "vocab_size": 100, "max_position_embeddings": 128, "num_local_experts": 4,
          "num_experts_per_tok": 2, "attn_type_list": [1, 0]})");
  EXPECT_THAT(status.message(), HasSubstr("attn_type_list[1]"));
  EXPECT_THAT(status.message(), HasSubstr("lightning"));
}

TEST(HfConfigHostileTest, MultimodalConfigWithoutTextConfigNamesIt) {
  absl::Status status = ParseError(
      R"({"architectures": ["Qwen3_5MoeForConditionalGeneration"], "vision_config": {}})");
  EXPECT_THAT(status.message(), HasSubstr("text_config"));
}

TEST(HfConfigHostileTest, WrongTypedKeysReadLateAreStillReported) {
  absl::Status status = ParseError(
      R"({"architectures": ["Qwen3NextForCausalLM"], "hidden_size": 64, "num_hidden_layers": 4,
          "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 32,
          "vocab_size": 100, "max_position_embeddings": 128, "num_experts": 4,
          "num_experts_per_tok": 2, "moe_intermediate_size": 16, "full_attention_interval": 2,
          "linear_num_key_heads": 2, "linear_num_value_heads": 2, "linear_key_head_dim": 8,
          "linear_value_head_dim": 8, "attn_output_gate": "yes"})");
  EXPECT_THAT(status.message(), HasSubstr("linear_conv_kernel_dim"));  // missing
  EXPECT_THAT(status.message(), HasSubstr("attn_output_gate"));        // not a boolean
}

TEST(HfConfigHostileTest, UnknownStateDtypeIsRefused) {
  absl::Status status = ParseError(
      R"({"architectures": ["Qwen3NextForCausalLM"], "hidden_size": 64, "num_hidden_layers": 4,
          "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 32,
          "vocab_size": 100, "max_position_embeddings": 128, "num_experts": 4,
          "num_experts_per_tok": 2, "moe_intermediate_size": 16, "full_attention_interval": 2,
          "linear_num_key_heads": 2, "linear_num_value_heads": 2, "linear_key_head_dim": 8,
          "linear_value_head_dim": 8, "linear_conv_kernel_dim": 4, "mamba_ssm_dtype": "int3"})");
  EXPECT_THAT(status.message(), HasSubstr("mamba_ssm_dtype"));
  EXPECT_THAT(status.message(), HasSubstr("int3"));
}

// A checkpoint whose quantization_config keeps attention unquantized (modules_to_not_convert,
// ignore or exclude_modules naming an attention module) quantizes only the experts of a MoE model:
// the import records it as a preset's [expert_only_quantization] (the quantized dtype ->
// torch_dtype, bf16 when absent) and every report says so. gpt-oss-120b's config.json: quant_method
// mxfp4, modules_to_not_convert ["model.layers.*.self_attn", ...], no torch_dtype.
TEST(RegistryHfConfig, ACheckpointKeepingAttentionUnquantizedQuantizesOnlyTheExperts) {
  const Model gpt_oss = Import("gpt-oss-120b");
  EXPECT_EQ(gpt_oss.expert_only_quantization,
            (std::map<std::string, std::string>{{"fp4", "bf16"}}));
  ASSERT_FALSE(gpt_oss.report_notes.empty());
  EXPECT_THAT(gpt_oss.report_notes.back(), HasSubstr("quantizes the experts, not attention"));
  // Kimi-K2.5's compressed-tensors int4 (group 32, attention in `ignore`), torch_dtype float16
  // here: int4 experts, fp16 for the rest, and int4's group scales.
  const std::string kimi_quant =
      R"({"torch_dtype": "float16", "quantization_config": {"quant_method": "compressed-tensors",
          "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 4,
          "type": "int", "strategy": "group", "group_size": 32}}},
          "ignore": ["lm_head", "re:.*self_attn.*", "re:.*shared_experts.*"]}, )";
  absl::StatusOr<Model> kimi = ParseHuggingFaceConfig(
      kimi_quant + R"("architectures": ["Qwen3MoeForCausalLM"], )" + kSmallDense +
          R"("num_key_value_heads": 2, "num_experts": 8, "num_experts_per_tok": 2,
             "moe_intermediate_size": 32})",
      "kimi/config.json", Names());
  ASSERT_TRUE(kimi.ok()) << kimi.status();
  ASSERT_TRUE(kimi->moe.has_value());
  EXPECT_EQ(kimi->expert_only_quantization, (std::map<std::string, std::string>{{"int4", "fp16"}}));
  EXPECT_EQ(kimi->int4_group_size, 32);
  // An fp8 checkpoint that converts attention too (DeepSeek-V3's) and a dense model: no rule.
  EXPECT_TRUE(Import("deepseek-v3").expert_only_quantization.empty());
  absl::StatusOr<Model> dense = ParseHuggingFaceConfig(
      std::string(R"({"architectures": ["LlamaForCausalLM"], "quantization_config":
          {"quant_method": "mxfp4", "modules_to_not_convert": ["model.layers.*.self_attn"]}, )") +
          kSmallDense + R"("num_key_value_heads": 2})",
      "dense/config.json", Names());
  ASSERT_TRUE(dense.ok()) << dense.status();
  EXPECT_TRUE(dense->expert_only_quantization.empty());
}

}  // namespace
}  // namespace infercost::registry
