#include "registry/hardware.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "registry/dtype.h"
#include "registry/toml_reader.h"

namespace infercost::registry {
namespace {

absl::Status ReadMatrixPeaks(const std::string& path, const toml::table& table,
                             Hardware& hardware) {
  TomlReader reader(path, table, "matrix_flops_per_s");
  bool any = false;
  for (const DType& dtype : AllDTypes()) {
    ASSIGN_OR_RETURN(double peak, reader.OptionalNumber(dtype.name, 0.0, 0.0, 1e18));
    hardware.matrix_flops_per_s[static_cast<size_t>(dtype.id)] = peak;
    any = any || peak > 0;
  }
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  if (!any) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: table [matrix_flops_per_s] needs at least one peak; keys: {}", path, DTypeNames()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Hardware> LoadHardwarePreset(const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(path));
  TomlReader reader(path, root);
  Hardware hw;
  hw.source = path;
  ASSIGN_OR_RETURN(hw.name, reader.String("name"));
  ASSIGN_OR_RETURN(hw.display_name, reader.String("display_name"));
  ASSIGN_OR_RETURN(hw.vendor, reader.String("vendor"));
  ASSIGN_OR_RETURN(hw.plugin, reader.String("plugin"));
  ASSIGN_OR_RETURN(hw.memory_capacity_bytes, reader.PositiveNumber("memory_capacity_bytes"));
  ASSIGN_OR_RETURN(hw.memory_bandwidth_bytes_per_s,
                   reader.PositiveNumber("memory_bandwidth_bytes_per_s"));
  ASSIGN_OR_RETURN(hw.vector_flops_per_s, reader.PositiveNumber("vector_flops_per_s"));
  ASSIGN_OR_RETURN(hw.onchip_memory_bytes, reader.PositiveNumber("onchip_memory_bytes"));
  ASSIGN_OR_RETURN(hw.l2_cache_bytes, reader.PositiveNumber("l2_cache_bytes", true));
  ASSIGN_OR_RETURN(hw.compute_units, reader.NonNegativeInt("compute_units", 0));
  ASSIGN_OR_RETURN(hw.scale_up_bandwidth_bytes_per_s,
                   reader.PositiveNumber("scale_up_bandwidth_bytes_per_s"));
  ASSIGN_OR_RETURN(hw.scale_up_latency_s, reader.PositiveNumber("scale_up_latency_s", true));
  ASSIGN_OR_RETURN(hw.scale_out_bandwidth_bytes_per_s,
                   reader.PositiveNumber("scale_out_bandwidth_bytes_per_s"));
  ASSIGN_OR_RETURN(hw.scale_out_latency_s, reader.PositiveNumber("scale_out_latency_s", true));
  ASSIGN_OR_RETURN(hw.gpus_per_node, reader.PositiveInt("gpus_per_node"));
  ASSIGN_OR_RETURN(hw.power_watts, reader.PositiveNumber("power_watts"));
  ASSIGN_OR_RETURN(hw.price_usd_per_gpu_hour, reader.PositiveNumber("price_usd_per_gpu_hour"));
  ASSIGN_OR_RETURN(const toml::table* peaks, reader.OptionalTable("matrix_flops_per_s"));
  if (peaks == nullptr) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: missing required table [matrix_flops_per_s] (keys: {})", path, DTypeNames()));
  }
  RETURN_IF_ERROR(ReadMatrixPeaks(path, *peaks, hw));
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  return hw;
}

}  // namespace infercost::registry
