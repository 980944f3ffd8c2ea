// Which preset a measured row's model or device name describes. Benchmarks write a model as its
// Hugging Face id ("meta-llama/Llama-3.1-70B-Instruct", "nvidia/DeepSeek-R1-NVFP4") and a device
// as their own label ("b200_sxm", "Nvidia H100 GPU"); a preset answers to its name and its
// `aliases` (registry::NamedRegistry). The name is tried as written, then normalised step by
// step, the first candidate a preset answers to winning:
//   model:  lowercased; the organisation dropped ("meta-llama/"); a "meta-" prefix dropped; then
//           trailing release and checkpoint words one at a time (-instruct, -chat, -base, -hf,
//           -it, -thinking, a version -v0.1, a 4-digit release -0324 / -2507, and the
//           quantisation -fp8, -fp4, -nvfp4, -mxfp4, -bf16, -fp16, -awq, -gptq, -int4, -int8,
//           -w4a16, -w8a8, -dynamic, AMD's -kv and -preview), which name a checkpoint, not an
//           architecture (the row's precision says how its weights are stored);
//   device: lowercased, spaces and '_' as '-'; then the vendor's and "gpu" words dropped
//           ("Nvidia GH200 GPU" -> "gh200", "b200_sxm" -> "b200-sxm", a b200 alias); then the
//           form factor (sxm, sxm4-6, oam: "b300_sxm" -> "b300").
// A name no candidate finds is NotFound, listing the candidates, so a row is skipped with the
// fix in the message (a preset or an alias of that name).
//
//   ASSIGN_OR_RETURN(request.model, ModelPresetFor(row.model_path, presets));
#ifndef INFERCOST_VALIDATION_MEASURED_NAMES_H_
#define INFERCOST_VALIDATION_MEASURED_NAMES_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/scenario.h"
#include "registry/presets.h"

namespace infercost::validation {

// The names tried, in order (the written name first).
std::vector<std::string> ModelNameCandidates(std::string_view measured);
std::vector<std::string> DeviceNameCandidates(std::string_view measured);

// A device label as the device alone, its last candidate: maker, kind and form factor dropped
// ("b200_sxm", "B200" and "NVIDIA B200 GPU" are all "b200"), for comparing two labels.
std::string DeviceName(std::string_view measured);

// The registry name of the preset the measured name describes.
absl::StatusOr<std::string> ModelPresetFor(std::string_view measured,
                                           const registry::Presets& presets);
absl::StatusOr<std::string> HardwarePresetFor(std::string_view measured,
                                              const registry::Presets& presets);

// Sets `request`'s model and hardware to the presets a row's `model` and `device` name; NotFound,
// prefixed by the row's `source` ("file:line"), when either has none.
absl::Status SetMeasuredPresets(const std::string& source, std::string_view model,
                                std::string_view device, const registry::Presets& presets,
                                framework::ScenarioRequest& request);

}  // namespace infercost::validation

#endif  // INFERCOST_VALIDATION_MEASURED_NAMES_H_
