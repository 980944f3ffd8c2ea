// Registries: the shipped presets load and say what the spec says; malformed presets fail with
// file, line, key and the allowed values.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <variant>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/dtype.h"
#include "registry/presets.h"

namespace infercost::registry {
namespace {

using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("infercost_registry_test_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter_++));
    std::filesystem::create_directories(path_ / "models");
    std::filesystem::create_directories(path_ / "hardware");
    std::filesystem::create_directories(path_ / "engines");
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& relative, const std::string& text) const {
    const auto file = path_ / relative;
    std::ofstream(file) << text;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

constexpr const char* kGoodModel = R"(name = "tiny"
display_name = "Tiny"
family = "llama"
attention_variant = "gqa"
hidden_size = 64
num_layers = 2
num_attention_heads = 8
num_kv_heads = 2
head_dim = 8
intermediate_size = 128
vocab_size = 1000
tie_word_embeddings = true
norm = "rmsnorm"
ffn_activation = "swiglu"
max_context_tokens = 4096
)";

// A complete hardware preset (numbers of no real device) for the hardware tests.
constexpr const char* kGoodHardware = R"(name = "x1"
display_name = "X1"
vendor = "ACME"
plugin = "roofline"
memory_capacity_bytes = 64e9
memory_bandwidth_bytes_per_s = 2e12
vector_flops_per_s = 50e12
onchip_memory_bytes = 20e6
l2_cache_bytes = 40e6
scale_up_bandwidth_bytes_per_s = 400e9
scale_up_latency_s = 2e-6
scale_out_bandwidth_bytes_per_s = 50e9
scale_out_latency_s = 5e-6
gpus_per_node = 8
power_watts = 600
price_usd_per_gpu_hour = 2.5
[matrix_flops_per_s]
bf16 = 500e12
)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(RegistryTest, ShippedPresetsLoad) {
  auto presets = LoadPresets({INFERCOST_TEST_PRESET_DIR});
  ASSERT_TRUE(presets.ok()) << presets.status();
  EXPECT_GE(presets->models.items().size(), 12u);
  EXPECT_GE(presets->hardware.items().size(), 10u);
  for (const char* name :
       {"llama-2-7b", "llama-3-8b", "llama-3-70b", "llama-3.1-405b", "falcon-7b", "mistral-7b",
        "mixtral-8x7b", "qwen2.5-72b", "qwen3-32b", "deepseek-v3"}) {
    EXPECT_NE(presets->models.FindOrNull(name), nullptr) << name;
  }
  for (const char* name :
       {"h100-sxm", "h200", "b200", "a100-80gb", "a100-40gb", "l40s", "mi300x"}) {
    EXPECT_NE(presets->hardware.FindOrNull(name), nullptr) << name;
  }
  EXPECT_NE(presets->engines.FindOrNull("ideal"), nullptr);
}

TEST(RegistryTest, ShippedPresetsMatchTheSpec) {
  auto presets = LoadPresets({INFERCOST_TEST_PRESET_DIR});
  ASSERT_TRUE(presets.ok()) << presets.status();
  // calculator-spec §3: Llama-3-70B d = 8192, L = 80, H_q = 64, H_kv = 8, head dim 128,
  // d_ff = 28672, V = 128256, untied.
  const Model& llama = *presets->models.FindOrNull("llama-3-70b");
  EXPECT_EQ(llama.hidden_size, 8192);
  EXPECT_EQ(llama.num_layers, 80);
  EXPECT_EQ(llama.num_attention_heads, 64);
  EXPECT_EQ(llama.num_kv_heads, 8);
  EXPECT_EQ(llama.head_dim, 128);
  EXPECT_EQ(llama.intermediate_size, 28672);
  EXPECT_EQ(llama.vocab_size, 128256);
  EXPECT_FALSE(llama.tie_word_embeddings);
  EXPECT_EQ(llama.attention_variant, "gqa");
  // 80 GB, 3.35 TB/s (spec §3).
  const Hardware& h100 = *presets->hardware.FindOrNull("h100-sxm");
  EXPECT_EQ(h100.memory_capacity_bytes, 80e9);
  EXPECT_EQ(h100.memory_bandwidth_bytes_per_s, 3.35e12);
  EXPECT_EQ(presets->models.FindOrNull("falcon-7b")->attention_variant, "mqa");
  EXPECT_EQ(presets->models.FindOrNull("llama-2-7b")->attention_variant, "mha");
  const Model& deepseek = *presets->models.FindOrNull("deepseek-v3");
  EXPECT_EQ(deepseek.attention_variant, "mla");
  ASSERT_TRUE(deepseek.moe);
  // The [variant] table reaches the mla plugin as options, values as written.
  ASSERT_EQ(deepseek.variant_options.size(), 5u);
  const auto option = [&](const std::string& name) -> const VariantOption* {
    for (const VariantOption& o : deepseek.variant_options) {
      if (o.name == name) return &o;
    }
    return nullptr;
  };
  ASSERT_NE(option("kv_lora_rank"), nullptr);
  ASSERT_NE(option("qk_rope_head_dim"), nullptr);
  EXPECT_EQ(std::get<int64_t>(option("kv_lora_rank")->value), 512);
  EXPECT_EQ(std::get<int64_t>(option("qk_rope_head_dim")->value), 64);
  EXPECT_THAT(option("kv_lora_rank")->source, ::testing::HasSubstr("deepseek-v3.toml [variant]"));
  EXPECT_EQ(deepseek.moe->first_dense_layers, 3);
}

TEST(RegistryTest, EveryModelNamesItsAttentionVariantPlugin) {
  auto presets = LoadPresets({INFERCOST_TEST_PRESET_DIR});
  ASSERT_TRUE(presets.ok()) << presets.status();
  for (const Model& model : presets->models.items()) {
    EXPECT_TRUE(IsPluginName(model.attention_variant)) << model.name;
  }
}

TEST(RegistryTest, GoodModelLoads) {
  TempDir dir;
  auto model = LoadModelPreset(dir.Write("models/tiny.toml", kGoodModel));
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->num_kv_heads, 2);
  EXPECT_TRUE(model->tie_word_embeddings);
}

