#include "framework/ledger/pipeline_cache.h"

#include "framework/base/status_macros.h"

namespace infercost::framework {

absl::StatusOr<Pipeline> PipelineCache::Get(const Scenario& scenario, const PluginSet& plugins) {
  if (last_ && plugins_ == &plugins) {
    if (std::optional<Pipeline> rebound = last_->Rebind(scenario)) return *std::move(rebound);
  }
  ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::Create(scenario, plugins));
  plugins_ = &plugins;
  last_ = pipeline;
  return pipeline;
}

}  // namespace infercost::framework
