#include "apps/infercost/list_commands.h"

#include <cstdio>
#include <string>
#include <variant>

#include "apps/infercost/report_command.h"
#include "fmt/format.h"
#include "framework/abi/hardware_plugin.h"
#include "framework/report/json_text.h"
#include "framework/report/text_table.h"
#include "nlohmann/json.hpp"
#include "registry/dtype.h"

namespace infercost::cli {
namespace {

using framework::Align;
using framework::TextTable;
using nlohmann::json;

std::string JsonText(const json& value) { return framework::JsonText(value, 2) + "\n"; }

std::string Si(double value, const char* unit) {
  static constexpr const char* kPrefixes[] = {"", "K", "M", "G", "T", "P", "E"};
  int index = 0;
  while (value >= 1000 && index < 6) {
    value /= 1000;
    ++index;
  }
  return fmt::format("{:.4g} {}{}", value, kPrefixes[index], unit);
}

json ModelJson(const registry::Model& m) {
  json j = {{"name", m.name},
            {"display_name", m.display_name},
            {"family", m.family},
            {"attention_variant", m.attention_variant},
            {"hidden_size", m.hidden_size},
            {"num_layers", m.num_layers},
            {"num_attention_heads", m.num_attention_heads},
            {"num_kv_heads", m.num_kv_heads},
            {"head_dim", m.head_dim},
            {"intermediate_size", m.intermediate_size},
            {"vocab_size", m.vocab_size},
            {"tie_word_embeddings", m.tie_word_embeddings},
            {"max_context_tokens", m.max_context_tokens},
            {"sliding_window", m.sliding_window},
            {"source", m.source}};
  if (m.moe) {
    j["moe"] = {{"num_experts", m.moe->num_experts},
                {"experts_per_token", m.moe->experts_per_token},
                {"num_shared_experts", m.moe->num_shared_experts},
                {"expert_intermediate_size", m.moe->expert_intermediate_size},
                {"first_dense_layers", m.moe->first_dense_layers}};
  }
  if (!m.layer_types.empty()) j["layer_types"] = m.layer_types;
  if (!m.variant_options.empty()) {
    json options = json::object();
    for (const registry::VariantOption& option : m.variant_options) {
      std::visit([&](const auto& value) { options[option.name] = value; }, option.value);
    }
    j["variant_options"] = options;
  }
  return j;
}

json DeviceJson(const registry::Hardware& h) {
  json peaks = json::object();
  for (const registry::DType& dtype : registry::AllDTypes()) {
    const double peak = h.matrix_flops_per_s[static_cast<size_t>(dtype.id)];
    if (peak > 0) peaks[std::string(dtype.name)] = peak;
  }
  return {{"name", h.name},
          {"display_name", h.display_name},
          {"vendor", h.vendor},
          {"plugin", h.plugin},
          {"matrix_flops_per_s", peaks},
          {"vector_flops_per_s", h.vector_flops_per_s},
          {"memory_capacity_bytes", h.memory_capacity_bytes},
          {"memory_bandwidth_bytes_per_s", h.memory_bandwidth_bytes_per_s},
          {"onchip_memory_bytes", h.onchip_memory_bytes},
          {"l2_cache_bytes", h.l2_cache_bytes},
          {"compute_units", h.compute_units},
          {"scale_up_bandwidth_bytes_per_s", h.scale_up_bandwidth_bytes_per_s},
          {"scale_up_latency_s", h.scale_up_latency_s},
          {"scale_out_bandwidth_bytes_per_s", h.scale_out_bandwidth_bytes_per_s},
          {"scale_out_latency_s", h.scale_out_latency_s},
          {"gpus_per_node", h.gpus_per_node},
          {"power_watts", h.power_watts},
          {"price_usd_per_gpu_hour", h.price_usd_per_gpu_hour},
          {"source", h.source}};
}

json EngineJson(const registry::Engine& e) {
  json overrides = json::object();
  for (const auto& o : e.hardware_overrides) {
    json values = json::object();
    for (const auto& [key, value] : o.values) values[key] = value;
    overrides[o.hardware] = values;
  }
  json experts = json::object();
  for (const registry::Engine::ExpertKernels& k : e.expert_kernels) {
    experts[k.dtype_name] = {{"kernel_overhead_s", e.ExpertKernelOverhead(k)},
                             {"bandwidth_ratio", k.bandwidth_ratio}};
  }
  return {{"name", e.name},
          {"display_name", e.display_name},
          {"matmul_efficiency", e.matmul_efficiency},
          {"matmul_half_flops", e.matmul_half_flops},
          {"bandwidth_efficiency", e.bandwidth_efficiency},
          {"bandwidth_half_bytes", e.bandwidth_half_bytes},
          {"low_precision_math", e.low_precision_math},
          {"low_precision_matmul_ratio", e.low_precision_matmul_ratio},
          {"expert_matmul_ratio", e.expert_matmul_ratio},
          {"experts", experts},
          {"kernel_overhead_s", e.kernel_overhead_s},
          {"per_layer_overhead_s", e.per_layer_overhead_s},
          {"per_step_overhead_s", e.per_step_overhead_s},
          {"host_overlap", e.host_overlap},
          {"per_sequence_overhead_s", e.per_sequence_overhead_s},
          {"request_overhead_s", e.request_overhead_s},
          {"main_process_request_overhead_s", e.main_process_request_overhead_s},
          {"postprocess_workers", e.postprocess_workers},
          {"runtime_reserve_bytes", e.runtime_reserve_bytes},
          {"reserve_fraction", e.reserve_fraction},
          {"max_batched_tokens", e.max_batched_tokens},
          {"chunked_prefill", e.chunked_prefill},
          {"serving_schedule", e.serving_schedule},
          {"reference_hardware", e.reference_hardware},
          {"hardware", overrides},
          {"source", e.source}};
}

double BestPeak(const registry::Hardware& h, ic_dtype dtype) {
  return h.matrix_flops_per_s[static_cast<size_t>(dtype)];
}

// Why a plugin was chosen and trusted (see PluginSet::provenance).
std::string Why(const framework::PluginSet& set, const std::string& library_path) {
  const auto it = set.provenance.find(library_path);
  return it == set.provenance.end() ? std::string() : it->second;
}

}  // namespace

std::string ModelsJson(const registry::Presets& presets) {
  json list = json::array();
  for (const auto& m : presets.models.items()) list.push_back(ModelJson(m));
  return JsonText({{"models", list}});
}

std::vector<registry::Hardware> AllDevices(const registry::Presets& presets,
                                           const framework::PluginSet& plugins) {
  registry::Presets with_devices = presets;
  AddPluginDevices(plugins, with_devices);  // what --hardware can name
  return with_devices.hardware.items();
}

std::string HardwareJson(const registry::Presets& presets, const framework::PluginSet& plugins) {
  json list = json::array();
  for (const auto& h : AllDevices(presets, plugins)) list.push_back(DeviceJson(h));
  return JsonText({{"hardware", list}});
}

std::string EnginesJson(const registry::Presets& presets) {
  json list = json::array();
  for (const auto& e : presets.engines.items()) list.push_back(EngineJson(e));
  return JsonText({{"engines", list}});
}

std::string PluginsJson(const framework::PluginSet& set, bool load) {
  json loaded = json::array();
  if (load) {
    for (const auto& p : set.loaded) {
      loaded.push_back({{"name", p->name()},
                        {"kind", framework::PluginKindName(p->kind())},
                        {"version", p->version()},
                        {"vendor", p->vendor()},
                        {"description", p->description()},
                        {"abi", fmt::format("{}.{}", p->info().abi_major, p->info().abi_minor)},
                        {"thread_safe", p->thread_safe()},
                        {"path", p->path()},
                        {"why", Why(set, p->path())}});
    }
  } else {
    for (const auto& m : set.manifests) {
      if (!set.provenance.contains(m.library_path)) continue;  // a losing duplicate
      loaded.push_back({{"name", m.name},
                        {"kind", framework::PluginKindName(m.kind)},
                        {"library", m.library_path},
                        {"manifest", m.manifest_path},
                        {"why", Why(set, m.library_path)}});
    }
  }
  json rejected = json::array();
  for (const auto& r : set.rejected) {
    rejected.push_back({{"name", r.name}, {"path", r.path}, {"reason", r.reason}});
    if (r.plugin_abi_major >= 0) {
      rejected.back()["abi"] = fmt::format("{}.{}", r.plugin_abi_major, r.plugin_abi_minor);
    }
  }
  return JsonText({{load ? "loaded" : "found", loaded},
                   {"rejected", rejected},
                   {"search_dirs", set.search_dirs},
                   {"warnings", set.warnings},
                   {"host_abi", fmt::format("{}.{}", INFERCOST_ABI_MAJOR, INFERCOST_ABI_MINOR)}});
}

int RunModels(Session& session) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  const auto& models = (*presets)->models.items();
  if (session.flags().format == "json") {
    fmt::print("{}", ModelsJson(**presets));
    return 0;
  }
  TextTable table(
      {"name", "model", "attention", "layers", "hidden", "heads", "kv heads", "head dim", "ffn",
       "vocab", "moe (experts/top-k)"},
      {Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight,
       Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight});
  for (const auto& m : models) {
    table.AddRow(
        {m.name, m.display_name, m.attention_variant, fmt::format("{}", m.num_layers),
         fmt::format("{}", m.hidden_size), fmt::format("{}", m.num_attention_heads),
         fmt::format("{}", m.num_kv_heads), fmt::format("{}", m.head_dim),
         fmt::format("{}", m.intermediate_size), fmt::format("{}", m.vocab_size),
         m.moe ? fmt::format("{}/{}", m.moe->num_experts, m.moe->experts_per_token) : "-"});
  }
  fmt::print("{}", table.Render());
  return 0;
}

