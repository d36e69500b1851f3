// Backup and restore end to end: recountctl backs up a running recount-hub, the hub then acks more
// events and takes a newer catalog, and is restored from the older backup. The agent's journal,
// through a real Mosquitto, gives the hub back what it lost: every event once, seqs unchanged,
// and the catalogs published after the restore reach the device.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <thread>

#include "shared/storage/sqlite.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {
namespace {

constexpr auto kSyncTimeout = std::chrono::seconds(60);

// Whether the hub's cursor and the agent's watermark both stand at the journal's last seq.
bool synced(const Hub& hub, const std::filesystem::path& device) {
  const auto status = agent_status(device);
  const auto last_seq = status["last_seq"].get<std::uint64_t>();
  const auto stats = hub.stats();
  for (const auto& entry : stats["devices"]) {
    if (entry["device"] != "d1") continue;
    return entry["acked_through"].get<std::uint64_t>() == last_seq &&
           status["last_acked_seq"].get<std::uint64_t>() == last_seq && status["unsent"] == 0 && status["unacked"] == 0;
  }
  return false;
}

std::uint64_t last_seq(const std::filesystem::path& device) {
  return agent_status(device)["last_seq"].get<std::uint64_t>();
}

// Whether `recount-agent scan` knows the location label, i.e. the device holds a catalog with it.
bool device_knows(const std::filesystem::path& device, const std::string& label) {
  return agent_scan(device, "#user bob\n" + label + "\n").out.find("ok: location") != std::string::npos;
}

std::filesystem::path locations_file(const TempDir& dir, const std::string& name, const std::string& lines) {
  auto file = dir / name;
  std::ofstream(file) << "site,location,label,location_class\n" << lines;
  return file;
}

// (seq, event_id) of every event of device d1 in the hub database: each once, or the test fails.
std::vector<std::pair<std::uint64_t, std::string>> ledger_events(const std::filesystem::path& hub_dir) {
  auto database =
      storage::Database::open(hub_dir / "hub.db", storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
  REQUIRE_MESSAGE(database.has_value(), (database ? "" : database.error().describe()));
  auto rows = database->prepare("SELECT seq, event_id FROM events WHERE device = 'd1' ORDER BY seq");
  REQUIRE(rows);
  std::vector<std::pair<std::uint64_t, std::string>> events;
  while (rows->step().value()) {
    events.emplace_back(static_cast<std::uint64_t>(rows->column_int(0)), rows->column_text(1));
  }
  return events;
}

// A hub with a device that synced events A and took catalog A, backed up, then events B and
// catalog B (location LOC-B-02) acked and taken: what a restore from the backup loses.
struct BackedUpHub {
  TempDir dir;
  Mosquitto broker;
  std::filesystem::path hub_dir = dir / "hub";
  Hub hub{hub_dir, broker.uri()};
  std::filesystem::path device = dir / "device";
  std::filesystem::path backup = dir / "hub-backup.db";
  std::optional<AgentDaemon> agent;
  std::uint64_t backed_up_seq = 0;
  std::uint64_t total = 0;
  std::vector<std::pair<std::uint64_t, std::string>> before;  // every event, after B

  BackedUpHub() {
    REQUIRE(import_locations("a.csv", "store-1,A-01,LOC-A-01,shelf\n").exit_code == 0);
    record_events(device, "store-1", "d1", 30, 1);  // events A
    agent.emplace(device, broker.uri(), hub.key_file());
    REQUIRE(eventually([&] { return synced(hub, device); }, kSyncTimeout));
    backed_up_seq = last_seq(device);
    REQUIRE(eventually([&] { return device_knows(device, "LOC-A-01"); }, kSyncTimeout));

    const auto backed_up = run_command({RECOUNTCTL_BIN, "--data", hub_dir.string(), "backup", backup.string()});
    REQUIRE_MESSAGE(backed_up.exit_code == 0, backed_up.err);

    REQUIRE(import_locations("b.csv", "store-1,A-01,LOC-A-01,shelf\nstore-1,B-02,LOC-B-02,bin\n").exit_code == 0);
    record_events(device, "store-1", "d1", 30, 2);  // events B
    REQUIRE(eventually([&] { return synced(hub, device); }, kSyncTimeout));
    REQUIRE(eventually([&] { return device_knows(device, "LOC-B-02"); }, kSyncTimeout));
    total = last_seq(device);
    REQUIRE(total > backed_up_seq);
    before = ledger_events(hub_dir);
    REQUIRE(before.size() == total);
  }

  CommandResult import_locations(const std::string& name, const std::string& lines) {
    return run_command({RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", "locations",
                        locations_file(dir, name, lines).string()});
  }

  // After the restart of a restored hub: the restored catalog (without B-02) replaced the newer one
  // the device held, and a change made since reaches it too (their versions continue above what it
  // saw); the device is synced again, every event once at its seq: those before the restore
  // unchanged, after them only acks of tasks the restored hub sent again, which it took as new.
  void check_after_restart() {
    REQUIRE(eventually([&] { return !device_knows(device, "LOC-B-02"); }, kSyncTimeout));
    REQUIRE(import_locations("c.csv", "store-1,A-01,LOC-A-01,shelf\nstore-1,C-03,LOC-C-03,bin\n").exit_code == 0);
    CHECK(eventually([&] { return device_knows(device, "LOC-C-03"); }, kSyncTimeout));
    REQUIRE(eventually([&] { return synced(hub, device); }, kSyncTimeout));
    agent->stop();
    const auto journal = agent_journal(device);
    REQUIRE(journal.size() >= total);
    const auto stored = ledger_events(hub_dir);
    REQUIRE(stored.size() == journal.size());
    for (std::size_t i = 0; i < journal.size(); ++i) {
      CHECK(journal[i]["seq"].get<std::uint64_t>() == i + 1);
      CHECK(stored[i] == std::pair{i + 1, journal[i]["event_id"].get<std::string>()});
      if (i < total) CHECK(stored[i] == before[i]);
      if (i >= total) CHECK(journal[i]["type"] == "task_ack");
    }
  }
};

}  // namespace

TEST_CASE(
    "after a restore from an older backup the agent resends what the hub lost: every event once, seqs unchanged, and "
    "a later catalog reaches the device") {
  BackedUpHub setup;
  const auto again = run_command({RECOUNTCTL_BIN, "--data", setup.hub_dir.string(), "backup", setup.backup.string()});
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("never overwrites") != std::string::npos);

