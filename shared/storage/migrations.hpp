// The one migration runner: each component of a database (the hub's ledger, its catalog, the
// agent's journal, ...) has an ordered list of steps, and the versions of all components of a
// database live in one table, schema_versions. Safe when several processes open one at once.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/storage/connection.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::storage {

// One step of a component: `sql` runs first, then `code` when set (for the few steps that need
// more than SQL). Steps that have shipped are never edited: databases in the field ran them.
// Steps are SQLite's: their history is that of the files in the field.
struct MigrationStep {
  std::string_view sql;
  std::function<Result<void>(Database&)> code = {};
};

// The tables one piece of code owns in a database, and how they came to be: step i takes them
// from version i to i + 1, so the latest version is steps.size().
struct SchemaComponent {
  std::string name;     // its row in schema_versions: "ledger", "journal", ...
  std::string program;  // who to run instead when a newer one wrote the tables: "recount-hub"
  std::vector<MigrationStep> steps;
  // Where the version was kept before schema_versions (PRAGMA user_version, a meta table's row),
  // read only while schema_versions has no row for the component; unset: 0. It must run inside
  // the migration's transaction and read nothing but the legacy location.
  std::function<Result<int>(Database&)> legacy_version = {};
  // The tables on PostgreSQL, which has no history of files to replay: DDL that creates them at
  // `version` in one go, and the DDL of each version after it, upgrades[i] taking tables at
  // version + i to the next (a new database runs `sql` and then every upgrade). Tables made on
  // PostgreSQL at a version before `version` cannot be upgraded. Unset: the component does not
  // run on PostgreSQL yet.
  struct Postgres {
    int version = 0;
    std::string_view sql;
    std::vector<std::string_view> upgrades = {};
  };
  std::optional<Postgres> postgres = {};
};

// The component's version in `database`: its schema_versions row, else (SQLite) its legacy
// version, else 0 (a new database). Errors: kIo when the engine refuses.
Result<int> schema_version(Connection& database, const SchemaComponent& component);

// Brings each component, in the order given, to its latest version, all in one write transaction
// (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN and a transaction-level advisory lock): the versions
// are read again once the lock is held, so of several processes that open a new or older
// database at once, the first migrates and the others find nothing to do (they wait for the
// lock). All or nothing: after an error nothing has changed. A database whose components are all
// current is only read. Call outside any transaction. On PostgreSQL a new component is created
// from its `postgres` DDL, an older one upgraded by its `postgres` upgrades. Errors:
// kUnsupportedVersion when a component is newer than its steps (a newer program wrote it; the
// database is left untouched) or, on PostgreSQL, has no `postgres` DDL at its latest version or
// was made there before it; what a step returns; kIo when the engine refuses. Blocks.
Result<void> migrate(Connection& database, std::span<const SchemaComponent> components);

// The same inside a write transaction the caller began (Connection::begin) and ends: for a caller
// whose own writes must commit or roll back with the tables (recountctl migrate, which fills a
// new PostgreSQL database in the transaction that creates it). Takes the migration lock, then
// brings every component to its latest version. Errors: as migrate(); on an error the caller
// rolls back. Blocks.
Result<void> migrate_in_transaction(Connection& database, std::span<const SchemaComponent> components);

// Legacy version readers. PRAGMA user_version (0 on a new file).
Result<int> legacy_user_version(Database& database);
// The integer `value` of the row `name` = `key` in `table` (name TEXT, value INTEGER), 0 when the
// table or the row does not exist.
Result<int> legacy_meta_version(Database& database, std::string_view table, std::string_view key);

// A legacy_version reader for a component whose steps PRAGMA user_version once counted together
// with another component's: `reached` lists the user_version each of its steps reached, in order,
// and `last` is the highest user_version any program wrote. It returns how many of the steps the
// file had run; for a user_version above `last` one more than there are steps, so that the file
// is refused as newer, not migrated.
std::function<Result<int>(Database&)> shared_user_version(std::vector<int> reached, int last);

}  // namespace recount::storage
