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
    ASSIGN_OR_RETURN(double peak, reader.OptionalNumber(dtype.name, 0.0, 0.0, 1e19));
    // 0 = the dtype is not supported; anything else is a real peak (at least 1 MFLOP/s).
    if (peak > 0 && peak < 1e6) {
      return absl::InvalidArgumentError(
          fmt::format("{}: 0 (unsupported) or a peak of at least 1e6 FLOP/s, got {}",
                      reader.Where(dtype.name), peak));
    }
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

absl::StatusOr<Hardware> HardwareFromToml(const toml::table& root, const std::string& path);

absl::StatusOr<Hardware> LoadHardwarePreset(const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(path));
  return HardwareFromToml(root, path);
}

absl::StatusOr<Hardware> ParseHardwarePreset(std::string_view text,
                                             const std::string& source_name) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlText(text, source_name));
  return HardwareFromToml(root, source_name);
}

absl::StatusOr<Hardware> HardwareFromToml(const toml::table& root, const std::string& path) {
  TomlReader reader(path, root);
  Hardware hw;
  hw.source = path;
  ASSIGN_OR_RETURN(hw.name, reader.String("name"));
  ASSIGN_OR_RETURN(hw.display_name, reader.String("display_name"));
  ASSIGN_OR_RETURN(hw.vendor, reader.String("vendor"));
  ASSIGN_OR_RETURN(hw.plugin, reader.String("plugin"));
  ASSIGN_OR_RETURN(hw.memory_capacity_bytes, reader.Number("memory_capacity_bytes", 1e6, 1e15));
  ASSIGN_OR_RETURN(hw.memory_bandwidth_bytes_per_s,
                   reader.Number("memory_bandwidth_bytes_per_s", 1e6, 1e16));
  ASSIGN_OR_RETURN(hw.vector_flops_per_s, reader.Number("vector_flops_per_s", 1e6, 1e19));
  ASSIGN_OR_RETURN(hw.onchip_memory_bytes, reader.Number("onchip_memory_bytes", 1, 1e12));
  ASSIGN_OR_RETURN(hw.l2_cache_bytes, reader.Number("l2_cache_bytes", 0, 1e12));
  ASSIGN_OR_RETURN(hw.compute_units, reader.NonNegativeInt("compute_units", 0, 1 << 24));
  ASSIGN_OR_RETURN(hw.scale_up_bandwidth_bytes_per_s,
                   reader.Number("scale_up_bandwidth_bytes_per_s", 1e3, 1e16));
  ASSIGN_OR_RETURN(hw.scale_up_latency_s, reader.Number("scale_up_latency_s", 0, 1));
  ASSIGN_OR_RETURN(hw.scale_out_bandwidth_bytes_per_s,
                   reader.Number("scale_out_bandwidth_bytes_per_s", 1e3, 1e16));
  ASSIGN_OR_RETURN(hw.scale_out_latency_s, reader.Number("scale_out_latency_s", 0, 1));
  ASSIGN_OR_RETURN(hw.gpus_per_node, reader.PositiveInt("gpus_per_node", 65536));
  ASSIGN_OR_RETURN(hw.power_watts, reader.Number("power_watts", 1, 1e6));
  ASSIGN_OR_RETURN(hw.price_usd_per_gpu_hour, reader.Number("price_usd_per_gpu_hour", 1e-6, 1e6));
  ASSIGN_OR_RETURN(const toml::table* peaks, reader.OptionalTable("matrix_flops_per_s"));
  if (peaks == nullptr) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: missing required table [matrix_flops_per_s] (keys: {})", path, DTypeNames()));
  }
  RETURN_IF_ERROR(ReadMatrixPeaks(path, *peaks, hw));
  ASSIGN_OR_RETURN(const toml::table* efficiency, reader.OptionalTable("efficiency"));
  if (efficiency != nullptr) {
    TomlReader measured(path, *efficiency, "efficiency");
    ASSIGN_OR_RETURN(hw.measured_bandwidth_efficiency,
                     measured.OptionalNumber("memory_bandwidth", 0, 0.01, 1));
    ASSIGN_OR_RETURN(hw.measured_matmul_efficiency, measured.OptionalNumber("matmul", 0, 0.01, 1));
    RETURN_IF_ERROR(measured.RejectUnknownKeys());
  }
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  return hw;
}

}  // namespace infercost::registry
