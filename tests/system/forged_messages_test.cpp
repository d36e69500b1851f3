// Defence in depth on the device (DESIGN §9) through real processes and a deliberately open
// Mosquitto, where anyone may publish on the hub's topics: a forged ack loses no event, and forged
// catalogs and task lists are ignored while the hub's own are applied.
#include <doctest/doctest.h>
#include <signal.h>

#include "shared/core/hlc.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "shared/protocol/topics.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"

namespace recount::testing {
namespace {

constexpr auto kTimeout = std::chrono::seconds(120);

void publish(const Mosquitto& broker, const std::string& topic, const std::string& payload, bool retained) {
  std::vector<std::string> argv{"mosquitto_pub", "-p", std::to_string(broker.port()), "-q", "1", "-t", topic, "-m",
                                payload};
  if (retained) argv.push_back("-r");
  const auto result = run_command(argv);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
}

nlohmann::json device_stats(const Hub& hub, const std::string& device) {
  const auto stats = hub.stats();  // kept: the loop reads into it
  for (const auto& entry : stats["devices"]) {
    if (entry["device"] == device) return entry;
  }
  return nullptr;
}

std::int64_t now_ms() { return system_wall_clock()(); }

}  // namespace

TEST_CASE("forged acks on an open broker lose nothing: every event reaches a hub started later") {
  TempDir dir;
  Mosquitto broker;
  const auto device = dir / "device";
  record_events(device, "S1", "d1", 5, 1);
  AgentDaemon agent(device, broker.uri(), hub_key_file(dir / "hub"));
  // No hub runs: the agent has published its 5 events, and nobody stored them.
  REQUIRE(eventually([&] { return agent_status(device)["unacked"] == 5; }, kTimeout));
  const auto epoch = agent_status(device)["epoch"].get<std::string>();
  const auto ack_topic = protocol::device_topic("S1", "d1", protocol::DeviceChannel::kAck);
  // Far above anything sent, with a sane clock.
  publish(broker, ack_topic,
          protocol::encode(protocol::Ack{"d1", epoch, 1'000'000, now_ms(), HlcStamp::from_parts(now_ms(), 0).packed}),
          false);
  // Within what was sent, but with the hub's clock 6.7 days ahead.
  const std::int64_t ahead = now_ms() + 578'880'000;
  publish(broker, ack_topic,
          protocol::encode(protocol::Ack{"d1", epoch, 3, ahead, HlcStamp::from_parts(ahead, 0).packed}), false);
  REQUIRE(eventually([&] { return agent_status(device)["refused_acks"] == 2; }, kTimeout));
  const auto forged = agent_status(device);
  CHECK(forged["last_acked_seq"] == 0);
  CHECK(forged["acked"] == 0);
  CHECK(forged["skew_ms"] == 0);

  record_events(device, "S1", "d1", 2, 2);  // recorded after the forged acks
  Hub hub(dir / "hub", broker.uri());
  // The counts raise recount tasks, whose task_ack events follow seq 7: the hub holds every
  // event of the journal, contiguously, and the agent has its ack for all of them.
  CHECK(eventually(
      [&] {
        const auto stats = device_stats(hub, "d1");
        const auto status = agent_status(device);
        const auto last = status["last_seq"].get<std::uint64_t>();
        return !stats.is_null() && last >= 7 && stats["events"] == last && stats["acked_through"] == last &&
               status["last_acked_seq"] == last && status["unsent"] == 0 && status["unacked"] == 0;
      },
      kTimeout));
  CHECK(agent.stop() == 0);
}

TEST_CASE("forged catalogs and task lists on an open broker are ignored by a running agent, the hub's are applied") {
  TempDir dir;
  Mosquitto broker;
  Hub hub(dir / "hub", broker.uri());
  const auto ctl = [&](std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), {RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token()});
    return run_command(arguments);
  };
  REQUIRE(ctl({"import", "items", catalog_fixture("items.csv")}).exit_code == 0);
  REQUIRE(ctl({"import", "locations", catalog_fixture("locations.csv")}).exit_code == 0);
  const auto device = dir / "device";
  REQUIRE(
      run_command({RECOUNT_AGENT_BIN, "status", "--data", device.string(), "--site", "store-1", "--device", "dev-1"})
          .exit_code == 0);
  AgentDaemon agent(device, broker.uri(), hub.key_file());
  const auto knows = [&](const std::string& label, const std::string& location) {
    return agent_scan(device, "#user bob\n" + label + "\n").out.find("ok: location " + location) != std::string::npos;
  };
  REQUIRE(eventually([&] { return knows("LOC-A-01", "A-01"); }, kTimeout));

  // Forged catalogs with versions far above the hub's: one signed by another key, one unsigned.
  const auto forger = crypto::SigningKey::generate();
  const protocol::Catalog forged_catalog{"store-1", 1'000'000, {}, {{"Z-99", "LOC-Z-99", "shelf"}}, {}};
  publish(broker, protocol::catalog_topic("store-1"), protocol::sign_payload(protocol::encode(forged_catalog), forger),
          true);
  auto unsigned_catalog = forged_catalog;
  unsigned_catalog.version = 999'999;
  publish(broker, protocol::catalog_topic("store-1"), protocol::encode(unsigned_catalog), true);
  // And forged task lists.
  const protocol::TaskList forged_tasks{"store-1", 1'000'000, {{"rt-forged", "A-01", "", "", 1, "", "", 10}}};
  publish(broker, protocol::tasks_topic("store-1"), protocol::sign_payload(protocol::encode(forged_tasks), forger),
          true);
  auto unsigned_tasks = forged_tasks;
  unsigned_tasks.tasks.front().task_id = "rt-unsigned";
  publish(broker, protocol::tasks_topic("store-1"), protocol::encode(unsigned_tasks), true);
  REQUIRE(eventually(
      [&] {
        const auto status = agent_status(device);
        return status["refused_catalogs"] == 2 && status["refused_task_lists"] == 2;
      },
      kTimeout));
  CHECK_FALSE(knows("LOC-Z-99", "Z-99"));
  CHECK(knows("LOC-A-01", "A-01"));

  // The hub's next catalog, lower than the forged versions, is applied.
  const auto again = ctl({"import", "locations", catalog_fixture("locations.csv")});
  REQUIRE(again.exit_code == 0);
  const auto at = again.out.find("catalog version ");
  REQUIRE(at != std::string::npos);
  const auto version = std::stoull(again.out.substr(at + 16));
  CHECK(eventually(
      [&] {
        return agent.output().find("catalog version " + std::to_string(version) + " stored") != std::string::npos;
      },
      kTimeout));
  // A task list signed with the hub's key, lower than the forged version, is applied and acknowledged.
  const protocol::TaskList genuine{"store-1", 1, {{"rt-7", "B-02", "", "", 1, "", "", 10}}};
  publish(broker, protocol::tasks_topic("store-1"), signed_by_hub(dir / "hub", protocol::encode(genuine)), true);
  CHECK(eventually([&] { return agent_journal(device).dump().find(R"("task_id":"rt-7")") != std::string::npos; },
                   kTimeout));
  const auto journal = agent_journal(device).dump();
  CHECK(journal.find("rt-forged") == std::string::npos);
  CHECK(journal.find("rt-unsigned") == std::string::npos);
  CHECK(agent.stop() == 0);
}

