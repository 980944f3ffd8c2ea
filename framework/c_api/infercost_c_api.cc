// The C API (framework/include/infercost/infercost.h) over the C++ framework: JSON in, JSON out,
// absl status codes, no exception crosses the boundary.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "framework/abi/phase_catalog.h"
#include "framework/batch.h"
#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "framework/report/json_text.h"
#include "framework/report/ledger_report.h"
#include "framework/scenario.h"
#include "infercost/infercost.h"
#include "nlohmann/json.hpp"
#include "registry/presets.h"

struct infercost_context {
  infercost::registry::Presets presets;
  infercost::framework::PluginSet plugins;
};

namespace {

using nlohmann::json;

thread_local std::string last_error;

infercost_status CodeOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return INFERCOST_OK;
    case absl::StatusCode::kInvalidArgument:
      return INFERCOST_INVALID_ARGUMENT;
    case absl::StatusCode::kNotFound:
      return INFERCOST_NOT_FOUND;
    case absl::StatusCode::kFailedPrecondition:
      return INFERCOST_FAILED_PRECONDITION;
    case absl::StatusCode::kOutOfRange:
      return INFERCOST_OUT_OF_RANGE;
    case absl::StatusCode::kInternal:
      return INFERCOST_INTERNAL;
    default:
      return INFERCOST_UNKNOWN;
  }
}

infercost_status Fail(absl::StatusCode code, std::string message) {
  last_error = std::move(message);
  return CodeOf(code);
}

std::string ApiSpelling(std::string message);

infercost_status Fail(const absl::Status& status) {
  return Fail(status.code(), ApiSpelling(std::string(status.message())));
}

char* Copy(const std::string& text) {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out != nullptr) std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

absl::StatusOr<json> ParseObject(const char* text, const char* what) {
  if (text == nullptr || *text == '\0') return json::object();
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) {
    return absl::InvalidArgumentError(std::string(what) + " is not a JSON object");
  }
  return value;
}

absl::Status WrongType(const char* key, const json& value, const char* wanted) {
  return absl::InvalidArgumentError(std::string("key '") + key + "' must be " + wanted + ", not " +
                                    infercost::framework::JsonText(value));
}

// Reads `key` of `object` into `out` when present; a wrong type is an error naming the key.
template <typename T>
absl::Status Read(const json& object, const char* key, T& out) {
  auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    return WrongType(key, *it, "of another type");
  }
  return absl::OkStatus();
}

// Integers: a JSON integer in int64's range, or a number with no fractional part inside it
// (2.0 is 2; 2.9, 1e300 and NaN are refused rather than truncated).
template <>
absl::Status Read(const json& object, const char* key, int64_t& out) {
  auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  const json& value = *it;
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return WrongType(key, value, "an integer at most 9223372036854775807");
    }
    out = static_cast<int64_t>(u);
    return absl::OkStatus();
  }
  if (value.is_number_integer()) {
    out = value.get<int64_t>();
    return absl::OkStatus();
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // 2^63 is exactly representable; every double below it in magnitude converts exactly.
    constexpr double kLimit = 9223372036854775808.0;
    if (!std::isfinite(d) || std::trunc(d) != d || d >= kLimit || d < -kLimit) {
      return WrongType(key, value, "a whole number (an integer in int64's range)");
    }
    out = static_cast<int64_t>(d);
    return absl::OkStatus();
  }
  return WrongType(key, value, "an integer");
}

template <>
absl::Status Read(const json& object, const char* key, double& out) {
  auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_number()) return WrongType(key, *it, "a number");
  const double d = it->get<double>();
  if (!std::isfinite(d)) return WrongType(key, *it, "a finite number");
  out = d;
  return absl::OkStatus();
}

template <>
absl::Status Read(const json& object, const char* key, std::string& out) {
  auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_string()) return WrongType(key, *it, "a string");
  out = it->get<std::string>();
  return absl::OkStatus();
}

template <>
absl::Status Read(const json& object, const char* key, bool& out) {
  auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_boolean()) return WrongType(key, *it, "true or false");
  out = it->get<bool>();
  return absl::OkStatus();
}

