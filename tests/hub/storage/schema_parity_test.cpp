// Every schema component with a PostgreSQL form makes the same tables there as its SQLite steps
// end with: the same tables, the same columns with the same kind of value and nullability, the
// same indexes. The SQL of the stores is written once, so a column missing or renamed on one
// engine would fail only there, at run time.
#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "hub/catalog/catalog_schema.hpp"
#include "hub/cluster/site_lease.hpp"
#include "hub/storage/hub_schema.hpp"
#include "shared/storage/migrations.hpp"
#include "shared/storage/statement_set.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/hub/storage_backends.hpp"

namespace recount::hub {
namespace {

// The rows `sql` returns, each its columns joined by " ", sorted.
std::vector<std::string> rows_of(storage::Connection& database, const std::string& sql) {
  auto query = database.prepare(sql);
  REQUIRE_MESSAGE(query.has_value(), (query ? "" : query.error().message));
  auto rows = storage::collect_rows<std::string>(*query, [](const storage::Statement& row) -> Result<std::string> {
    return row.column_text(0) + " " + row.column_text(1) + " " + row.column_text(2) + " " + row.column_text(3);
  });
  REQUIRE_MESSAGE(rows.has_value(), (rows ? "" : rows.error().message));
  std::sort(rows->begin(), rows->end());
  return std::move(*rows);
}

// table, column, kind of value (integer, text, blob), and "null" or "not-null"; a SQLite primary
// key's column counts as not null (PostgreSQL's always are).
std::vector<std::string> columns(storage::Connection& database) {
  if (database.dialect() == storage::Dialect::kSqlite) {
    return rows_of(database,
                   "SELECT t.name, c.name,"
                   " CASE upper(c.type) WHEN 'INTEGER' THEN 'integer' WHEN 'TEXT' THEN 'text' WHEN 'BLOB' THEN 'blob'"
                   " ELSE c.type END,"
                   " CASE WHEN c.\"notnull\" = 1 OR c.pk > 0 THEN 'not-null' ELSE 'null' END"
                   " FROM sqlite_master t, pragma_table_info(t.name) c"
                   " WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%'");
  }
  return rows_of(database,
                 "SELECT table_name, column_name,"
                 " CASE data_type WHEN 'bigint' THEN 'integer' WHEN 'bytea' THEN 'blob' ELSE data_type END,"
                 " CASE is_nullable WHEN 'NO' THEN 'not-null' ELSE 'null' END"
                 " FROM information_schema.columns"
                 " WHERE table_schema IN (current_schema(), pg_my_temp_schema()::regnamespace::text)"
                 // SQLite's implicit rowid, which a table read in stored order has as a column here
                 " AND column_name <> 'rowid'");
}

// table, index, whether it is unique and whether it is partial; the indexes PostgreSQL makes for a primary key or a
// UNIQUE constraint (SQLite's sqlite_autoindex_) are the constraints' own, compared as columns.
std::vector<std::string> indexes(storage::Connection& database) {
  if (database.dialect() == storage::Dialect::kSqlite) {
    return rows_of(database,
                   "SELECT m.tbl_name, m.name, CASE l.\"unique\" WHEN 1 THEN 'unique' ELSE 'plain' END,"
                   " CASE l.partial WHEN 1 THEN 'partial' ELSE 'whole' END"
                   " FROM sqlite_master m JOIN pragma_index_list(m.tbl_name) l ON l.name = m.name"
                   " WHERE m.type = 'index' AND m.name NOT LIKE 'sqlite_autoindex_%'");
  }
  return rows_of(database,
                 "SELECT t.relname, i.relname, CASE x.indisunique WHEN true THEN 'unique' ELSE 'plain' END,"
                 " CASE WHEN x.indpred IS NULL THEN 'whole' ELSE 'partial' END"
                 " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
                 " WHERE t.relnamespace IN (current_schema()::regnamespace, pg_my_temp_schema())"
                 " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)");
}

// What only one side has, one line each ("" when both have the same).
std::string differences(const std::vector<std::string>& sqlite, const std::vector<std::string>& postgres) {
  std::vector<std::string> only_sqlite;
  std::vector<std::string> only_postgres;
  std::set_difference(sqlite.begin(), sqlite.end(), postgres.begin(), postgres.end(), std::back_inserter(only_sqlite));
  std::set_difference(postgres.begin(), postgres.end(), sqlite.begin(), sqlite.end(),
                      std::back_inserter(only_postgres));
  std::string text;
  for (const auto& row : only_sqlite) text += "only on SQLite: " + row + "\n";
  for (const auto& row : only_postgres) text += "only on PostgreSQL: " + row + "\n";
  return text;
}

void migrate_all(storage::Connection& database) {
  // The hub's components, and the site leases several hubs will share (not yet migrated by the
  // daemon, so not among them).
  auto components = hub_schema_components(testing::fixed_clock());
  components.push_back(cluster::cluster_schema());
  for (const auto& component : components) {
    INFO(component.name);
    REQUIRE(component.postgres.has_value());
    CHECK(component.postgres->version + static_cast<int>(component.postgres->upgrades.size()) ==
          static_cast<int>(component.steps.size()));
  }
  auto migrated = storage::migrate(database, components);
  REQUIRE_MESSAGE(migrated.has_value(), (migrated ? "" : migrated.error().message));
}

TEST_CASE("every component with a PostgreSQL form has the same tables, columns and indexes there as on SQLite") {
  testing::SqliteBackend sqlite;
  testing::PostgresBackend postgres;
  migrate_all(sqlite.connection());
  migrate_all(postgres.connection());
  // The catalog's staging tables are temporary tables of the importing session there.
  REQUIRE(begin_import_staging(postgres.connection()).has_value());

  const auto sqlite_columns = columns(sqlite.connection());
  CHECK(sqlite_columns.size() > 100);  // the catalog queries above read something
  CHECK(differences(sqlite_columns, columns(postgres.connection())) == "");
  const auto sqlite_indexes = indexes(sqlite.connection());
  CHECK(sqlite_indexes.size() > 5);
  CHECK(differences(sqlite_indexes, indexes(postgres.connection())) == "");
}

}  // namespace
}  // namespace recount::hub
