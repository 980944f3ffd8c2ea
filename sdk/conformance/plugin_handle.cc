#include "plugin_handle.h"

#include <dlfcn.h>

#include <tuple>

#include "elf_symbols.h"
#include "infercost/sdk/abi_support.h"

namespace infercost::conformance {
namespace {

// Frozen ABI 1.0 sizes of the kind tables: a 1.0 plugin must keep loading when later minors
// append functions (so never compare with sizeof, which grows).

std::string CheckString(const char* field, ic_string s, uint64_t max_size) {
  if (s.data == nullptr && s.size > 0) {
    return Cat("table field ", field, " has a NULL pointer with size ", s.size);
  }
  if (s.size > max_size) {
    return Cat("table field ", field, " claims ", s.size, " bytes; at most ", max_size,
               " are allowed");
  }
  return "";
}

}  // namespace

std::string KindName(ic_plugin_kind kind) {
  const std::string_view name = sdk::KindName(kind);
  return name.empty() ? Cat("unknown kind ", kind) : std::string(name);
}

ic_plugin_kind KindByName(std::string_view name) {
  for (ic_plugin_kind kind : {IC_PLUGIN_KIND_ATTENTION_VARIANT, IC_PLUGIN_KIND_ATTENTION_KERNEL,
                              IC_PLUGIN_KIND_HARDWARE}) {
    if (KindName(kind) == name) return kind;
  }
  return 0;
}

bool IsValidPluginName(std::string_view name) { return sdk::IsPluginName(name); }

PluginHandle PluginHandle::Open(const std::string& path) {
  Progress("checking the file is ELF");
  if (std::string problem = CheckElfFile(path); !problem.empty()) Fail(problem);

  Progress("dlopen(RTLD_NOW | RTLD_LOCAL)");
  void* library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* message = ::dlerror();
    Fail(Cat("dlopen(RTLD_NOW | RTLD_LOCAL) failed: ", message != nullptr ? message : "?",
             " (missing dependency, wrong architecture, or not a shared library)"));
  }
  ::dlerror();
  void* symbol = ::dlsym(library, INFERCOST_PLUGIN_ENTRY_SYMBOL);
  if (symbol == nullptr) {
    Fail(Cat("does not export '", INFERCOST_PLUGIN_ENTRY_SYMBOL,
             "': not an infercost plugin (define it with INFERCOST_PLUGIN(...) or IC_EXPORT)"));
  }
  auto entry = reinterpret_cast<ic_plugin_entry_fn>(symbol);
  Progress(Cat("calling ", INFERCOST_PLUGIN_ENTRY_SYMBOL, "()"));
  const ic_plugin* plugin = entry();
  if (plugin == nullptr) Fail(Cat(INFERCOST_PLUGIN_ENTRY_SYMBOL, "() returned NULL"));
  Progress("checking the plugin table");
  if (plugin->struct_size < IC_PLUGIN_V1_0_SIZE) {
    Fail(Cat("plugin table struct_size is ", plugin->struct_size, ", smaller than the ",
             IC_PLUGIN_V1_0_SIZE, " bytes of ABI 1.0"));
  }
  if (plugin->abi_major != INFERCOST_ABI_MAJOR) {
    Fail(Cat("built for plugin ABI ", plugin->abi_major, ".", plugin->abi_minor,
             "; this SDK's runner checks ABI ", INFERCOST_ABI_MAJOR,
             ".x (the major must be equal; "
             "rebuild against infercost SDK ",
             INFERCOST_ABI_MAJOR, ".x)"));
  }
  for (const auto& [field, value, limit] :
       {std::tuple{"name", plugin->name, kMaxNameBytes},
        std::tuple{"version", plugin->version, kMaxTextBytes},
        std::tuple{"vendor", plugin->vendor, kMaxTextBytes},
        std::tuple{"description", plugin->description, kMaxTextBytes}}) {
    if (std::string problem = CheckString(field, value, limit); !problem.empty()) Fail(problem);
  }
  const std::string_view name(plugin->name.data, plugin->name.size);
  if (!IsValidPluginName(name)) {
    Fail(Cat("invalid plugin name '", name, "' (use 1-64 of [a-z0-9._-])"));
  }
  if (std::string problem = sdk::KindTableProblem(*plugin); !problem.empty()) Fail(problem);
  if (plugin->initialize == nullptr) Fail("initialize is NULL");
  if (plugin->destroy == nullptr) Fail("destroy is NULL");
  return PluginHandle(plugin);
}

Instance::Instance(const PluginHandle& plugin, Host& host) : plugin_(&plugin) {
  void* instance = nullptr;
  ErrorInfo error = host.Consume(plugin.plugin().initialize(host.services(), &instance));
  if (error.is_error) Fail(Cat("initialize failed: ", error.ToString()));
  instance_ = instance;
}

Instance::~Instance() { plugin_->plugin().destroy(instance_); }

}  // namespace infercost::conformance
