#include "isolate.h"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>

namespace infercost::conformance {
namespace {

// The pipe a child writes its progress and result to; -1 in the parent.
int g_result_fd = -1;
// The last Progress() step (written by the check's main thread only).
std::string g_step;

// Cuts reasons that would flood a report.
constexpr size_t kMaxReasonBytes = 4000;

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      ++i;
      out += text[i] == 'n' ? '\n' : text[i];
    } else {
      out += text[i];
    }
  }
  return out;
}

void WriteAll(int fd, const std::string& data) {
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    written += static_cast<size_t>(n);
  }
}

std::string Truncate(std::string text) {
  if (text.size() > kMaxReasonBytes) {
    text.resize(kMaxReasonBytes);
    text += " ...";
  }
  return text;
}

// Wire format, one record per line: "progress=STEP", "status=pass|fail|skip", "reason=TEXT",
// "info.KEY=VALUE"; values escaped (backslash, newline).
std::string Serialize(const CheckResult& result) {
  const char* status = result.status == Status::kPass   ? "pass"
                       : result.status == Status::kFail ? "fail"
                                                        : "skip";
  std::string out = Cat("status=", status, "\nreason=", Escape(Truncate(result.reason)),
                        "\noutcome=", result.outcome, "\n");
  for (const auto& [key, value] : result.info) {
    out += Cat("info.", key, "=", Escape(Truncate(value)), "\n");
  }
  out += "end=1\n";
  return out;
}

// Reads the child's records as they arrive, keeping only what the report needs (the last
// progress step and the result), so a long run of progress lines costs no memory.
class ChildReport {
 public:
  void Feed(const char* data, size_t size) {
    pending_.append(data, size);
    size_t start = 0;
    for (size_t end; (end = pending_.find('\n', start)) != std::string::npos; start = end + 1) {
      Line(pending_.substr(start, end - start));
    }
    pending_.erase(0, start);  // keep a partial last line for the next read
    if (pending_.size() > (1u << 20)) pending_.clear();  // no newline in 1 MiB: garbage
  }
  const std::optional<CheckResult>& result() const { return result_; }
  const std::string& last_progress() const { return last_progress_; }

 private:
  void Line(const std::string& line) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) return;
    const std::string key = line.substr(0, eq);
    const std::string value = Unescape(line.substr(eq + 1));
    if (key == "progress") {
      last_progress_ = value;
    } else if (key == "status") {
      partial_.status = value == "pass"   ? Status::kPass
                        : value == "skip" ? Status::kSkip
                                          : Status::kFail;
    } else if (key == "reason") {
      partial_.reason = value;
    } else if (key == "outcome") {
      partial_.outcome = value;
    } else if (key.rfind("info.", 0) == 0) {
      partial_.info[key.substr(5)] = value;
    } else if (key == "end") {
      result_ = partial_;
    }
  }

  std::string pending_;
  CheckResult partial_;
  std::optional<CheckResult> result_;  // set once "end=1" arrived
  std::string last_progress_;
};

// The parent names the signal a check died of, so this process must die of the signal itself.
// A sanitizer's handler would hide it (ASan turns SIGSEGV into a report and exit(1)), and the
// sanitizers intercept signal()/sigaction() and may ignore a request to drop their handler: ask
// the kernel directly. The kernel's struct for rt_sigaction; SIG_DFL needs no restorer.
void RestoreDefaultCrashSignals() {
#if defined(__linux__)
  struct KernelSigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
  };
  for (int signal_number : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    KernelSigaction action = {SIG_DFL, 0, nullptr, 0};
    ::syscall(SYS_rt_sigaction, signal_number, &action, nullptr, sizeof(action.mask));
  }
#endif
}

[[noreturn]] void RunChild(const std::function<CheckResult()>& body, int fd) {
  g_result_fd = fd;
  // Plugin output must not corrupt the report on stdout (JSON): send it to stderr.
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  // A crashing plugin is expected here; do not leave core files behind.
  struct rlimit no_core = {0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  RestoreDefaultCrashSignals();
  CheckResult result;
  try {
    result = body();
  } catch (const CheckFailed& e) {
    result.status = Status::kFail;
    result.reason = e.what();
  } catch (const CheckSkipped& e) {
    result.status = Status::kSkip;
    result.reason = e.what();
  } catch (const std::exception& e) {
    result.status = Status::kFail;
    result.reason = Cat("an exception reached the runner: ", e.what());
    result.outcome = "exception";
  } catch (...) {
    result.status = Status::kFail;
    result.reason = "a non-standard exception reached the runner (thrown through the C ABI?)";
    result.outcome = "exception";
  }
  WriteAll(fd, Serialize(result));
  ::close(fd);
  ::_exit(0);  // no atexit handlers or static destructors: the plugin may have broken them
}

}  // namespace