int RunHardware(Session& session) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  const std::vector<registry::Hardware> devices = AllDevices(**presets, session.Plugins());
  if (session.flags().format == "json") {
    fmt::print("{}", HardwareJson(**presets, session.Plugins()));
    return 0;
  }
  TextTable table(
      {"name", "device", "memory", "bandwidth", "bf16", "fp8", "link", "$/GPU-h", "plugin"},
      {Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
       Align::kRight, Align::kRight, Align::kLeft});
  for (const auto& h : devices) {
    const double fp8 = BestPeak(h, IC_DTYPE_FP8);
    table.AddRow({h.name, h.display_name, Si(h.memory_capacity_bytes, "B"),
                  Si(h.memory_bandwidth_bytes_per_s, "B/s"),
                  Si(BestPeak(h, IC_DTYPE_BF16), "FLOP/s"), fp8 > 0 ? Si(fp8, "FLOP/s") : "-",
                  Si(h.scale_up_bandwidth_bytes_per_s, "B/s"),
                  fmt::format("{:.2f}", h.price_usd_per_gpu_hour), h.plugin});
  }
  fmt::print("{}", table.Render());
  return 0;
}

int RunEngines(Session& session) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  if (session.flags().format == "json") {
    fmt::print("{}", EnginesJson(**presets));
    return 0;
  }
  TextTable table({"name", "engine", "mfu", "bw eff", "kernel overhead", "step overhead",
                   "schedule", "calibrated on"},
                  {Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight,
                   Align::kRight, Align::kLeft, Align::kLeft});
  for (const auto& e : (*presets)->engines.items()) {
    std::vector<std::string> devices;
    for (const auto& o : e.hardware_overrides) devices.push_back(o.hardware);
    table.AddRow(
        {e.name, e.display_name, fmt::format("{:.3g}", e.matmul_efficiency),
         fmt::format("{:.3g}", e.bandwidth_efficiency),
         fmt::format("{:.3g} us", e.kernel_overhead_s * 1e6),
         e.host_overlap > 0 ? fmt::format("{:.3g} ms, host work {:.0f}% hidden",
                                          e.per_step_overhead_s * 1e3, 100 * e.host_overlap)
                            : fmt::format("{:.3g} ms", e.per_step_overhead_s * 1e3),
         e.serving_schedule, devices.empty() ? "-" : fmt::format("{}", fmt::join(devices, ","))});
  }
  fmt::print("{}", table.Render());
  return 0;
}

