// The one statement set every store keeps, and the readers that step its statements.
#include "shared/storage/statement_set.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace recount::storage {
namespace {

enum class Sql { kFirst, kSecond, kCount };

Database open_database(const std::filesystem::path& file) {
  auto database = Database::open(file, OpenMode::kCreateIfMissing, Durability::kNormal);
  REQUIRE(database.has_value());
  return std::move(*database);
}

template <typename T>
T must(Result<T> result) {
  REQUIRE(result.has_value());
  return std::move(*result);
}

TEST_CASE("statement set: one statement per enumerator, and a bad one fails the whole set") {
  recount::testing::TempDir dir;
  auto database = open_database(dir / "test.db");
  const std::string good[] = {"SELECT 1", "SELECT 2"};
  auto set = must(StatementSet<Sql>::prepare(database, good));
  CHECK(must(single_int(set[Sql::kSecond])) == 2);
  CHECK(must(single_int(set[Sql::kFirst])) == 1);
  constexpr std::array<std::string_view, 2> kBad = {"SELECT 1", "SELEKT 2"};
  auto refused = StatementSet<Sql>::prepare(database, kBad);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kIo);
  CHECK(refused.error().message.find("SELEKT") != std::string::npos);
}

TEST_CASE("statement set: a statement naming a table that does not exist fails when the set is prepared") {
  recount::testing::TempDir dir;
  auto database = open_database(dir / "test.db");
  const std::string sql[] = {"SELECT 1", "SELECT x FROM missing"};
  auto refused = StatementSet<Sql>::prepare(database, sql);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("missing") != std::string::npos);
}

TEST_CASE("statement set: readers tell no row, NULL, a value and whether a write wrote") {
  recount::testing::TempDir dir;
  auto database = open_database(dir / "test.db");
  REQUIRE(database.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER, s TEXT)"));
  auto none = must(database.prepare("SELECT v FROM t WHERE k = 1"));
  CHECK_FALSE(must(first_int(none)).has_value());
  CHECK(must(single_int(none)) == 0);
  auto insert = must(database.prepare("INSERT INTO t (k, v) VALUES (?1, ?2) ON CONFLICT DO NOTHING"));
  CHECK(must(wrote_row(insert.bind(1, std::int64_t{1}).bind_null(2))));
  CHECK_FALSE(must(wrote_row(insert.bind(1, std::int64_t{1}).bind(2, std::int64_t{5}))));
  CHECK_FALSE(must(first_int(none)).has_value());  // NULL reads as none
  REQUIRE(database.execute("UPDATE t SET v = 7"));
  CHECK(must(first_int(none)) == 7);
  auto text = must(database.prepare("SELECT s FROM t WHERE k = ?1"));
  CHECK_FALSE(must(first_text(text.bind(1, std::int64_t{2}))).has_value());
  CHECK(must(first_text(text.bind(1, std::int64_t{1}))) == std::optional<std::string>(""));
}

TEST_CASE("statement set: an insert written by returning_id gives each new row's id, without RETURNING on SQLite") {
  recount::testing::TempDir dir;
  auto database = open_database(dir / "test.db");
  REQUIRE(
      database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);"
                       "INSERT INTO t (id, v) VALUES (40, 'before')"));
  const std::string sql = returning_id(database, "INSERT INTO t (v) VALUES (?1)");
  CHECK(sql.find("RETURNING") == std::string::npos);
  auto insert = must(database.prepare(sql));
  const std::int64_t first = must(inserted_id(database, insert.bind(1, "a")));
  const std::int64_t second = must(inserted_id(database, insert.bind(1, "b")));
  CHECK(first == 41);
  CHECK(second == 42);
  auto id_of = must(database.prepare("SELECT id FROM t WHERE v = ?1"));
  CHECK(must(single_int(id_of.bind(1, "b"))) == second);
  // A refused insert is an error, not the id of an earlier row; so is one ON CONFLICT skipped.
  auto refused = inserted_id(database, insert.bind(1, "a"));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kConflict);
  auto skipping =
      must(database.prepare(returning_id(database, "INSERT INTO t (v) VALUES (?1) ON CONFLICT DO NOTHING")));
  auto skipped = inserted_id(database, skipping.bind(1, "a"));
  REQUIRE_FALSE(skipped.has_value());
  CHECK(skipped.error().code == ErrorCode::kConflict);
  CHECK(must(inserted_id(database, skipping.bind(1, "c"))) == 43);
}

TEST_CASE("statement set: collect_rows reads every row, and the first error of the reader stops it") {
  recount::testing::TempDir dir;
  auto database = open_database(dir / "test.db");
  REQUIRE(database.execute("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1), (2), (3)"));
  auto all = must(database.prepare("SELECT v FROM t ORDER BY v"));
  auto read = [](const Statement& row) -> Result<std::int64_t> { return row.column_int(0); };
  CHECK(must(collect_rows<std::int64_t>(all, read)) == std::vector<std::int64_t>{1, 2, 3});
  auto refuse_two = [](const Statement& row) -> Result<std::int64_t> {
    if (row.column_int(0) == 2) return Error{ErrorCode::kCorrupt, "v", "two"};
    return row.column_int(0);
  };
  auto refused = collect_rows<std::int64_t>(all, refuse_two);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message == "two");
  // Reset after the error: the statement runs again from the start.
  CHECK(must(collect_rows<std::int64_t>(all, read)).size() == 3);
}

TEST_CASE("statement set: keyset pages read every row once, a page at a time, from after the key given") {
  recount::testing::TempDir dir;
  auto database = open_database(dir / "test.db");
  REQUIRE(database.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"));
  auto insert = must(database.prepare("INSERT INTO t (k, v) VALUES (?1, 'v' || ?1)"));
  for (std::int64_t k = 1; k <= 10; ++k) REQUIRE(insert.bind(1, k * 10).run());
  auto page = must(database.prepare("SELECT v, k FROM t WHERE k > ?1 ORDER BY k LIMIT ?2"));
  // Pages of 3 (the last one short), of 5 (the last one full, then an empty one), and after a key.
  struct Walk {
    std::int64_t after;
    std::int64_t size;
    int first;  // the first row read, 1 to 10
  };
  for (const Walk walk : {Walk{0, 3, 1}, Walk{0, 5, 1}, Walk{0, 100, 1}, Walk{35, 3, 4}}) {
    CAPTURE(walk.size);
    storage::KeysetPages pages(page, 1, walk.after, walk.size);
    std::vector<std::string> read;
    while (must(pages.next())) read.push_back(page.column_text(0));
    std::vector<std::string> expected;
    for (int k = walk.first; k <= 10; ++k) expected.push_back("v" + std::to_string(k * 10));
    CHECK(read == expected);
    CHECK_FALSE(must(pages.next()));  // stays at the end
  }
  // Destroyed halfway, the pages leave the statement reset for its next use.
  {
    storage::KeysetPages pages(page, 1, 0, 4);
    REQUIRE(must(pages.next()));
  }
  CHECK(must(collect_rows<std::string>(page.bind(1, std::int64_t{90}).bind(2, std::int64_t{5}),
                                       [](const Statement& row) -> Result<std::string> {
                                         return row.column_text(0);
                                       })) == std::vector<std::string>{"v100"});
}

}  // namespace
}  // namespace recount::storage
