#include "framework/concurrency_memo.h"

#include <cmath>
#include <limits>

namespace infercost::framework {

void ConcurrencyMemo::UsePlugins(const PluginSet& plugins) {
  if (&plugins == plugins_) return;
  plugins_ = &plugins;
  kept_.clear();
  latencies_ = 0;
}

const ConcurrencyMemo::Kept* ConcurrencyMemo::Current(const PluginSet& plugins) const {
  if (&plugins != plugins_) return nullptr;
  const auto it = kept_.find(revision_);
  return it == kept_.end() ? nullptr : &it->second;
}

const BatchTimes* ConcurrencyMemo::FindFullWave(int64_t concurrency,
                                                const PluginSet& plugins) const {
  const Kept* kept = Current(plugins);
  if (kept == nullptr || !kept->has_full_wave || concurrency != kept->max_concurrency) {
    return nullptr;
  }
  return &kept->full_wave;
}

bool ConcurrencyMemo::FindE2e(int64_t concurrency, const PluginSet& plugins, double& e2e_s) const {
  const Kept* kept = Current(plugins);
  if (kept == nullptr || concurrency < 1 ||
      concurrency > static_cast<int64_t>(kept->e2e_s.size())) {
    return false;
  }
  const double value = kept->e2e_s[static_cast<size_t>(concurrency - 1)];
  if (std::isnan(value)) return false;
  e2e_s = value;
  return true;
}

void ConcurrencyMemo::Keep(int64_t concurrency, const PluginSet& plugins, const BatchTimes& times) {
  UsePlugins(plugins);
  const auto it = kept_.find(revision_);
  if (it == kept_.end()) return;  // no largest concurrency kept for it (see FindFullWave)
  Kept& kept = it->second;
  if (concurrency == kept.max_concurrency) {
    kept.full_wave = times;
    kept.has_full_wave = true;
  }
  if (concurrency < 1 || concurrency > kMaxKeptConcurrency) return;
  const size_t at = static_cast<size_t>(concurrency - 1);
  if (at >= kept.e2e_s.size()) {
    const size_t more = at + 1 - kept.e2e_s.size();
    if (latencies_ + more > kMaxKeptLatencies) {  // bounded: the latencies start again
      for (auto& [revision, other] : kept_) std::vector<double>().swap(other.e2e_s);
      latencies_ = 0;
      if (at + 1 > kMaxKeptLatencies) return;
    }
    latencies_ += at + 1 - kept.e2e_s.size();
    kept.e2e_s.resize(at + 1, std::numeric_limits<double>::quiet_NaN());
  }
  kept.e2e_s[at] = times.e2e_s;
}

int64_t ConcurrencyMemo::MaxConcurrency(const PluginSet& plugins) const {
  const Kept* kept = Current(plugins);
  return kept == nullptr ? -1 : kept->max_concurrency;
}

void ConcurrencyMemo::KeepMaxConcurrency(const PluginSet& plugins, int64_t max_concurrency) {
  UsePlugins(plugins);
  if (kept_.size() >= kMaxKeptScenarios && !kept_.contains(revision_)) {
    kept_.clear();  // bounded
    latencies_ = 0;
  }
  Kept& kept = kept_[revision_];
  if (kept.max_concurrency != max_concurrency) kept.has_full_wave = false;
  kept.max_concurrency = max_concurrency;
}

}  // namespace infercost::framework
