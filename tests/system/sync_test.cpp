// End-to-end sync through real processes: recount-agent run, recount-hub and Mosquitto. Every
// confirmed event must reach the ledger exactly once, whatever is killed or stopped on the way.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <thread>

#include "shared/storage/sqlite.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/hub_ledgers.hpp"
#include "tests/support/mosquitto.hpp"

namespace recount::testing {
namespace {

constexpr auto kDeliveryTimeout = std::chrono::seconds(120);
constexpr std::size_t kRecordedWhileDead = 2000;

// The events `hub` has stored, over every device.
std::uint64_t stored_events(const Hub& hub) {
  const auto stats = hub.stats();
  std::uint64_t stored = 0;
  for (const auto& device : stats["devices"]) stored += device["events"].get<std::uint64_t>();
  return stored;
}

// Polls `hub` until it has stored more than `before` (the devices are syncing to it) and returns
// what it had stored then; `before` if nothing came within 20 s. A test kills the hub right after,
// with the rest of the devices' events still in flight unless they all came at once.
std::uint64_t once_storing(const Hub& hub, std::uint64_t before) {
  std::uint64_t stored = before;
  eventually(
      [&] {
        stored = stored_events(hub);
        return stored > before;
      },
      std::chrono::seconds(20), std::chrono::milliseconds(5));
  return stored;
}

nlohmann::json device_stats(const Hub& hub, const std::string& device) {
  const auto stats = hub.stats();
  for (const auto& entry : stats["devices"]) {
    if (entry["device"] == device) return entry;
  }
  return nullptr;
}

// The device's side of being fully synced: its journal says every event it holds is acked.
bool all_acked(const nlohmann::json& status) {
  return status["last_acked_seq"] == status["last_seq"] && status["unsent"] == 0 && status["unacked"] == 0;
}

// True when the hub holds every event of the device's journal, contiguously, once, and the
// device knows it.
bool fully_synced(const Hub& hub, const std::filesystem::path& data, const std::string& device) {
  const auto status = agent_status(data);
  const auto stats = device_stats(hub, device);
  if (stats.is_null()) return false;
  const auto last_seq = status["last_seq"].get<std::uint64_t>();
  return stats["epoch"] == status["epoch"] && stats["events"].get<std::uint64_t>() == last_seq &&
         stats["acked_through"].get<std::uint64_t>() == last_seq && all_acked(status);
}

// The same, read from the ledger's cursor of the device instead of through a hub: for hubs that
// may be restarting when asked.
template <typename Ledger>
bool fully_synced_in_ledger(const Ledger& ledger, const std::filesystem::path& hub_dir,
                            const std::filesystem::path& data, const std::string& device) {
  const auto status = agent_status(data);
  const auto last_seq = std::to_string(status["last_seq"].get<std::uint64_t>());
  // The device and its epoch are the test's and the agent's own codes: no quotes in them.
  return ledger.number(hub_dir, "SELECT count(*) FROM cursors WHERE device = '" + device + "' AND epoch = '" +
                                    status["epoch"].get<std::string>() + "' AND events = " + last_seq +
                                    " AND acked_through = " + last_seq) == 1 &&
         all_acked(status);
}

// The ledger's own view, read from its database: no (device, seq) twice, no event_id twice.
template <typename Ledger>
void check_ledger_exactly_once(const Ledger& ledger, const std::filesystem::path& hub_dir,
                               std::uint64_t expected_events) {
  // What the scans recorded: not the hub's adjustments, nor the agents' acks of its recount tasks.
  const std::string scans = " FROM events WHERE device != 'hub' AND type != 'task_ack'";
  const auto events = ledger.number(hub_dir, "SELECT COUNT(*)" + scans);
  CHECK(static_cast<std::uint64_t>(events) == expected_events);
  CHECK(ledger.number(hub_dir, "SELECT COUNT(DISTINCT event_id)" + scans) == events);
  CHECK(ledger.number(hub_dir, "SELECT COUNT(DISTINCT device || '/' || epoch || '/' || seq)" + scans) == events);
}

// Reconciliation's view, while the hub runs: once it has caught up with the ledger, every count
// is in reconcile_counts and every movement in reconcile_movements (both keyed by the event, so
// none twice), and each position's balance and number of movements are those of its movements,
// whatever the kills left behind.
template <typename Ledger>
void check_reconciled(const Ledger& ledger, const std::filesystem::path& hub_dir) {
  CHECK(eventually(
      [&] {
        return ledger.number(hub_dir,
                             "SELECT CASE WHEN (SELECT value FROM reconcile_meta WHERE name = 'applied_through') >="
                             " (SELECT max(rowid) FROM events) THEN 1 ELSE 0 END") == 1;
      },
      kDeliveryTimeout, std::chrono::milliseconds(200)));
  CHECK(ledger.number(hub_dir, "SELECT count(*) FROM events WHERE type = 'count'") > 0);
  CHECK(ledger.number(hub_dir,
                      "SELECT count(*) FROM events WHERE type = 'count'"
                      " AND event_id NOT IN (SELECT event_id FROM reconcile_counts)") == 0);
  CHECK(
      ledger.number(hub_dir,
                    "SELECT count(*) FROM events WHERE type IN ('receive', 'putaway', 'move', 'adjust', 'sale', 'ship',"
                    " 'baseline') AND event_id NOT IN (SELECT event_id FROM reconcile_movements)") == 0);
  CHECK(ledger.number(hub_dir,
                      "SELECT count(*) FROM reconcile_movements"
                      " WHERE position_id NOT IN (SELECT id FROM reconcile_positions)") == 0);
  CHECK(
      ledger.number(hub_dir,
                    "SELECT count(*) FROM reconcile_positions p WHERE"
                    " on_hand != (SELECT coalesce(sum(delta), 0) FROM reconcile_movements m WHERE m.position_id = p.id)"
                    " OR movements != (SELECT count(*) FROM reconcile_movements m WHERE m.position_id = p.id)") == 0);
}

struct Fleet {
  explicit Fleet(const TempDir& dir, int size) {
    for (int i = 0; i < size; ++i) {
      devices.push_back("hh-" + std::to_string(i));
      data.push_back(dir / devices.back());
    }
  }
  // `events` more on each device, at site s1, the i-th device's from seed first_seed + i.
  void record(std::size_t events, unsigned first_seed) const {
    for (std::size_t i = 0; i < devices.size(); ++i)
      record_events(data[i], "s1", devices[i], events, first_seed + static_cast<unsigned>(i));
  }
  std::vector<std::string> devices;
  std::vector<std::filesystem::path> data;
};

// The end of a kill -9 case: every device fully synced and acked (`synced(i)` for the i-th), the
// projections caught up with every event, and the agents stopped cleanly.
template <typename Ledger>
void check_fleet_synced_and_reconciled(const std::function<bool(std::size_t)>& synced, const Fleet& fleet,
                                       const Ledger& ledger, const std::filesystem::path& hub_dir,
                                       std::vector<std::unique_ptr<AgentDaemon>>& agents) {
  for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
    CAPTURE(fleet.devices[i]);
    CHECK(eventually([&] { return synced(i); }, kDeliveryTimeout, std::chrono::milliseconds(500)));
  }
  check_reconciled(ledger, hub_dir);
  for (auto& agent : agents) CHECK(agent->stop() == 0);
}

// Devices trust one hub key: the hubs of one ledger share it. Gives the hub to be started in
// `to` the key of the one in `from`.
void share_signing_key(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  std::filesystem::copy_file(from / "hub-signing.key", to / "hub-signing.key");
}

// Whether the current launch of `hub` holds the lease of reconciliation: it said it took the lease
// and has not said since that it lost it.
bool holds_lease(const Hub& hub) {
  const std::string errors = hub.errors();
  const auto took = errors.rfind("holds the lease of reconciliation");
  const auto lost = errors.rfind("lost the lease");
  return took != std::string::npos && (lost == std::string::npos || lost < took);
}

// What systemd does for a hub (Restart=on-failure): one that lost the lease exits 1 and is started
// again as a hub that stores and acks until it gets the lease back (hub/main.cpp). On a loaded
// machine the hub that is not being killed can lose it too. Any other end of a hub is a failure.
void restart_if_it_lost_the_lease(Hub& hub) {
  const bool lost = hub.errors().find("lost the lease of reconciliation") != std::string::npos;
  INFO("the hub's stderr: " << hub.errors());
  // It stops orderly right after saying so, storing what it had taken first: on a machine loaded
  // past its cores (load 9 on 2, the ledger's server beside it) that took over 20 s.
  if (lost) REQUIRE(eventually([&] { return !hub.running(); }, kDeliveryTimeout));
  if (hub.running()) return;
  REQUIRE(lost);
  hub.restart();
}

// Stops a hub of a pair: it exits 0, or 1 if it had lost the lease just before (and said so).
void stop_one_of_two(Hub& hub) {
  const int code = hub.stop();
  INFO("its stderr: " << hub.errors());
  CHECK((code == 0 || (code == 1 && hub.errors().find("lost the lease of reconciliation") != std::string::npos)));
}

}  // namespace

