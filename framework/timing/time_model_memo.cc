#include "framework/timing/time_model_memo.h"

#include <cstring>
#include <string_view>

#include "absl/hash/hash.h"
#include "framework/ledger/record_value_model.h"

namespace infercost::framework {
namespace {

static_assert(sizeof(ic_execution) == 64, "ic_execution without padding: compared as bytes");

std::string_view Bytes(const ic_execution& execution) {
  return {reinterpret_cast<const char*>(&execution), sizeof(execution)};
}

template <typename T>
bool SameOwner(const std::weak_ptr<T>& a, const std::weak_ptr<T>& b) {
  return !a.owner_before(b) && !b.owner_before(a);
}

}  // namespace

void TimeModelMemo::Key::SetRecord(const ic_phase_cost& cost) {
  phase = cost.phase;
  positive_fields = 0;
  for (size_t f = 0; f < RecordValueModel::kFields.size(); ++f) {
    if (cost.*RecordValueModel::kFields[f] > 0) positive_fields |= 1u << f;
  }
}

size_t TimeModelMemo::Hash::operator()(const Key& key) const {
  // (a few of the execution's numbers tell executions apart well enough; Equal compares all)
  return absl::HashOf(key.phase, key.positive_fields, key.execution.weight_dtype,
                      key.execution.matmul_efficiency, key.execution.bandwidth_efficiency,
                      key.execution.kernel_overhead_s);
}

bool TimeModelMemo::Equal::operator()(const Key& a, const Key& b) const {
  return a.phase == b.phase && a.positive_fields == b.positive_fields &&
         Bytes(a.execution) == Bytes(b.execution) && SameOwner(a.plugin, b.plugin) &&
         SameOwner(a.device, b.device);
}

const ic_time_model* TimeModelMemo::Find(const Key& key) const {
  const auto it = kept_.find(key);
  return it == kept_.end() ? nullptr : &it->second;
}

void TimeModelMemo::Keep(const Key& key, const ic_time_model& model) {
  if (kept_.size() >= kMaxKept && !kept_.contains(key)) kept_.clear();  // bounded
  kept_.insert_or_assign(key, model);
}

TimeModelMemo& ThreadTimeModelMemo() {
  thread_local TimeModelMemo memo;
  return memo;
}

}  // namespace infercost::framework
