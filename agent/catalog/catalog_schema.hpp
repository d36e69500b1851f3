// The agent catalog's tables in the journal database (the site's catalog, floor users, recount
// tasks, unresolved scans) and their migrations (shared/storage/migrations.hpp).
#pragma once

#include "shared/storage/migrations.hpp"

namespace recount::agent {

// The "agent_catalog" component; an older journal's PRAGMA user_version maps onto it
// (kLastJournalSchema, agent/journal/journal_file.hpp).
storage::SchemaComponent catalog_schema();

}  // namespace recount::agent
