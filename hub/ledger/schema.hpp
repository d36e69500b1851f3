// The hub database's schema and its migrations: PRAGMA user_version says which migrations ran.
#pragma once

#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {

// The schema version this build writes and understands.
int current_schema_version();

// The first version whose audit entries record the digest of their events (and whose events
// table is append-only): a database migrated from an older one has events no entry records yet.
inline constexpr int kEventsRecordedVersion = 5;

// The database's schema version (0: a new file). Errors: kIo.
Result<int> schema_version(storage::Database& database);

// Brings the database up to current_schema_version(), one transaction per migration, so a
// crash between migrations leaves a database at a known version. Errors: kUnsupportedVersion
// when the file was written by a newer recount-hub (it is left untouched), kIo when SQLite
// refuses. Blocks on disk I/O; uses `database` like any other caller (one thread at a time).
Result<void> migrate(storage::Database& database);

}  // namespace recount::hub