// A preset answers to its aliases in any case; an alias may not name another preset, and a
// later directory's preset loses an alias an earlier directory's already answers to.
TEST(RegistryTest, APresetAnswersToItsAliases) {
  TempDir shipped;
  shipped.Write("models/tiny.toml",
                Replace(kGoodModel, "display_name = \"Tiny\"\n",
                        "display_name = \"Tiny\"\naliases = [\"Org/Tiny-Chat\", \"tiny-2\"]\n"));
  shipped.Write("hardware/x1.toml", Replace(kGoodHardware, "display_name = \"X1\"\n",
                                            "display_name = \"X1\"\naliases = [\"x1_sxm\"]\n"));
  absl::StatusOr<Presets> presets = LoadPresets({shipped.path()});
  ASSERT_TRUE(presets.ok()) << presets.status();
  for (const char* name : {"tiny", "TINY", "org/tiny-chat", "Org/Tiny-Chat", "tiny-2"}) {
    const Model* model = presets->models.FindOrNull(name);
    ASSERT_NE(model, nullptr) << name;
    EXPECT_EQ(model->name, "tiny") << name;
  }
  EXPECT_EQ(presets->models.FindOrNull("tiny-3"), nullptr);
  ASSERT_NE(presets->hardware.FindOrNull("X1_SXM"), nullptr);
  EXPECT_EQ(presets->hardware.FindOrNull("X1_SXM")->name, "x1");

  // Another preset of the same directory claiming an alias: refused, naming both.
  TempDir clash;
  clash.Write("models/tiny.toml", Replace(kGoodModel, "display_name = \"Tiny\"\n",
                                          "display_name = \"Tiny\"\naliases = [\"tiny-2\"]\n"));
  clash.Write(
      "models/other.toml",
      Replace(Replace(kGoodModel, "name = \"tiny\"", "name = \"other\""),
              "display_name = \"Tiny\"\n", "display_name = \"Other\"\naliases = [\"Tiny-2\"]\n"));
  absl::StatusOr<Presets> clashing = LoadPresets({clash.path()});
  ASSERT_FALSE(clashing.ok());
  EXPECT_THAT(std::string(clashing.status().message()),
              HasSubstr("'tiny-2' (an alias of model 'tiny') already names model 'other'"));
  // An alias that is another preset's name: refused too.
  TempDir named;
  named.Write("models/tiny.toml", kGoodModel);
  named.Write(
      "models/other.toml",
      Replace(Replace(kGoodModel, "name = \"tiny\"", "name = \"other\""),
              "display_name = \"Tiny\"\n", "display_name = \"Other\"\naliases = [\"tiny\"]\n"));
  absl::StatusOr<Presets> naming = LoadPresets({named.path()});
  ASSERT_FALSE(naming.ok());
  EXPECT_THAT(std::string(naming.status().message()),
              HasSubstr("'tiny' (the name of model 'tiny') already names model 'other'"));

  // A user's directory first: its preset keeps its own aliases but not one the shipped presets
  // hold (tiny-2 stays the shipped tiny's), and its name wins over a shipped alias.
  TempDir user;
  user.Write("models/mine.toml", Replace(Replace(kGoodModel, "name = \"tiny\"", "name = \"mine\""),
                                         "display_name = \"Tiny\"\n",
                                         "display_name = \"Mine\"\naliases = [\"mine-1\"]\n"));
  user.Write("models/tiny-2.toml", Replace(kGoodModel, "name = \"tiny\"", "name = \"tiny-2\""));
  absl::StatusOr<Presets> layered = LoadPresets({user.path(), shipped.path()});
  ASSERT_TRUE(layered.ok()) << layered.status();
  EXPECT_EQ(layered->models.FindOrNull("mine-1")->name, "mine");
  EXPECT_EQ(layered->models.FindOrNull("tiny-2")->name, "tiny-2");
  EXPECT_EQ(layered->models.FindOrNull("org/tiny-chat")->name, "tiny");

  // Not an array of strings: the key and what it needs.
  TempDir bad;
  const std::string file =
      bad.Write("models/tiny.toml", Replace(kGoodModel, "display_name = \"Tiny\"\n",
                                            "display_name = \"Tiny\"\naliases = \"tiny-2\"\n"));
  absl::StatusOr<Model> refused = LoadModelPreset(file);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("key 'aliases': expected an array of non-empty strings"));
}

// An engine preset that starts from another (`base`): every key and table of the base, key by
// key, under its own; its own name, display name and aliases alone; a user's directory may start
// from a shipped preset; an unknown or circular base, or a base read alone, is an error naming it.
TEST(RegistryTest, AnEnginePresetStartsFromItsBase) {
  TempDir shipped;
  shipped.Write("hardware/x1.toml", kGoodHardware);
  shipped.Write("hardware/x2.toml",
                Replace(Replace(kGoodHardware, "name = \"x1\"", "name = \"x2\""),
                        "display_name = \"X1\"", "display_name = \"X2\""));
  shipped.Write("engines/now.toml",
                "name = \"now\"\ndisplay_name = \"Now\"\naliases = [\"now-1\"]\n"
                "matmul_efficiency = 0.6\nper_step_overhead_s = 2e-3\nhost_overlap = 0.7\n"
                "[hardware.x1]\nmatmul_efficiency = 0.5\nper_layer_overhead_s = 4e-6\n");
  shipped.Write("engines/then.toml",
                "name = \"then\"\ndisplay_name = \"Then\"\nbase = \"now\"\nhost_overlap = 0\n"
                "[hardware.x1]\nmatmul_efficiency = 0.1\n[hardware.x2]\nmatmul_efficiency = 0.2\n");
  absl::StatusOr<Presets> presets = LoadPresets({shipped.path()});
  ASSERT_TRUE(presets.ok()) << presets.status();
  const Engine* then = presets->engines.FindOrNull("then");
  ASSERT_NE(then, nullptr);
  EXPECT_EQ(then->display_name, "Then");
  EXPECT_TRUE(then->aliases.empty());  // now-1 stays now's
  EXPECT_EQ(presets->engines.FindOrNull("now-1")->name, "now");
  EXPECT_EQ(then->matmul_efficiency, 0.6);       // the base's
  EXPECT_EQ(then->per_step_overhead_s, 2e-3);    // the base's
  EXPECT_EQ(then->host_overlap, 0);              // its own
  const Engine on_x1 = then->ForHardware("x1");  // [hardware.x1]: its matmul, the base's layer
  EXPECT_EQ(on_x1.matmul_efficiency, 0.1);
  EXPECT_EQ(on_x1.per_layer_overhead_s, 4e-6);
  EXPECT_EQ(then->ForHardware("x2").matmul_efficiency, 0.2);
  const Engine* now = presets->engines.FindOrNull("now");
  EXPECT_EQ(now->host_overlap, 0.7);  // the base itself is as it was written
  EXPECT_EQ(now->ForHardware("x1").matmul_efficiency, 0.5);
  EXPECT_EQ(now->ForHardware("x2").matmul_efficiency, 0.6);

  // A user's directory starting from a shipped preset.
  TempDir user;
  user.Write(
      "engines/mine.toml",
      "name = \"mine\"\ndisplay_name = \"Mine\"\nbase = \"then\"\nper_step_overhead_s = 1e-3\n");
  absl::StatusOr<Presets> layered = LoadPresets({user.path(), shipped.path()});
  ASSERT_TRUE(layered.ok()) << layered.status();
  const Engine* mine = layered->engines.FindOrNull("mine");
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->per_step_overhead_s, 1e-3);
  EXPECT_EQ(mine->host_overlap, 0);  // then's, over now's
  EXPECT_EQ(mine->ForHardware("x1").matmul_efficiency, 0.1);

  TempDir unknown;
  unknown.Write("engines/a.toml", "name = \"a\"\ndisplay_name = \"A\"\nbase = \"nowhere\"\n");
  absl::StatusOr<Presets> no_base = LoadPresets({unknown.path()});
  ASSERT_FALSE(no_base.ok());
  EXPECT_THAT(std::string(no_base.status().message()),
              HasSubstr("a.toml: base = 'nowhere': no engine preset of that name"));
  TempDir circle;
  circle.Write("engines/a.toml", "name = \"a\"\ndisplay_name = \"A\"\nbase = \"b\"\n");
  circle.Write("engines/b.toml", "name = \"b\"\ndisplay_name = \"B\"\nbase = \"a\"\n");
  absl::StatusOr<Presets> circular = LoadPresets({circle.path()});
  ASSERT_FALSE(circular.ok());
  EXPECT_THAT(std::string(circular.status().message()), HasSubstr("is the chain circular?"));
  absl::StatusOr<Engine> alone = LoadEnginePreset(shipped.path() + "/engines/then.toml");
  ASSERT_FALSE(alone.ok());
  EXPECT_THAT(std::string(alone.status().message()),
              HasSubstr("then.toml: base = 'now': a preset that starts from another is read with "
                        "the presets of its directory"));
  absl::StatusOr<Engine> not_a_name =
      ParseEnginePreset("name = \"c\"\ndisplay_name = \"C\"\nbase = 3\n", "c.toml");
  ASSERT_FALSE(not_a_name.ok());
  EXPECT_THAT(std::string(not_a_name.status().message()), HasSubstr("c.toml:3: key 'base'"));
}

