// The measured error band of a prediction (issue 12, point 5): which regime a scenario's time
// belongs to, and the band the public measurements of that regime give it
// (presets/error-bands.toml, written by `infercost calibrate --bands`).
//
// A regime is "<metric>/<calibration>/<dense|moe>/<batch>":
//   metric       e2e (static end-to-end), tpot, ttft, or tpot-serving / ttft-serving;
//   calibration  fitted (the engine was fitted on this device), transferred (moved here by
//                measured device efficiency), unfitted (the reference device's values), ideal;
//   batch        1-7, 8-63 or 64+ sequences.
// A regime with fewer than kMinBandRows measurements, or none, takes the metric's band over all
// regimes, widened, and says so; so does a serving or disagg TTFT of an engine whose served TTFT
// was never measured (no fitted request_overhead_s: the server's request path is left out of it,
// and the regime's measurements are other engines'). A scenario beyond what its regime measured
// (longer context, more concurrency) or with its calibration overridden (--mfu, --bw-efficiency)
// widens the band's log-width by 1 + log2(how far) for each, and says so.
//
// Regime names are built once (static storage): finding a scenario's band builds no string and
// allocates nothing unless the band is widened (its reason is then written out).
//
//   const TimeBand band = BandOf(scenario, "tpot", summary.tpot_s);
#ifndef INFERCOST_FRAMEWORK_ERROR_BAND_H_
#define INFERCOST_FRAMEWORK_ERROR_BAND_H_

#include <string>
#include <string_view>

#include "framework/scenario.h"
#include "registry/error_bands.h"

namespace infercost::framework {

inline constexpr int64_t kMinBandRows = 10;

struct TimeBand {
  double low_s = 0;
  double high_s = 0;
  std::string_view regime;  // the regime whose measurements gave the band (static storage)
  int64_t rows = 0;         // how many
  bool calibrated = false;  // false: no measured regime of its own (the band is widened)
  // How many times its measured log-width the band was widened for extrapolation (context or
  // concurrency beyond the regime's measurements, calibration overridden); 1 = not.
  double widening = 1;
  // Why the band is wider than its regime's measurements, as numbers (BandWhy writes it out;
  // nothing is formatted while estimating).
  bool no_error_bands = false;     // no error-bands.toml: a factor of 2 either way
  bool regime_unmeasured = false;  // too few measurements of `regime`: all regimes', doubled
  // A served TTFT of an engine with no served TTFT measured (`engine` names it): all regimes',
  // doubled.
  bool serving_path_unmeasured = false;
  int64_t context = 0;           // input + output tokens ...
  int64_t measured_context = 0;  // ... and the largest the band's measurements had (0: none)
  int64_t concurrency = 0;
  int64_t measured_batch = 0;
  double calibration_override_ratio = 1;  // --mfu / --bw-efficiency away from the preset
  // Speculative decoding's tokens per step where the time is per output token (TPOT, end to
  // end): it divides the step by acceptance rates no measurement here checks; 1 = none.
  double speculative_tokens_per_step = 1;
  // The preset overridden, or whose serving path was not measured (set only when that widened
  // the band).
  std::string engine;
  // A measured time (seconds) lies inside the band, its ends included.
  bool Contains(double seconds) const { return seconds >= low_s && seconds <= high_s; }
};

// The times that carry a band: a static batch's end-to-end latency, TPOT and TTFT.
enum class BandMetric { kE2e, kTpot, kTtft };

// "1-7", "8-63" or "64+".
std::string_view BatchBucket(int64_t sequences);
// The regime of `metric` ("e2e", "tpot" or "ttft"; serving and disagg modes append "-serving" /
// "-disagg"), a name with static storage.
std::string_view RegimeOf(const Scenario& scenario, BandMetric metric);
// The band of `value` (seconds) of `metric` from the scenario's error bands; without any
// (no error-bands.toml) value/2 .. 2 x value, marked uncalibrated.
TimeBand BandOf(const Scenario& scenario, BandMetric metric, double value);
// Why `band` is wider than its regime's measurements, in words ("" when it is not): each reason,
// "; "-separated.
std::string BandWhy(const TimeBand& band);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ERROR_BAND_H_
