// One attention class's phases for one layer, as the pipeline evaluates them per step.
#ifndef INFERCOST_FRAMEWORK_LEDGER_ATTENTION_SLICE_H_
#define INFERCOST_FRAMEWORK_LEDGER_ATTENTION_SLICE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "infercost/c/phase.h"

namespace infercost::framework {

// One layer's attention phases and the number of layers of its class (AttentionLayers).
struct AttentionSlice {
  int64_t layers = 0;
  size_t attention_class = 0;  // index into AttentionLayers::classes()
  std::vector<ic_phase_cost> phases;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_ATTENTION_SLICE_H_
