// Runs another program to its end, for what the hub hands to PostgreSQL's own tools (pg_dump,
// pg_restore, psql: hub/daemon/backup.hpp).
#pragma once

#include <string>
#include <vector>

#include "shared/core/result.hpp"

namespace recount::hub {

// Runs `argv` (argv[0] looked up on PATH, the environment passed on: PGPASSFILE, PGPASSWORD) with
// its standard input empty and its standard output discarded, and waits for it. Errors (kIo):
// it cannot be started, or it exits other than 0 or dies of a signal; the message names the
// program and ends with the last 4 KiB of what it wrote to its standard error. Blocks.
Result<void> run_program(const std::vector<std::string>& argv);

}  // namespace recount::hub
