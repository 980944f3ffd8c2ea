#include "framework/ledger/pipeline_cache.h"

#include <optional>
#include <utility>

#include "framework/base/status_macros.h"

namespace infercost::framework {

absl::StatusOr<std::shared_ptr<const Pipeline>> PipelineCache::Get(const Scenario& scenario,
                                                                   const PluginSet& plugins) {
  if (last_ != nullptr && plugins_ == &plugins) {
    if (std::optional<Pipeline> rebound = last_->Rebind(scenario)) {
      if (last_.use_count() == 1) {
        *last_ = *std::move(rebound);  // no one else holds the previous binding
      } else {
        last_ = std::make_shared<Pipeline>(*std::move(rebound));
      }
      return last_;
    }
  }
  ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::Create(scenario, plugins));
  plugins_ = &plugins;
  last_ = std::make_shared<Pipeline>(std::move(pipeline));
  return last_;
}

}  // namespace infercost::framework
