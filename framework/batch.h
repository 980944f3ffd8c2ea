// Many scenarios per call, on several threads (issue 13, point 5): what a sweep or a search
// embeds. Each request is built and estimated exactly as one EstimateScenario call would; the
// results come back in request order, each with its own status (a bad scenario does not stop
// the others). Thread-safe: the presets and plugins are only read (plugins that do not declare
// themselves thread-safe are called under their lock, framework/loader).
//
//   std::vector<BatchResult> results = EstimateBatch(requests, presets, plugins, /*threads=*/0);
//   if (results[i].status.ok()) results[i].summary.tpot_s;
#ifndef INFERCOST_FRAMEWORK_BATCH_H_
#define INFERCOST_FRAMEWORK_BATCH_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"
#include "registry/presets.h"

namespace infercost::framework {

struct BatchResult {
  absl::Status status;  // MakeScenario's or EstimateScenario's
  Summary summary;      // valid when status is OK
};

// Runs items 0 .. count-1 on `threads` threads (<= 0: one per hardware thread; never more
// than items), each thread taking the next item until none is left; returns when all are done.
// `make_worker` is called once per thread, on that thread, and returns its item function (so
// a thread can keep its own state, e.g. a parser). What EstimateBatch and `sweep` run on.
void ParallelFor(size_t count, int threads,
                 const std::function<std::function<void(size_t)>()>& make_worker);

// `threads` <= 0: one per hardware thread (at most one per request).
std::vector<BatchResult> EstimateBatch(const std::vector<ScenarioRequest>& requests,
                                       const registry::Presets& presets, const PluginSet& plugins,
                                       int threads = 0);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_BATCH_H_
