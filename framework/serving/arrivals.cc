#include "framework/serving/arrivals.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace infercost::framework {

std::vector<double> PoissonArrivals(double rate, int64_t count, uint64_t seed) {
  std::vector<double> at;
  at.reserve(static_cast<size_t>(count));
  uint64_t state = seed;
  double t = 0;
  for (int64_t i = 0; i < count; ++i) {
    const double u = static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53;  // [0, 1)
    t += -std::log1p(-u) / rate;
    at.push_back(t);
  }
  return at;
}

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

RequestLengths::RequestLengths(int64_t input, int64_t output, double range_ratio, uint64_t seed)
    : input_(input),
      output_(output),
      // int(length x ratio) as the benchmarks truncate it, at least 1 token
      input_low_(std::clamp<int64_t>(static_cast<int64_t>(static_cast<double>(input) * range_ratio),
                                     std::min<int64_t>(1, input), input)),
      output_low_(
          std::clamp<int64_t>(static_cast<int64_t>(static_cast<double>(output) * range_ratio),
                              std::min<int64_t>(1, output), output)),
      state_(seed) {}

int64_t RequestLengths::Uniform(int64_t low, int64_t high) {
  if (high <= low) return high;
  // (the modulo's bias is below 2^-40 for spans under 2^24 tokens)
  const uint64_t span = static_cast<uint64_t>(high - low) + 1;
  return low + static_cast<int64_t>(SplitMix64(state_) % span);
}

RequestLengths::Drawn RequestLengths::Next() {
  const int64_t prompt = Uniform(input_low_, input_);
  return {prompt, Uniform(output_low_, output_)};
}

int64_t OpenLoopRequestsWanted(double rate, double seconds, const OpenLoopLength& length) {
  const double wanted = std::ceil(length.in_server_multiple * rate * seconds * 4 / 3);
  if (!(wanted < static_cast<double>(kMostOpenLoopRequests))) return kMostOpenLoopRequests;
  return std::max<int64_t>(length.least, static_cast<int64_t>(wanted));
}

OpenLoopMeter::OpenLoopMeter(std::vector<double> arrivals, int64_t warmup)
    : arrivals_(std::move(arrivals)),
      first_(std::min(static_cast<size_t>(std::max<int64_t>(warmup, 0)),
                      arrivals_.empty() ? 0 : arrivals_.size() - 1)) {}

void OpenLoopMeter::Completed(double now) {
  if (arrivals_.empty()) return;
  if (now >= arrivals_[first_] && now <= arrivals_.back()) ++completions_;
  last_completion_ = std::max(last_completion_, now);
}

bool OpenLoopMeter::Overloaded() const {
  if (arrivals_.size() < 2) return false;
  const double window = arrivals_.back() - arrivals_[first_];
  const double arrived = static_cast<double>(arrivals_.size() - 1 - first_);
  return window > 0 && static_cast<double>(completions_) < 0.9 * arrived;
}

double OpenLoopMeter::ServedPerSecond() const {
  if (arrivals_.size() < 2) return 0;
  const double window = arrivals_.back() - arrivals_[first_];
  const double arrived = static_cast<double>(arrivals_.size() - 1 - first_);
  if (!(window > 0)) return 0;
  if (!Overloaded()) return arrived / window;
  // Overloaded: the measured requests over the time from the first one's arrival to the last
  // completion, the queue's drain included (the server's capacity).
  const double served = last_completion_ - arrivals_[first_];
  return served > 0 ? static_cast<double>(arrivals_.size() - first_) / served : 0;
}

}  // namespace infercost::framework
