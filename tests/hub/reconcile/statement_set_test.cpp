// Statement sets and the single-value readers the reconciliation stores share.
#include "hub/reconcile/statement_set.hpp"

#include <doctest/doctest.h>

#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::must;

enum class Sql { kFirst, kSecond, kCount };

TEST_CASE("reconcile statement set: one statement per enumerator, and a bad one fails the whole set") {
  recount::testing::TempDir dir;
  auto database = testing::open_hub_database(dir / "hub.db", testing::Tables::kLedgerOnly);
  const std::string good[] = {"SELECT 1", "SELECT 2"};
  auto set = must(StatementSet<Sql>::prepare(database, good));
  CHECK(must(single_int(set[Sql::kSecond])) == 2);
  CHECK(must(single_int(set[Sql::kFirst])) == 1);
  const std::string bad[] = {"SELECT 1", "SELEKT 2"};
  auto refused = StatementSet<Sql>::prepare(database, bad);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kIo);
}

TEST_CASE("reconcile statement set: readers tell no row, NULL, a value and whether a RETURNING wrote") {
  recount::testing::TempDir dir;
  auto database = testing::open_hub_database(dir / "hub.db", testing::Tables::kLedgerOnly);
  must(database.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER)"));
  auto none = must(database.prepare("SELECT v FROM t WHERE k = 1"));
  CHECK_FALSE(must(first_int(none)).has_value());
  CHECK(must(single_int(none)) == 0);
  auto insert = must(database.prepare("INSERT INTO t (k, v) VALUES (?1, ?2) ON CONFLICT DO NOTHING RETURNING 1"));
  CHECK(must(wrote_row(insert.bind(1, std::int64_t{1}).bind_null(2))));
  CHECK_FALSE(must(wrote_row(insert.bind(1, std::int64_t{1}).bind(2, std::int64_t{5}))));
  CHECK_FALSE(must(first_int(none)).has_value());  // NULL reads as none
  must(database.execute("UPDATE t SET v = 7"));
  CHECK(must(first_int(none)) == 7);
  const Error corrupt = corrupt_value("groups.verdict", "maybe");
  CHECK(corrupt.code == ErrorCode::kCorrupt);
  CHECK(corrupt.message == "reconcile_groups.verdict holds an unknown value 'maybe'");
}

}  // namespace
}  // namespace recount::hub::reconcile
