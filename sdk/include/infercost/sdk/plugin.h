// infercost C++ SDK — turns a C++ class into a plugin library with one macro.
//
//   #include "infercost/sdk/plugin.h"
//   class Mha final : public infercost::sdk::AttentionVariant { ... };
//   INFERCOST_PLUGIN(Mha, "mha", "1.0.0", "infercost", "multi-head attention")
//
// The macro defines the one exported symbol, infercost_plugin_entry(), returning a static
// ic_plugin table whose functions are noexcept trampolines: every exception thrown by the
// class becomes an ic_error made by the host (Error keeps its code, std::bad_alloc becomes
// RESOURCE_EXHAUSTED, anything else INTERNAL).
// The class needs a default constructor; one instance is created per initialize.
#ifndef INFERCOST_SDK_PLUGIN_H_
#define INFERCOST_SDK_PLUGIN_H_

#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "infercost/c/plugin.h"
#include "infercost/sdk/attention_kernel.h"
#include "infercost/sdk/attention_variant.h"
#include "infercost/sdk/error.h"
#include "infercost/sdk/hardware.h"
#include "infercost/sdk/phase_sink.h"

namespace infercost::sdk {
inline namespace v1 {
namespace detail {

template <typename T>
struct Instance {
  const ic_host_services* host;
  std::unique_ptr<T> object;
};

inline ic_error* MakeError(const ic_host_services* host, ic_status_code code,
                           const std::string& message) noexcept {
  if (host == nullptr || host->make_error == nullptr) return nullptr;
  return host->make_error(host->host_context, code, ic_string{message.data(), message.size()});
}

// Runs `body`, converting every exception into a host error. Returns nullptr on success.
template <typename Body>
ic_error* Guard(const ic_host_services* host, Body&& body) noexcept {
  try {
    body();
    return nullptr;
  } catch (const HostError& e) {
    return e.error();
  } catch (const Error& e) {
    return MakeError(host, e.code(), e.what());
  } catch (const std::bad_alloc&) {
    return MakeError(host, IC_STATUS_RESOURCE_EXHAUSTED, "plugin ran out of memory");
  } catch (const std::exception& e) {
    return MakeError(host, IC_STATUS_INTERNAL, std::string("plugin threw: ") + e.what());
  } catch (...) {
    return MakeError(host, IC_STATUS_INTERNAL, "plugin threw a non-standard exception");
  }
}

// Copies `value` into a host-provided output struct, never past the host's struct_size; the
// struct_size written back says how much was filled (the smaller of the two sizes), so the
// host can tell with IC_HAS_FIELD which fields this plugin set.
template <typename Struct>
void CopyOut(const Struct& value, Struct* out) noexcept {
  const uint32_t host_size = out->struct_size;
  const size_t n = host_size < sizeof(Struct) ? host_size : sizeof(Struct);
  std::memcpy(static_cast<void*>(out), &value, n);
  out->struct_size = static_cast<uint32_t>(n);
}

template <typename T>
T& Object(void* instance) {
  if (instance == nullptr) throw Error(IC_STATUS_INVALID_ARGUMENT, "null plugin instance");
  return *static_cast<Instance<T>*>(instance)->object;
}

// The host of the most recent initialize: lets a call with a null instance still return an
// error (made by that host) instead of a false success.
template <typename T>
const ic_host_services* Host(void* instance) noexcept {
  return static_cast<Instance<T>*>(instance)->host;
}

// Runs `body` for a call on `instance`: a NULL instance gets IC_ERROR_NULL_INSTANCE (there is
// no host to make an error with, and the SDK keeps no global host pointer).
template <typename T, typename Body>
ic_error* Call(void* instance, Body&& body) noexcept {
  if (instance == nullptr) return IC_ERROR_NULL_INSTANCE;
  return Guard(Host<T>(instance), std::forward<Body>(body));
}

[[noreturn]] inline void RejectNull(const char* what) {
  throw Error(IC_STATUS_INVALID_ARGUMENT, std::string(what) + " is null");
}

// Inline: the checks run for every struct (every record) a plugin is handed; only a failure
// builds a message.
inline void RequireNonNull(const void* pointer, const char* what) {
  if (pointer == nullptr) RejectNull(what);
}

// The frozen ABI 1.0 size of each input struct: what a host built against SDK 1.0 passes.
template <typename Struct>
inline constexpr uint32_t kV1_0Size = sizeof(Struct);  // structs that have not grown since 1.0
template <>
inline constexpr uint32_t kV1_0Size<ic_attention_shape> = IC_ATTENTION_SHAPE_V1_0_SIZE;
template <>
inline constexpr uint32_t kV1_0Size<ic_stage> = IC_STAGE_V1_0_SIZE;
template <>
inline constexpr uint32_t kV1_0Size<ic_device> = IC_DEVICE_V1_0_SIZE;
template <>
inline constexpr uint32_t kV1_0Size<ic_phase_cost> = IC_PHASE_COST_V1_0_SIZE;

// Rejects an input struct smaller than its ABI 1.0 layout (a caller built against a broken
// SDK). Fields a later minor appended are read only behind IC_HAS_FIELD.
[[noreturn]] inline void RejectSize(const char* what, uint32_t size, uint32_t v1_0_size) {
  throw Error(IC_STATUS_INVALID_ARGUMENT,
              std::string(what) + ".struct_size = " + std::to_string(size) +
                  " is smaller than its ABI 1.0 size " + std::to_string(v1_0_size));
}
template <typename Struct>
inline void RequireV1Size(const Struct* value, const char* what) {
  RequireNonNull(value, what);
  if (value->struct_size < kV1_0Size<Struct>) {
    RejectSize(what, value->struct_size, kV1_0Size<Struct>);
  }
}

// A copy of an input struct at the current size: fields the caller's struct_size does not
// cover are zero (so a 1.0 host's shape reads as "no options", its stage as "no layer").
template <typename Struct>
Struct Widen(const Struct& value) noexcept {
  Struct copy{};
  const size_t n = value.struct_size < sizeof(Struct) ? value.struct_size : sizeof(Struct);
  std::memcpy(static_cast<void*>(&copy), &value, n);
  copy.struct_size = static_cast<uint32_t>(n);
  return copy;
}

// `value` itself when it has every field of this SDK's struct (the common case: no copy), else
// Widen(value) in `storage`.
template <typename Struct>
const Struct& WidenedRef(const Struct& value, Struct& storage) noexcept {
  if (value.struct_size >= sizeof(Struct)) return value;
  storage = Widen(value);
  return storage;
}

// Hands a kernel the host's records, `phase_size` bytes apart, as this SDK's ic_phase_cost array
// and writes them back: in place when the sizes agree, else through a copy in which the fields
// the host's records do not hold are zero (and the host's extra fields stay untouched).
template <typename T>
void RewriteStrided(void* instance, const ic_attention_shape& shape, const ic_stage& stage,
                    const ic_kernel_device& device, ic_phase_cost* phases, uint64_t phase_count,
                    uint64_t phase_size) {
  if (phase_count == 0) return;
  RequireNonNull(phases, "phases");
  ic_attention_shape shape_storage;
  ic_stage stage_storage;
  const ic_attention_shape& wide_shape = WidenedRef(shape, shape_storage);
  const ic_stage& wide_stage = WidenedRef(stage, stage_storage);
  if (phase_size == sizeof(ic_phase_cost)) {
    Object<T>(instance).RewriteTraffic(wide_shape, wide_stage, device, phases, phase_count);
    return;
  }
  const size_t common = phase_size < sizeof(ic_phase_cost) ? phase_size : sizeof(ic_phase_cost);
  char* base = reinterpret_cast<char*>(phases);
  std::unique_ptr<ic_phase_cost[]> copy(new ic_phase_cost[phase_count]());
  for (uint64_t i = 0; i < phase_count; ++i) {
    std::memcpy(static_cast<void*>(&copy[i]), base + i * phase_size, common);
  }
  Object<T>(instance).RewriteTraffic(wide_shape, wide_stage, device, copy.get(), phase_count);
  // Back after struct_size: each record keeps the host's.
  constexpr size_t kAfterSize = sizeof(uint32_t);
  for (uint64_t i = 0; i < phase_count; ++i) {
    std::memcpy(base + i * phase_size + kAfterSize,
                reinterpret_cast<const char*>(&copy[i]) + kAfterSize, common - kAfterSize);
  }
}

template <typename T>
struct Trampolines {
  static ic_error* Initialize(const ic_host_services* host, void** instance) noexcept {
    return Guard(host, [&] {
      RequireNonNull(host, "host services");
      RequireNonNull(instance, "instance out-pointer");
      auto holder = std::make_unique<Instance<T>>();
      holder->host = host;
      holder->object = std::make_unique<T>();
      *instance = holder.release();
    });
  }
  static void Destroy(void* instance) noexcept {
    delete static_cast<Instance<T>*>(instance);  // destructors must not throw
  }

  // ---- attention variant ----
  static ic_error* Validate(void* instance, const ic_attention_shape* shape,
                            int64_t tensor_parallel) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(shape, "shape");
      Object<T>(instance).Validate(Widen(*shape), tensor_parallel);
    });
  }
  static ic_error* KvCacheBytesPerToken(void* instance, const ic_attention_shape* shape,
                                        const ic_stage* stage, double* bytes) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(shape, "shape");
      RequireV1Size(stage, "stage");
      RequireNonNull(bytes, "bytes out-pointer");
      *bytes = Object<T>(instance).KvCacheBytesPerToken(Widen(*shape), Widen(*stage));
    });
  }
  static ic_error* ClassifyLayer(void* instance, const ic_attention_shape* shape,
                                 const ic_layer* layer, uint64_t* layer_class) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(shape, "shape");
      RequireNonNull(layer, "layer");
      RequireNonNull(layer_class, "layer_class out-pointer");
      ic_stage stage{};
      stage.struct_size = sizeof(ic_stage);
      stage.layer = layer;
      *layer_class = Object<T>(instance).ClassifyLayer(Widen(*shape), LayerOf(stage));
    });
  }
  static ic_error* KvStateBytes(void* instance, const ic_attention_shape* shape,
                                const ic_stage* stage, double* bytes) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(shape, "shape");
      RequireV1Size(stage, "stage");
      RequireNonNull(bytes, "bytes out-pointer");
      *bytes = Object<T>(instance).KvStateBytes(Widen(*shape), Widen(*stage));
    });
  }
  // 1.4: the staircases of breaks of decode steps in [first_context, last_context].
  static ic_error* VariantDecodeBreaks(void* instance, const ic_attention_shape* shape,
                                       const ic_stage* stage, int64_t first_context,
                                       int64_t last_context, ic_context_stairs* stairs,
                                       uint64_t capacity, int64_t* count) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(shape, "shape");
      RequireV1Size(stage, "stage");
      RequireNonNull(count, "count");
      if (capacity > 0) RequireNonNull(stairs, "stairs");
      ic_attention_shape shape_storage;
      ic_stage stage_storage;
      *count = Object<T>(instance).DecodeBreaks(WidenedRef(*shape, shape_storage),
                                                WidenedRef(*stage, stage_storage), first_context,
                                                last_context, stairs, capacity);
    });
  }
  static ic_error* EmitPhases(void* instance, const ic_attention_shape* shape,
                              const ic_stage* stage, const ic_phase_sink* sink) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(shape, "shape");
      RequireV1Size(stage, "stage");
      RequireV1Size(sink, "sink");
      RequireNonNull(reinterpret_cast<const void*>(sink->emit), "sink->emit");
      ic_attention_shape shape_storage;
      ic_stage stage_storage;
      Object<T>(instance).EmitPhases(WidenedRef(*shape, shape_storage),
                                     WidenedRef(*stage, stage_storage), PhaseSink(sink));
    });
  }

  // ---- attention kernel ----
  static ic_error* RewriteTraffic(void* instance, const ic_attention_shape* shape,
                                  const ic_stage* stage, const ic_kernel_device* device,
                                  ic_phase_cost* phases, uint64_t phase_count) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(shape, "shape");
      RequireV1Size(stage, "stage");
      RequireV1Size(device, "device");
      // A 1.0 host's records are IC_PHASE_COST_V1_0_SIZE bytes apart.
      RewriteStrided<T>(instance, *shape, *stage, *device, phases, phase_count,
                        IC_PHASE_COST_V1_0_SIZE);
    });
  }
  // The 1.1 form: records `phase_size` bytes apart, each holding its own struct_size.
  static ic_error* RewritePhases(void* instance, const ic_attention_shape* shape,
                                 const ic_stage* stage, const ic_kernel_device* device,
                                 ic_phase_cost* phases, uint64_t phase_count,
                                 uint64_t phase_size) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(shape, "shape");
      RequireV1Size(stage, "stage");
      RequireV1Size(device, "device");
      if (phase_size < IC_PHASE_COST_V1_0_SIZE) {
        throw Error(IC_STATUS_INVALID_ARGUMENT, "phase_size = " + std::to_string(phase_size) +
                                                    " is smaller than an ABI 1.0 phase record (" +
                                                    std::to_string(IC_PHASE_COST_V1_0_SIZE) +
                                                    " bytes)");
      }
      RewriteStrided<T>(instance, *shape, *stage, *device, phases, phase_count, phase_size);
    });
  }
  // 1.4: the staircases of breaks of decode steps in [first_context, last_context].
  static ic_error* DecodeBreaks(void* instance, const ic_attention_shape* shape,
                                const ic_stage* stage, const ic_kernel_device* device,
                                int64_t first_context, int64_t last_context,
                                ic_context_stairs* stairs, uint64_t capacity,
                                int64_t* count) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(shape, "shape");
      RequireV1Size(stage, "stage");
      RequireV1Size(device, "device");
      RequireNonNull(count, "count");
      if (capacity > 0) RequireNonNull(stairs, "stairs");
      ic_attention_shape shape_storage;
      ic_stage stage_storage;
      *count = Object<T>(instance).DecodeBreaks(WidenedRef(*shape, shape_storage),
                                                WidenedRef(*stage, stage_storage), *device,
                                                first_context, last_context, stairs, capacity);
    });
  }

  // ---- hardware ----
  // The 1.0 form cannot fail: a throwing DeviceCount reads as 0 devices here (no error is made,
  // so none leaks); 1.1 hosts call CountDevices and see the error.
  static uint64_t DeviceCount(void* instance) noexcept {
    if (instance == nullptr) return 0;
    try {
      return Object<T>(instance).DeviceCount();
    } catch (...) {
      return 0;
    }
  }
  static ic_error* CountDevices(void* instance, uint64_t* count) noexcept {
    return Call<T>(instance, [&] {
      RequireNonNull(count, "count out-pointer");
      *count = Object<T>(instance).DeviceCount();
    });
  }
  static ic_error* DescribeDevice(void* instance, uint64_t index, ic_device* out) noexcept {
    return Call<T>(instance, [&] {
      RequireNonNull(out, "device out-pointer");
      if (out->struct_size < IC_DEVICE_V1_0_SIZE) {
        throw Error(IC_STATUS_INVALID_ARGUMENT, "device out-struct smaller than ABI 1.0");
      }
      ic_device device = Object<T>(instance).DescribeDevice(index);
      device.struct_size = sizeof(ic_device);
      CopyOut(device, out);
    });
  }
  static ic_error* PhaseTime(void* instance, const ic_device* device, const ic_execution* execution,
                             const ic_phase_cost* cost, ic_phase_time* out) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(device, "device");
      RequireV1Size(execution, "execution");
      RequireV1Size(cost, "cost");
      RequireNonNull(out, "time out-pointer");
      ic_device device_storage;
      ic_phase_cost cost_storage;
      ic_phase_time time = Object<T>(instance).PhaseTime(
          WidenedRef(*device, device_storage), *execution, WidenedRef(*cost, cost_storage));
      time.struct_size = sizeof(ic_phase_time);
      CopyOut(time, out);
    });
  }
  // 1.3: the host's records `cost_size` bytes apart and its times `time_size` bytes apart, used
  // in place when they match this SDK's structs (the common case), else copied.
  static ic_error* PhaseTimes(void* instance, const ic_device* device,
                              const ic_execution* execution, const ic_phase_cost* costs,
                              uint64_t count, uint64_t cost_size, ic_phase_time* out,
                              uint64_t time_size) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(device, "device");
      RequireV1Size(execution, "execution");
      if (count == 0) return;
      RequireNonNull(costs, "costs");
      RequireNonNull(out, "times out-pointer");
      if (cost_size < IC_PHASE_COST_V1_0_SIZE || time_size < kV1_0Size<ic_phase_time>) {
        throw Error(IC_STATUS_INVALID_ARGUMENT,
                    "phase_times: record size " + std::to_string(cost_size) + " / time size " +
                        std::to_string(time_size) + " below the ABI 1.0 sizes (" +
                        std::to_string(IC_PHASE_COST_V1_0_SIZE) + " / " +
                        std::to_string(kV1_0Size<ic_phase_time>) + ")");
      }
      ic_device device_storage;
      const ic_device& wide_device = WidenedRef(*device, device_storage);
      const bool same_layout =
          cost_size == sizeof(ic_phase_cost) && time_size == sizeof(ic_phase_time);
      if (same_layout) {
        for (uint64_t i = 0; i < count; ++i) RequireV1Size(&costs[i], "cost");
        Object<T>(instance).PhaseTimes(wide_device, *execution, costs, count, out);
        for (uint64_t i = 0; i < count; ++i) out[i].struct_size = sizeof(ic_phase_time);
        return;
      }
      std::vector<ic_phase_cost> wide(count);
      std::vector<ic_phase_time> times(count);
      const char* bytes = reinterpret_cast<const char*>(costs);
      for (uint64_t i = 0; i < count; ++i) {
        const auto* cost = reinterpret_cast<const ic_phase_cost*>(bytes + i * cost_size);
        RequireV1Size(cost, "cost");
        std::memcpy(static_cast<void*>(&wide[i]), cost,
                    cost_size < sizeof(ic_phase_cost) ? cost_size : sizeof(ic_phase_cost));
        wide[i].struct_size = sizeof(ic_phase_cost);
      }
      Object<T>(instance).PhaseTimes(wide_device, *execution, wide.data(), count, times.data());
      char* out_bytes = reinterpret_cast<char*>(out);
      const size_t filled = time_size < sizeof(ic_phase_time) ? time_size : sizeof(ic_phase_time);
      for (uint64_t i = 0; i < count; ++i) {
        times[i].struct_size = static_cast<uint32_t>(filled);
        std::memcpy(out_bytes + i * time_size, &times[i], filled);
      }
    });
  }
  // 1.5: each record's time as a maximum of affine pieces, or piece_count 0; the host's records
  // `cost_size` bytes apart (widened when smaller than this SDK's) and its models `model_size`
  // bytes apart (at least this SDK's: a model has no older layout).
  static ic_error* PhaseTimeModels(void* instance, const ic_device* device,
                                   const ic_execution* execution, const ic_phase_cost* costs,
                                   uint64_t count, uint64_t cost_size, ic_time_model* out,
                                   uint64_t model_size) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(device, "device");
      RequireV1Size(execution, "execution");
      if (count == 0) return;
      RequireNonNull(costs, "costs");
      RequireNonNull(out, "time models out-pointer");
      if (cost_size < IC_PHASE_COST_V1_0_SIZE || model_size < sizeof(ic_time_model)) {
        throw Error(IC_STATUS_INVALID_ARGUMENT, "phase_time_models: record size " +
                                                    std::to_string(cost_size) + " / model size " +
                                                    std::to_string(model_size) + " below " +
                                                    std::to_string(IC_PHASE_COST_V1_0_SIZE) +
                                                    " / " + std::to_string(sizeof(ic_time_model)));
      }
      ic_device device_storage;
      const ic_device& wide_device = WidenedRef(*device, device_storage);
      const char* cost_bytes = reinterpret_cast<const char*>(costs);
      char* out_bytes = reinterpret_cast<char*>(out);
      for (uint64_t i = 0; i < count; ++i) {
        const auto* cost = reinterpret_cast<const ic_phase_cost*>(cost_bytes + i * cost_size);
        RequireV1Size(cost, "cost");
        ic_phase_cost cost_storage;
        ic_time_model model{};
        model.struct_size = sizeof(ic_time_model);
        const bool has = Object<T>(instance).PhaseTimeModel(wide_device, *execution,
                                                            WidenedRef(*cost, cost_storage), model);
        if (!has) model.piece_count = 0;
        if (model.piece_count > IC_TIME_MODEL_MAX_PIECES) {
          throw Error(IC_STATUS_INTERNAL, "time model of " + std::to_string(model.piece_count) +
                                              " pieces; at most " +
                                              std::to_string(IC_TIME_MODEL_MAX_PIECES));
        }
        model.struct_size = sizeof(ic_time_model);
        std::memcpy(out_bytes + i * model_size, &model, sizeof(ic_time_model));
      }
    });
  }
  static ic_error* CollectiveTime(void* instance, const ic_device* device,
                                  const ic_execution* execution, const ic_collective* collective,
                                  double* seconds) noexcept {
    return Call<T>(instance, [&] {
      RequireV1Size(device, "device");
      RequireV1Size(execution, "execution");
      RequireV1Size(collective, "collective");
      RequireNonNull(seconds, "seconds out-pointer");
      *seconds = Object<T>(instance).CollectiveTime(Widen(*device), *execution, *collective);
    });
  }
};

