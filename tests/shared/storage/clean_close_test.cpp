// The clean-close marker: which opens skip PRAGMA quick_check, and which changes to a file after
// its clean close make the next open check it all the same.
#include "shared/storage/clean_close.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "shared/storage/sqlite.hpp"
#include "tests/support/process.hpp"

namespace recount::storage {
namespace {

Database open_database(const std::filesystem::path& file, StartCheck check = StartCheck::kAfterUncleanClose) {
  auto database = Database::open(file, OpenMode::kCreateIfMissing, Durability::kNormal, 0, check);
  REQUIRE(database.has_value());
  return std::move(*database);
}

// A database of a few hundred pages, closed cleanly.
std::filesystem::path cleanly_closed_database(const recount::testing::TempDir& dir) {
  auto file = dir / "test.db";
  Database database = open_database(file);
  REQUIRE(
      database.execute("CREATE TABLE t (x INTEGER PRIMARY KEY, y TEXT);"
                       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
                       "INSERT INTO t SELECT i, printf('%0100d', i) FROM n;"));
  REQUIRE(Database::close_cleanly(std::move(database)).has_value());
  return file;
}

TEST_CASE("clean close: a database closed cleanly opens without quick_check, and that open removes the marker") {
  recount::testing::TempDir dir;
  const auto file = cleanly_closed_database(dir);
  CHECK(std::filesystem::exists(clean_close_marker(file)));
  CHECK_FALSE(std::filesystem::exists(file.string() + "-wal"));
  {
    Database reopened = open_database(file);
    CHECK(reopened.previous_close() == PreviousClose::kClean);
    CHECK_FALSE(reopened.checked_at_open());
    CHECK_FALSE(std::filesystem::exists(clean_close_marker(file)));
  }
  // Dropped without close_cleanly, as a crash would leave it.
  Database after_crash = open_database(file);
  CHECK(after_crash.previous_close() == PreviousClose::kUnclean);
  CHECK(after_crash.checked_at_open());
}

TEST_CASE("clean close: StartCheck::kAlways runs quick_check after a clean close too, and still takes the marker") {
  recount::testing::TempDir dir;
  const auto file = cleanly_closed_database(dir);
  Database reopened = open_database(file, StartCheck::kAlways);
  CHECK(reopened.previous_close() == PreviousClose::kClean);
  CHECK(reopened.checked_at_open());
  CHECK_FALSE(std::filesystem::exists(clean_close_marker(file)));
}

TEST_CASE("clean close: a file damaged after its clean close is checked at the next open and refused, naming it") {
  recount::testing::TempDir dir;
  const auto file = cleanly_closed_database(dir);
  {
    std::fstream damage(file, std::ios::in | std::ios::out | std::ios::binary);
    damage.seekp(std::streamoff{4096} * 3);
    const std::string noise(std::size_t{4096} * 4, '\x5a');
    damage.write(noise.data(), static_cast<std::streamsize>(noise.size()));
  }
  const auto before = recount::testing::read_file(file);
  auto opened = Database::open(file, OpenMode::kExistingOnly, Durability::kNormal);
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error().code == ErrorCode::kCorrupt);
  CHECK(opened.error().message.find(file.string()) != std::string::npos);
  CHECK(recount::testing::read_file(file) == before);
  CHECK_FALSE(std::filesystem::exists(clean_close_marker(file)));
}

TEST_CASE("clean close: a marker describing another file, or a WAL with frames beside the file, means unclean") {
  recount::testing::TempDir dir;
  const auto file = cleanly_closed_database(dir);
  const auto other = dir / "other.db";
  {
    Database database = open_database(other);
    REQUIRE(database.execute("CREATE TABLE t (x INTEGER)"));
    REQUIRE(Database::close_cleanly(std::move(database)).has_value());
  }
  std::filesystem::copy_file(clean_close_marker(other), clean_close_marker(file),
                             std::filesystem::copy_options::overwrite_existing);
  CHECK(open_database(file).previous_close() == PreviousClose::kUnclean);

  REQUIRE(std::filesystem::exists(clean_close_marker(other)));
  std::ofstream(other.string() + "-wal") << "frames a crash left behind";
  CHECK(open_database(other).previous_close() == PreviousClose::kUnclean);
}

TEST_CASE("clean close: a close with a statement still open records nothing, so the next open checks") {
  recount::testing::TempDir dir;
  const auto file = dir / "test.db";
  Database database = open_database(file);
  REQUIRE(database.execute("CREATE TABLE t (x INTEGER)"));
  auto statement = database.prepare("SELECT count(*) FROM t");
  REQUIRE(statement.has_value());
  auto closed = Database::close_cleanly(std::move(database));
  REQUIRE_FALSE(closed.has_value());
  CHECK(closed.error().message.find("statements of it are still open") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(clean_close_marker(file)));
}

TEST_CASE("clean close: a checkpoint that another connection's read keeps from finishing records nothing") {
  recount::testing::TempDir dir;
  const auto file = dir / "test.db";
  Database database = open_database(file);
  REQUIRE(database.execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)"));
  Database reader = open_database(file);
  REQUIRE(reader.execute("BEGIN; SELECT count(*) FROM t;"));
  REQUIRE(database.execute("INSERT INTO t VALUES (2)"));  // a frame the reader's snapshot does not hold
  auto closed = Database::close_cleanly(std::move(database));
  CHECK_FALSE(closed.has_value());
  CHECK_FALSE(std::filesystem::exists(clean_close_marker(file)));
}

}  // namespace
}  // namespace recount::storage
