#include "framework/abi/phase_cost_check.h"

#include "fmt/format.h"
#include "infercost/sdk/abi_support.h"

namespace infercost::framework {

absl::Status PhaseCostProblem(const ic_phase_cost& cost, std::string_view plugin_name) {
  const std::string problem = sdk::PhaseRecordProblem(cost);
  if (problem.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      fmt::format("plugin {} returned a bad phase record: {}", plugin_name, problem));
}

}  // namespace infercost::framework
