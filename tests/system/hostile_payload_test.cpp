// Hostile input against the real recount-hub and a real Mosquitto: the deep-nesting payload that
// used to crash the hub, plain and retained, across restarts, and a forged event at a stored seq,
// with the ledger in a file and in PostgreSQL; a full disk (a small tmpfs) that the hub reports,
// acks nothing on, and recovers from.
#include <doctest/doctest.h>
#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "shared/core/hlc.hpp"
#include "shared/mqtt/link.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/topics.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/hub_ledgers.hpp"
#include "tests/support/mosquitto.hpp"

namespace recount::testing {
namespace {

using Json = nlohmann::json;

const std::string kEpoch = "00000000000000e1";

// The payload that crashed the hub: 200 KB, one event without an event_id holding 100,000 nested
// arrays.
std::string deep_nesting_payload(const std::string& device) {
  return R"({"v":1,"site":"S1","device":")" + device + R"(","epoch":")" + kEpoch +
         R"(","events":[{"seq":1,"type":"count","x":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}]}";
}

Json health(const Hub& hub) {
  const auto answer = api_get(hub.url(), "/api/v1/health");
  REQUIRE_MESSAGE(answer.has_value(), "the hub does not answer on " << hub.url());
  return answer->body;
}

bool has_reason(const Json& health, const std::string& reason) {
  const auto reasons = health.value("reasons", Json::array());
  return std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
}

const Json* device_in(const Json& stats, const std::string& device) {
  for (const Json& entry : stats["devices"]) {
    if (entry["device"] == device) return &entry;
  }
  return nullptr;
}

std::uint64_t stat_of(const Hub& hub, const std::string& device, const std::string& name) {
  const Json stats = hub.stats();
  const Json* entry = device_in(stats, device);
  return entry == nullptr ? 0 : (*entry)[name].get<std::uint64_t>();
}

// An MQTT client of the test's own: publishes as anyone, and keeps what its filters receive.
class Client {
 public:
  Client(const std::string& uri, const std::string& client_id, const std::vector<std::string>& filters)
      : link_(io_, options(uri, client_id)) {
    link_.on_message([this](mqtt::Message message) { received.push_back(std::move(message)); });
    if (!filters.empty()) link_.subscribe(filters, mqtt::Qos::kAtLeastOnce);
    link_.start();
    REQUIRE(run_until([&] { return link_.connected(); }));
  }
  ~Client() { link_.stop(); }

  void publish(const std::string& topic, const std::string& payload, mqtt::Retain retain) {
    std::optional<Result<void>> sent;
    link_.publish({topic, payload, retain == mqtt::Retain::kYes}, mqtt::Qos::kAtLeastOnce,
                  [&](const Result<void>& result) { sent = result; });
    REQUIRE(run_until([&] { return sent.has_value(); }));
    REQUIRE(sent->has_value());
  }

  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  std::vector<mqtt::Message> received;

 private:
  static mqtt::LinkOptions options(const std::string& uri, const std::string& client_id) {
    mqtt::LinkOptions options;
    options.uri = uri;
    options.client_id = client_id;
    options.clean_session = true;
    return options;
  }

  boost::asio::io_context io_;
  mqtt::Link link_;
};

// Whether the broker holds a retained message on `topic`: a new client's subscription gets it
// before the probe it publishes afterwards comes back.
bool broker_retains(const std::string& uri, const std::string& topic, const std::string& client_id) {
  const std::string probe = "recount/test/probe/" + client_id;
  Client fresh(uri, client_id, {topic, probe});
  fresh.publish(probe, "probe", mqtt::Retain::kNo);
  REQUIRE(fresh.run_until([&] { return !fresh.received.empty() && fresh.received.back().topic == probe; }));
  return fresh.received.front().topic == topic && !fresh.received.front().payload.empty();
}