TEST_CASE_TEMPLATE(
    "kill -9 of the hub while agents sync thousands of events leaves every event in the ledger exactly once, and "
    "reconciled",
    Ledger, SqliteHubLedger, PostgresHubLedger) {
  TempDir dir;
  Ledger ledger;
  Mosquitto broker;
  Fleet fleet(dir, 5);
  fleet.record(3000, 0);
  Hub hub(dir / "hub", broker.uri(), {}, ledger.url());
  std::vector<std::unique_ptr<AgentDaemon>> agents;
  for (const auto& data : fleet.data)
    agents.push_back(std::make_unique<AgentDaemon>(data, broker.uri(), hub.key_file()));

  std::uint64_t recorded = std::uint64_t{5} * 3000;
  std::uint64_t stored = 0;
  int kills_mid_sync = 0;  // the test means something only if the hub died with work in hand
  for (int kill = 0; kill < 4; ++kill) {
    stored = once_storing(hub, stored);
    if (stored < recorded) ++kills_mid_sync;
    hub.kill_hard();
    // Events recorded while the hub is dead must arrive too; enough of them that the next kill
    // finds some still on their way.
    record_events(fleet.data[static_cast<std::size_t>(kill)], "s1", fleet.devices[static_cast<std::size_t>(kill)],
                  kRecordedWhileDead, 100u + static_cast<unsigned>(kill));
    recorded += kRecordedWhileDead;
    hub.restart();
  }
  CHECK(kills_mid_sync >= 2);
  check_fleet_synced_and_reconciled([&](std::size_t i) { return fully_synced(hub, fleet.data[i], fleet.devices[i]); },
                                    fleet, ledger, dir / "hub", agents);
  CHECK(hub.stop() == 0);
  check_ledger_exactly_once(ledger, dir / "hub", std::uint64_t{5} * 3000 + std::uint64_t{4} * kRecordedWhileDead);
}

