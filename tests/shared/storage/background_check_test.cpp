// The integrity check of a database in use: what it finds on sound and damaged files, the damage
// marker it leaves, and how the next open treats that marker.
#include "shared/storage/background_check.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <optional>

#include "shared/storage/clean_close.hpp"
#include "tests/support/damage.hpp"
#include "tests/support/process.hpp"

namespace recount::storage {
namespace {

using recount::testing::eventually;

constexpr std::chrono::seconds kCheckTimeout{60};

Database open_database(const std::filesystem::path& file, StartCheck check = StartCheck::kInBackground) {
  auto database = Database::open(file, OpenMode::kCreateIfMissing, Durability::kNormal, 0, check);
  REQUIRE(database.has_value());
  return std::move(*database);
}

// A database of a few hundred pages, left as a crash leaves one (dropped, not closed cleanly).
std::filesystem::path crashed_database(const recount::testing::TempDir& dir) {
  auto file = dir / "test.db";
  Database database = open_database(file);
  REQUIRE(
      database.execute("CREATE TABLE t (x INTEGER PRIMARY KEY, y TEXT);"
                       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
                       "INSERT INTO t SELECT i, printf('%0100d', i) FROM n;"));
  return file;
}

// What `finished` was called with, and how often; from the check's thread.
struct Verdicts {
  std::mutex mutex;
  std::optional<Result<void>> last;
  int calls = 0;

  BackgroundCheck::Finished recorder() {
    return [this](const Result<void>& verdict) {
      const std::lock_guard lock(mutex);
      last = verdict;
      ++calls;
    };
  }
};

TEST_CASE("background check: after an unclean close nothing is checked at open, and a sound file passes meanwhile") {
  recount::testing::TempDir dir;
  const auto file = crashed_database(dir);
  Database database = open_database(file);
  CHECK(database.previous_close() == PreviousClose::kUnclean);
  CHECK_FALSE(database.checked_at_open());

  Verdicts verdicts;
  auto check = BackgroundCheck::start(file, 0, verdicts.recorder());
  // The database serves while it is checked: its writes go to the WAL beside the check's snapshot.
  for (int i = 0; i < 50; ++i) REQUIRE(database.execute("INSERT INTO t (y) VALUES ('written during the check')"));
  REQUIRE(eventually([&] { return check->verdict() != BackgroundCheck::Verdict::kRunning; }, kCheckTimeout));
  CHECK(check->verdict() == BackgroundCheck::Verdict::kPassed);
  check.reset();  // joins: `finished` has returned
  CHECK(verdicts.calls == 1);
  REQUIRE(verdicts.last.has_value());
  CHECK(verdicts.last->has_value());
  CHECK_FALSE(std::filesystem::exists(damage_marker(file)));
}

TEST_CASE("background check: damage is found and named, recorded beside the file, and every later open refuses it") {
  recount::testing::TempDir dir;
  const auto file = crashed_database(dir);
  recount::testing::damage_table_page(file, "t");
  Database database = open_database(file);  // the schema is sound: open reads no page of t
  CHECK_FALSE(database.checked_at_open());

  Verdicts verdicts;
  auto check = BackgroundCheck::start(file, 0, verdicts.recorder());
  REQUIRE(eventually([&] { return check->verdict() != BackgroundCheck::Verdict::kRunning; }, kCheckTimeout));
  CHECK(check->verdict() == BackgroundCheck::Verdict::kFailed);
  check.reset();
  REQUIRE(verdicts.last.has_value());
  REQUIRE_FALSE(verdicts.last->has_value());
  CHECK(verdicts.last->error().code == ErrorCode::kCorrupt);
  CHECK(verdicts.last->error().message.find(file.string()) != std::string::npos);
  REQUIRE(std::filesystem::exists(damage_marker(file)));
  CHECK(recount::testing::read_file(damage_marker(file)).find(file.string()) != std::string::npos);

  // Even after a clean close, and even asked to check in the background, the next open checks.
  REQUIRE(Database::close_cleanly(std::move(database)).has_value());
  auto reopened = Database::open(file, OpenMode::kExistingOnly, Durability::kNormal, 0, StartCheck::kInBackground);
  REQUIRE_FALSE(reopened.has_value());
  CHECK(reopened.error().code == ErrorCode::kCorrupt);
  CHECK(std::filesystem::exists(damage_marker(file)));
}

TEST_CASE("background check: a damage marker over a file that passes is removed by the open that checks it") {
  recount::testing::TempDir dir;
  const auto file = crashed_database(dir);
  REQUIRE(record_damage(file, "found by an earlier check").has_value());
  Database database = open_database(file);
  CHECK(database.checked_at_open());
  CHECK_FALSE(std::filesystem::exists(damage_marker(file)));
}

TEST_CASE("background check: a cancelled check ends as cancelled, not as damage, even on a damaged file") {
  recount::testing::TempDir dir;
  const auto file = crashed_database(dir);
  recount::testing::damage_table_page(file, "t");
  CheckCancellation cancellation;
  cancellation.cancel();
  auto checked = Database::check(file, 0, &cancellation);
  REQUIRE_FALSE(checked.has_value());
  CHECK(checked.error().code == ErrorCode::kUnavailable);
  CHECK(checked.error().message.find("cancelled") != std::string::npos);
  // Not cancelled, the same check finds the damage.
  CheckCancellation unused;
  auto found = Database::check(file, 0, &unused);
  REQUIRE_FALSE(found.has_value());
  CHECK(found.error().code == ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace recount::storage