// A tmpfs of `bytes` mounted on `at` for the test's lifetime (the test runs as root).
class SmallFilesystem {
 public:
  SmallFilesystem(const std::filesystem::path& at, std::size_t bytes) : at_(at) {
    std::filesystem::create_directories(at);
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
    mounted_ = ::mount("tmpfs", at.c_str(), "tmpfs", 0, options.c_str()) == 0;
    REQUIRE_MESSAGE(mounted_, "cannot mount a tmpfs on " << at.string() << " (needs root): " << std::strerror(errno));
  }
  ~SmallFilesystem() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }

  // Writes `file` until the filesystem is full; returns the bytes written.
  static std::size_t fill(const std::filesystem::path& file) {
    std::ofstream out(file, std::ios::binary);
    const std::string chunk(4096, 'f');
    std::size_t written = 0;
    for (int i = 0; i < 1'000'000 && out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())) && out.flush();
         ++i)
      written += chunk.size();
    return written;
  }

 private:
  std::filesystem::path at_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE_TEMPLATE(
    "the deep-nesting payload, plain and retained, is dead-lettered while the hub stays up across restarts", Ledger,
    SqliteHubLedger, PostgresHubLedger) {
  TempDir dir;
  Ledger ledger;
  Mosquitto broker;
  Hub hub(dir / "hub", broker.uri(), {}, ledger.url());
  const std::string plain_topic = protocol::device_topic("S1", "d1", protocol::DeviceChannel::kEvents);
  const std::string retained_topic = protocol::device_topic("S1", "d2", protocol::DeviceChannel::kEvents);
  // The hub subscribes as it connects; the plain message reaches only a subscribed hub.
  REQUIRE(eventually([&] { return health(hub)["mqtt"] == "connected"; }, std::chrono::seconds(30)));
  {
    Client attacker(broker.uri(), "attacker", {});
    attacker.publish(plain_topic, deep_nesting_payload("d1"), mqtt::Retain::kNo);
    attacker.publish(retained_topic, deep_nesting_payload("d2"), mqtt::Retain::kYes);
  }
  // Live, the retained one reaches the running hub as any message and is dead-lettered so.
  REQUIRE(eventually([&] { return stat_of(hub, "d1", "dead_letters") == 1 && stat_of(hub, "d2", "dead_letters") == 1; },
                     std::chrono::seconds(30)));
  REQUIRE(broker_retains(broker.uri(), retained_topic, "look-1"));

  // At its restart the broker replays it, flagged retained: dead-lettered unread, and cleared.
  hub.restart();
  REQUIRE(eventually([&] { return stat_of(hub, "d2", "dead_letters") == 2; }, std::chrono::seconds(30)));
  CHECK(eventually([&] { return health(hub)["ingest"]["retained_cleared"] == 1; }, std::chrono::seconds(10)));
  CHECK(eventually([&] { return !broker_retains(broker.uri(), retained_topic, "look-2"); }, std::chrono::seconds(10)));

  // Nothing is replayed at the next start, and the hub takes good events as before.
  hub.restart();
  {
    Client device(broker.uri(), "d3", {});
    Event event;
    event.seq = 1;
    event.event_id = "01a218f1-6538-7518-ac52-b31ce27d3d65";
    event.type = EventType::kCount;
    event.wall_ms = system_wall_clock()();
    event.hlc = HlcStamp::from_parts(event.wall_ms, 0);
    event.location = "A-1";
    event.sku = "SKU-1";
    event.qty = 4;
    device.publish(protocol::device_topic("S1", "d3", protocol::DeviceChannel::kEvents),
                   protocol::encode(protocol::EventBatch{"S1", "d3", kEpoch, {event}}), mqtt::Retain::kNo);
  }
  REQUIRE(eventually([&] { return stat_of(hub, "d3", "events") == 1; }, std::chrono::seconds(30)));
  CHECK(stat_of(hub, "d2", "dead_letters") == 2);
  CHECK(stat_of(hub, "d1", "dead_letters") == 1);
  CHECK(health(hub)["ingest"]["retained_cleared"] == 0);  // this run had nothing to clear
}

