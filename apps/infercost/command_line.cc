#include "apps/infercost/command_line.h"

#include <CLI/CLI.hpp>
#include <utility>

#include "apps/infercost/report_command.h"
#include "fmt/format.h"
#include "infercost/c/abi.h"

namespace infercost::cli {
namespace {

constexpr int kUsageError = 2;

void AddGlobalFlags(CLI::App& app, infercost::cli::GlobalFlags& flags) {
  app.add_option("--plugin-dir", flags.plugin_dirs,
                 "Directory searched first for plugin manifests (repeatable)")
      ->type_name("DIR");
  app.add_option("--plugin-override", flags.plugin_overrides,
                 "Let the third-party plugin NAME replace the host's own plugin of that name "
                 "(repeatable); without it the host's own wins")
      ->type_name("NAME");
  app.add_option("--presets-dir", flags.preset_dirs,
                 "Directory with models/, hardware/, engines/ presets, searched first "
                 "(repeatable)")
      ->type_name("DIR");
  app.add_option("--format", flags.format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->default_str("table");
}

}  // namespace

std::optional<int> ParseCommandLine(const std::vector<std::string>& args, CommandLine& line,
                                    std::ostream& out, std::ostream& err) {
  CLI::App app{"infercost: what running a large language model costs, phase by phase"};
  app.set_version_flag("--version", fmt::format("infercost 0.1.0 (plugin ABI {}.{})",
                                                INFERCOST_ABI_MAJOR, INFERCOST_ABI_MINOR));
  app.require_subcommand(0, 1);
  GlobalFlags& flags = line.flags;
  AddGlobalFlags(app, flags);
  app.fallthrough();

  CLI::App* models = app.add_subcommand("models", "List model presets");
  CLI::App* hardware = app.add_subcommand("hardware", "List devices (presets and plugins)");
  CLI::App* engines = app.add_subcommand("engines", "List serving-engine presets");
  CLI::App* plugins = app.add_subcommand("plugins", "List plugins: loaded and rejected");
  plugins->add_flag("--no-load", line.no_load, "List manifests only; open no library");

  CLI::App* report = app.add_subcommand("report", "Per-phase costs of a scenario");
  AddScenarioFlags(*report, line.request);

  CLI::App* validate =
      app.add_subcommand("validate", "Predicted vs measured latency (ANL static batches)");
  AddValidateFlags(*validate, line.validate_flags);

  CLI::App* calibrate = app.add_subcommand(
      "calibrate", "Re-derive calibration data from the measurements (--bands: error bands)");
  AddCalibrateFlags(*calibrate, line.calibrate_flags);

  CLI::App* compare = app.add_subcommand(
      "compare",
      "Two scenarios side by side: shared flags for both, --a.FLAG / --b.FLAG for one side, "
      "--a FILE.toml / --b FILE.toml for a side's scenario file");
  compare->add_option("--a", line.compare_flags.a_file, "Side A's scenario file (TOML)");
  compare->add_option("--b", line.compare_flags.b_file, "Side B's scenario file (TOML)");
  compare->add_flag("--only-different", line.compare_flags.only_different,
                    "List only the values that differ");
  compare->allow_extras();
  compare->fallthrough(false);  // its scenario flags stay with it (see below)

  CLI::App* sweep = app.add_subcommand(
      "sweep",
      "Every scenario of a grid (--grid FIELD=VALUES, --grid-file FILE.toml), streamed as CSV or "
      "JSON lines");
  sweep->add_option("--grid", line.sweep_flags.grid,
                    "FIELD=VALUES: a list a,b,c or a range LO..HI+STEP / LO..HI*FACTOR "
                    "(repeatable; the first varies slowest)");
  sweep->add_option("--grid-file", line.sweep_flags.file,
                    "TOML: a [grid] table of FIELD = [values], plus base scenario keys");
  sweep->add_option("--threads", line.sweep_flags.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  sweep->allow_extras();
  sweep->fallthrough(false);

  CLI::App* search = app.add_subcommand(
      "search",
      "The best deployment under SLOs and a budget: every candidate configuration evaluated, the "
      "best per objective and the Pareto frontier");
  AddSearchFlags(*search, line.search_flags);

  CLI::App* serve = app.add_subcommand(
      "serve",
      "The calculator in a browser: an HTTP server with the JSON API (/api/v1/) and the pages "
      "(the atlas, the calculator, compare, search)");
  AddServeFlags(*serve, line.serve_flags);

  // An empty value is a mistake (an unset shell variable), never "use the default": CLI11 would
  // take it as unset for some flags and as 0 for others.
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool empty_after_equals =
        arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos && arg.back() == '=';
    if (arg.empty() || empty_after_equals) {
      const std::string flag = empty_after_equals ? arg.substr(0, arg.find('='))
                               : i > 1            ? args[i - 1]
                                                  : std::string("(first argument)");
      err << fmt::format(
          "infercost: error: {}: an empty value; give one, or leave the flag out for its "
          "default\nRun 'infercost --help' for usage.\n",
          flag);
      return kUsageError;
    }
  }
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    err << fmt::format("infercost: error: {}\nRun 'infercost --help' for usage.\n", e.what());
    return kUsageError;
  }

