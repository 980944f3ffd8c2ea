// What the host takes from a plugin's declared decode breaks (ABI 1.4 decode_breaks of attention
// variants and kernels): the count it returned checked, the staircases it wrote kept.
//
//   DeclaredStairs stairs(kMostDeclaredStaircases);  // on the stack: no allocation
//   ... table->decode_breaks(..., stairs.data(), stairs.size(), &count) ...
//   ASSIGN_OR_RETURN(bool known, TakeDeclaredStairs("attention kernel", "flash", count, stairs));
#ifndef INFERCOST_FRAMEWORK_ABI_CONTEXT_STAIRS_H_
#define INFERCOST_FRAMEWORK_ABI_CONTEXT_STAIRS_H_

#include <cstdint>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "infercost/c/attention_variant.h"

namespace infercost::framework {

// The capacity a host offers; a plugin that needs more staircases leaves the breaks to the
// host's search (a sum over that many would not be cheaper).
inline constexpr uint64_t kMostDeclaredStaircases = 16;
// What a plugin declared, held inline (a decode sum asks on every evaluation).
using DeclaredStairs = absl::InlinedVector<ic_context_stairs, kMostDeclaredStaircases>;

// `stairs` (kMostDeclaredStaircases entries, `count` of them written) cut to what the plugin
// declared: true when it declared (0 staircases: none in the range), false when it cannot tell
// (IC_BREAKS_UNKNOWN) or needs more than the capacity (`stairs` then empty). An error names the
// plugin (`kind` "attention kernel", `name` "flash") for a count below IC_BREAKS_UNKNOWN or a
// staircase with a period or count below 1.
absl::StatusOr<bool> TakeDeclaredStairs(std::string_view kind, std::string_view name, int64_t count,
                                        DeclaredStairs& stairs);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ABI_CONTEXT_STAIRS_H_
