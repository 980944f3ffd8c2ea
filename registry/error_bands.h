// Measured error bands (presets/error-bands.toml, written by `infercost calibrate --bands`): for
// each regime of a prediction, the spread of predicted / measured over the public measurements
// the project carries, as the quantiles that bound the stated coverage.
//
//   [regime."tpot/fitted/dense/8-63"]
//   rows = 412
//   low = 0.86    # 10th percentile of predicted / measured
//   high = 1.21   # 90th percentile
//   max_context = 9216   # largest input + output tokens among those rows
//   max_batch = 63       # largest concurrency among them
//
// A prediction p of that regime then lies in [p / high, p / low] for `coverage` of the rows.
#ifndef INFERCOST_REGISTRY_ERROR_BANDS_H_
#define INFERCOST_REGISTRY_ERROR_BANDS_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace infercost::registry {

struct ErrorBand {
  int64_t rows = 0;
  double low = 1;   // quantile (1 - coverage) / 2 of predicted / measured
  double high = 1;  // quantile (1 + coverage) / 2
  // The largest context (input + output tokens) and concurrency among the rows (0: not
  // recorded): a prediction beyond them is an extrapolation.
  int64_t max_context = 0;
  int64_t max_batch = 0;
};

struct ErrorBands {
  double coverage = 0.8;
  std::string source;
  // "<metric>/<calibration>/<dense|moe>/<batch>"; found by std::string_view too (a hash
  // lookup: each summary's times look theirs up).
  absl::flat_hash_map<std::string, ErrorBand> regimes;
};

absl::StatusOr<ErrorBands> LoadErrorBands(const std::string& path);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_ERROR_BANDS_H_
