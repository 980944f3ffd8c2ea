#include "framework/scenario_cache.h"

#include <algorithm>
#include <atomic>
#include <string_view>
#include <tuple>
#include <utility>

#include "absl/hash/hash.h"
#include "framework/base/status_macros.h"

namespace infercost::framework {
namespace {

uint64_t NextRevision() {
  static std::atomic<uint64_t> last{0};
  return ++last;
}

}  // namespace

size_t ScenarioCache::HashNumbers::operator()(const ScenarioRequest& r) const {
  // The fields a cache entry's requests differ in (its named fields are the same); equality is
  // the whole request's, so a field left out here costs only collisions.
  return absl::Hash<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                               double, double, bool, std::string_view>>{}(
      std::make_tuple(r.gpus, r.input_tokens, r.output_tokens, r.tp, r.pp, r.dp, r.ep,
                      r.moe_imbalance, r.request_rate, r.allow_beyond_context,
                      std::string_view(r.mode)));
}

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
  probe_ = request;
  probe_.concurrency = 0;
  if (found < kept_.size()) {
    // Made once from a request with these named fields, so every named check passed: what
    // MakeScenario would say now is what the numbers say. (A request whose numbers fail leaves
    // the scenario half set; the next one sets every number again.)
    last_ = found;
    Kept& kept = kept_[found];
    RETURN_IF_ERROR(ApplyScenarioNumbers(request, kept.scenario));
    auto [it, inserted] = kept.revisions.try_emplace(probe_, 0);
    if (inserted) {
      if (kept.revisions.size() > kMaxRevisions) {  // bounded: start again
        kept.revisions.clear();
        it = kept.revisions.try_emplace(probe_, 0).first;
      }
      it->second = NextRevision();
    }
    revision_ = it->second;
    return &kept.scenario;
  }
  absl::StatusOr<Scenario> made = make_(request);
  if (!made.ok()) return made.status();  // kept only once a request of these names succeeds
  Kept kept{request, *std::move(made), {}};
  kept.revisions.try_emplace(probe_, NextRevision());
  if (kept_.size() < capacity_) {
    kept_.push_back(std::move(kept));
    last_ = kept_.size() - 1;
  } else {
    last_ = next_;
    kept_[last_] = std::move(kept);
    next_ = (next_ + 1) % capacity_;
  }
  revision_ = kept_[last_].revisions.begin()->second;
  return &kept_[last_].scenario;
}

}  // namespace infercost::framework
