#include "framework/batch.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace infercost::framework {

std::vector<BatchResult> EstimateBatch(const std::vector<ScenarioRequest>& requests,
                                       const registry::Presets& presets, const PluginSet& plugins,
                                       int threads) {
  std::vector<BatchResult> results(requests.size());
  if (requests.empty()) return results;
  size_t workers = threads > 0 ? static_cast<size_t>(threads)
                               : std::max<size_t>(1, std::thread::hardware_concurrency());
  workers = std::min(workers, requests.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < requests.size(); i = next++) {
      absl::StatusOr<Scenario> scenario = MakeScenario(requests[i], presets);
      if (!scenario.ok()) {
        results[i].status = scenario.status();
        continue;
      }
      absl::StatusOr<Estimate> estimate =
          EstimateScenario(*scenario, plugins, EstimateDetail::kSummary);
      if (!estimate.ok()) {
        results[i].status = estimate.status();
        continue;
      }
      results[i].summary = std::move(estimate->summary);
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (size_t t = 1; t < workers; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return results;
}

}  // namespace infercost::framework
