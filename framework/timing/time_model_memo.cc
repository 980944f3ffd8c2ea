#include "framework/timing/time_model_memo.h"

#include <cstring>

#include "absl/hash/hash.h"
#include "framework/ledger/record_value_model.h"

namespace infercost::framework {

static_assert(sizeof(ic_execution) == 64, "ic_execution without padding: compared as bytes");

bool TimeModelMemo::SameExecution(const ic_execution& a, const ic_execution& b) {
  return std::memcmp(&a, &b, sizeof(ic_execution)) == 0;
}

size_t TimeModelMemo::Hash::operator()(const Context& context) const {
  // (a few of the execution's numbers tell executions apart well enough; Equal compares all)
  return absl::HashOf(context.execution.weight_dtype, context.execution.matmul_efficiency,
                      context.execution.bandwidth_efficiency, context.execution.kernel_overhead_s);
}

bool TimeModelMemo::Equal::operator()(const Context& a, const Context& b) const {
  return SameExecution(a.execution, b.execution) && SameOwner(a.plugin, b.plugin) &&
         SameOwner(a.device, b.device);
}

uint32_t TimeModelMemo::PositiveFields(const ic_phase_cost& cost) {
  uint32_t positive = 0;
  for (size_t f = 0; f < RecordValueModel::kFields.size(); ++f) {
    if (cost.*RecordValueModel::kFields[f] > 0) positive |= 1u << f;
  }
  return positive;
}

void TimeModelMemo::Switch(const std::shared_ptr<const void>& plugin,
                           const std::shared_ptr<const void>& device,
                           const ic_execution& execution) {
  if (contexts_.size() >= kMaxKept) contexts_.clear();  // bounded in contexts too (some empty)
  current_.plugin = plugin;
  current_.device = device;
  current_.execution = execution;
  models_ = &contexts_[current_];
}

const ic_time_model* TimeModelMemo::Find(const ic_phase_cost& cost) const {
  const uint32_t positive = PositiveFields(cost);
  for (const Kept& kept : *models_) {
    if (kept.phase == cost.phase && kept.positive_fields == positive) return &kept.model;
  }
  return nullptr;
}

void TimeModelMemo::Keep(const ic_phase_cost& cost, const ic_time_model& model) {
  const uint32_t positive = PositiveFields(cost);
  for (Kept& kept : *models_) {
    if (kept.phase == cost.phase && kept.positive_fields == positive) {
      kept.model = model;
      return;
    }
  }
  if (size() >= kMaxKept) {  // bounded: everything forgotten, the context kept
    contexts_.clear();
    models_ = &contexts_[current_];
  }
  models_->push_back({cost.phase, positive, model});
}

size_t TimeModelMemo::size() const {
  size_t kept = 0;
  for (const auto& [context, models] : contexts_) kept += models.size();
  return kept;
}

TimeModelMemo& ThreadTimeModelMemo() {
  thread_local TimeModelMemo memo;
  return memo;
}

}  // namespace infercost::framework
