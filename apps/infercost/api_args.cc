#include "apps/infercost/api_args.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "apps/infercost/scenario_args.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "nlohmann/json.hpp"

namespace infercost::cli {
namespace {

using nlohmann::json;

// Flags that reach the filesystem or the plugin loader: fixed when the server starts.
constexpr const char* kRefused[] = {"plugin-dir", "presets-dir", "plugin-override", "format",
                                    "a",          "b",           "workload",        "plot",
                                    "grid-file",  "grid",        "threads",         "data"};

absl::Status CheckKey(const std::string& key) {
  if (key.empty() || key.size() > 64 || !absl::ascii_isalnum(static_cast<unsigned char>(key[0]))) {
    return absl::InvalidArgumentError(fmt::format("parameter '{}': not a flag name", key));
  }
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
      return absl::InvalidArgumentError(fmt::format("parameter '{}': not a flag name", key));
    }
  }
  std::string bare = key;
  if (absl::StartsWith(bare, "a.") || absl::StartsWith(bare, "b.")) bare = bare.substr(2);
  for (const char* refused : kRefused) {
    if (bare == refused) {
      return absl::InvalidArgumentError(fmt::format(
          "parameter '{}' is not available through the web API: plugins, presets and files are "
          "fixed when the server starts (infercost serve --plugin-dir/--presets-dir)",
          key));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckValue(const std::string& key, const std::string& value) {
  const bool model = key == "model" || key == "a.model" || key == "b.model";
  if (model && (absl::StrContains(value, "/") || absl::EndsWith(value, ".toml") ||
                absl::EndsWith(value, ".json"))) {
    return absl::InvalidArgumentError(fmt::format(
        "--{} {}: the web API takes model preset names only (see /api/v1/models); model files "
        "are not read",
        key, value));
  }
  return absl::OkStatus();
}

absl::Status Append(const std::string& raw_key, const std::string& value,
                    const std::set<std::string>& switches, std::vector<std::string>& args) {
  const std::string key = absl::StrReplaceAll(raw_key, {{"_", "-"}});
  RETURN_IF_ERROR(CheckKey(key));
  RETURN_IF_ERROR(CheckValue(key, value));
  const std::string flag = "--" + key;
  std::string bare = flag;
  if (absl::StartsWith(key, "a.") || absl::StartsWith(key, "b.")) bare = "--" + key.substr(2);
  if (switches.count(bare) > 0) {
    if (value.empty() || value == "true" || value == "1") {
      args.push_back(flag);
    } else if (value != "false" && value != "0") {
      return absl::InvalidArgumentError(
          fmt::format("{} {}: a switch takes true or false", flag, value));
    }
    return absl::OkStatus();
  }
  args.push_back(flag);
  args.push_back(value);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ScalarText(const std::string& key, const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return std::string(value.get<bool>() ? "true" : "false");
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number_unsigned()) return std::to_string(value.get<uint64_t>());
  if (value.is_number_float()) return fmt::format("{}", value.get<double>());
  return absl::InvalidArgumentError(
      fmt::format("body key '{}': a value must be a string, a number, true/false or an array "
                  "of those",
                  key));
}

absl::Status AppendJson(const std::string& key, const json& value,
                        const std::set<std::string>& switches, std::vector<std::string>& args,
                        int depth) {
  if (value.is_object() && depth == 0 && (key == "a" || key == "b")) {
    for (const auto& [inner, v] : value.items()) {
      RETURN_IF_ERROR(AppendJson(key + "." + inner, v, switches, args, depth + 1));
    }
    return absl::OkStatus();
  }
  const std::string bare =
      "--" + ((absl::StartsWith(key, "a.") || absl::StartsWith(key, "b.")) ? key.substr(2) : key);
  if (value.is_array() && IsScenarioList(absl::StrReplaceAll(bare, {{"_", "-"}}))) {
    std::vector<std::string> items;  // "acceptance": [0.85, 0.3] is --acceptance 0.85,0.3
    for (const json& element : value) {
      ASSIGN_OR_RETURN(std::string text, ScalarText(key, element));
      items.push_back(std::move(text));
    }
    return Append(key, absl::StrJoin(items, ","), switches, args);
  }
  if (value.is_array()) {
    for (const json& element : value) {
      ASSIGN_OR_RETURN(std::string text, ScalarText(key, element));
      RETURN_IF_ERROR(Append(key, text, switches, args));
    }
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::string text, ScalarText(key, value));
  return Append(key, text, switches, args);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ApiArgs(const ApiParams& query, const std::string& body,
                                                 const std::set<std::string>& switches) {
  std::vector<std::string> args;
  // A parameter given twice is a mistake to name, not a last-one-wins (the command line refuses
  // it too); only an option that accumulates may repeat.
  std::set<std::string> seen;
  for (const auto& [key, value] : query) {
    const std::string flag = absl::StrReplaceAll(key, {{"_", "-"}});
    if (flag != "variant-option" && !seen.insert(flag).second) {
      return absl::InvalidArgumentError(
          fmt::format("parameter '{}' is given twice; give it once", key));
    }
    RETURN_IF_ERROR(Append(key, value, switches, args));
  }
  if (absl::StripAsciiWhitespace(body).empty()) return args;
  // A key given twice in one object (the parser would keep the last) is named, as in the query.
  std::vector<std::set<std::string>> keys_of_open_objects;
  std::string repeated_key;
  const json::parser_callback_t note_repeats = [&](int /*depth*/, json::parse_event_t event,
                                                   json& parsed_value) {
    if (event == json::parse_event_t::object_start) keys_of_open_objects.emplace_back();
    if (event == json::parse_event_t::object_end && !keys_of_open_objects.empty()) {
      keys_of_open_objects.pop_back();
    }
    if (event == json::parse_event_t::key && !keys_of_open_objects.empty() &&
        !keys_of_open_objects.back().insert(parsed_value.get<std::string>()).second &&
        repeated_key.empty()) {
      repeated_key = parsed_value.get<std::string>();
    }
    return true;
  };
  const json parsed = json::parse(body, note_repeats, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError(
        "request body: not a JSON object of flag names and values, e.g. {\"gpus\": 4}");
  }
  if (!repeated_key.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("request body: key '{}' is given twice; give it once", repeated_key));
  }
  for (const auto& [key, value] : parsed.items()) {
    // Neither in the query and the body both.
    const std::string flag = absl::StrReplaceAll(key, {{"_", "-"}});
    if (flag != "variant-option" && seen.count(flag) > 0) {
      return absl::InvalidArgumentError(
          fmt::format("parameter '{}' is given in the query and in the body; give it once", key));
    }
    RETURN_IF_ERROR(AppendJson(key, value, switches, args, 0));
  }
  return args;
}

absl::Status RefuseRepeatedFlags(const std::vector<std::string>& args,
                                 const std::set<std::string>& switches) {
  std::set<std::string> seen;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (!absl::StartsWith(flag, "--")) continue;
    const std::string name = flag.substr(2);
    const bool side = absl::StartsWith(name, "a.") || absl::StartsWith(name, "b.");
    if (switches.count(side ? "--" + name.substr(2) : flag) == 0) ++i;  // its value
    if (name != "variant-option" && !absl::EndsWith(name, ".variant-option") &&
        !seen.insert(name).second) {
      return absl::InvalidArgumentError(fmt::format(
          "parameter '{}' is given more than once (a list, or a key repeated); a scenario takes "
          "one value of it (only variant-option repeats)",
          name));
    }
  }
  return absl::OkStatus();
}

}  // namespace infercost::cli
