#include "apps/infercost/scenario_args.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <utility>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "apps/infercost/report_command.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "registry/toml_reader.h"

namespace infercost::cli {
bool IsScenarioSwitch(const std::string& flag) { return flag == "--allow-beyond-context"; }
bool IsScenarioList(const std::string& flag) { return flag == "--acceptance"; }

std::vector<std::string> ScenarioFlagNames() {
  framework::ScenarioRequest request;
  CLI::App app;
  AddScenarioFlags(app, request);
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) {
      if (name != "help") names.push_back(name);
    }
  }
  return names;
}

std::optional<std::string> TomlValueText(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  return std::nullopt;
}

std::string ScenarioFileSource(const std::string& path) {
  return fmt::format(
      "from {}: its keys are the flags named here without their dashes, [variant_options] is "
      "--variant-option",
      path);
}

absl::StatusOr<std::vector<std::string>> ScenarioFileFlags(const std::string& path,
                                                           const std::set<std::string>& skip) {
  ASSIGN_OR_RETURN(toml::table root, registry::ParseTomlFile(path));
  std::vector<std::string> args;
  const std::vector<std::string> names = ScenarioFlagNames();
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    if (skip.count(name) > 0) continue;
    const std::string flag = "--" + absl::StrReplaceAll(name, {{"_", "-"}});
    if (name != "variant_options" &&
        std::find(names.begin(), names.end(), flag.substr(2)) == names.end()) {
      return absl::InvalidArgumentError(fmt::format(
          "{}:{}: unknown key '{}'; a scenario file's keys are the scenario flags without their "
          "dashes: {}",
          path, key.source().begin.line, name, absl::StrJoin(names, ", ")));
    }
    if (name == "variant_options") {
      const toml::table* options = node.as_table();
      if (options == nullptr) {
        return absl::InvalidArgumentError(
            fmt::format("{}: key 'variant_options' must be a table of option = value", path));
      }
      // A table inside names a per-layer variant: [variant_options.gated_deltanet] conv_kernel = 4
      // is --variant-option gated_deltanet.conv_kernel=4.
      const auto add = [&](const std::string& option, const toml::node& value) -> absl::Status {
        const std::optional<std::string> text = TomlValueText(value);
        if (!text) {
          return absl::InvalidArgumentError(fmt::format(
              "{}: variant_options.{} must be a string, a number or true/false (or, for a "
              "per-layer variant, a table of them)",
              path, option));
        }
        args.push_back("--variant-option");
        args.push_back(fmt::format("{}={}", option, *text));
        return absl::OkStatus();
      };
      for (const auto& [option, value] : *options) {
        if (const toml::table* variant = value.as_table()) {
          for (const auto& [inner, inner_value] : *variant) {
            RETURN_IF_ERROR(add(fmt::format("{}.{}", option.str(), inner.str()), inner_value));
          }
        } else {
          RETURN_IF_ERROR(add(std::string(option.str()), value));
        }
      }
      continue;
    }
    if (const auto* b = node.as_boolean()) {
      if (!IsScenarioSwitch(flag)) {
        return absl::InvalidArgumentError(
            fmt::format("{}: key '{}' is not a true/false setting", path, name));
      }
      if (b->get()) args.push_back(flag);
      continue;
    }
    if (IsScenarioSwitch(flag)) {
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: key '{}' is a true/false setting; write {} = true (or false)", path,
                      key.source().begin.line, name, name));
    }
    std::optional<std::string> text = TomlValueText(node);
    const toml::array* list = node.as_array();
    if (list != nullptr && IsScenarioList(flag)) {  // acceptance = [0.85, 0.3]: 0.85,0.3
      std::vector<std::string> items;
      for (const toml::node& item : *list) {
        const std::optional<std::string> item_text = TomlValueText(item);
        if (!item_text) break;
        items.push_back(*item_text);
      }
      if (items.size() == list->size() && !items.empty()) text = absl::StrJoin(items, ",");
    }
    if (!text) {
      return absl::InvalidArgumentError(
          fmt::format("{}: key '{}' must be a string or a number{} (the value of {})", path, name,
                      IsScenarioList(flag) ? ", or an array of them" : "", flag));
    }
    args.push_back(flag);
    args.push_back(*text);
  }
  return args;
}

std::string FlagParseError(const CLI::ParseError& error) {
  if (dynamic_cast<const CLI::CallForHelp*>(&error) != nullptr ||
      dynamic_cast<const CLI::CallForAllHelp*>(&error) != nullptr ||
      dynamic_cast<const CLI::CallForVersion*>(&error) != nullptr) {
    return "help and version are not parameters here; `infercost report --help` (or search, "
           "compare, sweep) lists the flags, each of which is a parameter without its dashes";
  }
  return error.what();
}

absl::StatusOr<framework::ScenarioRequest> ParseScenarioArgs(const std::vector<std::string>& args,
                                                             const std::string& context) {
  ScenarioArgsParser parser(context);
  return parser.Parse(args, framework::ScenarioRequest{});
}

ScenarioArgsParser::ScenarioArgsParser(std::string context)
    : context_(std::move(context)),
      request_(std::make_unique<framework::ScenarioRequest>()),
      app_(std::make_unique<CLI::App>(context_)) {
  app_->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  AddScenarioFlags(*app_, *request_);
}

ScenarioArgsParser::~ScenarioArgsParser() = default;

absl::StatusOr<framework::ScenarioRequest> ScenarioArgsParser::Parse(
    const std::vector<std::string>& args, const framework::ScenarioRequest& base) {
  *request_ = base;
  app_->clear();
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  try {
    app_->parse(reversed);
  } catch (const CLI::ParseError& e) {
    const std::string message = FlagParseError(e);
    return absl::InvalidArgumentError(context_.empty() ? message
                                                       : fmt::format("{}: {}", context_, message));
  }
  return *request_;
}

}  // namespace infercost::cli
