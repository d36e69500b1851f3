// The SQLite adapter: the rollback counter, which memory mirroring a database relies on to
// forget what a rollback undid, and the count of rows a write wrote.
#include "shared/storage/sqlite.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

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

TEST_CASE("sqlite: a snapshot reads the database as of its first read while another connection commits") {
  recount::testing::TempDir dir;
  auto reader = Database::open(dir / "test.db", OpenMode::kCreateIfMissing, Durability::kNormal);
  REQUIRE(reader.has_value());
  REQUIRE(reader->execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)"));
  auto writer = Database::open(dir / "test.db", OpenMode::kExistingOnly, Durability::kNormal);
  REQUIRE(writer.has_value());
  auto count = reader->prepare("SELECT COUNT(*) FROM t");
  REQUIRE(count.has_value());
  auto read_count = [&] {
    REQUIRE(count->step().value());
    const auto rows = count->column_int(0);
    count->reset();
    return rows;
  };
  {
    auto snapshot = Transaction::snapshot(*reader);
    REQUIRE(snapshot.has_value());
    CHECK(read_count() == 1);
    REQUIRE(writer->execute("INSERT INTO t VALUES (2)"));  // not blocked by the reader (WAL)
    CHECK(read_count() == 1);
    CHECK_FALSE(Transaction::snapshot(*reader).has_value());  // one transaction at a time
    REQUIRE(snapshot->commit());
  }
  CHECK(read_count() == 2);
  CHECK(reader->rollbacks() == 0);
}

TEST_CASE("sqlite: run_counted() returns the rows a write wrote, 0 when ON CONFLICT skipped it") {
  recount::testing::TempDir dir;
  auto database = Database::open(dir / "test.db", OpenMode::kCreateIfMissing, Durability::kNormal);
  REQUIRE(database.has_value());
  REQUIRE(database->execute("CREATE TABLE t (x INTEGER PRIMARY KEY, y INTEGER)"));
  auto insert = database->prepare("INSERT INTO t (x, y) VALUES (?1, 0) ON CONFLICT DO NOTHING");
  REQUIRE(insert.has_value());
  const auto written = [](Result<std::int64_t> rows) {
    REQUIRE(rows.has_value());
    return *rows;
  };
  CHECK(written(insert->bind(1, std::int64_t{1}).run_counted()) == 1);
  CHECK(written(insert->bind(1, std::int64_t{1}).run_counted()) == 0);
  CHECK(written(insert->bind(1, std::int64_t{2}).run_counted()) == 1);
  auto update = database->prepare("UPDATE t SET y = y + 1");
  REQUIRE(update.has_value());
  CHECK(written(update->run_counted()) == 2);
  auto failing = database->prepare("INSERT INTO t (x, y) VALUES (1, 0)");  // no ON CONFLICT: refused
  REQUIRE(failing.has_value());
  const auto refused = failing->run_counted();
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kConflict);
}

TEST_CASE("sqlite: a database made in a group-writable directory is writable by that group, its WAL too") {
  using std::filesystem::perms;
  recount::testing::TempDir dir;
  const auto shared = dir / "shared";
  const auto own = dir / "own";
  std::filesystem::create_directory(shared);
  std::filesystem::create_directory(own);
  std::filesystem::permissions(shared, perms::owner_all | perms::group_all | perms::set_gid);
  std::filesystem::permissions(own, perms::owner_all | perms::group_read | perms::group_exec);
  const auto group_writable = [](const std::filesystem::path& file) {
    return (std::filesystem::status(file).permissions() & perms::group_write) != perms::none;
  };
  for (const auto& directory : {shared, own}) {
    CAPTURE(directory);
    auto database = Database::open(directory / "test.db", OpenMode::kCreateIfMissing, Durability::kNormal);
    REQUIRE(database.has_value());
    REQUIRE(database->execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)"));
    const bool expected = directory == shared;
    for (const char* name : {"test.db", "test.db-wal", "test.db-shm"}) {
      REQUIRE(std::filesystem::exists(directory / name));
      CHECK(group_writable(directory / name) == expected);
    }
  }
}

