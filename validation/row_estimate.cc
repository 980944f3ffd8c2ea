#include "validation/row_estimate.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "fmt/format.h"
#include "framework/error_band.h"

namespace infercost::validation {
namespace {

absl::Status Prefixed(const std::string& source, const absl::Status& status) {
  return absl::Status(status.code(), fmt::format("{}: {}", source, std::string(status.message())));
}

}  // namespace

bool ValidationFilter::Matches(const framework::ScenarioRequest& request) const {
  return (engine.empty() || request.engine == engine) &&
         (model.empty() || request.model == model) &&
         (hardware.empty() || request.hardware == hardware);
}

void RowAssumption::ApplyTo(framework::ScenarioRequest& request) const {
  // No stated speculative decoding keeps what the row's recipe ran.
  if (speculative_tokens == 0 && acceptance.empty() && draft_layers == 1) return;
  request.speculative_tokens = speculative_tokens;
  request.acceptance = acceptance;
  request.draft_layers = draft_layers;
}

absl::StatusOr<framework::Estimate> EstimateRow(const std::string& source,
                                                const framework::ScenarioRequest& request,
                                                const registry::Presets& presets,
                                                const framework::PluginSet& plugins,
                                                framework::Scenario* scenario_out) {
  absl::StatusOr<framework::Scenario> scenario = MakeScenario(request, presets);
  if (!scenario.ok()) return Prefixed(source, scenario.status());
  absl::StatusOr<framework::Estimate> estimate = framework::EstimateScenario(*scenario, plugins);
  if (!estimate.ok()) return Prefixed(source, estimate.status());
  if (scenario_out != nullptr) *scenario_out = std::move(*scenario);
  return estimate;
}

std::vector<std::string> RegimeLabels(const framework::Scenario& scenario,
                                      const framework::Summary& summary, int64_t sequences) {
  const double prefill = summary.ttft_s;
  return {"batch " + std::string(framework::BatchBucket(sequences)),
          fmt::format("tp {}", scenario.layout.tensor), scenario.model.moe ? "moe" : "dense",
          prefill >= summary.e2e_s - prefill ? "prefill-bound" : "decode-bound"};
}

double MedianAbsolute(std::vector<double> values) {
  if (values.empty()) return 0;
  for (double& v : values) v = std::abs(v);
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

double QuantileAbsolute(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  for (double& v : values) v = std::abs(v);
  const double rank = std::ceil(q * static_cast<double>(values.size()));
  const size_t index = static_cast<size_t>(std::clamp(rank, 1.0, double(values.size()))) - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index),
                   values.end());
  return values[index];
}

}  // namespace infercost::validation
