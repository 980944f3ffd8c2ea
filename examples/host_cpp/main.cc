// host_cpp: embedding infercost in a C++ program.
//
// A host tool (a scheduler, a capacity planner, a notebook kernel) links infercost::framework and
// does what the `infercost` command does, in four calls:
//   1. LoadPlugins       find and load attention and hardware plugins (checked, never crash);
//   2. LoadPresets       read the model, hardware and engine TOML presets;
//   3. MakeScenario      turn a request by names (model, device, GPUs, dtypes, tokens) into a
//                        validated Scenario;
//   4. EstimateScenario  the whole answer: per-phase ledger, TTFT, TPOT, throughput, memory per
//                        GPU, cost per million tokens.
// Errors are absl::Status values whose messages say what to change.
//
//   host_cpp [PLUGIN_DIR [PRESET_DIR]]   (defaults: the installed package's directories)
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"
#include "registry/presets.h"

namespace fw = infercost::framework;
namespace reg = infercost::registry;

namespace {

fw::ScenarioRequest Request(const char* model, const char* hardware, int64_t gpus,
                            const char* weights, int64_t concurrency) {
  fw::ScenarioRequest request;  // defaults: 500 input + 500 output tokens, flash attention
  request.model = model;
  request.hardware = hardware;
  request.gpus = gpus;
  request.weights = weights;
  request.kv = weights;
  request.concurrency = concurrency;
  return request;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string plugin_dir = argc > 1 ? argv[1] : HOST_CPP_PLUGIN_DIR;
  const std::string preset_dir = argc > 2 ? argv[2] : HOST_CPP_PRESET_DIR;

  // 1. Plugins: only the given directory (plus $INFERCOST_PLUGIN_PATH), not the defaults compiled
  //    into the library, so the program sees exactly the package it was built against.
  fw::PluginLoaderOptions options;
  options.plugin_dirs = {plugin_dir};
  options.use_default_dirs = false;
  const fw::PluginSet plugins = fw::LoadPlugins(options);
  for (const fw::RejectedPlugin& rejected : plugins.rejected) {
    std::fprintf(stderr, "plugin rejected: %s: %s\n", rejected.path.c_str(),
                 rejected.reason.c_str());
  }
  std::printf("%zu plugins loaded from %s\n", plugins.loaded.size(), plugin_dir.c_str());

  // 2. Presets: the given directory first, then $INFERCOST_PRESET_PATH and the defaults.
  const absl::StatusOr<reg::Presets> presets =
      reg::LoadPresets(reg::DefaultPresetDirs({preset_dir}));
  if (!presets.ok()) {
    std::fprintf(stderr, "presets: %s\n", std::string(presets.status().message()).c_str());
    return 1;
  }

  // 3 + 4. A few scenarios: one GPU in bf16, the default fp8 pair, and a busier fp8 server.
  const std::vector<fw::ScenarioRequest> requests = {
      Request("llama-3.1-8b", "h100-sxm", 1, "bf16", 1),
      Request("llama-3-70b", "h100-sxm", 2, "fp8", 1),
      Request("llama-3-70b", "h100-sxm", 4, "fp8", 32),
  };
  std::printf("%-14s %-12s %4s %5s %5s %10s %10s %12s %10s %9s\n", "model", "hardware", "gpus",
              "dtype", "users", "TTFT ms", "TPOT ms", "tok/s total", "$/M out", "max users");
  int failures = 0;
  for (const fw::ScenarioRequest& request : requests) {
    const absl::StatusOr<fw::Scenario> scenario = fw::MakeScenario(request, *presets);
    if (!scenario.ok()) {
      std::fprintf(stderr, "scenario: %s\n", std::string(scenario.status().message()).c_str());
      ++failures;
      continue;
    }
    const absl::StatusOr<fw::Estimate> estimate = fw::EstimateScenario(*scenario, plugins);
    if (!estimate.ok()) {
      std::fprintf(stderr, "estimate: %s\n", std::string(estimate.status().message()).c_str());
      ++failures;
      continue;
    }
    const fw::Summary& s = estimate->summary;
    std::printf("%-14s %-12s %4lld %5s %5lld %10.2f %10.2f %12.0f %10.3f %9lld\n",
                request.model.c_str(), request.hardware.c_str(),
                static_cast<long long>(request.gpus), request.weights.c_str(),
                static_cast<long long>(request.concurrency), s.ttft_s * 1e3, s.tpot_s * 1e3,
                s.tokens_per_s_aggregate, s.usd_per_million_output_tokens,
                static_cast<long long>(s.memory.max_concurrency));
  }
  return failures == 0 ? 0 : 1;
}
