#include "framework/scenario.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/calibration.h"
#include "framework/parallelism.h"
#include "framework/speculation.h"

namespace infercost::framework {
namespace {

absl::Status CheckRange(const char* flag, int64_t value, int64_t min, int64_t max) {
  if (value < min || value > max) {
    return absl::InvalidArgumentError(
        fmt::format("{} = {} is out of range; allowed: {}..{}", flag, value, min, max));
  }
  return absl::OkStatus();
}

// A dtype parsed from `flag`'s value; an error names the flag.
absl::StatusOr<registry::DType> OfFlag(const char* flag, absl::StatusOr<registry::DType> dtype) {
  if (!dtype.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", flag, std::string(dtype.status().message())));
  }
  return dtype;
}

// --weights and --expert-weights: fp4 in the layout named, else the checkpoint's (its block
// scales are streamed too), int4 with the checkpoint's group scales; a checkpoint that quantizes
// only the routed experts keeps every other weight in its own dtype, and the report says so.
absl::Status ResolveWeightDTypes(const ScenarioRequest& request, Scenario& scenario) {
  registry::Model& model = scenario.model;
  const auto parse = [&model](const char* flag, const std::string& name) {
    return OfFlag(flag, registry::ParseWeightDType(name, model.fp4_format, model.int4_group_size));
  };
  ASSIGN_OR_RETURN(scenario.weights, parse("--weights", request.weights));
  scenario.expert_weights = scenario.weights;
  if (!request.expert_weights.empty()) {
    if (!model.moe) {
      return absl::InvalidArgumentError(fmt::format(
          "--expert-weights {}: model '{}' ({}) has no routed experts; --weights sets every "
          "weight's dtype",
          request.expert_weights, model.name, model.source));
    }
    ASSIGN_OR_RETURN(scenario.expert_weights, parse("--expert-weights", request.expert_weights));
    return absl::OkStatus();
  }
  const auto kept = model.expert_only_quantization.find(
      std::string(registry::DTypeById(scenario.weights.id).name));
  if (!model.moe || kept == model.expert_only_quantization.end()) return absl::OkStatus();
  ASSIGN_OR_RETURN(scenario.weights, parse("--weights", kept->second));
  model.report_notes.push_back(fmt::format(
      "{}'s {} checkpoint quantizes only the routed experts ({} [expert_only_quantization]): "
      "they are {}, every other weight (attention, dense layers, shared experts, embeddings, LM "
      "head) {}; --expert-weights {} --weights D costs another layout",
      model.name, kept->first, model.source, scenario.expert_weights.name, kept->second,
      kept->first));
  return absl::OkStatus();
}

// One pool of --mode disagg; `prefix` is its flags' ("--prefill", "--decode").
absl::StatusOr<Pool> ResolvePool(const std::string& prefix, const PoolRequest& pool,
                                 const ScenarioRequest& request, const registry::Model& model) {
  const std::string workers_flag = prefix + "-workers";
  const std::string batch_flag = prefix + "-batch";
  RETURN_IF_ERROR(CheckRange(workers_flag.c_str(), pool.workers, 0, kMaxGpus));
  RETURN_IF_ERROR(CheckRange(batch_flag.c_str(), pool.max_batch, 0, kMaxConcurrency));
  ParallelismRequest layout{request.gpus, request.tp, request.pp, request.dp, request.ep};
  if (pool.gpus != 0 || pool.tp != 0 || pool.pp != 0 || pool.dp != 0 || pool.ep != 0) {
    for (const auto& [suffix, value] :
         {std::pair{"-gpus", pool.gpus}, std::pair{"-tp", pool.tp}, std::pair{"-pp", pool.pp},
          std::pair{"-dp", pool.dp}, std::pair{"-ep", pool.ep}}) {
      const std::string flag = prefix + suffix;
      RETURN_IF_ERROR(CheckRange(flag.c_str(), value, 0, kMaxParallelDegree));
    }
    layout.pp = pool.pp > 0 ? pool.pp : 1;
    layout.dp = pool.dp > 0 ? pool.dp : 1;
    layout.ep = pool.ep > 0 ? pool.ep : 1;
    layout.tp = pool.tp;
    layout.gpus = pool.gpus > 0 ? pool.gpus
                  : pool.tp > 0 ? pool.tp * layout.pp * layout.dp
                                : request.gpus;
  }
  absl::StatusOr<Parallelism> resolved = ResolveParallelism(layout, model);
  if (!resolved.ok()) {
    // The layout's message in the pool's flags (--tp -> --prefill-tp, ...).
    const std::string why =
        absl::StrReplaceAll(resolved.status().message(), {{"--gpus ", prefix + "-gpus "},
                                                          {"--tp ", prefix + "-tp "},
                                                          {"--pp ", prefix + "-pp "},
                                                          {"--dp ", prefix + "-dp "},
                                                          {"--ep ", prefix + "-ep "}});
    return absl::InvalidArgumentError(
        fmt::format("{} pool ({}-gpus {}, {}, {}-pp {}, {}-dp {}, {}-ep {}): {}", prefix.substr(2),
                    prefix, layout.gpus,
                    layout.tp > 0 ? fmt::format("{}-tp {}", prefix, layout.tp)
                                  : fmt::format("{}-tp from the GPUs", prefix),
                    prefix, layout.pp, prefix, layout.dp, prefix, layout.ep, why));
  }
  Pool resolved_pool;
  resolved_pool.workers = pool.workers > 0 ? pool.workers : 1;
  resolved_pool.layout = *resolved;
  resolved_pool.gpus = layout.gpus;
  resolved_pool.max_batch = pool.max_batch;
  return resolved_pool;
}

}  // namespace

absl::StatusOr<Scenario> MakeScenario(const ScenarioRequest& request,
                                      const registry::Presets& presets) {
  Scenario scenario;
  ASSIGN_OR_RETURN(const registry::Model* model, presets.models.Find(request.model));
  ASSIGN_OR_RETURN(const registry::Hardware* hardware, presets.hardware.Find(request.hardware));
  ASSIGN_OR_RETURN(const registry::Engine* engine, presets.engines.Find(request.engine));
  scenario.model = *model;
  scenario.hardware = *hardware;
  if (!engine->reference_hardware.empty() &&
      presets.hardware.FindOrNull(engine->reference_hardware) == nullptr) {
    return absl::InvalidArgumentError(fmt::format(
        "engine preset '{}' ({}): reference_hardware = \"{}\" names no hardware preset; set it to "
        "the device its values were fitted on, one of: {}",
        engine->name, engine->source, engine->reference_hardware,
        absl::StrJoin(presets.hardware.Names(), ", ")));
  }
  const EngineCalibration calibration = CalibrateEngine(*engine, *hardware, presets);
  scenario.engine = calibration.engine;
  scenario.calibration_basis = calibration.basis;
  scenario.engine_fitted_on_device = calibration.fitted_on_device;
  scenario.calibration_transferred = calibration.transferred;
  scenario.error_bands = presets.error_bands;
  for (const auto& [flag, value, field] :
       {std::tuple{"--mfu", request.matmul_efficiency, &registry::Engine::matmul_efficiency},
        std::tuple{"--bw-efficiency", request.bandwidth_efficiency,
                   &registry::Engine::bandwidth_efficiency}}) {
    if (!value) continue;
    if (!(*value >= kMinEfficiency && *value <= 1)) {
      return absl::InvalidArgumentError(fmt::format(
          "{} = {} must be a fraction of peak in [{}, 1] (e.g. 0.6 for 60 %); omit it to use the "
          "engine preset's calibration",
          flag, *value, kMinEfficiency));
    }
    const double preset = scenario.engine.*field;
    scenario.calibration_override_ratio =
        std::max({scenario.calibration_override_ratio, *value / preset, preset / *value});
    scenario.engine.*field = *value;
  }
  for (const auto& [key, value] : request.engine_settings) {
    RETURN_IF_ERROR(scenario.engine.SetCalibrationValue(key, value));
  }
  // (A budget of a billion tokens per step is beyond any engine and keeps token sums in range.)
  constexpr int64_t kMaxBatchedTokens = 1'000'000'000;
  if (request.max_batched_tokens < 0 || request.max_batched_tokens > kMaxBatchedTokens) {
    return absl::InvalidArgumentError(fmt::format(
        "--max-batched-tokens = {} must be the tokens one step may hold, 1..{} (the deployment's "
        "setting, e.g. vLLM's --max-num-batched-tokens), or 0 for the engine preset's ({})",
        request.max_batched_tokens, kMaxBatchedTokens, scenario.engine.max_batched_tokens));
  }
  if (request.max_batched_tokens > 0) {
    scenario.engine.max_batched_tokens = request.max_batched_tokens;
  }
  RETURN_IF_ERROR(ResolveWeightDTypes(request, scenario));
  ASSIGN_OR_RETURN(scenario.activations,
                   OfFlag("--activations", registry::ParseDType(request.activations)));
  ASSIGN_OR_RETURN(scenario.kv, OfFlag("--kv", registry::ParseDType(request.kv)));
  RETURN_IF_ERROR(ApplyScenarioNumbers(request, scenario));
  scenario.attention_kernel = request.attention_kernel;
  scenario.attention_variant = request.attention_variant.empty() ? scenario.model.attention_variant
                                                                 : request.attention_variant;
  if (!registry::IsPluginName(scenario.attention_variant)) {
    return absl::InvalidArgumentError(fmt::format(
        "--attention-variant \"{}\" is not a plugin name (a-z, 0-9, '.', '_', '-'); see "
        "`infercost plugins` for the loaded attention variants",
        scenario.attention_variant));
  }
  // Options reach the variant as given; the variant plugin validates them (Pipeline::Create).
  // VARIANT.KEY=VALUE, VARIANT one of the model's per-layer variants (a hybrid model's
  // [layer_variants], e.g. gated_deltanet.conv_kernel=4), sets KEY of that variant instead.
  for (const std::string& assignment : request.variant_options) {
    ASSIGN_OR_RETURN(registry::VariantOption option,
                     registry::ParseVariantOption(assignment, "--variant-option"));
    std::vector<registry::VariantOption>* options = &scenario.model.variant_options;
    for (const auto& [kind, variant] : scenario.model.layer_variants) {
      if (variant != scenario.attention_variant && option.name.size() > variant.size() + 1 &&
          option.name.compare(0, variant.size() + 1, variant + ".") == 0) {
        option.name.erase(0, variant.size() + 1);
        options = &scenario.model.layer_variant_options[variant];
        break;
      }
    }
    registry::SetVariantOption(*options, std::move(option));
  }
  if (!request.mla_form.empty()) {
    ASSIGN_OR_RETURN(registry::VariantOption option,
                     registry::ParseVariantOption("mla_form=" + request.mla_form, "--mla-form"));
    registry::SetVariantOption(scenario.model.variant_options, std::move(option));
  }
  return scenario;
}

bool SameNamedFields(const ScenarioRequest& a, const ScenarioRequest& b) {
  return a.model == b.model && a.hardware == b.hardware && a.engine == b.engine &&
         a.weights == b.weights && a.expert_weights == b.expert_weights &&
         a.activations == b.activations && a.kv == b.kv &&
         a.attention_kernel == b.attention_kernel && a.attention_variant == b.attention_variant &&
         a.matmul_efficiency == b.matmul_efficiency &&
         a.bandwidth_efficiency == b.bandwidth_efficiency &&
         a.engine_settings == b.engine_settings && a.max_batched_tokens == b.max_batched_tokens &&
         a.variant_options == b.variant_options && a.mla_form == b.mla_form;
}

absl::Status ApplyScenarioNumbers(const ScenarioRequest& request, Scenario& scenario) {
  scenario.warnings.clear();
  RETURN_IF_ERROR(CheckRange("--gpus", request.gpus, 1, kMaxGpus));
  RETURN_IF_ERROR(CheckRange("--input-tokens", request.input_tokens, 1, kMaxContextTokens));
  RETURN_IF_ERROR(CheckRange("--output-tokens", request.output_tokens, 1, kMaxContextTokens));
  RETURN_IF_ERROR(CheckRange("--input-tokens + --output-tokens",
                             request.input_tokens + request.output_tokens, 2, kMaxContextTokens));
  RETURN_IF_ERROR(CheckRange("--concurrency", request.concurrency, 1, kMaxConcurrency));
  const int64_t context = request.input_tokens + request.output_tokens;
  if (context > scenario.model.max_context_tokens) {
    const std::string what = fmt::format(
        "--input-tokens {} + --output-tokens {} = {} tokens exceeds the {}-token maximum context "
        "of "
        "{}",
        request.input_tokens, request.output_tokens, context, scenario.model.max_context_tokens,
        scenario.model.name);
    if (!request.allow_beyond_context) {
      return absl::InvalidArgumentError(fmt::format(
          "{}; lower the token counts, or pass --allow-beyond-context to evaluate it anyway",
          what));
    }
    scenario.warnings.push_back(fmt::format(
        "{}: the model was not trained for it (evaluated because of --allow-beyond-context)",
        what));
  }
  scenario.gpus = request.gpus;
  scenario.input_tokens = request.input_tokens;
  scenario.output_tokens = request.output_tokens;
  scenario.concurrency = request.concurrency;
  ASSIGN_OR_RETURN(scenario.mode, ParseServingMode(request.mode));
  // Below one request in 1,000 s a server is idle between requests: its costs per token are
  // the idle hours' (unbounded as the rate falls), not a serving regime.
  constexpr double kLeastRequestRate = 1e-3;
  if (!(request.request_rate == 0 ||
        (request.request_rate >= kLeastRequestRate && request.request_rate <= 1e6))) {
    return absl::InvalidArgumentError(
        fmt::format("--request-rate = {} must be 0 (--concurrency closed-loop clients) or in "
                    "[{}, 1e6] requests per second",
                    request.request_rate, kLeastRequestRate));
  }
  if (request.request_rate > 0 && scenario.mode == ServingMode::kStatic) {
    return absl::InvalidArgumentError(
        "--request-rate needs --mode serving or --mode disagg (a static batch has no arrivals)");
  }
  scenario.request_rate = request.request_rate;
  if (!(request.length_range_ratio > 0 && request.length_range_ratio <= 1)) {
    return absl::InvalidArgumentError(fmt::format(
        "--length-range-ratio = {} must be in (0, 1]: each request's lengths are drawn from "
        "[ratio x --input-tokens, --input-tokens] and [ratio x --output-tokens, --output-tokens] "
        "(1: every request exactly those)",
        request.length_range_ratio));
  }
  if (request.length_range_ratio < 1 && scenario.mode == ServingMode::kStatic) {
    return absl::InvalidArgumentError(
        "--length-range-ratio needs --mode serving or --mode disagg (a static batch's sequences "
        "are all --input-tokens and --output-tokens long)");
  }
  scenario.length_range_ratio = request.length_range_ratio;
  ASSIGN_OR_RETURN(Parallelism parallel, ResolveParallelism({request.gpus, request.tp, request.pp,
                                                             request.dp, request.ep},
                                                            scenario.model));
  scenario.layout = parallel;
  if (scenario.mode == ServingMode::kDisagg) {
    ASSIGN_OR_RETURN(scenario.prefill_pool,
                     ResolvePool("--prefill", request.prefill_pool, request, scenario.model));
    ASSIGN_OR_RETURN(scenario.decode_pool,
                     ResolvePool("--decode", request.decode_pool, request, scenario.model));
    const int64_t total = scenario.prefill_pool.workers * scenario.prefill_pool.gpus +
                          scenario.decode_pool.workers * scenario.decode_pool.gpus;
    RETURN_IF_ERROR(
        CheckRange("GPUs of both pools (workers x GPUs per worker)", total, 2, kMaxGpus));
    scenario.gpus = scenario.decode_pool.gpus;
    scenario.layout = scenario.decode_pool.layout;
  } else {
    if (!request.prefill_pool.Empty() || !request.decode_pool.Empty()) {
      return absl::InvalidArgumentError(
          "--prefill-* and --decode-* describe the pools of --mode disagg; add --mode disagg or "
          "drop them");
    }
    scenario.prefill_pool = Pool{};
    scenario.decode_pool = Pool{};
  }
  if (!(request.moe_imbalance >= 1 && request.moe_imbalance <= 64)) {
    return absl::InvalidArgumentError(
        fmt::format("--moe-imbalance = {} must be in [1, 64] (1 = perfectly balanced experts)",
                    request.moe_imbalance));
  }
  scenario.moe_imbalance = request.moe_imbalance;
  ASSIGN_OR_RETURN(scenario.speculation, ResolveSpeculation(request, scenario.model));
  return absl::OkStatus();
}

const char* ServingModeName(ServingMode mode) {
  switch (mode) {
    case ServingMode::kServing:
      return "serving";
    case ServingMode::kDisagg:
      return "disagg";
    case ServingMode::kStatic:
      break;
  }
  return "static";
}

absl::StatusOr<ServingMode> ParseServingMode(std::string_view name) {
  if (name == "static" || name.empty()) return ServingMode::kStatic;
  if (name == "serving") return ServingMode::kServing;
  if (name == "disagg") return ServingMode::kDisagg;
  return absl::InvalidArgumentError(fmt::format(
      "--mode \"{}\" is not a mode; use static (one batch prefilled, then decoded: the "
      "explainer's per-step view), serving (a continuously batching server's steady state at "
      "--concurrency clients) or disagg (separate prefill and decode pools)",
      name));
}

Scenario PoolScenario(const Scenario& s, const Pool& pool) {
  Scenario worker = s;
  worker.mode = ServingMode::kStatic;
  worker.gpus = pool.gpus;
  worker.layout = pool.layout;
  return worker;
}

}  // namespace infercost::framework
