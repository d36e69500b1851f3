// Backup and restore of a ledger in PostgreSQL, with pg_dump, pg_restore and psql against a real
// server: a backup taken while another connection writes is one commit's state; restore refuses
// while anyone is connected or the archive is no ledger's, keeps the replaced ledger aside,
// carries catalog and task versions and leaves a chain that verifies.
#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "hub/catalog/catalog_schema.hpp"
#include "hub/daemon/backup.hpp"
#include "hub/daemon/data_dir_lock.hpp"
#include "hub/daemon/program.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/schema.hpp"
#include "hub/storage/postgres.hpp"
#include "tests/support/postgres.hpp"

namespace recount::hub {
namespace {

using recount::testing::PostgresServer;
using recount::testing::TempDir;

Ledger connect(const PostgresServer& server) {
  auto ledger = Ledger::connect(server.url());
  REQUIRE_MESSAGE(ledger.has_value(), (ledger ? "" : ledger.error().describe()));
  return std::move(*ledger);
}

void note(Ledger& ledger, const std::string& kind, const std::string& subject) {
  auto write = ledger.begin_write();
  REQUIRE(write);
  REQUIRE(write->audit(kind, subject, "{}"));
  REQUIRE(write->commit());
}

// A ledger with the catalog's and reconciliation's tables and `notes` audit entries.
void make_ledger(const PostgresServer& server, int notes) {
  auto ledger = connect(server);
  REQUIRE(migrate_catalog(ledger.database()));
  REQUIRE(reconcile::migrate_reconcile(ledger.database()));
  for (int each = 0; each < notes; ++each) note(ledger, "test.note", "n" + std::to_string(each));
}

std::int64_t number(const PostgresServer& server, const std::string& sql) {
  auto database = storage::PostgresConnection::open(server.url());
  REQUIRE_MESSAGE(database.has_value(), (database ? "" : database.error().describe()));
  auto query = database->prepare(sql);
  REQUIRE_MESSAGE(query.has_value(), (query ? "" : query.error().describe()));
  REQUIRE(query->step().value());
  return query->column_int(0);
}

void execute(const PostgresServer& server, const std::string& sql) {
  auto database = storage::PostgresConnection::open(server.url());
  REQUIRE(database);
  auto done = database->execute(sql);
  REQUIRE_MESSAGE(done.has_value(), (done ? "" : done.error().describe()));
}

void set_versions(const PostgresServer& server, std::int64_t catalog, std::int64_t tasks) {
  execute(server, "UPDATE catalog_version SET version = " + std::to_string(catalog) +
                      "; INSERT INTO reconcile_task_lists (site, version) VALUES ('s1', " + std::to_string(tasks) +
                      ") ON CONFLICT (site) DO UPDATE SET version = excluded.version");
}

TEST_CASE("postgresql backup: taken while another connection writes, it holds one commit's state, whole") {
  TempDir dir;
  PostgresServer server;
  make_ledger(server, 10);
  std::atomic<bool> done{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    auto ledger = connect(server);
    // Bounded: it stops when the backup is done or after 20000 commits.
    for (int each = 0; each < 20000 && !done; ++each) {
      note(ledger, "test.during", "w" + std::to_string(each));
      ++written;
    }
  });
  while (written < 50) std::this_thread::yield();
  auto backed_up = back_up_database(server.url(), dir / "ledger.dump");
  done = true;
  writer.join();
  REQUIRE_MESSAGE(backed_up.has_value(), (backed_up ? "" : backed_up.error().describe()));
  CHECK(backed_up->bytes == std::filesystem::file_size(dir / "ledger.dump"));
  // Nothing but the backup is left beside it.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  CHECK(files == 1);

