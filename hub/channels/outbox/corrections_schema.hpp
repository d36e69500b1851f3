// The corrections outbox tables of the hub database (what each connected system must be told after
// a resolution, and how far that got) and their migrations (shared/storage/migrations.hpp).
#pragma once

#include "shared/core/result.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub::channels {

// The "corrections" component. It came after schema_versions, so it has no legacy version.
storage::SchemaComponent corrections_schema();

// Brings the tables to their latest version (storage::migrate). Errors: as storage::migrate
// (kUnsupportedVersion for tables of a newer recount-hub). Blocks.
Result<void> migrate_corrections(storage::Connection& database);

}  // namespace recount::hub::channels
