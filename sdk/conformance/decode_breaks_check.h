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
#include "infercost/c/attention_variant.h"

namespace infercost::conformance {

// The contexts checked: 1 .. kLastCheckedContext + 1 (ask the plugin for this range).
inline constexpr int64_t kLastCheckedContext = 4096;

// Checks `stairs` (what decode_breaks declared for the steps named `steps`) against
// `values(c)`, the plugin's numbers of a decode step at context c (empty when the call failed).
// `input(c)`, when given, is what the plugin was handed (a kernel's input records): where it is
// not affine the plugin's numbers need not be either. Problems are added to `problems`; the
// number of declared breaks seen is added to `declared`.
void CheckDeclaredBreaks(const std::string& steps, const std::vector<ic_context_stairs>& stairs,
                         const std::function<std::vector<double>(int64_t)>& values,
                         const std::function<std::vector<double>(int64_t)>& input,
                         Problems& problems, int& declared);

}  // namespace infercost::conformance

#endif  // INFERCOST_SDK_CONFORMANCE_DECODE_BREAKS_CHECK_H_
