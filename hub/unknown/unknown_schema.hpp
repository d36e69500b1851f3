// The unknown-barcode tables of the hub database (what devices could not resolve, per site and
// barcode, and the devices that scanned it) and their migrations (shared/storage/migrations.hpp).
#pragma once

#include "shared/core/result.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {

// The "unknown_barcodes" component. It came after schema_versions, so it has no legacy version.
storage::SchemaComponent unknown_barcodes_schema();

// Brings the tables to their latest version (storage::migrate). Errors: as storage::migrate
// (kUnsupportedVersion for tables of a newer recount-hub). Blocks.
Result<void> migrate_unknown_barcodes(storage::Connection& database);

}  // namespace recount::hub
