// Every schema component of the hub database, in one list: what a copy of the whole database
// (recountctl migrate sqlite-to-postgresql) creates and reads, and what the parity test compares.
#pragma once

#include <vector>

#include "shared/core/hlc.hpp"
#include "shared/storage/migrations.hpp"

namespace recount::hub {

// The components of hub.db (docs/storage.md, "Schemas and migrations"), each owner's own
// SchemaComponent, in the order they may be migrated (the ledger's first: reconciliation's
// PostgreSQL DDL reads the events table). `wall` is the ledger's clock, for its step 3's audit
// entry. A component added to the hub is added here. Thread-safe.
std::vector<storage::SchemaComponent> hub_schema_components(WallClock wall = system_wall_clock());

}  // namespace recount::hub
