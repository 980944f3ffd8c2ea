// JSON as text, the one way every output of infercost writes it: bytes that are not UTF-8 (a
// command-line value, a file name) become U+FFFD instead of an exception.
//
//   fmt::print("{}\n", JsonText(report, 2));
#ifndef INFERCOST_FRAMEWORK_REPORT_JSON_TEXT_H_
#define INFERCOST_FRAMEWORK_REPORT_JSON_TEXT_H_

#include <string>

#include "nlohmann/json.hpp"

namespace infercost::framework {

// `value` serialised; `indent` < 0: on one line.
inline std::string JsonText(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_REPORT_JSON_TEXT_H_
