#include "validation/overlapped_passes.h"

#include <algorithm>

#include "framework/base/status_macros.h"
#include "framework/estimate.h"
#include "validation/row_estimate.h"

namespace infercost::validation {

int64_t LlamaCppPassesInFlight(int64_t pipeline_stages) {
  return std::clamp<int64_t>(pipeline_stages, 1, kLlamaCppPassesInFlight);
}

absl::StatusOr<double> E2eWithOverlappedPasses(const std::string& source,
                                               const framework::ScenarioRequest& request,
                                               const OverlappedPasses& leading, double e2e_s,
                                               const registry::Presets& presets,
                                               const framework::PluginSet& plugins) {
  if (leading.passes <= 0 || leading.in_flight <= 1) return e2e_s;
  framework::ScenarioRequest first = request;
  first.output_tokens = std::min(leading.passes, request.output_tokens);
  ASSIGN_OR_RETURN(framework::Estimate sequential, EstimateRow(source, first, presets, plugins));
  const double saved = 1 - 1 / static_cast<double>(leading.in_flight);
  return e2e_s - saved * sequential.summary.e2e_s;
}

}  // namespace infercost::validation
