#include "framework/loader/plugin_probe.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>
#include <vector>

#include "fmt/format.h"
#include "framework/loader/child_process.h"
#include "framework/loader/probe_cache.h"
#include "nlohmann/json.hpp"
#include "registry/search_path.h"

namespace infercost::framework {
namespace {

namespace fs = std::filesystem;

constexpr char kRunnerName[] = "infercost-conformance";
constexpr char kCacheFormat[] = "infercost plugin probe v3";  // v3: the failed checks

bool IsExecutableFile(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error) && ::access(path.c_str(), X_OK) == 0;
}

// $INFERCOST_CONFORMANCE_RUNNER, or "".
std::string RunnerFromEnvironment() {
  const char* value = std::getenv("INFERCOST_CONFORMANCE_RUNNER");
  return value == nullptr ? std::string() : std::string(value);
}

std::string HostName() {
  char name[256] = {};
  return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string("?");
}

std::string Tail(const std::string& text) {
  const size_t newline = text.find_last_not_of(" \n");
  return newline == std::string::npos ? "" : text.substr(0, newline + 1);
}

ProbeVerdict NotProbed(std::string detail) {
  ProbeVerdict verdict;
  verdict.detail = std::move(detail);
  return verdict;
}

ProbeVerdict Interpret(const ChildResult& run, const std::string& runner, int timeout_seconds,
                       bool& cacheable) {
  cacheable = false;
  if (!run.spawn_error.empty()) return NotProbed("not probed: " + run.spawn_error);
  if (run.timed_out) {
    ProbeVerdict verdict;
    verdict.outcome = ProbeOutcome::kRejected;  // not cached: a busy machine may recover
    verdict.detail = fmt::format(
        "the conformance probe ({} in a child process) did not finish in {} s: the plugin hangs "
        "or is far too slow for a host; it is not loaded",
        kRunnerName, timeout_seconds);
    return verdict;
  }
  nlohmann::json report = nlohmann::json::parse(run.stdout_text, nullptr, false);
  if (report.is_discarded() || !report.is_object() || !report.contains("checks") ||
      !report["checks"].is_array()) {
    const std::string tail = run.stderr_tail.empty() ? "" : ": " + Tail(run.stderr_tail);
    if (run.exit_status == 0 || run.exit_status == 2) {  // not this SDK's runner
      const std::string why = run.exit_status == 2
                                  ? " (a usage error: is it an older runner without --only? use "
                                    "the runner of this infercost's SDK)"
                                  : "";
      return NotProbed(fmt::format("not probed: {} gave no report (exit status {}){}{}", runner,
                                   run.exit_status, why, tail));
    }
    // The runner ran the plugin, found failures (exit status 1) or died, and could not say how
    // it went: what the probe is for (a plugin that writes over the runner's memory ends so)
    // cannot be vouched for.
    ProbeVerdict verdict;
    verdict.outcome = ProbeOutcome::kRejected;  // not cached: the next run may report
    verdict.detail = fmt::format(
        "the conformance probe ({} in a child process) ended without a readable report (exit "
        "status {}){}; it is not loaded (`infercost-conformance --plugin PATH` shows what the "
        "plugin does)",
        kRunnerName, run.exit_status, tail);
    return verdict;
  }
  std::vector<std::string> failed;
  int ran = 0;
  int passed = 0;
  for (const nlohmann::json& check : report["checks"]) {
    auto text = [&](const char* key) {
      return check.is_object() && check.contains(key) && check[key].is_string()
                 ? check[key].get<std::string>()
                 : std::string();
    };
    const std::string name = text("name"), status = text("status"), reason = text("reason");
    const std::string outcome = text("outcome");
    if (outcome == "runner-error") {
      return NotProbed(fmt::format("not probed: the runner failed in check {}: {}", name, reason));
    }
    if (name != "handshake" && (status == "pass" || status == "fail")) ++ran;
    if (status == "pass") ++passed;
    if (status != "fail") continue;
    if (outcome.empty()) {
      return NotProbed(fmt::format(
          "not probed: {} reports no check outcome; is it an older runner? use the runner of "
          "this infercost's SDK",
          runner));
    }
    if (outcome != "returned") {
      ProbeVerdict verdict;
      verdict.outcome = ProbeOutcome::kRejected;
      verdict.detail =
          outcome == "hang"
              // (A plugin that is only slow hangs a check too: say so, not that it crashed.)
              ? fmt::format(
                    "the conformance probe ({} in a child process) did not see check {} finish "
                    "in its time: {}; a plugin that hangs, or one far slower per call than the "
                    "host can use, is not loaded (time its calls; `infercost-conformance --plugin "
                    "PATH` gives the full report)",
                    kRunnerName, name, reason)
              : fmt::format(
                    "the conformance probe ({} in a child process) shows it would take the host "
                    "down: check {}: {}; it is not loaded (fix the plugin; "
                    "`infercost-conformance --plugin PATH` gives the full report)",
                    kRunnerName, name, reason);
      cacheable = outcome != "hang";  // a hang may be a busy machine: probe again next time
      return verdict;
    }
    failed.push_back(name);
  }
  if (ran == 0) {
    const bool handshake_failed =
        !report["checks"].empty() && failed.size() == 1 && failed.front() == "handshake";
    if (handshake_failed) {
      // Not a plugin the loader will take: its own checks say why, with the host's words.
      ProbeVerdict verdict;
      verdict.outcome = ProbeOutcome::kPassed;
      verdict.detail = "conformance probe: the handshake failed (the loader says why)";
      return verdict;
    }
    return NotProbed(
        fmt::format("not probed: {} ran none of the probe's checks ({}); is it an older runner?",
                    runner, kProbeChecks));
  }
  ProbeVerdict verdict;
  verdict.outcome = ProbeOutcome::kPassed;
  verdict.failed_checks = failed;
  verdict.detail = failed.empty()
                       ? fmt::format("conformance probe passed ({} checks)", passed)
                       : fmt::format(
                             "conformance probe: no crash; {} checks passed, failed: {} (the host "
                             "checks every call, and does not use what those checks found "
                             "false)",
                             passed, fmt::join(failed, ", "));
  cacheable = true;
  return verdict;
}

}  // namespace

