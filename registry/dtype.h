// Numeric data types by name: parsing "fp8", bytes per element, and the ABI id.
//
//   ASSIGN_OR_RETURN(DType kv, ParseDType("fp8"));   // kv.bytes_per_element == 1.0
#ifndef INFERCOST_REGISTRY_DTYPE_H_
#define INFERCOST_REGISTRY_DTYPE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "infercost/c/dtype.h"

namespace infercost::registry {

struct DType {
  ic_dtype id;
  std::string_view name;
  double bytes_per_element;  // int4 and fp4: 0.5
};

// All dtypes, in ic_dtype order.
const std::vector<DType>& AllDTypes();
// Names accepted by ParseDType, for messages: "fp32, tf32, bf16, ...".
std::string DTypeNames();
absl::StatusOr<DType> ParseDType(std::string_view name);
const DType& DTypeById(ic_dtype id);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_DTYPE_H_