int RunPlugins(Session& session, bool load) {
  const framework::PluginSet listed = session.ListPluginsWithoutLoading();
  const framework::PluginSet& set = load ? session.Plugins(/*warn_rejected=*/false) : listed;
  if (session.flags().format == "json") {
    fmt::print("{}", PluginsJson(set, load));
    return 0;
  }
  fmt::print("host plugin ABI {}.{}; search path: {}\n\n", INFERCOST_ABI_MAJOR, INFERCOST_ABI_MINOR,
             set.search_dirs.empty() ? "(none found)"
                                     : fmt::format("{}", fmt::join(set.search_dirs, ":")));
  if (load) {
    TextTable table({"status", "kind", "name", "version", "vendor", "abi", "path", "why"},
                    {Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft,
                     Align::kLeft, Align::kLeft, Align::kLeft});
    for (const auto& p : set.loaded) {
      table.AddRow({"loaded", std::string(framework::PluginKindName(p->kind())),
                    std::string(p->name()), std::string(p->version()), std::string(p->vendor()),
                    fmt::format("{}.{}", p->info().abi_major, p->info().abi_minor), p->path(),
                    Why(set, p->path())});
    }
    fmt::print("{}", table.Render());
  } else {
    TextTable table({"kind", "name", "library", "why"},
                    {Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft});
    for (const auto& m : set.manifests) {
      if (!set.provenance.contains(m.library_path)) continue;  // a losing duplicate
      table.AddRow({std::string(framework::PluginKindName(m.kind)), m.name, m.library_path,
                    Why(set, m.library_path)});
    }
    fmt::print("{}", table.Render());
  }
  if (!load && !set.warnings.empty()) {  // loading printed them on stderr already
    fmt::print("\nwarnings:\n");
    for (const std::string& warning : set.warnings) fmt::print("  {}\n", warning);
  }
  if (!set.rejected.empty()) {
    fmt::print("\nrejected:\n");
    for (const auto& r : set.rejected) {
      fmt::print("  {}{}: {}\n", r.path, r.name.empty() ? "" : fmt::format(" ({})", r.name),
                 r.reason);
    }
  }
  return 0;
}

}  // namespace infercost::cli
