// The check of a plugin's declared decode breaks (ABI 1.4 decode_breaks of attention variants
// and kernels), shared by both kinds: what the plugin computes at every context must be affine
// wherever it declares no break, and every break of one staircase must jump alike.
#ifndef INFERCOST_SDK_CONFORMANCE_DECODE_BREAKS_CHECK_H_
#define INFERCOST_SDK_CONFORMANCE_DECODE_BREAKS_CHECK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common.h"
#include "host.h"
#include "infercost/c/attention_variant.h"

namespace infercost::conformance {

// The contexts checked one by one: 1 .. kLastCheckedContext + 1; beyond, up to
// kFarthestCheckedContext + 1, a few in each doubling of the context (ask the plugin for
// 1 .. kFarthestCheckedContext + 1).
inline constexpr int64_t kLastCheckedContext = 4096;
inline constexpr int64_t kFarthestCheckedContext = int64_t{1} << 20;
// The staircases a check offers room for.
inline constexpr uint64_t kOfferedStaircases = 64;

// A plugin's side of the check: its declaration for the decode steps of `stage` (the count it
// returned, staircases into `stairs`, `error` set when the call failed), and its numbers of a
// decode step of `stage` at `context` (empty when the call failed, the failure added to
// `problems`).
using DeclareBreaks = std::function<int64_t(
    const ic_stage& stage, std::vector<ic_context_stairs>& stairs, ErrorInfo& error)>;
using StepNumbers =
    std::function<std::vector<double>(const ic_stage& stage, int64_t context, Problems& problems)>;

// invariants.decode_breaks for decode steps of batch 1, 16 (tp 1) and 1, 3 (tp 2, when
// `accepts_tp2`): at every context 2 .. kLastCheckedContext the plugin's `numbers` must be
// affine wherever no break is declared and every break of one staircase must jump alike; beyond
// (each doubling up to kFarthestCheckedContext), the first stretch without a declared break must
// be affine end to end and the first break of each staircase jump as its earlier ones.
// `input`, when given, is what the plugin was handed (a kernel's input records): where it is not
// affine the plugin's numbers need not be either. `what` names the numbers in the messages.
CheckResult CheckDecodeBreaks(const std::string& what, bool accepts_tp2,
                              const DeclareBreaks& declare, const StepNumbers& numbers,
                              const StepNumbers& input);

}  // namespace infercost::conformance

#endif  // INFERCOST_SDK_CONFORMANCE_DECODE_BREAKS_CHECK_H_
