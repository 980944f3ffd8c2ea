// A thread's ABI 1.5 time models (ic_time_model), kept from one evaluation to the next. The ABI
// promises that a record's model holds for every record of the same phase whose timed fields are
// zero and positive in the same places, on the same device with the same execution; so a sweep,
// or the decode sums of one scenario after another, asks the hardware plugin once per phase and
// pattern of signs. The models are kept per context (plugin, device, execution), the plugin and
// the device held by their shared owners, weakly: no plugin or device is kept alive by the memo
// (a make_shared block's memory is, until its context goes), and an owner that is gone never
// matches a new one, wherever the new one lives; a device copied into a new owner is a new
// device here. Bounded (kMaxKept models, forgotten all at once when full).
//
//   TimeModelMemo& memo = ThreadTimeModelMemo();
//   memo.Use(plugin, device, execution);          // the context of the records below
//   if (const ic_time_model* kept = memo.Find(cost)) ... else memo.Keep(cost, asked_of_plugin);
#ifndef INFERCOST_FRAMEWORK_TIMING_TIME_MODEL_MEMO_H_
#define INFERCOST_FRAMEWORK_TIMING_TIME_MODEL_MEMO_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "infercost/c/hardware.h"
#include "infercost/c/phase.h"

namespace infercost::framework {

class TimeModelMemo {
 public:
  static constexpr size_t kMaxKept = 256;

  // The context Find and Keep work in from now on: records timed by `plugin` on `device` with
  // `execution`. The same context as the last call's costs two owner comparisons and one of
  // the execution's bytes.
  // (A template: the owners are compared as they are, with no shared_ptr<const void> made for
  // the call, whose counts would change twice per call.)
  template <typename Plugin, typename Device>
  void Use(const std::shared_ptr<Plugin>& plugin, const std::shared_ptr<Device>& device,
           const ic_execution& execution) {
    if (models_ != nullptr && SameOwner(current_.plugin, plugin) &&
        SameOwner(current_.device, device) && SameExecution(current_.execution, execution)) {
      return;  // the last context (a sweep's next evaluation, mostly)
    }
    Switch(plugin, device, execution);
  }
  // The model kept in the context for records like `cost` (its phase, and which of its timed
  // fields are positive), or null (valid until the next Keep or Use). Needs a Use first.
  const ic_time_model* Find(const ic_phase_cost& cost) const;
  void Keep(const ic_phase_cost& cost, const ic_time_model& model);
  // Models kept, in every context.
  size_t size() const;

 private:
  struct Context {
    std::weak_ptr<const void> plugin;  // the loaded hardware plugin
    std::weak_ptr<const void> device;  // the device (preset) the ic_device was made from
    ic_execution execution{};
  };
  // Hashed by the execution; equal when the owners are the same too.
  struct Hash {
    size_t operator()(const Context& context) const;
  };
  struct Equal {
    bool operator()(const Context& a, const Context& b) const;
  };
  struct Kept {
    ic_phase_id phase = 0;
    uint32_t positive_fields = 0;  // bit f: RecordValueModel::kFields[f] > 0
    ic_time_model model{};
  };
  template <typename Weak, typename Owner>
  static bool SameOwner(const Weak& a, const Owner& b) {
    return !a.owner_before(b) && !b.owner_before(a);
  }
  static bool SameExecution(const ic_execution& a, const ic_execution& b);
  // Use's context when it is not the last one.
  void Switch(const std::shared_ptr<const void>& plugin, const std::shared_ptr<const void>& device,
              const ic_execution& execution);
  // Bit f set where RecordValueModel::kFields[f] of `cost` is positive.
  static uint32_t PositiveFields(const ic_phase_cost& cost);

  absl::flat_hash_map<Context, std::vector<Kept>, Hash, Equal> contexts_;
  Context current_;                      // the last Use's
  std::vector<Kept>* models_ = nullptr;  // current_'s models in contexts_
};

// The calling thread's memo.
TimeModelMemo& ThreadTimeModelMemo();

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_TIMING_TIME_MODEL_MEMO_H_
