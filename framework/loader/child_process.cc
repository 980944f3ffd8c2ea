#include "framework/loader/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "fmt/format.h"

extern char** environ;

namespace infercost::framework {
namespace {

constexpr size_t kMaxStdoutBytes = 16u << 20;
constexpr size_t kStderrTailBytes = 2048;

// Spawn attributes and file actions, destroyed with the object.
class SpawnSetup {
 public:
  SpawnSetup() {
    attributes_ok_ = posix_spawnattr_init(&attributes_) == 0;
    actions_ok_ = posix_spawn_file_actions_init(&actions_) == 0;
  }
  ~SpawnSetup() {
    if (attributes_ok_) posix_spawnattr_destroy(&attributes_);
    if (actions_ok_) posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // 0, or the errno of the first step that failed.
  int Prepare(int stdout_fd, int stderr_fd) {
    if (!attributes_ok_ || !actions_ok_) return ENOMEM;
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    for (int e :
         {posix_spawnattr_setflags(
              &attributes_, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP),
          posix_spawnattr_setsigdefault(&attributes_, &all),
          posix_spawnattr_setsigmask(&attributes_, &none),
          posix_spawnattr_setpgroup(&attributes_, 0),
          posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
          posix_spawn_file_actions_adddup2(&actions_, stdout_fd, STDOUT_FILENO),
          posix_spawn_file_actions_adddup2(&actions_, stderr_fd, STDERR_FILENO)}) {
      if (e != 0) return e;
    }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Descriptors the host opened without O_CLOEXEC stay out of the child and its plugin.
    if (int e = posix_spawn_file_actions_addclosefrom_np(&actions_, STDERR_FILENO + 1); e != 0) {
      return e;
    }
#endif
    return 0;
  }
  const posix_spawnattr_t* attributes() const { return &attributes_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attributes_;
  posix_spawn_file_actions_t actions_;
  bool attributes_ok_ = false;
  bool actions_ok_ = false;
};

enum class ReadState { kData, kNothingYet, kClosed };

// One read from the non-blocking `fd` into `out`.
ReadState ReadSome(int fd, std::string& out) {
  char buffer[4096];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n > 0) {
    out.append(buffer, static_cast<size_t>(n));
    return ReadState::kData;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return ReadState::kNothingYet;
  return ReadState::kClosed;
}

// Reads what is available now; false once the pipe is closed.
bool Drain(int fd, std::string& out) {
  ReadState state;
  while ((state = ReadSome(fd, out)) == ReadState::kData) {
  }
  return state != ReadState::kClosed;
}

}  // namespace

ChildResult RunChild(const std::vector<std::string>& argv, int timeout_seconds) {
  ChildResult result;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    result.spawn_error = fmt::format("pipe() failed: {}", std::strerror(errno));
    return result;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.spawn_error = fmt::format("pipe() failed: {}", std::strerror(errno));
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return result;
  }
  SpawnSetup setup;
  std::vector<std::string> strings = argv;
  std::vector<char*> args;
  for (std::string& s : strings) args.push_back(s.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  int spawned = setup.Prepare(out_pipe[1], err_pipe[1]);
  if (spawned == 0) {
    spawned =
        ::posix_spawn(&pid, args[0], setup.actions(), setup.attributes(), args.data(), environ);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    result.spawn_error = fmt::format("cannot start {}: {}", argv[0], std::strerror(spawned));
    return result;
  }
  for (int fd : {out_pipe[0], err_pipe[0]}) ::fcntl(fd, F_SETFL, O_NONBLOCK);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool out_open = true, err_open = true, exited = false, kill_group = false;
  int status = 0;
  std::string stderr_text;
  while (out_open || err_open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      result.timed_out = kill_group = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out_pipe[0] : -1, POLLIN, 0},
                     {err_open ? err_pipe[0] : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 200)));
    if (ready < 0 && errno != EINTR) {
      kill_group = true;
      break;
    }
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      out_open = Drain(out_pipe[0], result.stdout_text);
    }
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      err_open = Drain(err_pipe[0], stderr_text);
      if (stderr_text.size() > 4 * kStderrTailBytes) {
        stderr_text.erase(0, stderr_text.size() - kStderrTailBytes);
      }
    }
    if (result.stdout_text.size() > kMaxStdoutBytes) {
      kill_group = true;
      break;
    }
    // The child may be gone while another process (a fork of a host thread) still holds the
    // pipes: stop at its exit, after one last read of what it wrote.
    if (!exited) {
      const pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid || (done < 0 && errno == ECHILD)) {
        exited = true;
        if (out_open) Drain(out_pipe[0], result.stdout_text);
        if (err_open) Drain(err_pipe[0], stderr_text);
        break;
      }
    }
  }
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  if (kill_group) ::kill(-pid, SIGKILL);
  if (!exited) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (!result.timed_out && !kill_group && WIFEXITED(status)) {
    result.exit_status = WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.stderr_tail = stderr_text.size() > kStderrTailBytes
                           ? stderr_text.substr(stderr_text.size() - kStderrTailBytes)
                           : stderr_text;
  return result;
}

}  // namespace infercost::framework