// The serving path a request takes is the deployment's (Engine::ServingPathSeconds): the main
// process's where the API server has no post-process workers and the preset has that path, the
// engine's request_overhead_s otherwise (workers, or a preset without the key); a preset with
// either key has a measured serving path.
TEST(RegistryTest, TheServingPathIsTheDeployments) {
  absl::StatusOr<Engine> both = ParseEnginePreset(
      "name = \"t\"\ndisplay_name = \"T\"\nrequest_overhead_s = 0.05\n"
      "main_process_request_overhead_s = 0.15\n",
      "t.toml");
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->postprocess_workers, 0);  // the default: the main process post-processes
  EXPECT_EQ(both->ServingPathSeconds(), 0.15);
  EXPECT_TRUE(both->serving_path_measured);
  Engine with_workers = *both;
  with_workers.postprocess_workers = 2;
  EXPECT_EQ(with_workers.ServingPathSeconds(), 0.05);
  absl::StatusOr<Engine> one = ParseEnginePreset(
      "name = \"v\"\ndisplay_name = \"V\"\nrequest_overhead_s = 0.05\n", "v.toml");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->ServingPathSeconds(), 0.05);  // no main-process path of its own
  absl::StatusOr<Engine> main_only = ParseEnginePreset(
      "name = \"m\"\ndisplay_name = \"M\"\nmain_process_request_overhead_s = 0.14\n", "m.toml");
  ASSERT_TRUE(main_only.ok()) << main_only.status();
  EXPECT_TRUE(main_only->serving_path_measured);
  EXPECT_EQ(main_only->ServingPathSeconds(), 0.14);
  absl::StatusOr<Engine> negative =
      ParseEnginePreset("name = \"n\"\ndisplay_name = \"N\"\npostprocess_workers = -1\n", "n.toml");
  ASSERT_FALSE(negative.ok());
  EXPECT_THAT(std::string(negative.status().message()), HasSubstr("postprocess_workers"));
}

TEST(RegistryTest, MalformedTomlNamesFileAndLine) {
  TempDir dir;
  const std::string file = dir.Write("models/broken.toml", "name = \"x\"\nhidden_size = = 3\n");
  auto model = LoadModelPreset(file);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(std::string(model.status().message()), HasSubstr(file + ":2:"));
  EXPECT_THAT(std::string(model.status().message()), HasSubstr("malformed TOML"));
}

TEST(RegistryTest, NegativeSizeNamesKeyAndLine) {
  TempDir dir;
  const std::string file =
      dir.Write("models/tiny.toml", Replace(kGoodModel, "num_layers = 2", "num_layers = -2"));
  auto model = LoadModelPreset(file);
  ASSERT_FALSE(model.ok());
  // num_layers is on line 6 of kGoodModel.
  EXPECT_THAT(std::string(model.status().message()), HasSubstr(file + ":6: key 'num_layers'"));
  EXPECT_THAT(std::string(model.status().message()), HasSubstr("an integer in 1..65536"));
}

// A model says which block scales its fp4 checkpoint carries (fp4_format): NVFP4 unless it says
// MXFP4; any other name is refused with the key, the value and the names allowed.
TEST(RegistryTest, Fp4FormatIsNvfp4UnlessTheModelSaysMxfp4) {
  TempDir dir;
  auto plain = LoadModelPreset(dir.Write("models/tiny.toml", kGoodModel));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->fp4_format, Fp4Format::kNvfp4);
  auto mx = LoadModelPreset(
      dir.Write("models/mx.toml",
                Replace(kGoodModel, "num_layers = 2", "num_layers = 2\nfp4_format = \"mxfp4\"")));
  ASSERT_TRUE(mx.ok()) << mx.status();
  EXPECT_EQ(mx->fp4_format, Fp4Format::kMxfp4);
  const std::string file =
      dir.Write("models/bad.toml",
                Replace(kGoodModel, "num_layers = 2", "num_layers = 2\nfp4_format = \"fp4x\""));
  auto bad = LoadModelPreset(file);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr(file));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("fp4_format"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("fp4x"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("mxfp4"));
}

// Any plugin name is a valid attention_variant (the variant plugin judges the model when a
// scenario is built); only a string that cannot be a plugin name is refused here.
TEST(RegistryTest, AttentionVariantIsAnyPluginName) {
  TempDir dir;
  auto sparse = LoadModelPreset(dir.Write(
      "models/tiny.toml",
      Replace(kGoodModel, "attention_variant = \"gqa\"", "attention_variant = \"sparse\"")));
  ASSERT_TRUE(sparse.ok()) << sparse.status();
  EXPECT_EQ(sparse->attention_variant, "sparse");
  auto bad = LoadModelPreset(dir.Write(
      "models/bad.toml",
      Replace(kGoodModel, "attention_variant = \"gqa\"", "attention_variant = \"Sparse Attn\"")));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("is not a plugin name"));
}

// The [variant] table passes every value through with its type and where it came from.
TEST(RegistryTest, VariantTableBecomesTypedOptions) {
  TempDir dir;
  auto model = LoadModelPreset(
      dir.Write("models/tiny.toml",
                std::string(kGoodModel) +
                    "[variant]\nwindow = 512\nscale = 0.5\nfused = true\nform = \"x\"\n"));
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->variant_options.size(), 4u);
  for (const VariantOption& option : model->variant_options) {
    EXPECT_THAT(option.source, HasSubstr("tiny.toml [variant]"));
    if (option.name == "window") {
      EXPECT_EQ(std::get<int64_t>(option.value), 512);
    } else if (option.name == "scale") {
      EXPECT_EQ(std::get<double>(option.value), 0.5);
    } else if (option.name == "fused") {
      EXPECT_EQ(std::get<bool>(option.value), true);
    } else {
      EXPECT_EQ(std::get<std::string>(option.value), "x");
    }
  }
  auto nested = LoadModelPreset(
      dir.Write("models/nested.toml", std::string(kGoodModel) + "[variant]\nlist = [1, 2]\n"));
  ASSERT_FALSE(nested.ok());
  EXPECT_THAT(std::string(nested.status().message()), HasSubstr("[variant] list must be"));
}

