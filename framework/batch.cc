#include "framework/batch.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <system_error>
#include <thread>

#include "framework/scenario_cache.h"

namespace infercost::framework {

void ParallelFor(size_t count, int threads,
                 const std::function<std::function<void(size_t)>()>& make_worker) {
  if (count == 0) return;
  size_t workers = threads > 0 ? static_cast<size_t>(threads)
                               : std::max<size_t>(1, std::thread::hardware_concurrency());
  workers = std::min(workers, count);
  std::atomic<size_t> next{0};
  auto work = [&] {
    const std::function<void(size_t)> item = make_worker();
    for (size_t i = next++; i < count; i = next++) item(i);
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (size_t t = 1; t < workers; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running (and this one) do the rest
    }
  }
  work();
  for (std::thread& t : pool) t.join();
}

std::vector<BatchResult> EstimateBatch(const std::vector<ScenarioRequest>& requests,
                                       const registry::Presets& presets, const PluginSet& plugins,
                                       int threads) {
  std::vector<BatchResult> results(requests.size());
  ParallelFor(requests.size(), threads, [&] {
    // One pipeline cache per thread: requests of one structure share their pipeline; and one
    // scenario cache: requests with the same names only re-check their numbers.
    // And one concurrency memo: requests that differ only in concurrency share their waves.
    auto pipelines = std::make_shared<PipelineCache>();
    auto scenarios = std::make_shared<ScenarioCache>(
        [&presets](const ScenarioRequest& request) { return MakeScenario(request, presets); });
    auto memo = std::make_shared<ConcurrencyMemo>();
    auto estimate = std::make_shared<Estimate>();  // each request's, into the same buffers
    return [&, pipelines, scenarios, memo, estimate](size_t i) {
      absl::StatusOr<const Scenario*> scenario = scenarios->Get(requests[i]);
      if (!scenario.ok()) {
        results[i].status = scenario.status();
        return;
      }
      memo->Use(scenarios->revision());
      const absl::Status status = EstimateScenarioInto(
          **scenario, plugins, EstimateDetail::kSummary, pipelines.get(), memo.get(), *estimate);
      if (!status.ok()) {
        results[i].status = status;
        return;
      }
      results[i].summary = estimate->summary;
    };
  });
  return results;
}

}  // namespace infercost::framework
