#include "framework/scenario_cache.h"

#include <algorithm>
#include <atomic>
#include <utility>

namespace infercost::framework {
namespace {

uint64_t NextRevision() {
  static std::atomic<uint64_t> last{0};
  return ++last;
}

// `a` and `b` equal but for their concurrency. (`a` is put back as it was.)
bool SameButConcurrency(ScenarioRequest& a, const ScenarioRequest& b) {
  const int64_t concurrency = a.concurrency;
  a.concurrency = b.concurrency;
  const bool same = a == b;
  a.concurrency = concurrency;
  return same;
}

}  // namespace

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
    Kept& kept = kept_[found];
    if (!kept.numbers_set || !SameButConcurrency(kept.applied, request)) {
      kept.revision = NextRevision();
      kept.applied = request;
    }
    kept.applied.concurrency = request.concurrency;
    if (absl::Status numbers = ApplyScenarioNumbers(request, kept.scenario); !numbers.ok()) {
      kept.numbers_set = false;
      return numbers;
    }
    kept.numbers_set = true;
    revision_ = kept.revision;
    return &kept.scenario;
  }
  absl::StatusOr<Scenario> made = make_(request);
  if (!made.ok()) return made.status();  // kept only once a request of these names succeeds
  Kept kept{request, *std::move(made), request, true, NextRevision()};
  if (kept_.size() < capacity_) {
    kept_.push_back(std::move(kept));
    last_ = kept_.size() - 1;
  } else {
    last_ = next_;
    kept_[last_] = std::move(kept);
    next_ = (next_ + 1) % capacity_;
  }
  revision_ = kept_[last_].revision;
  return &kept_[last_].scenario;
}

}  // namespace infercost::framework
