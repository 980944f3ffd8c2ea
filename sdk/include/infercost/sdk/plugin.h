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

// Copies `value` into a host-provided output struct, never past the host's struct_size.
template <typename Struct>
void CopyOut(const Struct& value, Struct* out) noexcept {
  const uint32_t host_size = out->struct_size;
  const size_t n = host_size < sizeof(Struct) ? host_size : sizeof(Struct);
  std::memcpy(static_cast<void*>(out), &value, n);
  out->struct_size = host_size;
}

template <typename T>
T& Object(void* instance) {
  if (instance == nullptr) throw Error(IC_STATUS_INVALID_ARGUMENT, "null plugin instance");
  return *static_cast<Instance<T>*>(instance)->object;
}

// The host of the most recent initialize: lets a call with a null instance still return an
// error (made by that host) instead of a false success.
template <typename T>
const ic_host_services*& LastHost() noexcept {
  static const ic_host_services* host = nullptr;
  return host;
}

template <typename T>
const ic_host_services* Host(void* instance) noexcept {
  return instance == nullptr ? LastHost<T>() : static_cast<Instance<T>*>(instance)->host;
}

inline void RequireNonNull(const void* pointer, const char* what) {
  if (pointer == nullptr) throw Error(IC_STATUS_INVALID_ARGUMENT, std::string(what) + " is null");
}

// Rejects an input struct smaller than its ABI 1.0 layout (a caller built against a broken SDK).
// While the ABI is 1.0, sizeof(Struct) is that layout; when a later minor appends fields, this
// must compare against the frozen 1.0 size so that older hosts keep working.
template <typename Struct>
void RequireV1Size(const Struct* value, const char* what) {
  RequireNonNull(value, what);
  if (value->struct_size < sizeof(Struct)) {
    throw Error(IC_STATUS_INVALID_ARGUMENT,
                std::string(what) + ".struct_size = " + std::to_string(value->struct_size) +
                    " is smaller than its ABI 1.0 size " + std::to_string(sizeof(Struct)));
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
      LastHost<T>() = host;
      *instance = holder.release();
    });
  }
  static void Destroy(void* instance) noexcept {
    delete static_cast<Instance<T>*>(instance);  // destructors must not throw
  }

  // ---- attention variant ----
  static ic_error* Validate(void* instance, const ic_attention_shape* shape,
                            int64_t tensor_parallel) noexcept {
    return Guard(Host<T>(instance), [&] {
      RequireV1Size(shape, "shape");
      Object<T>(instance).Validate(*shape, tensor_parallel);
    });
  }
  static ic_error* KvCacheBytesPerToken(void* instance, const ic_attention_shape* shape,
                                        const ic_stage* stage, double* bytes) noexcept {
    return Guard(Host<T>(instance), [&] {
      RequireV1Size(shape, "shape");
      RequireV1Size(stage, "stage");
      RequireNonNull(bytes, "bytes out-pointer");
      *bytes = Object<T>(instance).KvCacheBytesPerToken(*shape, *stage);
    });
  }
  static ic_error* EmitPhases(void* instance, const ic_attention_shape* shape,
                              const ic_stage* stage, const ic_phase_sink* sink) noexcept {
    return Guard(Host<T>(instance), [&] {
      RequireV1Size(shape, "shape");
      RequireV1Size(stage, "stage");
      RequireV1Size(sink, "sink");
      RequireNonNull(reinterpret_cast<const void*>(sink->emit), "sink->emit");
      Object<T>(instance).EmitPhases(*shape, *stage, PhaseSink(sink));
    });
  }

  // ---- attention kernel ----
  static ic_error* RewriteTraffic(void* instance, const ic_attention_shape* shape,
                                  const ic_stage* stage, const ic_kernel_device* device,
                                  ic_phase_cost* phases, uint64_t phase_count) noexcept {
    return Guard(Host<T>(instance), [&] {
      RequireV1Size(shape, "shape");
      RequireV1Size(stage, "stage");
      RequireV1Size(device, "device");
      if (phase_count > 0) RequireNonNull(phases, "phases");
      Object<T>(instance).RewriteTraffic(*shape, *stage, *device, phases, phase_count);
    });
  }

  // ---- hardware ----
  static uint64_t DeviceCount(void* instance) noexcept {
    uint64_t count = 0;
    ic_error* ignored =
        Guard(Host<T>(instance), [&] { count = Object<T>(instance).DeviceCount(); });
    (void)ignored;
    return count;
  }
  static ic_error* DescribeDevice(void* instance, uint64_t index, ic_device* out) noexcept {
    return Guard(Host<T>(instance), [&] {
      RequireNonNull(out, "device out-pointer");
      ic_device device = Object<T>(instance).DescribeDevice(index);
      device.struct_size = sizeof(ic_device);
      CopyOut(device, out);
    });
  }
  static ic_error* PhaseTime(void* instance, const ic_device* device, const ic_execution* execution,
                             const ic_phase_cost* cost, ic_phase_time* out) noexcept {
    return Guard(Host<T>(instance), [&] {
      RequireV1Size(device, "device");
      RequireV1Size(execution, "execution");
      RequireV1Size(cost, "cost");
      RequireNonNull(out, "time out-pointer");
      ic_phase_time time = Object<T>(instance).PhaseTime(*device, *execution, *cost);
      time.struct_size = sizeof(ic_phase_time);
      CopyOut(time, out);
    });
  }
  static ic_error* CollectiveTime(void* instance, const ic_device* device,
                                  const ic_execution* execution, const ic_collective* collective,
                                  double* seconds) noexcept {
    return Guard(Host<T>(instance), [&] {
      RequireV1Size(device, "device");
      RequireV1Size(execution, "execution");
      RequireV1Size(collective, "collective");
      RequireNonNull(seconds, "seconds out-pointer");
      *seconds = Object<T>(instance).CollectiveTime(*device, *execution, *collective);
    });
  }
};

