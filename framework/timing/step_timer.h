// Turns one step's per-GPU ledger into time on the device, through the hardware plugin: each
// phase of one layer is timed once (roofline, efficiency curves, kernel overhead) and multiplied
// by its layer count; collectives are timed by the plugin's collective model; the engine's
// per-layer and per-step overheads are added.
//
//   StepTimer timer(hardware_plugin, scenario);
//   ASSIGN_OR_RETURN(StageTiming t, timer.Time(per_gpu_ledger));
//   t.time_s;   // the step's wall time
#ifndef INFERCOST_FRAMEWORK_TIMING_STEP_TIMER_H_
#define INFERCOST_FRAMEWORK_TIMING_STEP_TIMER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "framework/hardware_plugin.h"
#include "framework/ledger/ledger.h"
#include "framework/scenario.h"
#include "infercost/c/hardware.h"

namespace infercost::framework {

struct PhaseTiming {
  ic_phase_id phase = 0;
  double calls = 0;  // layers it runs in per step (1 for model-level phases)
  double compute_s = 0;
  double memory_s = 0;
  double communication_s = 0;
  double overhead_s = 0;
  double time_s = 0;  // all calls of the step
  ic_bound bound = IC_BOUND_MEMORY;
  double arithmetic_intensity = 0;  // FLOPs (matrix + vector) per HBM byte
};

struct StageTiming {
  std::vector<PhaseTiming> phases;  // display order
  double kernels_s = 0;             // sum of the phases
  double layer_overhead_s = 0;      // engine per-layer overhead x layers
  double step_overhead_s = 0;       // engine per-step + per-sequence x batch overhead
  double time_s = 0;                // the step's wall time
};

// The engine's calibration and the scenario's dtypes, as the hardware ABI wants them.
ic_execution ExecutionOf(const Scenario& scenario);

class StepTimer {
 public:
  StepTimer(HardwarePlugin hardware, const Scenario& scenario);

  absl::StatusOr<StageTiming> Time(const StageLedger& per_gpu) const;
  // Time of `calls` x each of `phases` (one layer's), without engine overheads.
  absl::StatusOr<double> TimePhases(const std::vector<ic_phase_cost>& phases, double calls) const;

 private:
  absl::StatusOr<PhaseTiming> TimePhase(const ic_phase_cost& cost, double calls) const;

  HardwarePlugin hardware_;
  const Scenario* scenario_;
  ic_device device_;
  ic_execution execution_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_TIMING_STEP_TIMER_H_
