// A serving engine's calibration, as read from an engine preset (presets/engines/*.toml):
// achievable fractions of peak and fixed overheads.
//
//   ASSIGN_OR_RETURN(Engine ideal, LoadEnginePreset("presets/engines/ideal.toml"));
#ifndef INFERCOST_REGISTRY_ENGINE_H_
#define INFERCOST_REGISTRY_ENGINE_H_

#include <string>

#include "absl/status/statusor.h"

namespace infercost::registry {

struct Engine {
  std::string name;
  std::string display_name;
  double matmul_efficiency = 1.0;     // fraction of matrix peak reached by large matmuls
  double bandwidth_efficiency = 1.0;  // fraction of HBM bandwidth reached by large transfers
  double kernel_overhead_s = 0;       // per kernel launch
  double per_layer_overhead_s = 0;
  double per_step_overhead_s = 0;
  double runtime_reserve_bytes = 0;   // per GPU, held by the runtime (CUDA context, graphs, ...)
  std::string source;
};

absl::StatusOr<Engine> LoadEnginePreset(const std::string& path);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_ENGINE_H_
