// Schema migrations: new files reach the current version, newer files are refused untouched.
#include "hub/ledger/schema.hpp"

#include <doctest/doctest.h>

#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

int user_version(storage::Database& database) {
  auto statement = database.prepare("PRAGMA user_version");
  REQUIRE(statement.has_value());
  REQUIRE(statement->step().value());
  return static_cast<int>(statement->column_int(0));
}

storage::Database open_file(const std::filesystem::path& file) {
  auto opened = storage::Database::open(file, storage::OpenMode::kCreateIfMissing, storage::Durability::kNormal);
  REQUIRE(opened.has_value());
  return std::move(*opened);
}

TEST_CASE("a new database is migrated to the current schema version") {
  testing::TempDir dir;
  auto database = open_file(dir / "hub.db");
  REQUIRE(migrate(database).has_value());
  CHECK(user_version(database) == current_schema_version());
  CHECK(database.execute("SELECT device, epoch, seq, event_id FROM events").has_value());
}

TEST_CASE("migrating a database that is already current changes nothing") {
  testing::TempDir dir;
  auto database = open_file(dir / "hub.db");
  REQUIRE(migrate(database).has_value());
  REQUIRE(database.execute("INSERT INTO devices (device, site, last_seen_ms) VALUES ('d', 's', 1)").has_value());
  REQUIRE(migrate(database).has_value());
  auto count = database.prepare("SELECT COUNT(*) FROM devices");
  REQUIRE(count->step().value());
  CHECK(count->column_int(0) == 1);
}

TEST_CASE("a database written by a newer hub is refused and left at its version") {
  testing::TempDir dir;
  auto database = open_file(dir / "hub.db");
  REQUIRE(database.execute("PRAGMA user_version = " + std::to_string(current_schema_version() + 1)).has_value());
  auto migrated = migrate(database);
  REQUIRE_FALSE(migrated.has_value());
  CHECK(migrated.error().code == ErrorCode::kUnsupportedVersion);
  CHECK(migrated.error().message.find((dir / "hub.db").string()) != std::string::npos);
  CHECK(user_version(database) == current_schema_version() + 1);
  CHECK_FALSE(database.execute("SELECT 1 FROM events").has_value());
}

}  // namespace
}  // namespace recount::hub
