// The host side of the plugin ABI's error and logging services.
//
// The host creates every ic_error (plugins only return them); ConsumeError turns one into an
// absl::Status and frees it (one the host did not make, or made and consumed already, becomes an
// error saying so, unread). Messages and log lines are kept as ReadablePluginText. Each loaded
// plugin gets its own ic_host_services table whose context remembers the plugin's name, so log
// lines and errors say who produced them.
//
//   PluginHost host("gqa");
//   ic_error* error = table->initialize(host.services(), &instance);
//   RETURN_IF_ERROR(ConsumeError(error, "gqa: initialize"));
#ifndef INFERCOST_FRAMEWORK_ABI_HOST_SERVICES_H_
#define INFERCOST_FRAMEWORK_ABI_HOST_SERVICES_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "infercost/c/abi.h"

// The definition of the ABI's opaque error; only the host sees its fields.
struct ic_error {
  ic_status_code code;
  std::string message;
};

namespace infercost::framework {

// Creates a host error, as a plugin would through its host-services table.
ic_error* MakeHostError(ic_status_code code, std::string_view message);

// Converts `error` (may be null: OK) into a Status prefixed by `context`, and frees it.
absl::Status ConsumeError(ic_error* error, std::string_view context);
// The same, building the context only when there is an error (calls on the hot path succeed).
template <typename ContextFn>
absl::Status ConsumeErrorLazy(ic_error* error, ContextFn&& context) {
  if (error == nullptr) return absl::OkStatus();
  return ConsumeError(error, context());
}

// Where plugin log lines go (default: warnings and errors to stderr).
using PluginLogSink =
    std::function<void(ic_log_level, std::string_view plugin, std::string_view message)>;
void SetPluginLogSink(PluginLogSink sink);

// One plugin's host-services table; must outlive the plugin instance.
class PluginHost {
 public:
  explicit PluginHost(std::string plugin_name);
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;
  const ic_host_services* services() const { return &services_; }
  const std::string& plugin_name() const { return plugin_name_; }

 private:
  std::string plugin_name_;
  ic_host_services services_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ABI_HOST_SERVICES_H_
