// The reconciliation tables' migrations: beside the ledger's, versioned on their own, on SQLite
// (step by step) and on PostgreSQL (created at the latest version), which end with the same
// tables, columns and indexes.
#include "hub/reconcile/schema.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "hub/ledger/event_store.hpp"
#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::must;

// A hub database with the ledger's tables only, on Backend.
template <typename Backend>
struct LedgerOnly {
  Backend backend;
  storage::Connection& database = testing::migrated(backend.connection(), testing::Tables::kLedgerOnly);
};

std::int64_t single_int(storage::Connection& database, const std::string& sql) {
  auto read = must(database.prepare(sql));
  REQUIRE(must(read.step()));
  return read.column_int(0);
}

std::int64_t stored_version(storage::Connection& database) {
  return single_int(database, "SELECT version FROM schema_versions WHERE component = 'reconcile'");
}

TEST_CASE_TEMPLATE("reconcile schema: migrating creates the tables and records the version, apart from the ledger's",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  LedgerOnly<Backend> fixture;
  storage::Connection& database = fixture.database;
  must(migrate_reconcile(database));
  CHECK(stored_version(database) == reconcile_schema_version());
  must(
      database.execute("SELECT id, on_hand FROM reconcile_positions; SELECT group_id FROM reconcile_dirty;"
                       " SELECT task_id FROM reconcile_tasks"));
  CHECK(must(schema_version(database)) == current_schema_version());
}

TEST_CASE_TEMPLATE("reconcile schema: applied_through starts past the events stored before the tables were made",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  LedgerOnly<Backend> fixture;
  auto events = must(EventStore::prepare(fixture.database));
  testing::EventMaker make;
  const Origin origin{std::string(testing::kSite), "hh-1", "00000000000000e1"};
  for (int i = 0; i < 3; ++i) must(events.insert(origin, make.receive("A-1", "SKU-A", 1, i), testing::kNowMs));
  must(migrate_reconcile(fixture.database));
  CHECK(single_int(fixture.database, "SELECT value FROM reconcile_meta WHERE name = 'applied_through'") ==
        single_int(fixture.database, "SELECT max(rowid) FROM events"));
}

// What SQLite plans for `sql`, its EXPLAIN QUERY PLAN lines joined.
std::string plan_of(storage::Database& database, const std::string& sql) {
  auto explain = must(database.prepare("EXPLAIN QUERY PLAN " + sql));
  std::string plan;
  while (must(explain.step())) plan += explain.column_text(3) + "\n";
  return plan;
}

TEST_CASE("reconcile schema: the queue counts its state, reason and classification filters from an index alone") {
  recount::testing::TempDir dir;
  auto database = testing::open_hub_database(dir / "hub.db", testing::Tables::kLedgerOnly);
  must(migrate_reconcile(database));
  // The count of the answer's total, as DiscrepancyStore::count writes it for each filter.
  CHECK(plan_of(database, "SELECT count(*) FROM reconcile_discrepancies d WHERE d.state IN (?1, ?2)")
            .find("COVERING INDEX reconcile_discrepancies_by_state") != std::string::npos);
  CHECK(plan_of(database,
                "SELECT count(*) FROM reconcile_discrepancies d WHERE d.closed_ms IS NOT NULL AND d.adjust_reason = ?")
            .find("COVERING INDEX reconcile_discrepancies_by_reason") != std::string::npos);
  CHECK(plan_of(database,
                "SELECT count(*) FROM reconcile_discrepancies d WHERE d.closed_ms IS NULL AND d.classification = ?")
            .find("COVERING INDEX reconcile_discrepancies_by_classification") != std::string::npos);
}

TEST_CASE_TEMPLATE("reconcile schema: migrating again changes nothing", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  LedgerOnly<Backend> fixture;
  storage::Connection& database = fixture.database;
  must(migrate_reconcile(database));
  must(database.execute("INSERT INTO reconcile_positions (site, location, sku, lot) VALUES ('s', 'l', 'k', '')"));
  must(migrate_reconcile(database));
  CHECK(single_int(database, "SELECT count(*) FROM reconcile_positions") == 1);
}

