// What every harness checks besides "no crash": a refused input carries a message (the project's
// rule: bad input gets a clear error). An empty message aborts, which the fuzzer reports.
#ifndef INFERCOST_FUZZ_FUZZ_CHECK_H_
#define INFERCOST_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"

namespace infercost::fuzz {

inline void CheckRefusal(const absl::Status& status) {
  if (!status.ok() && status.message().empty()) {
    std::fprintf(stderr, "fuzz: input refused with an empty message (code %d)\n",
                 static_cast<int>(status.code()));
    std::abort();
  }
}

}  // namespace infercost::fuzz

#endif  // INFERCOST_FUZZ_FUZZ_CHECK_H_