template <>
absl::Status Read(const json& object, const char* key, std::vector<std::string>& out) {
  auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_array()) return WrongType(key, *it, "an array of strings");
  std::vector<std::string> values;
  for (const json& element : *it) {
    if (!element.is_string()) return WrongType(key, *it, "an array of strings");
    values.push_back(element.get<std::string>());
  }
  out = std::move(values);
  return absl::OkStatus();
}

// Refuses keys outside `known`, listing them.
absl::Status CheckKeys(const json& object, const std::vector<std::string>& known,
                       const char* what) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      return absl::InvalidArgumentError("unknown " + std::string(what) + " key '" + key +
                                        "'; known: " + list);
    }
  }
  return absl::OkStatus();
}

// The framework's messages name the CLI's flags; callers of the C API know its keys.
std::string ApiSpelling(std::string message) {
  static const std::pair<const char*, const char*> kFlagToKey[] = {
      {"--input-tokens", "input_tokens"},
      {"--output-tokens", "output_tokens"},
      {"--attention-kernel", "attention_kernel"},
      {"--attention-variant", "attention_variant"},
      {"--bw-efficiency", "bw_efficiency"},
      {"--moe-imbalance", "moe_imbalance"},
      {"--max-batched-tokens", "max_batched_tokens"},
      {"--speculative-tokens", "speculative_tokens"},
      {"--acceptance", "acceptance"},
      {"--draft-layers", "draft_layers"},
      {"--mla-form", "mla_form"},
      {"--variant-option", "variant_options"},
      {"--presets-dir", "preset_dirs"},
      {"--plugin-dir", "plugin_dirs"},
      {"--plugin-override", "plugin_overrides"},
      {"--allow-beyond-context", "allow_beyond_context"},
      {"--concurrency", "concurrency"},
      {"--mode", "mode"},
      {"--request-rate", "request_rate"},
      {"--length-range-ratio", "length_range_ratio"},
      {"--prefill-workers", "prefill_workers"},
      {"--prefill-gpus", "prefill_gpus"},
      {"--prefill-batch", "prefill_batch"},
      {"--prefill-tp", "prefill_tp"},
      {"--prefill-pp", "prefill_pp"},
      {"--prefill-dp", "prefill_dp"},
      {"--prefill-ep", "prefill_ep"},
      {"--decode-workers", "decode_workers"},
      {"--decode-gpus", "decode_gpus"},
      {"--decode-batch", "decode_batch"},
      {"--decode-tp", "decode_tp"},
      {"--decode-pp", "decode_pp"},
      {"--decode-dp", "decode_dp"},
      {"--decode-ep", "decode_ep"},
      {"--activations", "activations"},
      {"--hardware", "hardware"},
      {"--weights", "weights"},
      {"--engine", "engine"},
      {"--model", "model"},
      {"--gpus", "gpus"},
      {"--mfu", "mfu"},
      {"--kv", "kv"},
      {"--tp", "tp"},
      {"--pp", "pp"},
      {"--dp", "dp"},
      {"--ep", "ep"},
  };
  for (const auto& [flag, key] : kFlagToKey) {
    const std::string from = flag;
    size_t at = 0;
    while ((at = message.find(from, at)) != std::string::npos) {
      const size_t end = at + from.size();
      // Whole flags only: "--kv" must not rewrite a longer flag that starts with it.
      const bool whole =
          end == message.size() || !(std::isalnum(static_cast<unsigned char>(message[end])) ||
                                     message[end] == '-' || message[end] == '_');
      if (!whole) {
        at = end;
        continue;
      }
      message.replace(at, from.size(), key);
      at += std::strlen(key);
    }
  }
  return message;
}