template <typename T>
const void* KindTable() noexcept {
  using Tr = Trampolines<T>;
  if constexpr (std::is_base_of_v<AttentionVariant, T>) {
    static const ic_attention_variant_table table = {sizeof(ic_attention_variant_table),
                                                     0,
                                                     &Tr::Validate,
                                                     &Tr::KvCacheBytesPerToken,
                                                     &Tr::EmitPhases,
                                                     &Tr::ClassifyLayer,
                                                     &Tr::KvStateBytes,
                                                     &Tr::VariantDecodeBreaks};
    return &table;
  } else if constexpr (std::is_base_of_v<AttentionKernel, T>) {
    static const ic_attention_kernel_table table = {sizeof(ic_attention_kernel_table), 0,
                                                    &Tr::RewriteTraffic, &Tr::RewritePhases,
                                                    &Tr::DecodeBreaks};
    return &table;
  } else {
    static_assert(std::is_base_of_v<Hardware, T>,
                  "INFERCOST_PLUGIN needs a class derived from AttentionVariant, "
                  "AttentionKernel or Hardware");
    static const ic_hardware_table table = {sizeof(ic_hardware_table),
                                            0,
                                            &Tr::DeviceCount,
                                            &Tr::DescribeDevice,
                                            &Tr::PhaseTime,
                                            &Tr::CollectiveTime,
                                            &Tr::CountDevices,
                                            &Tr::PhaseTimes,
                                            &Tr::PhaseTimeModels};
    return &table;
  }
}

