#include "registry/hf_config.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "registry/toml_reader.h"

namespace infercost::registry {
namespace {

using Json = nlohmann::json;

enum class Family {
  kLlama,
  kMistral,
  kMixtral,
  kQwen2,
  kQwen2Moe,
  kQwen3,
  kQwen3Moe,
  kDeepseekV2,
  kDeepseekV3,
  kGemma2,
  kGemma3,
  kDeepseekV32,
  kQwen3Next,
  kGptOss,
  kQwen35Moe,
  kGlmMoeDsa,
  kKimiK25,
  kMiniMaxM2,
  kGlm4Moe,
};

struct Architecture {
  const char* architecture;  // architectures[0]
  const char* model_type;    // the fallback key
  Family family;
  const char* family_name;  // Model::family
};

constexpr Architecture kArchitectures[] = {
    {"LlamaForCausalLM", "llama", Family::kLlama, "llama"},
    {"MistralForCausalLM", "mistral", Family::kMistral, "mistral"},
    {"MixtralForCausalLM", "mixtral", Family::kMixtral, "mixtral"},
    {"Qwen2ForCausalLM", "qwen2", Family::kQwen2, "qwen2"},
    {"Qwen2MoeForCausalLM", "qwen2_moe", Family::kQwen2Moe, "qwen2-moe"},
    {"Qwen3ForCausalLM", "qwen3", Family::kQwen3, "qwen3"},
    {"Qwen3MoeForCausalLM", "qwen3_moe", Family::kQwen3Moe, "qwen3-moe"},
    {"DeepseekV2ForCausalLM", "deepseek_v2", Family::kDeepseekV2, "deepseek"},
    {"DeepseekV3ForCausalLM", "deepseek_v3", Family::kDeepseekV3, "deepseek"},
    {"DeepseekV32ForCausalLM", "deepseek_v32", Family::kDeepseekV32, "deepseek"},
    {"Qwen3NextForCausalLM", "qwen3_next", Family::kQwen3Next, "qwen3_next"},
    {"Gemma2ForCausalLM", "gemma2", Family::kGemma2, "gemma2"},
    {"Gemma3ForCausalLM", "gemma3_text", Family::kGemma3, "gemma3"},
    {"Gemma3ForConditionalGeneration", "gemma3", Family::kGemma3, "gemma3"},
    {"GptOssForCausalLM", "gpt_oss", Family::kGptOss, "gpt-oss"},
    {"Qwen3_5MoeForConditionalGeneration", "qwen3_5_moe", Family::kQwen35Moe, "qwen3_5_moe"},
    {"Qwen3_5MoeForCausalLM", "qwen3_5_moe_text", Family::kQwen35Moe, "qwen3_5_moe"},
    {"GlmMoeDsaForCausalLM", "glm_moe_dsa", Family::kGlmMoeDsa, "glm_moe_dsa"},
    {"KimiK25ForConditionalGeneration", "kimi_k25", Family::kKimiK25, "deepseek"},
    {"MiniMaxM2ForCausalLM", "minimax_m2", Family::kMiniMaxM2, "minimax_m2"},
    {"Glm4MoeForCausalLM", "glm4_moe", Family::kGlm4Moe, "glm4_moe"},
};

// transformers' config-class defaults for keys the official configs leave out.
constexpr int64_t kGemma3VocabSize = 262208;
constexpr int64_t kGemma3MaxPositions = 131072;
constexpr int64_t kGemma3SlidingWindowPattern = 6;
constexpr int64_t kGemmaSlidingWindow = 4096;
constexpr int64_t kGptOssSlidingWindow = 128;

// DeepSeek's config keys: latent attention (kv_lora_rank, ...) and n_routed_experts. GLM-5 and
// Kimi-K2.5 (a DeepseekV3ForCausalLM text model) use the same keys.
bool IsDeepseek(Family f) {
  return f == Family::kDeepseekV2 || f == Family::kDeepseekV3 || f == Family::kDeepseekV32 ||
         f == Family::kGlmMoeDsa || f == Family::kKimiK25;
}
// ... plus the DeepSeek Sparse Attention indexer (index_n_heads, index_head_dim, index_topk).
bool HasSparseIndexer(Family f) { return f == Family::kDeepseekV32 || f == Family::kGlmMoeDsa; }
// Gated DeltaNet hybrids: linear_* keys and layer_types / full_attention_interval.
bool IsLinearHybrid(Family f) { return f == Family::kQwen3Next || f == Family::kQwen35Moe; }
// Multimodal checkpoints that keep the language model's fields in text_config.
bool NestsTextConfig(Family f) {
  return f == Family::kGemma3 || f == Family::kQwen35Moe || f == Family::kKimiK25;
}
bool IsGemma(Family f) { return f == Family::kGemma2 || f == Family::kGemma3; }
bool IsQwen(Family f) {
  return f == Family::kQwen2 || f == Family::kQwen2Moe || f == Family::kQwen3 ||
         f == Family::kQwen3Moe;
}

std::string Shorten(const Json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// Typed reads of one JSON object of a config. Problems are collected, not returned one by one,
// so that a single error names every missing field.
class JsonFields {
 public:
  // `prefix` names the object in messages ("" for the root, "text_config." inside it).
  JsonFields(const Json& object, std::string prefix)
      : object_(object), prefix_(std::move(prefix)) {}

  // Present and not null.
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  const Json* Find(std::string_view key) const {
    auto it = object_.find(std::string(key));
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  // Absent or null: nullopt. Integral floats (4096.0) are accepted.
  std::optional<int64_t> Int(std::string_view key) {
    const Json* value = Find(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_number_unsigned()) {
      if (value->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return static_cast<int64_t>(value->get<uint64_t>());
      }
    } else if (value->is_number_integer()) {
      return value->get<int64_t>();
    } else if (value->is_number_float()) {
      const double d = value->get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
        return static_cast<int64_t>(d);
      }
    }
    Wrong(key, "an integer", *value);
    return std::nullopt;
  }
  // A required integer > 0; 0 when missing or wrong (and the problem is recorded).
  int64_t RequiredPositive(std::string_view key) {
    if (!Has(key)) {
      missing_.push_back(prefix_ + std::string(key));
      return 0;
    }
    return CheckPositive(key, Int(key)).value_or(0);
  }
  // An optional integer > 0.
  std::optional<int64_t> OptionalPositive(std::string_view key) {
    return CheckPositive(key, Int(key));
  }
  // An optional integer >= 0 with a fallback.
  int64_t NonNegative(std::string_view key, int64_t fallback) {
    std::optional<int64_t> value = Int(key);
    if (!value) return fallback;
    if (*value < 0) {
      Wrong(key, "an integer >= 0", *Find(key));
      return fallback;
    }
    return *value;
  }
  bool Bool(std::string_view key, bool fallback) {
    const Json* value = Find(key);
    if (value == nullptr) return fallback;
    if (!value->is_boolean()) {
      Wrong(key, "a boolean (true or false)", *value);
      return fallback;
    }
    return value->get<bool>();
  }
  std::optional<std::string> String(std::string_view key) {
    const Json* value = Find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) {
      Wrong(key, "a string", *value);
      return std::nullopt;
    }
    return value->get<std::string>();
  }
  // An array or object, else nullptr (a problem when present with another type).
  const Json* Array(std::string_view key) { return Typed(key, &Json::is_array, "an array"); }
  const Json* Object(std::string_view key) { return Typed(key, &Json::is_object, "an object"); }

  void Wrong(std::string_view key, std::string_view expected, const Json& value) {
    wrong_.push_back(fmt::format("field \"{}{}\": expected {}, got {} ({})", prefix_, key, expected,
                                 Shorten(value), value.type_name()));
  }
  void MarkMissing(std::string_view key) { missing_.push_back(prefix_ + std::string(key)); }
  const std::string& prefix() const { return prefix_; }

  // Every recorded problem of `fields`, as one InvalidArgument naming `path`.
  static absl::Status Report(const std::string& path, const std::vector<JsonFields*>& fields) {
    std::vector<std::string> missing;
    std::vector<std::string> wrong;
    for (const JsonFields* f : fields) {
      missing.insert(missing.end(), f->missing_.begin(), f->missing_.end());
      wrong.insert(wrong.end(), f->wrong_.begin(), f->wrong_.end());
    }
    if (missing.empty() && wrong.empty()) return absl::OkStatus();
    std::vector<std::string> parts;
    if (!missing.empty()) {
      parts.push_back(fmt::format("missing required field{} {}", missing.size() == 1 ? "" : "s",
                                  absl::StrJoin(missing, ", ")));
    }
    parts.insert(parts.end(), wrong.begin(), wrong.end());
    return absl::InvalidArgumentError(fmt::format("{}: {}", path, absl::StrJoin(parts, "; ")));
  }

 private:
  std::optional<int64_t> CheckPositive(std::string_view key, std::optional<int64_t> value) {
    if (value && *value <= 0) {
      Wrong(key, "a positive integer", *Find(key));
      return std::nullopt;
    }
    return value;
  }
  const Json* Typed(std::string_view key, bool (Json::*is)() const noexcept,
                    std::string_view expected) {
    const Json* value = Find(key);
    if (value == nullptr) return nullptr;
    if (!(value->*is)()) {
      Wrong(key, expected, *value);
      return nullptr;
    }
    return value;
  }

  const Json& object_;
  std::string prefix_;
  std::vector<std::string> missing_;
  std::vector<std::string> wrong_;
};

absl::Status Invalid(const std::string& path, const std::string& message) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", path, message));
}

// Every nlohmann exception (syntax errors, numbers out of range such as 1e400, invalid UTF-8)
// becomes an error naming the file; so does a key given twice in one object (JSON readers differ
// on which of the two wins: nlohmann keeps the last, Python's json too, others the first).
absl::StatusOr<Json> ParseJsonText(std::string_view text, const std::string& path) {
  try {
    std::vector<std::set<std::string>> open_objects;  // the keys seen in each enclosing object
    std::optional<std::string> repeated;
    Json root = Json::parse(text, [&](int, Json::parse_event_t event, Json& parsed) {
      if (event == Json::parse_event_t::object_start) {
        open_objects.emplace_back();
      } else if (event == Json::parse_event_t::object_end && !open_objects.empty()) {
        open_objects.pop_back();
      } else if (event == Json::parse_event_t::key && !open_objects.empty() && !repeated &&
                 !open_objects.back().insert(parsed.get<std::string>()).second) {
        repeated = parsed.get<std::string>();
      }
      return true;
    });
    if (repeated) {
      return Invalid(
          path, fmt::format("key \"{}\" appears twice in one object; keep one of them", *repeated));
    }
    return root;
  } catch (const Json::parse_error& error) {
    return Invalid(path, fmt::format("not valid JSON: {}", error.what()));
  } catch (const Json::out_of_range& error) {
    return Invalid(path, fmt::format("a number is out of range: {}; write it within double's "
                                     "range",
                                     error.what()));
  } catch (const Json::exception& error) {
    return Invalid(path, fmt::format("cannot be read as JSON: {}", error.what()));
  }
}

std::string SupportedList() { return absl::StrJoin(SupportedHuggingFaceArchitectures(), ", "); }

absl::StatusOr<const Architecture*> DetectArchitecture(const std::string& path, const Json& root) {
  JsonFields fields(root, "");
  std::string architecture;
  if (const Json* list = fields.Array("architectures"); list != nullptr && !list->empty()) {
    if ((*list)[0].is_string()) {
      architecture = (*list)[0].get<std::string>();
    } else {
      fields.Wrong("architectures[0]", "a string", (*list)[0]);
    }
  }
  const std::string model_type = fields.String("model_type").value_or("");
  RETURN_IF_ERROR(JsonFields::Report(path, {&fields}));
  for (const Architecture& a : kArchitectures) {
    if (architecture == a.architecture) return &a;
  }
  // model_type only where no architecture is named: a named one that is not a plain causal LM
  // of a supported family (an Eagle draft head, a reward or classification head, a
  // vision-language wrapper) shares its family's model_type but not its costs.
  for (const Architecture& a : kArchitectures) {
    if (architecture.empty() && model_type == a.model_type) return &a;
  }
  if (!architecture.empty()) {
    const Architecture* family = nullptr;
    for (const Architecture& a : kArchitectures) {
      if (model_type == a.model_type) family = &a;
    }
    if (family != nullptr) {
      return Invalid(
          path,
          fmt::format("architectures[0] \"{}\" is not one infercost reads, though model_type "
                      "\"{}\" is {}'s: a draft, reward, classification or vision-language model "
                      "built on it costs differently; if the checkpoint is {} itself, set "
                      "architectures to [\"{}\"] (or remove the key), else write a model preset "
                      "(presets/models/*.toml); supported architectures: {}",
                      architecture, model_type, family->architecture, family->architecture,
                      family->architecture, SupportedList()));
    }
  }
  if (architecture.empty() && model_type.empty()) {
    return Invalid(path, fmt::format("names no architecture (neither architectures[0] nor "
                                     "model_type); supported architectures: {}",
                                     SupportedList()));
  }
  return Invalid(path, fmt::format("unsupported architecture \"{}\" (model_type \"{}\"); supported "
                                   "architectures: {}",
                                   architecture, model_type, SupportedList()));
}

// `layer_types`: one "sliding_attention" / "full_attention" entry per layer.
absl::StatusOr<std::vector<bool>> ReadLayerTypes(const std::string& path, const Json& types,
                                                 const std::string& field, int64_t num_layers) {
  if (static_cast<int64_t>(types.size()) != num_layers) {
    return Invalid(path, fmt::format("field \"{}\" lists {} layers; num_hidden_layers is {}", field,
                                     types.size(), num_layers));
  }
  std::vector<bool> sliding;
  for (size_t i = 0; i < types.size(); ++i) {
    const Json& entry = types[i];
    if (!entry.is_string() || (entry.get<std::string>() != "sliding_attention" &&
                               entry.get<std::string>() != "full_attention")) {
      return Invalid(path, fmt::format("field \"{}[{}]\": expected \"sliding_attention\" or "
                                       "\"full_attention\", got {}",
                                       field, i, Shorten(entry)));
    }
    sliding.push_back(entry.get<std::string>() == "sliding_attention");
  }
  return sliding;
}

// Leading dense layers of a Qwen-MoE config from decoder_sparse_step and mlp_only_layers.
absl::StatusOr<int64_t> QwenDenseLayers(const std::string& path, const std::string& prefix,
                                        int64_t sparse_step, const Json* mlp_only_layers,
                                        int64_t num_layers) {
  if (sparse_step != 1) {
    return Invalid(path, fmt::format("field \"{}decoder_sparse_step\" = {} (an MoE layer every {} "
                                     "layers) is not supported; only leading dense layers are",
                                     prefix, sparse_step, sparse_step));
  }
  if (mlp_only_layers == nullptr) return 0;
  for (size_t i = 0; i < mlp_only_layers->size(); ++i) {
    const Json& entry = (*mlp_only_layers)[i];
    if (!entry.is_number_integer() || entry.get<int64_t>() != static_cast<int64_t>(i)) {
      return Invalid(path, fmt::format("field \"{}mlp_only_layers\" = {} is not supported; only a "
                                       "leading run [0, 1, ..., k-1] of dense layers is",
                                       prefix, Shorten(*mlp_only_layers)));
    }
  }
  if (static_cast<int64_t>(mlp_only_layers->size()) > num_layers) {
    return Invalid(path, fmt::format("field \"{}mlp_only_layers\" names more layers than "
                                     "num_hidden_layers = {}",
                                     prefix, num_layers));
  }
  return static_cast<int64_t>(mlp_only_layers->size());
}

bool IsSnapshotHash(const std::string& name) {
  if (name.size() != 40) return false;
  for (char c : name) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string RawModelName(const std::string& path, const std::string& name_or_path) {
  std::error_code error;
  std::filesystem::path file = std::filesystem::absolute(path, error);
  if (error) file = path;
  const std::string folder = file.lexically_normal().parent_path().filename().string();
  if (!folder.empty() && folder != "." && folder != ".." && folder != "/" &&
      !IsSnapshotHash(folder)) {
    return folder;
  }
  std::string from_config = name_or_path;
  while (!from_config.empty() && from_config.back() == '/') from_config.pop_back();
  from_config = from_config.substr(from_config.find_last_of('/') + 1);
  return from_config.empty() ? "hf-model" : from_config;
}

// The checkpoint's quantized weight dtype as --weights names it ("fp4", "int4", "fp8", "int8"),
// from quantization_config: quant_method mxfp4; modelopt's quant_algo (NVFP4, FP8, W4A16);
// compressed-tensors' config_groups (weights num_bits and type, group_size); fp8; GPTQ / AWQ bits
// (group_size). `int4_group` gets an int4 checkpoint's group size (its scales). Unknown: nullopt.
std::optional<std::string> QuantizedWeightDType(const Json& quant, int64_t& int4_group) {
  const auto text = [](const Json& object, const char* key) -> std::string {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? absl::AsciiStrToLower(it->get<std::string>())
                                                 : "";
  };
  const auto integer = [](const Json& object, const char* key) -> int64_t {
    const auto it = object.find(key);
    return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  const auto of_bits = [&](int64_t bits, bool is_float,
                           int64_t group) -> std::optional<std::string> {
    if (bits == 4 && !is_float) int4_group = group;
    if (bits == 4) return is_float ? "fp4" : "int4";
    if (bits == 8) return is_float ? "fp8" : "int8";
    return std::nullopt;
  };
  const std::string method = text(quant, "quant_method");
  if (method == "mxfp4") return "fp4";
  if (method == "fp8") return "fp8";
  if (method == "modelopt") {
    const std::string algo = text(quant, "quant_algo");
    if (absl::StrContains(algo, "fp4")) return "fp4";
    if (absl::StrContains(algo, "fp8")) return "fp8";
    if (absl::StrContains(algo, "w4a16") || absl::StrContains(algo, "int4")) return "int4";
    return std::nullopt;
  }
  if (method == "compressed-tensors") {
    const auto groups = quant.find("config_groups");
    if (groups == quant.end() || !groups->is_object()) return std::nullopt;
    for (const Json& group : *groups) {
      const auto weights = group.is_object() ? group.find("weights") : group.end();
      if (weights == group.end() || !weights->is_object()) continue;
      return of_bits(integer(*weights, "num_bits"), text(*weights, "type") == "float",
                     integer(*weights, "group_size"));
    }
    return std::nullopt;
  }
  if (method == "gptq" || method == "awq") {
    return of_bits(integer(quant, "bits"), false, integer(quant, "group_size"));
  }
  return std::nullopt;
}

// Whether quantization_config leaves attention unquantized: one of its lists of modules kept at
// full precision (modules_to_not_convert, ignore, exclude_modules) names an attention module.
bool KeepsAttentionUnquantized(const Json& quant) {
  for (const char* key : {"modules_to_not_convert", "ignore", "exclude_modules"}) {
    const auto list = quant.find(key);
    if (list == quant.end() || !list->is_array()) continue;
    for (const Json& module : *list) {
      if (module.is_string() && absl::StrContains(module.get<std::string>(), "attn")) return true;
    }
  }
  return false;
}

// A torch dtype's name as ours ("bfloat16" -> "bf16"); nullopt for one it is not among.
std::optional<std::string> DTypeOfTorchName(std::string_view torch_dtype) {
  for (const auto& [torch, ours] : {std::pair{"float32", "fp32"}, std::pair{"bfloat16", "bf16"},
                                    std::pair{"float16", "fp16"}}) {
    if (torch_dtype == torch) return ours;
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& SupportedHuggingFaceArchitectures() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const Architecture& a : kArchitectures) names.emplace_back(a.architecture);
    return names;
  }();
  return kNames;
}

std::string HuggingFaceModelName(const std::string& path, const std::string& name_or_path) {
  return absl::AsciiStrToLower(RawModelName(path, name_or_path));
}

absl::StatusOr<HfVariantNames> LoadHfVariantNames(const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(path));
  TomlReader top(path, root);
  ASSIGN_OR_RETURN(const toml::table* attention, top.OptionalTable("attention"));
  RETURN_IF_ERROR(top.RejectUnknownKeys());
  if (attention == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("{}: needs an [attention] table naming the variant plugin of each kind of "
                    "attention (latent, multi_head, multi_query, grouped_query)",
                    path));
  }
  TomlReader reader(path, *attention, "attention");
  HfVariantNames names;
  for (auto [key, field] : {std::pair{"latent", &HfVariantNames::latent},
                            std::pair{"sparse_latent", &HfVariantNames::sparse_latent},
                            std::pair{"linear", &HfVariantNames::linear},
                            std::pair{"multi_head", &HfVariantNames::multi_head},
                            std::pair{"multi_query", &HfVariantNames::multi_query},
                            std::pair{"grouped_query", &HfVariantNames::grouped_query}}) {
    ASSIGN_OR_RETURN(names.*field, reader.String(key));
    if (!IsPluginName(names.*field)) {
      return absl::InvalidArgumentError(
          fmt::format("{}: \"{}\" is not a plugin name", reader.Where(key), names.*field));
    }
  }
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  return names;
}

