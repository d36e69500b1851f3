// Dropping the pages of a spooled import body that an importer has read past, so that a file read
// front to back costs the hub a window of it, not its size (POSIX madvise, in spooled_body.cpp).
#pragma once

#include <string_view>

#include "hub/http/spooled_body.hpp"

namespace recount::hub {

// Drops the whole pages of `part` (a view of file.bytes()) from the process; they stay in the
// page cache and read back unchanged when touched again. Nothing for a view of other memory.
// Thread-safe; blocks on nothing.
void release_pages(const MappedFile& file, std::string_view part);

}  // namespace recount::hub
