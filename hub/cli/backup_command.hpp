// `recountctl --data DIR backup FILE` and `restore FILE`: the hub database copied out while the
// hub runs, and put back while it does not (hub/daemon/backup.hpp, docs/operations.md).
#pragma once

#include <filesystem>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// Writes the backup and prints its file and size. Exit 2 naming the problem: no --data, FILE
// exists, no hub database in DIR, a failed check or write. Blocks for a read of the database.
CommandOutput backup_command(const std::filesystem::path& data_dir, const std::filesystem::path& file);

// Restores FILE into DIR and prints where the replaced database was kept and whether catalog and
// task versions were carried above it. Exit 2 naming the problem: no --data, a hub running on
// DIR, a backup that is damaged, of another application or of a newer hub, a failed write (DIR's
// database is then untouched). Blocks.
CommandOutput restore_command(const std::filesystem::path& data_dir, const std::filesystem::path& file);

}  // namespace recount::hub