void Progress(const std::string& step) {
  if (g_result_fd < 0) return;
  g_step = step;
  WriteAll(g_result_fd, Cat("progress=", Escape(step), "\n"));
}

void ProgressCall(const std::string& call) {
  if (g_result_fd < 0) return;
  WriteAll(g_result_fd,
           Cat("progress=", Escape(g_step.empty() ? call : g_step + " -> " + call), "\n"));
}

std::string SignalDescription(int signal_number) {
  struct Named {
    int number;
    const char* name;
  };
  static const Named kSignals[] = {
      {SIGSEGV, "SIGSEGV"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
      {SIGILL, "SIGILL"},   {SIGTRAP, "SIGTRAP"}, {SIGKILL, "SIGKILL"}, {SIGTERM, "SIGTERM"},
      {SIGPIPE, "SIGPIPE"}, {SIGSYS, "SIGSYS"},   {SIGXCPU, "SIGXCPU"}, {SIGINT, "SIGINT"},
      {SIGHUP, "SIGHUP"},   {SIGQUIT, "SIGQUIT"}, {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"},
      {SIGALRM, "SIGALRM"}, {SIGXFSZ, "SIGXFSZ"}};
  std::string name = Cat("signal ", signal_number);
  for (const Named& s : kSignals) {
    if (s.number == signal_number) name = s.name;
  }
  const char* description = ::strsignal(signal_number);
  return description != nullptr ? Cat(name, " (", description, ")") : name;
}

CheckResult RunIsolated(const std::function<CheckResult()>& body, int timeout_seconds) {
  int fds[2];
  if (::pipe(fds) != 0) {
    return {Status::kFail,
            Cat("runner error: pipe() failed: ", std::strerror(errno)),
            {},
            "runner-error"};
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return {Status::kFail,
            Cat("runner error: fork() failed: ", std::strerror(errno)),
            {},
            "runner-error"};
  }
  if (pid == 0) {
    ::close(fds[0]);
    RunChild(body, fds[1]);
  }
  ::close(fds[1]);

  // Read what the child writes while waiting for it, so a chatty child never blocks on a full
  // pipe; kill it at the deadline.
  ChildReport report;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool pipe_open = true;
  bool timed_out = false;
  int wait_status = 0;
  bool exited = false;
  while (true) {
    if (pipe_open) {
      struct pollfd pfd = {fds[0], POLLIN, 0};
      if (::poll(&pfd, 1, 20) > 0) {
        char buffer[4096];
        const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
        if (n > 0) {
          report.Feed(buffer, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          pipe_open = false;
        }
      }
    } else {
      ::usleep(5000);
    }
    if (!exited) {
      const pid_t done = ::waitpid(pid, &wait_status, WNOHANG);
      // ECHILD: the child was reaped already (a parent that ignores SIGCHLD reaps automatically
      // and keeps no status; the runner's main() restores SIGCHLD, this is the last guard).
      if (done == pid || (done < 0 && errno == ECHILD)) exited = true;
    }
    if (exited && !pipe_open) break;
    if (exited && pipe_open) {
      // Drain what is left; a grandchild holding the pipe open must not hang the runner.
      if (std::chrono::steady_clock::now() > deadline) break;
      continue;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &wait_status, 0);
      break;
    }
  }
  ::close(fds[0]);

  const std::string where =
      report.last_progress().empty() ? "" : Cat(" during: ", report.last_progress());
  if (timed_out) {
    return {
        Status::kFail, Cat("timed out after ", timeout_seconds, " s (killed)", where), {}, "hang"};
  }
  if (WIFSIGNALED(wait_status)) {
    return {Status::kFail,
            Cat("the plugin crashed the check process with ",
                SignalDescription(WTERMSIG(wait_status)), where),
            {},
            "crashed"};
  }
  if (!report.result().has_value()) {
    const int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    return {Status::kFail,
            Cat("the check process exited with status ", code,
                " without a result (did the plugin call exit()?)", where),
            {},
            "exited"};
  }
  return *report.result();
}

}  // namespace infercost::conformance
