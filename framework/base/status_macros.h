// Status propagation helpers (this Abseil version ships none).
//
//   RETURN_IF_ERROR(LoadThing());
//   ASSIGN_OR_RETURN(Model model, registry.Find(name));
#ifndef INFERCOST_FRAMEWORK_BASE_STATUS_MACROS_H_
#define INFERCOST_FRAMEWORK_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define INFERCOST_CONCAT_INNER(a, b) a##b
#define INFERCOST_CONCAT(a, b) INFERCOST_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                                           \
  do {                                                                  \
    if (::absl::Status _status = (expr); !_status.ok()) return _status; \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(*tmp)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(INFERCOST_CONCAT(_status_or_, __LINE__), lhs, expr)

#endif  // INFERCOST_FRAMEWORK_BASE_STATUS_MACROS_H_
