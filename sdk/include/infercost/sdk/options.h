// infercost C++ SDK — a variant's own hyper-parameters and options (ABI 1.1), read by name.
//
//   const infercost::sdk::Options options(shape);
//   options.RejectUnknown({"kv_lora_rank", "q_lora_rank"}, "mla");
//   const int64_t rank = options.Int("kv_lora_rank");          // required
//   const std::string form = options.String("mla_form", "default");  // optional
//
// The host passes the model preset's [variant] table, config.json imports and
// `--variant-option key=value` as ic_option records on the shape. Every error is an
// INVALID_ARGUMENT naming the option, where it was set and what is allowed.
#ifndef INFERCOST_SDK_OPTIONS_H_
#define INFERCOST_SDK_OPTIONS_H_

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

#include "infercost/c/attention_variant.h"
#include "infercost/sdk/error.h"

namespace infercost::sdk {
inline namespace v1 {

class Options {
 public:
  // No options when the host predates ABI 1.1 (the shape ends before `options`).
  explicit Options(const ic_attention_shape& shape) noexcept {
    if (IC_HAS_FIELD(&shape, ic_attention_shape, option_size) && shape.options != nullptr &&
        shape.option_size >= offsetof(ic_option, name) + sizeof(ic_string)) {
      base_ = reinterpret_cast<const char*>(shape.options);
      count_ = shape.option_count;
      stride_ = shape.option_size;
    }
  }

  uint64_t size() const noexcept { return count_; }
  // The i-th option, its fields past the caller's size zeroed.
  ic_option At(uint64_t i) const noexcept {
    ic_option option{};
    const char* raw = base_ + i * stride_;
    uint32_t declared = 0;
    std::memcpy(&declared, raw, sizeof declared);
    size_t n = stride_ < sizeof(ic_option) ? stride_ : sizeof(ic_option);
    if (declared < n) n = declared;
    std::memcpy(static_cast<void*>(&option), raw, n);
    option.struct_size = static_cast<uint32_t>(n);
    return option;
  }
  bool Find(std::string_view name, ic_option* out) const noexcept {
    for (uint64_t i = 0; i < count_; ++i) {
      const ic_option option = At(i);
      if (View(option.name) == name) {
        *out = option;
        return true;
      }
    }
    return false;
  }
  bool Has(std::string_view name) const noexcept {
    ic_option ignored;
    return Find(name, &ignored);
  }

  // Required integer option (> 0 unless `allow_zero`).
  int64_t Int(std::string_view name, bool allow_zero = false) const {
    ic_option option{};
    if (!Find(name, &option)) {
      throw Error(IC_STATUS_INVALID_ARGUMENT,
                  "needs the option " + std::string(name) +
                      " (set it in the model preset's [variant] table or with --variant-option " +
                      std::string(name) + "=N)");
    }
    return IntOf(option, allow_zero);
  }
  int64_t Int(std::string_view name, int64_t fallback, bool allow_zero) const {
    ic_option option{};
    return Find(name, &option) ? IntOf(option, allow_zero) : fallback;
  }
  std::string String(std::string_view name, std::string_view fallback) const {
    ic_option option{};
    if (!Find(name, &option)) return std::string(fallback);
    if (option.type != IC_VALUE_STRING) Reject(option, "must be a string");
    return std::string(View(option.string_value));
  }
  bool Bool(std::string_view name, bool fallback) const {
    ic_option option{};
    if (!Find(name, &option)) return fallback;
    if (option.type != IC_VALUE_BOOL) Reject(option, "must be true or false");
    return option.int_value != 0;
  }
  double Float(std::string_view name, double fallback) const {
    ic_option option{};
    if (!Find(name, &option)) return fallback;
    if (option.type != IC_VALUE_FLOAT && option.type != IC_VALUE_INT) {
      Reject(option, "must be a number");
    }
    return option.float_value;
  }

  // Throws for the first option not in `known`: a variant never silently ignores a setting.
  void RejectUnknown(std::initializer_list<std::string_view> known,
                     std::string_view variant) const {
    for (uint64_t i = 0; i < count_; ++i) {
      const ic_option option = At(i);
      bool found = false;
      for (std::string_view k : known) found = found || View(option.name) == k;
      if (found) continue;
      std::string allowed;
      for (std::string_view k : known) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
      Reject(option, "is not an option of the " + std::string(variant) + " variant; it takes " +
                         (allowed.empty() ? std::string("none") : allowed));
    }
  }

  // "option NAME WHY (set in SOURCE)".
  [[noreturn]] static void Reject(const ic_option& option, const std::string& why) {
    const std::string where(View(option.source));
    throw Error(IC_STATUS_INVALID_ARGUMENT, "option " + std::string(View(option.name)) + " " + why +
                                                (where.empty() ? "" : " (set in " + where + ")"));
  }

  static std::string_view View(ic_string s) noexcept {
    return s.data == nullptr ? std::string_view() : std::string_view(s.data, s.size);
  }

 private:
  static int64_t IntOf(const ic_option& option, bool allow_zero) {
    if (option.type != IC_VALUE_INT) Reject(option, "must be an integer");
    if (option.int_value < (allow_zero ? 0 : 1)) {
      Reject(option, "= " + std::to_string(option.int_value) + " must be " +
                         (allow_zero ? ">= 0" : ">= 1"));
    }
    return option.int_value;
  }

  const char* base_ = nullptr;
  uint64_t count_ = 0;
  uint64_t stride_ = 0;
};

// The layer a 1.1 host is costing (index, count, kind); a default layer for 1.0 hosts.
inline ic_layer LayerOf(const ic_stage& stage) noexcept {
  ic_layer layer{};
  layer.struct_size = sizeof(ic_layer);
  if (IC_HAS_FIELD(&stage, ic_stage, layer) && stage.layer != nullptr) {
    if (stage.layer->struct_size >= sizeof(ic_layer)) {  // (the usual case: a fixed-size copy)
      layer = *stage.layer;
      layer.struct_size = sizeof(ic_layer);
      return layer;
    }
    const uint32_t n = stage.layer->struct_size;
    std::memcpy(static_cast<void*>(&layer), stage.layer, n);
    layer.struct_size = n;
    if (!IC_HAS_FIELD(&layer, ic_layer, kind)) layer.kind = ic_string{nullptr, 0};
  }
  return layer;
}

inline std::string_view LayerKind(const ic_layer& layer) noexcept {
  return Options::View(layer.kind);
}

}  // namespace v1
}  // namespace infercost::sdk

#endif  // INFERCOST_SDK_OPTIONS_H_