// Several hubs (docs/scale-out.md): two share the PostgreSQL ledger and the broker, which gives
// each batch to one of them ($share). The owner of reconciliation is killed four times while agents
// sync, and each time the other hub takes the lease over; every event ends up stored once and
// reconciled once. Each kill takes whichever hub holds the lease then: on a loaded machine a hub
// whose thread is busy past the lease's time loses it to the other, as it should.
TEST_CASE(
    "two hubs sharing a PostgreSQL ledger: kill -9 of either while agents sync leaves every event in the ledger "
    "exactly once, and reconciled") {
  TempDir dir;
  PostgresHubLedger ledger;
  Mosquitto broker;
  Fleet fleet(dir, 5);
  // Enough that the agents still sync at the second kill on a quiet machine (with 3,000 each,
  // one run synced everything before it).
  constexpr std::uint64_t kEach = 6000;
  fleet.record(kEach, 0);
  // A short lease, so the survivor takes over within the test's patience.
  const std::vector<std::string> lease{"--lease-ttl", "3"};
  Hub first(dir / "hub-a", broker.uri(), lease, ledger.url(), "admin-a");
  REQUIRE(eventually([&] { return first.errors().find("holds the lease of reconciliation") != std::string::npos; },
                     std::chrono::seconds(20)));
  share_signing_key(dir / "hub-a", dir / "hub-b");
  Hub second(dir / "hub-b", broker.uri(), lease, ledger.url(), "admin-b");
  std::vector<std::unique_ptr<AgentDaemon>> agents;
  for (const auto& data : fleet.data)
    agents.push_back(std::make_unique<AgentDaemon>(data, broker.uri(), first.key_file()));

  std::uint64_t recorded = 5 * kEach;
  std::uint64_t stored = 0;
  int kills_mid_sync = 0;
  for (int kill = 0; kill < 4; ++kill) {
    // Never both: a hub that lost the lease says so at its next renewal.
    REQUIRE(eventually(
        [&] {
          restart_if_it_lost_the_lease(first);
          restart_if_it_lost_the_lease(second);
          return holds_lease(first) != holds_lease(second);
        },
        std::chrono::seconds(20)));
    const bool first_holds = holds_lease(first);
    Hub& victim = first_holds ? first : second;
    Hub& survivor = first_holds ? second : first;
    stored = once_storing(survivor, stored);  // the ledger is shared: the survivor sees the victim's
    if (stored < recorded) ++kills_mid_sync;
    victim.kill_hard();
    record_events(fleet.data[static_cast<std::size_t>(kill)], "s1", fleet.devices[static_cast<std::size_t>(kill)],
                  kRecordedWhileDead, 200u + static_cast<unsigned>(kill));
    recorded += kRecordedWhileDead;
    // The survivor must take over once the victim's lease lapses (3 s). It may have already: under
    // load the victim can stall past its lease between the check above and the kill.
    const bool taken_over = eventually([&] { return holds_lease(survivor); }, std::chrono::seconds(20));
    INFO("the surviving hub's stderr: " << survivor.errors() << "\nthe killed hub's: " << victim.errors());
    CHECK(taken_over);
    victim.restart();
  }
  CHECK(kills_mid_sync >= 2);
  // Either hub may lose the lease to the other while the devices finish (a hub's thread busy past
  // the 3 s lease on a loaded machine): the pair is read from the ledger, and kept up as systemd would.
  check_fleet_synced_and_reconciled(
      [&](std::size_t i) {
        restart_if_it_lost_the_lease(first);
        restart_if_it_lost_the_lease(second);
        return fully_synced_in_ledger(ledger, dir / "hub-a", fleet.data[i], fleet.devices[i]);
      },
      fleet, ledger, dir / "hub-a", agents);
  stop_one_of_two(first);
  stop_one_of_two(second);
  check_ledger_exactly_once(ledger, dir / "hub-a", 5 * kEach + std::uint64_t{4} * kRecordedWhileDead);
}

