#include "framework/scenario.h"

#include <algorithm>
#include <tuple>

#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/calibration.h"
#include "framework/parallelism.h"

namespace infercost::framework {
namespace {

absl::Status CheckRange(const char* flag, int64_t value, int64_t min, int64_t max) {
  if (value < min || value > max) {
    return absl::InvalidArgumentError(
        fmt::format("{} = {} is out of range; allowed: {}..{}", flag, value, min, max));
  }
  return absl::OkStatus();
}

absl::StatusOr<registry::DType> ParseDTypeFlag(const char* flag, const std::string& name) {
  absl::StatusOr<registry::DType> dtype = registry::ParseDType(name);
  if (!dtype.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", flag, std::string(dtype.status().message())));
  }
  return dtype;
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
  ASSIGN_OR_RETURN(scenario.weights, ParseDTypeFlag("--weights", request.weights));
  ASSIGN_OR_RETURN(scenario.activations, ParseDTypeFlag("--activations", request.activations));
  ASSIGN_OR_RETURN(scenario.kv, ParseDTypeFlag("--kv", request.kv));
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
  if (request.mode == "static" || request.mode.empty()) {
    scenario.mode = ServingMode::kStatic;
  } else if (request.mode == "serving") {
    scenario.mode = ServingMode::kServing;
  } else {
    return absl::InvalidArgumentError(fmt::format(
        "--mode \"{}\" is not a mode; use static (one batch prefilled, then decoded: the "
        "explainer's per-step view) or serving (a continuously batching server's steady state at "
        "--concurrency clients)",
        request.mode));
  }
  ASSIGN_OR_RETURN(Parallelism parallel, ResolveParallelism({request.gpus, request.tp, request.pp,
                                                             request.dp, request.ep},
                                                            scenario.model));
  scenario.layout = parallel;
  if (!(request.moe_imbalance >= 1 && request.moe_imbalance <= 64)) {
    return absl::InvalidArgumentError(
        fmt::format("--moe-imbalance = {} must be in [1, 64] (1 = perfectly balanced experts)",
                    request.moe_imbalance));
  }
  scenario.moe_imbalance = request.moe_imbalance;
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
  for (const std::string& assignment : request.variant_options) {
    ASSIGN_OR_RETURN(registry::VariantOption option,
                     registry::ParseVariantOption(assignment, "--variant-option"));
    registry::SetVariantOption(scenario.model.variant_options, std::move(option));
  }
  if (!request.mla_form.empty()) {
    ASSIGN_OR_RETURN(registry::VariantOption option,
                     registry::ParseVariantOption("mla_form=" + request.mla_form, "--mla-form"));
    registry::SetVariantOption(scenario.model.variant_options, std::move(option));
  }
  return scenario;
}

const char* ServingModeName(ServingMode mode) {
  return mode == ServingMode::kServing ? "serving" : "static";
}

}  // namespace infercost::framework
