// Handing the C library's free heap memory back to the system.
#pragma once

namespace recount {

// Returns to the system the pages of every malloc arena that hold no live allocation (glibc's
// malloc_trim; nothing elsewhere). glibc keeps memory freed in a thread's arena resident: the
// hub's MQTT messages are allocated on Paho's thread and freed on the io_context's, so after a
// backlog that arena stays as large as the biggest queue it ever held. Thread-safe; blocks while
// it walks every arena's free chunks, so callers do it when a burst of work has ended.
void release_free_memory();

// Makes every allocation of 128 KiB or more a mapping of its own, returned to the system when it
// is freed (glibc's M_MMAP_THRESHOLD, fixed). By default glibc raises that threshold to the largest
// block freed so far, after which such blocks come from the heap, whose pages stay: the agent's
// catalog load frees a chunk's text (~0.3 MB) for each of hundreds of chunks. For processes with
// a memory budget (the agent). Call once at start, before other threads allocate; nothing
// elsewhere than glibc.
void map_large_allocations_apart();

}  // namespace recount
