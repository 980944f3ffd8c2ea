// What EstimateScenario keeps from one call to the next for scenarios that differ only in their
// concurrency (a sweep or a search over concurrency, in any grid order): per scenario, the
// largest concurrency that fits, the times of a batch of exactly that many (a full wave), and
// the end-to-end latency of each smaller batch it has timed (a last wave's). A static batch that
// does not fit runs as waves of the largest batch that fits and the remainder, which such calls
// have usually timed already, and a batch of a scenario seen before skips the search for the
// largest concurrency, so such a point costs its own memory evaluation and little else. The
// answers are the same as without it. One per thread, beside its ScenarioCache; its memory is
// bounded (kMaxKeptScenarios, kMaxKeptLatencies: 8 MB of latencies, their arrays' capacity at
// most twice that).
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
  // Batch sizes above this are timed but their latencies are not kept.
  static constexpr int64_t kMaxKeptConcurrency = int64_t{1} << 16;
  // Beyond this many scenarios, what was kept is forgotten and keeping starts again; beyond
  // this many kept latencies (over all scenarios), the latencies are (a sweep with concurrency
  // its outermost axis meets each scenario's smaller batches again only after every other
  // scenario's: 4,000 scenarios of 250 concurrencies each are kept whole).
  static constexpr size_t kMaxKeptScenarios = 4096;
  static constexpr size_t kMaxKeptLatencies = size_t{1} << 20;

  // The next calls are for the scenario `revision` names, up to its concurrency: what was kept
  // for it (under the same revision) is used again. The caller guarantees that two scenarios
  // with the same revision differ in nothing but their concurrency (ScenarioCache::revision
  // does).
  void Use(uint64_t revision) { revision_ = revision; }
  // For EstimateScenario, which keeps the largest concurrency that fits before any batch's
  // times. The times of a batch of `concurrency` sequences, kept where `concurrency` is that
  // largest concurrency (a full wave), or null (valid until the next Keep).
  const BatchTimes* FindFullWave(int64_t concurrency, const PluginSet& plugins) const;
  // The end-to-end latency of a batch of `concurrency` sequences (one that fits), or false.
  bool FindE2e(int64_t concurrency, const PluginSet& plugins, double& e2e_s) const;
  // Keeps a batch that fits: its end-to-end latency, and all its times where it is a full wave.
  // Kept only for the plugins they were computed with (`plugins`).
  void Keep(int64_t concurrency, const PluginSet& plugins, const BatchTimes& times);
  // The largest concurrency that fits (fitting is monotone in the concurrency), or -1.
  int64_t MaxConcurrency(const PluginSet& plugins) const;
  void KeepMaxConcurrency(const PluginSet& plugins, int64_t max_concurrency);

 private:
  struct Kept {
    int64_t max_concurrency = -1;
    bool has_full_wave = false;
    BatchTimes full_wave;       // a batch of max_concurrency sequences
    std::vector<double> e2e_s;  // [c - 1]: a batch of c sequences; NaN where not kept
  };
  // Switches to `plugins`, forgetting what was kept for others.
  void UsePlugins(const PluginSet& plugins);
  const Kept* Current(const PluginSet& plugins) const;

  uint64_t revision_ = 0;
  const PluginSet* plugins_ = nullptr;
  absl::flat_hash_map<uint64_t, Kept> kept_;  // by revision
  size_t latencies_ = 0;                      // the e2e_s entries of all kept_
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_CONCURRENCY_MEMO_H_
