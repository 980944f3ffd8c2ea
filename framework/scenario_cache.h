// The scenarios of many requests in a row (a sweep's points, a batch), made once per distinct
// set of named fields (framework/scenario.h: SameNamedFields) and then only re-checked and
// updated in place for the numbers that change (ApplyScenarioNumbers): no preset look-up,
// calibration or model copy per request, and the same scenario or error MakeScenario gives.
// Not thread-safe: one per thread.
//
//   ScenarioCache scenarios([&](const ScenarioRequest& r) { return MakeScenario(r, presets); });
//   ASSIGN_OR_RETURN(const Scenario* scenario, scenarios.Get(request));  // valid until next Get
//   memo.Use(scenarios.revision());  // framework/concurrency_memo.h
#ifndef INFERCOST_FRAMEWORK_SCENARIO_CACHE_H_
#define INFERCOST_FRAMEWORK_SCENARIO_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/container/flat_hash_map.h"
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

  // Names the scenario the last successful Get returned, up to its concurrency, by content: two
  // Gets whose requests differ in anything but the concurrency have different revisions (unique
  // across every cache of the process; never 0), and two whose requests differ in nothing else
  // have the same one, however many others came between, while the cache keeps it (up to
  // kMaxRevisions contents per set of named fields). What a ConcurrencyMemo is keyed by: a
  // sweep's points meet their earlier concurrencies again in any grid order.
  uint64_t revision() const { return revision_; }

  static constexpr size_t kMaxRevisions = 4096;

 private:
  // Requests compared and hashed without their concurrency (kept with it set to 0).
  struct HashNumbers {
    size_t operator()(const ScenarioRequest& r) const;
  };
  using Revisions = absl::flat_hash_map<ScenarioRequest, uint64_t, HashNumbers>;
  struct Kept {
    ScenarioRequest request;  // a request `scenario` was made from (its named fields count)
    Scenario scenario;        // updated in place for each request with the same named fields
    Revisions revisions;      // of each request seen, concurrency 0
  };
  Make make_;
  size_t capacity_;
  std::vector<Kept> kept_;
  size_t last_ = 0;  // the entry the previous request used (tried first)
  size_t next_ = 0;  // the entry replaced when full
  uint64_t revision_ = 0;
  ScenarioRequest probe_;  // the request being looked up, concurrency 0 (its capacity reused)
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_SCENARIO_CACHE_H_
