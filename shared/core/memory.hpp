// Handing the C library's free heap memory back to the system.
#pragma once

namespace recount {

// Returns to the system the pages of every malloc arena that hold no live allocation (glibc's
// malloc_trim; nothing elsewhere). glibc keeps memory freed in a thread's arena resident: the
// hub's MQTT messages are allocated on Paho's thread and freed on the io_context's, so after a
// backlog that arena stays as large as the biggest queue it ever held. Thread-safe; blocks while
// it walks every arena's free chunks, so callers do it when a burst of work has ended.
void release_free_memory();

}  // namespace recount
