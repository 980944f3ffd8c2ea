// Proves a third-party plugin library in a child process before the host loads it.
//
// The host never maps an unproven library: the conformance runner (infercost-conformance, part
// of the SDK) loads it in its own processes and runs the checks a host's use exercises
// (versions.*, lifecycle, invariants.*). A plugin that crashes, hangs or exits inside one is
// rejected with the check and the call that crashed; one that merely fails a check still loads
// (the host checks every call's results itself). The verdict is cached by the library's path,
// size and modification time (and the runner's), as GStreamer's plugin scanner does, so each
// library is probed once.
//
//   PluginProbeOptions options;  // runner and cache found as documented in docs/plugin-trust.md
//   ProbeVerdict verdict = ProbePlugin("/opt/acme/infercost-acme.so", options);
//   if (verdict.outcome == ProbeOutcome::kRejected) std::cerr << verdict.detail;
#ifndef INFERCOST_FRAMEWORK_LOADER_PLUGIN_PROBE_H_
#define INFERCOST_FRAMEWORK_LOADER_PLUGIN_PROBE_H_

#include <string>
#include <vector>

namespace infercost::framework {

// The checks a probe runs (infercost-conformance --only).
inline constexpr char kProbeChecks[] = "versions.*,lifecycle,errors.sink_error,invariants.*";

struct PluginProbeOptions {
  // The conformance runner; empty: $INFERCOST_CONFORMANCE_RUNNER, else beside the running
  // executable, else the prefix a CMake consumer found the package in, else this build tree's
  // (for binaries inside it), else the configured install prefix's bin/.
  std::string runner_path;
  // Where verdicts are cached; empty: $INFERCOST_CACHE_DIR, else $XDG_CACHE_HOME/infercost,
  // else $HOME/.cache/infercost. An unwritable cache only costs a probe per run.
  std::string cache_dir;
  int check_timeout_seconds = 10;   // per check (--timeout); past it the check is a hang
  int total_timeout_seconds = 120;  // the whole probe; past it the runner's process group is
                                    // killed and the plugin rejected (not cached)
};

enum class ProbeOutcome {
  kPassed,     // no check crashed or hung: load it
  kRejected,   // a check crashed, hung or exited: never load it
  kNotProbed,  // no runner, or it gave no report: loaded, with `detail` as a warning
};

struct ProbeVerdict {
  ProbeOutcome outcome = ProbeOutcome::kNotProbed;
  std::string detail;  // rejected: which check crashed and how; else a one-line summary
  // Passed: the checks it failed without crashing (each a claim the host must not lean on).
  std::vector<std::string> failed_checks;
  bool from_cache = false;
};

// `variant_options` (KEY=VALUE, the manifest's probe_options) go on the runner's reference
// shapes (--variant-option), for a plugin that refuses shapes without its options.
ProbeVerdict ProbePlugin(const std::string& library_path, const PluginProbeOptions& options,
                         const std::vector<std::string>& variant_options = {});

// The runner ProbePlugin would use, or "" (for messages and `infercost plugins`).
std::string FindConformanceRunner(const PluginProbeOptions& options);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LOADER_PLUGIN_PROBE_H_
