// `infercost report` (and `infercost` with no arguments): the per-phase ledger of a scenario.
#ifndef INFERCOST_APPS_INFERCOST_REPORT_COMMAND_H_
#define INFERCOST_APPS_INFERCOST_REPORT_COMMAND_H_

#include <CLI/CLI.hpp>

#include "apps/infercost/session.h"
#include "framework/scenario.h"

namespace infercost::cli {

// Adds the scenario flags to `command`, writing into `request`.
void AddScenarioFlags(CLI::App& command, framework::ScenarioRequest& request);
int RunReport(Session& session, const framework::ScenarioRequest& request);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_REPORT_COMMAND_H_
