#include "registry/dtype.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"

namespace infercost::registry {

const std::vector<DType>& AllDTypes() {
  // Bytes per element of each storage format (int4/fp4 pack two elements per byte).
  static const std::vector<DType> kDTypes = {
      {IC_DTYPE_FP32, "fp32", 4.0}, {IC_DTYPE_TF32, "tf32", 4.0}, {IC_DTYPE_BF16, "bf16", 2.0},
      {IC_DTYPE_FP16, "fp16", 2.0}, {IC_DTYPE_FP8, "fp8", 1.0},   {IC_DTYPE_INT8, "int8", 1.0},
      {IC_DTYPE_INT4, "int4", 0.5}, {IC_DTYPE_FP4, "fp4", 0.5},
  };
  return kDTypes;
}

std::string DTypeNames() {
  return absl::StrJoin(AllDTypes(), ", ",
                       [](std::string* out, const DType& t) { out->append(t.name); });
}

absl::StatusOr<DType> ParseDType(std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(std::string(name));
  for (const DType& dtype : AllDTypes()) {
    if (dtype.name == lower) return dtype;
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown dtype '{}'; allowed: {}", name, DTypeNames()));
}

const DType& DTypeById(ic_dtype id) { return AllDTypes().at(static_cast<size_t>(id)); }

}  // namespace infercost::registry
