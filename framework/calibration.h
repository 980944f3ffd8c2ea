// Which calibration an engine runs with on a device: what is the device's and what is the
// engine's.
//
// An engine preset's matmul_efficiency and bandwidth_efficiency were fitted on its
// reference_hardware; they mix the device (what its GEMMs and memory streams reach at all, as
// public microbenchmarks measure: the hardware preset's [efficiency]) and the engine (how close
// its kernels come to that). On another device the engine keeps its part and takes the device's:
//
//   efficiency(engine, device) = efficiency(engine, reference) x measured(device) /
//   measured(reference)
//
// (at most 1), for each key the engine's [hardware.<device>] table does not set itself (values
// fitted on the device win). The software costs (per step, layer, sequence, kernel) are the
// engine's and stay as fitted. Without a measurement of either device the reference values
// apply unchanged, and the basis says so. A hardware plugin that declares
// IC_PLUGIN_FLAG_OWN_EFFICIENCY gets efficiency 1 instead (framework/timing/step_timer.h).
//
//   ASSIGN_OR_RETURN(EngineCalibration c, CalibrateEngine(engine, device, presets));
#ifndef INFERCOST_FRAMEWORK_CALIBRATION_H_
#define INFERCOST_FRAMEWORK_CALIBRATION_H_

#include <string>

#include "registry/engine.h"
#include "registry/hardware.h"
#include "registry/presets.h"

namespace infercost::framework {

struct EngineCalibration {
  registry::Engine engine;  // as it runs on the device
  // How: "fitted on <device>", "<keys> transferred from <reference> by measured efficiency",
  // "<reference>'s values: <device> has no measured efficiency", or "no reference device".
  std::string basis;
  bool fitted_on_device = false;  // the device is the reference or has its own table
  bool transferred = false;       // device measurements moved at least one efficiency
};

EngineCalibration CalibrateEngine(const registry::Engine& engine, const registry::Hardware& device,
                                  const registry::Presets& presets);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_CALIBRATION_H_