TEST_CASE_TEMPLATE("agents that keep recording through a broker outage deliver everything once it returns", Ledger,
                   SqliteHubLedger, PostgresHubLedger) {
  TempDir dir;
  Ledger ledger;
  Mosquitto broker;
  Fleet fleet(dir, 3);
  Hub hub(dir / "hub", broker.uri(), {}, ledger.url());
  std::vector<std::unique_ptr<AgentDaemon>> agents;
  for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
    record_events(fleet.data[i], "s1", fleet.devices[i], 500, static_cast<unsigned>(i));
    agents.push_back(std::make_unique<AgentDaemon>(fleet.data[i], broker.uri(), hub.key_file()));
  }
  for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
    REQUIRE(eventually([&] { return fully_synced(hub, fleet.data[i], fleet.devices[i]); }, kDeliveryTimeout,
                       std::chrono::milliseconds(200)));
  }

  broker.stop();
  fleet.record(700, 50);
  const auto offline = agent_status(fleet.data[0]);
  CHECK(offline["unsent"].get<int>() + offline["unacked"].get<int>() == 700);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // long enough for every reconnect attempt to fail
  broker.start();

  for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
    CAPTURE(fleet.devices[i]);
    CHECK(eventually([&] { return fully_synced(hub, fleet.data[i], fleet.devices[i]); }, kDeliveryTimeout,
                     std::chrono::milliseconds(200)));
  }
  for (auto& agent : agents) CHECK(agent->stop() == 0);
  CHECK(hub.stop() == 0);
  check_ledger_exactly_once(ledger, dir / "hub", std::uint64_t{3} * 1200);
}

