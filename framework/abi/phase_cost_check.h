// Checks a phase record a plugin produced: known phase id, fields finite and non-negative.
//
//   RETURN_IF_ERROR(CheckPhaseCost(cost, "gqa"));
#ifndef INFERCOST_FRAMEWORK_ABI_PHASE_COST_CHECK_H_
#define INFERCOST_FRAMEWORK_ABI_PHASE_COST_CHECK_H_

#include <string_view>

#include "absl/status/status.h"
#include "infercost/c/phase.h"
#include "infercost/sdk/abi_support.h"

namespace infercost::framework {

// The error for a record PhaseRecordValid refuses (what is wrong, and which plugin made it).
absl::Status PhaseCostProblem(const ic_phase_cost& cost, std::string_view plugin_name);

// Inline: a valid record (every record of a working plugin, on the hot path) costs a few
// comparisons and no call.
inline absl::Status CheckPhaseCost(const ic_phase_cost& cost, std::string_view plugin_name) {
  if (sdk::PhaseRecordValid(cost)) [[likely]] {
    return absl::OkStatus();
  }
  return PhaseCostProblem(cost, plugin_name);
}

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ABI_PHASE_COST_CHECK_H_
