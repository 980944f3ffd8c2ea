// What a serving benchmark sends: open-loop arrivals (--request-rate), a Poisson process of
// `rate` requests per second, as serving benchmarks draw them (vLLM's and SGLang's
// bench_serving, aiperf), and each request's lengths (--length-range-ratio), both from a fixed
// seed so that every run of a scenario gives the same numbers on every platform.
//
//   const std::vector<double> at = PoissonArrivals(/*rate=*/4.0, /*count=*/400);
//   RequestLengths lengths(/*input=*/1024, /*output=*/1024, /*range_ratio=*/0.8);
//   const RequestLengths::Drawn next = lengths.Next();  // prompt, output in [819, 1024]
#ifndef INFERCOST_FRAMEWORK_SERVING_ARRIVALS_H_
#define INFERCOST_FRAMEWORK_SERVING_ARRIVALS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace infercost::framework {

// Requests an open-loop simulation runs at first, and at most: more where the measured ones
// would not be many times those in the server at once (serving_model.cc); the first quarter
// warms the server up and is left out of the means.
inline constexpr int64_t kOpenLoopRequests = 400;
inline constexpr int64_t kMostOpenLoopRequests = 40'000;

// How long an open-loop run is: at least `least` arrivals, and enough that the measured three
// quarters are `in_server_multiple` times the requests in the server at once (Little: rate x a
// request's time in it), else the measured window is the server filling up, not its steady
// state. `expected_s`: a request's expected time in the server, which sizes the first run (0:
// `least` arrivals).
struct OpenLoopLength {
  int64_t least = kOpenLoopRequests;
  double in_server_multiple = 10;
  double expected_s = 0;
};

// The arrivals an open-loop run of `length` wants at `rate` per second when a request spends
// `seconds` in the server; at most kMostOpenLoopRequests.
int64_t OpenLoopRequestsWanted(double rate, double seconds, const OpenLoopLength& length = {});

// An open-loop simulation: `run(n)` (an absl::StatusOr of a state with latency_s, a request's
// mean time in the server, and overloaded) with the n arrivals OpenLoopRequestsWanted asks for
// length.expected_s in the server, then again with as many as it asks for the time a request spent
// in the server, until the run had enough, reached kMostOpenLoopRequests, or was overloaded in a
// run that had been lengthened (a first run shorter than its requests' time in the server completes
// fewer than arrive in its window without being overloaded; an overloaded server's time in it grows
// with the run).
template <typename Run>
auto RunOpenLoop(double rate, const Run& run, const OpenLoopLength& length = {})
    -> decltype(run(int64_t{})) {
  int64_t requests = OpenLoopRequestsWanted(rate, length.expected_s, length);
  for (bool lengthened = false;; lengthened = true) {
    auto state = run(requests);
    if (!state.ok()) return state;
    const int64_t wanted = OpenLoopRequestsWanted(rate, state->latency_s, length);
    if ((state->overloaded && lengthened) || requests >= wanted ||
        requests >= kMostOpenLoopRequests) {
      return state;
    }
    requests = std::min(kMostOpenLoopRequests, wanted);
  }
}

// `count` arrival times (seconds, from 0, increasing) with exponential gaps of mean 1 / rate.
std::vector<double> PoissonArrivals(double rate, int64_t count, uint64_t seed = 20261201);

// splitmix64: a fixed, portable generator (the standard library's distributions are not
// specified bit for bit across implementations). Advances `state`.
uint64_t SplitMix64(uint64_t& state);

// A benchmark's TPOT of one request: (its finish - its first token) / (its output - 1); none for a
// one-token answer (benchmarks average it over the requests of more than one output token).
inline std::optional<double> RequestTpot(double first_token, double finish, int64_t output) {
  if (output <= 1) return std::nullopt;
  return (finish - first_token) / static_cast<double>(output - 1);
}

// Each request's prompt and answer lengths, drawn as the random datasets of vLLM's (before its
// 0.10 rewrite) and InferenceX's benchmark_serving draw them: integers uniform in
// [int(length x range_ratio), length] for each of the two (sample_random_requests,
// SemiAnalysisAI/InferenceX utils/bench_serving/benchmark_serving.py), at least 1. range_ratio 1:
// every request exactly `input` and `output` (nothing drawn).
class RequestLengths {
 public:
  struct Drawn {
    int64_t prompt = 0;
    int64_t output = 0;
  };
  RequestLengths(int64_t input, int64_t output, double range_ratio, uint64_t seed = 20261207);
  Drawn Next();
  // The lengths' expected values: (shortest + longest) / 2 each (input and output at ratio 1).
  double MeanPrompt() const { return 0.5 * static_cast<double>(input_low_ + input_); }
  double MeanOutput() const { return 0.5 * static_cast<double>(output_low_ + output_); }

 private:
  int64_t Uniform(int64_t low, int64_t high);
  int64_t input_, output_, input_low_, output_low_;
  uint64_t state_;
};

// What an open-loop run measured while requests still arrived (from the first measured arrival
// to the last): the completions. A server that keeps up completes
// about what arrives (in a window many times the requests it holds at once); an overloaded one
// completes fewer (< 90 %), whether the excess waits in its queue or, where memory lets every
// request in, slows the running batch down.
class OpenLoopMeter {
 public:
  OpenLoopMeter(std::vector<double> arrivals, int64_t warmup);
  // A request completed at `now`.
  void Completed(double now);
  bool Overloaded() const;
  // Requests per second served: the arrival rate when the server keeps up, else its capacity
  // (the measured requests over the time to serve them all).
  double ServedPerSecond() const;

 private:
  std::vector<double> arrivals_;
  size_t first_ = 0;
  int64_t completions_ = 0;
  double last_completion_ = 0;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_SERVING_ARRIVALS_H_
