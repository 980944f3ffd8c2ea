// A device, as read from a hardware preset (presets/hardware/*.toml), or described by a
// vendor's hardware plugin.
//
//   ASSIGN_OR_RETURN(Hardware h100, LoadHardwarePreset("presets/hardware/h100-sxm.toml"));
//   h100.memory_bandwidth_bytes_per_s;   // 3.35e12
#ifndef INFERCOST_REGISTRY_HARDWARE_H_
#define INFERCOST_REGISTRY_HARDWARE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "infercost/c/dtype.h"

namespace infercost::registry {

struct Hardware {
  std::string name;  // registry key, e.g. "h100-sxm"
  std::string display_name;
  // Other names the preset answers to (`aliases`, lowercased; e.g. a benchmark's device label):
  // a lookup by any of them finds it.
  std::vector<std::string> aliases;
  std::string vendor;
  std::string plugin;  // hardware plugin that times it, e.g. "roofline"
  std::array<double, IC_DTYPE_COUNT_V1> matrix_flops_per_s{};  // 0 = unsupported dtype
  double vector_flops_per_s = 0;
  double memory_capacity_bytes = 0;
  double memory_bandwidth_bytes_per_s = 0;
  double onchip_memory_bytes = 0;
  double l2_cache_bytes = 0;
  int64_t compute_units = 0;
  double scale_up_bandwidth_bytes_per_s = 0;
  double scale_up_latency_s = 0;
  double scale_out_bandwidth_bytes_per_s = 0;
  double scale_out_latency_s = 0;
  int64_t gpus_per_node = 1;
  double power_watts = 0;
  double price_usd_per_gpu_hour = 0;
  // What public microbenchmarks measured on this device ([efficiency], optional; 0 = unknown):
  // streaming HBM bandwidth and large dense BF16 GEMM throughput as fractions of the datasheet
  // peaks. A property of the device, not of an engine: engines fitted on one device move to
  // another through these (framework/calibration.h).
  double measured_bandwidth_efficiency = 0;
  double measured_matmul_efficiency = 0;
  std::string source;  // file it came from, or "plugin:<name>"

  bool operator==(const Hardware&) const = default;
};

absl::StatusOr<Hardware> LoadHardwarePreset(const std::string& path);
// Whether every number of `hw` is one a hardware preset may hold (the same ranges its TOML is
// read with): what a hardware plugin's device is held to. The error starts with `where`.
absl::Status CheckHardwareNumbers(const Hardware& hw, std::string_view where);
// The same from TOML text; `source_name` stands for the file in messages.
absl::StatusOr<Hardware> ParseHardwarePreset(std::string_view text, const std::string& source_name);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_HARDWARE_H_
