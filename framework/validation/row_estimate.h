// What every validation against measurements shares: which rows to compare (a filter by preset
// name), predicting one row's scenario with errors that name the row, and the median |error|.
//
//   if (!filter.Matches(request)) continue;
//   ASSIGN_OR_RETURN(Estimate e, EstimateRow(row.source, request, presets, plugins, &scenario));
//   double median = MedianAbsolute(errors);
#ifndef INFERCOST_FRAMEWORK_VALIDATION_ROW_ESTIMATE_H_
#define INFERCOST_FRAMEWORK_VALIDATION_ROW_ESTIMATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/estimate.h"
#include "framework/plugin_loader.h"
#include "framework/scenario.h"
#include "registry/presets.h"

namespace infercost::framework {

// Rows to compare, by preset name; an empty field matches every row.
struct ValidationFilter {
  std::string engine;
  std::string model;
  std::string hardware;
  bool Matches(const ScenarioRequest& request) const;
};

// Builds and evaluates `request`; an error is prefixed by `source` ("file:line"). When
// `scenario_out` is given it receives the resolved scenario.
absl::StatusOr<Estimate> EstimateRow(const std::string& source, const ScenarioRequest& request,
                                     const registry::Presets& presets, const PluginSet& plugins,
                                     Scenario* scenario_out = nullptr);

// The median of |values| (0 for none).
double MedianAbsolute(std::vector<double> values);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_VALIDATION_ROW_ESTIMATE_H_
