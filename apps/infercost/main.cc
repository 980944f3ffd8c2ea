// infercost — what running a large language model costs, phase by phase.
//
//   infercost                       # the default scenario (Llama-3-70B, fp8, 2x H100 SXM)
//   infercost models | hardware | plugins [--format table|json]
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "apps/infercost/list_commands.h"
#include "apps/infercost/report_command.h"
#include "apps/infercost/session.h"
#include "apps/infercost/validate_command.h"
#include "fmt/format.h"

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

int main(int argc, char** argv) {
  CLI::App app{"infercost: what running a large language model costs, phase by phase"};
  app.set_version_flag("--version", "infercost 0.1.0 (plugin ABI 1.0)");
  app.require_subcommand(0, 1);
  infercost::cli::GlobalFlags flags;
  AddGlobalFlags(app, flags);
  app.fallthrough();

  CLI::App* models = app.add_subcommand("models", "List model presets");
  CLI::App* hardware = app.add_subcommand("hardware", "List devices (presets and plugins)");
  CLI::App* plugins = app.add_subcommand("plugins", "List plugins: loaded and rejected");
  bool no_load = false;
  plugins->add_flag("--no-load", no_load, "List manifests only; open no library");

  infercost::framework::ScenarioRequest request;
  CLI::App* report = app.add_subcommand("report", "Per-phase costs of a scenario");
  infercost::cli::AddScenarioFlags(*report, request);

  infercost::cli::ValidateFlags validate_flags;
  CLI::App* validate =
      app.add_subcommand("validate", "Predicted vs measured latency (ANL static batches)");
  infercost::cli::AddValidateFlags(*validate, validate_flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "infercost: error: {}\nRun 'infercost --help' for usage.\n", e.what());
    return kUsageError;
  }

  // A directory the user named must exist: a typo would otherwise load nothing, silently.
  for (const auto& [flag, dirs] : {std::pair{"--plugin-dir", &flags.plugin_dirs},
                                   std::pair{"--presets-dir", &flags.preset_dirs}}) {
    for (const std::string& dir : *dirs) {
      std::error_code error;
      if (!std::filesystem::is_directory(dir, error)) {
        fmt::print(
            stderr, "infercost: error: {} {}: {}; name an existing directory\n", flag, dir,
            std::filesystem::exists(dir, error) ? "is not a directory" : "no such directory");
        return kUsageError;
      }
    }
  }
  infercost::cli::Session session(flags);
  if (flags.format == "csv" && !report->parsed() && app.get_subcommands().size() == 1) {
    fmt::print(stderr,
               "infercost: error: --format csv is available for `report` only; use "
               "table or json\n");
    return kUsageError;
  }
  if (models->parsed()) return infercost::cli::RunModels(session);
  if (hardware->parsed()) return infercost::cli::RunHardware(session);
  if (plugins->parsed()) return infercost::cli::RunPlugins(session, !no_load);
  if (validate->parsed()) return infercost::cli::RunValidate(session, validate_flags);
  // `report`, or no command at all: the default scenario unless flags say otherwise.
  return infercost::cli::RunReport(session, request);
}
