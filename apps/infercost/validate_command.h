// `infercost validate`: predicted vs measured latency over Argonne's static-batch measurements
// (tests/data/validation/anl_static_batch.csv unless --data says otherwise).
#ifndef INFERCOST_APPS_INFERCOST_VALIDATE_COMMAND_H_
#define INFERCOST_APPS_INFERCOST_VALIDATE_COMMAND_H_

#include <CLI/CLI.hpp>
#include <string>

#include "apps/infercost/session.h"
#include "validation/row_estimate.h"

namespace infercost::cli {

struct ValidateFlags {
  std::string data;    // CSV path; empty: the repository's copy (build-tree binaries)
  std::string engine;  // preset names; empty: all
  std::string model;
  std::string hardware;
  std::string suite = "anl";  // anl | aic | aic-frontier | per-op (validate_suites.h)
  // aic suites: serving (what the rows measured: a continuously batching server, TTFT and TPOT)
  // | static (one decode step at the mean context, TPOT only)
  std::string mode = "serving";
  // aic suites: what the selected rows are assumed to have run (validation::RowAssumption).
  int64_t speculative_tokens = 0;
  std::vector<double> acceptance;
  int64_t draft_layers = 1;
  double requests_per_client = validation::kMeasuredRequestsPerClient;
};

// The repository's copy of the measurements (build-tree binaries; "" elsewhere): the ANL file,
// and the directory ("…/tests/data/validation/") every suite's file sits in.
std::string DefaultValidationData();
std::string DefaultValidationDataDir();

void AddValidateFlags(CLI::App& command, ValidateFlags& flags);
int RunValidate(Session& session, const ValidateFlags& flags);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_VALIDATE_COMMAND_H_