TEST_CASE("sqlite: a file refused at open stays as it was, and so does the WAL a crash left beside it") {
  recount::testing::TempDir dir;
  const auto file = dir / "test.db";
  {
    auto database = Database::open(file, OpenMode::kCreateIfMissing, Durability::kNormal);
    REQUIRE(database.has_value());
    REQUIRE(
        database->execute("CREATE TABLE t (x INTEGER PRIMARY KEY, y TEXT);"
                          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                          "INSERT INTO t SELECT i, printf('%0100d', i) FROM n;"));
  }
  // A process that commits and dies without closing leaves its commits in the WAL only.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto database = Database::open(file, OpenMode::kExistingOnly, Durability::kNormal);
    const bool written = database && database->execute("INSERT INTO t VALUES (2001, 'last')");
    ::_exit(written ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const auto wal = file.string() + "-wal";
  REQUIRE(std::filesystem::file_size(wal) > 0);
  {
    std::fstream damage(file, std::ios::in | std::ios::out | std::ios::binary);
    damage.seekp(std::streamoff{4096} * 3);
    const std::string noise(std::size_t{4096} * 4, '\x5a');
    damage.write(noise.data(), static_cast<std::streamsize>(noise.size()));
  }
  const auto file_before = recount::testing::read_file(file);
  const auto wal_before = recount::testing::read_file(wal);
  auto refused = Database::open(file, OpenMode::kExistingOnly, Durability::kNormal);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kCorrupt);
  CHECK(recount::testing::read_file(file) == file_before);
  CHECK(recount::testing::read_file(wal) == wal_before);
}

// The first column of the first row that `sql` returns.
std::int64_t first_value(Database& database, std::string_view sql) {
  auto query = database.prepare(sql);
  REQUIRE(query.has_value());
  const auto read = query->step();
  REQUIRE((read.has_value() && *read));
  return query->column_int(0);
}

// A new database at `file` whose checkpoints run in the background.
Database open_checkpointing(const std::filesystem::path& file) {
  auto database = Database::open(file, OpenMode::kCreateIfMissing, Durability::kFull);
  REQUIRE(database.has_value());
  REQUIRE(database->checkpoint_in_background());
  return std::move(*database);
}

// Commits of ~100 KB each until the WAL has taken about `pages` pages, through `database`.
void write_pages(Database& database, int pages) {
  REQUIRE(database.execute("CREATE TABLE IF NOT EXISTS big (x INTEGER PRIMARY KEY, y BLOB)"));
  for (int commit = 0; commit < pages / 25; ++commit) {
    REQUIRE(
        database.execute("BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)"
                         " INSERT INTO big (y) SELECT randomblob(1000) FROM n; COMMIT;"));
  }
}

TEST_CASE("sqlite: with checkpoints in the background the writer never checkpoints, and its commits reach the file") {
  recount::testing::TempDir dir;
  const auto file = dir / "test.db";
  Database database = open_checkpointing(file);
  CHECK(first_value(database, "PRAGMA wal_autocheckpoint") == 0);

  const auto size_before = std::filesystem::file_size(file);
  write_pages(database, 2 * Database::kCheckpointFrames);
  // Only a checkpoint moves pages from the WAL into the file; the thread does it soon after the
  // commit that passed the threshold, which this waits for (bounded).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const auto wanted = size_before + static_cast<std::uintmax_t>(Database::kCheckpointFrames) * 4096;
  while (std::filesystem::file_size(file) < wanted && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(std::filesystem::file_size(file) >= wanted);
}

TEST_CASE("sqlite: a database checkpointing in the background still closes cleanly, its WAL emptied into the file") {
  recount::testing::TempDir dir;
  const auto file = dir / "test.db";
  {
    Database database = open_checkpointing(file);
    write_pages(database, Database::kCheckpointFrames + 500);
    REQUIRE(Database::close_cleanly(std::move(database)));
  }
  CHECK_FALSE(std::filesystem::exists(file.string() + "-wal"));
  auto reopened = Database::open(file, OpenMode::kExistingOnly, Durability::kFull);
  REQUIRE(reopened.has_value());
  CHECK(reopened->previous_close() == PreviousClose::kClean);
  CHECK(first_value(*reopened, "SELECT count(*) FROM big") == (Database::kCheckpointFrames + 500) / 25 * 100);
}

}  // namespace
}  // namespace recount::storage
