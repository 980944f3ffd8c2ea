#include "framework/scenario_cache.h"

#include <algorithm>
#include <utility>

namespace infercost::framework {

ScenarioCache::ScenarioCache(Make make, size_t capacity)
    : make_(std::move(make)), capacity_(std::max<size_t>(capacity, 1)) {}

absl::StatusOr<const Scenario*> ScenarioCache::Get(const ScenarioRequest& request) {
  size_t found = kept_.size();
  if (last_ < kept_.size() && SameNamedFields(kept_[last_].request, request)) {
    found = last_;
  } else {
    for (size_t i = 0; i < kept_.size(); ++i) {
      if (SameNamedFields(kept_[i].request, request)) {
        found = i;
        break;
      }
    }
  }
  if (found < kept_.size()) {
    // Made once from a request with these named fields, so every named check passed: what
    // MakeScenario would say now is what the numbers say.
    last_ = found;
    Scenario& scenario = kept_[found].scenario;
    if (absl::Status numbers = ApplyScenarioNumbers(request, scenario); !numbers.ok()) {
      return numbers;
    }
    return &scenario;
  }
  absl::StatusOr<Scenario> made = make_(request);
  if (!made.ok()) return made.status();  // kept only once a request of these names succeeds
  if (kept_.size() < capacity_) {
    kept_.push_back({request, *std::move(made)});
    last_ = kept_.size() - 1;
  } else {
    last_ = next_;
    kept_[last_] = {request, *std::move(made)};
    next_ = (next_ + 1) % capacity_;
  }
  return &kept_[last_].scenario;
}

}  // namespace infercost::framework
