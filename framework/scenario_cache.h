// The scenarios of many requests in a row (a sweep's points, a batch), made once per distinct
// set of named fields (framework/scenario.h: SameNamedFields) and then only re-checked and
// updated in place for the numbers that change (ApplyScenarioNumbers): no preset look-up,
// calibration or model copy per request, and the same scenario or error MakeScenario gives.
// Not thread-safe: one per thread.
//
//   ScenarioCache scenarios([&](const ScenarioRequest& r) { return MakeScenario(r, presets); });
//   ASSIGN_OR_RETURN(const Scenario* scenario, scenarios.Get(request));  // valid until next Get
#ifndef INFERCOST_FRAMEWORK_SCENARIO_CACHE_H_
#define INFERCOST_FRAMEWORK_SCENARIO_CACHE_H_

#include <cstddef>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/scenario.h"

namespace infercost::framework {

class ScenarioCache {
 public:
  // How a request's scenario is made when none with its named fields is kept: MakeScenario, or
  // a resolver that first loads a model file (the CLI's ScenarioResolver).
  using Make = std::function<absl::StatusOr<Scenario>(const ScenarioRequest&)>;
  // Keeps at most `capacity` scenarios (distinct named fields), the oldest replaced first.
  explicit ScenarioCache(Make make, size_t capacity = 64);

  // `request`'s scenario, exactly as `make` gives it, or its error. The pointer is valid until
  // the next call.
  absl::StatusOr<const Scenario*> Get(const ScenarioRequest& request);

 private:
  struct Kept {
    ScenarioRequest request;  // a request `scenario` was made from (its named fields count)
    Scenario scenario;        // updated in place for each request with the same named fields
  };
  Make make_;
  size_t capacity_;
  std::vector<Kept> kept_;
  size_t last_ = 0;  // the entry the previous request used (tried first)
  size_t next_ = 0;  // the entry replaced when full
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_SCENARIO_CACHE_H_
