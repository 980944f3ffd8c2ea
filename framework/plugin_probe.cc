#include "framework/plugin_probe.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <vector>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

extern char** environ;

namespace infercost::framework {
namespace {

namespace fs = std::filesystem;

constexpr char kRunnerName[] = "infercost-conformance";
constexpr char kCacheFormat[] = "infercost plugin probe v1";

bool IsExecutableFile(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error) && ::access(path.c_str(), X_OK) == 0;
}

fs::path RunningExecutableDir() {
  std::error_code error;
  fs::path exe = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path() : exe.parent_path();
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

fs::path CacheDir(const PluginProbeOptions& options) {
  if (!options.cache_dir.empty()) return options.cache_dir;
  if (std::string dir = Env("INFERCOST_CACHE_DIR"); !dir.empty()) return dir;
  if (std::string dir = Env("XDG_CACHE_HOME"); !dir.empty()) return fs::path(dir) / "infercost";
  if (std::string home = Env("HOME"); !home.empty()) {
    return fs::path(home) / ".cache" / "infercost";
  }
  return {};
}

// "size:mtime_ns" of a file, or "" when it cannot be read.
std::string FileStamp(const fs::path& path) {
  std::error_code error;
  const uintmax_t size = fs::file_size(path, error);
  if (error) return "";
  const auto mtime = fs::last_write_time(path, error);
  if (error) return "";
  return fmt::format("{}:{}", size, mtime.time_since_epoch().count());
}

uint64_t Fnv1a64(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

const char* OutcomeWord(ProbeOutcome outcome) {
  switch (outcome) {
    case ProbeOutcome::kPassed:
      return "passed";
    case ProbeOutcome::kRejected:
      return "rejected";
    case ProbeOutcome::kNotProbed:
      return "not-probed";
  }
  return "?";
}

// The cached verdict for `key`, if the cache holds one (a hash collision reads as a miss).
std::optional<ProbeVerdict> ReadCache(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const std::string header = key + "\n";
  if (text.compare(0, header.size(), header) != 0) return std::nullopt;
  const std::string rest = text.substr(header.size());
  const size_t newline = rest.find('\n');
  if (newline == std::string::npos) return std::nullopt;
  const std::string word = rest.substr(0, newline);
  ProbeVerdict verdict;
  verdict.from_cache = true;
  verdict.detail = rest.substr(newline + 1);
  if (word == OutcomeWord(ProbeOutcome::kPassed)) {
    verdict.outcome = ProbeOutcome::kPassed;
  } else if (word == OutcomeWord(ProbeOutcome::kRejected)) {
    verdict.outcome = ProbeOutcome::kRejected;
  } else {
    return std::nullopt;  // not-probed verdicts are never cached
  }
  return verdict;
}

// Writes atomically (temporary file, then rename): concurrent hosts never read half a verdict.
void WriteCache(const fs::path& file, const std::string& key, const ProbeVerdict& verdict) {
  std::error_code error;
  fs::create_directories(file.parent_path(), error);
  if (error) return;
  const fs::path temporary = file.string() + fmt::format(".{}.tmp", ::getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    if (!out) return;
    out << key << "\n" << OutcomeWord(verdict.outcome) << "\n" << verdict.detail;
    if (!out.flush()) {
      fs::remove(temporary, error);
      return;
    }
  }
  fs::rename(temporary, file, error);
  if (error) fs::remove(temporary, error);
}

struct RunnerOutput {
  std::string stdout_text;
  int exit_status = -1;  // -1: killed by a signal or by the deadline
  bool timed_out = false;
  std::string spawn_error;
};

// Runs the runner with `args`, stdout captured, stderr discarded, at most `timeout_seconds`.
// posix_spawn, not fork: safe in a multi-threaded host.
RunnerOutput RunRunner(const std::string& runner, const std::vector<std::string>& args,
                       int timeout_seconds) {
  RunnerOutput output;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    output.spawn_error = fmt::format("pipe() failed: {}", std::strerror(errno));
    return output;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<std::string> argv_strings = {runner};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  // Its own process group: on timeout the runner and the check processes it forked die together.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = -1;
  const int spawned =
      ::posix_spawn(&pid, runner.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (spawned != 0) {
    ::close(fds[0]);
    output.spawn_error = fmt::format("cannot start {}: {}", runner, std::strerror(spawned));
    return output;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      output.timed_out = true;
      break;
    }
    pollfd poll_fd = {fds[0], POLLIN, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.stdout_text.append(buffer, static_cast<size_t>(n));
    if (output.stdout_text.size() > (16u << 20)) break;  // no report is this large
  }
  ::close(fds[0]);
  if (output.timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!output.timed_out && WIFEXITED(status)) output.exit_status = WEXITSTATUS(status);
  return output;
}

// A failed check the host could not survive: the process died, hung or an exception escaped.
bool IsFatal(std::string_view reason) {
  for (std::string_view sign :
       {"crashed the check process", "timed out after", "without a result", "reached the runner"}) {
    if (reason.find(sign) != std::string_view::npos) return true;
  }
  return false;
}

ProbeVerdict Interpret(const RunnerOutput& output, const std::string& runner, int timeout_seconds) {
  ProbeVerdict verdict;
  if (!output.spawn_error.empty()) {
    verdict.detail = output.spawn_error;
    return verdict;
  }
  if (output.timed_out) {
    verdict.outcome = ProbeOutcome::kRejected;
    verdict.detail = fmt::format(
        "the conformance probe ({} in a child process) did not finish in {} s: the plugin hangs "
        "or is far too slow for a host; it is not loaded",
        kRunnerName, timeout_seconds);
    return verdict;
  }
  nlohmann::json report = nlohmann::json::parse(output.stdout_text, nullptr, false);
  if (report.is_discarded() || !report.is_object() || !report.contains("checks") ||
      !report["checks"].is_array()) {
    verdict.detail = fmt::format("{} gave no report (exit status {})", runner, output.exit_status);
    return verdict;
  }
  std::vector<std::string> failed;
  int passed = 0;
  for (const nlohmann::json& check : report["checks"]) {
    auto text = [&](const char* key) {
      return check.is_object() && check.contains(key) && check[key].is_string()
                 ? check[key].get<std::string>()
                 : std::string();
    };
    const std::string name = text("name");
    const std::string status = text("status");
    const std::string reason = text("reason");
    if (status == "pass") ++passed;
    if (status != "fail") continue;
    if (IsFatal(reason)) {
      verdict.outcome = ProbeOutcome::kRejected;
      verdict.detail = fmt::format(
          "the conformance probe ({} in a child process) shows it would take the host down: "
          "check {}: {}; it is not loaded (fix the plugin; `infercost-conformance --plugin PATH` "
          "gives the full report)",
          kRunnerName, name, reason);
      return verdict;
    }
    failed.push_back(name);
  }
  verdict.outcome = ProbeOutcome::kPassed;
  verdict.detail = failed.empty()
                       ? fmt::format("conformance probe passed ({} checks)", passed)
                       : fmt::format(
                             "conformance probe: no crash; {} checks passed, failed: {} (the host "
                             "checks every call)",
                             passed, fmt::join(failed, ", "));
  return verdict;
}

}  // namespace

std::string FindConformanceRunner(const PluginProbeOptions& options) {
  if (!options.runner_path.empty()) {
    return IsExecutableFile(options.runner_path) ? options.runner_path : "";
  }
  if (std::string env = Env("INFERCOST_CONFORMANCE_RUNNER"); !env.empty()) {
    return IsExecutableFile(env) ? env : "";
  }
  std::vector<fs::path> candidates;
  if (fs::path dir = RunningExecutableDir(); !dir.empty()) candidates.push_back(dir / kRunnerName);
#ifdef INFERCOST_BUILD_CONFORMANCE_RUNNER
  candidates.emplace_back(INFERCOST_BUILD_CONFORMANCE_RUNNER);
#endif
#ifdef INFERCOST_INSTALL_CONFORMANCE_RUNNER
  candidates.emplace_back(INFERCOST_INSTALL_CONFORMANCE_RUNNER);
#endif
  for (const fs::path& candidate : candidates) {
    if (IsExecutableFile(candidate)) return candidate.string();
  }
  return "";
}

ProbeVerdict ProbePlugin(const std::string& library_path, const PluginProbeOptions& options) {
  const std::string runner = FindConformanceRunner(options);
  if (runner.empty()) {
    ProbeVerdict verdict;
    const std::string named =
        !options.runner_path.empty() ? options.runner_path : Env("INFERCOST_CONFORMANCE_RUNNER");
    verdict.detail =
        named.empty()
            ? fmt::format(
                  "not probed: {} was not found (install the SDK's runner beside "
                  "infercost, or set INFERCOST_CONFORMANCE_RUNNER)",
                  kRunnerName)
            : fmt::format("not probed: the conformance runner {} is not an executable file", named);
    return verdict;
  }
  std::error_code error;
  fs::path absolute = fs::weakly_canonical(library_path, error);
  if (error) absolute = fs::absolute(library_path, error);
  const std::string key =
      fmt::format("{}\nplugin {} {}\nrunner {} {}\nchecks {}", kCacheFormat, absolute.string(),
                  FileStamp(absolute), runner, FileStamp(runner), kProbeChecks);
  const fs::path cache_dir = CacheDir(options);
  const fs::path cache_file =
      cache_dir.empty() ? fs::path()
                        : cache_dir / "plugin-probes" / fmt::format("{:016x}", Fnv1a64(key));
  if (!cache_file.empty()) {
    if (std::optional<ProbeVerdict> cached = ReadCache(cache_file, key)) return *cached;
  }
  const RunnerOutput output =
      RunRunner(runner,
                {"--plugin", absolute.string(), "--format", "json", "--only", kProbeChecks,
                 "--timeout", std::to_string(options.check_timeout_seconds)},
                options.total_timeout_seconds);
  ProbeVerdict verdict = Interpret(output, runner, options.total_timeout_seconds);
  if (!cache_file.empty() && verdict.outcome != ProbeOutcome::kNotProbed) {
    WriteCache(cache_file, key, verdict);
  }
  return verdict;
}

}  // namespace infercost::framework
