#include "host.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

namespace infercost::conformance {
namespace {

std::atomic<bool> forward_logs{false};

// Messages longer than this are cut (a plugin could claim any size).
constexpr uint64_t kMaxMessageBytes = 64 * 1024;

std::string CopyMessage(ic_string message) {
  if (message.data == nullptr) return message.size == 0 ? "" : "(null message data)";
  return std::string(message.data, std::min<uint64_t>(message.size, kMaxMessageBytes));
}

}  // namespace

std::string StatusCodeName(ic_status_code code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  if (code >= 0 && code <= IC_STATUS_UNAUTHENTICATED) return kNames[code];
  return "code " + std::to_string(code);
}

std::string ErrorInfo::ToString() const {
  if (!is_error) return "OK";
  if (!made_by_host) return "an ic_error* this host never made";
  return StatusCodeName(code) + ": " + message;
}

Host::Host() {
  services_.struct_size = sizeof(ic_host_services);
  services_.abi_major = INFERCOST_ABI_MAJOR;
  services_.abi_minor = INFERCOST_ABI_MINOR;
  services_.host_context = this;
  services_.make_error = &Host::MakeErrorThunk;
  services_.log = &Host::LogThunk;
}

Host::~Host() {
  for (const ic_error* error : live_) delete error;
}

void Host::set_forward_logs(bool forward) { forward_logs = forward; }

ic_error* Host::MakeError(ic_status_code code, const std::string& message) {
  auto* error = new ic_error{code, message};
  std::lock_guard<std::mutex> lock(mutex_);
  live_.insert(error);
  return error;
}

size_t Host::live_error_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return live_.size();
}

bool Host::Owns(const ic_error* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  return live_.count(error) != 0;
}

ErrorInfo Host::Consume(ic_error* error) {
  ErrorInfo info;
  if (error == nullptr) return info;
  info.is_error = true;
  if (error == IC_ERROR_NULL_INSTANCE) {  // ABI 1.1: a call with a NULL instance
    info.code = IC_STATUS_INVALID_ARGUMENT;
    info.message = "null plugin instance";
    return info;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (live_.erase(error) == 0) return info;  // not ours (or already consumed): never touch it
  }
  info.made_by_host = true;
  info.code = error->code;
  info.message = error->message;
  delete error;
  return info;
}

uint64_t Host::log_lines() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return log_lines_;
}

ic_error* Host::MakeErrorThunk(void* context, ic_status_code code, ic_string message) {
  return static_cast<Host*>(context)->MakeError(code, CopyMessage(message));
}

void Host::LogThunk(void* context, ic_log_level level, ic_string message) {
  auto* host = static_cast<Host*>(context);
  {
    std::lock_guard<std::mutex> lock(host->mutex_);
    ++host->log_lines_;
  }
  if (forward_logs) {
    static const char* const kLevels[] = {"debug", "info", "warning", "error"};
    const char* name = level >= 0 && level <= IC_LOG_ERROR ? kLevels[level] : "log";
    std::fprintf(stderr, "[plugin %s] %s\n", name, CopyMessage(message).c_str());
  }
}

}  // namespace infercost::conformance
