// Turns one step's per-GPU ledger into time on the device, through the hardware plugin: each
// phase of one layer is timed once (roofline, efficiency curves, kernel overhead) and multiplied
// by its layer count; communication phases are timed by the plugin's collective model with the
// collective the ledger planned for them (the timer does no layout reasoning); the engine's
// per-layer and per-step overheads are added. Built from what timing needs, not a scenario.
//
//   StepTimer timer(hardware_plugin, scenario.hardware, ExecutionOf(scenario));
//   ASSIGN_OR_RETURN(StageTiming t, timer.Time(per_gpu_ledger));
//   t.time_s;   // the step's wall time
#ifndef INFERCOST_FRAMEWORK_TIMING_STEP_TIMER_H_
#define INFERCOST_FRAMEWORK_TIMING_STEP_TIMER_H_

#include <memory>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "framework/abi/hardware_plugin.h"
#include "framework/ledger/ledger.h"
#include "framework/ledger/record_value_model.h"
#include "framework/scenario.h"
#include "framework/timing/decode_attention.h"
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

// How the engine drives the device: the hardware ABI's ic_execution (dtypes, calibration,
// kernel overhead) and the engine's host-side overheads.
struct Execution {
  ic_execution abi{};
  double per_layer_overhead_s = 0;
  double per_step_overhead_s = 0;
  double per_sequence_overhead_s = 0;
  // The engine's decode attention kernels on this device (decode_attention.h).
  DecodeAttention decode_attention;
  // How the routed experts' matmuls (IC_PHASE_MOE_EXPERTS) run: their own weight dtype (a
  // checkpoint that quantizes only them) and the fraction of the engine's matmul efficiency its
  // grouped GEMMs reach (registry::Engine::expert_matmul_ratio), with the engine's kernels for
  // that weight format where it names them (registry::Engine::ExpertKernels: their fixed time per
  // call, the share of the bandwidth their weight stream reaches). Where any of these differs from
  // `abi`'s, those records are timed with it.
  ic_execution expert_abi{};
};

// The engine's calibration and the scenario's dtypes, as the hardware ABI wants them.
Execution ExecutionOf(const Scenario& scenario);

class StepTimer {
 public:
  StepTimer(HardwarePlugin hardware, registry::Hardware device, Execution execution);
  // The same with a device the caller keeps (shared: nothing copied).
  StepTimer(HardwarePlugin hardware, std::shared_ptr<const registry::Hardware> device,
            Execution execution);

  absl::StatusOr<StageTiming> Time(const StageLedger& per_gpu) const;
  // The same into `stage`, whose capacity is reused (every field set).
  absl::Status TimeInto(const StageLedger& per_gpu, StageTiming& stage) const;
  // The step's times only: kernels_s, layer_overhead_s, step_overhead_s and time_s as TimeInto
  // gives them, to the last bit (the same records summed in the same order), `stage.phases`
  // left empty. What a summary needs (EstimateDetail::kSummary).
  absl::Status TimeTotalsInto(const StageLedger& per_gpu, StageTiming& stage) const;
  // Time of `calls` x each of `phases` (one layer's, no communication), without engine
  // overheads.
  absl::StatusOr<double> TimePhases(const std::vector<ic_phase_cost>& phases, double calls) const;
  // Time of `calls` x one such phase.
  absl::StatusOr<double> TimePhaseCalls(const ic_phase_cost& cost, double calls) const;
  // TimePhaseCalls of each of `phases` (no communication), appended to `seconds` in order: one
  // call through the hardware plugin for all of them where it takes many (ABI 1.3).
  absl::Status TimeEachPhase(const std::vector<ic_phase_cost>& phases, double calls,
                             std::vector<double>& seconds) const;
  // TimePhaseCalls of records like each of `costs` at its `calls` (see RecordValueModel), as
  // models of their fields into `models`, from the hardware plugin's ABI 1.5 time models: false
  // where one has none (the plugin has none for it, the engine's decode attention kernel
  // rewrites the records first, or a routed-experts record takes its own execution).
  absl::StatusOr<bool> TimeModels(absl::Span<const ic_phase_cost> costs,
                                  absl::Span<const double> calls,
                                  absl::Span<RecordValueModel> models) const;
  // Time of one communication record moved by `plan` (x plan.hops).
  absl::StatusOr<double> TimeCollective(const ic_phase_cost& cost,
                                        const CollectivePlan& plan) const;

 private:
  absl::StatusOr<PhaseTiming> TimePhase(const ic_phase_cost& cost, double calls,
                                        const CollectivePlan* plan) const;
  // TimePhase of costs[0 .. count) (no communication) into out[0 .. count).
  absl::Status TimeRecords(const ic_phase_cost* costs, size_t count, double calls,
                           PhaseTiming* out) const;
  // Times every record of `per_gpu`, the model's phases once and each layer group's at its layer
  // count, and gives each timing to `take` in ledger order (kernels in one call to the plugin
  // per list, collectives one by one); `layers` receives the layer count.
  absl::Status TimeEachRecord(const StageLedger& per_gpu,
                              absl::FunctionRef<void(const PhaseTiming&)> take,
                              double& layers) const;
  // Whether records of `phase` are timed with the routed experts' own execution, whether one of
  // costs[0 .. count) is, and the execution a record of `phase` is timed with.
  bool TimedApart(ic_phase_id phase) const;
  bool HasExpertsApart(const ic_phase_cost* costs, size_t count) const;
  const ic_execution& AbiOf(ic_phase_id phase) const;
  // The engine's per-layer and per-step overheads of a step of `batch` sequences over `layers`
  // layers, and the step's time from stage.kernels_s.
  void AddOverheads(int64_t batch, double layers, StageTiming& stage) const;

  HardwarePlugin hardware_;
  // Owned on the heap: device_ points into it, wherever the timer moves.
  std::shared_ptr<const registry::Hardware> hardware_preset_;
  ic_device device_;
  Execution execution_;
  bool experts_apart_ = false;  // execution_.expert_abi differs from execution_.abi in a field
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_TIMING_STEP_TIMER_H_
