// The hub catalog's tables in the hub database (items, barcodes, locations, the published
// version, floor users) and their migrations (shared/storage/migrations.hpp).
#pragma once

#include "shared/core/result.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {

// The "hub_catalog" component; an older hub.db's PRAGMA user_version maps onto it
// (kLastHubSchema, hub/ledger/schema.hpp).
storage::SchemaComponent catalog_schema();

// Brings the catalog's tables to their latest version (storage::migrate). Errors: as
// storage::migrate (kUnsupportedVersion for tables of a newer recount-hub). Blocks.
Result<void> migrate_catalog(storage::Connection& database);

// Makes the imports' staging tables (step 3: import_items, import_barcodes, import_locations,
// import_users, import_user_sites) ready and empty; call it inside the import's write
// transaction. SQLite: the tables of step 3, emptied. PostgreSQL: temporary tables of the
// session, made when missing (ON COMMIT DELETE ROWS: no other session sees them, every commit
// empties them). Errors: kIo. Blocks.
Result<void> begin_import_staging(storage::Connection& database);

// Empties the staging tables, which an import fills inside its write transaction and leaves
// empty when it commits. Errors: kIo. Blocks.
Result<void> clear_import_staging(storage::Connection& database);

}  // namespace recount::hub
