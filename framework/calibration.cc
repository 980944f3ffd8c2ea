#include "framework/calibration.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_join.h"
#include "fmt/format.h"

namespace infercost::framework {

EngineCalibration CalibrateEngine(const registry::Engine& engine, const registry::Hardware& device,
                                  const registry::Presets& presets) {
  EngineCalibration c;
  c.engine = engine.ForHardware(device.name);
  const std::string& reference = engine.reference_hardware;
  bool own_table = false;
  for (const registry::Engine::HardwareOverride& o : engine.hardware_overrides) {
    own_table = own_table || o.hardware == device.name;
  }
  if (reference.empty()) {
    c.basis = "no reference device (the engine's values apply on every device)";
    c.fitted_on_device = true;
    return c;
  }
  if (reference == device.name) {
    c.basis = fmt::format("fitted on {}", device.name);
    c.fitted_on_device = true;
    return c;
  }
  c.fitted_on_device = own_table;
  absl::StatusOr<const registry::Hardware*> ref = presets.hardware.Find(reference);
  const registry::Hardware* from = ref.ok() ? *ref : nullptr;
  std::vector<std::string> moved;
  std::vector<std::string> kept;
  struct Key {
    const char* name;
    double registry::Engine::*field;
    double registry::Hardware::*measured;
  };
  for (const Key& k : {Key{"matmul_efficiency", &registry::Engine::matmul_efficiency,
                           &registry::Hardware::measured_matmul_efficiency},
                       Key{"bandwidth_efficiency", &registry::Engine::bandwidth_efficiency,
                           &registry::Hardware::measured_bandwidth_efficiency}}) {
    if (engine.Overrides(device.name, k.name)) continue;  // fitted on this device
    const double here = device.*k.measured;
    const double there = from != nullptr ? from->*k.measured : 0;
    if (here > 0 && there > 0) {
      c.engine.*k.field = std::min(1.0, engine.*k.field * here / there);
      moved.push_back(fmt::format("{} {:.3g} -> {:.3g} (measured {:.2f} here, {:.2f} on {})",
                                  k.name, engine.*k.field, c.engine.*k.field, here, there,
                                  reference));
    } else {
      kept.push_back(k.name);
    }
  }
  c.transferred = !moved.empty();
  std::vector<std::string> parts;
  if (own_table) parts.push_back(fmt::format("[hardware.{}] values fitted on it", device.name));
  if (!moved.empty()) {
    parts.push_back(fmt::format("moved from {} by measured efficiency: {}", reference,
                                absl::StrJoin(moved, "; ")));
  }
  if (!kept.empty()) {
    parts.push_back(fmt::format("{} as fitted on {} ({} has no measured {})",
                                absl::StrJoin(kept, ", "), reference, device.name,
                                from == nullptr ? "reference preset" : "efficiency"));
  }
  c.basis = absl::StrJoin(parts, "; ");
  return c;
}

}  // namespace infercost::framework
