// infercost-conformance — the runner's own host services: the error constructor and logger a
// plugin receives at initialize.
//
// Every error the plugin creates through make_error is allocated here and remembered, so the
// runner can tell an error it made (and free it) from a pointer the plugin invented. Thread-safe:
// the thread-safety check calls the plugin, and so make_error, from several threads.
//
//   Host host;
//   plugin->initialize(host.services(), &instance);
//   ErrorInfo e = host.Consume(table->validate(instance, &shape, 1));   // frees the error
//   if (e.is_error) ... e.code, e.message
#ifndef INFERCOST_SDK_CONFORMANCE_HOST_H_
#define INFERCOST_SDK_CONFORMANCE_HOST_H_

#include <mutex>
#include <string>
#include <unordered_set>

#include "infercost/c/abi.h"

// The opaque ic_error of the ABI, as this host defines it. Plugins only ever see the pointer.
struct ic_error {
  ic_status_code code;
  std::string message;
};

namespace infercost::conformance {

// What a plugin function returned, as far as errors go.
struct ErrorInfo {
  bool is_error = false;      // a non-NULL ic_error* was returned
  bool made_by_host = false;  // ... and this host made it
  ic_status_code code = IC_STATUS_OK;
  std::string message;

  // "INVALID_ARGUMENT: batch = 0 must be positive", or "OK".
  std::string ToString() const;
};

class Host {
 public:
  Host();
  ~Host();  // frees every error the plugin never returned
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const ic_host_services* services() const { return &services_; }

  // Describes `error` and frees it if this host made it. NULL means success.
  ErrorInfo Consume(ic_error* error);
  // Makes an error as a plugin would through make_error (used by sinks that refuse a record).
  ic_error* MakeError(ic_status_code code, const std::string& message);
  // True if `error` was made by this host and not yet consumed.
  bool Owns(const ic_error* error);
  // Errors made and not yet consumed (a leak check for test hosts).
  size_t live_error_count() const;
  // Number of log lines the plugin wrote.
  uint64_t log_lines() const;
  // Whether plugin log lines are copied to stderr (--verbose); off by default.
  static void set_forward_logs(bool forward);

 private:
  static ic_error* MakeErrorThunk(void* context, ic_status_code code, ic_string message);
  static void LogThunk(void* context, ic_log_level level, ic_string message);

  ic_host_services services_;
  mutable std::mutex mutex_;
  std::unordered_set<const ic_error*> live_;
  uint64_t log_lines_ = 0;
};

// The absl name of a status code ("INVALID_ARGUMENT"), or "code N".
std::string StatusCodeName(ic_status_code code);

}  // namespace infercost::conformance

#endif  // INFERCOST_SDK_CONFORMANCE_HOST_H_
