// Numeric data types by name: parsing "fp8", bytes per element, and the ABI id.
//
//   ASSIGN_OR_RETURN(DType kv, ParseDType("fp8"));   // kv.bytes_per_element == 1.0
#ifndef INFERCOST_REGISTRY_DTYPE_H_
#define INFERCOST_REGISTRY_DTYPE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "infercost/c/dtype.h"

namespace infercost::registry {

struct DType {
  ic_dtype id;
  std::string_view name;
  double bytes_per_element;  // block scales included: int4 0.5, fp4 (NVFP4) 0.5625
};

// The block scales of a 4-bit float checkpoint: NVFP4 (16 E2M1 values share one E4M3 scale byte:
// 4.5 bits a value) or OCP MXFP4 (32 share one E8M0 byte: 4.25 bits).
enum class Fp4Format { kNvfp4, kMxfp4 };
// Bytes a value of `format` takes, its block scale included: 0.5625 and 0.53125.
double Fp4BytesPerElement(Fp4Format format);

// Bytes an int4 value takes with one bf16 scale per `group_size` values (compressed-tensors'
// group quantization stores its scales in the model's dtype; GPTQ / AWQ fp16): 0.5 + 2 / group,
// e.g. 0.5625 at group 32; 0.5 (scales not counted) for group 0.
double Int4BytesPerElement(int64_t group_size);

// All dtypes, in ic_dtype order (fp4 as NVFP4).
const std::vector<DType>& AllDTypes();
// Names accepted by ParseDType, for messages: "fp32, tf32, bf16, ...".
std::string DTypeNames();
absl::StatusOr<DType> ParseDType(std::string_view name);
// The weights' dtype by name: a dtype, or the 4-bit float layout named ("nvfp4", "mxfp4": fp4
// of that layout, its name kept); plain "fp4" is `checkpoint_fp4`, the model's own layout, and
// int4 carries the checkpoint's group scales (Int4BytesPerElement(`int4_group_size`)).
absl::StatusOr<DType> ParseWeightDType(std::string_view name, Fp4Format checkpoint_fp4,
                                       int64_t int4_group_size = 0);
const DType& DTypeById(ic_dtype id);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_DTYPE_H_