TEST(RegistryTest, VariantOptionFlagParsesTypes) {
  auto i = ParseVariantOption("window=4096", "--variant-option");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(std::get<int64_t>(i->value), 4096);
  auto d = ParseVariantOption("ratio=0.25", "--variant-option");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<double>(d->value), 0.25);
  auto b = ParseVariantOption("fused=false", "--variant-option");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(std::get<bool>(b->value), false);
  auto str = ParseVariantOption("mla_form=absorbed", "--variant-option");
  ASSERT_TRUE(str.ok());
  EXPECT_EQ(std::get<std::string>(str->value), "absorbed");
  for (const char* bad : {"window", "=3", "Window=3", "window="}) {
    auto parsed = ParseVariantOption(bad, "--variant-option");
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("is not key=value")) << bad;
  }
}

TEST(RegistryTest, MissingKeyIsNamed) {
  TempDir dir;
  auto model = LoadModelPreset(
      dir.Write("models/tiny.toml", Replace(kGoodModel, "vocab_size = 1000\n", "")));
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(std::string(model.status().message()),
              HasSubstr("missing required key 'vocab_size'"));
}

TEST(RegistryTest, TypoKeyIsRejectedWithKnownKeys) {
  TempDir dir;
  auto model =
      LoadModelPreset(dir.Write("models/tiny.toml", std::string(kGoodModel) + "num_layer = 3\n"));
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(std::string(model.status().message()), HasSubstr("key 'num_layer': unknown key"));
  EXPECT_THAT(std::string(model.status().message()), HasSubstr("num_layers"));
}

TEST(RegistryTest, MoeTopKCannotExceedExperts) {
  TempDir dir;
  auto model = LoadModelPreset(dir.Write(
      "models/tiny.toml", std::string(kGoodModel) + "[moe]\nnum_experts = 4\nexperts_per_token = "
                                                    "8\nexpert_intermediate_size = 32\n"));
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(std::string(model.status().message()),
              HasSubstr("moe.experts_per_token = 8 exceeds moe.num_experts = 4"));
}

TEST(RegistryTest, HardwareNeedsMatrixPeaksAndPositiveBandwidth) {
  TempDir dir;
  const std::string good = kGoodHardware;
  auto ok = LoadHardwarePreset(dir.Write("hardware/x1.toml", good));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->matrix_flops_per_s[IC_DTYPE_BF16], 500e12);
  EXPECT_EQ(ok->matrix_flops_per_s[IC_DTYPE_FP8], 0);

  auto zero_bw = LoadHardwarePreset(dir.Write(
      "hardware/x2.toml",
      Replace(good, "memory_bandwidth_bytes_per_s = 2e12", "memory_bandwidth_bytes_per_s = 0")));
  ASSERT_FALSE(zero_bw.ok());
  EXPECT_THAT(std::string(zero_bw.status().message()),
              HasSubstr("key 'memory_bandwidth_bytes_per_s'"));

  auto bad_dtype = LoadHardwarePreset(
      dir.Write("hardware/x3.toml", Replace(good, "bf16 = 500e12", "bf17 = 500e12")));
  ASSERT_FALSE(bad_dtype.ok());
  EXPECT_THAT(std::string(bad_dtype.status().message()), HasSubstr("matrix_flops_per_s.bf17"));
}

// The B200's memory is the bytes nvidia-smi shows (183,359 MiB = 183,359 x 1,048,576 =
// 192,268,550,144 B, the preset's 192.3e9 to four digits), not the HGX datasheet's "180 GB", which
// is the same capacity in GiB (179.06 GiB).
TEST(RegistryTest, B200MemoryIsTheVisibleBytes) {
  auto presets = LoadPresets({INFERCOST_TEST_PRESET_DIR});
  ASSERT_TRUE(presets.ok()) << presets.status();
  const Hardware* b200 = presets->hardware.FindOrNull("b200");
  ASSERT_NE(b200, nullptr);
  EXPECT_NEAR(b200->memory_capacity_bytes, 183359.0 * 1048576.0, 0.05e9);
  EXPECT_GT(b200->memory_capacity_bytes, 180e9);
}

// Issue 12, point 3: the devices beyond H100/B200, each loading with its datasheet numbers.
// aiconfigurator's h800_sxm.yaml: "Compute (TFLOPS), HBM capacity, and HBM bandwidth are
// identical to H100 SXM"; NVLink 400 GB/s bidirectional, 200 GB/s a direction (H100: 900, 450).
TEST(RegistryTest, H800IsAnH100SxmWithLessThanHalfItsNvlink) {
  auto presets = LoadPresets({INFERCOST_TEST_PRESET_DIR});
  ASSERT_TRUE(presets.ok()) << presets.status();
  const Hardware* h800 = presets->hardware.FindOrNull("h800_sxm");
  const Hardware* h100 = presets->hardware.FindOrNull("h100-sxm");
  ASSERT_NE(h800, nullptr);
  ASSERT_NE(h100, nullptr);
  EXPECT_EQ(h800->name, "h800");
  EXPECT_EQ(h800->matrix_flops_per_s, h100->matrix_flops_per_s);
  EXPECT_EQ(h800->memory_capacity_bytes, h100->memory_capacity_bytes);
  EXPECT_EQ(h800->memory_bandwidth_bytes_per_s, h100->memory_bandwidth_bytes_per_s);
  EXPECT_EQ(h800->scale_up_bandwidth_bytes_per_s, 200e9);
  EXPECT_EQ(h100->scale_up_bandwidth_bytes_per_s, 450e9);
}

