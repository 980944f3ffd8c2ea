// infercost-conformance — opening a plugin library the way a host does (dlopen RTLD_NOW |
// RTLD_LOCAL, the one entry symbol, the table checks of sdk/ABI.md) and holding instances.
//
// Runs only inside an isolated check process; the library is never closed (the process ends).
//
//   PluginHandle plugin = PluginHandle::Open(path);     // Fail()s naming the first problem
//   Host host;
//   Instance instance(plugin, host);                     // initialize ... destroy
//   plugin.variant()->emit_phases(instance.get(), &shape, &stage, &sink);
#ifndef INFERCOST_SDK_CONFORMANCE_PLUGIN_HANDLE_H_
#define INFERCOST_SDK_CONFORMANCE_PLUGIN_HANDLE_H_

#include <string>
#include <string_view>

#include "common.h"
#include "host.h"
#include "infercost/c/plugin.h"

namespace infercost::conformance {

inline constexpr uint64_t kMaxNameBytes = 64;
inline constexpr uint64_t kMaxTextBytes = 4096;

// "attention_variant", "attention_kernel", "hardware" or "unknown kind N".
std::string KindName(ic_plugin_kind kind);
// The kind named by KindName, or 0.
ic_plugin_kind KindByName(std::string_view name);
// [a-z0-9._-]{1,64}
bool IsValidPluginName(std::string_view name);

class PluginHandle {
 public:
  // Loads `path` and checks everything a host checks before calling the plugin: ELF file,
  // dlopen, entry symbol, non-null table, struct_size, ABI major, strings, kind, kind table.
  // Fail()s with the first problem (Progress() names each step).
  static PluginHandle Open(const std::string& path);

  const ic_plugin& plugin() const { return *plugin_; }
  ic_plugin_kind kind() const { return plugin_->kind; }
  std::string_view name() const { return {plugin_->name.data, plugin_->name.size}; }
  bool thread_safe() const { return (plugin_->flags & IC_PLUGIN_FLAG_THREAD_SAFE) != 0; }
  const ic_attention_variant_table* variant() const {
    return static_cast<const ic_attention_variant_table*>(plugin_->kind_table);
  }
  const ic_attention_kernel_table* kernel() const {
    return static_cast<const ic_attention_kernel_table*>(plugin_->kind_table);
  }
  const ic_hardware_table* hardware() const {
    return static_cast<const ic_hardware_table*>(plugin_->kind_table);
  }

 private:
  explicit PluginHandle(const ic_plugin* plugin) : plugin_(plugin) {}
  const ic_plugin* plugin_;
};

// One plugin instance: initialize in the constructor (Fail()s if it returns an error),
// destroy in the destructor.
class Instance {
 public:
  Instance(const PluginHandle& plugin, Host& host);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  void* get() const { return instance_; }

 private:
  const PluginHandle* plugin_;
  void* instance_ = nullptr;
};

}  // namespace infercost::conformance

#endif  // INFERCOST_SDK_CONFORMANCE_PLUGIN_HANDLE_H_
