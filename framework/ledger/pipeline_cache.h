// Reuses the previous scenario's pipeline when the next one has the same structure
// (Pipeline::Rebind): the points of a sweep, a batch or a wave split mostly differ in lengths and
// concurrency, and building a pipeline classifies every layer through the variant plugin, so
// reuse keeps an evaluation's cost flat in the layer count.
//
//   PipelineCache cache;  // one per thread, used with one PluginSet
//   ASSIGN_OR_RETURN(std::shared_ptr<const Pipeline> pipeline, cache.Get(scenario, plugins));
#ifndef INFERCOST_FRAMEWORK_LEDGER_PIPELINE_CACHE_H_
#define INFERCOST_FRAMEWORK_LEDGER_PIPELINE_CACHE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "framework/ledger/pipeline.h"

namespace infercost::framework {

class PipelineCache {
 public:
  // Pipeline::Create(scenario, plugins), or the previous pipeline rebound to `scenario` (which
  // then refers to `scenario`: evaluate it while `scenario` lives; the next Get only compares
  // structures, with the scenario the pipeline was created for).
  absl::StatusOr<std::shared_ptr<const Pipeline>> Get(const Scenario& scenario,
                                                      const PluginSet& plugins);

 private:
  const PluginSet* plugins_ = nullptr;
  // Held as mutable so that a rebinding no caller still holds is done in place (no allocation).
  std::shared_ptr<Pipeline> last_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_PIPELINE_CACHE_H_