// IC_PLUGIN_FLAG_THREAD_SAFE when the class declares `static constexpr bool kThreadSafe = true`;
// nothing is assumed otherwise (the host then serialises calls on an instance).
template <typename T, typename = void>
struct DeclaresThreadSafety : std::false_type {};
template <typename T>
struct DeclaresThreadSafety<T, std::void_t<decltype(T::kThreadSafe)>> : std::true_type {};

// IC_PLUGIN_FLAG_OWN_EFFICIENCY when a hardware plugin class declares
// `static constexpr bool kOwnEfficiency = true` (its times are what the device achieves).
template <typename T, typename = void>
struct DeclaresOwnEfficiency : std::false_type {};
template <typename T>
struct DeclaresOwnEfficiency<T, std::void_t<decltype(T::kOwnEfficiency)>> : std::true_type {};

template <typename T>
constexpr uint32_t DeclaredFlags() noexcept {
  uint32_t flags = 0;
  if constexpr (DeclaresThreadSafety<T>::value) {
    if (T::kThreadSafe) flags |= static_cast<uint32_t>(IC_PLUGIN_FLAG_THREAD_SAFE);
  }
  if constexpr (DeclaresOwnEfficiency<T>::value) {
    if (T::kOwnEfficiency) flags |= static_cast<uint32_t>(IC_PLUGIN_FLAG_OWN_EFFICIENCY);
  }
  return flags;
}