// The ledger's server crashes (every session cut at once) while agents sync through a hub on it,
// and stays down for longer than the lease of reconciliation, as in a failover or a restart for an
// upgrade. What the hub could not commit it does not ack; its lease lapses and it exits 1, to be
// started again (systemd's Restart=on-failure); started while the server is still down, it waits
// for it; and the devices send again what was not acked (docs/scale-out.md, "Running a hub on
// PostgreSQL").
TEST_CASE(
    "a PostgreSQL ledger whose server crashes while agents sync gets every event exactly once, and reconciled, once "
    "it returns") {
  TempDir dir;
  PostgresHubLedger ledger;
  Mosquitto broker;
  Fleet fleet(dir, 3);
  fleet.record(3000, 0);
  // Long enough a lease that the events recorded during the outage reach the hub, and fail to
  // commit, before it lapses on a loaded machine (at three seconds, a CI run saw none arrive).
  Hub hub(dir / "hub", broker.uri(), {"--lease-ttl", "10"}, ledger.url());
  std::vector<std::unique_ptr<AgentDaemon>> agents;
  for (const auto& data : fleet.data)
    agents.push_back(std::make_unique<AgentDaemon>(data, broker.uri(), hub.key_file()));

  once_storing(hub, 0);
  ledger.server.stop_immediately();
  // Monitoring sees why at once.
  const auto health = api_get(hub.url(), "/api/v1/health");
  REQUIRE(health.has_value());
  CHECK(health->status == 503);
  CHECK(health->body["reasons"] == nlohmann::json{"ledger_unavailable"});
  CHECK(health->body["ledger_error"].get<std::string>().find("postgresql://recount@") != std::string::npos);
  // Sent while the server is down: refused by the hub, kept by the devices.
  fleet.record(500, 300);
  REQUIRE_MESSAGE(
      eventually([&] { return hub.errors().find(" not committed: ") != std::string::npos; }, std::chrono::seconds(30)),
      hub.errors());
  REQUIRE_MESSAGE(eventually([&] { return !hub.running(); }, std::chrono::seconds(60)), hub.errors());
  CHECK(hub.stop() == 1);
  INFO("the first hub's stderr: " << hub.errors());
  // Each failing source says so once, not at every try (a line a minute in a longer outage).
  const auto lines_of = [said = hub.errors()](const std::string& source) {
    std::size_t lines = 0;
    for (auto at = said.find("recount-hub: " + source + ": "); at != std::string::npos;
         at = said.find("recount-hub: " + source + ": ", at + 1))
      ++lines;
    return lines;
  };
  CHECK(lines_of("commit") == 1);
  CHECK(lines_of("events to reconcile") <= 1);
  CHECK(lines_of("catalog version") <= 1);
  CHECK(lines_of("task list versions") <= 1);
  CHECK(lines_of("the lease of reconciliation") <= 1);
  CHECK(hub.errors().find("lost the lease of reconciliation: it lapsed while the database could not be reached") !=
        std::string::npos);

  hub.respawn();
  REQUIRE_MESSAGE(eventually([&] { return hub.errors().find("waiting for the ledger") != std::string::npos; },
                             std::chrono::seconds(20)),
                  hub.errors());
  ledger.server.start();
  hub.wait_until_serving();

  check_fleet_synced_and_reconciled([&](std::size_t i) { return fully_synced(hub, fleet.data[i], fleet.devices[i]); },
                                    fleet, ledger, dir / "hub", agents);
  INFO("the second hub's stderr: " << hub.errors());
  CHECK(hub.errors().find("the ledger answered after") != std::string::npos);
  CHECK(hub.stop() == 0);
  check_ledger_exactly_once(ledger, dir / "hub", std::uint64_t{3} * 3500);
}

