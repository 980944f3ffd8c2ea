#include "framework/concurrency_memo.h"

namespace infercost::framework {

void ConcurrencyMemo::UsePlugins(const PluginSet& plugins) {
  if (&plugins == plugins_) return;
  plugins_ = &plugins;
  times_.clear();
  max_concurrency_.clear();
}

const BatchTimes* ConcurrencyMemo::Find(int64_t concurrency, const PluginSet& plugins) const {
  if (&plugins != plugins_) return nullptr;
  const auto it = times_.find(Batch{revision_, concurrency});
  return it == times_.end() ? nullptr : &it->second;
}

void ConcurrencyMemo::Keep(int64_t concurrency, const PluginSet& plugins, const BatchTimes& times) {
  UsePlugins(plugins);
  if (concurrency < 0 || concurrency > kMaxKeptConcurrency) return;
  const Batch batch{revision_, concurrency};
  if (times_.size() >= kMaxKeptBatches && !times_.contains(batch)) times_.clear();  // bounded
  times_[batch] = times;
}

int64_t ConcurrencyMemo::MaxConcurrency(const PluginSet& plugins) const {
  if (&plugins != plugins_) return -1;
  const auto it = max_concurrency_.find(revision_);
  return it == max_concurrency_.end() ? -1 : it->second;
}

void ConcurrencyMemo::KeepMaxConcurrency(const PluginSet& plugins, int64_t max_concurrency) {
  UsePlugins(plugins);
  if (max_concurrency_.size() >= kMaxKeptScenarios && !max_concurrency_.contains(revision_)) {
    max_concurrency_.clear();  // bounded
  }
  max_concurrency_[revision_] = max_concurrency;
}

}  // namespace infercost::framework