absl::StatusOr<Model> LoadHuggingFaceConfig(const std::string& path, const HfVariantNames& names) {
  ASSIGN_OR_RETURN(std::string text, ReadInputFile(path));
  return ParseHuggingFaceConfig(text, path, names);
}

absl::StatusOr<Model> ParseHuggingFaceConfig(std::string_view json_text, const std::string& path,
                                             const HfVariantNames& names) {
  ASSIGN_OR_RETURN(Json root, ParseJsonText(json_text, path));
  if (!root.is_object()) {
    return Invalid(
        path, fmt::format("expected a JSON object at the top level, got {}", root.type_name()));
  }
  ASSIGN_OR_RETURN(const Architecture* arch, DetectArchitecture(path, root));
  const Family family = arch->family;

  JsonFields top(root, "");
  // Multimodal checkpoints (Gemma-3, Qwen3.5, Kimi-K2.5) keep the language model's fields in
  // text_config.
  const Json* text = &root;
  std::string prefix;
  if (NestsTextConfig(family)) {
    if (const Json* nested = top.Object("text_config"); nested != nullptr) {
      text = nested;
      prefix = "text_config.";
    } else if (absl::EndsWith(arch->architecture, "ForConditionalGeneration") &&
               !top.Has("text_config") && !top.Has("hidden_size")) {
      top.MarkMissing("text_config");
    }
  }
  JsonFields f(*text, prefix);
  std::vector<std::string> notes = {
      fmt::format("imported from a Hugging Face config.json as {}", arch->architecture)};
  auto defaulted = [&](std::string_view key, auto value, std::string_view why) {
    notes.push_back(fmt::format("{}{} absent: {} ({})", prefix, key, value, why));
    return value;
  };

  Model model;
  model.source = path;
  model.family = arch->family_name;
  const std::string name_or_path = top.String("_name_or_path").value_or("");
  model.display_name = RawModelName(path, name_or_path);
  model.name = absl::AsciiStrToLower(model.display_name);

  // --- Scalars. Every problem is collected before any is reported.
  model.hidden_size = f.RequiredPositive("hidden_size");
  model.num_layers = f.RequiredPositive("num_hidden_layers");
  model.num_attention_heads = f.RequiredPositive("num_attention_heads");
  // Qwen3.5-MoE has no dense FFN and no intermediate_size key: set to the expert width below.
  const bool no_dense_ffn = family == Family::kQwen35Moe && !f.Has("intermediate_size");
  model.intermediate_size = no_dense_ffn ? 0 : f.RequiredPositive("intermediate_size");
  if (family == Family::kGemma3 && !f.Has("vocab_size")) {
    model.vocab_size = defaulted("vocab_size", kGemma3VocabSize, "Gemma3TextConfig default");
  } else {
    model.vocab_size = f.RequiredPositive("vocab_size");
  }
  if (family == Family::kGemma3 && !f.Has("max_position_embeddings")) {
    model.max_context_tokens =
        defaulted("max_position_embeddings", kGemma3MaxPositions, "Gemma3TextConfig default");
  } else {
    model.max_context_tokens = f.RequiredPositive("max_position_embeddings");
  }
  const std::optional<int64_t> kv_heads = f.OptionalPositive("num_key_value_heads");
  const std::optional<int64_t> head_dim = f.OptionalPositive("head_dim");
  const bool tie_default = IsGemma(family);
  if (!f.Has("tie_word_embeddings") && !top.Has("tie_word_embeddings")) {
    model.tie_word_embeddings = tie_default;
    if (tie_default) defaulted("tie_word_embeddings", "true", "Gemma config default");
  } else {
    model.tie_word_embeddings = f.Has("tie_word_embeddings")
                                    ? f.Bool("tie_word_embeddings", tie_default)
                                    : top.Bool("tie_word_embeddings", tie_default);
  }
  const bool bias_default = family == Family::kQwen2 || family == Family::kQwen2Moe;
  model.attention_bias = f.Bool("attention_bias", bias_default);
  // MiniMax-M2's use_qk_norm with qk_norm_type "per_layer": one RMSNorm over all heads' queries
  // (and keys), whose variance is all-reduced under tensor parallelism; "per_head" stays local.
  if (f.Bool("use_qk_norm", false)) {
    model.qk_norm = f.String("qk_norm_type") == "per_layer" ? QkNorm::kPerLayer : QkNorm::kPerHead;
  }
  if (bias_default && !f.Has("attention_bias")) {
    notes.push_back("attention_bias absent: true (Qwen2 q/k/v projections carry a bias)");
  }
  model.norm = NormKind::kRmsNorm;
  model.ffn_activation = FfnActivation::kSwiGlu;
  std::optional<std::string> activation = IsGemma(family) && f.Has("hidden_activation")
                                              ? f.String("hidden_activation")
                                              : f.String("hidden_act");

  // Sliding-window keys.
  const int64_t window_key = f.NonNegative("sliding_window", 0);
  const bool use_sliding_window = f.Bool("use_sliding_window", false);
  const int64_t max_window_layers = f.NonNegative("max_window_layers", 0);
  const Json* layer_types = f.Array("layer_types");
  std::optional<int64_t> window_pattern = f.OptionalPositive("sliding_window_pattern");
  if (!window_pattern) window_pattern = f.OptionalPositive("_sliding_window_pattern");

  // MoE keys.
  struct {
    int64_t experts = 0, per_token = 0, width = 0, shared = 0, shared_width = 0;
    int64_t first_dense = 0, sparse_step = 1, layer_freq = 1;
    const Json* mlp_only_layers = nullptr;
  } moe;
  switch (family) {
    case Family::kMixtral:
      moe.experts = f.RequiredPositive("num_local_experts");
      moe.per_token = f.RequiredPositive("num_experts_per_tok");
      moe.width = model.intermediate_size;
      break;
    case Family::kGptOss:
      moe.experts = f.RequiredPositive("num_local_experts");
      if (f.Has("num_experts_per_tok") || !f.Has("experts_per_token")) {
        moe.per_token = f.RequiredPositive("num_experts_per_tok");
      } else {
        moe.per_token = f.RequiredPositive("experts_per_token");
      }
      moe.width = model.intermediate_size;
      break;
    case Family::kMiniMaxM2:  // intermediate_size is the expert width; no dense FFN
      moe.experts = f.RequiredPositive("num_local_experts");
      moe.per_token = f.RequiredPositive("num_experts_per_tok");
      moe.width = model.intermediate_size;
      moe.shared_width = f.NonNegative("shared_intermediate_size", 0);
      break;
    case Family::kQwen2Moe:
    case Family::kQwen3Moe:
    case Family::kQwen3Next:
    case Family::kQwen35Moe:
      moe.experts = f.RequiredPositive("num_experts");
      moe.per_token = f.RequiredPositive("num_experts_per_tok");
      moe.width = f.RequiredPositive("moe_intermediate_size");
      moe.shared_width = f.NonNegative("shared_expert_intermediate_size", 0);
      moe.sparse_step = f.OptionalPositive("decoder_sparse_step").value_or(1);
      moe.mlp_only_layers = f.Array("mlp_only_layers");
      break;
    case Family::kDeepseekV2:
    case Family::kDeepseekV3:
    case Family::kDeepseekV32:
    case Family::kGlmMoeDsa:
    case Family::kKimiK25:
    case Family::kGlm4Moe:  // GLM-4.5 .. 4.7: DeepSeek's MoE keys around grouped-query attention
      // n_routed_experts null: a dense DeepSeek model.
      if (f.Has("n_routed_experts")) {
        moe.experts = f.RequiredPositive("n_routed_experts");
        moe.per_token = f.RequiredPositive("num_experts_per_tok");
        moe.width = f.RequiredPositive("moe_intermediate_size");
        moe.shared = f.NonNegative("n_shared_experts", 0);
        moe.first_dense = f.NonNegative("first_k_dense_replace", 0);
        moe.layer_freq = f.OptionalPositive("moe_layer_freq").value_or(1);
      }
      break;
    default:
      break;
  }

  // Latent-attention keys (passed to the variant as options).
  struct {
    int64_t q_lora_rank = 0, kv_lora_rank = 0, qk_nope_head_dim = 0, qk_rope_head_dim = 0;
    int64_t v_head_dim = 0;
  } mla;
  if (IsDeepseek(family)) {
    mla.q_lora_rank = f.NonNegative("q_lora_rank", 0);  // null: queries are not compressed
    mla.kv_lora_rank = f.RequiredPositive("kv_lora_rank");
    mla.qk_nope_head_dim = f.RequiredPositive("qk_nope_head_dim");
    mla.qk_rope_head_dim = f.RequiredPositive("qk_rope_head_dim");
    mla.v_head_dim = f.RequiredPositive("v_head_dim");
  }

  // Recorded only.
  std::optional<std::string> dtype = top.Has("torch_dtype") ? top.String("torch_dtype")
                                     : top.Has("dtype")     ? top.String("dtype")
                                     : f.Has("torch_dtype") ? f.String("torch_dtype")
                                                            : std::nullopt;
  std::optional<std::string> quant_method;
  std::optional<int64_t> quant_bits;
  const Json* quant = top.Object("quantization_config");
  if (quant != nullptr) {
    JsonFields q(*quant, "quantization_config.");
    quant_method = q.String("quant_method");
    quant_bits = q.Int("bits");
    RETURN_IF_ERROR(JsonFields::Report(path, {&top, &f, &q}));
  }
  RETURN_IF_ERROR(JsonFields::Report(path, {&top, &f}));
  // Sizes are bounded before anything is allocated per layer or divided.
  for (const auto& [key, value, max] :
       {std::tuple{"num_hidden_layers", model.num_layers, kMaxModelLayers},
        std::tuple{"hidden_size", model.hidden_size, kMaxModelDimension},
        std::tuple{"num_attention_heads", model.num_attention_heads, kMaxModelDimension},
        std::tuple{"intermediate_size", model.intermediate_size, kMaxModelDimension},
        std::tuple{"vocab_size", model.vocab_size, kMaxModelDimension},
        std::tuple{"max_position_embeddings", model.max_context_tokens, kMaxModelContextTokens},
        std::tuple{"num_key_value_heads", kv_heads.value_or(1), kMaxModelDimension},
        std::tuple{"head_dim", head_dim.value_or(1), kMaxModelDimension},
        std::tuple{"sliding_window", window_key, kMaxModelContextTokens},
        std::tuple{"max_window_layers", max_window_layers, kMaxModelLayers},
        std::tuple{"sliding_window_pattern", window_pattern.value_or(1), kMaxModelLayers},
        std::tuple{"num_experts", moe.experts, kMaxModelExperts},
        std::tuple{"num_experts_per_tok", moe.per_token, kMaxModelExperts},
        std::tuple{"n_shared_experts", moe.shared, kMaxModelExperts},
        std::tuple{"moe_intermediate_size", moe.width, kMaxModelDimension},
        std::tuple{"shared_expert_intermediate_size", moe.shared_width, kMaxModelDimension},
        std::tuple{"first_k_dense_replace", moe.first_dense, kMaxModelLayers},
        std::tuple{"q_lora_rank", mla.q_lora_rank, kMaxModelDimension},
        std::tuple{"kv_lora_rank", mla.kv_lora_rank, kMaxModelDimension},
        std::tuple{"qk_nope_head_dim", mla.qk_nope_head_dim, kMaxModelDimension},
        std::tuple{"qk_rope_head_dim", mla.qk_rope_head_dim, kMaxModelDimension},
        std::tuple{"v_head_dim", mla.v_head_dim, kMaxModelDimension}}) {
    if (value > max) {
      return Invalid(path, fmt::format("field \"{}{}\" = {} is out of range; allowed: at most {}",
                                       prefix, key, value, max));
    }
  }

  // --- Attention shape.
  if (IsDeepseek(family)) {
    // DeepSeek Sparse Attention (V3.2): the indexer's sizes join the latent ranks.
    model.attention_variant = HasSparseIndexer(family) ? names.sparse_latent : names.latent;
    model.num_kv_heads = model.num_attention_heads;  // MLA: one latent serves every head
    model.head_dim = mla.qk_nope_head_dim + mla.qk_rope_head_dim;
    for (const auto& [key, value] :
         {std::pair{"q_lora_rank", mla.q_lora_rank}, std::pair{"kv_lora_rank", mla.kv_lora_rank},
          std::pair{"qk_nope_head_dim", mla.qk_nope_head_dim},
          std::pair{"qk_rope_head_dim", mla.qk_rope_head_dim},
          std::pair{"v_head_dim", mla.v_head_dim}}) {
      model.variant_options.push_back(
          {key, value, fmt::format("{} field \"{}{}\"", path, prefix, key)});
    }
    if (HasSparseIndexer(family)) {
      for (const char* key : {"index_n_heads", "index_head_dim", "index_topk"}) {
        const int64_t value = f.RequiredPositive(key);
        if (value > kMaxModelDimension) {
          return Invalid(
              path, fmt::format("field \"{}{}\" = {} is out of range; allowed: at most {}", prefix,
                                key, value, kMaxModelDimension));
        }
        model.variant_options.push_back(
            {key, value, fmt::format("{} field \"{}{}\"", path, prefix, key)});
      }
    }
  } else {
    model.num_kv_heads = kv_heads.value_or(model.num_attention_heads);
    if (!kv_heads) {
      notes.push_back(fmt::format("{}num_key_value_heads absent: = num_attention_heads ({})",
                                  prefix, model.num_attention_heads));
      model.report_notes.push_back(fmt::format(
          "{}: {}num_key_value_heads is absent, so Hugging Face's default applies: every one of "
          "the {} attention heads keeps its own K/V (MHA). If the model shares K/V heads, add "
          "num_key_value_heads to the config",
          path, prefix, model.num_attention_heads));
    }
    // Grouped query heads, in the config's own keys (the model's checks would name the
    // preset's num_heads / num_kv_heads).
    if (model.num_kv_heads > model.num_attention_heads ||
        model.num_attention_heads % model.num_kv_heads != 0) {
      return Invalid(path, fmt::format("{0}num_attention_heads {1} is not a multiple of "
                                       "{0}num_key_value_heads {2}: each K/V head serves a whole "
                                       "group of query heads; fix one of the two",
                                       prefix, model.num_attention_heads, model.num_kv_heads));
    }
    if (head_dim) {
      model.head_dim = *head_dim;
    } else {
      if (model.hidden_size % model.num_attention_heads != 0) {
        return Invalid(path, fmt::format("head_dim is absent and hidden_size {} is not a multiple "
                                         "of num_attention_heads {}; add head_dim",
                                         model.hidden_size, model.num_attention_heads));
      }
      model.head_dim = model.hidden_size / model.num_attention_heads;
    }
    model.attention_variant = model.num_kv_heads == model.num_attention_heads ? names.multi_head
                              : model.num_kv_heads == 1                       ? names.multi_query
                                                                              : names.grouped_query;
  }

  // --- Sliding windows: which layers slide, and the window.
  int64_t window = window_key;
  std::vector<bool> sliding;
  const bool qwen_window_off = IsQwen(family) && (!use_sliding_window || window_key == 0);
  if (qwen_window_off) {
    if (window_key > 0) {
      notes.push_back(
          fmt::format("use_sliding_window false: sliding_window {} unused", window_key));
    }
    window = 0;
  } else if (layer_types != nullptr && !IsLinearHybrid(family)) {
    ASSIGN_OR_RETURN(sliding,
                     ReadLayerTypes(path, *layer_types, prefix + "layer_types", model.num_layers));
  } else if (IsQwen(family)) {  // use_sliding_window true
    sliding.resize(static_cast<size_t>(model.num_layers));
    for (int64_t i = 0; i < model.num_layers; ++i) sliding[i] = i >= max_window_layers;
  } else if (family == Family::kGemma2 || family == Family::kGptOss) {
    sliding.resize(static_cast<size_t>(model.num_layers));
    for (int64_t i = 0; i < model.num_layers; ++i) sliding[i] = i % 2 == 0;
  } else if (family == Family::kGemma3) {
    int64_t pattern = window_pattern.value_or(kGemma3SlidingWindowPattern);
    if (!window_pattern) defaulted("sliding_window_pattern", pattern, "Gemma3TextConfig default");
    sliding.resize(static_cast<size_t>(model.num_layers));
    for (int64_t i = 0; i < model.num_layers; ++i) sliding[i] = (i + 1) % pattern != 0;
  } else if (family != Family::kMistral && family != Family::kMixtral) {
    window = 0;  // Llama, DeepSeek: no sliding window
  }
  if (!qwen_window_off && window == 0 && !f.Has("sliding_window")) {
    if (IsGemma(family)) {
      window = defaulted("sliding_window", kGemmaSlidingWindow, "Gemma config default");
    } else if (family == Family::kGptOss) {
      window = defaulted("sliding_window", kGptOssSlidingWindow, "GptOssConfig default");
    }
  }
  int64_t sliding_count = 0;
  for (bool s : sliding) sliding_count += s ? 1 : 0;
  if (!sliding.empty() && sliding_count == 0) {
    window = 0;  // every layer is full attention
    sliding.clear();
  } else if (sliding_count > 0 && window == 0) {
    return Invalid(path, "layers use sliding_attention but sliding_window is null or 0");
  } else if (sliding_count == model.num_layers) {
    sliding.clear();  // every layer slides: the plain sliding_window form
  }
  model.sliding_window = window;
  for (bool slides : sliding) {
    model.layer_types.push_back(slides ? "sliding_attention" : "full_attention");
  }

  // --- Hybrid linear attention (Qwen3-Next, Qwen3.5): layer_types ("linear_attention" /
  // "full_attention"), or every full_attention_interval-th layer full (Qwen3NextConfig); linear
  // layers go to the plugin hf-import.toml names for linear attention, with the linear_* keys as
  // its options; full layers are gated attention (the standard variant's option output_gate;
  // Qwen3.5 says so in attn_output_gate, Qwen3-Next always gates).
  if (IsLinearHybrid(family)) {
    model.layer_types.clear();
    if (layer_types != nullptr) {
      if (static_cast<int64_t>(layer_types->size()) != model.num_layers) {
        return Invalid(path, fmt::format("field \"{}layer_types\" lists {} layers; "
                                         "num_hidden_layers is {}",
                                         prefix, layer_types->size(), model.num_layers));
      }
      for (size_t i = 0; i < layer_types->size(); ++i) {
        const Json& entry = (*layer_types)[i];
        if (!entry.is_string() || (entry.get<std::string>() != "linear_attention" &&
                                   entry.get<std::string>() != "full_attention")) {
          return Invalid(path, fmt::format("field \"{}layer_types[{}]\": expected "
                                           "\"linear_attention\" or \"full_attention\", got {}",
                                           prefix, i, Shorten(entry)));
        }
        model.layer_types.push_back(entry.get<std::string>());
      }
    } else {
      const int64_t interval = f.RequiredPositive("full_attention_interval");
      // (0 where it is missing or not a positive integer: the reader has recorded that, and
      // reports it below; no layer is laid out from it.)
      for (int64_t i = 0; interval > 0 && i < model.num_layers; ++i) {
        model.layer_types.push_back((i + 1) % interval == 0 ? "full_attention"
                                                            : "linear_attention");
      }
    }
    if (f.Bool("attn_output_gate", true)) {
      model.variant_options.push_back(
          {"output_gate", true,
           f.Has("attn_output_gate") ? fmt::format("{} field \"{}attn_output_gate\"", path, prefix)
                                     : fmt::format("{} (Qwen3-Next gated attention)", path)});
    }
    model.layer_variants.emplace_back("linear_attention", names.linear);
    std::vector<VariantOption>& linear = model.layer_variant_options[names.linear];
    for (const auto& [option, key] : {std::pair{"num_key_heads", "linear_num_key_heads"},
                                      std::pair{"num_value_heads", "linear_num_value_heads"},
                                      std::pair{"key_head_dim", "linear_key_head_dim"},
                                      std::pair{"value_head_dim", "linear_value_head_dim"},
                                      std::pair{"conv_kernel", "linear_conv_kernel_dim"}}) {
      const int64_t value = f.RequiredPositive(key);
      if (value > kMaxModelDimension) {
        return Invalid(path, fmt::format("field \"{}{}\" = {} is out of range; allowed: at most {}",
                                         prefix, key, value, kMaxModelDimension));
      }
      linear.push_back({option, value, fmt::format("{} field \"{}{}\"", path, prefix, key)});
    }
    // The recurrent state's dtype: mamba_ssm_dtype where the config names it; Qwen3.5 without
    // it is served with an fp32 state (vLLM's Qwen3_5ForConditionalGenerationConfig).
    const std::optional<std::string> state_dtype =
        f.Has("mamba_ssm_dtype") ? f.String("mamba_ssm_dtype") : std::nullopt;
    if (state_dtype) {
      const std::optional<std::string> state = DTypeOfTorchName(*state_dtype);
      if (!state) {
        return Invalid(path, fmt::format("field \"{}mamba_ssm_dtype\" = \"{}\" is not supported; "
                                         "use float32, bfloat16 or float16",
                                         prefix, *state_dtype));
      }
      const auto bytes = static_cast<int64_t>(ParseDType(*state)->bytes_per_element);
      linear.push_back({"state_bytes_per_element", bytes,
                        fmt::format("{} field \"{}mamba_ssm_dtype\"", path, prefix)});
    } else if (family == Family::kQwen35Moe) {
      linear.push_back(
          {"state_bytes_per_element", int64_t{4},
           fmt::format("{} (Qwen3.5: vLLM keeps the recurrent state in float32)", path)});
      notes.push_back("mamba_ssm_dtype absent: float32 recurrent state (as vLLM serves Qwen3.5)");
    }
  }

  // --- MiniMax-M2: attn_type_list marks each layer full (1) or lightning (0) attention.
  if (family == Family::kMiniMaxM2) {
    if (const Json* types = f.Array("attn_type_list"); types != nullptr) {
      for (size_t i = 0; i < types->size(); ++i) {
        const Json& entry = (*types)[i];
        if (!entry.is_number_integer() || entry.get<int64_t>() != 1) {
          return Invalid(path, fmt::format("field \"{}attn_type_list[{}]\" = {}: only full "
                                           "attention layers (1) are supported; lightning "
                                           "attention (0, MiniMax-01) has no plugin",
                                           prefix, i, Shorten(entry)));
        }
      }
    }
  }

  // --- MoE.
  if (family == Family::kQwen2Moe || family == Family::kQwen3Moe || IsLinearHybrid(family)) {
    ASSIGN_OR_RETURN(moe.first_dense, QwenDenseLayers(path, prefix, moe.sparse_step,
                                                      moe.mlp_only_layers, model.num_layers));
  }
  if (no_dense_ffn) {
    model.intermediate_size =
        defaulted("intermediate_size", moe.width, "no dense FFN: set to the expert width, unused");
  }
  if (family == Family::kQwen2Moe || family == Family::kQwen3Moe || IsLinearHybrid(family) ||
      family == Family::kMiniMaxM2) {
    if (moe.shared_width > 0) {
      moe.shared = (moe.shared_width + moe.width - 1) / moe.width;
      notes.push_back(fmt::format(
          "shared expert of width {} modelled as {} shared experts of width {}{}", moe.shared_width,
          moe.shared, moe.width,
          moe.shared_width % moe.width == 0 ? "" : " (rounded up: over-counts the shared expert)"));
    }
  }
  if (IsDeepseek(family) && moe.layer_freq != 1) {
    return Invalid(path, fmt::format("field \"moe_layer_freq\" = {} (an MoE layer every {} layers) "
                                     "is not supported; only leading dense layers are",
                                     moe.layer_freq, moe.layer_freq));
  }
  if (moe.experts > 0) {
    MoeConfig config;
    config.num_experts = moe.experts;
    config.experts_per_token = moe.per_token;
    config.num_shared_experts = moe.shared;
    config.expert_intermediate_size = moe.width;
    config.first_dense_layers = moe.first_dense;
    model.moe = config;
  }

  // Keys read after the first report (variant options, layer patterns) may have recorded problems.
  RETURN_IF_ERROR(JsonFields::Report(path, {&top, &f}));

  // --- Recorded-only fields.
  if (activation) notes.push_back(fmt::format("hidden_act {} (gated FFN)", *activation));
  if (dtype) notes.push_back(fmt::format("torch_dtype {}", *dtype));
  if (quant_method == "mxfp4") model.fp4_format = Fp4Format::kMxfp4;
  std::optional<std::string> quantized;
  if (quant != nullptr) quantized = QuantizedWeightDType(*quant, model.int4_group_size);
  if (quant_method || quant_bits) {
    const std::string quantization =
        fmt::format("quant_method {}{}", quant_method.value_or("(none)"),
                    quant_bits ? fmt::format(", bits {}", *quant_bits) : "");
    notes.push_back("quantization_config: " + quantization);
    if (quantized && model.moe && KeepsAttentionUnquantized(*quant)) {
      // The experts quantized, not attention: as a preset's [expert_only_quantization].
      const std::string other = DTypeOfTorchName(dtype.value_or("")).value_or("bf16");
      model.expert_only_quantization[*quantized] = other;
      model.report_notes.push_back(fmt::format(
          "{}: the checkpoint quantizes the experts, not attention (quantization_config: {}, its "
          "list of modules not converted names attention): --weights {} costs the routed experts "
          "in {} and every other weight in {}",
          path, quantization, *quantized, *quantized, other));
    } else {
      model.report_notes.push_back(fmt::format(
          "{}: the checkpoint's weights are quantized (quantization_config: {}), but the costs are "
          "those of --weights (default fp8) for every layer: pass the checkpoint's dtype (e.g. "
          "--weights fp4 or int4); where it quantizes only the routed experts (quantized experts, "
          "bf16 attention), --expert-weights fp4 --weights bf16",
          path, quantization));
    }
  }
  // Parts of the checkpoint that are not the language model's decoding, left out.
  if (top.Has("vision_config")) {
    model.report_notes.push_back(fmt::format(
        "{}: the vision encoder (vision_config) is not costed: the language model alone, on text "
        "tokens (an image's tokens count as input tokens)",
        path));
  }
  if (const std::optional<int64_t> mtp =
          f.Has("num_nextn_predict_layers") ? f.Int("num_nextn_predict_layers") : std::nullopt;
      mtp && *mtp > 0) {
    model.report_notes.push_back(fmt::format(
        "{}: its {} multi-token-prediction layer(s) (num_nextn_predict_layers) are not costed: "
        "decoding without speculative (MTP) drafts, one token a step",
        path, *mtp));
  }
  RETURN_IF_ERROR(JsonFields::Report(path, {&top, &f}));
  model.notes = absl::StrJoin(notes, "; ");

  RETURN_IF_ERROR(ValidateModel(model));
  return model;
}

}  // namespace infercost::registry