TEST_CASE_TEMPLATE("a forged different event at a stored seq is not acked as a duplicate and shows in health and stats",
                   Ledger, SqliteHubLedger, PostgresHubLedger) {
  TempDir dir;
  Ledger ledger;
  Mosquitto broker;
  Hub hub(dir / "hub", broker.uri(), {}, ledger.url());
  const auto device_dir = dir / "device";
  record_events(device_dir, "S1", "d1", 5, 3);
  {
    AgentDaemon agent(device_dir, broker.uri(), hub.key_file());
    // Every event it journaled, not seq 5: its own events (at start) follow the recorded ones, and
    // an ack may pass over 5 (with Nagle's algorithm off it usually does).
    REQUIRE(eventually(
        [&] {
          const auto status = agent_status(device_dir);
          return status["last_seq"] >= 5 && status["last_acked_seq"] == status["last_seq"];
        },
        std::chrono::seconds(30)));
    agent.stop();
  }
  // The agent may journal more than the recorded events (its own, at start and stop): all of them.
  const auto last_seq = agent_status(device_dir)["last_seq"].get<std::uint64_t>();
  REQUIRE(eventually([&] { return stat_of(hub, "d1", "acked_through") == last_seq; }, std::chrono::seconds(30)));
  const auto stored = stat_of(hub, "d1", "events");
  const auto healthy = health(hub);
  CHECK_FALSE(has_reason(healthy, "conflicts"));

  // Seq 3 again, as it was stored but for its quantity: what a forger would send.
  auto forged = protocol::decode_event(agent_journal(device_dir)[2].dump());
  REQUIRE(forged.has_value());
  REQUIRE(forged->seq == 3);
  forged->qty += 100;
  const std::string epoch = agent_status(device_dir)["epoch"];
  Client forger(broker.uri(), "forger",
                {protocol::device_topic("S1", "d1", protocol::DeviceChannel::kAck),
                 protocol::device_topic("S1", "d1", protocol::DeviceChannel::kNack)});
  forger.publish(protocol::device_topic("S1", "d1", protocol::DeviceChannel::kEvents),
                 protocol::encode(protocol::EventBatch{"S1", "d1", epoch, {*forged}}), mqtt::Retain::kNo);
  REQUIRE(forger.run_until([&] { return forger.received.size() == 2; }));
  std::optional<protocol::Nack> nack;
  for (const auto& message : forger.received) {
    if (message.topic.ends_with("/nack")) nack = protocol::decode_nack(message.payload).value();
  }
  REQUIRE(nack.has_value());
  REQUIRE(nack->rejected.size() == 1);
  CHECK(nack->rejected[0].seq == 3);
  CHECK(nack->rejected[0].reason.find("different event is already stored") != std::string::npos);

  CHECK(stat_of(hub, "d1", "conflicts") == 1);
  CHECK(stat_of(hub, "d1", "events") == stored);
  const auto degraded = api_get(hub.url(), "/api/v1/health");
  REQUIRE(degraded.has_value());
  CHECK(degraded->status == 503);
  CHECK(has_reason(degraded->body, "conflicts"));
  const auto listed = run_command({RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "conflicts", "--json"});
  REQUIRE(listed.exit_code == 0);
  const auto conflicts = Json::parse(listed.out)["conflicts"];
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0]["received"]["qty"] == forged->qty);
  CHECK(conflicts[0]["stored"]["qty"] == forged->qty - 100);
}

// SQLite alone: the full disk is the one under the ledger's file in the hub's data directory; a
// PostgreSQL ledger's disk is the server's.
TEST_CASE(
    "on a full disk the hub acks nothing and says disk_full, and once space returns the agent's resend is stored") {
  TempDir dir;
  Mosquitto broker;
  // The data directory itself: the hub's logs, beside it, still have room.
  SmallFilesystem disk(dir / "hub", std::size_t{8} * 1024 * 1024);
  Hub hub(dir / "hub", broker.uri());
  const auto device_dir = dir / "device";
  record_events(device_dir, "S1", "d1", 2000, 7);
  REQUIRE(eventually([&] { return health(hub)["reasons"].empty(); }, std::chrono::seconds(10)));

  const auto filler = dir / "hub" / "filler";
  REQUIRE(SmallFilesystem::fill(filler) > 0);
  AgentDaemon agent(device_dir, broker.uri(), hub.key_file());
  REQUIRE(eventually([&] { return has_reason(health(hub), "disk_full"); }, std::chrono::seconds(30)));
  CHECK(api_get(hub.url(), "/api/v1/health")->status == 503);
  CHECK(agent_status(device_dir)["last_acked_seq"] == 0);

  std::filesystem::remove(filler);
  // The agent resends what was not acked once its ack timeout passes; then every event it
  // journaled (it may journal its own beyond the recorded ones, also while this looks) is acked,
  // and stored once: the hub's count is read in the same look as the agent's, so a later event
  // cannot skew it.
  std::uint64_t journaled = 0;
  std::uint64_t stored = 0;
  REQUIRE_MESSAGE(eventually(
                      [&] {
                        const auto status = agent_status(device_dir);
                        journaled = status["last_seq"].get<std::uint64_t>();
                        if (journaled < 2000 || status["last_acked_seq"] != journaled) return false;
                        stored = stat_of(hub, "d1", "events");
                        return stored == journaled;
                      },
                      std::chrono::seconds(180), std::chrono::milliseconds(500)),
                  "journaled " << journaled << ", stored " << stored << ", health " << health(hub).dump());
  CHECK_FALSE(has_reason(health(hub), "disk_full"));
  agent.stop();
}

}  // namespace recount::testing