  if (absl::Status named = CheckNamedDirectories(flags); !named.ok()) {
    err << fmt::format("infercost: error: {}\n", std::string(named.message()));
    return kUsageError;
  }
  if (flags.format == "csv" && !report->parsed() && !compare->parsed() && !sweep->parsed() &&
      !search->parsed() && app.get_subcommands().size() == 1) {
    err << "infercost: error: --format csv is available for `report`, `compare`, `sweep` "
           "and `search` only; use table or json\n";
    return kUsageError;
  }
  if (models->parsed()) {
    line.command = Command::kModels;
  } else if (hardware->parsed()) {
    line.command = Command::kHardware;
  } else if (engines->parsed()) {
    line.command = Command::kEngines;
  } else if (plugins->parsed()) {
    line.command = Command::kPlugins;
  } else if (validate->parsed()) {
    line.command = Command::kValidate;
  } else if (calibrate->parsed()) {
    line.command = Command::kCalibrate;
  } else if (search->parsed()) {
    line.command = Command::kSearch;
  } else if (serve->parsed()) {
    line.command = Command::kServe;
  } else if (compare->parsed() || sweep->parsed()) {
    line.command = compare->parsed() ? Command::kCompare : Command::kSweep;
    std::vector<std::string>& kept =
        compare->parsed() ? line.compare_flags.args : line.sweep_flags.args;
    // Global flags given after the command arrive among its extras: take them out.
    std::vector<std::string> rest = compare->parsed() ? compare->remaining() : sweep->remaining();
    for (size_t i = 0; i < rest.size(); ++i) {
      std::string arg = rest[i], value;
      const size_t eq = arg.find('=');
      const bool inline_value = arg.rfind("--", 0) == 0 && eq != std::string::npos;
      if (inline_value) value = arg.substr(eq + 1), arg = arg.substr(0, eq);
      std::vector<std::string>* list = arg == "--presets-dir"       ? &flags.preset_dirs
                                       : arg == "--plugin-dir"      ? &flags.plugin_dirs
                                       : arg == "--plugin-override" ? &flags.plugin_overrides
                                                                    : nullptr;
      if (arg != "--format" && list == nullptr) {
        kept.push_back(rest[i]);
        continue;
      }
      if (!inline_value) {
        if (i + 1 >= rest.size()) {
          err << fmt::format("infercost: error: {} needs a value\n", arg);
          return kUsageError;
        }
        value = rest[++i];
      }
      if (list != nullptr) {
        list->push_back(value);
      } else if (value == "table" || value == "json" || value == "csv") {
        flags.format = value;
      } else {
        err << fmt::format("infercost: error: --format {}: use table, json or csv\n", value);
        return kUsageError;
      }
    }
  } else {
    line.command = Command::kReport;
  }
  return std::nullopt;
}

}  // namespace infercost::cli
