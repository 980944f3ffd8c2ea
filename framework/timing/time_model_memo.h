// A thread's ABI 1.5 time models (ic_time_model), kept from one evaluation to the next. The ABI
// promises that a record's model holds for every record of the same phase whose timed fields are
// zero and positive in the same places, on the same device with the same execution; so a sweep,
// or the decode sums of one scenario after another, asks the hardware plugin once per phase and
// pattern of signs. Keys hold the plugin and the device by their shared owners, weakly: no
// plugin or device is kept alive by a key (a make_shared block's memory is, until the key goes),
// and an owner that is gone never matches a new one, wherever the new one lives; a device copied
// into a new owner is a new device here. Bounded (kMaxKept, forgotten all at once when full).
//
//   TimeModelMemo& memo = ThreadTimeModelMemo();
//   TimeModelMemo::Key key(plugin, device, execution);
//   key.SetRecord(cost);
//   if (const ic_time_model* kept = memo.Find(key)) ... else memo.Keep(key, asked_of_plugin);
#ifndef INFERCOST_FRAMEWORK_TIMING_TIME_MODEL_MEMO_H_
#define INFERCOST_FRAMEWORK_TIMING_TIME_MODEL_MEMO_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "infercost/c/hardware.h"
#include "infercost/c/phase.h"

namespace infercost::framework {

class TimeModelMemo {
 public:
  static constexpr size_t kMaxKept = 256;

  struct Key {
    // Records timed by `plugin` on `device` with `execution` (SetRecord: which ones).
    Key(const std::shared_ptr<const void>& plugin, const std::shared_ptr<const void>& device,
        const ic_execution& execution)
        : plugin(plugin), device(device), execution(execution) {}
    // Records like `cost`: its phase, and which of its timed fields are positive.
    void SetRecord(const ic_phase_cost& cost);

    std::weak_ptr<const void> plugin;  // the loaded hardware plugin
    std::weak_ptr<const void> device;  // the device (preset) the ic_device was made from
    ic_execution execution{};
    ic_phase_id phase = 0;
    uint32_t positive_fields = 0;  // bit f: RecordValueModel::kFields[f] > 0
  };

  // The model kept for `key`, or null (valid until the next Keep).
  const ic_time_model* Find(const Key& key) const;
  void Keep(const Key& key, const ic_time_model& model);
  size_t size() const { return kept_.size(); }

 private:
  // Hashed by the execution, the phase and the signs; equal when the owners are the same too.
  struct Hash {
    size_t operator()(const Key& key) const;
  };
  struct Equal {
    bool operator()(const Key& a, const Key& b) const;
  };
  absl::flat_hash_map<Key, ic_time_model, Hash, Equal> kept_;
};

// The calling thread's memo.
TimeModelMemo& ThreadTimeModelMemo();

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_TIMING_TIME_MODEL_MEMO_H_