template <typename T>
const void* KindTable() noexcept {
  using Tr = Trampolines<T>;
  if constexpr (std::is_base_of_v<AttentionVariant, T>) {
    static const ic_attention_variant_table table = {sizeof(ic_attention_variant_table), 0,
                                                     &Tr::Validate, &Tr::KvCacheBytesPerToken,
                                                     &Tr::EmitPhases};
    return &table;
  } else if constexpr (std::is_base_of_v<AttentionKernel, T>) {
    static const ic_attention_kernel_table table = {sizeof(ic_attention_kernel_table), 0,
                                                    &Tr::RewriteTraffic};
    return &table;
  } else {
    static_assert(std::is_base_of_v<Hardware, T>,
                  "INFERCOST_PLUGIN needs a class derived from AttentionVariant, "
                  "AttentionKernel or Hardware");
    static const ic_hardware_table table = {
        sizeof(ic_hardware_table), 0, &Tr::DeviceCount, &Tr::DescribeDevice, &Tr::PhaseTime,
        &Tr::CollectiveTime};
    return &table;
  }
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

// Defines the plugin's entry symbol for class CLASS (flags: IC_PLUGIN_FLAG_*, e.g. thread-safe).
#define INFERCOST_PLUGIN_WITH_FLAGS(CLASS, NAME, VERSION, VENDOR, DESCRIPTION, FLAGS)       \
  extern "C" IC_EXPORT const ic_plugin* infercost_plugin_entry(void) {                      \
    return ::infercost::sdk::detail::PluginTable<CLASS>(NAME, VERSION, VENDOR, DESCRIPTION, \
                                                        FLAGS);                             \
  }

// Defines the plugin's entry symbol for a thread-safe (stateless) class CLASS.
#define INFERCOST_PLUGIN(CLASS, NAME, VERSION, VENDOR, DESCRIPTION) \
  INFERCOST_PLUGIN_WITH_FLAGS(CLASS, NAME, VERSION, VENDOR, DESCRIPTION, IC_PLUGIN_FLAG_THREAD_SAFE)

#endif  // INFERCOST_SDK_PLUGIN_H_
