// `recountctl --data DIR [--ledger URL] backup FILE` and `restore FILE`: the hub database (hub.db,
// or the PostgreSQL ledger) copied out while the hub runs, and put back while it does not
// (hub/daemon/backup.hpp, docs/operations.md).
#pragma once

#include <filesystem>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// Writes the backup and prints its file and size. Exit 2 naming the problem: no --data, FILE
// exists, no hub database in DIR (or none in the ledger's database), a failed check or write, a
// failed pg_dump. Blocks for a read of the database.
CommandOutput backup_command(const HubData& hub, const std::filesystem::path& file);

// Restores FILE into DIR and prints where the replaced database was kept and whether catalog and
// task versions were carried above it. Exit 2 naming the problem: no --data, a hub running on
// DIR, a backup that is damaged, of another application or of a newer hub, a failed write (DIR's
// database is then untouched); with --ledger also another session on the ledger's database, an
// archive that is no hub ledger's, a failed pg_restore or psql (the database is then untouched).
// Blocks.
CommandOutput restore_command(const HubData& hub, const std::filesystem::path& file);

}  // namespace recount::hub
