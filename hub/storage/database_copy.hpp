// Copies a whole hub database from its SQLite file into a new PostgreSQL database, for moving a
// stopped hub onto PostgreSQL (recountctl migrate sqlite-to-postgresql, docs/scale-out.md).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/storage/connection.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {

struct CopiedTable {
  std::string name;
  std::int64_t rows = 0;
};

struct DatabaseCopy {
  std::vector<CopiedTable> tables;  // in the order copied
  std::int64_t rows = 0;            // of every table
};

// Called after each page a table's copy writes, with the table and its rows copied so far.
using CopyProgress = std::function<void(const std::string& table, std::int64_t rows)>;

// Rows per page read from the source and written with one INSERT (fewer for a table of many
// columns: PostgreSQL takes at most 65,535 parameters per statement).
inline constexpr std::int64_t kCopyPageRows = 1000;

// Copies every table of `source` (a hub database whose `components` are all at their latest
// version) into `target`, a PostgreSQL database without rows in any table, in ONE transaction of
// `target`: it creates the components' tables at their latest version (storage::
// migrate_in_transaction), removes the rows their DDL seeds (the hub's journal epoch, the catalog
// version, ...) and copies every row with its values as stored, ids and keys included (the events'
// rowid too); it moves identity sequences above the copied ids and checks that each table holds as
// many rows as the source's. Tables are those the target has once migrated: a source table or
// column the target lacks is an error naming it, and so is a target table the source lacks. Not
// copied: SQLite's own tables (sqlite_*), schema_versions (the target's are written by the
// migration) and tables the target has only as a session's temporary tables (the catalog's import
// staging), which must be empty. The source is read in one snapshot, in keyset pages of at most
// kCopyPageRows rows, so memory stays bounded by a page; `source` is only read.
//
// Errors, leaving the target as it was (the transaction rolls back): kConflict when the target
// holds rows (naming the table; for events "already holds a ledger"), kUnsupportedVersion when
// a component of the source is not at its latest version, kInvalidInput when `target` is not
// PostgreSQL, kCorrupt when a table or column differs between the two or a value is not of its
// column's kind, kIo (and the other errors of the engines) when either refuses a statement or
// the server is lost. Blocks; `progress`, when set, runs on the calling thread.
Result<DatabaseCopy> copy_to_postgres(storage::Database& source, storage::Connection& target,
                                      std::span<const storage::SchemaComponent> components,
                                      const CopyProgress& progress = {});

}  // namespace recount::hub
