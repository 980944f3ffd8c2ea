// `infercost calibrate --bands`: re-derives presets/error-bands.toml from the measurements the
// project carries (tests/data/validation/): every ANL static batch (end-to-end latency), every
// aiconfigurator serving row (TPOT in static and serving mode, TTFT in serving mode). For each
// regime (framework/error_band.h) it writes the quantiles of predicted / measured that bound
// --coverage of the rows, and prints the coverage each suite then reaches.
//
//   infercost calibrate --bands --out presets/error-bands.toml
//
// `infercost calibrate --engines`: re-derives the engine presets' fitted numbers from the same
// measurements (validation/engine_fit.h) and prints, per engine and device, the committed and the
// re-fitted value of every fitted key and the median |error| of the fitted and held-out rows
// with each.
//
//   infercost calibrate --engines [--engine vllm] [--hardware h100-sxm]
#ifndef INFERCOST_APPS_INFERCOST_CALIBRATE_COMMAND_H_
#define INFERCOST_APPS_INFERCOST_CALIBRATE_COMMAND_H_

#include <CLI/CLI.hpp>
#include <string>

#include "apps/infercost/session.h"

namespace infercost::cli {

struct CalibrateFlags {
  bool bands = false;
  bool engines = false;
  std::string engine;    // --engines: only this engine (empty: all)
  std::string hardware;  // --engines: only this device (empty: all)
  int64_t max_evaluations = 400;
  std::string data_dir;  // empty: the repository's tests/data/validation (build-tree binaries)
  std::string out;       // empty: standard output
  double coverage = 0.8;
};

void AddCalibrateFlags(CLI::App& command, CalibrateFlags& flags);
int RunCalibrate(Session& session, const CalibrateFlags& flags);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_CALIBRATE_COMMAND_H_
