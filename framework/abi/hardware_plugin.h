// Host-side handle on a hardware plugin: phase times and collective times, checked.
//
//   HardwarePlugin roofline(plugins.Find(IC_PLUGIN_KIND_HARDWARE, "roofline").value());
//   ASSIGN_OR_RETURN(ic_phase_time t, roofline.PhaseTime(device, execution, cost));
#ifndef INFERCOST_FRAMEWORK_ABI_HARDWARE_PLUGIN_H_
#define INFERCOST_FRAMEWORK_ABI_HARDWARE_PLUGIN_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/loader/loaded_plugin.h"
#include "infercost/c/hardware.h"
#include "registry/hardware.h"

namespace infercost::framework {

// The ABI view of a hardware preset. Its strings and matrix_peaks point into `hardware`, which
// must outlive the result.
ic_device ToDevice(const registry::Hardware& hardware);

class HardwarePlugin {
 public:
  explicit HardwarePlugin(std::shared_ptr<const LoadedPlugin> plugin);
  std::string_view name() const { return plugin_->name(); }
  // The plugin brings its own efficiencies (IC_PLUGIN_FLAG_OWN_EFFICIENCY).
  bool own_efficiency() const { return plugin_->own_efficiency(); }
  // The loaded plugin (its owner identifies it, e.g. in TimeModelMemo's contexts).
  const std::shared_ptr<const LoadedPlugin>& loaded() const { return plugin_; }

  // Devices the plugin describes itself (vendor plugins), as registry entries. Each is held to
  // what a hardware preset may hold (registry::CheckHardwareNumbers) and named as a registry key
  // (1-64 of [a-z0-9._-]); one that is not is left out, and why is in `refused`.
  struct DescribedDevices {
    std::vector<registry::Hardware> devices;
    std::vector<std::string> refused;
  };
  absl::StatusOr<DescribedDevices> Devices() const;
  absl::StatusOr<ic_phase_time> PhaseTime(const ic_device& device, const ic_execution& execution,
                                          const ic_phase_cost& cost) const;
  // PhaseTime of costs[0 .. count) into out[0 .. count): one call through the plugin's 1.3
  // phase_times when it has one, else one phase_time each. On an error the records are timed
  // one by one, so the message names the record that failed, as PhaseTime's does.
  absl::Status PhaseTimes(const ic_device& device, const ic_execution& execution,
                          const ic_phase_cost* costs, size_t count, ic_phase_time* out) const;
  // The plugin's ABI 1.5 models of costs[0 .. count)'s times (ic_time_model: overhead + the
  // largest of affine pieces of the fields) into out[0 .. count), checked (finite numbers, at
  // most IC_TIME_MODEL_MAX_PIECES): piece_count 0 where it has none (a table without
  // phase_time_models gives none for any record).
  absl::Status PhaseTimeModels(const ic_device& device, const ic_execution& execution,
                               const ic_phase_cost* costs, size_t count, ic_time_model* out) const;
  absl::StatusOr<double> CollectiveTime(const ic_device& device, const ic_execution& execution,
                                        const ic_collective& collective) const;

 private:
  // A time the plugin returned is finite and >= 0, or an error naming the phase.
  absl::Status CheckTime(const ic_phase_time& time, const ic_phase_cost& cost) const;

  std::shared_ptr<const LoadedPlugin> plugin_;
  const ic_hardware_table* table_;
  bool has_phase_times_ = false;        // the table holds a 1.3 phase_times
  bool has_phase_time_models_ = false;  // the table holds a 1.5 phase_time_models
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ABI_HARDWARE_PLUGIN_H_
