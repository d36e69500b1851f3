// The reconciliation tables' migrations: beside the ledger's, versioned on their own.
#include "hub/reconcile/schema.hpp"

#include <doctest/doctest.h>

#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::must;

std::int64_t stored_version(storage::Database& database) {
  auto read = must(database.prepare("SELECT value FROM reconcile_meta WHERE name = 'schema_version'"));
  REQUIRE(must(read.step()));
  return read.column_int(0);
}

TEST_CASE("reconcile schema: migrating creates the tables and records the version, apart from the ledger's") {
  recount::testing::TempDir dir;
  auto database = testing::open_hub_database(dir / "hub.db", testing::Tables::kLedgerOnly);
  must(migrate_reconcile(database));
  CHECK(stored_version(database) == reconcile_schema_version());
  must(
      database.execute("SELECT id, on_hand FROM reconcile_positions; SELECT group_id FROM reconcile_dirty;"
                       " SELECT task_id FROM reconcile_tasks"));
  auto ledger_version = must(database.prepare("PRAGMA user_version"));
  REQUIRE(must(ledger_version.step()));
  CHECK(ledger_version.column_int(0) == current_schema_version());
}

TEST_CASE("reconcile schema: migrating again changes nothing") {
  recount::testing::TempDir dir;
  auto database = testing::open_hub_database(dir / "hub.db", testing::Tables::kLedgerOnly);
  must(migrate_reconcile(database));
  must(database.execute("INSERT INTO reconcile_positions (site, location, sku, lot) VALUES ('s', 'l', 'k', '')"));
  must(migrate_reconcile(database));
  auto count = must(database.prepare("SELECT count(*) FROM reconcile_positions"));
  REQUIRE(must(count.step()));
  CHECK(count.column_int(0) == 1);
}

TEST_CASE("reconcile schema: tables written by a newer hub are refused and left alone") {
  recount::testing::TempDir dir;
  auto database = testing::open_hub_database(dir / "hub.db", testing::Tables::kLedgerOnly);
  must(migrate_reconcile(database));
  must(database.execute("UPDATE reconcile_meta SET value = value + 1 WHERE name = 'schema_version'"));
  auto migrated = migrate_reconcile(database);
  REQUIRE_FALSE(migrated.has_value());
  CHECK(migrated.error().code == ErrorCode::kUnsupportedVersion);
  CHECK(stored_version(database) == reconcile_schema_version() + 1);
}

}  // namespace
}  // namespace recount::hub::reconcile
