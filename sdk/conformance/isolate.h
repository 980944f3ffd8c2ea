// infercost-conformance — runs one check in a forked child process.
//
// The child loads the plugin itself (the parent never does), runs the check and sends its
// CheckResult back through a pipe. A child that crashes, exits without a result or runs past
// the timeout still yields a result: a failure naming the signal (and the last Progress() step).
//
//   CheckResult r = RunIsolated([&] { return RunHandshake(path); }, /*timeout_s=*/60);
#ifndef INFERCOST_SDK_CONFORMANCE_ISOLATE_H_
#define INFERCOST_SDK_CONFORMANCE_ISOLATE_H_

#include <functional>
#include <string>

#include "common.h"

namespace infercost::conformance {

CheckResult RunIsolated(const std::function<CheckResult()>& body, int timeout_seconds);

// "SIGSEGV (Segmentation fault)".
std::string SignalDescription(int signal_number);

}  // namespace infercost::conformance

#endif  // INFERCOST_SDK_CONFORMANCE_ISOLATE_H_