template <typename T>
const ic_plugin* PluginTable(const char* name, const char* version, const char* vendor,
                             const char* description, uint32_t flags) noexcept {
  static const ic_plugin plugin = {sizeof(ic_plugin),
                                   INFERCOST_ABI_MAJOR,
                                   INFERCOST_ABI_MINOR,
                                   T::kKind,
                                   flags,
                                   ToIcString(name),
                                   ToIcString(version),
                                   ToIcString(vendor),
                                   ToIcString(description),
                                   &Trampolines<T>::Initialize,
                                   &Trampolines<T>::Destroy,
                                   KindTable<T>()};
  return &plugin;
}

}  // namespace detail
}  // namespace v1
}  // namespace infercost::sdk

// Defines the plugin's entry symbol for class CLASS with explicit flags (IC_PLUGIN_FLAG_*).
#define INFERCOST_PLUGIN_WITH_FLAGS(CLASS, NAME, VERSION, VENDOR, DESCRIPTION, FLAGS)       \
  extern "C" IC_EXPORT const ic_plugin* infercost_plugin_entry(void) {                      \
    return ::infercost::sdk::detail::PluginTable<CLASS>(NAME, VERSION, VENDOR, DESCRIPTION, \
                                                        FLAGS);                             \
  }

// Defines the plugin's entry symbol for class CLASS. Thread-safety is what the class declares
// (`static constexpr bool kThreadSafe = true;`); without the declaration calls are serialised.
#define INFERCOST_PLUGIN(CLASS, NAME, VERSION, VENDOR, DESCRIPTION)      \
  INFERCOST_PLUGIN_WITH_FLAGS(CLASS, NAME, VERSION, VENDOR, DESCRIPTION, \
                              ::infercost::sdk::detail::DeclaredFlags<CLASS>())

#endif  // INFERCOST_SDK_PLUGIN_H_
