#include "framework/abi/hardware_plugin.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "fmt/format.h"
#include "framework/abi/host_services.h"
#include "framework/abi/phase_catalog.h"
#include "framework/base/status_macros.h"
#include "infercost/sdk/abi_support.h"

namespace infercost::framework {
namespace {

bool FiniteNonNegative(double value) { return std::isfinite(value) && value >= 0; }

// Every time of `time` finite and >= 0 (inline: each record of every step is checked).
inline bool TimeValid(const ic_phase_time& time) {
  return FiniteNonNegative(time.compute_s) && FiniteNonNegative(time.memory_s) &&
         FiniteNonNegative(time.communication_s) && FiniteNonNegative(time.overhead_s) &&
         FiniteNonNegative(time.time_s);
}

}  // namespace

ic_device ToDevice(const registry::Hardware& hardware) {
  ic_device device{};
  device.struct_size = sizeof(ic_device);
  device.name = {hardware.name.data(), hardware.name.size()};
  std::copy(hardware.matrix_flops_per_s.begin(), hardware.matrix_flops_per_s.end(),
            device.matrix_flops_per_s);
  device.vector_flops_per_s = hardware.vector_flops_per_s;
  device.memory_bandwidth_bytes_per_s = hardware.memory_bandwidth_bytes_per_s;
  device.memory_capacity_bytes = hardware.memory_capacity_bytes;
  device.onchip_memory_bytes = hardware.onchip_memory_bytes;
  device.l2_cache_bytes = hardware.l2_cache_bytes;
  device.scale_up_bandwidth_bytes_per_s = hardware.scale_up_bandwidth_bytes_per_s;
  device.scale_up_latency_s = hardware.scale_up_latency_s;
  device.scale_out_bandwidth_bytes_per_s = hardware.scale_out_bandwidth_bytes_per_s;
  device.scale_out_latency_s = hardware.scale_out_latency_s;
  device.power_watts = hardware.power_watts;
  device.price_usd_per_gpu_hour = hardware.price_usd_per_gpu_hour;
  device.gpus_per_node = hardware.gpus_per_node;
  device.compute_units = hardware.compute_units;
  device.display_name = {hardware.display_name.data(), hardware.display_name.size()};
  device.vendor = {hardware.vendor.data(), hardware.vendor.size()};
  device.matrix_peaks = hardware.matrix_flops_per_s.data();
  device.matrix_peak_count = hardware.matrix_flops_per_s.size();
  return device;
}

HardwarePlugin::HardwarePlugin(std::shared_ptr<const LoadedPlugin> plugin)
    : plugin_(std::move(plugin)),
      table_(static_cast<const ic_hardware_table*>(plugin_->info().kind_table)) {
  // (not those its conformance probe found false: the loader warned)
  has_phase_times_ = IC_HAS_FIELD(table_, ic_hardware_table, phase_times) &&
                     table_->phase_times != nullptr &&
                     !plugin_->FailedProbeCheck(kPhaseTimesMatchProbeCheck);
  has_phase_time_models_ = IC_HAS_FIELD(table_, ic_hardware_table, phase_time_models) &&
                           table_->phase_time_models != nullptr &&
                           !plugin_->FailedProbeCheck(kTimeModelProbeCheck);
}

absl::StatusOr<HardwarePlugin::DescribedDevices> HardwarePlugin::Devices() const {
  auto lock = plugin_->LockIfNeeded();
  uint64_t count = 0;
  if (IC_HAS_FIELD(table_, ic_hardware_table, count_devices) && table_->count_devices != nullptr) {
    RETURN_IF_ERROR(ConsumeErrorLazy(table_->count_devices(plugin_->instance(), &count), [&] {
      return fmt::format("hardware plugin {}: counting its devices", name());
    }));
  } else {
    count = table_->device_count(plugin_->instance());  // ABI 1.0: cannot fail
  }
  if (count > 4096) {
    return absl::InternalError(fmt::format(
        "hardware plugin {} claims {} devices; at most 4096 are accepted", name(), count));
  }
  DescribedDevices described;
  for (uint64_t i = 0; i < count; ++i) {
    ic_device device{};
    device.struct_size = sizeof(ic_device);
    absl::Status status =
        ConsumeErrorLazy(table_->describe_device(plugin_->instance(), i, &device),
                         [&] { return fmt::format("hardware plugin {}: device {}", name(), i); });
    if (!status.ok()) return status;
    if ((device.name.data == nullptr && device.name.size > 0) || device.name.size > 64) {
      return absl::InternalError(fmt::format(
          "hardware plugin {} described device {} with an invalid name (null or over 64 bytes)",
          name(), i));
    }
    const std::string_view device_name =
        device.name.data == nullptr ? "" : std::string_view(device.name.data, device.name.size);
    if (!device_name.empty() && !sdk::IsPluginName(device_name)) {
      described.refused.push_back(fmt::format(
          "hardware plugin {}: device {} is named '{}'; a device's name is a registry key (1-64 "
          "of [a-z0-9._-])",
          name(), i, sdk::ReadablePluginText(device_name)));
      continue;
    }
    registry::Hardware hw;
    hw.name = std::string(device_name);
    hw.display_name = hw.name;
    hw.vendor = std::string(plugin_->vendor());
    // ABI 1.1 fields, when the plugin filled them (its CopyOut reports how far it wrote).
    const auto text = [](ic_string s) -> std::string_view {
      return s.data == nullptr || s.size > 256 ? std::string_view()
                                               : std::string_view(s.data, s.size);
    };
    if (IC_HAS_FIELD(&device, ic_device, display_name) && !text(device.display_name).empty()) {
      hw.display_name = sdk::ReadablePluginText(text(device.display_name));
    }
    if (IC_HAS_FIELD(&device, ic_device, vendor) && !text(device.vendor).empty()) {
      hw.vendor = sdk::ReadablePluginText(text(device.vendor));
    }
    hw.plugin = std::string(name());
    std::copy(std::begin(device.matrix_flops_per_s), std::end(device.matrix_flops_per_s),
              hw.matrix_flops_per_s.begin());
    if (IC_HAS_FIELD(&device, ic_device, matrix_peak_count) && device.matrix_peaks != nullptr) {
      // The counted table: the dtypes this host knows, the rest is for newer hosts.
      const uint64_t known =
          std::min<uint64_t>(device.matrix_peak_count, hw.matrix_flops_per_s.size());
      for (uint64_t d = 0; d < known; ++d) hw.matrix_flops_per_s[d] = device.matrix_peaks[d];
    }
    hw.vector_flops_per_s = device.vector_flops_per_s;
    hw.memory_bandwidth_bytes_per_s = device.memory_bandwidth_bytes_per_s;
    hw.memory_capacity_bytes = device.memory_capacity_bytes;
    hw.onchip_memory_bytes = device.onchip_memory_bytes;
    hw.l2_cache_bytes = device.l2_cache_bytes;
    hw.scale_up_bandwidth_bytes_per_s = device.scale_up_bandwidth_bytes_per_s;
    hw.scale_up_latency_s = device.scale_up_latency_s;
    hw.scale_out_bandwidth_bytes_per_s = device.scale_out_bandwidth_bytes_per_s;
    hw.scale_out_latency_s = device.scale_out_latency_s;
    hw.power_watts = device.power_watts;
    hw.price_usd_per_gpu_hour = device.price_usd_per_gpu_hour;
    hw.gpus_per_node = device.gpus_per_node;
    hw.compute_units = device.compute_units;
    hw.source = fmt::format("plugin:{}", name());
    if (hw.name.empty()) {
      return absl::InternalError(
          fmt::format("hardware plugin {} described device {} without a name", name(), i));
    }
    if (absl::Status numbers = registry::CheckHardwareNumbers(
            hw, fmt::format("hardware plugin {}: device {}", name(), hw.name));
        !numbers.ok()) {
      described.refused.emplace_back(numbers.message());
      continue;
    }
    described.devices.push_back(std::move(hw));
  }
  return described;
}

absl::StatusOr<ic_phase_time> HardwarePlugin::PhaseTime(const ic_device& device,
                                                        const ic_execution& execution,
                                                        const ic_phase_cost& cost) const {
  ic_phase_time time{};
  time.struct_size = sizeof(ic_phase_time);
  {
    auto lock = plugin_->LockIfNeeded();
    absl::Status status = ConsumeErrorLazy(
        table_->phase_time(plugin_->instance(), &device, &execution, &cost, &time),
        [&] { return fmt::format("hardware plugin {}: phase {}", name(), PhaseName(cost.phase)); });
    if (!status.ok()) return status;
  }
  RETURN_IF_ERROR(CheckTime(time, cost));
  return time;
}

absl::Status HardwarePlugin::CheckTime(const ic_phase_time& time, const ic_phase_cost& cost) const {
  if (FiniteNonNegative(time.compute_s) && FiniteNonNegative(time.memory_s) &&
      FiniteNonNegative(time.communication_s) && FiniteNonNegative(time.overhead_s) &&
      FiniteNonNegative(time.time_s)) {
    return absl::OkStatus();
  }
  for (const auto& [field, value] :
       {std::pair{"compute_s", time.compute_s}, std::pair{"memory_s", time.memory_s},
        std::pair{"communication_s", time.communication_s},
        std::pair{"overhead_s", time.overhead_s}, std::pair{"time_s", time.time_s}}) {
    if (!FiniteNonNegative(value)) {
      return absl::InternalError(
          fmt::format("hardware plugin {} returned {} = {} s for phase {}; must be finite and >= 0",
                      name(), field, value, PhaseName(cost.phase)));
    }
  }
  return absl::OkStatus();
}

absl::Status HardwarePlugin::PhaseTimes(const ic_device& device, const ic_execution& execution,
                                        const ic_phase_cost* costs, size_t count,
                                        ic_phase_time* out) const {
  if (count == 0) return absl::OkStatus();
  absl::Status batch_error;
  if (has_phase_times_) {
    for (size_t i = 0; i < count; ++i) {
      out[i] = ic_phase_time{};
      out[i].struct_size = sizeof(ic_phase_time);
    }
    ic_error* error = nullptr;
    {
      auto lock = plugin_->LockIfNeeded();
      error = table_->phase_times(plugin_->instance(), &device, &execution, costs, count,
                                  sizeof(ic_phase_cost), out, sizeof(ic_phase_time));
    }
    if (error == nullptr) {
      for (size_t i = 0; i < count; ++i) {
        if (!TimeValid(out[i])) return CheckTime(out[i], costs[i]);
      }
      return absl::OkStatus();
    }
    // Which record: time them one by one below (the same plugin gives the same verdict per
    // record); if none fails alone, the batch's own error stands.
    batch_error = ConsumeError(error, fmt::format("hardware plugin {}", name()));
  }
  for (size_t i = 0; i < count; ++i) {
    ASSIGN_OR_RETURN(out[i], PhaseTime(device, execution, costs[i]));
  }
  return batch_error;
}

absl::Status HardwarePlugin::PhaseTimeModels(const ic_device& device, const ic_execution& execution,
                                             const ic_phase_cost* costs, size_t count,
                                             ic_time_model* out) const {
  for (size_t i = 0; i < count; ++i) {
    out[i] = ic_time_model{};
    out[i].struct_size = sizeof(ic_time_model);
  }
  if (!has_phase_time_models_ || count == 0) return absl::OkStatus();
  // The models of records [first, first + n) into out + first.
  const auto call = [&](size_t first, size_t n) {
    auto lock = plugin_->LockIfNeeded();
    return table_->phase_time_models(plugin_->instance(), &device, &execution, costs + first, n,
                                     sizeof(ic_phase_cost), out + first, sizeof(ic_time_model));
  };
  if (ic_error* error = call(0, count); error != nullptr) {
    // Which record: ask for them one by one, so that the message names it (as phase_time's
    // errors do); if none fails alone, the batch's own error stands.
    const absl::Status batch_error =
        ConsumeError(error, fmt::format("hardware plugin {}: time models", name()));
    for (size_t i = 0; i < count; ++i) {
      RETURN_IF_ERROR(ConsumeErrorLazy(call(i, 1), [&] {
        return fmt::format("hardware plugin {}: time model of phase {}", name(),
                           PhaseName(costs[i].phase));
      }));
    }
    return batch_error;
  }
  for (size_t i = 0; i < count; ++i) {
    const ic_time_model& model = out[i];
    const auto bad = [&](std::string_view what) {
      return absl::InternalError(
          fmt::format("hardware plugin {} returned a time model of phase {} with {}; a model "
                      "has at most {} pieces of finite numbers and a finite overhead >= 0",
                      name(), PhaseName(costs[i].phase), what, IC_TIME_MODEL_MAX_PIECES));
    };
    if (model.piece_count > IC_TIME_MODEL_MAX_PIECES) {
      return bad(fmt::format("{} pieces", model.piece_count));
    }
    if (model.piece_count == 0) continue;
    if (!FiniteNonNegative(model.overhead_s)) {
      return bad(fmt::format("overhead_s = {}", model.overhead_s));
    }
    for (uint32_t p = 0; p < model.piece_count; ++p) {
      const ic_time_piece& piece = model.pieces[p];
      for (const double value : {piece.constant_s, piece.s_per_matrix_flop, piece.s_per_vector_flop,
                                 piece.s_per_weight_byte, piece.s_per_kv_read_byte,
                                 piece.s_per_kv_write_byte, piece.s_per_activation_byte}) {
        if (!std::isfinite(value)) return bad(fmt::format("a coefficient of {}", value));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<double> HardwarePlugin::CollectiveTime(const ic_device& device,
                                                      const ic_execution& execution,
                                                      const ic_collective& collective) const {
  double seconds = -1;
  {
    auto lock = plugin_->LockIfNeeded();
    absl::Status status = ConsumeErrorLazy(
        table_->collective_time(plugin_->instance(), &device, &execution, &collective, &seconds),
        [&] { return fmt::format("hardware plugin {}: collective", name()); });
    if (!status.ok()) return status;
  }
  if (!FiniteNonNegative(seconds)) {
    return absl::InternalError(
        fmt::format("hardware plugin {} returned {} s for a collective; must be finite and >= 0",
                    name(), seconds));
  }
  return seconds;
}

}  // namespace infercost::framework
