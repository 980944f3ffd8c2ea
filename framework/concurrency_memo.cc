#include "framework/concurrency_memo.h"

#include <algorithm>

namespace infercost::framework {

void ConcurrencyMemo::Use(uint64_t revision) {
  if (revision == revision_) return;
  revision_ = revision;
  ++stamp_;
  max_concurrency_ = -1;
}

void ConcurrencyMemo::UsePlugins(const PluginSet& plugins) {
  if (&plugins == plugins_) return;
  plugins_ = &plugins;
  ++stamp_;
  max_concurrency_ = -1;
}

const BatchTimes* ConcurrencyMemo::Find(int64_t concurrency, const PluginSet& plugins) const {
  if (&plugins != plugins_ || concurrency < 0 ||
      concurrency >= static_cast<int64_t>(by_concurrency_.size())) {
    return nullptr;
  }
  const Slot& slot = by_concurrency_[static_cast<size_t>(concurrency)];
  return slot.stamp == stamp_ ? &slot.times : nullptr;
}

void ConcurrencyMemo::Keep(int64_t concurrency, const PluginSet& plugins, const BatchTimes& times) {
  UsePlugins(plugins);
  if (concurrency < 0 || concurrency > kMaxKeptConcurrency) return;
  const auto index = static_cast<size_t>(concurrency);
  if (index >= by_concurrency_.size()) {
    by_concurrency_.resize(std::min<size_t>(std::max(index + 1, 2 * by_concurrency_.size()),
                                            static_cast<size_t>(kMaxKeptConcurrency) + 1));
  }
  by_concurrency_[index] = {stamp_, times};
}

int64_t ConcurrencyMemo::MaxConcurrency(const PluginSet& plugins) const {
  return &plugins == plugins_ ? max_concurrency_ : -1;
}

void ConcurrencyMemo::KeepMaxConcurrency(const PluginSet& plugins, int64_t max_concurrency) {
  UsePlugins(plugins);
  max_concurrency_ = max_concurrency;
}

}  // namespace infercost::framework
