// Confining the process that decodes an untrusted frame (`recount-agent decode --sandbox`).
#pragma once

#include <filesystem>
#include <vector>

#include "shared/core/result.hpp"

namespace recount::agent {

// From here on this process may read `files` and nothing else on the file system, nor write,
// create, remove, rename, truncate or execute anything there, nor bind or connect TCP sockets,
// nor signal or reach the abstract sockets of processes outside it, as far as the kernel's
// Landlock goes (files from Linux 5.13, truncation 6.2, TCP 6.7, signals 6.12); and it can gain
// no privileges (no_new_privs). A frame that takes over its decoder finds the agent's journal
// out of reach.
// Descriptors already open (stdout) are not affected. A file that cannot be opened gets no rule
// (reading it then fails as it would have). Returns whether Landlock confined the process: false
// where the kernel offers none (older than 5.13, turned off, or qemu's user-mode emulation),
// which leaves it as it was but for no_new_privs. Errors (kIo): the kernel refused a step it
// offers.
Result<bool> confine_to_reading(const std::vector<std::filesystem::path>& files);

}  // namespace recount::agent
