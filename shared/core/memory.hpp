// Handing the C library's free heap memory back to the system.
#pragma once

#include <cstddef>

namespace recount {

// Returns to the system the pages of every malloc arena that hold no live allocation (glibc's
// malloc_trim; nothing elsewhere). glibc keeps freed memory resident: without this, a heap
// stays as large as the most it ever held (the hub's, under a backlog: its queue of MQTT
// payloads and the work of its commits). Thread-safe; blocks while it walks every arena's free
// chunks (milliseconds for a heap of tens of MB), so callers bound how often they do it.
void release_free_memory();

// Makes every allocation of `threshold_bytes` or more a mapping of its own, returned to the system
// when it is freed (glibc's M_MMAP_THRESHOLD, fixed). By default glibc raises that threshold to
// the largest block freed so far, after which such blocks come from the heap, whose pages stay
// and which blocks of other lifetimes, allocated between them, fragment: the agent's catalog load
// frees a chunk's text (~0.3 MB) for each of hundreds of chunks, the hub an MQTT payload (~39 KB)
// for each batch. Each such block then costs a system call to map and one to unmap, and its pages
// are faulted in afresh. For processes with a memory budget. Call once at start, before other
// threads allocate; nothing elsewhere than glibc.
void map_large_allocations_apart(std::size_t threshold_bytes);

// Makes every thread allocate from the main malloc arena (glibc's mallopt(M_ARENA_MAX, 1);
// nothing elsewhere), so that memory freed on one thread is reused by the next allocation on any
// other instead of staying resident in the arena of the thread that allocated it. The price is
// one lock that threads allocating at the same moment share. Call at the start of main, before
// any thread starts; not thread-safe.
void use_one_malloc_arena();

}  // namespace recount
