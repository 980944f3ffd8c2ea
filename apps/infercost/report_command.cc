#include "apps/infercost/report_command.h"

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "fmt/format.h"
#include "framework/abi/hardware_plugin.h"
#include "framework/base/status_macros.h"
#include "framework/estimate.h"
#include "framework/report/ledger_report.h"
#include "registry/hf_config.h"
#include "validation/measured_names.h"

namespace infercost::cli {
namespace {

// `--model` may name a preset or a file; a file is loaded and added to the presets.
absl::StatusOr<registry::Presets> PresetsWithModel(const registry::Presets& presets,
                                                   framework::ScenarioRequest& request) {
  registry::Presets copy = presets;
  const std::string& model = request.model;
  const bool looks_like_path = absl::StrContains(model, "/") || absl::EndsWith(model, ".toml") ||
                               absl::EndsWith(model, ".json");
  if (!looks_like_path) return copy;
  std::error_code error;
  if (!std::filesystem::exists(model, error)) {
    // Not a file: a Hugging Face id ("meta-llama/Llama-3.1-70B-Instruct") names the preset of its
    // architecture (validation/measured_names.h), said on stderr.
    absl::StatusOr<std::string> preset = validation::ModelPresetFor(model, copy);
    if (!preset.ok()) {
      return absl::NotFoundError(fmt::format("--model {}: no such file, and {}", model,
                                             std::string(preset.status().message())));
    }
    fmt::print(stderr, "infercost: --model {}: the preset {} (the same architecture)\n", model,
               *preset);
    request.model = *preset;
    return copy;
  }
  const bool is_json = absl::EndsWith(model, ".json");
  if (!is_json && !absl::EndsWith(model, ".toml")) {
    return absl::InvalidArgumentError(fmt::format(
        "--model {}: a model file must be a TOML preset (see presets/models/) or a Hugging Face "
        "config.json",
        model));
  }
  if (is_json && !copy.hf_variant_names) {
    return absl::NotFoundError(fmt::format(
        "--model {}: importing a config.json needs hf-import.toml (which variant plugin each "
        "kind of attention maps to) in a preset directory; none of them has one",
        model));
  }
  absl::StatusOr<registry::Model> loaded =
      is_json ? registry::LoadHuggingFaceConfig(model, *copy.hf_variant_names)
              : registry::LoadModelPreset(model);
  if (!loaded.ok()) return loaded.status();
  request.model = loaded->name;
  if (copy.models.FindOrNull(loaded->name) == nullptr) {
    absl::Status added = copy.models.Add(*loaded);
    if (!added.ok()) return added;
  } else {
    // A file with the name of a shipped preset replaces it for this run (every other preset,
    // device, engine and error band kept).
    registry::NamedRegistry<registry::Model> models("model");
    for (const auto& m : copy.models.items()) {
      absl::Status added = models.Add(m.name == loaded->name ? *loaded : m);
      if (!added.ok()) return added;
    }
    copy.models = std::move(models);
  }
  return copy;
}

// `warning` on stderr, once per process (the devices are merged for every request a sweep or a
// server resolves).
void WarnOnce(const std::string& warning) {
  static std::mutex mutex;
  static auto* given = new absl::flat_hash_set<std::string>();
  std::lock_guard<std::mutex> lock(mutex);
  if (given->insert(warning).second) fmt::print(stderr, "infercost: warning: {}\n", warning);
}

}  // namespace

void AddPluginDevices(const framework::PluginSet& plugins, registry::Presets& presets) {
  for (const auto& plugin : plugins.loaded) {
    if (plugin->kind() != IC_PLUGIN_KIND_HARDWARE) continue;
    absl::StatusOr<framework::HardwarePlugin::DescribedDevices> described =
        framework::HardwarePlugin(plugin).Devices();
    if (!described.ok()) {
      WarnOnce(fmt::format("the devices of {} are not used: {}", plugin->path(),
                           std::string(described.status().message())));
      continue;
    }
    for (const std::string& refused : described->refused) {
      WarnOnce(fmt::format("{} (not used; {})", refused, plugin->path()));
    }
    for (registry::Hardware& device : described->devices) {
      if (const registry::Hardware* named = presets.hardware.FindOrNull(device.name)) {
        WarnOnce(fmt::format(
            "hardware plugin {} ({}) describes device '{}', which {} names already; that one is "
            "used (rename the plugin's device)",
            plugin->name(), plugin->path(), device.name, named->source));
        continue;
      }
      presets.hardware.Add(std::move(device)).IgnoreError();  // cannot fail: name is new
    }
  }
}

absl::StatusOr<registry::Presets> PresetsForRequest(const registry::Presets& presets,
                                                    const framework::PluginSet& plugins,
                                                    framework::ScenarioRequest& request) {
  absl::StatusOr<registry::Presets> with_model = PresetsWithModel(presets, request);
  if (with_model.ok()) AddPluginDevices(plugins, *with_model);
  return with_model;
}

void AddScenarioFlags(CLI::App& command, framework::ScenarioRequest& request) {
  command
      .add_option("--model", request.model,
                  "Model preset name, or path to a model TOML or a Hugging Face config.json")
      ->capture_default_str();
  command
      .add_option("--hardware", request.hardware,
                  "Hardware preset, or a device a hardware plugin describes")
      ->capture_default_str();
  command.add_option("--gpus", request.gpus, "Number of GPUs")->capture_default_str();
  command.add_option("--engine", request.engine, "Serving engine preset")->capture_default_str();
  command
      .add_option("--weights", request.weights,
                  "Weight dtype (fp32 bf16 fp16 fp8 int8 int4 fp4; fp4 is the model checkpoint's "
                  "layout, NVFP4 unless it says MXFP4: nvfp4 or mxfp4 names one)")
      ->capture_default_str();
  command.add_option(
      "--expert-weights", request.expert_weights,
      "MoE models: the routed experts' dtype, every other weight --weights' (default: --weights', "
      "or where the model's checkpoint of that dtype quantizes only the routed experts, e.g. "
      "Kimi-K2.5 int4, the others in the checkpoint's dtype: its [expert_only_quantization])");
  command.add_option("--activations", request.activations, "Activation dtype")
      ->capture_default_str();
  command.add_option("--kv", request.kv, "KV-cache dtype")->capture_default_str();
  command.add_option("--input-tokens", request.input_tokens, "Prompt tokens per sequence")
      ->capture_default_str();
  command.add_option("--output-tokens", request.output_tokens, "Generated tokens per sequence")
      ->capture_default_str();
  command.add_option("--concurrency", request.concurrency, "Sequences served at once")
      ->capture_default_str();
  command
      .add_option("--mode", request.mode,
                  "static: one batch prefilled, then decoded (the explainer's per-step view); "
                  "serving: a continuously batching server's steady state at --concurrency "
                  "closed-loop clients (chunked prefill in the engine's token budget, queueing); "
                  "disagg: separate prefill and decode pools (--prefill-* / --decode-*), the KV "
                  "cache moving between them")
      ->capture_default_str();
  command.add_option("--request-rate", request.request_rate,
                     "serving / disagg: requests per second arriving open loop (Poisson, fixed "
                     "seed) instead of --concurrency closed-loop clients");
  command.add_option(
      "--length-range-ratio", request.length_range_ratio,
      "serving / disagg: each request's prompt and answer lengths drawn uniformly from "
      "[R x --input-tokens, --input-tokens] and [R x --output-tokens, "
      "--output-tokens], as benchmark_serving's --random-range-ratio (fixed "
      "seed; default 1: every request exactly those)");
  // A pool's counts are 0 in the request where not given (the default); given, at least 1.
  const CLI::Validator at_least_one(
      [](std::string& text) -> std::string {
        int64_t value = 0;
        if (!absl::SimpleAtoi(text, &value) || value >= 1) return "";
        return fmt::format(
            "{} is not a count: give at least 1, or leave the flag out for its "
            "default",
            text);
      },
      "INT >= 1");
  for (auto [pool, name] :
       {std::pair{&request.prefill_pool, "prefill"}, std::pair{&request.decode_pool, "decode"}}) {
    const std::string flag = fmt::format("--{}", name);
    command
        .add_option(flag + "-workers", pool->workers,
                    fmt::format("--mode disagg: {} workers (default 1)", name))
        ->check(at_least_one);
    command
        .add_option(flag + "-gpus", pool->gpus,
                    fmt::format("--mode disagg: GPUs per {} worker (default: tp x pp x dp, or "
                                "--gpus when no {}-* layout flag is given)",
                                name, flag))
        ->check(at_least_one);
    command.add_option(flag + "-tp", pool->tp, fmt::format("--mode disagg: {} worker TP", name))
        ->check(at_least_one);
    command.add_option(flag + "-pp", pool->pp, fmt::format("--mode disagg: {} worker PP", name))
        ->check(at_least_one);
    command
        .add_option(flag + "-dp", pool->dp,
                    fmt::format("--mode disagg: {} worker attention-DP ranks", name))
        ->check(at_least_one);
    command.add_option(flag + "-ep", pool->ep, fmt::format("--mode disagg: {} worker EP", name))
        ->check(at_least_one);
    command
        .add_option(flag + "-batch", pool->max_batch,
                    fmt::format("--mode disagg: most sequences per {} step and DP rank "
                                "(default: {})",
                                name,
                                std::string(name) == "prefill"
                                    ? "the engine's token budget in whole prompts"
                                    : "what memory holds"))
        ->check(at_least_one);
  }
  AddAttentionPluginFlags(command, request.attention_variant, request.variant_options,
                          request.attention_kernel);
  command.add_option("--tp", request.tp, "Tensor-parallel GPUs (default: GPUs / (pp x dp))")
      ->check(at_least_one);
  command.add_option("--pp", request.pp, "Pipeline-parallel stages")->capture_default_str();
  command
      .add_option("--dp", request.dp,
                  "Data-parallel replicas (attention data parallelism for MoE models)")
      ->capture_default_str();
  command.add_option("--ep", request.ep, "Expert-parallel GPUs for MoE layers")
      ->capture_default_str();
  command
      .add_option("--moe-imbalance", request.moe_imbalance,
                  "Busiest GPU's routed tokens over the mean (>= 1)")
      ->capture_default_str();
  command.add_option(
      "--max-batched-tokens", request.max_batched_tokens,
      "The engine's token budget per step as the deployment set it (vLLM "
      "--max-num-batched-tokens, TensorRT-LLM max_num_tokens, SGLang --max-prefill-tokens): "
      "prompt chunks and running decodes share it (default 0: the engine preset's)");
  AddSpeculationFlags(command, request.speculative_tokens, request.acceptance,
                      request.draft_layers);
  command.add_option("--mla-form", request.mla_form,
                     "Shorthand for --variant-option mla_form=FORM (MLA: default, decompress, "
                     "absorbed)");
  command.add_option("--mfu", request.matmul_efficiency,
                     "Override the engine's fraction of peak matrix FLOP/s (0..1]");
  command.add_option("--bw-efficiency", request.bandwidth_efficiency,
                     "Override the engine's fraction of peak HBM bandwidth (0..1]");
  command.add_flag("--allow-beyond-context", request.allow_beyond_context,
                   "Evaluate a context longer than the model's maximum (with a warning)");
}

void AddSpeculationFlags(CLI::App& command, int64_t& tokens, std::vector<double>& acceptance,
                         int64_t& draft_layers) {
  command
      .add_option("--speculative-tokens", tokens,
                  "Speculative decoding: tokens drafted per decode step and sequence, verified "
                  "together (MTP's nextn, EAGLE's num_speculative_tokens; default 0: none)")
      ->capture_default_str();
  command
      .add_option("--acceptance", acceptance,
                  "Speculative decoding: the acceptance rate of each drafted position given the "
                  "ones before were accepted, comma-separated; the last repeats (default 0.85, "
                  "DeepSeek-V3's MTP)")
      ->delimiter(',');
  command
      .add_option("--draft-layers", draft_layers,
                  "Speculative decoding: decoder layers the draft runs per drafted token (1: an "
                  "MTP module or EAGLE head)")
      ->capture_default_str();
}

void AddAttentionPluginFlags(CLI::App& command, std::string& variant,
                             std::vector<std::string>& variant_options, std::string& kernel) {
  command.add_option("--attention-kernel", kernel, "Attention kernel plugin (naive, flash, ...)")
      ->capture_default_str();
  command.add_option("--variant-option", variant_options,
                     "An option for the attention-variant plugin, KEY=VALUE (repeatable); "
                     "overrides the model's [variant] table");
  command.add_option("--attention-variant", variant,
                     "Override the model's attention-variant plugin (any loaded one; see "
                     "`infercost plugins`)");
}

absl::StatusOr<framework::Scenario> ResolveScenario(const registry::Presets& presets,
                                                    const framework::PluginSet& plugins,
                                                    const framework::ScenarioRequest& request) {
  return ScenarioResolver(presets, plugins).Resolve(request);
}

absl::StatusOr<framework::Scenario> ScenarioResolver::Resolve(
    const framework::ScenarioRequest& original) {
  const ForModel* prepared = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::unique_ptr<const ForModel>& slot = by_model_[original.model];
    if (slot == nullptr) {
      auto made = std::make_unique<ForModel>();
      framework::ScenarioRequest request = original;
      absl::StatusOr<registry::Presets> own = PresetsForRequest(presets_, plugins_, request);
      if (own.ok()) {
        made->presets = std::move(*own);
      } else {
        made->status = own.status();
      }
      made->model = request.model;
      slot = std::move(made);
    }
    prepared = slot.get();
  }
  RETURN_IF_ERROR(prepared->status);
  framework::ScenarioRequest request = original;
  request.model = prepared->model;
  return framework::MakeScenario(request, prepared->presets);
}

