#include "allocation_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace infercost::bench {
namespace {

std::atomic<int64_t> allocations{0};

}  // namespace

int64_t AllocationCount() { return allocations.load(std::memory_order_relaxed); }

}  // namespace infercost::bench

// The global allocation functions, counting. new[] and the nothrow forms call these by default.
void* operator new(std::size_t size) {
  infercost::bench::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept { std::free(p); }

void operator delete(void* p, std::size_t) noexcept { std::free(p); }
