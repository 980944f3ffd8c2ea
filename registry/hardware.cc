#include "registry/hardware.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "registry/dtype.h"
#include "registry/toml_reader.h"

namespace infercost::registry {
namespace {

// Every number of a device and the values it may take: one table for a preset's TOML and a
// hardware plugin's description alike.
struct NumberRange {
  std::string_view key;
  double Hardware::*field;
  double min;
  double max;
};
constexpr NumberRange kNumberRanges[] = {
    {"memory_capacity_bytes", &Hardware::memory_capacity_bytes, 1e6, 1e15},
    {"memory_bandwidth_bytes_per_s", &Hardware::memory_bandwidth_bytes_per_s, 1e6, 1e16},
    {"vector_flops_per_s", &Hardware::vector_flops_per_s, 1e6, 1e19},
    {"onchip_memory_bytes", &Hardware::onchip_memory_bytes, 1, 1e12},
    {"l2_cache_bytes", &Hardware::l2_cache_bytes, 0, 1e12},
    {"scale_up_bandwidth_bytes_per_s", &Hardware::scale_up_bandwidth_bytes_per_s, 1e3, 1e16},
    {"scale_up_latency_s", &Hardware::scale_up_latency_s, 0, 1},
    {"scale_out_bandwidth_bytes_per_s", &Hardware::scale_out_bandwidth_bytes_per_s, 1e3, 1e16},
    {"scale_out_latency_s", &Hardware::scale_out_latency_s, 0, 1},
    {"power_watts", &Hardware::power_watts, 1, 1e6},
    {"price_usd_per_gpu_hour", &Hardware::price_usd_per_gpu_hour, 1e-6, 1e6},
};
constexpr int64_t kMostComputeUnits = int64_t{1} << 24;  // compute_units: 0 (unknown) .. this
constexpr int64_t kMostGpusPerNode = 65536;              // gpus_per_node: 1 .. this
// A dtype's matrix peak: 0 (unsupported) or at least this.
constexpr double kLeastMatrixPeak = 1e6;
constexpr double kMostMatrixPeak = 1e19;
// [efficiency]: 0 (unknown) or in [this, 1].
constexpr double kLeastEfficiency = 0.01;

absl::Status ReadMatrixPeaks(const std::string& path, const toml::table& table,
                             Hardware& hardware) {
  TomlReader reader(path, table, "matrix_flops_per_s");
  bool any = false;
  for (const DType& dtype : AllDTypes()) {
    ASSIGN_OR_RETURN(double peak, reader.OptionalNumber(dtype.name, 0.0, 0.0, kMostMatrixPeak));
    // 0 = the dtype is not supported; anything else is a real peak (at least 1 MFLOP/s).
    if (peak > 0 && peak < kLeastMatrixPeak) {
      return absl::InvalidArgumentError(
          fmt::format("{}: 0 (unsupported) or a peak of at least {} FLOP/s, got {}",
                      reader.Where(dtype.name), kLeastMatrixPeak, peak));
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
  ASSIGN_OR_RETURN(hw.aliases, ReadAliases(reader));
  ASSIGN_OR_RETURN(hw.vendor, reader.String("vendor"));
  ASSIGN_OR_RETURN(hw.plugin, reader.String("plugin"));
  for (const NumberRange& range : kNumberRanges) {
    ASSIGN_OR_RETURN(hw.*range.field, reader.Number(range.key, range.min, range.max));
  }
  ASSIGN_OR_RETURN(hw.compute_units, reader.NonNegativeInt("compute_units", 0, kMostComputeUnits));
  ASSIGN_OR_RETURN(hw.gpus_per_node, reader.PositiveInt("gpus_per_node", kMostGpusPerNode));
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
                     measured.OptionalNumber("memory_bandwidth", 0, kLeastEfficiency, 1));
    ASSIGN_OR_RETURN(hw.measured_matmul_efficiency,
                     measured.OptionalNumber("matmul", 0, kLeastEfficiency, 1));
    RETURN_IF_ERROR(measured.RejectUnknownKeys());
  }
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  return hw;
}

absl::Status CheckHardwareNumbers(const Hardware& hw, std::string_view where) {
  const auto invalid = [&](std::string_view key, auto value, std::string_view expected) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {} is {}; expected {} (as a hardware preset "
                    "takes)",
                    where, key, value, expected));
  };
  for (const NumberRange& range : kNumberRanges) {
    const double value = hw.*range.field;
    if (!(value >= range.min && value <= range.max)) {  // (NaN is neither)
      return invalid(range.key, value, fmt::format("a number in [{}, {}]", range.min, range.max));
    }
  }
  if (hw.compute_units < 0 || hw.compute_units > kMostComputeUnits) {
    return invalid("compute_units", hw.compute_units,
                   fmt::format("an integer in [0, {}]", kMostComputeUnits));
  }
  if (hw.gpus_per_node < 1 || hw.gpus_per_node > kMostGpusPerNode) {
    return invalid("gpus_per_node", hw.gpus_per_node,
                   fmt::format("an integer in [1, {}]", kMostGpusPerNode));
  }
  bool any_peak = false;
  for (const DType& dtype : AllDTypes()) {
    const double peak = hw.matrix_flops_per_s[static_cast<size_t>(dtype.id)];
    if (!(peak == 0 || (peak >= kLeastMatrixPeak && peak <= kMostMatrixPeak))) {
      return invalid(
          fmt::format("matrix_flops_per_s.{}", dtype.name), peak,
          fmt::format("0 (unsupported) or a peak in [{}, {}]", kLeastMatrixPeak, kMostMatrixPeak));
    }
    any_peak = any_peak || peak > 0;
  }
  if (!any_peak) return invalid("matrix_flops_per_s", "0 for every dtype", "at least one peak");
  for (const auto& [key, value] :
       {std::pair{"efficiency.memory_bandwidth", hw.measured_bandwidth_efficiency},
        std::pair{"efficiency.matmul", hw.measured_matmul_efficiency}}) {
    if (!(value == 0 || (value >= kLeastEfficiency && value <= 1))) {
      return invalid(key, value,
                     fmt::format("0 (unknown) or a fraction in [{}, 1]", kLeastEfficiency));
    }
  }
  return absl::OkStatus();
}

}  // namespace infercost::registry
