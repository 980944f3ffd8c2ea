#include "framework/error_band.h"

#include <algorithm>
#include <cmath>

#include "fmt/format.h"

namespace infercost::framework {

std::string BatchBucket(int64_t sequences) {
  if (sequences < 8) return "1-7";
  if (sequences < 64) return "8-63";
  return "64+";
}

namespace {

// Static times keep the bare metric name; the other modes' are measured apart.
std::string ModeSuffix(const Scenario& s) {
  return s.mode == ServingMode::kStatic ? std::string()
                                        : fmt::format("-{}", ServingModeName(s.mode));
}

}  // namespace

std::string RegimeOf(const Scenario& s, const std::string& metric) {
  const std::string calibration = s.engine.reference_hardware.empty() ? "ideal"
                                  : s.engine_fitted_on_device         ? "fitted"
                                  : s.calibration_transferred         ? "transferred"
                                                                      : "unfitted";
  return metric + ModeSuffix(s) + "/" + calibration + "/" + (s.model.moe ? "moe" : "dense") + "/" +
         BatchBucket(s.concurrency);
}

TimeBand BandOf(const Scenario& s, const std::string& metric, double value) {
  const registry::ErrorBands* bands = s.error_bands.get();
  TimeBand band;
  band.regime = RegimeOf(s, metric);
  const registry::ErrorBand* found = nullptr;
  if (bands != nullptr) {
    auto it = bands->regimes.find(band.regime);
    if (it != bands->regimes.end() && it->second.rows >= kMinBandRows) found = &it->second;
  }
  if (found != nullptr) {
    band.rows = found->rows;
    band.calibrated = true;
    band.low_s = value / found->high;
    band.high_s = value / found->low;
    return band;
  }
  // No regime of its own: the metric's band over every regime, its log-width doubled.
  double low = 0.5;
  double high = 2.0;
  band.why = bands == nullptr ? "no error-bands.toml: a factor of 2 either way"
                              : "no measurements of regime " + band.regime +
                                    ": the band of every measured regime of this time, doubled";
  if (bands != nullptr) {
    const std::string all = metric + ModeSuffix(s) + "/all";
    if (auto it = bands->regimes.find(all); it != bands->regimes.end()) {
      low = it->second.low * it->second.low;
      high = it->second.high * it->second.high;
      band.rows = it->second.rows;
    }
  }
  band.low_s = value / std::max(high, 1.0);
  band.high_s = value / std::min(low, 1.0);
  return band;
}

}  // namespace infercost::framework