absl::StatusOr<EvaluatedReport> EvaluateReport(const registry::Presets& presets,
                                               const framework::PluginSet& plugins,
                                               const framework::ScenarioRequest& request) {
  absl::StatusOr<framework::Scenario> scenario = ResolveScenario(presets, plugins, request);
  if (!scenario.ok()) return scenario.status();
  absl::StatusOr<framework::Estimate> estimate = framework::EstimateScenario(*scenario, plugins);
  if (!estimate.ok()) return estimate.status();
  return EvaluatedReport{std::move(*scenario), std::move(*estimate)};
}

absl::StatusOr<std::string> ReportJson(const registry::Presets& presets,
                                       const framework::PluginSet& plugins,
                                       const framework::ScenarioRequest& request) {
  absl::StatusOr<EvaluatedReport> report = EvaluateReport(presets, plugins, request);
  if (!report.ok()) return report.status();
  return framework::RenderLedgerJson(report->scenario, report->estimate);
}

int RunReport(Session& session, const framework::ScenarioRequest& request) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  absl::StatusOr<EvaluatedReport> report = EvaluateReport(**presets, session.Plugins(), request);
  if (!report.ok()) return ReportError(report.status());
  for (const std::string& warning : report->scenario.warnings) {
    fmt::print(stderr, "infercost: warning: {}\n", warning);
  }
  const std::string& format = session.flags().format;
  if (format == "json") {
    fmt::print("{}", framework::RenderLedgerJson(report->scenario, report->estimate));
  } else if (format == "csv") {
    fmt::print("{}", framework::RenderLedgerCsv(report->scenario, report->estimate));
  } else {
    fmt::print("{}", framework::RenderLedgerTable(report->scenario, report->estimate));
  }
  return 0;
}

}  // namespace infercost::cli
