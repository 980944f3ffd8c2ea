// infercost-conformance — shared vocabulary of the runner: check results, Fail()/Skip() for
// check bodies, problem lists and string helpers.
//
// The runner sees only the C ABI headers (infercost/c/*.h) and the C++ standard library; it
// never links the framework, so a vendor can run it on its own binary with only the SDK.
#ifndef INFERCOST_SDK_CONFORMANCE_COMMON_H_
#define INFERCOST_SDK_CONFORMANCE_COMMON_H_

#include <cstdint>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace infercost::conformance {

enum class Status { kPass, kFail, kSkip };

// What one check found: pass/fail/skip, a human reason, and key=value facts (the handshake
// returns the plugin's name, kind and flags this way).
// How a check's process ended, for hosts that read the JSON report (the infercost probe): it
// "returned" a result, or the plugin "crashed" it (a signal), made it "hang" (killed at the time
// limit), "exited" without a result, or let an "exception" escape the C ABI. "runner-error":
// the runner itself failed (pipe, fork). Never inferred from the reason's wording.
struct CheckResult {
  Status status = Status::kPass;
  std::string reason;
  std::map<std::string, std::string> info;
  std::string outcome = "returned";
};

// Thrown by check bodies; the isolation layer turns them into a CheckResult.
class CheckFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class CheckSkipped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void Fail(const std::string& reason) { throw CheckFailed(reason); }
[[noreturn]] inline void Skip(const std::string& reason) { throw CheckSkipped(reason); }

// Concatenates anything streamable.
template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

// A double with enough digits to tell two values apart in a message.
std::string Num(double value);

// Collects the problems a check finds so that it reports all of them (up to a limit), not
// just the first.
class Problems {
 public:
  void Add(const std::string& problem) { problems_.push_back(problem); }
  bool empty() const { return problems_.empty(); }
  size_t size() const { return problems_.size(); }
  // Fails with the collected problems ("a; b; c (and 4 more)") if there are any.
  void FailIfAny(const std::string& prefix = "") const;

 private:
  std::vector<std::string> problems_;
};

// Reports progress from inside an isolated check: if the plugin then crashes or hangs, the
// runner names the last step reached. No-op outside an isolated child.
void Progress(const std::string& step);
// Reports the plugin function about to be called, after the current Progress() step.
void ProgressCall(const std::string& call);

}  // namespace infercost::conformance

#endif  // INFERCOST_SDK_CONFORMANCE_COMMON_H_
