#include "framework/timing/step_timer.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "fmt/format.h"
#include "framework/abi/phase_catalog.h"
#include "framework/base/status_macros.h"
#include "infercost/sdk/abi_support.h"
#include "infercost/sdk/attention_math.h"

namespace infercost::framework {
namespace {

void Merge(std::vector<PhaseTiming>& into, const PhaseTiming& timing) {
  for (PhaseTiming& existing : into) {
    if (existing.phase != timing.phase) continue;
    existing.calls += timing.calls;
    existing.compute_s += timing.compute_s;
    existing.memory_s += timing.memory_s;
    existing.communication_s += timing.communication_s;
    existing.overhead_s += timing.overhead_s;
    existing.time_s += timing.time_s;
    return;
  }
  into.push_back(timing);
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

}  // namespace

Execution ExecutionOf(const Scenario& scenario) {
  const registry::Engine& engine = scenario.engine;
  Execution out;
  out.per_layer_overhead_s = engine.per_layer_overhead_s;
  out.per_step_overhead_s = engine.per_step_overhead_s;
  out.per_sequence_overhead_s = engine.per_sequence_overhead_s;
  out.decode_attention = DecodeAttentionOf(engine, QueryHeadsPerKvHead(scenario));
  for (const std::vector<std::string>& names : engine.fused_phases) {
    std::vector<ic_phase_id> group;
    for (const std::string& name : names) {
      // Names were checked when the preset was loaded; an unknown one fuses nothing.
      if (const std::optional<ic_phase_id> id = PhaseByName(name)) group.push_back(*id);
    }
    if (group.size() >= 2) out.fused_phases.push_back(std::move(group));
  }
  ic_execution& execution = out.abi;
  execution.struct_size = sizeof(ic_execution);
  execution.flags =
      (engine.low_precision_math ? static_cast<uint32_t>(IC_EXECUTION_FLAG_LOW_PRECISION_MATH)
                                 : 0u) |
      (engine.custom_all_reduce ? static_cast<uint32_t>(IC_EXECUTION_FLAG_CUSTOM_ALL_REDUCE) : 0u);
  execution.weight_dtype = scenario.weights.id;
  execution.activation_dtype = scenario.activations.id;
  execution.kv_dtype = scenario.kv.id;
  execution.matmul_efficiency = engine.matmul_efficiency;
  execution.matmul_half_flops = engine.matmul_half_flops;
  execution.bandwidth_efficiency = engine.bandwidth_efficiency;
  execution.bandwidth_half_bytes = engine.bandwidth_half_bytes;
  execution.kernel_overhead_s = engine.kernel_overhead_s;
  return out;
}

StepTimer::StepTimer(HardwarePlugin hardware, registry::Hardware device, Execution execution)
    : hardware_(std::move(hardware)),
      hardware_preset_(std::make_shared<const registry::Hardware>(std::move(device))),
      device_(ToDevice(*hardware_preset_)),
      execution_(execution) {
  if (hardware_.own_efficiency()) {  // the plugin's times are already what the device achieves
    execution_.abi.matmul_efficiency = 1;
    execution_.abi.matmul_half_flops = 0;
    execution_.abi.bandwidth_efficiency = 1;
    execution_.abi.bandwidth_half_bytes = 0;
  }
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
    ASSIGN_OR_RETURN(time, hardware_.PhaseTime(device_, execution_.abi, cost));
  } else {
    // The engine's decode attention kernel on this device: its KV traffic and efficiency.
    const DecodeAttentionRun run = execution_.decode_attention.Run(cost);
    ic_execution abi = execution_.abi;
    abi.matmul_efficiency *= run.efficiency;
    abi.bandwidth_efficiency *= run.efficiency;
    ASSIGN_OR_RETURN(time, hardware_.PhaseTime(device_, abi, run.cost));
  }
  timing.compute_s = calls * time.compute_s;
  timing.memory_s = calls * time.memory_s;
  timing.communication_s = calls * time.communication_s;
  timing.overhead_s = calls * time.overhead_s;
  timing.time_s = calls * time.time_s;
  timing.bound = time.bound;
  const double bytes = sdk::HbmBytes(cost);
  timing.arithmetic_intensity = bytes > 0 ? (cost.matrix_flops + cost.vector_flops) / bytes : 0;
  return timing;
}

absl::Status StepTimer::Fuse(const std::vector<ic_phase_cost>& phases, double calls,
                             std::vector<PhaseTiming>& timings) const {
  for (const std::vector<ic_phase_id>& group : execution_.fused_phases) {
    std::vector<size_t> members;
    for (size_t i = 0; i < phases.size(); ++i) {
      const ic_phase_id id = phases[i].phase;
      if (PhaseSection(id) == IC_SECTION_COMMUNICATION) continue;
      // A record the engine's decode attention times at another efficiency keeps its own kernel.
      if (!execution_.decode_attention.Inert() &&
          execution_.decode_attention.Run(phases[i]).efficiency != 1) {
        continue;
      }
      if (std::find(group.begin(), group.end(), id) != group.end()) members.push_back(i);
    }
    if (members.size() < 2) continue;
    // One kernel over the members' work: a concatenated-weight GEMM of the same rows and depth
    // keeps a GEMM shape (N summed); otherwise the shape is left unset.
    ic_phase_cost fused{};
    fused.struct_size = sizeof(ic_phase_cost);
    fused.phase = phases[members.front()].phase;
    const ic_phase_cost& first = phases[members.front()];
    bool one_gemm = first.gemm_count == 1;
    double unfused_s = 0;
    for (const size_t i : members) {
      const ic_phase_cost cost = execution_.decode_attention.Inert()
                                     ? phases[i]
                                     : execution_.decode_attention.Run(phases[i]).cost;
      fused.params += cost.params;
      fused.matrix_flops += cost.matrix_flops;
      fused.vector_flops += cost.vector_flops;
      fused.weight_bytes += cost.weight_bytes;
      fused.kv_read_bytes += cost.kv_read_bytes;
      fused.kv_write_bytes += cost.kv_write_bytes;
      fused.activation_bytes += cost.activation_bytes;
      fused.gemm_n += cost.gemm_n;
      one_gemm = one_gemm && cost.gemm_count == 1 && cost.gemm_m == first.gemm_m &&
                 cost.gemm_k == first.gemm_k;
      unfused_s += timings[i].time_s;
    }
    if (one_gemm) {
      fused.gemm_m = first.gemm_m;
      fused.gemm_k = first.gemm_k;
      fused.gemm_count = 1;
    } else {
      fused.gemm_n = 0;
    }
    ASSIGN_OR_RETURN(const ic_phase_time time, hardware_.PhaseTime(device_, execution_.abi, fused));
    const double count = static_cast<double>(members.size());
    for (const size_t i : members) {
      const double share = unfused_s > 0 ? timings[i].time_s / unfused_s : 1 / count;
      PhaseTiming& t = timings[i];
      t.compute_s = calls * time.compute_s * share;
      t.memory_s = calls * time.memory_s * share;
      t.communication_s = calls * time.communication_s * share;
      t.overhead_s = calls * time.overhead_s * share;
      t.time_s = calls * time.time_s * share;
      t.bound = time.bound;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<double> StepTimer::TimePhases(const std::vector<ic_phase_cost>& phases,
                                             double calls) const {
  double seconds = 0;
  for (const ic_phase_cost& cost : phases) {
    ASSIGN_OR_RETURN(const double phase_seconds, TimePhaseCalls(cost, calls));
    seconds += phase_seconds;
  }
  return seconds;
}

absl::StatusOr<double> StepTimer::TimePhaseCalls(const ic_phase_cost& cost, double calls) const {
  ASSIGN_OR_RETURN(PhaseTiming timing, TimePhase(cost, calls, nullptr));
  return timing.time_s;
}

absl::StatusOr<double> StepTimer::TimeCollective(const ic_phase_cost& cost,
                                                 const CollectivePlan& plan) const {
  ASSIGN_OR_RETURN(PhaseTiming timing, TimePhase(cost, 1, &plan));
  return timing.time_s;
}

absl::StatusOr<StageTiming> StepTimer::Time(const StageLedger& per_gpu) const {
  StageTiming stage;
  double layers = 0;
  std::vector<PhaseTiming> group_timings;
  for (const LayerGroup& group : per_gpu.groups) {
    const double calls = static_cast<double>(group.layers);
    layers += calls;
    group_timings.clear();
    for (const ic_phase_cost& cost : group.phases) {
      ASSIGN_OR_RETURN(PhaseTiming timing,
                       TimePhase(cost, calls, per_gpu.FindCollective(cost.phase)));
      group_timings.push_back(timing);
    }
    if (!execution_.fused_phases.empty()) RETURN_IF_ERROR(Fuse(group.phases, calls, group_timings));
    for (const PhaseTiming& timing : group_timings) Merge(stage.phases, timing);
  }
  for (const ic_phase_cost& cost : per_gpu.model_phases) {
    ASSIGN_OR_RETURN(PhaseTiming timing, TimePhase(cost, 1, per_gpu.FindCollective(cost.phase)));
    Merge(stage.phases, timing);
  }
  SortByDisplayRank(stage.phases);
  for (PhaseTiming& timing : stage.phases) {
    if (timing.calls > 1) timing.bound = DominantBound(timing);
    stage.kernels_s += timing.time_s;
    // Intensity of the merged record: recompute from the ledger's whole-step numbers.
    if (const ic_phase_cost* cost = per_gpu.Find(timing.phase)) {
      const double bytes = sdk::HbmBytes(*cost);
      timing.arithmetic_intensity =
          bytes > 0 ? (cost->matrix_flops + cost->vector_flops) / bytes : 0;
    }
  }
  stage.layer_overhead_s = layers * execution_.per_layer_overhead_s;
  // Host work per step: a fixed part plus a part per sequence in the batch (scheduling,
  // input preparation, sampling bookkeeping, detokenization).
  stage.step_overhead_s = execution_.per_step_overhead_s + static_cast<double>(per_gpu.step.batch) *
                                                               execution_.per_sequence_overhead_s;
  stage.time_s = stage.kernels_s + stage.layer_overhead_s + stage.step_overhead_s;
  return stage;
}

}  // namespace infercost::framework
