#include "framework/abi/host_services.h"

#include <cstdio>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "fmt/format.h"
#include "infercost/sdk/abi_support.h"

namespace infercost::framework {
namespace {

std::mutex& LogMutex() {
  static std::mutex mutex;
  return mutex;
}

PluginLogSink& LogSink() {
  static PluginLogSink sink = [](ic_log_level level, std::string_view plugin,
                                 std::string_view message) {
    if (level < IC_LOG_WARNING) return;
    fmt::print(stderr, "infercost: plugin {}: {}\n", plugin, message);
  };
  return sink;
}

std::string_view View(ic_string s) {
  return s.data == nullptr ? std::string_view() : std::string_view(s.data, s.size);
}

ic_error* MakeErrorThunk(void* /*context*/, ic_status_code code, ic_string message) {
  return MakeHostError(code, View(message));
}

void LogThunk(void* context, ic_log_level level, ic_string message) {
  const auto* host = static_cast<const PluginHost*>(context);
  const std::string readable = sdk::ReadablePluginText(View(message));
  std::lock_guard<std::mutex> lock(LogMutex());
  LogSink()(level, host != nullptr ? host->plugin_name() : "?", readable);
}

}  // namespace

namespace {

// Made before any allocation can fail and never freed: what make_error returns when it cannot
// allocate, so a plugin's failure is never turned into a success.
ic_error* OutOfMemoryError() {
  static ic_error* const error =
      new ic_error{IC_STATUS_RESOURCE_EXHAUSTED, "out of memory while reporting a plugin error"};
  return error;
}
[[maybe_unused]] ic_error* const kMadeAtStartup = OutOfMemoryError();

// The errors made and not yet consumed: a pointer a plugin returns that is not one of them (made
// up, freed, or returned twice) is reported instead of read. Touched only where a call fails.
std::mutex& LiveErrorsMutex() {
  static std::mutex mutex;
  return mutex;
}
absl::flat_hash_set<const ic_error*>& LiveErrors() {
  static auto* errors = new absl::flat_hash_set<const ic_error*>();
  return *errors;
}

}  // namespace

ic_error* MakeHostError(ic_status_code code, std::string_view message) {
  try {
    if (code <= IC_STATUS_OK || code > IC_STATUS_UNAUTHENTICATED) code = IC_STATUS_UNKNOWN;
    auto error = std::make_unique<ic_error>(ic_error{code, sdk::ReadablePluginText(message)});
    std::lock_guard<std::mutex> lock(LiveErrorsMutex());
    LiveErrors().insert(error.get());
    return error.release();
  } catch (...) {
    return OutOfMemoryError();
  }
}

absl::Status ConsumeError(ic_error* error, std::string_view context) {
  if (error == nullptr) return absl::OkStatus();
  const auto with_context = [&](std::string_view message) {
    return context.empty() ? std::string(message) : fmt::format("{}: {}", context, message);
  };
  if (error == IC_ERROR_NULL_INSTANCE) {
    return absl::InvalidArgumentError(with_context("null plugin instance"));
  }
  if (error != OutOfMemoryError()) {
    std::lock_guard<std::mutex> lock(LiveErrorsMutex());
    if (LiveErrors().erase(error) == 0) {
      return absl::InternalError(with_context(
          "the plugin returned an ic_error that the host did not make, or one returned before "
          "(a made-up, freed or uninitialised pointer); return only what host->make_error gave, "
          "once"));
    }
  }
  absl::Status status(static_cast<absl::StatusCode>(error->code), with_context(error->message));
  if (error != OutOfMemoryError()) delete error;
  return status;
}

void SetPluginLogSink(PluginLogSink sink) {
  std::lock_guard<std::mutex> lock(LogMutex());
  LogSink() = std::move(sink);
}

PluginHost::PluginHost(std::string plugin_name) : plugin_name_(std::move(plugin_name)) {
  services_.struct_size = sizeof(ic_host_services);
  services_.abi_major = INFERCOST_ABI_MAJOR;
  services_.abi_minor = INFERCOST_ABI_MINOR;
  services_.host_context = this;
  services_.make_error = &MakeErrorThunk;
  services_.log = &LogThunk;
}

}  // namespace infercost::framework
