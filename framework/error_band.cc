#include "framework/error_band.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "fmt/format.h"

namespace infercost::framework {

namespace {

constexpr std::string_view kMetrics[] = {"e2e", "tpot", "ttft"};           // BandMetric order
constexpr std::string_view kModeSuffixes[] = {"", "-serving", "-disagg"};  // ServingMode order
constexpr std::string_view kCalibrations[] = {"ideal", "fitted", "transferred", "unfitted"};
constexpr std::string_view kDenseOrMoe[] = {"dense", "moe"};
constexpr std::string_view kBatchBuckets[] = {"1-7", "8-63", "64+"};
constexpr size_t kMetricModes = std::size(kMetrics) * std::size(kModeSuffixes);

size_t BucketIndex(int64_t sequences) { return sequences < 8 ? 0 : sequences < 64 ? 1 : 2; }

// Every regime name "<metric><mode>/<calibration>/<dense|moe>/<batch>", and "<metric><mode>/all",
// written once.
struct RegimeNames {
  std::vector<std::string> regimes;  // [metric-mode][calibration][dense|moe][batch]
  std::vector<std::string> all;      // [metric-mode]
  RegimeNames() {
    for (std::string_view metric : kMetrics) {
      for (std::string_view mode : kModeSuffixes) {
        const std::string prefix = std::string(metric) + std::string(mode);
        all.push_back(prefix + "/all");
        for (std::string_view calibration : kCalibrations) {
          for (std::string_view kind : kDenseOrMoe) {
            for (std::string_view bucket : kBatchBuckets) {
              regimes.push_back(prefix + "/" + std::string(calibration) + "/" + std::string(kind) +
                                "/" + std::string(bucket));
            }
          }
        }
      }
    }
  }
};

const RegimeNames& Names() {
  static const RegimeNames* names = new RegimeNames();
  return *names;
}

size_t MetricModeIndex(const Scenario& s, BandMetric metric) {
  return static_cast<size_t>(metric) * std::size(kModeSuffixes) + static_cast<size_t>(s.mode);
}

}  // namespace

std::string_view BatchBucket(int64_t sequences) { return kBatchBuckets[BucketIndex(sequences)]; }

std::string_view RegimeOf(const Scenario& s, BandMetric metric) {
  const size_t calibration = s.engine.reference_hardware.empty() ? 0
                             : s.engine_fitted_on_device         ? 1
                             : s.calibration_transferred         ? 2
                                                                 : 3;
  const size_t index = ((MetricModeIndex(s, metric) * std::size(kCalibrations) + calibration) *
                            std::size(kDenseOrMoe) +
                        (s.model.moe ? 1 : 0)) *
                           std::size(kBatchBuckets) +
                       BucketIndex(s.concurrency);
  return Names().regimes[index];
}

namespace {

// The band's log-width grows by 1 + log2 of how far a prediction is beyond what was measured
// (twice as far: twice as wide); 1 (no widening) within it.
double WideningFactor(double ratio) { return ratio > 1 + 1e-9 ? 1 + std::log2(ratio) : 1; }

double Ratio(int64_t value, int64_t measured) {
  return measured > 0 ? static_cast<double>(value) / static_cast<double>(measured) : 1;
}

}  // namespace

TimeBand BandOf(const Scenario& s, BandMetric metric, double value) {
  const registry::ErrorBands* bands = s.error_bands.get();
  TimeBand band;
  band.regime = RegimeOf(s, metric);
  const registry::ErrorBand* found = nullptr;
  // A served TTFT of an engine whose serving path was never measured: not its regime's band
  // (other engines' measurements, their serving path included).
  band.serving_path_unmeasured = metric == BandMetric::kTtft && s.mode != ServingMode::kStatic &&
                                 !s.engine.serving_path_measured;
  if (band.serving_path_unmeasured) band.engine = s.engine.name;
  if (bands != nullptr && !band.serving_path_unmeasured) {
    auto it = bands->regimes.find(absl::string_view(band.regime.data(), band.regime.size()));
    if (it != bands->regimes.end() && it->second.rows >= kMinBandRows) found = &it->second;
  }
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
    band.no_error_bands = bands == nullptr;
    band.regime_unmeasured = bands != nullptr && !band.serving_path_unmeasured;
    if (bands != nullptr) {
      const std::string_view all = Names().all[MetricModeIndex(s, metric)];
      if (auto it = bands->regimes.find(absl::string_view(all.data(), all.size()));
          it != bands->regimes.end()) {
        low = it->second.low * it->second.low;
        high = it->second.high * it->second.high;
        band.rows = it->second.rows;
        measured = &it->second;
      }
    }
  }
  // Extrapolation: beyond the measured context or concurrency, or away from the fitted
  // calibration (BandWhy says which, in words).
  band.context = s.input_tokens + s.output_tokens;
  band.concurrency = s.concurrency;
  if (measured != nullptr) {
    band.measured_context = measured->max_context;
    band.measured_batch = measured->max_batch;
  }
  band.calibration_override_ratio = s.calibration_override_ratio;
  if (metric != BandMetric::kTtft) {
    band.speculative_tokens_per_step = s.speculation.tokens_per_step;
  }
  band.widening = WideningFactor(Ratio(band.context, band.measured_context)) *
                  WideningFactor(Ratio(band.concurrency, band.measured_batch)) *
                  WideningFactor(band.calibration_override_ratio) *
                  WideningFactor(band.speculative_tokens_per_step);
  if (WideningFactor(band.calibration_override_ratio) > 1) band.engine = s.engine.name;
  if (band.widening > 1) {
    const double center = std::sqrt(low * high);
    const double half = std::pow(std::sqrt(high / low), band.widening);
    low = center / half;
    high = center * half;
  }
  if (band.calibrated) {
    band.low_s = value / high;
    band.high_s = value / low;
  } else {
    band.low_s = value / std::max(high, 1.0);
    band.high_s = value / std::min(low, 1.0);
  }
  return band;
}

std::string BandWhy(const TimeBand& band) {
  std::vector<std::string> why;
  if (band.no_error_bands) why.push_back("no error-bands.toml: a factor of 2 either way");
  if (band.regime_unmeasured) {
    why.push_back(fmt::format(
        "no measurements of regime {}: the band of every measured regime of this time, doubled",
        std::string(band.regime)));
  }
  if (band.serving_path_unmeasured) {
    why.push_back(fmt::format(
        "the served TTFT of engine {} was never measured (its preset has no request_overhead_s "
        "fitted on served TTFTs; without one the server's request path is left out): the band "
        "of every measured regime of this time, doubled",
        band.engine));
  }
  const auto widened = [&](double ratio, const std::string& what) {
    const double factor = WideningFactor(ratio);
    if (factor > 1) why.push_back(fmt::format("{}: band {:.2g}x as wide", what, factor));
  };
  widened(
      Ratio(band.context, band.measured_context),
      fmt::format("context {} tokens beyond the {} measured", band.context, band.measured_context));
  widened(
      Ratio(band.concurrency, band.measured_batch),
      fmt::format("concurrency {} beyond the {} measured", band.concurrency, band.measured_batch));
  widened(band.calibration_override_ratio,
          fmt::format("calibration overridden {:.2g}x away from the {} preset",
                      band.calibration_override_ratio, band.engine));
  widened(band.speculative_tokens_per_step,
          fmt::format("speculative decoding's {:.3g} tokens per step rest on acceptance rates no "
                      "measurement here checks",
                      band.speculative_tokens_per_step));
  return absl::StrJoin(why, "; ");
}

}  // namespace infercost::framework
