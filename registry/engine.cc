#include "registry/engine.h"

#include "framework/base/status_macros.h"
#include "registry/toml_reader.h"

namespace infercost::registry {

absl::StatusOr<Engine> LoadEnginePreset(const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(path));
  TomlReader reader(path, root);
  Engine engine;
  engine.source = path;
  ASSIGN_OR_RETURN(engine.name, reader.String("name"));
  ASSIGN_OR_RETURN(engine.display_name, reader.String("display_name"));
  ASSIGN_OR_RETURN(engine.matmul_efficiency, reader.OptionalNumber("matmul_efficiency", 1, 1e-3, 1));
  ASSIGN_OR_RETURN(engine.bandwidth_efficiency,
                   reader.OptionalNumber("bandwidth_efficiency", 1, 1e-3, 1));
  ASSIGN_OR_RETURN(engine.matmul_half_flops,
                   reader.OptionalNumber("matmul_half_flops", 0, 0, 1e18));
  ASSIGN_OR_RETURN(engine.bandwidth_half_bytes,
                   reader.OptionalNumber("bandwidth_half_bytes", 0, 0, 1e15));
  ASSIGN_OR_RETURN(engine.low_precision_math, reader.Bool("low_precision_math", false));
  ASSIGN_OR_RETURN(engine.kernel_overhead_s, reader.OptionalNumber("kernel_overhead_s", 0, 0, 1));
  ASSIGN_OR_RETURN(engine.per_layer_overhead_s,
                   reader.OptionalNumber("per_layer_overhead_s", 0, 0, 1));
  ASSIGN_OR_RETURN(engine.per_step_overhead_s,
                   reader.OptionalNumber("per_step_overhead_s", 0, 0, 10));
  ASSIGN_OR_RETURN(engine.runtime_reserve_bytes,
                   reader.OptionalNumber("runtime_reserve_bytes", 0, 0, 1e15));
  ASSIGN_OR_RETURN(engine.reserve_fraction, reader.OptionalNumber("reserve_fraction", 0, 0, 0.9));
  ASSIGN_OR_RETURN(engine.max_batched_tokens, reader.NonNegativeInt("max_batched_tokens", 0));
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  return engine;
}

}  // namespace infercost::registry
