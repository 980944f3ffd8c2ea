#include "framework/abi/context_stairs.h"

#include "fmt/format.h"

namespace infercost::framework {

absl::StatusOr<bool> TakeDeclaredStairs(std::string_view kind, std::string_view name, int64_t count,
                                        DeclaredStairs& stairs) {
  if (count < 0 || static_cast<uint64_t>(count) > stairs.size()) {
    stairs.clear();
    if (count < IC_BREAKS_UNKNOWN) {
      return absl::InternalError(
          fmt::format("{} {} returned {} staircases from decode_breaks; the count is >= 0, or "
                      "IC_BREAKS_UNKNOWN (-1) when the plugin cannot tell",
                      kind, name, count));
    }
    return false;
  }
  stairs.resize(static_cast<size_t>(count));
  for (const ic_context_stairs& s : stairs) {
    if (s.period < 1 || s.count < 1) {
      const ic_context_stairs bad = s;
      stairs.clear();
      return absl::InternalError(
          fmt::format("{} {} declared a staircase of decode breaks with period {} and count {} "
                      "(first {}); both must be >= 1",
                      kind, name, bad.period, bad.count, bad.first));
    }
  }
  return true;
}

}  // namespace infercost::framework
