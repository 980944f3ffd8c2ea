// What the Python module's `infercost.Session` does, in plain C++ (no Python types): a
// cli::Session (presets and plugins found as the CLI finds them, loaded once) and the CLI's own
// functions, each returning the JSON its command prints with --format json. Calls are serialised
// (plugins need not be thread-safe); the module releases the GIL around them.
//
//   PythonSession session(cli::GlobalFlags{});
//   RETURN_IF_ERROR(session.Load());
//   ASSIGN_OR_RETURN(nlohmann::json report, session.Report({"--gpus", "4"}, &warnings));
#ifndef INFERCOST_PYTHON_PYTHON_SESSION_H_
#define INFERCOST_PYTHON_PYTHON_SESSION_H_

#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "apps/infercost/compare_command.h"
#include "apps/infercost/search_command.h"
#include "apps/infercost/session.h"
#include "apps/infercost/sweep_command.h"
#include "nlohmann/json.hpp"

namespace infercost::python {

// The most points a sweep from Python returns (all at once, as records in memory).
inline constexpr int64_t kMostReturnedSweepPoints = 1'000'000;

class PythonSession {
 public:
  explicit PythonSession(cli::GlobalFlags flags) : session_(std::move(flags)) {}

  // Loads the presets and the plugins (errors: the presets').
  absl::Status Load();
  // "plugin PATH (NAME) rejected: REASON" per plugin the loader rejected.
  std::vector<std::string> RejectedPlugins();
  const cli::GlobalFlags& flags() const { return session_.flags(); }

  // `report --format json` of these report flags; the scenario's warnings go to `warnings`.
  absl::StatusOr<nlohmann::json> Report(const std::vector<std::string>& args,
                                        std::vector<std::string>& warnings);
  // Every point of the sweep, as `sweep --format json` lines.
  absl::StatusOr<std::vector<nlohmann::json>> Sweep(const cli::SweepFlags& flags);
  absl::StatusOr<nlohmann::json> Compare(const cli::CompareFlags& flags);
  absl::StatusOr<nlohmann::json> Search(const cli::SearchFlags& flags);
  absl::StatusOr<nlohmann::json> Models();
  absl::StatusOr<nlohmann::json> Hardware();
  nlohmann::json Plugins(bool load);
  // The engine presets: name, display_name, serving_schedule, reference_hardware, source.
  absl::StatusOr<nlohmann::json> Engines();

 private:
  std::mutex mutex_;
  cli::Session session_;
};

}  // namespace infercost::python

#endif  // INFERCOST_PYTHON_PYTHON_SESSION_H_
