// infercost C++ SDK — errors a plugin author throws; the trampolines turn them into ic_error.
//
//   if (shape.num_heads % shape.num_kv_heads != 0)
//     throw infercost::sdk::Error(IC_STATUS_INVALID_ARGUMENT, "heads must divide by kv heads");
//
// Any other exception becomes IC_STATUS_INTERNAL with its what(); nothing escapes the plugin.
#ifndef INFERCOST_SDK_ERROR_H_
#define INFERCOST_SDK_ERROR_H_

#include <stdexcept>
#include <string>

#include "infercost/c/abi.h"

namespace infercost::sdk {
inline namespace v1 {

// An error with an absl-style code, thrown by plugin code.
class Error : public std::runtime_error {
 public:
  Error(ic_status_code code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ic_status_code code() const noexcept { return code_; }

 private:
  ic_status_code code_;
};

// Carries an error the host already created (e.g. a sink rejected a record) back out unchanged.
class HostError : public std::exception {
 public:
  explicit HostError(ic_error* error) noexcept : error_(error) {}
  ic_error* error() const noexcept { return error_; }
  const char* what() const noexcept override { return "host error"; }

 private:
  ic_error* error_;
};

inline ic_string ToIcString(const char* text) noexcept {
  ic_string s{text, 0};
  while (text != nullptr && text[s.size] != '\0') ++s.size;
  return s;
}

}  // namespace v1
}  // namespace infercost::sdk

#endif  // INFERCOST_SDK_ERROR_H_
