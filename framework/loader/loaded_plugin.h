// A plugin that passed every check and was initialized: its table, its instance, and the
// library that holds its code. The object keeps that library loaded (SoPtr-style): the
// instance is destroyed first, and the library itself stays mapped until process exit unless
// the loader was told to allow unloading.
//
//   std::shared_ptr<const LoadedPlugin> gqa = ...;
//   auto* table = static_cast<const ic_attention_variant_table*>(gqa->info().kind_table);
//   table->emit_phases(gqa->instance(), &shape, &stage, &sink);
#ifndef INFERCOST_FRAMEWORK_LOADER_LOADED_PLUGIN_H_
#define INFERCOST_FRAMEWORK_LOADER_LOADED_PLUGIN_H_

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "framework/abi/host_services.h"
#include "infercost/c/plugin.h"

namespace infercost::framework {

// Conformance checks of what the host leans on: a plugin that fails one loads, but the host does
// not use what the check found false (the loader warns with `instead`).
// - a hardware plugin's ABI 1.5 time models (HardwarePlugin: decode sums time each record);
inline constexpr std::string_view kTimeModelProbeCheck = "invariants.time_model";
// - its ABI 1.3 batched phase_times (HardwarePlugin: one phase_time per record);
inline constexpr std::string_view kPhaseTimesMatchProbeCheck = "invariants.phase_times_match";
// - an attention variant's or kernel's ABI 1.4 decode_breaks (the decode sum finds the breaks
//   itself, as for a plugin that declares none).
inline constexpr std::string_view kDecodeBreaksProbeCheck = "invariants.decode_breaks";
struct ReliedOnProbeCheck {
  ic_plugin_kind kind;
  std::string_view check;
  std::string_view instead;
};
inline constexpr std::array<ReliedOnProbeCheck, 4> kReliedOnProbeChecks = {{
    {IC_PLUGIN_KIND_HARDWARE, kTimeModelProbeCheck,
     "its time models are not used: decode sums time each record with phase_time (exact, "
     "slower)"},
    {IC_PLUGIN_KIND_HARDWARE, kPhaseTimesMatchProbeCheck,
     "its batched phase_times is not used: each record is timed with phase_time"},
    {IC_PLUGIN_KIND_ATTENTION_VARIANT, kDecodeBreaksProbeCheck,
     "its declared decode breaks are not used: decode sums find the breaks themselves (exact, "
     "slower)"},
    {IC_PLUGIN_KIND_ATTENTION_KERNEL, kDecodeBreaksProbeCheck,
     "its declared decode breaks are not used: decode sums find the breaks themselves (exact, "
     "slower)"},
}};

class LoadedPlugin {
 public:
  // `library` is an opaque owner of the mapped library (kept alive by this object).
  // `failed_probe_checks`: the conformance probe's checks it failed without crashing (it loads;
  // the host leans on none of what those checks found false).
  // `checked_before_loading`: the host's own plugin, or a third-party one whose conformance
  // probe ran (and found false what `failed_probe_checks` lists).
  LoadedPlugin(std::shared_ptr<void> library, std::unique_ptr<PluginHost> host,
               const ic_plugin* plugin, void* instance, std::string path,
               std::vector<std::string> failed_probe_checks = {},
               bool checked_before_loading = false);
  ~LoadedPlugin();
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  const ic_plugin& info() const { return *plugin_; }
  void* instance() const { return instance_; }
  ic_plugin_kind kind() const { return plugin_->kind; }
  std::string_view name() const { return {plugin_->name.data, plugin_->name.size}; }
  // The table's texts as the host shows them (sdk::ReadablePluginText).
  const std::string& version() const { return version_; }
  const std::string& vendor() const { return vendor_; }
  const std::string& description() const { return description_; }
  const std::string& path() const { return path_; }
  bool thread_safe() const { return (plugin_->flags & IC_PLUGIN_FLAG_THREAD_SAFE) != 0; }
  // A hardware plugin whose times are what the device achieves (IC_PLUGIN_FLAG_OWN_EFFICIENCY).
  bool own_efficiency() const { return (plugin_->flags & IC_PLUGIN_FLAG_OWN_EFFICIENCY) != 0; }
  // Whether its conformance probe failed check `name` (e.g. "invariants.time_model").
  bool FailedProbeCheck(std::string_view name) const {
    return std::find(failed_probe_checks_.begin(), failed_probe_checks_.end(), name) !=
           failed_probe_checks_.end();
  }
  // Whether what it declares of its own numbers (ABI 1.4 decode breaks) was checked before it
  // was loaded and found true: the host's own plugin, or a probe that passed
  // invariants.decode_breaks.
  bool declarations_vetted() const {
    return checked_before_loading_ && !FailedProbeCheck(kDecodeBreaksProbeCheck);
  }
  // Calls into a plugin that is not thread-safe must hold this lock.
  std::unique_lock<std::mutex> LockIfNeeded() const;

 private:
  std::shared_ptr<void> library_;  // declared first: released last, after the instance
  std::unique_ptr<PluginHost> host_;
  const ic_plugin* plugin_;
  void* instance_;
  std::string path_;
  std::string version_, vendor_, description_;
  std::vector<std::string> failed_probe_checks_;
  bool checked_before_loading_ = false;
  mutable std::mutex call_mutex_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LOADER_LOADED_PLUGIN_H_