TEST(RegistryTest, DevicesBeyondHopperAndBlackwellLoad) {
  auto presets = LoadPresets({INFERCOST_TEST_PRESET_DIR});
  ASSERT_TRUE(presets.ok()) << presets.status();
  // name, memory (bytes), bandwidth (B/s), dense BF16 (FLOP/s): the values the presets cite.
  const struct {
    const char* name;
    double memory, bandwidth, bf16;
  } kDevices[] = {
      {"gh200", 144e9, 4.9e12, 990e12},      {"h20", 96e9, 4.0e12, 148e12},
      {"b300", 288e9, 7.7e12, 2.25e15},      {"gb200", 186e9, 8e12, 2.5e15},
      {"gb300", 279e9, 8e12, 2.5e15},        {"gaudi2", 96e9, 2.46e12, 432e12},
      {"mi250", 64e9, 1.6384e12, 181.05e12}, {"mi250x", 64e9, 1.6384e12, 191.5e12},
      {"mi355x", 288e9, 8e12, 2516.6e12},    {"max1550", 64e9, 1.6384e12, 419.5e12},
  };
  for (const auto& d : kDevices) {
    const Hardware* hw = presets->hardware.FindOrNull(d.name);
    ASSERT_NE(hw, nullptr) << d.name;
    EXPECT_EQ(hw->memory_capacity_bytes, d.memory) << d.name;
    EXPECT_EQ(hw->memory_bandwidth_bytes_per_s, d.bandwidth) << d.name;
    EXPECT_EQ(hw->matrix_flops_per_s[IC_DTYPE_BF16], d.bf16) << d.name;
  }
  // [efficiency]: H100 SXM's measured Triad 2.97 of 3.35 TB/s and 794.5 of 989 TFLOP/s BF16.
  const Hardware& h100 = *presets->hardware.FindOrNull("h100-sxm");
  EXPECT_EQ(h100.measured_bandwidth_efficiency, 0.89);
  EXPECT_EQ(h100.measured_matmul_efficiency, 0.80);
  EXPECT_EQ(presets->hardware.FindOrNull("l4")->measured_matmul_efficiency, 0);  // none found
}

TEST(RegistryTest, MeasuredEfficiencyMustBeAFractionWithKnownKeys) {
  TempDir dir;
  const std::string good = std::string(kGoodHardware) + "\n[efficiency]\nmatmul = 0.7\n";
  auto ok = LoadHardwarePreset(dir.Write("hardware/x1.toml", good));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->measured_matmul_efficiency, 0.7);
  EXPECT_EQ(ok->measured_bandwidth_efficiency, 0);
  auto above_one = LoadHardwarePreset(
      dir.Write("hardware/x2.toml", Replace(good, "matmul = 0.7", "matmul = 1.3")));
  ASSERT_FALSE(above_one.ok());
  EXPECT_THAT(std::string(above_one.status().message()), HasSubstr("efficiency.matmul"));
  auto typo = LoadHardwarePreset(
      dir.Write("hardware/x3.toml", Replace(good, "matmul = 0.7", "matmull = 0.7")));
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(std::string(typo.status().message()), HasSubstr("matmull"));
}

TEST(RegistryTest, ErrorBandsNameTheBadRegime) {
  TempDir dir;
  auto good = LoadErrorBands(dir.Write("b1.toml",
                                       "coverage = 0.8\n[regime.\"tpot/a/dense/1-7\"]\n"
                                       "rows = 12\nlow = 0.9\nhigh = 1.2\n"));
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->regimes.at("tpot/a/dense/1-7").rows, 12);
  auto inverted = LoadErrorBands(dir.Write(
      "b2.toml",
      "coverage = 0.8\n[regime.\"tpot/a/dense/1-7\"]\nrows = 12\nlow = 1.3\nhigh = 1.2\n"));
  ASSERT_FALSE(inverted.ok());
  EXPECT_THAT(std::string(inverted.status().message()), HasSubstr("tpot/a/dense/1-7"));
  auto no_coverage = LoadErrorBands(dir.Write("b3.toml", "[regime]\n"));
  ASSERT_FALSE(no_coverage.ok());
  EXPECT_THAT(std::string(no_coverage.status().message()), HasSubstr("coverage"));
}

TEST(RegistryTest, EngineEfficiencyMustBeAFraction) {
  TempDir dir;
  auto engine = LoadEnginePreset(
      dir.Write("engines/e.toml", "name = \"e\"\ndisplay_name = \"E\"\nmatmul_efficiency = 1.5\n"));
  ASSERT_FALSE(engine.ok());
  EXPECT_THAT(std::string(engine.status().message()), HasSubstr("key 'matmul_efficiency'"));
}

// The paged-attention keys (registry/engine.h): a negative threshold, a zero partition and an
// efficiency outside (0, 1] are refused with the file, the key, the value and what is allowed.
TEST(RegistryTest, DecodeAttentionKeysAreChecked) {
  TempDir dir;
  const std::string head = "name = \"e\"\ndisplay_name = \"E\"\n";
  auto negative = LoadEnginePreset(
      dir.Write("engines/a.toml", head + "decode_attention_split_threshold = -512\n"));
  ASSERT_FALSE(negative.ok());
  EXPECT_THAT(std::string(negative.status().message()),
              HasSubstr("key 'decode_attention_split_threshold': expected an integer in 0.."));
  EXPECT_THAT(std::string(negative.status().message()), HasSubstr("-512"));
  EXPECT_THAT(std::string(negative.status().message()), HasSubstr("a.toml"));
  auto zero_partition = LoadEnginePreset(
      dir.Write("engines/b.toml", head + "decode_attention_split_threshold = 512\n"
                                         "decode_attention_partition_tokens = 0\n"));
  ASSERT_FALSE(zero_partition.ok());
  EXPECT_THAT(std::string(zero_partition.status().message()),
              HasSubstr("key 'decode_attention_partition_tokens': expected a positive integer"));
  auto efficiency = LoadEnginePreset(dir.Write(
      "engines/c.toml", head + "[hardware.mi300x]\ndecode_attention_unsplit_efficiency = -0.5\n"));
  ASSERT_FALSE(efficiency.ok());
  EXPECT_THAT(std::string(efficiency.status().message()),
              HasSubstr("decode_attention_unsplit_efficiency"));
  EXPECT_THAT(std::string(efficiency.status().message()), HasSubstr("got -0.5"));
  EXPECT_THAT(std::string(efficiency.status().message()), HasSubstr("[0.001, 1]"));
  auto sharing = LoadEnginePreset(
      dir.Write("engines/d.toml", head + "[hardware.mi300x]\ndecode_attention_kv_sharing = 2\n"));
  ASSERT_FALSE(sharing.ok());
  EXPECT_THAT(std::string(sharing.status().message()), HasSubstr("decode_attention_kv_sharing"));
  // Absent keys: no switch, both kernels and KV reads as calibrated.
  auto plain = LoadEnginePreset(dir.Write("engines/f.toml", head));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->decode_attention_split_threshold, 0);
  EXPECT_EQ(plain->decode_attention_partition_tokens, 512);
  EXPECT_EQ(plain->decode_attention_split_max_context, 8192);
  EXPECT_EQ(plain->decode_attention_unsplit_efficiency, 1);
  EXPECT_EQ(plain->decode_attention_kv_sharing, 1);
}

// A refused number is quoted as written: -3.99, not the 17 digits of its double
// (-3.9900000000000002, which toml++ prints).
TEST(RegistryTest, ARefusedNumberIsQuotedAsWritten) {
  TempDir dir;
  const std::string head = "name = \"e\"\ndisplay_name = \"E\"\n";
  auto negative =
      LoadEnginePreset(dir.Write("engines/a.toml", head + "bandwidth_efficiency = -3.99\n"));
  ASSERT_FALSE(negative.ok());
  const std::string message = std::string(negative.status().message());
  EXPECT_THAT(message, HasSubstr("bandwidth_efficiency"));
  EXPECT_THAT(message, HasSubstr("got -3.99"));
  EXPECT_THAT(message, testing::Not(HasSubstr("-3.990")));
}

