// infercost — what running a large language model costs, phase by phase.
//
//   infercost                       # the default scenario (Llama-3-70B, fp8, 2x H100 SXM)
//   infercost models | hardware | engines | plugins [--format table|json]
//   infercost serve [--port N] [--bind ADDR]   # the calculator in a browser
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "apps/infercost/calibrate_command.h"
#include "apps/infercost/command_line.h"
#include "apps/infercost/compare_command.h"
#include "apps/infercost/list_commands.h"
#include "apps/infercost/report_command.h"
#include "apps/infercost/search_command.h"
#include "apps/infercost/serve_command.h"
#include "apps/infercost/session.h"
#include "apps/infercost/sweep_command.h"
#include "apps/infercost/validate_command.h"

int main(int argc, char** argv) {
  infercost::cli::CommandLine line;
  if (std::optional<int> exit = infercost::cli::ParseCommandLine(
          std::vector<std::string>(argv, argv + argc), line, std::cout, std::cerr)) {
    return *exit;
  }
  infercost::cli::Session session(line.flags);
  switch (line.command) {
    case infercost::cli::Command::kModels:
      return infercost::cli::RunModels(session);
    case infercost::cli::Command::kHardware:
      return infercost::cli::RunHardware(session);
    case infercost::cli::Command::kEngines:
      return infercost::cli::RunEngines(session);
    case infercost::cli::Command::kPlugins:
      return infercost::cli::RunPlugins(session, !line.no_load);
    case infercost::cli::Command::kValidate:
      return infercost::cli::RunValidate(session, line.validate_flags);
    case infercost::cli::Command::kCalibrate:
      return infercost::cli::RunCalibrate(session, line.calibrate_flags);
    case infercost::cli::Command::kCompare:
      return infercost::cli::RunCompare(session, line.compare_flags);
    case infercost::cli::Command::kSweep:
      return infercost::cli::RunSweep(session, line.sweep_flags);
    case infercost::cli::Command::kSearch:
      return infercost::cli::RunSearch(session, line.search_flags);
    case infercost::cli::Command::kServe:
      return infercost::cli::RunServe(session, line.serve_flags);
    case infercost::cli::Command::kReport:
      break;
  }
  // `report`, or no command at all: the default scenario unless flags say otherwise.
  return infercost::cli::RunReport(session, line.request);
}
