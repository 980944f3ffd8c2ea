#include "framework/ledger/whole_model.h"

#include "framework/abi/phase_catalog.h"
#include "framework/ledger/cost_math.h"
#include "infercost/sdk/abi_support.h"

namespace infercost::framework {
namespace {

// Accumulate for a ledger built in one go: each phase's record found by its id (PhaseSlots),
// so adding a record does not search the ledger.
class PhaseAccumulator {
 public:
  explicit PhaseAccumulator(std::vector<ic_phase_cost>& phases) : phases_(phases) {}
  void Add(const ic_phase_cost& cost, double times) {
    ic_phase_cost* record = slots_.Find(phases_, cost.phase);
    if (record == nullptr) record = &slots_.Append(phases_, ZeroCost(cost.phase));
    AddScaled(*record, cost, times);
  }

 private:
  std::vector<ic_phase_cost>& phases_;
  PhaseSlots<ic_phase_cost> slots_;
};

}  // namespace

ic_phase_cost WholeModelRecord(const ic_phase_cost& cost, int64_t tensor_parallel) {
  const double group = static_cast<double>(tensor_parallel);
  const double weight_copies = sdk::WeightCopies(cost);
  ic_phase_cost whole = ZeroCost(cost.phase);
  AddScaled(whole, cost, group);
  whole.params = cost.params * group / weight_copies;
  whole.weight_bytes = cost.weight_bytes * group / weight_copies;
  whole.weight_copies = cost.weight_copies;
  return whole;
}

void AssembleStage(StageLedger& ledger, bool whole_step_records) {
  ledger.phases.clear();
  ledger.stack_weight_bytes = 0;
  if (whole_step_records) {
    size_t records = ledger.model_phases.size();
    for (const LayerGroup& group : ledger.groups) records += group.phases.size();
    ledger.phases.reserve(records);
  }
  PhaseAccumulator step_total(ledger.phases);
  // The model's phases (never a layer's) first: most of them come first in display order, so
  // the sort below moves little.
  if (whole_step_records) {
    for (const ic_phase_cost& cost : ledger.model_phases) {
      const bool hop = cost.phase == IC_PHASE_PP_SEND_RECV;
      step_total.Add(cost, hop ? static_cast<double>(ledger.step.pipeline_parallel - 1) : 1.0);
    }
  }
  for (LayerGroup& group : ledger.groups) {
    group.totals = Sum(group.phases);
    if (whole_step_records) {
      for (const ic_phase_cost& cost : group.phases) {
        step_total.Add(cost, static_cast<double>(group.layers));
      }
    }
    ledger.stack_weight_bytes += static_cast<double>(group.layers) * group.totals.weight_bytes;
  }
  SortByDisplayRank(ledger.phases);
  ledger.totals = Sum(ledger.phases);  // (zero without the whole-step records)
  ledger.layer_weight_bytes = ledger.groups.empty() ? 0 : ledger.groups.front().totals.weight_bytes;
  // The explainer's whole-model meter: L x layer + LM head (no embedding row, no final norm).
  for (const ic_phase_cost& cost : ledger.model_phases) {
    if (cost.phase == IC_PHASE_LM_HEAD) ledger.stack_weight_bytes += cost.weight_bytes;
  }
}

StageLedger WholeModelOf(const StageLedger& per_gpu) {
  const int64_t tp = per_gpu.step.tensor_parallel;
  StageLedger whole;
  whole.step = per_gpu.step;
  whole.groups.reserve(per_gpu.groups.size());
  for (const LayerGroup& group : per_gpu.groups) {
    LayerGroup& scaled = whole.groups.emplace_back();
    scaled.name = group.name;
    scaled.layers = group.layers;
    scaled.phases.reserve(group.phases.size());
    for (const ic_phase_cost& cost : group.phases) {
      scaled.phases.push_back(WholeModelRecord(cost, tp));
    }
  }
  whole.model_phases.reserve(per_gpu.model_phases.size());
  for (const ic_phase_cost& cost : per_gpu.model_phases) {
    whole.model_phases.push_back(WholeModelRecord(cost, tp));
  }
  AssembleStage(whole);
  return whole;
}

}  // namespace infercost::framework
