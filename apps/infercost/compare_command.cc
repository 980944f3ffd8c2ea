#include "apps/infercost/compare_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "apps/infercost/report_command.h"
#include "apps/infercost/scenario_args.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/estimate.h"
#include "framework/report/json_text.h"
#include "framework/report/ledger_report.h"
#include "framework/report/text_table.h"
#include "nlohmann/json.hpp"

namespace infercost::cli {
namespace {

using nlohmann::json;

// "side a", or "side a (from a.toml: ...)" where a scenario file gives it: messages about its
// values name the file they came from.
std::string SideLabel(const std::string& side, const std::string& file) {
  return fmt::format("side {}{}", side,
                     file.empty() ? "" : fmt::format(" ({})", ScenarioFileSource(file)));
}

// The request of one side: its file's flags, then the shared flags, then its own (later wins).
// `has_own`: the side has a file or a flag of its own.
absl::StatusOr<framework::ScenarioRequest> SideRequest(const std::string& side,
                                                       const std::string& file,
                                                       const std::vector<std::string>& args,
                                                       bool& has_own) {
  has_own = !file.empty();
  std::vector<std::string> side_args;
  if (!file.empty()) {
    ASSIGN_OR_RETURN(side_args, ScenarioFileFlags(file));
  }
  std::vector<std::string> own;
  std::set<std::string> shared_seen, own_seen;
  const std::string prefix = "--" + side + ".";
  const std::string other = side == "a" ? "--b." : "--a.";
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::optional<std::string> value;
    if (const size_t eq = arg.find('='); absl::StartsWith(arg, "--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const bool mine = absl::StartsWith(arg, prefix);
    const bool theirs = absl::StartsWith(arg, other);
    const std::string flag = mine     ? "--" + arg.substr(prefix.size())
                             : theirs ? "--" + arg.substr(other.size())
                                      : arg;
    // Neither side's: "--c.gpus" (a side that does not exist; no flag has a dot) or a value.
    const bool other_side = !mine && !theirs && absl::StrContains(arg, ".");
    if (!absl::StartsWith(flag, "--") || other_side) {
      return absl::InvalidArgumentError(fmt::format(
          "compare: unexpected argument '{}'; flags are --FLAG VALUE (both sides), --a.FLAG VALUE "
          "or --b.FLAG VALUE",
          arg));
    }
    if (theirs) {  // skip the other side's flag and its value
      if (!value && !IsScenarioSwitch(flag) && i + 1 < args.size()) ++i;
      continue;
    }
    // A flag given twice for the same side (both sides' twice, or this side's twice) is an
    // error, as in report: which one was meant cannot be told. --variant-option repeats.
    if (flag != "--variant-option" && !(mine ? own_seen : shared_seen).insert(flag).second) {
      return absl::InvalidArgumentError(fmt::format(
          "compare: {} is given more than once{}; give it once ({} for both sides, --a.{} or "
          "--b.{} for one)",
          mine ? prefix + flag.substr(2) : flag, mine ? "" : " for both sides", flag,
          flag.substr(2), flag.substr(2)));
    }
    // Shared flags go before the side's own, which therefore win.
    has_own = has_own || mine;
    std::vector<std::string>& into = mine ? own : side_args;
    into.push_back(flag);
    if (value) {
      into.push_back(*value);
    } else if (!IsScenarioSwitch(flag) && i + 1 < args.size()) {
      into.push_back(args[++i]);
    }
  }
  side_args.insert(side_args.end(), own.begin(), own.end());

  return ParseScenarioArgs(side_args, "compare, " + SideLabel(side, file));
}

// Every leaf of a report, by path; arrays of records keyed by their phase or name.
void Flatten(const json& j, const std::string& path,
             std::vector<std::pair<std::string, json>>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      Flatten(value, path.empty() ? key : path + "." + key, out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      const json& e = j[i];
      std::string key = std::to_string(i);
      if (e.is_object() && e.contains("phase") && e["phase"].is_string()) {
        key = e["phase"].get<std::string>();
      } else if (e.is_object() && e.contains("name") && e["name"].is_string()) {
        key = e["name"].get<std::string>();
      }
      Flatten(e, path + "[" + key + "]", out);
    }
  } else {
    out.emplace_back(path, j);
  }
}

std::string Cell(const std::optional<json>& v) {
  if (!v) return "-";
  if (v->is_number()) return fmt::format("{:.6g}", v->get<double>());
  if (v->is_string()) return v->get<std::string>();
  return v->dump();
}

// A value in the table: a text longer than kLongestTableText characters is cut there (at a
// UTF-8 boundary, "..." added) and `shortened` set; the JSON and CSV forms hold it whole.
constexpr size_t kLongestTableText = 40;
std::string TableCell(std::string text, bool& shortened) {
  if (text.size() <= kLongestTableText) return text;
  size_t cut = kLongestTableText - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  shortened = true;
  return text + "...";
}

// A row's value on side 'a' or 'b' (none where that side lacks the metric).
std::optional<json> Value(const CompareRow& r, char side) {
  const bool has = side == 'a' ? r.has_a : r.has_b;
  if (!has) return std::nullopt;
  return json::parse(side == 'a' ? r.a : r.b);
}

std::optional<std::pair<double, double>> Numbers(const CompareRow& r) {
  const std::optional<json> a = Value(r, 'a'), b = Value(r, 'b');
  if (!a || !b || !a->is_number() || !b->is_number()) return std::nullopt;
  return std::pair{a->get<double>(), b->get<double>()};
}

// Summary first, then the scenario, then the stages, each in the report's order.
int Rank(const std::string& path) {
  if (absl::StartsWith(path, "summary.")) return 0;
  if (absl::StartsWith(path, "scenario.")) return 1;
  return 2;
}

}  // namespace

absl::StatusOr<CompareResult> Compare(const registry::Presets& presets,
                                      const framework::PluginSet& plugins,
                                      const CompareFlags& flags) {
  const std::map<std::string, std::string> files = {{"a", flags.a_file}, {"b", flags.b_file}};
  std::map<std::string, framework::ScenarioRequest> requests;
  bool has_side_input = false;
  for (const auto& [side, file] : files) {
    bool has_own = false;
    ASSIGN_OR_RETURN(requests[side], SideRequest(side, file, flags.args, has_own));
    has_side_input = has_side_input || has_own;
  }
  // Two sides with no input of their own are the same scenario: a table of equal values that
  // answers nothing (a side flag mistyped as a shared one, or none given).
  if (!has_side_input) {
    return absl::InvalidArgumentError(
        "compare: nothing sets side A apart from side B (a flag without --a. or --b. applies to "
        "both); give a side a flag of its own, e.g. --b.hardware b200 or --a.gpus 4 --b.gpus 8, "
        "or a scenario file per side with --a FILE.toml --b FILE.toml");
  }
  std::map<std::string, json> reports;
  for (const auto& [side, file] : files) {
    absl::StatusOr<EvaluatedReport> report = EvaluateReport(presets, plugins, requests[side]);
    if (!report.ok()) {
      return absl::Status(
          report.status().code(),
          fmt::format("{}: {}", SideLabel(side, file), std::string(report.status().message())));
    }
    reports[side] = json::parse(framework::RenderLedgerJson(report->scenario, report->estimate));
  }
  CompareResult result;
  result.a_scenario = framework::JsonText(reports["a"]["scenario"]);
  result.b_scenario = framework::JsonText(reports["b"]["scenario"]);
  std::vector<std::pair<std::string, json>> a, b;
  Flatten(reports["a"], "", a);
  Flatten(reports["b"], "", b);
  std::vector<CompareRow>& rows = result.rows;
  std::map<std::string, size_t> index;
  for (auto& [path, value] : a) {
    index[path] = rows.size();
    rows.push_back({path, framework::JsonText(value), "", true, false, false});
  }
  for (auto& [path, value] : b) {
    if (auto it = index.find(path); it != index.end()) {
      rows[it->second].b = framework::JsonText(value);
      rows[it->second].has_b = true;
    } else {
      rows.push_back({path, "", framework::JsonText(value), false, true, false});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const CompareRow& x, const CompareRow& y) {
    return Rank(x.path) < Rank(y.path);
  });
  for (CompareRow& r : rows) {
    r.differs = !r.has_a || !r.has_b || r.a != r.b;
    if (r.differs && r.has_a && r.has_b) {
      const json x = json::parse(r.a), y = json::parse(r.b);
      if (x.is_number() && y.is_number()) {
        const double dx = x.get<double>(), dy = y.get<double>();
        r.differs = std::fabs(dy - dx) > 1e-12 * std::max(std::fabs(dx), std::fabs(dy));
      }
    }
  }
  return result;
}

std::string CompareJson(const CompareResult& result, bool only_different) {
  json out = {{"a", json::parse(result.a_scenario)}, {"b", json::parse(result.b_scenario)}};
  json list = json::array();
  for (const CompareRow& r : result.rows) {
    if (only_different && !r.differs) continue;
    const std::optional<json> a = Value(r, 'a'), b = Value(r, 'b');
    json row = {
        {"metric", r.path}, {"a", a ? *a : json()}, {"b", b ? *b : json()}, {"differs", r.differs}};
    if (auto n = Numbers(r)) {
      row["difference"] = n->second - n->first;
      row["ratio"] = n->first != 0 ? json(n->second / n->first) : json();
    }
    list.push_back(std::move(row));
  }
  out["metrics"] = std::move(list);
  return framework::JsonText(out, 2) + "\n";
}

int RunCompare(Session& session, const CompareFlags& flags) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  absl::StatusOr<CompareResult> compared = Compare(**presets, session.Plugins(), flags);
  if (!compared.ok()) return ReportError(compared.status());
  const std::vector<CompareRow>& rows = compared->rows;
  const std::string& format = session.flags().format;
  if (format == "json") {
    fmt::print("{}", CompareJson(*compared, flags.only_different));
    return 0;
  }
  if (format == "csv") {
    fmt::print("metric,a,b,difference,ratio,differs\n");
    for (const CompareRow& r : rows) {
      if (flags.only_different && !r.differs) continue;
      std::string diff, ratio;
      if (auto n = Numbers(r)) {
        diff = fmt::format("{:.17g}", n->second - n->first);
        if (n->first != 0) ratio = fmt::format("{:.17g}", n->second / n->first);
      }
      fmt::print("{},{},{},{},{},{}\n", framework::CsvField(r.path),
                 framework::CsvField(Cell(Value(r, 'a'))), framework::CsvField(Cell(Value(r, 'b'))),
                 diff, ratio, r.differs ? 1 : 0);
    }
    return 0;
  }
  const bool terminal = isatty(fileno(stdout)) != 0;
  framework::TextTable table(
      {"", "metric", "A", "B", "B - A", "B / A"},
      {framework::Align::kLeft, framework::Align::kLeft, framework::Align::kRight,
       framework::Align::kRight, framework::Align::kRight, framework::Align::kRight});
  int64_t different = 0;
  bool shortened = false;
  for (const CompareRow& r : rows) {
    different += r.differs ? 1 : 0;
    if (flags.only_different && !r.differs) continue;
    std::string diff = "-", ratio = "-";
    if (auto n = Numbers(r)) {
      diff = fmt::format("{:+.6g}", n->second - n->first);
      if (n->first != 0) ratio = fmt::format("{:.4g}", n->second / n->first);
    }
    std::string metric = r.path;
    if (r.differs && terminal) metric = "\x1b[1m" + metric + "\x1b[0m";
    table.AddRow({r.differs ? "*" : "", metric, TableCell(Cell(Value(r, 'a')), shortened),
                  TableCell(Cell(Value(r, 'b')), shortened), diff, ratio});
  }
  fmt::print("A: {}\nB: {}\n\n{}", compared->a_scenario, compared->b_scenario, table.Render());
  fmt::print("\n{} of {} values differ (marked *).\n", different, rows.size());
  if (shortened) {
    fmt::print(
        "Texts longer than {} characters are shortened here (...); --format json or csv "
        "gives them whole.\n",
        kLongestTableText);
  }
  return 0;
}

}  // namespace infercost::cli