// The single-block decode attention keys (registry/engine.h): the switch must be 0 or 1, the
// block rate a number in [0, 1e13] bytes/s (written out in full in messages), the block KV sharing
// a fraction; each error names the file, the key, the value and what is allowed. Absent: off, no
// rate, sharing 1.
TEST(RegistryTest, SingleBlockDecodeAttentionKeysAreChecked) {
  TempDir dir;
  const std::string head = "name = \"e\"\ndisplay_name = \"E\"\n";
  auto half_switch =
      LoadEnginePreset(dir.Write("engines/a.toml", head + "decode_attention_single_block = 0.5\n"));
  ASSERT_FALSE(half_switch.ok());
  const std::string half = std::string(half_switch.status().message());
  EXPECT_THAT(half, HasSubstr("a.toml"));
  EXPECT_THAT(half, HasSubstr("decode_attention_single_block"));
  EXPECT_THAT(half, HasSubstr("expected 0 or 1"));
  EXPECT_THAT(half, HasSubstr("got 0.5"));
  auto above_one =
      LoadEnginePreset(dir.Write("engines/b.toml", head + "decode_attention_single_block = 2\n"));
  ASSERT_FALSE(above_one.ok());
  EXPECT_THAT(std::string(above_one.status().message()), HasSubstr("b.toml"));
  EXPECT_THAT(std::string(above_one.status().message()), HasSubstr("[0, 1]"));
  EXPECT_THAT(std::string(above_one.status().message()), HasSubstr("got 2"));
  auto rate = LoadEnginePreset(
      dir.Write("engines/c.toml",
                head + "[hardware.h100-sxm]\ndecode_attention_block_bytes_per_s = -5e10\n"));
  ASSERT_FALSE(rate.ok());
  const std::string rate_message = std::string(rate.status().message());
  EXPECT_THAT(rate_message, HasSubstr("c.toml"));
  EXPECT_THAT(rate_message, HasSubstr("decode_attention_block_bytes_per_s"));
  EXPECT_THAT(rate_message, HasSubstr("[0, 10000000000000]"));
  EXPECT_THAT(rate_message, HasSubstr("got -50000000000"));
  auto sharing = LoadEnginePreset(dir.Write(
      "engines/d.toml", head + "[hardware.a100-40gb]\ndecode_attention_block_kv_sharing = 1.5\n"));
  ASSERT_FALSE(sharing.ok());
  EXPECT_THAT(std::string(sharing.status().message()),
              HasSubstr("decode_attention_block_kv_sharing"));
  EXPECT_THAT(std::string(sharing.status().message()), HasSubstr("got 1.5"));
  EXPECT_THAT(std::string(sharing.status().message()), HasSubstr("[0, 1]"));
  auto plain = LoadEnginePreset(dir.Write("engines/f.toml", head));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->decode_attention_single_block, 0);
  EXPECT_EQ(plain->decode_attention_block_bytes_per_s, 0);
  EXPECT_EQ(plain->decode_attention_block_kv_sharing, 1);
  // Set as a validation row does (ScenarioRequest::engine_settings): the same checks, and the
  // message names the engine and its file.
  Engine engine = *plain;
  EXPECT_TRUE(engine.SetCalibrationValue("decode_attention_single_block", 1).ok());
  EXPECT_EQ(engine.decode_attention_single_block, 1);
  const absl::Status bad_switch = engine.SetCalibrationValue("decode_attention_single_block", 3);
  EXPECT_THAT(std::string(bad_switch.message()), HasSubstr("engine 'e'"));
  EXPECT_THAT(std::string(bad_switch.message()), HasSubstr("f.toml"));
  EXPECT_THAT(std::string(bad_switch.message()), HasSubstr("expected 0 or 1"));
  EXPECT_THAT(std::string(bad_switch.message()), HasSubstr("got 3"));
  EXPECT_EQ(engine.decode_attention_single_block, 1);  // unchanged by the refused value
  const absl::Status bad_rate =
      engine.SetCalibrationValue("decode_attention_block_bytes_per_s", 2e13);
  EXPECT_THAT(std::string(bad_rate.message()), HasSubstr("[0, 10000000000000]"));
  EXPECT_THAT(std::string(bad_rate.message()), HasSubstr("got 20000000000000"));
  const absl::Status unknown = engine.SetCalibrationValue("multi_block_mode", 0);
  EXPECT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("'multi_block_mode'"));
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("decode_attention_single_block"));
}

