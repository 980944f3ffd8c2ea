// What EstimateScenario keeps from one call to the next for scenarios that differ only in their
// concurrency (a sweep or a search over concurrency, in any grid order): the times of each
// static batch size it has timed and the largest concurrency that fits, per scenario. A static
// batch that does not fit runs as waves of batch sizes such calls have usually timed already
// (the largest that fits, and the remainder), and a batch of a scenario seen before skips the
// search for the largest concurrency, so such a point costs its own memory evaluation and
// little else. The answers are the same as without it. One per thread, beside its
// ScenarioCache; its memory is bounded (kMaxKeptBatches, kMaxKeptScenarios).
//
//   ConcurrencyMemo memo;
//   ASSIGN_OR_RETURN(const Scenario* s, scenarios.Get(request));
//   memo.Use(scenarios.revision());  // what was kept for this scenario, if anything
//   EstimateScenario(*s, plugins, EstimateDetail::kSummary, &pipelines, &memo);
#ifndef INFERCOST_FRAMEWORK_CONCURRENCY_MEMO_H_
#define INFERCOST_FRAMEWORK_CONCURRENCY_MEMO_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace infercost::framework {

struct PluginSet;

// A static batch's times and prices (Summary's fields of the same names).
struct BatchTimes {
  double ttft_s = 0;
  double tpot_s = 0;
  double e2e_s = 0;
  double tokens_per_s_per_user = 0;
  double usd_per_million_input_tokens = 0;
  double usd_per_million_output_tokens = 0;
};

class ConcurrencyMemo {
 public:
  // Batch sizes above this are timed but not kept.
  static constexpr int64_t kMaxKeptConcurrency = int64_t{1} << 16;
  // Beyond this many (scenario, batch size) times, or this many scenarios' largest
  // concurrencies, what was kept is forgotten and keeping starts again (about 4 MB at most).
  static constexpr size_t kMaxKeptBatches = size_t{1} << 15;
  static constexpr size_t kMaxKeptScenarios = 4096;

  // The next calls are for the scenario `revision` names, up to its concurrency: what was kept
  // for it (under the same revision) is used again. The caller guarantees that two scenarios
  // with the same revision differ in nothing but their concurrency (ScenarioCache::revision
  // does).
  void Use(uint64_t revision) { revision_ = revision; }
  // For EstimateScenario. The times of a batch of `concurrency` sequences, or null (valid until
  // the next Keep). Kept only for the plugins they were computed with (`plugins`).
  const BatchTimes* Find(int64_t concurrency, const PluginSet& plugins) const;
  void Keep(int64_t concurrency, const PluginSet& plugins, const BatchTimes& times);
  // The largest concurrency that fits (fitting is monotone in the concurrency), or -1.
  int64_t MaxConcurrency(const PluginSet& plugins) const;
  void KeepMaxConcurrency(const PluginSet& plugins, int64_t max_concurrency);

 private:
  struct Batch {
    uint64_t revision = 0;
    int64_t concurrency = 0;
    bool operator==(const Batch&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Batch& b) {
      return H::combine(std::move(h), b.revision, b.concurrency);
    }
  };
  // Switches to `plugins`, forgetting what was kept for others.
  void UsePlugins(const PluginSet& plugins);

  uint64_t revision_ = 0;
  const PluginSet* plugins_ = nullptr;
  absl::flat_hash_map<Batch, BatchTimes> times_;
  absl::flat_hash_map<uint64_t, int64_t> max_concurrency_;  // by revision
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_CONCURRENCY_MEMO_H_
