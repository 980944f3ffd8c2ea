// The arrival rate that keeps a given number of requests in a server: the rate x at which
// x x L(x) = occupancy (Little's law), L(x) the mean time a request spends in the server when
// requests arrive at x per second (arrival to last token). Serving mode uses it for closed-loop
// clients that do not stay in step (framework/serving/serving_model.h): C such clients are
// modelled as open-loop arrivals whose server holds C - 1 requests on average, what each request
// of a closed loop of C finds beside itself (the arrival theorem of closed queueing networks:
// Lavenberg and Reiser, "Stationary state probabilities at arrival instants for closed queueing
// networks with multiple types of customers", J. Appl. Prob. 17 (1980) 1048-1061).
//
// L(x) grows with x, so h(x) = log(x L(x) / occupancy) rises through 0 once; it is solved by a
// secant on log x kept inside the bracket found so far (bisection where the secant leaves it;
// before there is one, steps growing from kFirstOccupancyStep), from `start`, to |h| <=
// tolerance, a bracket kOccupancyRateWidth wide or kMostOccupancyRuns runs, whichever comes
// first; the run with the smallest |h| is returned with its rate.
//
//   ASSIGN_OR_RETURN(auto solved, SolveOccupancyRate(31, 6.0, 0.01, run));  // run(x): a state
//   solved.rate; solved.state.latency_s;                                   //   with latency_s
#ifndef INFERCOST_FRAMEWORK_SERVING_OCCUPANCY_RATE_H_
#define INFERCOST_FRAMEWORK_SERVING_OCCUPANCY_RATE_H_

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "fmt/format.h"

namespace infercost::framework {

inline constexpr int kMostOccupancyRuns = 16;
// Until the rate is bracketed, the first step moves log x by at most this much (5 %), each next
// one by at most twice the one before: near its capacity a server's time climbs steeply, and a
// step past the capacity is a long run of a growing queue.
inline constexpr double kFirstOccupancyStep = 0.05;
// A bracket this narrow in log x (0.2 %) ends the search.
inline constexpr double kOccupancyRateWidth = 0.002;

template <typename State>
struct OccupancyRate {
  double rate = 0;
  State state;
  double log_ratio = 0;  // h at `rate`: log(rate x latency / occupancy)
  int runs = 0;          // of `run`, the search's
};

// `run(x)`: an absl::StatusOr<State> whose latency_s is L(x) (> 0). occupancy > 0, start > 0.
template <typename Run>
auto SolveOccupancyRate(double occupancy, double start, double tolerance, const Run& run)
    -> absl::StatusOr<OccupancyRate<typename decltype(run(0.0))::value_type>> {
  using State = typename decltype(run(0.0))::value_type;
  if (!(occupancy > 0) || !(start > 0) || !std::isfinite(start)) {
    return absl::InvalidArgumentError(fmt::format(
        "occupancy rate: occupancy {} and start {} must be positive", occupancy, start));
  }
  std::optional<OccupancyRate<State>> best;
  // The bracket so far, in log x: h(below) < 0 < h(above).
  double below = -std::numeric_limits<double>::infinity();
  double above = std::numeric_limits<double>::infinity();
  double previous_log = 0, previous_h = 0;
  double log_x = std::log(start);
  double most_step = kFirstOccupancyStep;
  for (int runs = 1; runs <= kMostOccupancyRuns; ++runs) {
    const double x = std::exp(log_x);
    auto state = run(x);
    if (!state.ok()) return state.status();
    const double latency = state->latency_s;
    if (!(latency > 0) || !std::isfinite(latency)) {
      return absl::InternalError(
          fmt::format("occupancy rate: a run at {} requests/s gave latency {} s", x, latency));
    }
    const double h = std::log(x * latency / occupancy);
    if (!best || std::abs(h) < std::abs(best->log_ratio)) {
      best = OccupancyRate<State>{x, *std::move(state), h, runs};
    }
    best->runs = runs;
    if (std::abs(h) <= tolerance) break;
    (h < 0 ? below : above) = log_x;
    // (A server near its capacity: the time in it climbs steeply with the rate, and a rate
    // bracketed to within kOccupancyRateWidth is as good as the search gets.)
    if (above - below <= kOccupancyRateWidth) break;
    // Next: the secant through this run and the one before; the first step assumes L constant
    // (x L(x) = occupancy at x e^-h).
    double next = log_x - h;
    if (runs > 1 && h != previous_h) {
      next = log_x - h * (log_x - previous_log) / (h - previous_h);
    }
    const bool bracketed = std::isfinite(below) && std::isfinite(above);
    if (!std::isfinite(next) || (bracketed && !(next > below && next < above)) ||
        (!bracketed && (h < 0 ? next <= log_x : next >= log_x))) {
      next = bracketed ? 0.5 * (below + above) : log_x - h;
    }
    if (!bracketed) {
      next = std::clamp(next, log_x - most_step, log_x + most_step);
      most_step *= 2;
    }
    previous_log = log_x;
    previous_h = h;
    log_x = next;
  }
  return *std::move(best);
}

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_SERVING_OCCUPANCY_RATE_H_