// The engine's kernels per routed-expert weight format ([experts.<dtype>], registry/engine.h):
// the table names a weight dtype, its keys are a fixed time per call in [0, 1] s and a bandwidth
// ratio in [0.001, 1]; each error names the file, the table, the value and what is allowed.
// Absent: no entry (the engine's kernel_overhead_s, the full bandwidth). The same keys are
// calibration keys as "experts.<dtype>.<key>", as a fit sets them.
TEST(RegistryTest, ExpertKernelTablesNameAWeightDtypeAndCheckTheirKeys) {
  TempDir dir;
  const std::string head = "name = \"e\"\ndisplay_name = \"E\"\nkernel_overhead_s = 3e-6\n";
  auto good = LoadEnginePreset(dir.Write(
      "engines/a.toml",
      head + "[experts.fp8]\nkernel_overhead_s = 40e-6\n[experts.int4]\nbandwidth_ratio = 0.5\n"));
  ASSERT_TRUE(good.ok()) << good.status();
  ASSERT_EQ(good->expert_kernels.size(), 2u);
  const Engine::ExpertKernels* fp8 = good->ExpertKernelsFor(IC_DTYPE_FP8);
  ASSERT_NE(fp8, nullptr);
  EXPECT_EQ(fp8->overhead_s, 40e-6);
  EXPECT_EQ(fp8->bandwidth_ratio, 1);
  const Engine::ExpertKernels* int4 = good->ExpertKernelsFor(IC_DTYPE_INT4);
  ASSERT_NE(int4, nullptr);
  EXPECT_FALSE(int4->overhead_s.has_value());  // the engine's kernel_overhead_s
  EXPECT_EQ(int4->bandwidth_ratio, 0.5);
  EXPECT_EQ(good->ExpertKernelsFor(IC_DTYPE_BF16), nullptr);
  // As calibration keys: read (an absent entry reads the engine's values), set, checked.
  Engine engine = *good;
  EXPECT_EQ(*engine.CalibrationValue("experts.fp8.kernel_overhead_s"), 40e-6);
  EXPECT_EQ(*engine.CalibrationValue("experts.int4.kernel_overhead_s"), 3e-6);
  EXPECT_EQ(*engine.CalibrationValue("experts.bf16.bandwidth_ratio"), 1);
  ASSERT_TRUE(engine.SetCalibrationValue("experts.bf16.bandwidth_ratio", 0.25).ok());
  ASSERT_NE(engine.ExpertKernelsFor(IC_DTYPE_BF16), nullptr);
  EXPECT_EQ(engine.ExpertKernelsFor(IC_DTYPE_BF16)->bandwidth_ratio, 0.25);
  const absl::Status out_of_range = engine.SetCalibrationValue("experts.fp8.bandwidth_ratio", 2);
  EXPECT_THAT(std::string(out_of_range.message()), HasSubstr("experts.fp8.bandwidth_ratio"));
  EXPECT_THAT(std::string(out_of_range.message()), HasSubstr("[0.001, 1]"));
  EXPECT_THAT(std::string(out_of_range.message()), HasSubstr("got 2"));
  EXPECT_EQ(engine.ExpertKernelsFor(IC_DTYPE_FP8)->bandwidth_ratio, 1);  // unchanged
  const absl::Status unknown_key = engine.SetCalibrationValue("experts.fp8.launches", 2);
  EXPECT_THAT(std::string(unknown_key.message()), HasSubstr("'experts.fp8.launches'"));
  EXPECT_THAT(std::string(unknown_key.message()), HasSubstr("kernel_overhead_s,bandwidth_ratio"));

  // Errors in a preset.
  auto not_a_dtype = LoadEnginePreset(
      dir.Write("engines/b.toml", head + "[experts.fp9]\nkernel_overhead_s = 1e-5\n"));
  ASSERT_FALSE(not_a_dtype.ok());
  const std::string dtype_message = std::string(not_a_dtype.status().message());
  EXPECT_THAT(dtype_message, HasSubstr("b.toml"));
  EXPECT_THAT(dtype_message, HasSubstr("'fp9' is not a weight dtype"));
  EXPECT_THAT(dtype_message, HasSubstr("int4"));  // the allowed names listed
  auto negative = LoadEnginePreset(
      dir.Write("engines/c.toml", head + "[experts.fp8]\nkernel_overhead_s = -1e-5\n"));
  ASSERT_FALSE(negative.ok());
  EXPECT_THAT(std::string(negative.status().message()), HasSubstr("c.toml"));
  EXPECT_THAT(std::string(negative.status().message()), HasSubstr("experts.fp8"));
  EXPECT_THAT(std::string(negative.status().message()), HasSubstr("kernel_overhead_s"));
  auto zero_ratio =
      LoadEnginePreset(dir.Write("engines/d.toml", head + "[experts.int4]\nbandwidth_ratio = 0\n"));
  ASSERT_FALSE(zero_ratio.ok());
  EXPECT_THAT(std::string(zero_ratio.status().message()), HasSubstr("bandwidth_ratio"));
  auto typo = LoadEnginePreset(
      dir.Write("engines/f.toml", head + "[experts.int4]\nbandwith_ratio = 0.5\n"));
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(std::string(typo.status().message()), HasSubstr("bandwith_ratio"));
  auto not_a_table = LoadEnginePreset(dir.Write("engines/g.toml", head + "experts = 3\n"));
  ASSERT_FALSE(not_a_table.ok());
  EXPECT_THAT(std::string(not_a_table.status().message()), HasSubstr("experts"));
  auto entry_not_a_table =
      LoadEnginePreset(dir.Write("engines/h.toml", head + "[experts]\nfp8 = 2\n"));
  ASSERT_FALSE(entry_not_a_table.ok());
  EXPECT_THAT(std::string(entry_not_a_table.status().message()), HasSubstr("experts.fp8"));
  EXPECT_THAT(std::string(entry_not_a_table.status().message()), HasSubstr("expected a table"));
}

TEST(RegistryTest, UnknownNameListsAllowed) {
  auto presets = LoadPresets({INFERCOST_TEST_PRESET_DIR});
  ASSERT_TRUE(presets.ok());
  auto missing = presets->hardware.Find("tpu-v9");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("h100-sxm"));
}

TEST(RegistryTest, DuplicateNamesInOneDirectoryAreAnError) {
  TempDir dir;
  dir.Write("models/a.toml", kGoodModel);
  dir.Write("models/b.toml", kGoodModel);
  auto presets = LoadPresets({dir.path()});
  ASSERT_FALSE(presets.ok());
  EXPECT_THAT(std::string(presets.status().message()), HasSubstr("already defined"));
}

TEST(RegistryTest, EarlierDirectoryOverridesLaterOne) {
  TempDir user;
  user.Write("models/llama-3-70b.toml",
             Replace(Replace(kGoodModel, "name = \"tiny\"", "name = \"llama-3-70b\""),
                     "num_layers = 2", "num_layers = 3"));
  auto presets = LoadPresets({user.path(), INFERCOST_TEST_PRESET_DIR});
  ASSERT_TRUE(presets.ok()) << presets.status();
  EXPECT_EQ(presets->models.FindOrNull("llama-3-70b")->num_layers, 3);
}

TEST(DTypeTest, BytesPerElement) {
  EXPECT_EQ(ParseDType("fp32")->bytes_per_element, 4.0);
  EXPECT_EQ(ParseDType("bf16")->bytes_per_element, 2.0);
  EXPECT_EQ(ParseDType("fp8")->bytes_per_element, 1.0);
  EXPECT_EQ(ParseDType("INT4")->bytes_per_element, 0.5);
  // NVFP4: 16 values of 4 bits and one 8-bit E4M3 scale, (16 x 4 + 8) / 16 / 8 = 0.5625 bytes.
  EXPECT_EQ(ParseDType("fp4")->bytes_per_element, 0.5625);
  EXPECT_EQ(Fp4BytesPerElement(Fp4Format::kNvfp4), 0.5625);
  // MXFP4: 32 values of 4 bits and one 8-bit E8M0 scale, (32 x 4 + 8) / 32 / 8 = 136 / 256.
  EXPECT_EQ(Fp4BytesPerElement(Fp4Format::kMxfp4), 0.53125);
  auto bad = ParseDType("fp7");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("fp32, tf32, bf16"));
}

// Weights may name their 4-bit float layout; plain fp4 is the checkpoint's; the rest are dtypes.
TEST(DTypeTest, WeightsNameTheirFp4LayoutOrTakeTheCheckpoints) {
  const absl::StatusOr<DType> nv = ParseWeightDType("nvfp4", Fp4Format::kMxfp4);
  ASSERT_TRUE(nv.ok()) << nv.status();
  EXPECT_EQ(nv->id, IC_DTYPE_FP4);
  EXPECT_EQ(nv->name, "nvfp4");
  EXPECT_EQ(nv->bytes_per_element, 0.5625);  // (16 x 4 + 8) / 16 / 8
  const absl::StatusOr<DType> mx = ParseWeightDType("MXFP4", Fp4Format::kNvfp4);
  ASSERT_TRUE(mx.ok()) << mx.status();
  EXPECT_EQ(mx->name, "mxfp4");
  EXPECT_EQ(mx->bytes_per_element, 0.53125);  // (32 x 4 + 8) / 32 / 8
  const absl::StatusOr<DType> plain = ParseWeightDType("fp4", Fp4Format::kMxfp4);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->name, "fp4");
  EXPECT_EQ(plain->bytes_per_element, 0.53125);
  EXPECT_EQ(ParseWeightDType("fp4", Fp4Format::kNvfp4)->bytes_per_element, 0.5625);
  EXPECT_EQ(ParseWeightDType("fp8", Fp4Format::kMxfp4)->bytes_per_element, 1.0);
  const absl::StatusOr<DType> bad = ParseWeightDType("mxfp5", Fp4Format::kNvfp4);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("unknown dtype 'mxfp5'"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("fp4, nvfp4, mxfp4"));
}