// The database fails over: its primary crashes and the operations team (or its tooling) promotes
// the synchronous standby. Two hubs reach it through a URL naming both servers. One keeps running
// and reconnects to the new primary by itself; the other is started again while no server takes
// writes (as systemd would start one that exited) and waits, instead of stopping on the standby's
// refusal of a writable session. Nothing a hub acked is lost: the standby had every commit.
TEST_CASE(
    "two hubs on a PostgreSQL ledger that fails over to its synchronous standby while agents sync lose and "
    "duplicate nothing") {
  TempDir dir;
  PostgresFailoverHubLedger ledger(PostgresServer::Replication::kSynchronous);
  Mosquitto broker;
  Fleet fleet(dir, 3);
  fleet.record(3000, 0);
  Hub first(dir / "hub-a", broker.uri(), {}, ledger.url(), "admin-a");
  share_signing_key(dir / "hub-a", dir / "hub-b");
  Hub second(dir / "hub-b", broker.uri(), {}, ledger.url(), "admin-b");
  std::vector<std::unique_ptr<AgentDaemon>> agents;
  for (const auto& data : fleet.data)
    agents.push_back(std::make_unique<AgentDaemon>(data, broker.uri(), first.key_file()));

  once_storing(first, 0);
  ledger.primary.stop_immediately();
  stop_one_of_two(second);
  second.respawn();
  REQUIRE_MESSAGE(eventually([&] { return second.errors().find("waiting for the ledger") != std::string::npos; },
                             std::chrono::seconds(20)),
                  second.errors());
  CHECK(second.errors().find("read-only") != std::string::npos);
  fleet.record(500, 400);
  ledger.standby.promote();
  second.wait_until_serving();

  check_fleet_synced_and_reconciled(
      [&](std::size_t i) {
        restart_if_it_lost_the_lease(first);
        restart_if_it_lost_the_lease(second);
        return fully_synced_in_ledger(ledger, dir / "hub-a", fleet.data[i], fleet.devices[i]);
      },
      fleet, ledger, dir / "hub-a", agents);
  INFO("the first hub's stderr: " << first.errors() << "\nthe second's: " << second.errors());
  CHECK(second.errors().find("the ledger answered after") != std::string::npos);
  stop_one_of_two(first);
  stop_one_of_two(second);
  check_ledger_exactly_once(ledger, dir / "hub-a", std::uint64_t{3} * 3500);
}