std::string FindConformanceRunner(const PluginProbeOptions& options) {
  if (!options.runner_path.empty()) {
    return IsExecutableFile(options.runner_path) ? options.runner_path : "";
  }
  if (std::string env = RunnerFromEnvironment(); !env.empty()) {
    return IsExecutableFile(env) ? env : "";
  }
  std::vector<fs::path> candidates;
  if (fs::path exe = registry::RunningExecutablePath(); !exe.empty()) {
    candidates.push_back(exe.parent_path() / kRunnerName);
  }
  if (std::string prefix = registry::InstalledPrefixHint(); !prefix.empty()) {
    candidates.push_back(fs::path(prefix) / "bin" / kRunnerName);
  }
#if defined(INFERCOST_BUILD_CONFORMANCE_RUNNER) && defined(INFERCOST_BUILD_ROOT)
  if (registry::RunningExecutableIsInside(INFERCOST_BUILD_ROOT)) {
    candidates.emplace_back(INFERCOST_BUILD_CONFORMANCE_RUNNER);
  }
#endif
#ifdef INFERCOST_INSTALL_CONFORMANCE_RUNNER
  candidates.emplace_back(INFERCOST_INSTALL_CONFORMANCE_RUNNER);
#endif
  for (const fs::path& candidate : candidates) {
    if (IsExecutableFile(candidate)) return candidate.string();
  }
  return "";
}

ProbeVerdict ProbePlugin(const std::string& library_path, const PluginProbeOptions& options,
                         const std::vector<std::string>& variant_options) {
  const std::string runner = FindConformanceRunner(options);
  if (runner.empty()) {
    const std::string named =
        !options.runner_path.empty() ? options.runner_path : RunnerFromEnvironment();
    return NotProbed(
        named.empty()
            ? fmt::format("not probed: {} was not found (install the SDK's runner beside "
                          "infercost, or set INFERCOST_CONFORMANCE_RUNNER)",
                          kRunnerName)
            : fmt::format("not probed: the conformance runner {} is not an executable file",
                          named));
  }
  std::error_code error;
  fs::path absolute = fs::weakly_canonical(library_path, error);
  if (error) absolute = fs::absolute(library_path, error);
  std::string key =
      fmt::format("{}\nplugin {} {}\nrunner {} {}\nchecks {} timeout {}\nmachine {}", kCacheFormat,
                  absolute.string(), FileStamp(absolute), runner, FileStamp(runner), kProbeChecks,
                  options.check_timeout_seconds, HostName());
  for (const std::string& option : variant_options) key += "\noption " + option;
  const ProbeCache cache(ProbeCacheDir(options.cache_dir), key);
  if (std::optional<ProbeVerdict> cached = cache.Read()) {
    if (cached->outcome == ProbeOutcome::kRejected) {
      cached->detail +=
          fmt::format(" (cached verdict; delete {} to probe again)", cache.file().string());
    }
    return *cached;
  }
  std::vector<std::string> arguments = {
      runner,       "--plugin",  absolute.string(),
      "--format",   "json",      "--only",
      kProbeChecks, "--timeout", std::to_string(options.check_timeout_seconds)};
  for (const std::string& option : variant_options) {
    arguments.insert(arguments.end(), {"--variant-option", option});
  }
  const ChildResult run = RunChild(arguments, options.total_timeout_seconds);
  bool cacheable = false;
  ProbeVerdict verdict = Interpret(run, runner, options.total_timeout_seconds, cacheable);
  if (cacheable) cache.Write(verdict);
  return verdict;
}

}  // namespace infercost::framework