TEST_CASE("an agent without the hub key says so at start, syncs its events and applies no catalog") {
  TempDir dir;
  Mosquitto broker;
  Hub hub(dir / "hub", broker.uri());
  REQUIRE(run_command({RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", "locations",
                       catalog_fixture("locations.csv")})
              .exit_code == 0);
  const auto device = dir / "device";
  record_events(device, "store-1", "dev-1", 3, 1);
  Process agent({RECOUNT_AGENT_BIN, "run", "--data", device.string(), "--mqtt", broker.uri()}, dir / "agent");
  CHECK(eventually([&] { return agent.errors().find("WARNING: no hub key") != std::string::npos; }, kTimeout));
  CHECK(eventually([&] { return agent_status(device)["refused_catalogs"] >= 1; }, kTimeout));
  CHECK(eventually([&] { return agent_status(device)["last_acked_seq"] >= 3; }, kTimeout));
  CHECK(agent_scan(device, "#user bob\nLOC-A-01\n").out.find("ok: location A-01") == std::string::npos);
  CHECK(agent.stop(SIGTERM) == 0);
  // Provisioned: the key is stored and the hub's retained catalog is applied.
  {
    Process provisioned({RECOUNT_AGENT_BIN, "run", "--data", device.string(), "--mqtt", broker.uri(), "--hub-key",
                         hub.key_file().string()},
                        dir / "provisioned");
    CHECK(eventually(
        [&] { return agent_scan(device, "#user bob\nLOC-A-01\n").out.find("ok: location A-01") != std::string::npos; },
        kTimeout));
    CHECK(provisioned.stop(SIGTERM) == 0);
  }
  // From then on another hub's key is refused before anything runs.
  const auto refused = run_command({RECOUNT_AGENT_BIN, "run", "--data", device.string(), "--mqtt", broker.uri(),
                                    "--hub-key", hub_key_file(dir / "other-hub").string()});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("remove " + (device / "hub-key.pem").string()) != std::string::npos);
}

}  // namespace recount::testing