// int4 weights carry the checkpoint's group scales when the model names its group size: one bf16
// (2-byte) scale per group, 0.5 + 2 / group bytes a weight; without one, 4 bits.
TEST(DTypeTest, Int4WeightsCarryTheCheckpointsGroupScales) {
  EXPECT_EQ(ParseWeightDType("int4", Fp4Format::kNvfp4)->bytes_per_element, 0.5);
  EXPECT_EQ(ParseWeightDType("int4", Fp4Format::kNvfp4, 32)->bytes_per_element, 0.5625);  // + 2/32
  EXPECT_EQ(ParseWeightDType("int4", Fp4Format::kNvfp4, 128)->bytes_per_element,
            0.515625);  // 0.5 + 2/128
  // Other dtypes take no group scales.
  EXPECT_EQ(ParseWeightDType("fp8", Fp4Format::kNvfp4, 32)->bytes_per_element, 1.0);
  EXPECT_EQ(ParseWeightDType("fp4", Fp4Format::kNvfp4, 32)->bytes_per_element, 0.5625);
}

// A MoE model says which of its checkpoints quantize only the routed experts
// ([expert_only_quantization]: the weights' dtype -> the dtype of every other weight) and its int4
// group size; a dense model, a dtype that is none and a value that is no string are refused with
// the file, the table and what is allowed.
TEST(RegistryTest, ExpertOnlyQuantizationNamesDtypesOfAMoeModel) {
  TempDir dir;
  const std::string moe = Replace(kGoodModel, "max_context_tokens = 4096",
                                  "max_context_tokens = 4096\nint4_group_size = 32\n\n"
                                  "[expert_only_quantization]\nint4 = \"bf16\"\nFP4 = \"fp8\"\n\n"
                                  "[moe]\nnum_experts = 4\nexperts_per_token = 2\n"
                                  "expert_intermediate_size = 32");
  auto model = LoadModelPreset(dir.Write("models/moe.toml", moe));
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->int4_group_size, 32);
  EXPECT_EQ(model->expert_only_quantization,
            (std::map<std::string, std::string>{{"fp4", "fp8"}, {"int4", "bf16"}}));
  auto plain = LoadModelPreset(dir.Write("models/tiny.toml", kGoodModel));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_TRUE(plain->expert_only_quantization.empty());
  EXPECT_EQ(plain->int4_group_size, 0);

  const std::string dense_file = dir.Write(
      "models/dense.toml", Replace(kGoodModel, "max_context_tokens = 4096",
                                   "max_context_tokens = 4096\n\n[expert_only_quantization]\n"
                                   "int4 = \"bf16\""));
  auto dense = LoadModelPreset(dense_file);
  ASSERT_FALSE(dense.ok());
  EXPECT_THAT(std::string(dense.status().message()), HasSubstr(dense_file));
  EXPECT_THAT(std::string(dense.status().message()), HasSubstr("needs routed experts"));
  for (const auto& [from, to, named] :
       {std::tuple{"int4 = \"bf16\"", "int5 = \"bf16\"", "int5"},
        std::tuple{"int4 = \"bf16\"", "int4 = \"bf17\"", "bf17"},
        std::tuple{"int4 = \"bf16\"", "int4 = 16", "(not a string)"}}) {
    const std::string file = dir.Write("models/bad.toml", Replace(moe, from, to));
    auto bad = LoadModelPreset(file);
    ASSERT_FALSE(bad.ok()) << to;
    const std::string message(bad.status().message());
    EXPECT_THAT(message, HasSubstr(file));
    EXPECT_THAT(message, HasSubstr("[expert_only_quantization]"));
    EXPECT_THAT(message, HasSubstr(named));
    EXPECT_THAT(message, HasSubstr("fp32, tf32, bf16"));
  }
}

// Issue 9: a layer count far beyond any model (4e18) with layer_types is refused before anything
// is allocated per layer (it used to die with std::bad_alloc).
TEST(RegistryTest, HugeLayerCountIsRefusedBeforeAllocating) {
  TempDir dir;
  const std::string text = Replace(kGoodModel, "num_layers = 2",
                                   "num_layers = 4000000000000000000\nsliding_window = 8") +
                           "layer_types = [\"sliding_attention\", \"full_attention\"]\n";
  auto model = LoadModelPreset(dir.Write("models/tiny.toml", text));
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("num_layers"));
  EXPECT_THAT(model.status().message(), HasSubstr("1..65536"));
}

// Issue 9: MLA's qk_nope + qk_rope used to overflow int64 in ValidateModel.
// Issue 9: a directory named like a preset, and an unreadable file, say what is wrong with the
// path instead of "missing required key" or "malformed TOML".
TEST(RegistryTest, PathProblemsAreNamed) {
  TempDir dir;
  const std::string file = dir.Write("models/tiny.toml", kGoodModel);
  const std::string folder = std::filesystem::path(file).parent_path().string() + "/x.toml";
  std::filesystem::create_directories(folder);
  auto from_dir = LoadModelPreset(folder);
  ASSERT_FALSE(from_dir.ok());
  EXPECT_THAT(from_dir.status().message(), HasSubstr("is a directory"));
  EXPECT_THAT(from_dir.status().message(), HasSubstr(folder));
  auto missing = LoadModelPreset(folder + "/none.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no such file"));
  if (::geteuid() != 0) {  // root reads any file
    std::filesystem::permissions(file, std::filesystem::perms::none);
    auto unreadable = LoadModelPreset(file);
    ASSERT_FALSE(unreadable.ok());
    EXPECT_THAT(unreadable.status().message(), HasSubstr("cannot be read"));
    EXPECT_THAT(unreadable.status().message(), Not(HasSubstr("malformed")));
  }
}

// Issue 9: a hardware number far below any device (1e-300 B/s) is refused with its range.
TEST(RegistryTest, ImplausibleHardwareNumbersAreRefused) {
  TempDir dir;
  const std::string text = Replace(kGoodHardware, "memory_bandwidth_bytes_per_s = 2e12",
                                   "memory_bandwidth_bytes_per_s = 1e-300");
  auto hardware = LoadHardwarePreset(dir.Write("hardware/x.toml", text));
  ASSERT_FALSE(hardware.ok());
  EXPECT_THAT(hardware.status().message(), HasSubstr("memory_bandwidth_bytes_per_s"));
  EXPECT_THAT(hardware.status().message(), HasSubstr("[1000000, 1e+16]"));
}

}  // namespace
}  // namespace infercost::registry
