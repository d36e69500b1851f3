// The ledger's tables in the hub database (events, cursors, devices, dead letters, the audit log,
// the hub's journal epoch, conflicts, quotas) and their migrations (shared/storage/migrations.hpp).
#pragma once

#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/connection.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {

// Until the ledger and the hub catalog were versioned apart in schema_versions, one PRAGMA
// user_version (the "hub schema") counted the steps of both: hub schema 1, 3, 5 and 6 are the
// ledger's versions 1 to 4, hub schema 2 and 4 the catalog's 1 and 2
// (hub/catalog/catalog_schema.hpp). An older hub.db maps onto both.
inline constexpr int kLastHubSchema = 6;

// The hub schema (the legacy user_version) whose audit entries first recorded the digest of their
// events, and whose events table became append-only; the audit.events_recorded entry names it.
inline constexpr int kEventsRecordedVersion = 5;

// The ledger component. `wall` stamps the audit.events_recorded entry of the step that makes
// events append-only, which records the digest of the events stored before it, if any.
storage::SchemaComponent ledger_schema(WallClock wall);

// The ledger's latest version.
int current_schema_version();

// The ledger's version in the database (0: a new file). Errors: kIo.
Result<int> schema_version(storage::Connection& database);

// Brings the ledger's tables to current_schema_version() (storage::migrate: one transaction,
// safe against other processes), on SQLite or PostgreSQL. Errors: kUnsupportedVersion when the
// database was written by a newer recount-hub (it is left untouched), kIo when the engine
// refuses. Blocks on disk I/O; uses `database` like any other caller (one thread at a time).
Result<void> migrate(storage::Connection& database, WallClock wall = system_wall_clock());

}  // namespace recount::hub
