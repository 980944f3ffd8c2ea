// Counts the heap allocations this benchmark binary makes (global operator new replaced in
// allocation_counter.cc), so that a benchmark can report how many one evaluation makes.
//
//   const int64_t before = bench::AllocationCount();
//   ...;  // the code measured
//   state.counters["allocations"] = AllocationCount() - before;
#ifndef INFERCOST_BENCH_ALLOCATION_COUNTER_H_
#define INFERCOST_BENCH_ALLOCATION_COUNTER_H_

#include <cstdint>

namespace infercost::bench {

// Calls of operator new (any thread) since the program started.
int64_t AllocationCount();

}  // namespace infercost::bench

#endif  // INFERCOST_BENCH_ALLOCATION_COUNTER_H_
