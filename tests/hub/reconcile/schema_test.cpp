// The reconciliation tables' migrations: beside the ledger's, versioned on their own, on SQLite
// (step by step) and on PostgreSQL (created at the latest version); that both end with the same
// tables, columns and indexes is tests/hub/storage/schema_parity_test.cpp's.
#include "hub/reconcile/schema.hpp"

#include <doctest/doctest.h>

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

}  // namespace
}  // namespace recount::hub::reconcile
