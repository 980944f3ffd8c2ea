#include "framework/confidence.h"

#include "fmt/format.h"

namespace infercost::framework {
namespace {

constexpr double kHighBand = 0.3;    // spec §4: High = ±30%
constexpr double kMediumBand = 0.5;  // Medium = ±50%
constexpr double kLowBand = 1.0;     // Low: ±100% (the explainer gives no number)

bool IsNvidiaDatacenter(const registry::Hardware& hw) {
  return hw.vendor == "NVIDIA" && hw.scale_up_bandwidth_bytes_per_s >= 300e9;
}

}  // namespace

Confidence AssessConfidence(const Scenario& s) {
  std::vector<std::string> low;
  std::vector<std::string> medium;
  const bool moe = s.model.moe.has_value();
  const int64_t context = s.input_tokens + s.output_tokens;
  if (s.engine.name == "ideal") {
    low.push_back(
        "engine 'ideal' is a roofline bound (100% of peak, no overheads), not a "
        "calibrated prediction");
  }
  // Spec §4: calibration overridden far from the preset (here: by more than 1.5x either way).
  if (s.calibration_override_ratio > 1.5) {
    low.push_back(fmt::format("calibration overridden {:.1f}x away from the {} preset",
                              s.calibration_override_ratio, s.engine.name));
  }
  if (moe && s.concurrency < 8) low.push_back("MoE at concurrency < 8");
  if (context > 8192) low.push_back(fmt::format("context {} > 8K tokens", context));
  if (moe && s.concurrency >= 8) medium.push_back("MoE model");
  if (s.engine.name == "llamacpp") medium.push_back("llama.cpp engine");
  if (s.model.sliding_window > 0) medium.push_back("sliding-window / hybrid attention");
  if (s.layout.tensor >= 8) medium.push_back("tensor parallel 8 or more");
  if (!IsNvidiaDatacenter(s.hardware)) medium.push_back("not an NVIDIA datacenter GPU");
  if (!s.engine_fitted_on_device) {
    medium.push_back(fmt::format("engine {} was not fitted on {} ({})", s.engine.name,
                                 s.hardware.name, s.calibration_basis));
  }
  const std::string w(s.weights.name);
  if (w != "fp16" && w != "bf16" && w != "fp8" && w != "int8") {
    medium.push_back(fmt::format("{} weights", w));
  }
  if (s.engine.name != "vllm" && s.engine.name != "trtllm" && s.engine.name != "ideal") {
    medium.push_back(fmt::format("engine {} (calibrated on fewer measurements)", s.engine.name));
  }
  if (s.concurrency < 8 && !moe) medium.push_back("concurrency < 8 (fixed overheads dominate)");
  if (!low.empty()) return {"low", kLowBand, low};
  if (!medium.empty()) return {"medium", kMediumBand, medium};
  return {"high",
          kHighBand,
          {"dense model, NVIDIA datacenter GPU, 8/16-bit weights, vLLM or TRT-LLM, batch >= 8"}};
}

}  // namespace infercost::framework
