#include "framework/error_band.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_join.h"
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
  std::vector<std::string> why;
  double low = 0.5;
  double high = 2.0;
  const registry::ErrorBand* measured = found;  // whose reach (context, batch) applies
  if (found != nullptr) {
    band.rows = found->rows;
    band.calibrated = true;
    low = found->low;
    high = found->high;
  } else {
    // No regime of its own: the metric's band over every regime, its log-width doubled.
    why.push_back(bands == nullptr
                      ? "no error-bands.toml: a factor of 2 either way"
                      : fmt::format("no measurements of regime {}: the band of every measured "
                                    "regime of this time, doubled",
                                    band.regime));
    if (bands != nullptr) {
      const std::string all = metric + ModeSuffix(s) + "/all";
      if (auto it = bands->regimes.find(all); it != bands->regimes.end()) {
        low = it->second.low * it->second.low;
        high = it->second.high * it->second.high;
        band.rows = it->second.rows;
        measured = &it->second;
      }
    }
  }
  // Extrapolation: beyond the measured context or concurrency, or away from the fitted
  // calibration, the band's log-width grows by 1 + log2 of how far (twice as far: twice as wide).
  // `what` formats the reason only when the band does widen (most estimates: never).
  auto widen = [&](double ratio, const auto& what) {
    if (!(ratio > 1 + 1e-9)) return;
    const double factor = 1 + std::log2(ratio);
    band.widening *= factor;
    why.push_back(fmt::format("{}: band {:.2g}x as wide", what(), factor));
  };
  const int64_t context = s.input_tokens + s.output_tokens;
  if (measured != nullptr && measured->max_context > 0) {
    widen(static_cast<double>(context) / static_cast<double>(measured->max_context), [&] {
      return fmt::format("context {} tokens beyond the {} measured", context,
                         measured->max_context);
    });
  }
  if (measured != nullptr && measured->max_batch > 0) {
    widen(static_cast<double>(s.concurrency) / static_cast<double>(measured->max_batch), [&] {
      return fmt::format("concurrency {} beyond the {} measured", s.concurrency,
                         measured->max_batch);
    });
  }
  widen(s.calibration_override_ratio, [&] {
    return fmt::format("calibration overridden {:.2g}x away from the {} preset",
                       s.calibration_override_ratio, s.engine.name);
  });
  if (band.widening > 1) {
    const double center = std::sqrt(low * high);
    const double half = std::pow(std::sqrt(high / low), band.widening);
    low = center / half;
    high = center * half;
  }
  band.why = absl::StrJoin(why, "; ");
  if (band.calibrated) {
    band.low_s = value / high;
    band.high_s = value / low;
  } else {
    band.low_s = value / std::max(high, 1.0);
    band.high_s = value / std::min(low, 1.0);
  }
  return band;
}

}  // namespace infercost::framework