  const auto refused =
      run_command({RECOUNTCTL_BIN, "--data", setup.hub_dir.string(), "restore", setup.backup.string()});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("stop the hub") != std::string::npos);
  REQUIRE(setup.hub.stop() == 0);
  const auto restored =
      run_command({RECOUNTCTL_BIN, "--data", setup.hub_dir.string(), "restore", setup.backup.string()});
  REQUIRE_MESSAGE(restored.exit_code == 0, restored.err);
  CHECK(restored.out.find("versions continue above") != std::string::npos);
  CHECK(ledger_events(setup.hub_dir).size() == setup.backed_up_seq);  // what the backup held

  setup.hub.restart();
  setup.check_after_restart();
}

TEST_CASE(
    "a restore whose replaced database is gone still brings the device the restored catalog and later ones: the hub "
    "reads back from the broker what it published") {
  BackedUpHub setup;
  REQUIRE(setup.hub.stop() == 0);
  for (const char* file : {"hub.db", "hub.db-wal", "hub.db-shm"}) std::filesystem::remove(setup.hub_dir / file);
  const auto restored =
      run_command({RECOUNTCTL_BIN, "--data", setup.hub_dir.string(), "restore", setup.backup.string()});
  REQUIRE_MESSAGE(restored.exit_code == 0, restored.err);
  CHECK(restored.err.find("there was no hub database to replace") != std::string::npos);
  CHECK(restored.err.find("records on the broker") != std::string::npos);

  setup.hub.restart();
  setup.check_after_restart();
  CHECK(setup.hub.errors().find("the ledger holds older versions than were sent") != std::string::npos);
}

}  // namespace recount::testing