// With an asynchronous standby a failover loses the primary's last commits, events the hub had
// acked among them. The hub must not go on from what it remembers of them: once connected to the
// promoted standby it tells every device what the ledger holds of it, unasked (the devices here
// are switched off, so nothing they send can ask), and the devices send the rest again from their
// journals when they come back. Every event ends up stored once, the projections agree with their
// movements, and the audit chain continues from what the standby holds.
TEST_CASE(
    "a hub whose PostgreSQL ledger fails over to an asynchronous standby that lagged tells the devices, which send "
    "again every acked event the failover lost, once each") {
  TempDir dir;
  PostgresFailoverHubLedger ledger(PostgresServer::Replication::kAsynchronous);
  Mosquitto broker;
  Fleet fleet(dir, 3);
  fleet.record(2000, 0);
  Hub hub(dir / "hub", broker.uri(), {}, ledger.url());
  std::vector<std::unique_ptr<AgentDaemon>> agents;
  const auto start_agents = [&] {
    for (const auto& data : fleet.data)
      agents.push_back(std::make_unique<AgentDaemon>(data, broker.uri(), hub.key_file()));
  };
  const auto all_synced = [&] {
    for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
      CAPTURE(fleet.devices[i]);
      REQUIRE(eventually([&] { return fully_synced_in_ledger(ledger, dir / "hub", fleet.data[i], fleet.devices[i]); },
                         kDeliveryTimeout, std::chrono::milliseconds(200)));
    }
  };
  start_agents();
  all_synced();

  ledger.standby.stop_following();
  fleet.record(1000, 500);
  // A catalog import too: its version, like the task lists' versions the counts move on, reaches
  // the devices and only the primary.
  const auto locations = dir / "locations.csv";
  std::ofstream(locations) << "site,location,label,location_class\ns1,Z-99,LOC-Z-99,shelf\n";
  REQUIRE(run_command(
              {RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", "locations", locations.string()})
              .exit_code == 0);
  all_synced();  // acked by the hub, and only on the primary
  // The highest versions the devices took; 0 for none.
  const auto held_by_devices = [&](const std::string& key) {
    std::int64_t highest = 0;
    for (const auto& data : fleet.data) {
      auto journal =
          storage::Database::open(data / "journal.db", storage::OpenMode::kExistingOnly, storage::Durability::kFull);
      REQUIRE(journal);
      auto query = journal->prepare("SELECT coalesce(max(value), 0) FROM catalog_meta WHERE key = ?");
      REQUIRE(query);
      query->bind(1, key);
      const auto row = query->step();
      REQUIRE((row.has_value() && *row));
      highest = std::max(highest, query->column_int(0));
    }
    return highest;
  };
  REQUIRE(eventually([&] { return held_by_devices("catalog_version") > 0 && held_by_devices("tasks_version") > 0; },
                     std::chrono::seconds(30)));
  for (auto& agent : agents) REQUIRE(agent->stop() == 0);
  agents.clear();
  const auto tasks_held = held_by_devices("tasks_version");
  const auto catalog_held = held_by_devices("catalog_version");
  Process acks(
      {"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-t", "recount/v1/s1/+/ack", "-v"},
      dir / "acks");
  ledger.primary.stop_immediately();
  ledger.standby.promote();
  const auto scans = [&] {
    return ledger.number(dir / "hub", "SELECT count(*) FROM events WHERE device != 'hub' AND type != 'task_ack'");
  };
  CHECK(scans() < 3 * 3000);
  // Each device is told an ack below the 3,000 events it holds (the hub had acked them all).
  const auto told_less = [&](const std::string& device) {
    const std::string said = acks.output();
    const std::string topic = "recount/v1/s1/" + device + "/ack ";
    for (auto at = said.find(topic); at != std::string::npos; at = said.find(topic, at + 1)) {
      const auto line = said.substr(at + topic.size(), said.find('\n', at) - at - topic.size());
      const auto ack = nlohmann::json::parse(line, nullptr, false);
      if (ack.is_object() && ack.value("acked_through", std::uint64_t{3000}) < 3000) return true;
    }
    return false;
  };
  for (const auto& device : fleet.devices) {
    CAPTURE(device);
    CHECK(eventually([&] { return told_less(device); }, std::chrono::seconds(30)));
  }
  INFO("the hub's stderr: " << hub.errors());
  CHECK(hub.errors().find("connected to the ledger again") != std::string::npos);
  // The versions go on above what the devices took, or they would ignore what the hub sends next:
  // the catalog's, which the import in the lost window moved on, above it; the task lists' at least
  // to it (whether the lost window changed a list depends on which counts the hub judged in it;
  // hub_daemon_test.cpp's "a hub whose ledger holds older versions ..." raises a list for sure).
  CHECK(eventually(
      [&] {
        return ledger.number(dir / "hub", "SELECT coalesce(max(version), 0) FROM reconcile_task_lists") >= tasks_held &&
               ledger.number(dir / "hub", "SELECT version FROM catalog_version") > catalog_held;
      },
      std::chrono::seconds(30)));

  start_agents();
  all_synced();
  check_reconciled(ledger, dir / "hub");
  CHECK(eventually([&] { return held_by_devices("catalog_version") > catalog_held; }, std::chrono::seconds(30)));
  CHECK(hub.running());
  for (auto& agent : agents) CHECK(agent->stop() == 0);
  const auto verify =
      run_command({RECOUNTCTL_BIN, "--data", (dir / "hub").string(), "--ledger", ledger.url(), "audit", "verify"});
  CHECK_MESSAGE(verify.exit_code == 0, verify.out << verify.err);
  CHECK(hub.stop() == 0);
  check_ledger_exactly_once(ledger, dir / "hub", std::uint64_t{3} * 3000);
}

TEST_CASE("twenty agents syncing at once all reach the ledger exactly once") {
  TempDir dir;
  Mosquitto broker;
  Fleet fleet(dir, 20);
  for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
    record_events(fleet.data[i], i % 2 == 0 ? "north" : "south", fleet.devices[i], 1000, static_cast<unsigned>(i));
  }
  Hub hub(dir / "hub", broker.uri());
  std::vector<std::unique_ptr<AgentDaemon>> agents;
  for (const auto& data : fleet.data)
    agents.push_back(std::make_unique<AgentDaemon>(data, broker.uri(), hub.key_file()));
  for (std::size_t i = 0; i < fleet.devices.size(); ++i) {
    CAPTURE(fleet.devices[i]);
    CHECK(eventually([&] { return fully_synced(hub, fleet.data[i], fleet.devices[i]); }, kDeliveryTimeout,
                     std::chrono::milliseconds(200)));
  }
  for (auto& agent : agents) CHECK(agent->stop() == 0);
  const auto stats = hub.stats()["devices"];
  CHECK(stats.size() == 20);
  for (const auto& device : stats) {
    CHECK(device["status"]["state"] == "offline");  // each agent said goodbye on SIGTERM
  }
  CHECK(hub.stop() == 0);
  check_ledger_exactly_once(SqliteHubLedger{}, dir / "hub", std::uint64_t{20} * 1000);
}

