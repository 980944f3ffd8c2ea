// The `infercost` command line (CLI11): global flags, subcommands and their flags, parsed and
// checked without running anything, so that main() and the fuzz harness
// (fuzz/cli_args_fuzzer.cc) share one parser.
//
//   CommandLine line;
//   if (std::optional<int> exit = ParseCommandLine(args, line, std::cout, std::cerr)) return *exit;
//   Session session(line.flags);  // then run line.command
#ifndef INFERCOST_APPS_INFERCOST_COMMAND_LINE_H_
#define INFERCOST_APPS_INFERCOST_COMMAND_LINE_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "apps/infercost/calibrate_command.h"
#include "apps/infercost/compare_command.h"
#include "apps/infercost/search_command.h"
#include "apps/infercost/serve_command.h"
#include "apps/infercost/session.h"
#include "apps/infercost/sweep_command.h"
#include "apps/infercost/validate_command.h"
#include "framework/scenario.h"

namespace infercost::cli {

enum class Command {
  kReport,
  kModels,
  kHardware,
  kEngines,
  kPlugins,
  kValidate,
  kCalibrate,
  kCompare,
  kSweep,
  kSearch,
  kServe
};

struct CommandLine {
  GlobalFlags flags;
  Command command = Command::kReport;  // `report`, or no command at all
  framework::ScenarioRequest request;  // report
  bool no_load = false;                // plugins --no-load
  ValidateFlags validate_flags;        // validate
  CalibrateFlags calibrate_flags;      // calibrate
  CompareFlags compare_flags;          // compare
  SweepFlags sweep_flags;              // sweep
  SearchFlags search_flags;            // search
  ServeFlags serve_flags;              // serve
};

// Parses `args` (args[0] is the program's name) into `line`. Returns the exit status when the
// command line alone settles it (help and version on `out`; usage errors on `err`, status 2),
// else nullopt: run `line.command`.
std::optional<int> ParseCommandLine(const std::vector<std::string>& args, CommandLine& line,
                                    std::ostream& out, std::ostream& err);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_COMMAND_LINE_H_
