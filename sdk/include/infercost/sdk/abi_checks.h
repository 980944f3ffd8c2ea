// infercost SDK — checks of what crosses the ABI, shared by every host: the framework's loader,
// the conformance kit and test hosts use these so the rules live in one place.
//
//   if (std::string problem = infercost::sdk::KindTableProblem(*plugin); !problem.empty())
//     reject(problem);   // "attention variant table: emit_phases is NULL"
//
// Header-only C++17; depends on the C ABI headers only.
#ifndef INFERCOST_SDK_ABI_CHECKS_H_
#define INFERCOST_SDK_ABI_CHECKS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "infercost/c/plugin.h"

namespace infercost::sdk {
inline namespace v1 {

// "attention_variant", "attention_kernel", "hardware" (the manifests' spelling), or "".
inline std::string_view KindName(ic_plugin_kind kind) noexcept {
  switch (kind) {
    case IC_PLUGIN_KIND_ATTENTION_VARIANT:
      return "attention_variant";
    case IC_PLUGIN_KIND_ATTENTION_KERNEL:
      return "attention_kernel";
    case IC_PLUGIN_KIND_HARDWARE:
      return "hardware";
    default:
      return "";
  }
}

// The frozen ABI 1.0 size of a kind's function table (0 for an unknown kind). Tables only grow
// within a major: any 1.x table is at least this large.
inline uint32_t KindTableV1_0Size(ic_plugin_kind kind) noexcept {
  switch (kind) {
    case IC_PLUGIN_KIND_ATTENTION_VARIANT:
      return IC_ATTENTION_VARIANT_TABLE_V1_0_SIZE;
    case IC_PLUGIN_KIND_ATTENTION_KERNEL:
      return IC_ATTENTION_KERNEL_TABLE_V1_0_SIZE;
    case IC_PLUGIN_KIND_HARDWARE:
      return IC_HARDWARE_TABLE_V1_0_SIZE;
    default:
      return 0;
  }
}

// What is wrong with the plugin's kind table ("" = nothing): present, at least its ABI 1.0
// size, and every 1.0 function set. Functions a later minor appended are optional: hosts check
// them with IC_HAS_FIELD and for NULL before each use.
inline std::string KindTableProblem(const ic_plugin& plugin) {
  if (plugin.kind_table == nullptr) return "kind_table is null";
  const std::string_view kind = KindName(plugin.kind);
  if (kind.empty()) {
    return "unknown plugin kind " + std::to_string(plugin.kind) +
           " (ABI 1 knows 1 = attention_variant, 2 = attention_kernel, 3 = hardware)";
  }
  const uint32_t size = *static_cast<const uint32_t*>(plugin.kind_table);
  const uint32_t minimum = KindTableV1_0Size(plugin.kind);
  if (size < minimum) {
    return std::string(kind) + " table struct_size " + std::to_string(size) +
           " is smaller than its ABI 1.0 size " + std::to_string(minimum);
  }
  const auto null = [&](const char* function) {
    return std::string(kind) + " table: " + function + " is null";
  };
  switch (plugin.kind) {
    case IC_PLUGIN_KIND_ATTENTION_VARIANT: {
      const auto* t = static_cast<const ic_attention_variant_table*>(plugin.kind_table);
      if (!t->validate) return null("validate");
      if (!t->kv_cache_bytes_per_token) return null("kv_cache_bytes_per_token");
      if (!t->emit_phases) return null("emit_phases");
      return "";
    }
    case IC_PLUGIN_KIND_ATTENTION_KERNEL: {
      const auto* t = static_cast<const ic_attention_kernel_table*>(plugin.kind_table);
      if (!t->rewrite_traffic) return null("rewrite_traffic");
      return "";
    }
    default: {
      const auto* t = static_cast<const ic_hardware_table*>(plugin.kind_table);
      if (!t->device_count) return null("device_count");
      if (!t->describe_device) return null("describe_device");
      if (!t->phase_time) return null("phase_time");
      if (!t->collective_time) return null("collective_time");
      return "";
    }
  }
}

}  // namespace v1
}  // namespace infercost::sdk

#endif  // INFERCOST_SDK_ABI_CHECKS_H_