TEST_CASE("an event the hub rejects is marked rejected on the device with the hub's reason and is not resent") {
  TempDir dir;
  Mosquitto broker;
  const auto data = dir / "old-agent";
  record_events(data, "s1", "hh-old", 10, 3);
  {
    // What an agent with laxer rules might have recorded: a count with a negative quantity.
    auto journal =
        storage::Database::open(data / "journal.db", storage::OpenMode::kExistingOnly, storage::Durability::kFull);
    REQUIRE(journal);
    REQUIRE(journal->execute(
        "UPDATE events SET type = 'count', qty = -5, to_location = NULL, reason = NULL WHERE seq = 4"));
  }
  Hub hub(dir / "hub", broker.uri());
  AgentDaemon agent(data, broker.uri(), hub.key_file());
  // At least 10: the agent's task acks follow seq 10 at once, and a poll can miss the moment of 10.
  REQUIRE(eventually([&] { return agent_status(data)["last_acked_seq"] >= 10; }, kDeliveryTimeout));
  REQUIRE(eventually([&] { return agent_status(data)["rejected"] == 1; }, std::chrono::seconds(20)));
  const auto journal = agent_journal(data);
  CHECK(journal[3]["sync_state"] == "rejected");
  CHECK(journal[3]["rejection"].get<std::string>().find("qty") != std::string::npos);
  CHECK(journal[4]["sync_state"] == "acked");
  // The counts raise recount tasks, which the agent acknowledges with events after seq 10: the
  // hub holds every event but the rejected one, and acks them all.
  REQUIRE(eventually(
      [&] {
        const auto status = agent_status(data);
        const auto stats = device_stats(hub, "hh-old");
        const auto last_seq = status["last_seq"].get<std::uint64_t>();
        return status["unsent"] == 0 && status["unacked"] == 0 && stats["events"] == last_seq - 1 &&
               stats["acked_through"] == last_seq;
      },
      kDeliveryTimeout));
  CHECK(device_stats(hub, "hh-old")["dead_letters"] == 1);
  CHECK(agent.stop() == 0);
}

}  // namespace recount::testing
