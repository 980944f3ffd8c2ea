// Runs a helper program in a child process with a deadline and captures its output (used by the
// plugin probe to run the conformance runner).
//
// posix_spawn (safe in multi-threaded hosts), every signal at its default disposition and none
// blocked in the child whatever the host ignores or blocks, no descriptor of the host but stdin
// (/dev/null), stdout and stderr (pipes), its own process group, which is killed whole when the
// deadline passes or the output grows past its bound.
//
//   ChildResult r = RunChild({"/usr/bin/infercost-conformance", "--plugin", path}, 120);
//   if (r.exit_status == 0) Parse(r.stdout_text);
#ifndef INFERCOST_FRAMEWORK_LOADER_CHILD_PROCESS_H_
#define INFERCOST_FRAMEWORK_LOADER_CHILD_PROCESS_H_

#include <string>
#include <vector>

namespace infercost::framework {

struct ChildResult {
  std::string stdout_text;
  std::string stderr_tail;  // the last 2 KiB of stderr
  int exit_status = -1;     // -1: killed by a signal or at the deadline
  int signal = 0;           // the signal that ended it, if any
  bool timed_out = false;
  std::string spawn_error;  // non-empty: it never ran
};

// argv[0] is the program's path. At most `timeout_seconds` of wall time.
ChildResult RunChild(const std::vector<std::string>& argv, int timeout_seconds);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LOADER_CHILD_PROCESS_H_
