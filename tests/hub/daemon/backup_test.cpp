// Backup and restore on real SQLite files: a backup taken while another connection writes is one
// consistent state; restore refuses while a hub runs and refuses damaged or foreign files before
// touching anything, keeps the replaced database aside and carries catalog and task versions.
#include "hub/daemon/backup.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "hub/catalog/catalog_schema.hpp"
#include "hub/daemon/data_dir_lock.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/schema.hpp"
#include "shared/storage/sqlite.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

using recount::testing::TempDir;

// A hub data directory with a migrated database and `notes` audit entries.
void make_hub(const std::filesystem::path& data_dir, int notes) {
  std::filesystem::create_directories(data_dir);
  auto ledger = Ledger::open(Ledger::file_in(data_dir));
  REQUIRE(ledger);
  REQUIRE(migrate_catalog(ledger->database()));
  REQUIRE(reconcile::migrate_reconcile(ledger->database()));
  for (int note = 0; note < notes; ++note) {
    auto write = ledger->begin_write();
    REQUIRE(write);
    REQUIRE(write->audit("test.note", "n" + std::to_string(note), "{}"));
    REQUIRE(write->commit());
  }
}

std::int64_t number(const std::filesystem::path& file, const std::string& sql) {
  auto database = storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
  REQUIRE_MESSAGE(database.has_value(), (database ? "" : database.error().describe()));
  auto query = database->prepare(sql);
  REQUIRE(query);
  REQUIRE(query->step().value());
  return query->column_int(0);
}

void set_versions(const std::filesystem::path& data_dir, std::int64_t catalog, std::int64_t tasks) {
  auto database = storage::Database::open(Ledger::file_in(data_dir), storage::OpenMode::kExistingOnly,
                                          storage::Durability::kNormal);
  REQUIRE(database);
  REQUIRE(database->execute("UPDATE catalog_version SET version = " + std::to_string(catalog) +
                            "; INSERT INTO reconcile_task_lists (site, version) VALUES ('s1', " +
                            std::to_string(tasks) + ") ON CONFLICT (site) DO UPDATE SET version = excluded.version"));
}

std::string bytes_of(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST_CASE("backup: a copy taken while another connection keeps writing holds one commit's state, whole") {
  TempDir dir;
  make_hub(dir / "hub", 10);
  std::atomic<bool> done{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    auto ledger = Ledger::open(Ledger::file_in(dir / "hub"));
    REQUIRE(ledger);
    // Bounded: it stops when the backup is done or after 20000 commits.
    for (int note = 0; note < 20000 && !done; ++note) {
      auto write = ledger->begin_write();
      REQUIRE(write);
      REQUIRE(write->audit("test.during", "w" + std::to_string(note), "{}"));
      REQUIRE(write->commit());
      ++written;
    }
  });
  while (written < 50) std::this_thread::yield();
  auto backed_up = back_up(dir / "hub", dir / "backup.db");
  done = true;
  writer.join();
  REQUIRE_MESSAGE(backed_up.has_value(), (backed_up ? "" : backed_up.error().describe()));
  CHECK(backed_up->bytes == std::filesystem::file_size(dir / "backup.db"));
  CHECK(storage::Database::check(dir / "backup.db", Ledger::kApplicationId).has_value());
  const auto copied = number(dir / "backup.db", "SELECT count(*) FROM audit_log WHERE kind = 'test.during'");
  CHECK(copied >= 50);
  CHECK(copied <= written);
  // One commit's state: the notes are a prefix of what the writer committed, without holes.
  CHECK(number(dir / "backup.db", "SELECT count(*) FROM audit_log WHERE kind = 'test.during' AND subject = 'w" +
                                      std::to_string(copied - 1) + "'") == 1);
  CHECK(std::filesystem::exists(dir / "hub" / "hub.db"));
  // Nothing but the backup is left beside it.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  CHECK(files == 2);
}

TEST_CASE("backup: an existing file is never overwritten, and a directory without a hub database is named") {
  TempDir dir;
  make_hub(dir / "hub", 1);
  std::ofstream(dir / "taken.db") << "keep me";
  auto refused = back_up(dir / "hub", dir / "taken.db");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kConflict);
  CHECK(refused.error().message.find("taken.db exists") != std::string::npos);
  CHECK(bytes_of(dir / "taken.db") == "keep me");

  std::filesystem::create_directories(dir / "empty");
  auto missing = back_up(dir / "empty", dir / "new.db");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);
  CHECK(missing.error().message.find("holds no hub database") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "new.db"));
}

TEST_CASE("restore: refused while a hub holds the data directory, which stays as it was") {
  TempDir dir;
  make_hub(dir / "hub", 3);
  REQUIRE(back_up(dir / "hub", dir / "backup.db"));
  const auto before = bytes_of(dir / "hub" / "hub.db");
  auto held = DataDirLock::acquire(dir / "hub");
  REQUIRE(held);
  auto refused = restore(dir / "hub", dir / "backup.db");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kConflict);
  CHECK(refused.error().message.find("stop the hub before a restore") != std::string::npos);
  CHECK(bytes_of(dir / "hub" / "hub.db") == before);
}

