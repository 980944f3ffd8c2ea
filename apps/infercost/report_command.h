// `infercost report` (and `infercost` with no arguments): the per-phase ledger of a scenario.
#ifndef INFERCOST_APPS_INFERCOST_REPORT_COMMAND_H_
#define INFERCOST_APPS_INFERCOST_REPORT_COMMAND_H_

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "apps/infercost/session.h"
#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"
#include "registry/presets.h"

namespace infercost::cli {

// --attention-kernel, --variant-option and --attention-variant into the given fields (report's,
// and every candidate's of a search).
void AddAttentionPluginFlags(CLI::App& command, std::string& variant,
                             std::vector<std::string>& variant_options, std::string& kernel);
// --speculative-tokens, --acceptance and --draft-layers into the given fields (report's, every
// candidate's of a search, and what validate assumes the rows it selects ran).
void AddSpeculationFlags(CLI::App& command, int64_t& tokens, std::vector<double>& acceptance,
                         int64_t& draft_layers);
// Adds the scenario flags to `command`, writing into `request`.
void AddScenarioFlags(CLI::App& command, framework::ScenarioRequest& request);
// The validated scenario of `request`: `--model` may name a model file (loaded here), devices of
// hardware plugins join the presets. What RunReport evaluates; exposed for the fuzz harness.
absl::StatusOr<framework::Scenario> ResolveScenario(const registry::Presets& presets,
                                                    const framework::PluginSet& plugins,
                                                    const framework::ScenarioRequest& request);
// ResolveScenario for many requests (a sweep's points): the presets each distinct `--model`
// needs (a model file loaded, the plugins' devices added) are made once and kept. Thread-safe.
// Devices that hardware plugins describe themselves (a vendor's accelerator) join `presets`, so
// `--hardware` can name them; a device of a name the presets (or an earlier plugin) hold already
// is not added, nor one the plugin describes out of a preset's ranges: a warning on stderr, once
// per process, says so.
void AddPluginDevices(const framework::PluginSet& plugins, registry::Presets& presets);
// The presets `request` resolves against: `presets` with the model file --model names, if it
// names one (request.model becomes the model's name), and the devices hardware plugins describe.
absl::StatusOr<registry::Presets> PresetsForRequest(const registry::Presets& presets,
                                                    const framework::PluginSet& plugins,
                                                    framework::ScenarioRequest& request);

class ScenarioResolver {
 public:
  ScenarioResolver(const registry::Presets& presets, const framework::PluginSet& plugins)
      : presets_(presets), plugins_(plugins) {}
  absl::StatusOr<framework::Scenario> Resolve(const framework::ScenarioRequest& request);

 private:
  struct ForModel {
    absl::Status status;
    std::string model;  // the name the model has in `presets`
    registry::Presets presets;
  };
  const registry::Presets& presets_;
  const framework::PluginSet& plugins_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<const ForModel>> by_model_;
};
// A scenario resolved and estimated: what `report` prints in every format.
struct EvaluatedReport {
  framework::Scenario scenario;
  framework::Estimate estimate;
};
absl::StatusOr<EvaluatedReport> EvaluateReport(const registry::Presets& presets,
                                               const framework::PluginSet& plugins,
                                               const framework::ScenarioRequest& request);
// `infercost report --format json`'s text for `request` (what the web API's /api/v1/report
// returns too).
absl::StatusOr<std::string> ReportJson(const registry::Presets& presets,
                                       const framework::PluginSet& plugins,
                                       const framework::ScenarioRequest& request);
int RunReport(Session& session, const framework::ScenarioRequest& request);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_REPORT_COMMAND_H_
