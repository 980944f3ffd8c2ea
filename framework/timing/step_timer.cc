#include "framework/timing/step_timer.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "fmt/format.h"
#include "framework/abi/phase_catalog.h"
#include "framework/base/status_macros.h"
#include "framework/timing/time_model_memo.h"
#include "infercost/sdk/abi_support.h"
#include "infercost/sdk/attention_math.h"

namespace infercost::framework {
namespace {

// Adds `timing` to the record of its phase in `into` (found through `slots`), or appends it.
void Merge(std::vector<PhaseTiming>& into, PhaseSlots<PhaseTiming>& slots,
           const PhaseTiming& timing) {
  PhaseTiming* existing = slots.Find(into, timing.phase);
  if (existing == nullptr) {
    slots.Append(into, timing);
    return;
  }
  existing->calls += timing.calls;
  existing->compute_s += timing.compute_s;
  existing->memory_s += timing.memory_s;
  existing->communication_s += timing.communication_s;
  existing->overhead_s += timing.overhead_s;
  existing->time_s += timing.time_s;
}

// A non-communication record's timing at `calls` calls, from the plugin's time of one.
// Field by field into `timing` (a step's records are timed in a loop: a whole PhaseTiming built
// on the stack and copied would be read back before its parts are stored).
void SetTiming(const ic_phase_cost& cost, double calls, const ic_phase_time& time,
               PhaseTiming& timing) {
  timing.phase = cost.phase;
  timing.calls = calls;
  timing.compute_s = calls * time.compute_s;
  timing.memory_s = calls * time.memory_s;
  timing.communication_s = calls * time.communication_s;
  timing.overhead_s = calls * time.overhead_s;
  timing.time_s = calls * time.time_s;
  timing.bound = time.bound;
  timing.arithmetic_intensity = 0;  // TimeInto sets it from the ledger's whole-step record
}

PhaseTiming TimingOf(const ic_phase_cost& cost, double calls, const ic_phase_time& time) {
  PhaseTiming timing;
  SetTiming(cost, calls, time, timing);
  return timing;
}

// The component that dominates the summed times.
ic_bound DominantBound(const PhaseTiming& t) {
  const double largest = std::max({t.compute_s, t.memory_s, t.communication_s, t.overhead_s});
  if (largest == 0) return IC_BOUND_MEMORY;
  if (t.communication_s == largest) return IC_BOUND_COMMUNICATION;
  if (t.overhead_s == largest) return IC_BOUND_OVERHEAD;
  return t.compute_s == largest ? IC_BOUND_COMPUTE : IC_BOUND_MEMORY;
}

// Query heads per KV head on one GPU, from the model's shape (num_attention_heads over
// num_kv_heads; no variant is named here): 1 where every query head has its own K/V (MHA) or
// where the preset gives one entry per head for a shared latent (MLA: num_kv_heads = heads).
double QueryHeadsPerKvHead(const Scenario& scenario) {
  const registry::Model& m = scenario.model;
  const int64_t tp = scenario.layout.tensor;
  const int64_t kv_heads = m.num_kv_heads;
  if (kv_heads <= 0 || kv_heads >= m.num_attention_heads || tp <= 0 ||
      m.num_attention_heads % tp != 0) {
    return 1;
  }
  return static_cast<double>(sdk::attention_math::HeadsPerShard(m.num_attention_heads, tp)) /
         static_cast<double>(sdk::attention_math::KvHeadsPerShard(kv_heads, tp));
}

// The engine runs the scenario's matmuls at the weights' narrower peak: it does low-precision
// math (fp8 x fp8, fp4 x fp4), the weights are narrower than the activations and the device has
// a matrix peak for them (int4 weights on a device with no int4 peak are up-cast).
bool RunsNarrowMatmuls(const Scenario& scenario, const registry::DType& weights) {
  return scenario.engine.low_precision_math &&
         weights.bytes_per_element < scenario.activations.bytes_per_element &&
         scenario.hardware.matrix_flops_per_s[weights.id] > 0;
}

// An engine whose device plugin brings its own efficiencies: the plugin's times are already what
// the device achieves.
void UsePluginEfficiency(ic_execution& abi) {
  abi.matmul_efficiency = 1;
  abi.matmul_half_flops = 0;
  abi.bandwidth_efficiency = 1;
  abi.bandwidth_half_bytes = 0;
}

// Every field of the ABI struct, so that whatever ExecutionOf sets apart for the routed experts
// times them apart.
bool SameExecution(const ic_execution& a, const ic_execution& b) {
  return a.struct_size == b.struct_size && a.flags == b.flags && a.weight_dtype == b.weight_dtype &&
         a.activation_dtype == b.activation_dtype && a.kv_dtype == b.kv_dtype &&
         a.reserved == b.reserved && a.matmul_efficiency == b.matmul_efficiency &&
         a.matmul_half_flops == b.matmul_half_flops &&
         a.bandwidth_efficiency == b.bandwidth_efficiency &&
         a.bandwidth_half_bytes == b.bandwidth_half_bytes &&
         a.kernel_overhead_s == b.kernel_overhead_s;
}

}  // namespace

Execution ExecutionOf(const Scenario& scenario) {
  const registry::Engine& engine = scenario.engine;
  Execution out;
  out.per_layer_overhead_s = engine.per_layer_overhead_s;
  // The host's work of a step, per step and per sequence, is what an overlapping engine hides.
  const double host_paid = 1 - engine.host_overlap;
  out.per_step_overhead_s = engine.per_step_overhead_s * host_paid;
  out.per_sequence_overhead_s = engine.per_sequence_overhead_s * host_paid;
  out.decode_attention = DecodeAttentionOf(engine, QueryHeadsPerKvHead(scenario));
  ic_execution& execution = out.abi;
  execution.struct_size = sizeof(ic_execution);
  execution.flags =
      engine.low_precision_math ? static_cast<uint32_t>(IC_EXECUTION_FLAG_LOW_PRECISION_MATH) : 0u;
  execution.weight_dtype = scenario.weights.id;
  execution.activation_dtype = scenario.activations.id;
  execution.kv_dtype = scenario.kv.id;
  const auto matmul_efficiency = [&](const registry::DType& weights) {
    return engine.matmul_efficiency *
           (RunsNarrowMatmuls(scenario, weights) ? engine.low_precision_matmul_ratio : 1.0);
  };
  execution.matmul_efficiency = matmul_efficiency(scenario.weights);
  execution.matmul_half_flops = engine.matmul_half_flops;
  execution.bandwidth_efficiency = engine.bandwidth_efficiency;
  execution.bandwidth_half_bytes = engine.bandwidth_half_bytes;
  execution.kernel_overhead_s = engine.kernel_overhead_s;
  out.expert_abi = execution;
  out.expert_abi.weight_dtype = scenario.expert_weights.id;
  out.expert_abi.matmul_efficiency =
      matmul_efficiency(scenario.expert_weights) * engine.expert_matmul_ratio;
  // The engine's kernels for experts of that weight format, where it names them.
  if (const registry::Engine::ExpertKernels* kernels =
          engine.ExpertKernelsFor(scenario.expert_weights.id);
      kernels != nullptr) {
    out.expert_abi.kernel_overhead_s = engine.ExpertKernelOverhead(*kernels);
    out.expert_abi.bandwidth_efficiency *= kernels->bandwidth_ratio;
  }
  return out;
}

StepTimer::StepTimer(HardwarePlugin hardware, registry::Hardware device, Execution execution)
    : StepTimer(std::move(hardware), std::make_shared<const registry::Hardware>(std::move(device)),
                execution) {}

StepTimer::StepTimer(HardwarePlugin hardware, std::shared_ptr<const registry::Hardware> device,
                     Execution execution)
    : hardware_(std::move(hardware)),
      hardware_preset_(std::move(device)),
      device_(ToDevice(*hardware_preset_)),
      execution_(execution) {
  if (hardware_.own_efficiency()) {
    UsePluginEfficiency(execution_.abi);
    UsePluginEfficiency(execution_.expert_abi);
  }
  experts_apart_ = !SameExecution(execution_.expert_abi, execution_.abi);
}

absl::StatusOr<PhaseTiming> StepTimer::TimePhase(const ic_phase_cost& cost, double calls,
                                                 const CollectivePlan* plan) const {
  PhaseTiming timing;
  timing.phase = cost.phase;
  timing.calls = calls;
  if (PhaseSection(cost.phase) == IC_SECTION_COMMUNICATION) {
    if (plan == nullptr) {
      return absl::InternalError(fmt::format(
          "communication phase {} has no collective planned for it", PhaseName(cost.phase)));
    }
    ic_collective collective{};
    collective.struct_size = sizeof(ic_collective);
    collective.op = plan->op;
    collective.bytes = cost.comm_bytes;
    collective.group_size = plan->group_size;
    collective.spans_nodes = plan->spans_nodes ? 1 : 0;
    calls *= plan->hops;
    timing.calls = calls;
    ASSIGN_OR_RETURN(double seconds, hardware_.CollectiveTime(device_, execution_.abi, collective));
    timing.communication_s = calls * seconds;
    timing.time_s = timing.communication_s;
    timing.bound = IC_BOUND_COMMUNICATION;
    return timing;
  }
  ic_phase_time time;
  if (execution_.decode_attention.Inert()) {
    ASSIGN_OR_RETURN(time, hardware_.PhaseTime(device_, AbiOf(cost.phase), cost));
    return TimingOf(cost, calls, time);
  }
  // The engine's decode attention kernel on this device: its KV traffic and efficiency.
  const DecodeAttentionRun run = execution_.decode_attention.Run(cost);
  ic_execution abi = AbiOf(cost.phase);
  abi.matmul_efficiency *= run.efficiency;
  abi.bandwidth_efficiency *= run.efficiency;
  ASSIGN_OR_RETURN(time, hardware_.PhaseTime(device_, abi, run.cost));
  run.ApplyFloor(time);
  return TimingOf(cost, calls, time);
}

absl::Status StepTimer::TimeRecords(const ic_phase_cost* costs, size_t count, double calls,
                                    PhaseTiming* out) const {
  // The engine's decode attention kernel changes records one by one; routed experts timed apart
  // take their own execution.
  if (!execution_.decode_attention.Inert() || HasExpertsApart(costs, count)) {
    for (size_t i = 0; i < count; ++i) {
      ASSIGN_OR_RETURN(out[i], TimePhase(costs[i], calls, nullptr));
    }
    return absl::OkStatus();
  }
  // Set by PhaseTimes (a step's few records: on the stack, left uninitialized until then).
  std::array<ic_phase_time, 32> on_stack;
  std::vector<ic_phase_time> on_heap;
  ic_phase_time* times = on_stack.data();
  if (count > on_stack.size()) {
    on_heap.resize(count);
    times = on_heap.data();
  }
  RETURN_IF_ERROR(hardware_.PhaseTimes(device_, execution_.abi, costs, count, times));
  for (size_t i = 0; i < count; ++i) SetTiming(costs[i], calls, times[i], out[i]);
  return absl::OkStatus();
}

absl::Status StepTimer::TimeEachPhase(const std::vector<ic_phase_cost>& phases, double calls,
                                      std::vector<double>& seconds) const {
  absl::InlinedVector<PhaseTiming, 32> timings(phases.size());
  RETURN_IF_ERROR(TimeRecords(phases.data(), phases.size(), calls, timings.data()));
  seconds.reserve(seconds.size() + timings.size());
  for (const PhaseTiming& timing : timings) seconds.push_back(timing.time_s);
  return absl::OkStatus();
}

absl::StatusOr<double> StepTimer::TimePhases(const std::vector<ic_phase_cost>& phases,
                                             double calls) const {
  absl::InlinedVector<PhaseTiming, 32> timings(phases.size());
  RETURN_IF_ERROR(TimeRecords(phases.data(), phases.size(), calls, timings.data()));
  double seconds = 0;
  for (const PhaseTiming& timing : timings) seconds += timing.time_s;
  return seconds;
}

absl::StatusOr<double> StepTimer::TimePhaseCalls(const ic_phase_cost& cost, double calls) const {
  ASSIGN_OR_RETURN(PhaseTiming timing, TimePhase(cost, calls, nullptr));
  return timing.time_s;
}

absl::StatusOr<bool> StepTimer::TimeModels(absl::Span<const ic_phase_cost> costs,
                                           absl::Span<const double> calls,
                                           absl::Span<RecordValueModel> models) const {
  if (!execution_.decode_attention.Inert()) return false;  // its switches are not in the model
  for (const ic_phase_cost& cost : costs) {
    if (PhaseSection(cost.phase) == IC_SECTION_COMMUNICATION) return false;
  }
  // Routed experts with their own execution are timed record by record (TimeRecords), never
  // from a model kept for the other execution.
  if (HasExpertsApart(costs.data(), costs.size())) return false;
  // The models kept from earlier calls (time_model_memo.h); the others asked of the plugin in
  // one call, and kept (after the models are read: a Keep may move what Find returned).
  TimeModelMemo& memo = ThreadTimeModelMemo();
  memo.Use(hardware_.loaded(), hardware_preset_, execution_.abi);
  absl::InlinedVector<const ic_time_model*, 8> times(costs.size());
  absl::InlinedVector<ic_phase_cost, 8> unknown;
  for (size_t i = 0; i < costs.size(); ++i) {
    times[i] = memo.Find(costs[i]);
    if (times[i] == nullptr) unknown.push_back(costs[i]);
  }
  absl::InlinedVector<ic_time_model, 8> asked(unknown.size());
  if (!unknown.empty()) {
    RETURN_IF_ERROR(hardware_.PhaseTimeModels(device_, execution_.abi, unknown.data(),
                                              unknown.size(), asked.data()));
    for (size_t i = 0, next = 0; i < costs.size(); ++i) {
      if (times[i] == nullptr) times[i] = &asked[next++];
    }
  }
  for (size_t i = 0; i < costs.size(); ++i) {
    const ic_time_model& time = *times[i];
    if (time.piece_count == 0) return false;
    RecordValueModel& model = models[i];
    model.calls = calls[i];
    model.overhead = time.overhead_s;
    model.pieces = static_cast<int>(time.piece_count);
    for (int p = 0; p < model.pieces; ++p) {
      const ic_time_piece& from = time.pieces[p];
      model.piece[p].constant = from.constant_s;
      model.piece[p].per_unit = {from.s_per_matrix_flop,   from.s_per_vector_flop,
                                 from.s_per_weight_byte,   from.s_per_kv_read_byte,
                                 from.s_per_kv_write_byte, from.s_per_activation_byte};
    }
  }
  for (size_t j = 0; j < asked.size(); ++j) memo.Keep(unknown[j], asked[j]);
  return true;
}

bool StepTimer::TimedApart(ic_phase_id phase) const {
  return phase == IC_PHASE_MOE_EXPERTS && experts_apart_;
}

bool StepTimer::HasExpertsApart(const ic_phase_cost* costs, size_t count) const {
  for (size_t i = 0; i < count; ++i) {
    if (TimedApart(costs[i].phase)) return true;
  }
  return false;
}

const ic_execution& StepTimer::AbiOf(ic_phase_id phase) const {
  return TimedApart(phase) ? execution_.expert_abi : execution_.abi;
}

absl::StatusOr<double> StepTimer::TimeCollective(const ic_phase_cost& cost,
                                                 const CollectivePlan& plan) const {
  ASSIGN_OR_RETURN(PhaseTiming timing, TimePhase(cost, 1, &plan));
  return timing.time_s;
}

absl::StatusOr<StageTiming> StepTimer::Time(const StageLedger& per_gpu) const {
  StageTiming stage;
  RETURN_IF_ERROR(TimeInto(per_gpu, stage));
  return stage;
}

absl::Status StepTimer::TimeEachRecord(const StageLedger& per_gpu,
                                       absl::FunctionRef<void(const PhaseTiming&)> take,
                                       double& layers) const {
  absl::InlinedVector<ic_phase_cost, 32> kernels;  // non-communication records, where copied
  absl::InlinedVector<PhaseTiming, 32> kernel_timings;
  const auto each = [&](const std::vector<ic_phase_cost>& records, double calls) -> absl::Status {
    const auto is_kernel = [](const ic_phase_cost& cost) {
      return sdk::PhaseSection(cost.phase) != IC_SECTION_COMMUNICATION;
    };
    // The kernels timed where they are when the communication records all come after them (as
    // in display order, the common case), else copied out first.
    const auto first_collective = std::find_if_not(records.begin(), records.end(), is_kernel);
    const ic_phase_cost* timed = records.data();
    size_t timed_count = static_cast<size_t>(first_collective - records.begin());
    if (std::find_if(first_collective, records.end(), is_kernel) != records.end()) {
      kernels.clear();
      std::copy_if(records.begin(), records.end(), std::back_inserter(kernels), is_kernel);
      timed = kernels.data();
      timed_count = kernels.size();
    }
    kernel_timings.resize(timed_count);
    RETURN_IF_ERROR(TimeRecords(timed, timed_count, calls, kernel_timings.data()));
    size_t next_kernel = 0;
    for (const ic_phase_cost& cost : records) {
      if (is_kernel(cost)) {
        take(kernel_timings[next_kernel++]);
        continue;
      }
      ASSIGN_OR_RETURN(const PhaseTiming timing,
                       TimePhase(cost, calls, per_gpu.FindCollective(cost.phase)));
      take(timing);
    }
    return absl::OkStatus();
  };
  // The model's phases first: most of them come first in display order too (TimeInto's sort
  // then moves little).
  RETURN_IF_ERROR(each(per_gpu.model_phases, 1));
  layers = 0;
  for (const LayerGroup& group : per_gpu.groups) {
    const double calls = static_cast<double>(group.layers);
    layers += calls;
    RETURN_IF_ERROR(each(group.phases, calls));
  }
  return absl::OkStatus();
}

void StepTimer::AddOverheads(int64_t batch, double layers, StageTiming& stage) const {
  stage.layer_overhead_s = layers * execution_.per_layer_overhead_s;
  // Host work per step: a fixed part plus a part per sequence in the batch (scheduling,
  // input preparation, sampling bookkeeping, detokenization).
  stage.step_overhead_s = execution_.per_step_overhead_s +
                          static_cast<double>(batch) * execution_.per_sequence_overhead_s;
  stage.time_s = stage.kernels_s + stage.layer_overhead_s + stage.step_overhead_s;
}

absl::Status StepTimer::TimeInto(const StageLedger& per_gpu, StageTiming& stage) const {
  stage.phases.clear();
  stage.kernels_s = 0;
  stage.phases.reserve(per_gpu.phases.size());
  PhaseSlots<PhaseTiming> slots;
  double layers = 0;
  RETURN_IF_ERROR(TimeEachRecord(
      per_gpu, [&](const PhaseTiming& timing) { Merge(stage.phases, slots, timing); }, layers));
  SortByDisplayRank(stage.phases);
  // The ledger's whole-step record of each phase, by phase id (the same phases, each once).
  std::array<const ic_phase_cost*, IC_PHASE_COUNT_V1_1> ledger_records{};
  for (const ic_phase_cost& cost : per_gpu.phases) {
    if (sdk::IsKnownPhase(cost.phase)) ledger_records[cost.phase] = &cost;
  }
  for (PhaseTiming& timing : stage.phases) {
    if (timing.calls > 1) timing.bound = DominantBound(timing);
    stage.kernels_s += timing.time_s;
    // Intensity of the merged record: from the ledger's whole-step numbers.
    if (const ic_phase_cost* cost = sdk::IsKnownPhase(timing.phase) ? ledger_records[timing.phase]
                                                                    : per_gpu.Find(timing.phase)) {
      const double bytes = sdk::HbmBytes(*cost);
      timing.arithmetic_intensity =
          bytes > 0 ? (cost->matrix_flops + cost->vector_flops) / bytes : 0;
    }
  }
  AddOverheads(per_gpu.step.batch, layers, stage);
  return absl::OkStatus();
}

absl::Status StepTimer::TimeTotalsInto(const StageLedger& per_gpu, StageTiming& stage) const {
  // Each phase's time summed as TimeInto merges it (first record, then += in ledger order), by
  // display rank; then summed in that order, as TimeInto sums its sorted list.
  std::array<double, IC_PHASE_COUNT_V1_1> by_rank;
  std::array<bool, IC_PHASE_COUNT_V1_1> seen{};
  bool unknown_phase = false;  // (a checked record has none) then TimeInto's own way
  double layers = 0;
  RETURN_IF_ERROR(TimeEachRecord(
      per_gpu,
      [&](const PhaseTiming& timing) {
        if (!sdk::IsKnownPhase(timing.phase)) {
          unknown_phase = true;
          return;
        }
        const int rank = PhaseDisplayRank(timing.phase);
        by_rank[rank] = seen[rank] ? by_rank[rank] + timing.time_s : timing.time_s;
        seen[rank] = true;
      },
      layers));
  if (unknown_phase) return TimeInto(per_gpu, stage);
  stage.phases.clear();
  stage.kernels_s = 0;
  for (int rank = 0; rank < IC_PHASE_COUNT_V1_1; ++rank) {
    if (seen[rank]) stage.kernels_s += by_rank[rank];
  }
  AddOverheads(per_gpu.step.batch, layers, stage);
  return absl::OkStatus();
}

}  // namespace infercost::framework
