#include "framework/abi/phase_cost_check.h"

#include <cmath>
#include <utility>

#include "fmt/format.h"
#include "framework/abi/phase_catalog.h"

namespace infercost::framework {

absl::Status CheckPhaseCost(const ic_phase_cost& cost, std::string_view plugin_name) {
  if (cost.struct_size < sizeof(ic_phase_cost)) {
    return absl::InvalidArgumentError(
        fmt::format("plugin {} emitted a phase record of {} bytes; ABI 1.0 records are {} bytes",
                    plugin_name, cost.struct_size, sizeof(ic_phase_cost)));
  }
  if (!IsKnownPhase(cost.phase)) {
    return absl::InvalidArgumentError(fmt::format(
        "plugin {} emitted unknown phase id {} (known ids are 0..{}, see infercost/c/phase.h)",
        plugin_name, cost.phase, IC_PHASE_COUNT_V1 - 1));
  }
  const std::pair<const char*, double> fields[] = {
      {"params", cost.params},
      {"matrix_flops", cost.matrix_flops},
      {"vector_flops", cost.vector_flops},
      {"weight_bytes", cost.weight_bytes},
      {"kv_read_bytes", cost.kv_read_bytes},
      {"kv_write_bytes", cost.kv_write_bytes},
      {"activation_bytes", cost.activation_bytes},
      {"comm_bytes", cost.comm_bytes},
  };
  for (const auto& [field, value] : fields) {
    if (!std::isfinite(value) || value < 0) {
      return absl::InvalidArgumentError(
          fmt::format("plugin {} returned {} = {} for phase {}; costs must be finite and >= 0",
                      plugin_name, field, value, PhaseName(cost.phase)));
    }
  }
  if (cost.gemm_m < 0 || cost.gemm_n < 0 || cost.gemm_k < 0 || cost.gemm_count < 0) {
    return absl::InvalidArgumentError(
        fmt::format("plugin {} returned a negative matmul shape for phase {}", plugin_name,
                    PhaseName(cost.phase)));
  }
  return absl::OkStatus();
}

}  // namespace infercost::framework
