#include "python/python_args.h"

#include <CLI/CLI.hpp>
#include <utility>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "apps/infercost/scenario_args.h"
#include "fmt/format.h"

namespace infercost::python {

namespace py = pybind11;

namespace {

std::string FlagName(const std::string& key) {
  // variant_options (the scenario files' table name) is the flag --variant-option.
  const std::string name = key == "variant_options" ? "variant_option" : key;
  return absl::StrReplaceAll(name, {{"_", "-"}});
}

bool IsList(const py::handle& value) {
  return py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value);
}

}  // namespace

std::string FlagText(const py::handle& value) {
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "true" : "false";
  return py::str(value).cast<std::string>();
}

std::vector<std::string> ScenarioFlags(const py::dict& kwargs, const std::string& prefix) {
  std::vector<std::string> args;
  for (const auto& [key, value] : kwargs) {
    if (value.is_none()) continue;
    const std::string name = FlagName(py::str(key).cast<std::string>());
    const std::string flag = prefix + name;
    if (py::isinstance<py::bool_>(value) && cli::IsScenarioSwitch("--" + name)) {
      if (value.cast<bool>()) args.push_back(flag);
      continue;
    }
    if (py::isinstance<py::dict>(value)) {
      if (name != "variant-option") {  // (only the variant's options are a table)
        throw py::value_error(
            fmt::format("{}: one value, not a dict (only variant_options take "
                        "a dict of KEY: VALUE)",
                        py::str(key).cast<std::string>()));
      }
      for (const auto& [option, option_value] : value.cast<py::dict>()) {
        args.push_back(flag);
        args.push_back(
            fmt::format("{}={}", py::str(option).cast<std::string>(), FlagText(option_value)));
      }
      continue;
    }
    if (IsList(value) && cli::IsScenarioList("--" + name)) {  // acceptance=[0.85, 0.3]
      std::vector<std::string> items;
      for (const py::handle& item : value) items.push_back(FlagText(item));
      args.push_back(flag);
      args.push_back(absl::StrJoin(items, ","));
      continue;
    }
    if (IsList(value)) {
      if (name != "variant-option") {  // (a scenario takes one value of every other flag)
        throw py::value_error(fmt::format(
            "{}: one value, not a list (only variant_options and acceptance take several)",
            py::str(key).cast<std::string>()));
      }
      for (const py::handle& item : value) {
        args.push_back(flag);
        args.push_back(FlagText(item));
      }
      continue;
    }
    args.push_back(flag);
    args.push_back(FlagText(value));
  }
  return args;
}

absl::StatusOr<std::vector<cli::GridField>> GridFields(const py::dict& grid) {
  std::vector<cli::GridField> fields;
  for (const auto& [key, value] : grid) {
    const std::string field = py::str(key).cast<std::string>();
    if (py::isinstance<py::str>(value)) {
      // A spec as --grid takes it: "1..256*2", "1,2,4".
      absl::StatusOr<cli::GridField> parsed =
          cli::ParseGridSpec(fmt::format("{}={}", field, value.cast<std::string>()));
      if (!parsed.ok()) return parsed.status();
      fields.push_back(std::move(*parsed));
      continue;
    }
    std::vector<std::string> values;
    if (py::isinstance<py::iterable>(value)) {
      for (const py::handle& item : value) values.push_back(FlagText(item));
    } else {
      values.push_back(FlagText(value));
    }
    fields.emplace_back(field, std::move(values));
  }
  return fields;
}

absl::StatusOr<cli::SearchFlags> SearchFlagsFrom(const py::dict& kwargs) {
  std::vector<std::string> args;
  for (const auto& [key, value] : kwargs) {
    if (value.is_none()) continue;
    const std::string flag = "--" + FlagName(py::str(key).cast<std::string>());
    if (py::isinstance<py::bool_>(value) && cli::IsScenarioSwitch(flag)) {
      if (value.cast<bool>()) args.push_back(flag);  // a switch: no value (as in a scenario)
      continue;
    }
    args.push_back(flag);
    if (IsList(value)) {
      if (py::len(value) == 0) {
        throw py::value_error(
            fmt::format("{}: an empty list; give one value or more, or leave it "
                        "out for the default",
                        py::str(key).cast<std::string>()));
      }
      std::vector<std::string> items;
      for (const py::handle& item : value) items.push_back(FlagText(item));
      args.push_back(absl::StrJoin(items, ","));
    } else {
      args.push_back(FlagText(value));
    }
  }
  cli::SearchFlags flags;
  CLI::App app{"search"};
  cli::AddSearchFlags(app, flags);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(cli::FlagParseError(e));
  }
  if (!flags.plot.empty()) {
    return absl::InvalidArgumentError(
        "search: plot is the command line's; plot the returned frontier (docs/python.md)");
  }
  return flags;
}

}  // namespace infercost::python
