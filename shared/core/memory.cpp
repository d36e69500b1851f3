// Handing the C library's free heap memory back to the system.
#include "shared/core/memory.hpp"

#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace recount {

void release_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void map_large_allocations_apart(std::size_t threshold_bytes) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(threshold_bytes));
#else
  (void)threshold_bytes;
#endif
}

void use_one_malloc_arena() {
#if defined(__GLIBC__)
  mallopt(M_ARENA_MAX, 1);
#endif
}

}  // namespace recount