  // Put back, it holds a prefix of the writer's commits, without holes, and its chain verifies.
  std::filesystem::create_directories(dir / "hub");
  auto restored = restore_database(dir / "hub", server.url(), dir / "ledger.dump");
  REQUIRE_MESSAGE(restored.has_value(), (restored ? "" : restored.error().describe()));
  const auto copied = number(server, "SELECT count(*) FROM audit_log WHERE kind = 'test.during'");
  CHECK(copied >= 50);
  CHECK(copied < written);
  CHECK(number(server, "SELECT count(*) FROM audit_log WHERE kind = 'test.during' AND subject = 'w" +
                           std::to_string(copied - 1) + "'") == 1);
  CHECK(number(server, "SELECT count(*) FROM audit_log WHERE kind = 'test.note'") == 10);
  auto ledger = connect(server);
  const auto verified = ledger.audit().verify();
  REQUIRE(verified);
  CHECK(verified->broken_id == std::nullopt);
}

TEST_CASE("postgresql restore: the replaced ledger is kept aside, and catalog and task versions continue above it") {
  TempDir dir;
  PostgresServer server;
  make_ledger(server, 2);
  set_versions(server, 3, 5);
  REQUIRE(back_up_database(server.url(), dir / "backup.dump"));
  // After the backup the hub published newer versions, and a site the backup does not know.
  set_versions(server, 9, 7);
  execute(server, "INSERT INTO reconcile_task_lists (site, version) VALUES ('s2', 4)");
  {
    auto ledger = connect(server);
    note(ledger, "test.after", "lost");
  }
  std::filesystem::create_directories(dir / "hub");

  auto restored =
      restore_database(dir / "hub", server.url(), dir / "backup.dump", [] { return std::int64_t{1795714809000}; });
  REQUIRE_MESSAGE(restored.has_value(), (restored ? "" : restored.error().describe()));
  CHECK(restored->versions_carried);
  CHECK(restored->aside == dir / "hub" / "ledger.before-restore-20261126T174009Z.dump");
  CHECK(std::filesystem::file_size(restored->aside) > 0);
  CHECK(number(server, "SELECT version FROM catalog_version") == 10);
  CHECK(number(server, "SELECT version FROM reconcile_task_lists WHERE site = 's1'") == 8);
  CHECK(number(server, "SELECT version FROM reconcile_task_lists WHERE site = 's2'") == 5);
  CHECK(number(server, "SELECT count(*) FROM audit_log WHERE kind = 'test.note'") == 2);
  CHECK(number(server, "SELECT count(*) FROM audit_log WHERE kind = 'test.after'") == 0);
  CHECK(number(server, "SELECT count(*) FROM audit_log WHERE kind = 'hub.restored'") == 1);
  CHECK(DataDirLock::acquire(dir / "hub").has_value());  // released

  // The ledger kept aside is a backup too: restored, the entry made after the backup is back.
  auto again = restore_database(dir / "hub", server.url(), restored->aside);
  REQUIRE_MESSAGE(again.has_value(), (again ? "" : again.error().describe()));
  CHECK(number(server, "SELECT count(*) FROM audit_log WHERE kind = 'test.after'") == 1);
  auto ledger = connect(server);
  CHECK(ledger.audit().verify().value().broken_id == std::nullopt);
}

TEST_CASE("postgresql backup and restore refuse what would lose or mix data, naming the problem") {
  TempDir dir;
  PostgresServer server;
  std::filesystem::create_directories(dir / "hub");

  auto nothing = back_up_database(server.url(), dir / "none.dump");
  REQUIRE_FALSE(nothing);
  CHECK(nothing.error().code == ErrorCode::kNotFound);
  CHECK(nothing.error().message.find("holds no hub ledger") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "none.dump"));

  make_ledger(server, 3);
  std::ofstream(dir / "taken.dump") << "keep me";
  auto taken = back_up_database(server.url(), dir / "taken.dump");
  REQUIRE_FALSE(taken);
  CHECK(taken.error().code == ErrorCode::kConflict);
  REQUIRE(back_up_database(server.url(), dir / "good.dump"));
  {
    auto ledger = connect(server);
    note(ledger, "test.after", "kept");
  }
  const auto entries = number(server, "SELECT count(*) FROM audit_log");

  {
    auto connected = connect(server);  // a hub still running on the ledger
    auto refused = restore_database(dir / "hub", server.url(), dir / "good.dump");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kConflict);
    CHECK(refused.error().message.find("1 other session(s) are connected") != std::string::npos);
    CHECK(refused.error().message.find("stop every hub on this ledger") != std::string::npos);
  }
  {
    auto held = DataDirLock::acquire(dir / "hub");
    REQUIRE(held);
    auto refused = restore_database(dir / "hub", server.url(), dir / "good.dump");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("stop the hub before a restore") != std::string::npos);
  }
  auto garbage = restore_database(dir / "hub", server.url(), dir / "taken.dump");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == ErrorCode::kCorrupt);
  CHECK(garbage.error().message.find("taken.dump is not a pg_dump archive") != std::string::npos);
  // A pg_dump archive of a database that holds no ledger.
  execute(server, "CREATE DATABASE other");
  std::string other_url = server.url();
  other_url.replace(other_url.find("/recount?"), 9, "/other?");
  REQUIRE(
      run_program({"pg_dump", "--format=custom", "--file=" + (dir / "other.dump").string(), "--dbname=" + other_url}));
  auto foreign = restore_database(dir / "hub", server.url(), dir / "other.dump");
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().code == ErrorCode::kCorrupt);
  CHECK(foreign.error().message.find("holds no events table") != std::string::npos);
  CHECK(number(server, "SELECT count(*) FROM audit_log") == entries);
  CHECK(std::filesystem::file_size(dir / "good.dump") > 0);
  // No restore ran: nothing was kept aside, nor any script left behind; only the lock file is there.
  for (const auto& entry : std::filesystem::directory_iterator(dir / "hub")) {
    CHECK(entry.path().filename() == "hub.lock");
  }
}

}  // namespace
}  // namespace recount::hub
