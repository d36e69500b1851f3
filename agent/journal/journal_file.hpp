// The journal's file: its tables and their migrations, and creating it so that DIR/journal.db
// either does not exist or holds a complete journal, even when several processes create it at once.
#pragma once

#include <cstdint>
#include <filesystem>

#include "agent/journal/journal.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/migrations.hpp"

namespace recount::agent {

// Until the journal and the agent catalog were versioned apart in schema_versions, PRAGMA
// user_version (the "journal schema") counted the steps of both: journal schema 1, 3 and 5 are the
// journal's versions 1 to 3, journal schema 2 and 4 the catalog's 1 and 2
// (agent/catalog/catalog_schema.hpp).
inline constexpr int kLastJournalSchema = 5;

// The "journal" component: meta and events.
storage::SchemaComponent journal_schema();

// Creates `file` holding a journal of `identity`, unless it exists: the journal is built under a
// name of this process's own and hard-linked into place, which fails when another process got
// there first; then that one's journal is kept and this one's discarded (the caller finds out
// which when it reads the identity). Errors: kIo when the directory refuses. Blocks on fsync.
Result<void> create_journal_file(const std::filesystem::path& file, const JournalIdentity& identity,
                                 std::int64_t now_ms);

}  // namespace recount::agent
