// Checks a phase record a plugin produced: known phase id, fields finite and non-negative.
//
//   RETURN_IF_ERROR(CheckPhaseCost(cost, "gqa"));
#ifndef INFERCOST_FRAMEWORK_ABI_PHASE_COST_CHECK_H_
#define INFERCOST_FRAMEWORK_ABI_PHASE_COST_CHECK_H_

#include <string_view>

#include "absl/status/status.h"
#include "infercost/c/phase.h"

namespace infercost::framework {

absl::Status CheckPhaseCost(const ic_phase_cost& cost, std::string_view plugin_name);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ABI_PHASE_COST_CHECK_H_
