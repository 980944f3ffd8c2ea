// What EstimateScenario keeps from one call to the next when the scenarios differ only in their
// concurrency (a sweep or a search over concurrency): the times of each static batch size it
// has timed and the largest concurrency that fits. A static batch that does not fit runs as
// waves of batch sizes such calls have usually timed already (the largest that fits, and the
// remainder), so such a point costs its own memory evaluation and little else. The answers are
// the same as without it. One per thread, beside its ScenarioCache.
//
//   ConcurrencyMemo memo;
//   ASSIGN_OR_RETURN(const Scenario* s, scenarios.Get(request));
//   memo.Use(scenarios.revision());  // forgets what was kept for another scenario
//   EstimateScenario(*s, plugins, EstimateDetail::kSummary, &pipelines, &memo);
#ifndef INFERCOST_FRAMEWORK_CONCURRENCY_MEMO_H_
#define INFERCOST_FRAMEWORK_CONCURRENCY_MEMO_H_

#include <cstdint>
#include <vector>

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
  // Batch sizes above this are timed but not kept (the memo's memory stays bounded).
  static constexpr int64_t kMaxKeptConcurrency = int64_t{1} << 16;

  // The next calls are for the scenario `revision` names, up to its concurrency: everything
  // kept for another revision is forgotten. The caller guarantees that two scenarios with the
  // same revision differ in nothing but their concurrency (ScenarioCache::revision does).
  void Use(uint64_t revision);

  // For EstimateScenario. The times of a batch of `concurrency` sequences, or null. Kept only for
  // the plugins they were computed with (`plugins`).
  const BatchTimes* Find(int64_t concurrency, const PluginSet& plugins) const;
  void Keep(int64_t concurrency, const PluginSet& plugins, const BatchTimes& times);
  // The largest concurrency that fits (fitting is monotone in the concurrency), or -1.
  int64_t MaxConcurrency(const PluginSet& plugins) const;
  void KeepMaxConcurrency(const PluginSet& plugins, int64_t max_concurrency);

 private:
  struct Slot {
    uint64_t stamp = 0;  // `stamp_` when kept; 0: empty
    BatchTimes times;
  };
  // Switches to `plugins`, forgetting what was kept for others.
  void UsePlugins(const PluginSet& plugins);

  uint64_t revision_ = 0;
  const PluginSet* plugins_ = nullptr;
  uint64_t stamp_ = 1;  // bumped to forget every slot at once
  std::vector<Slot> by_concurrency_;
  int64_t max_concurrency_ = -1;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_CONCURRENCY_MEMO_H_