absl::StatusOr<infercost::framework::ScenarioRequest> RequestFromJson(const json& j) {
  static const std::vector<std::string> kKeys = {"model",
                                                 "hardware",
                                                 "engine",
                                                 "gpus",
                                                 "tp",
                                                 "pp",
                                                 "dp",
                                                 "ep",
                                                 "weights",
                                                 "expert_weights",
                                                 "activations",
                                                 "kv",
                                                 "input_tokens",
                                                 "output_tokens",
                                                 "concurrency",
                                                 "attention_kernel",
                                                 "attention_variant",
                                                 "mla_form",
                                                 "variant_options",
                                                 "moe_imbalance",
                                                 "max_batched_tokens",
                                                 "speculative_tokens",
                                                 "acceptance",
                                                 "draft_layers",
                                                 "mfu",
                                                 "bw_efficiency",
                                                 "allow_beyond_context",
                                                 "mode",
                                                 "request_rate",
                                                 "length_range_ratio",
                                                 "prefill_workers",
                                                 "prefill_gpus",
                                                 "prefill_tp",
                                                 "prefill_pp",
                                                 "prefill_dp",
                                                 "prefill_ep",
                                                 "prefill_batch",
                                                 "decode_workers",
                                                 "decode_gpus",
                                                 "decode_tp",
                                                 "decode_pp",
                                                 "decode_dp",
                                                 "decode_ep",
                                                 "decode_batch"};
  if (absl::Status keys = CheckKeys(j, kKeys, "scenario"); !keys.ok()) return keys;
  infercost::framework::ScenarioRequest r;
  for (absl::Status s : {Read(j, "model", r.model),
                         Read(j, "hardware", r.hardware),
                         Read(j, "engine", r.engine),
                         Read(j, "gpus", r.gpus),
                         Read(j, "tp", r.tp),
                         Read(j, "pp", r.pp),
                         Read(j, "dp", r.dp),
                         Read(j, "ep", r.ep),
                         Read(j, "weights", r.weights),
                         Read(j, "expert_weights", r.expert_weights),
                         Read(j, "activations", r.activations),
                         Read(j, "kv", r.kv),
                         Read(j, "input_tokens", r.input_tokens),
                         Read(j, "output_tokens", r.output_tokens),
                         Read(j, "concurrency", r.concurrency),
                         Read(j, "attention_kernel", r.attention_kernel),
                         Read(j, "attention_variant", r.attention_variant),
                         Read(j, "mla_form", r.mla_form),
                         Read(j, "moe_imbalance", r.moe_imbalance),
                         Read(j, "max_batched_tokens", r.max_batched_tokens),
                         Read(j, "speculative_tokens", r.speculative_tokens),
                         Read(j, "draft_layers", r.draft_layers),
                         Read(j, "allow_beyond_context", r.allow_beyond_context),
                         Read(j, "mode", r.mode),
                         Read(j, "request_rate", r.request_rate),
                         Read(j, "length_range_ratio", r.length_range_ratio)}) {
    if (!s.ok()) return s;
  }
  // --mode disagg's pools: "prefill_workers", "decode_tp", ... as the CLI's --prefill-workers.
  for (auto [pool, prefix] : {std::pair{&r.prefill_pool, std::string("prefill_")},
                              std::pair{&r.decode_pool, std::string("decode_")}}) {
    for (auto [field, key] :
         {std::pair{&pool->workers, "workers"}, std::pair{&pool->gpus, "gpus"},
          std::pair{&pool->tp, "tp"}, std::pair{&pool->pp, "pp"}, std::pair{&pool->dp, "dp"},
          std::pair{&pool->ep, "ep"}, std::pair{&pool->max_batch, "batch"}}) {
      const std::string name = prefix + key;
      if (absl::Status s = Read(j, name.c_str(), *field); !s.ok()) return s;
      // 0 in the request is the default; a key given is a count, as the CLI's flag is.
      if (j.contains(name) && *field < 1) {
        return absl::InvalidArgumentError(fmt::format(
            "key '{}': {} is not a count: give at least 1, or leave the key out for its default",
            name, *field));
      }
    }
  }
  // "variant_options": {"mla_form": "absorbed", "kv_lora_rank": 512}: the CLI's
  // --variant-option key=value, one per key.
  if (j.contains("variant_options")) {
    const json& options = j["variant_options"];
    if (!options.is_object()) {
      return absl::InvalidArgumentError(
          "scenario key \"variant_options\" must be an object of option names to values, e.g. "
          "{\"mla_form\": \"absorbed\"}");
    }
    for (const auto& [name, value] : options.items()) {
      if (value.is_string()) {
        r.variant_options.push_back(name + "=" + value.get<std::string>());
      } else if (value.is_number() || value.is_boolean()) {
        r.variant_options.push_back(name + "=" + infercost::framework::JsonText(value));
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("scenario key \"variant_options\": \"", name,
                         "\" must be a number, true/false or a string"));
      }
    }
  }
  // "acceptance": one rate or an array of them, as the CLI's --acceptance 0.85,0.3.
  if (j.contains("acceptance")) {
    const json& rates = j["acceptance"];
    for (const json& rate : rates.is_array() ? rates : json::array({rates})) {
      if (!rate.is_number()) {
        return absl::InvalidArgumentError(
            "scenario key \"acceptance\" must be a number or an array of numbers (each drafted "
            "position's acceptance rate), e.g. [0.85, 0.3]");
      }
      r.acceptance.push_back(rate.get<double>());
    }
  }
  for (const auto& [key, field] :
       {std::pair{"mfu", &infercost::framework::ScenarioRequest::matmul_efficiency},
        std::pair{"bw_efficiency", &infercost::framework::ScenarioRequest::bandwidth_efficiency}}) {
    if (!j.contains(key)) continue;
    double value = 0;
    if (absl::Status s = Read(j, key, value); !s.ok()) return s;
    r.*field = value;
  }
  return r;
}

}  // namespace

