// The SQLite adapter's rollback counter, which memory mirroring a database relies on to forget
// what a rollback undid.
#include "shared/storage/sqlite.hpp"

#include <doctest/doctest.h>

#include "tests/support/process.hpp"

namespace recount::storage {
namespace {

TEST_CASE("sqlite: rollbacks() counts the transactions that rolled back, not those that committed") {
  recount::testing::TempDir dir;
  auto database = Database::open(dir / "test.db", OpenMode::kCreateIfMissing, Durability::kNormal);
  REQUIRE(database.has_value());
  REQUIRE(database->execute("CREATE TABLE t (x INTEGER)"));
  CHECK(database->rollbacks() == 0);
  {
    auto committed = Transaction::begin(*database);
    REQUIRE(committed.has_value());
    REQUIRE(database->execute("INSERT INTO t VALUES (1)"));
    REQUIRE(committed->commit());
  }
  CHECK(database->rollbacks() == 0);
  {
    auto abandoned = Transaction::begin(*database);
    REQUIRE(abandoned.has_value());
    REQUIRE(database->execute("INSERT INTO t VALUES (2)"));
  }
  CHECK(database->rollbacks() == 1);
  Database moved = std::move(*database);  // the count lives on with the connection
  REQUIRE(moved.begin());
  moved.rollback();
  CHECK(moved.rollbacks() == 2);
}

}  // namespace
}  // namespace recount::storage
