// The reconciliation tables (prefixed reconcile_) in the hub's database, and their migrations.
// They live beside the ledger's tables so a batch, its projections and its audit entries commit
// in one transaction. They are their own component ("reconcile") of schema_versions
// (shared/storage/migrations.hpp); older hubs kept their version in reconcile_meta.
#pragma once

#include "shared/core/result.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub::reconcile {

// The "reconcile" component.
storage::SchemaComponent reconcile_schema();

// The reconciliation schema version this build writes and understands.
int reconcile_schema_version();

// Brings the reconciliation tables up to reconcile_schema_version() (storage::migrate, one
// transaction): call it at startup, outside any transaction. On PostgreSQL new tables are made at
// the latest version in one go. Errors: kUnsupportedVersion when a newer recount-hub wrote the
// tables (nothing is changed) or, on PostgreSQL, an older one; kIo when the engine refuses. Blocks.
Result<void> migrate_reconcile(storage::Connection& database);

}  // namespace recount::hub::reconcile
