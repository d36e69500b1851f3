// `recountctl --data DIR migrate sqlite-to-postgresql --ledger URL`: moves a stopped hub's
// database from its SQLite file into an empty PostgreSQL database (docs/scale-out.md, "Moving a
// hub to PostgreSQL").
#pragma once

#include <filesystem>
#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

// Copies DIR/hub.db into the PostgreSQL database at `url` in one transaction
// (hub/storage/database_copy.hpp), holding DIR's lock so that no hub starts meanwhile, then
// verifies the target's audit chain and prints per table the rows copied, the total and the
// seconds taken. The SQLite file keeps its content (the operator's way back). Exit 2 naming the
// problem, the target left as it was: no --data or --ledger, a hub running on DIR, no hub
// database in DIR, one that is damaged or not at this program's versions, a target that cannot be
// reached or already holds rows (a ledger with events), a table or column that differs, the server
// lost during the copy. Exit 1 when the copy committed but its audit chain does not verify.
// Blocks for the whole copy.
CommandOutput migrate_to_postgres_command(const std::filesystem::path& data_dir, const std::string& url);

}  // namespace recount::hub