TEST_CASE_TEMPLATE("reconcile schema: tables written by a newer hub are refused and left alone", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  LedgerOnly<Backend> fixture;
  storage::Connection& database = fixture.database;
  must(migrate_reconcile(database));
  must(database.execute("UPDATE schema_versions SET version = version + 1 WHERE component = 'reconcile'"));
  auto migrated = migrate_reconcile(database);
  REQUIRE_FALSE(migrated.has_value());
  CHECK(migrated.error().code == ErrorCode::kUnsupportedVersion);
  CHECK(stored_version(database) == reconcile_schema_version() + 1);
}

TEST_CASE("reconcile schema: tables an older hub versioned in reconcile_meta carry on at their version") {
  recount::testing::TempDir dir;
  auto database = testing::open_hub_database(dir / "hub.db", testing::Tables::kLedgerOnly);
  // As the hub before schema_versions left them at version 1: reconcile_meta made by its runner.
  must(database.execute("CREATE TABLE reconcile_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID"));
  must(database.execute(reconcile_schema().steps[0].sql));
  must(database.execute("INSERT INTO reconcile_meta VALUES ('schema_version', 1)"));
  must(database.execute("INSERT INTO reconcile_positions (site, location, sku, lot) VALUES ('s', 'l', 'k', '')"));
  must(migrate_reconcile(database));
  CHECK(stored_version(database) == reconcile_schema_version());
  auto kept =
      must(database.prepare("SELECT (SELECT count(*) FROM reconcile_positions),"
                            " (SELECT value FROM reconcile_meta WHERE name = 'applied_through')"));
  REQUIRE(must(kept.step()));
  CHECK(kept.column_int(0) == 1);
  CHECK(kept.column_int(1) == 0);  // step 2 ran, once
}

// Each row of `sql` as its text columns and integer flags joined, to compare as a set.
std::set<std::string> described(storage::Connection& database, const std::string& sql) {
  auto rows = must(database.prepare(sql));
  std::set<std::string> described;
  while (must(rows.step())) {
    described.insert(rows.column_text(0) + "." + rows.column_text(1) + (rows.column_int(2) != 0 ? " not null" : "") +
                     (rows.column_int(3) != 0 ? " partial" : ""));
  }
  return described;
}

TEST_CASE("reconcile schema: PostgreSQL's tables have SQLite's columns, NOT NULLs and indexes at the latest version") {
  testing::SqliteBackend sqlite;
  testing::PostgresBackend postgres;
  must(migrate_reconcile(testing::migrated(sqlite.connection(), testing::Tables::kLedgerOnly)));
  must(migrate_reconcile(testing::migrated(postgres.connection(), testing::Tables::kLedgerOnly)));

  // A key column is NOT NULL on PostgreSQL whatever its declaration; SQLite's declared flag
  // leaves out INTEGER PRIMARY KEY.
  const auto sqlite_columns = described(
      sqlite.connection(),
      "SELECT m.name, p.name, p.\"notnull\" OR p.pk > 0, 0 FROM sqlite_master m JOIN pragma_table_info(m.name) p"
      " WHERE m.type = 'table' AND m.name LIKE 'reconcile%'");
  const auto postgres_columns =
      described(postgres.connection(),
                "SELECT table_name, column_name, is_nullable = 'NO', 0 FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name LIKE 'reconcile%'");
  CHECK(sqlite_columns.size() > 100);
  CHECK(postgres_columns == sqlite_columns);

  // Named indexes (not those of a key or UNIQUE constraint), with whether they are unique and partial.
  const auto sqlite_indexes =
      described(sqlite.connection(),
                "SELECT m.tbl_name, m.name, l.\"unique\", l.partial FROM sqlite_master m"
                " JOIN pragma_index_list(m.tbl_name) l ON l.name = m.name"
                " WHERE m.type = 'index' AND m.tbl_name LIKE 'reconcile%' AND m.sql IS NOT NULL");
  const auto postgres_indexes =
      described(postgres.connection(),
                "SELECT t.relname, c.relname, i.indisunique, i.indpred IS NOT NULL FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
                " WHERE t.relnamespace = current_schema()::regnamespace AND t.relname LIKE 'reconcile%'"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)");
  CHECK(sqlite_indexes.size() > 25);
  CHECK(postgres_indexes == sqlite_indexes);
}

}  // namespace
}  // namespace recount::hub::reconcile
