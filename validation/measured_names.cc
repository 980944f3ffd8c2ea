#include "validation/measured_names.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"

namespace infercost::validation {
namespace {

// Trailing words of a checkpoint's name that do not change its architecture.
constexpr std::string_view kCheckpointWords[] = {
    "instruct", "chat", "base", "hf", "it", "thinking", "fp8", "fp4", "nvfp4", "mxfp4", "bf16",
    "fp16", "awq", "gptq", "int4", "int8", "w4a16", "w8a8", "dynamic",
    // AMD's checkpoints: an FP8 KV-cache scale ("amd/Llama-3.3-70B-Instruct-FP8-KV"), a preview
    // quantisation ("amd/DeepSeek-R1-0528-MXFP4-Preview").
    "kv", "preview"};
// Words of a device label that name its maker or kind, not the device.
constexpr std::string_view kDeviceLabelWords[] = {"nvidia", "amd", "intel", "habana", "gpu"};
// Form factors: a device sold in one form only is named without it (aiconfigurator's b300_sxm,
// gb300_sxm; an MI300X OAM), tried after the name with it (h100_sxm is not h100-pcie).
constexpr std::string_view kFormFactorWords[] = {"sxm", "sxm4", "sxm5", "sxm6", "oam"};

bool IsOneOf(std::string_view word, const auto& words) {
  return std::find(std::begin(words), std::end(words), word) != std::end(words);
}

bool IsVersionWord(std::string_view word) {  // v0.1, v1
  if (word.size() < 2 || word[0] != 'v') return false;
  return std::all_of(word.begin() + 1, word.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
}

bool IsReleaseWord(std::string_view word) {  // 0324, 2507
  return word.size() == 4 && std::all_of(word.begin(), word.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c));
         });
}

bool IsCheckpointWord(std::string_view word) {
  return IsVersionWord(word) || IsReleaseWord(word) ||
         std::find(std::begin(kCheckpointWords), std::end(kCheckpointWords), word) !=
             std::end(kCheckpointWords);
}

void AddOnce(std::vector<std::string>& names, std::string name) {
  if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
    names.push_back(std::move(name));
  }
}

template <typename T>
absl::StatusOr<std::string> Resolve(std::string_view measured, const char* kind,
                                    const registry::NamedRegistry<T>& registry,
                                    const std::vector<std::string>& candidates) {
  for (const std::string& name : candidates) {
    if (const T* item = registry.FindOrNull(name)) return item->name;
  }
  return absl::NotFoundError(
      fmt::format("no {} preset for '{}' (tried {}); add one, or add the name to a preset's "
                  "`aliases`",
                  kind, measured, absl::StrJoin(candidates, ", ")));
}

}  // namespace

std::vector<std::string> ModelNameCandidates(std::string_view measured) {
  std::vector<std::string> names;
  AddOnce(names, std::string(measured));
  std::string name = absl::AsciiStrToLower(std::string(measured));
  AddOnce(names, name);
  if (const size_t slash = name.rfind('/'); slash != std::string::npos) {
    name = name.substr(slash + 1);
    AddOnce(names, name);
  }
  if (absl::StartsWith(name, "meta-") && name.size() > 5) {
    name = name.substr(5);
    AddOnce(names, name);
  }
  for (size_t dash = name.rfind('-'); dash != std::string::npos && dash > 0;
       dash = name.rfind('-')) {
    if (!IsCheckpointWord(std::string_view(name).substr(dash + 1))) break;
    name.resize(dash);
    AddOnce(names, name);
  }
  return names;
}

std::vector<std::string> DeviceNameCandidates(std::string_view measured) {
  std::vector<std::string> names;
  AddOnce(names, std::string(measured));
  std::string name = absl::AsciiStrToLower(std::string(measured));
  std::replace(name.begin(), name.end(), '_', ' ');
  std::vector<std::string> words = absl::StrSplit(name, ' ', absl::SkipEmpty());
  AddOnce(names, absl::StrJoin(words, "-"));
  std::erase_if(words, [](const std::string& word) { return IsOneOf(word, kDeviceLabelWords); });
  AddOnce(names, absl::StrJoin(words, "-"));
  std::erase_if(words, [](const std::string& word) { return IsOneOf(word, kFormFactorWords); });
  AddOnce(names, absl::StrJoin(words, "-"));
  return names;
}

std::string DeviceName(std::string_view measured) { return DeviceNameCandidates(measured).back(); }

absl::StatusOr<std::string> ModelPresetFor(std::string_view measured,
                                           const registry::Presets& presets) {
  return Resolve(measured, "model", presets.models, ModelNameCandidates(measured));
}

absl::StatusOr<std::string> HardwarePresetFor(std::string_view measured,
                                              const registry::Presets& presets) {
  return Resolve(measured, "hardware", presets.hardware, DeviceNameCandidates(measured));
}

absl::Status SetMeasuredPresets(const std::string& source, std::string_view model,
                                std::string_view device, const registry::Presets& presets,
                                framework::ScenarioRequest& request) {
  for (const auto& [preset, found] :
       {std::pair{&request.model, ModelPresetFor(model, presets)},
        std::pair{&request.hardware, HardwarePresetFor(device, presets)}}) {
    if (!found.ok()) {
      return absl::NotFoundError(
          fmt::format("{}: {}", source, std::string(found.status().message())));
    }
    *preset = *found;
  }
  return absl::OkStatus();
}

}  // namespace infercost::validation