TEST_CASE("restore: a damaged, empty or foreign backup is refused with the reason before anything is replaced") {
  TempDir dir;
  make_hub(dir / "hub", 200);
  REQUIRE(back_up(dir / "hub", dir / "good.db"));
  const auto good = bytes_of(dir / "good.db");
  const auto before = bytes_of(dir / "hub" / "hub.db");

  // A page in the middle overwritten: quick_check finds it.
  std::string damaged = good;
  REQUIRE(damaged.size() > 3 * 4096);
  for (std::size_t at = std::size_t{2} * 4096; at < std::size_t{3} * 4096; ++at) damaged[at] = static_cast<char>(0x5a);
  std::ofstream(dir / "damaged.db", std::ios::binary) << damaged;
  std::ofstream(dir / "truncated.db", std::ios::binary) << good.substr(0, 100);
  std::ofstream(dir / "empty.db", std::ios::binary) << "";
  {
    auto other = storage::Database::open(dir / "journal.db", storage::OpenMode::kCreateIfMissing,
                                         storage::Durability::kNormal, 0x52434a4e);
    REQUIRE(other);
    REQUIRE(other->execute("CREATE TABLE t (x)"));
  }
  struct Case {
    const char* file;
    const char* says;
  };
  for (const Case& bad : {Case{"damaged.db", "integrity check"}, Case{"truncated.db", ""}, Case{"empty.db", "is empty"},
                          Case{"journal.db", "not a database of this kind"}, Case{"missing.db", "cannot read"}}) {
    CAPTURE(bad.file);
    auto refused = restore(dir / "hub", dir / bad.file);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("the backup cannot be restored") != std::string::npos);
    CHECK(refused.error().message.find(bad.file) != std::string::npos);
    CHECK(refused.error().message.find(bad.says) != std::string::npos);
    CHECK(bytes_of(dir / "hub" / "hub.db") == before);
  }
  CHECK_FALSE(std::filesystem::exists(dir / "hub" / "hub.db.restoring"));
}

TEST_CASE("restore: the replaced database is kept aside, and catalog and task versions continue above it") {
  TempDir dir;
  make_hub(dir / "hub", 2);
  set_versions(dir / "hub", 3, 5);
  REQUIRE(back_up(dir / "hub", dir / "backup.db"));
  // After the backup the hub published newer versions, and a site the backup does not know.
  set_versions(dir / "hub", 9, 7);
  {
    auto database = storage::Database::open(Ledger::file_in(dir / "hub"), storage::OpenMode::kExistingOnly,
                                            storage::Durability::kNormal);
    REQUIRE(database);
    REQUIRE(database->execute("INSERT INTO reconcile_task_lists (site, version) VALUES ('s2', 4)"));
  }
  const auto replaced = number(Ledger::file_in(dir / "hub"), "SELECT count(*) FROM audit_log");

  auto restored = restore(dir / "hub", dir / "backup.db", [] { return std::int64_t{1795714809000}; });
  REQUIRE_MESSAGE(restored.has_value(), (restored ? "" : restored.error().describe()));
  CHECK(restored->versions_carried);
  CHECK(restored->aside == dir / "hub" / "hub.db.before-restore-20261126T174009Z");
  CHECK(number(restored->aside, "SELECT count(*) FROM audit_log") == replaced);

  const auto file = Ledger::file_in(dir / "hub");
  CHECK(number(file, "SELECT version FROM catalog_version") == 10);
  CHECK(number(file, "SELECT version FROM reconcile_task_lists WHERE site = 's1'") == 8);
  CHECK(number(file, "SELECT version FROM reconcile_task_lists WHERE site = 's2'") == 5);
  CHECK(number(file, "SELECT count(*) FROM audit_log WHERE kind = 'test.note'") == 2);
  CHECK(number(file, "SELECT count(*) FROM audit_log WHERE kind = 'hub.restored'") == 1);
  CHECK_FALSE(std::filesystem::exists(dir / "hub" / "hub.db.restoring"));
  CHECK(DataDirLock::acquire(dir / "hub").has_value());  // released
}

TEST_CASE("restore: into a directory without a database, versions continue from the backup's and it says why") {
  TempDir dir;
  make_hub(dir / "hub", 1);
  set_versions(dir / "hub", 3, 5);
  REQUIRE(back_up(dir / "hub", dir / "backup.db"));
  std::filesystem::create_directories(dir / "fresh");
  auto restored = restore(dir / "fresh", dir / "backup.db");
  REQUIRE(restored);
  CHECK_FALSE(restored->versions_carried);
  CHECK(restored->versions_note == "there was no hub database to replace");
  CHECK(restored->aside.empty());
  CHECK(number(Ledger::file_in(dir / "fresh"), "SELECT version FROM catalog_version") == 3);
}

}  // namespace
}  // namespace recount::hub
