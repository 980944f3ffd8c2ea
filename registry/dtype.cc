#include "registry/dtype.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"

namespace infercost::registry {

double Fp4BytesPerElement(Fp4Format format) {
  // One scale byte per block of 16 (NVFP4, E4M3) or 32 (MXFP4, E8M0) 4-bit values; NVFP4's FP32
  // scale per tensor is negligible. (16 x 4 + 8) / 16 = 4.5 bits, (32 x 4 + 8) / 32 = 4.25 bits.
  // Sources: https://modal.com/llm-almanac/block-quants (NVFP4 against MXFP4); NVIDIA NeMo
  // AutoModel's nvfp4 quantization, "0.5625 bytes per parameter"; the OCP Microscaling Formats
  // (MX) v1.0 specification (MXFP4: block 32, E8M0 scale).
  const double block = format == Fp4Format::kNvfp4 ? 16 : 32;
  return (block * 4 + 8) / block / 8;
}

double Int4BytesPerElement(int64_t group_size) {
  // Source: the compressed-tensors format (group strategy: one scale per group of `group_size`
  // input values, stored in the checkpoint's dtype, bf16 for the models shipped here).
  constexpr double kScaleBytes = 2;
  return 0.5 + (group_size > 0 ? kScaleBytes / static_cast<double>(group_size) : 0.0);
}

const std::vector<DType>& AllDTypes() {
  // Bytes per element of each storage format, its block scales included: int4 and fp4 pack two
  // values per byte; fp4 is NVFP4 (Fp4BytesPerElement), the 4-bit float of NVIDIA Blackwell's
  // tensor cores and of the fp4 checkpoints engines serve. int4 is 4 bits here: its group scales
  // depend on the quantizer (GPTQ / AWQ group 128, compressed-tensors 32), so a model's
  // int4_group_size adds them (ParseWeightDType).
  static const std::vector<DType> kDTypes = {
      {IC_DTYPE_FP32, "fp32", 4.0}, {IC_DTYPE_TF32, "tf32", 4.0},
      {IC_DTYPE_BF16, "bf16", 2.0}, {IC_DTYPE_FP16, "fp16", 2.0},
      {IC_DTYPE_FP8, "fp8", 1.0},   {IC_DTYPE_INT8, "int8", 1.0},
      {IC_DTYPE_INT4, "int4", 0.5}, {IC_DTYPE_FP4, "fp4", Fp4BytesPerElement(Fp4Format::kNvfp4)},
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

absl::StatusOr<DType> ParseWeightDType(std::string_view name, Fp4Format checkpoint_fp4,
                                       int64_t int4_group_size) {
  const std::string lower = absl::AsciiStrToLower(std::string(name));
  for (const auto& [layout_name, layout] :
       {std::pair<std::string_view, Fp4Format>{"nvfp4", Fp4Format::kNvfp4},
        {"mxfp4", Fp4Format::kMxfp4}}) {
    if (lower == layout_name) return DType{IC_DTYPE_FP4, layout_name, Fp4BytesPerElement(layout)};
  }
  absl::StatusOr<DType> dtype = ParseDType(name);
  if (!dtype.ok()) {
    return absl::InvalidArgumentError(fmt::format(
        "unknown dtype '{}'; allowed for weights: {}, nvfp4, mxfp4", name, DTypeNames()));
  }
  if (dtype->id == IC_DTYPE_FP4) dtype->bytes_per_element = Fp4BytesPerElement(checkpoint_fp4);
  if (dtype->id == IC_DTYPE_INT4) dtype->bytes_per_element = Int4BytesPerElement(int4_group_size);
  return dtype;
}

const DType& DTypeById(ic_dtype id) { return AllDTypes().at(static_cast<size_t>(id)); }

}  // namespace infercost::registry
