// Schema migrations of the ledger: new files reach the current version, files of an older hub
// (PRAGMA user_version) carry on at the right version, newer files are refused untouched.
#include "hub/ledger/schema.hpp"

#include <doctest/doctest.h>

#include "hub/catalog/catalog_schema.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

storage::Database open_file(const std::filesystem::path& file) {
  auto opened = storage::Database::open(file, storage::OpenMode::kCreateIfMissing, storage::Durability::kNormal);
  REQUIRE(opened.has_value());
  return std::move(*opened);
}

std::int64_t count(storage::Database& database, const std::string& sql) {
  auto statement = database.prepare(sql);
  REQUIRE(statement.has_value());
  REQUIRE(statement->step().value());
  return statement->column_int(0);
}

TEST_CASE("a new database is migrated to the current schema version") {
  testing::TempDir dir;
  auto database = open_file(dir / "hub.db");
  REQUIRE(migrate(database).has_value());
  CHECK(schema_version(database).value() == current_schema_version());
  CHECK(count(database, "SELECT version FROM schema_versions WHERE component = 'ledger'") == current_schema_version());
  CHECK(database.execute("SELECT device, epoch, seq, event_id FROM events").has_value());
  // The catalog's tables are the catalog's: the ledger does not make them.
  CHECK_FALSE(database.execute("SELECT 1 FROM catalog_items").has_value());
}

TEST_CASE("migrating a database that is already current changes nothing") {
  testing::TempDir dir;
  auto database = open_file(dir / "hub.db");
  REQUIRE(migrate(database).has_value());
  REQUIRE(database.execute("INSERT INTO devices (device, site, last_seen_ms) VALUES ('d', 's', 1)").has_value());
  REQUIRE(migrate(database).has_value());
  CHECK(count(database, "SELECT COUNT(*) FROM devices") == 1);
}

TEST_CASE("a database written by a newer hub is refused and left at its version") {
  testing::TempDir dir;
  auto database = open_file(dir / "hub.db");
  REQUIRE(migrate(database).has_value());
  REQUIRE(database.execute("UPDATE schema_versions SET version = version + 1 WHERE component = 'ledger'"));
  auto migrated = migrate(database);
  REQUIRE_FALSE(migrated.has_value());
  CHECK(migrated.error().code == ErrorCode::kUnsupportedVersion);
  CHECK(migrated.error().message.find((dir / "hub.db").string()) != std::string::npos);
  CHECK(migrated.error().message.find("run a newer recount-hub") != std::string::npos);
  CHECK(schema_version(database).value() == current_schema_version() + 1);
}

TEST_CASE("a user_version above any older hub's is refused, not migrated") {
  testing::TempDir dir;
  auto database = open_file(dir / "hub.db");
  REQUIRE(database.execute("PRAGMA user_version = " + std::to_string(kLastHubSchema + 1)));
  auto migrated = migrate(database);
  REQUIRE_FALSE(migrated.has_value());
  CHECK(migrated.error().code == ErrorCode::kUnsupportedVersion);
  CHECK_FALSE(database.execute("SELECT 1 FROM events").has_value());
  CHECK_FALSE(migrate_catalog(database).has_value());
}

TEST_CASE("a hub.db of an older hub at user_version 3 carries on: nothing it has is made again") {
  testing::TempDir dir;
  auto database = open_file(dir / "hub.db");
  // The tables hub schema 1 to 3 made, as the hub before schema_versions left them (the SQL of its
  // first three migrations is the ledger's steps 1 and 2 and the catalog's step 1).
  {
    const auto ledger = ledger_schema(system_wall_clock());
    const auto catalog = catalog_schema();
    for (const auto sql : {ledger.steps[0].sql, catalog.steps[0].sql, ledger.steps[1].sql})
      REQUIRE(database.execute(sql));
    REQUIRE(database.execute("PRAGMA user_version = 3"));
    REQUIRE(database.execute("INSERT INTO catalog_items VALUES ('SKU-1', 'kept', 1, 'A')"));
  }
  const auto epoch = count(database, "SELECT COUNT(*) FROM hub_journal");
  REQUIRE(epoch == 1);
  REQUIRE(migrate(database).has_value());
  REQUIRE(migrate_catalog(database).has_value());
  CHECK(count(database, "SELECT version FROM schema_versions WHERE component = 'ledger'") == current_schema_version());
  CHECK(count(database, "SELECT version FROM schema_versions WHERE component = 'hub_catalog'") ==
        static_cast<std::int64_t>(catalog_schema().steps.size()));
  CHECK(count(database, "SELECT COUNT(*) FROM hub_journal") == 1);
  CHECK(count(database, "SELECT COUNT(*) FROM catalog_items") == 1);
  CHECK(database.execute("SELECT badge FROM floor_users; SELECT id FROM conflicts"));
  // Step 3 made events append-only.
  CHECK(count(database, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'events_no_%'") == 2);
}

}  // namespace
}  // namespace recount::hub
