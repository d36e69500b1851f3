// The migration runner over schema_versions.
#include "shared/storage/migrations.hpp"

#include <optional>
#include <utility>

#include "shared/storage/statement_set.hpp"

namespace recount::storage {
namespace {

// The catalog of the engine holds every table; reading it needs no table of ours to exist.
Result<bool> table_exists(Connection& database, std::string_view table) {
  auto query = database.prepare(database.dialect() == Dialect::kSqlite
                                    ? "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1"
                                    : "SELECT 1 FROM information_schema.tables"
                                      " WHERE table_schema = current_schema() AND table_name = ?1");
  if (!query) return query.error();
  auto found = first_int(query->bind(1, table));
  if (!found) return found.error();
  return found->has_value();
}

Result<std::optional<int>> recorded_version(Connection& database, std::string_view component) {
  auto exists = table_exists(database, "schema_versions");
  if (!exists) return exists.error();
  if (!*exists) return std::optional<int>{};
  auto query = database.prepare("SELECT version FROM schema_versions WHERE component = ?1");
  if (!query) return query.error();
  auto version = first_int(query->bind(1, component));
  if (!version) return version.error();
  if (!*version) return std::optional<int>{};
  return std::optional<int>{static_cast<int>(**version)};
}

int latest_version(const SchemaComponent& component) { return static_cast<int>(component.steps.size()); }

Error newer_than_known(Connection& database, const SchemaComponent& component, int version) {
  return Error{ErrorCode::kUnsupportedVersion, "",
               "the " + component.name + " tables of " + database.name() + " have version " + std::to_string(version) +
                   " but this " + component.program + " knows versions up to " +
                   std::to_string(latest_version(component)) + "; run a newer " + component.program};
}

// Whether every component is at its latest version, and none is newer. Reads only.
Result<bool> all_current(Connection& database, std::span<const SchemaComponent> components) {
  for (const auto& component : components) {
    auto version = schema_version(database, component);
    if (!version) return version.error();
    if (*version > latest_version(component)) return newer_than_known(database, component, *version);
    if (*version < latest_version(component)) return false;
  }
  return true;
}

// SQLite: the steps after the file's version, in order.
Result<void> run_steps(Database& database, const SchemaComponent& component, int version) {
  for (auto next = static_cast<std::size_t>(version); next < component.steps.size(); ++next) {
    const MigrationStep& step = component.steps[next];
    if (auto ok = database.execute(step.sql); !ok) return ok;
    if (step.code) {
      if (auto ok = step.code(database); !ok) return ok;
    }
  }
  return {};
}

// PostgreSQL: a new component is created from its DDL, an older one upgraded, to its latest
// version.
Result<void> run_on_postgres(Connection& database, const SchemaComponent& component, int version) {
  const auto& postgres = component.postgres;
  if (!postgres || postgres->version + static_cast<int>(postgres->upgrades.size()) != latest_version(component)) {
    return Error{ErrorCode::kUnsupportedVersion, "",
                 "the " + component.name + " tables have no PostgreSQL form at version " +
                     std::to_string(latest_version(component)) + " yet; keep this hub's ledger in SQLite"};
  }
  if (version != 0 && version < postgres->version) {
    return Error{ErrorCode::kUnsupportedVersion, "",
                 "the " + component.name + " tables of " + database.name() + " have version " +
                     std::to_string(version) + ", which this " + component.program + " cannot upgrade on PostgreSQL"};
  }
  if (version == 0) {
    if (auto ok = database.execute(postgres->sql); !ok) return ok;
    version = postgres->version;
  }
  for (auto next = static_cast<std::size_t>(version - postgres->version); next < postgres->upgrades.size(); ++next) {
    if (auto ok = database.execute(postgres->upgrades[next]); !ok) return ok;
  }
  return {};
}

Result<void> migrate_component(Connection& database, const SchemaComponent& component) {
  auto version = schema_version(database, component);
  if (!version) return version.error();
  if (*version > latest_version(component)) return newer_than_known(database, component, *version);
  // A current component still writes its row: one whose version was legacy has it from now on.
  if (database.dialect() == Dialect::kSqlite) {
    if (auto ok = run_steps(static_cast<Database&>(database), component, *version); !ok) return ok;
  } else if (*version < latest_version(component)) {
    if (auto ok = run_on_postgres(database, component, *version); !ok) return ok;
  }
  auto write = database.prepare(
      "INSERT INTO schema_versions (component, version) VALUES (?1, ?2)"
      " ON CONFLICT (component) DO UPDATE SET version = excluded.version");
  if (!write) return write.error();
  return write->bind(1, component.name).bind(2, std::int64_t{latest_version(component)}).run();
}

// Holds the lock that orders migrations until the transaction ends, and makes schema_versions.
// SQLite's BEGIN IMMEDIATE holds the file's write lock already; PostgreSQL locks rows only, so
// two hubs creating the tables at once wait on an advisory lock (its key: "recount" in ASCII).
Result<void> lock_schema_versions(Connection& database) {
  if (database.dialect() == Dialect::kSqlite) {
    return database.execute(
        "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        " WITHOUT ROWID");
  }
  return database.execute(
      "SELECT pg_advisory_xact_lock(125762012771700);"
      "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version BIGINT NOT NULL)");
}

}  // namespace

Result<int> schema_version(Connection& database, const SchemaComponent& component) {
  auto recorded = recorded_version(database, component.name);
  if (!recorded) return recorded.error();
  if (*recorded) return **recorded;
  // Only SQLite files predate schema_versions.
  if (!component.legacy_version || database.dialect() != Dialect::kSqlite) return 0;
  return component.legacy_version(static_cast<Database&>(database));
}

Result<void> migrate(Connection& database, std::span<const SchemaComponent> components) {
  // Most opens find every component current: they need not wait for the write lock.
  auto current = all_current(database, components);
  if (!current) return current.error();
  if (*current) return {};
  auto transaction = Transaction::begin(database);
  if (!transaction) return transaction.error();
  if (auto ok = migrate_in_transaction(database, components); !ok) return ok;
  return transaction->commit();
}

Result<void> migrate_in_transaction(Connection& database, std::span<const SchemaComponent> components) {
  if (auto ok = lock_schema_versions(database); !ok) return ok;
  // Read again under the lock: another process may have migrated since migrate() looked.
  for (const auto& component : components) {
    if (auto ok = migrate_component(database, component); !ok) return ok;
  }
  return {};
}

Result<int> legacy_user_version(Database& database) {
  auto query = database.prepare("PRAGMA user_version");
  if (!query) return query.error();
  auto version = single_int(*query);
  if (!version) return version.error();
  return static_cast<int>(*version);
}

Result<int> legacy_meta_version(Database& database, std::string_view table, std::string_view key) {
  auto exists = table_exists(database, table);
  if (!exists) return exists.error();
  if (!*exists) return 0;
  auto query = database.prepare("SELECT value FROM \"" + std::string(table) + "\" WHERE name = ?1");
  if (!query) return query.error();
  auto version = first_int(query->bind(1, key));
  if (!version) return version.error();
  return static_cast<int>(version->value_or(0));
}

std::function<Result<int>(Database&)> shared_user_version(std::vector<int> reached, int last) {
  return [reached = std::move(reached), last](Database& database) -> Result<int> {
    auto version = legacy_user_version(database);
    if (!version) return version.error();
    if (*version > last) return static_cast<int>(reached.size()) + 1;
    int steps = 0;
    for (const int step : reached) steps += step <= *version ? 1 : 0;
    return steps;
  };
}

}  // namespace recount::storage