extern "C" {

#define INFERCOST_STRINGIFY2(x) #x
#define INFERCOST_STRINGIFY(x) INFERCOST_STRINGIFY2(x)
const char* infercost_version(void) {
  return "0.1.0 (plugin ABI " INFERCOST_STRINGIFY(INFERCOST_ABI_MAJOR) "." INFERCOST_STRINGIFY(
      INFERCOST_ABI_MINOR) ")";
}

infercost_status infercost_context_create(const char* options_json, infercost_context** out) {
  if (out == nullptr) return Fail(absl::StatusCode::kInvalidArgument, "out is NULL");
  *out = nullptr;
  try {
    absl::StatusOr<json> options = ParseObject(options_json, "options_json");
    if (!options.ok()) return Fail(options.status());
    if (absl::Status keys = CheckKeys(*options,
                                      {"plugin_dirs", "preset_dirs", "use_environment",
                                       "use_default_dirs", "plugin_overrides", "probe_plugins"},
                                      "option");
        !keys.ok()) {
      return Fail(keys);
    }
    infercost::framework::PluginLoaderOptions loader;
    std::vector<std::string> preset_dirs;
    bool use_environment = true;
    bool use_default_dirs = true;
    for (absl::Status s : {Read(*options, "plugin_dirs", loader.plugin_dirs),
                           Read(*options, "preset_dirs", preset_dirs),
                           Read(*options, "use_environment", use_environment),
                           Read(*options, "use_default_dirs", use_default_dirs),
                           Read(*options, "plugin_overrides", loader.overrides),
                           Read(*options, "probe_plugins", loader.probe)}) {
      if (!s.ok()) return Fail(s);
    }
    for (const auto& [key, dirs] :
         {std::pair{"plugin_dirs", &loader.plugin_dirs}, std::pair{"preset_dirs", &preset_dirs}}) {
      for (const std::string& dir : *dirs) {
        std::error_code error;
        if (!std::filesystem::is_directory(dir, error)) {
          return Fail(absl::StatusCode::kNotFound,
                      std::string(key) + ": '" + dir + "' is not an existing directory");
        }
      }
    }
    loader.use_environment = use_environment;
    loader.use_default_dirs = use_default_dirs;
    std::vector<std::string> dirs = preset_dirs;
    if (use_environment || use_default_dirs) {
      dirs = infercost::registry::DefaultPresetDirs(preset_dirs);
    }
    absl::StatusOr<infercost::registry::Presets> presets = infercost::registry::LoadPresets(dirs);
    if (!presets.ok()) return Fail(presets.status());
    auto* context =
        new infercost_context{std::move(*presets), infercost::framework::LoadPlugins(loader)};
    *out = context;
    last_error.clear();
    return INFERCOST_OK;
  } catch (const std::exception& e) {
    return Fail(absl::StatusCode::kInternal, e.what());
  }
}

void infercost_context_destroy(infercost_context* context) { delete context; }

infercost_status infercost_evaluate(infercost_context* context, const char* scenario_json,
                                    char** result_json) {
  if (context == nullptr || result_json == nullptr) {
    return Fail(absl::StatusCode::kInvalidArgument, "context and result_json must not be NULL");
  }
  *result_json = nullptr;
  try {
    absl::StatusOr<json> input = ParseObject(scenario_json, "scenario_json");
    if (!input.ok()) return Fail(input.status());
    absl::StatusOr<infercost::framework::ScenarioRequest> request = RequestFromJson(*input);
    if (!request.ok()) return Fail(request.status());
    absl::StatusOr<infercost::framework::Scenario> scenario =
        infercost::framework::MakeScenario(*request, context->presets);
    if (!scenario.ok()) return Fail(scenario.status());
    absl::StatusOr<infercost::framework::Estimate> estimate =
        infercost::framework::EstimateScenario(*scenario, context->plugins);
    if (!estimate.ok()) return Fail(estimate.status());
    *result_json = Copy(infercost::framework::RenderLedgerJson(*scenario, *estimate));
    if (*result_json == nullptr) return Fail(absl::StatusCode::kInternal, "out of memory");
    last_error.clear();
    return INFERCOST_OK;
  } catch (const std::exception& e) {
    return Fail(absl::StatusCode::kInternal, e.what());
  }
}

infercost_status infercost_evaluate_batch(infercost_context* context,
                                          const char* const* scenarios_json, size_t count,
                                          infercost_summary* results, size_t result_size,
                                          int threads) {
  if (context == nullptr || (count > 0 && (scenarios_json == nullptr || results == nullptr))) {
    return Fail(absl::StatusCode::kInvalidArgument,
                "context, scenarios_json and results must not be NULL");
  }
  if (result_size < offsetof(infercost_summary, ttft_s) || result_size > (size_t{1} << 16)) {
    return Fail(absl::StatusCode::kInvalidArgument,
                fmt::format("result_size {} is not the size of an infercost_summary (this "
                            "library's is {})",
                            result_size, sizeof(infercost_summary)));
  }
  try {
    // Parse every scenario first (on the threads too: a parse costs about what an evaluation
    // does); a malformed one gets its status, the rest run.
    std::vector<absl::StatusOr<infercost::framework::ScenarioRequest>> parsed(count);
    std::vector<std::exception_ptr> thrown(count);
    infercost::framework::ParallelFor(count, threads, [&] {
      return [&](size_t i) {
        try {
          absl::StatusOr<json> input = ParseObject(scenarios_json[i], "scenario_json");
          parsed[i] = input.ok()
                          ? RequestFromJson(*input)
                          : absl::StatusOr<infercost::framework::ScenarioRequest>(input.status());
        } catch (...) {
          thrown[i] = std::current_exception();
        }
      };
    });
    for (const std::exception_ptr& e : thrown) {
      if (e) std::rethrow_exception(e);  // the first, as a parse in order would have thrown it
    }
    std::vector<infercost::framework::ScenarioRequest> requests;
    std::vector<size_t> slot;  // requests[j] is scenarios_json[slot[j]]
    std::vector<absl::Status> statuses(count);
    for (size_t i = 0; i < count; ++i) {
      absl::StatusOr<infercost::framework::ScenarioRequest>& request = parsed[i];
      if (!request.ok()) {
        statuses[i] = request.status();
        continue;
      }
      requests.push_back(std::move(*request));
      slot.push_back(i);
    }
    const std::vector<infercost::framework::BatchResult> batch =
        infercost::framework::EstimateBatch(requests, context->presets, context->plugins, threads);
    std::vector<const infercost::framework::Summary*> summaries(count, nullptr);
    for (size_t j = 0; j < batch.size(); ++j) {
      statuses[slot[j]] = batch[j].status;
      if (batch[j].status.ok()) summaries[slot[j]] = &batch[j].summary;
    }
    size_t first_failure = count;
    for (size_t i = 0; i < count; ++i) {
      infercost_summary r{};
      r.status = static_cast<int32_t>(CodeOf(statuses[i].code()));
      if (const infercost::framework::Summary* s = summaries[i]) {
        const infercost::framework::MemoryPerGpu& m = s->memory;
        r.fits = m.fits ? 1 : 0;
        r.ttft_s = s->ttft_s;
        r.tpot_s = s->tpot_s;
        r.e2e_s = s->e2e_s;
        r.tokens_per_s_per_user = s->tokens_per_s_per_user;
        r.tokens_per_s_aggregate = s->tokens_per_s_aggregate;
        r.tokens_per_s_per_gpu = s->tokens_per_s_per_gpu;
        r.weights_bytes_per_gpu = m.weights_bytes;
        r.kv_bytes_per_gpu = m.kv_bytes;
        r.activation_bytes_per_gpu = m.activation_bytes;
        r.free_bytes_per_gpu = m.free_bytes;
        r.max_concurrency = m.max_concurrency;
        r.usd_per_million_input_tokens = s->usd_per_million_input_tokens;
        r.usd_per_million_output_tokens = s->usd_per_million_output_tokens;
        r.ttft_low_s = s->ttft_band.low_s;
        r.ttft_high_s = s->ttft_band.high_s;
        r.tpot_low_s = s->tpot_band.low_s;
        r.tpot_high_s = s->tpot_band.high_s;
        r.e2e_low_s = s->e2e_band.low_s;
        r.e2e_high_s = s->e2e_band.high_s;
      } else if (first_failure == count) {
        first_failure = i;
      }
      // The caller's element may be an older, shorter struct: copy what it has.
      std::memcpy(reinterpret_cast<char*>(results) + i * result_size, &r,
                  std::min(result_size, sizeof(r)));
    }
    if (first_failure < count) {
      return Fail(statuses[first_failure].code(),
                  fmt::format("scenario {}: {}", first_failure,
                              ApiSpelling(std::string(statuses[first_failure].message()))));
    }
    last_error.clear();
    return INFERCOST_OK;
  } catch (const std::exception& e) {
    return Fail(absl::StatusCode::kInternal, e.what());
  }
}

infercost_status infercost_catalog(infercost_context* context, char** catalog_json) {
  if (context == nullptr || catalog_json == nullptr) {
    return Fail(absl::StatusCode::kInvalidArgument, "context and catalog_json must not be NULL");
  }
  try {
    json models = json::array();
    for (const auto& m : context->presets.models.items()) {
      models.push_back({{"name", m.name},
                        {"display_name", m.display_name},
                        {"attention_variant", m.attention_variant},
                        {"num_layers", m.num_layers},
                        {"hidden_size", m.hidden_size}});
    }
    json hardware = json::array();
    for (const auto& h : context->presets.hardware.items()) {
      hardware.push_back({{"name", h.name},
                          {"display_name", h.display_name},
                          {"memory_capacity_bytes", h.memory_capacity_bytes},
                          {"memory_bandwidth_bytes_per_s", h.memory_bandwidth_bytes_per_s}});
    }
    json engines = json::array();
    for (const auto& e : context->presets.engines.items()) engines.push_back(e.name);
    json loaded = json::array();
    for (const auto& p : context->plugins.loaded) {
      const auto why = context->plugins.provenance.find(p->path());
      loaded.push_back(
          {{"name", p->name()},
           {"path", p->path()},
           {"version", p->version()},
           {"why", why == context->plugins.provenance.end() ? "" : ApiSpelling(why->second)}});
    }
    json rejected = json::array();
    for (const auto& r : context->plugins.rejected) {
      rejected.push_back({{"name", r.name}, {"path", r.path}, {"reason", ApiSpelling(r.reason)}});
    }
    json warnings = json::array();
    for (const std::string& w : context->plugins.warnings) warnings.push_back(ApiSpelling(w));
    *catalog_json = Copy(infercost::framework::JsonText(
        json{{"models", models},
             {"hardware", hardware},
             {"engines", engines},
             {"plugins", {{"loaded", loaded}, {"rejected", rejected}, {"warnings", warnings}}}},
        2));
    last_error.clear();
    return *catalog_json != nullptr ? INFERCOST_OK
                                    : Fail(absl::StatusCode::kInternal, "out of memory");
  } catch (const std::exception& e) {
    return Fail(absl::StatusCode::kInternal, e.what());
  }
}

const char* infercost_last_error(const infercost_context* /*context*/) {
  return last_error.c_str();
}

void infercost_free(char* text) { std::free(text); }

}  // extern "C"
