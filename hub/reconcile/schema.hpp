// The reconciliation tables (prefixed reconcile_) in the hub's database, and their migrations.
// They live beside the ledger's tables so a batch, its projections and its audit entries commit
// in one transaction. Their version is kept in reconcile_meta, apart from the ledger's
// PRAGMA user_version, so the two sets of migrations never step on each other.
#pragma once

#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub::reconcile {

// The reconciliation schema version this build writes and understands.
int reconcile_schema_version();

// Brings the reconciliation tables up to reconcile_schema_version(), one transaction per
// migration: call it at startup, outside any transaction. Errors: kUnsupportedVersion when a
// newer recount-hub wrote the tables (nothing is changed), kIo when SQLite refuses. Blocks.
Result<void> migrate_reconcile(storage::Database& database);

}  // namespace recount::hub::reconcile
