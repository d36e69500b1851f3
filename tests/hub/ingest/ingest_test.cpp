// Ingest against a real Mosquitto and a real SQLite file: dedupe, gaps, rejected events and
// payloads, hellos and statuses, and acks that are sent only after the commit.
#include "hub/ingest/ingest.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "hub/cluster/membership.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/protocol/codec.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/support/damage.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_fixtures.hpp"

namespace recount::hub {
namespace {

using testing::count_event;
using testing::origin_of;

constexpr std::string_view kProbeTopic = "recount/test/probe";
const std::string kEpoch = "00000000000000e1";

std::string events_topic(const std::string& device = "device-1") {
  return protocol::device_topic("site-1", device, protocol::DeviceChannel::kEvents);
}

// Events of one batch; `tag` keeps event ids of different devices apart.
std::string batch_payload(std::uint64_t first, std::uint64_t last, const std::string& device = "device-1",
                          unsigned tag = 1) {
  protocol::EventBatch batch{"site-1", device, kEpoch, {}};
  for (auto seq = first; seq <= last; ++seq) batch.events.push_back(count_event(seq, tag));
  return protocol::encode(batch);
}

std::string hello_payload(const std::string& epoch, std::uint64_t last_seq) {
  return protocol::encode(protocol::Hello{"site-1", "device-1", epoch, last_seq, 0, testing::kFixedNowMs,
                                          HlcStamp::from_parts(testing::kFixedNowMs, 0), "test"});
}

// A hub (Link + Ingest + Ledger) and a device on one io_context that the test thread runs,
// against a broker of their own. The device sees every ack and nack of every device.
struct IngestFixture {
  testing::Mosquitto broker;
  testing::TempDir dir;
  boost::asio::io_context io;
  Ledger ledger = Ledger::open(dir / "hub.db").value();
  HybridLogicalClock clock;
  mqtt::Link hub_link{io, options("recount-hub")};
  reconcile::CatalogSnapshot catalog;
  reconcile::Reconciler reconciler = reconcile::Reconciler::open(ledger.database(), catalog).value();
  crypto::SigningKey signing_key = crypto::SigningKey::generate();
  TaskListPublisher tasks{io, hub_link, reconciler, signing_key};
  IngestOptions ingest_options;
  Ingest ingest{io, hub_link, ledger, reconciler, tasks, clock, system_wall_clock(), ingest_options};
  testing::TestDevice device{
      io, broker.uri(), "device-1", {"recount/v1/+/+/ack", "recount/v1/+/+/nack", std::string(kProbeTopic)}};
  std::vector<mqtt::Message>& replies = device.received;

  explicit IngestFixture(IngestOptions options = {}) : ingest_options(std::move(options)) {
    hub_link.on_message([this](mqtt::Message message) { ingest.deliver(std::move(message)); });
    ingest.start();
    hub_link.start();
    REQUIRE(run_until([&] { return hub_link.connected(); }));
    // The broker handles each client's packets in order: once a message the hub published after
    // subscribing reaches the device, both subscriptions are in place.
    REQUIRE(run_until([&] {
      hub_link.publish({std::string(kProbeTopic), "", false}, mqtt::Qos::kAtLeastOnce);
      return run_until([&] { return !replies.empty(); }, std::chrono::milliseconds(200));
    }));
    run_until([] { return false; }, std::chrono::milliseconds(100));  // lets duplicate probes in
    replies.clear();
  }

  // Lets the last acks reach the broker before the links disconnect, as recount-hub does.
  ~IngestFixture() {
    try {
      run_until([&] { return ingest.counters().replies_in_flight == 0; });
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the links disconnect all the same
    }
  }

  mqtt::LinkOptions options(std::string client_id) const {
    return testing::test_link_options(broker.uri(), std::move(client_id));
  }

  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    return testing::run_until(io, done, timeout);
  }

  void publish(const std::string& topic, const std::string& payload, bool retained = false) {
    device.publish(topic, payload, retained);
  }

  // The index-th reply on device-1's `channel`, decoded with `decode`. MQTT keeps order within a
  // topic only, so acks and nacks are counted apart.
  template <typename Decode>
  auto reply(std::size_t index, protocol::DeviceChannel channel, Decode decode) {
    const auto topic = protocol::device_topic("site-1", "device-1", channel);
    std::vector<const mqtt::Message*> matching;
    REQUIRE_MESSAGE(run_until([&] {
                      matching.clear();
                      for (const auto& message : replies) {
                        if (message.topic == topic) matching.push_back(&message);
                      }
                      return matching.size() > index;
                    }),
                    "replies on " << topic << ": " << matching.size());
    auto decoded = decode(matching[index]->payload);
    REQUIRE_MESSAGE(decoded.has_value(), matching[index]->payload);
    return *decoded;
  }
  protocol::Ack ack(std::size_t index) { return reply(index, protocol::DeviceChannel::kAck, protocol::decode_ack); }
  protocol::Nack nack(std::size_t index) { return reply(index, protocol::DeviceChannel::kNack, protocol::decode_nack); }

  std::size_t stored_events(const std::string& device_id = "device-1") {
    return ledger.events().events({device_id, kEpoch, 0, 100000}).value().size();
  }

  std::vector<DeadLetter> dead_letters() { return ledger.events().dead_letters({"", 0, 1000}).value(); }

  // Stores `count` counts of device-1 straight into the ledger, which reconciliation has not seen.
  void store_unreconciled(std::uint64_t count) {
    hub::IncomingBatch batch = testing::batch_of(origin_of("device-1"), 1, count);
    auto write = ledger.begin_write();
    REQUIRE(write->apply(batch).has_value());
    REQUIRE(write->commit().has_value());
  }

  // Whether reconciliation has applied every stored event, and how many counts it holds.
  bool reconciled() {
    return single_number(
               "SELECT (SELECT value FROM reconcile_meta WHERE name = 'applied_through') >="
               " (SELECT max(rowid) FROM events)") == 1;
  }
  std::int64_t reconciled_counts() { return single_number("SELECT count(*) FROM reconcile_counts"); }
  std::int64_t single_number(const std::string& sql) {
    auto query = ledger.database().prepare(sql);
    REQUIRE(query.has_value());
    REQUIRE(query->step().value());
    return query->column_int(0);
  }

  // The audit entries of sync ("sync.*"), without reconciliation's notes on the counts.
  std::vector<AuditEntry> sync_audit() {
    std::vector<AuditEntry> entries = ledger.audit().entries(0, 1000).value();
    std::erase_if(entries, [](const AuditEntry& entry) { return !entry.kind.starts_with("sync."); });
    return entries;
  }
};

TEST_CASE("the same batch published twice is stored once and acked twice") {
  IngestFixture hub;
  hub.publish(events_topic(), batch_payload(1, 10));
  CHECK(hub.ack(0).acked_through == 10);
  hub.publish(events_topic(), batch_payload(1, 10));
  const auto second = hub.ack(1);
  CHECK(second.acked_through == 10);
  CHECK(second.epoch == kEpoch);
  CHECK(hub.stored_events() == 10);

  const auto audit = hub.sync_audit();
  REQUIRE(audit.size() == 2);
  CHECK(nlohmann::json::parse(audit[1].detail)["duplicates"] == 10);
}

TEST_CASE("a batch after a gap is stored but acked only up to the gap, and filling the gap moves the ack") {
  IngestFixture hub;
  hub.publish(events_topic(), batch_payload(11, 20));
  CHECK(hub.ack(0).acked_through == 0);
  CHECK(hub.stored_events() == 10);
  hub.publish(events_topic(), batch_payload(1, 10));
  CHECK(hub.ack(1).acked_through == 20);
  CHECK(hub.stored_events() == 20);
}

TEST_CASE(
    "one bad event among good ones: the good are stored, the bad is dead-lettered and nacked, the ack covers all") {
  IngestFixture hub;
  auto payload = nlohmann::json::parse(batch_payload(1, 5));
  payload["events"][2]["qty"] = "many";
  hub.publish(events_topic(), payload.dump());

  const auto nack = hub.nack(0);
  CHECK(nack.epoch == kEpoch);
  CHECK(nack.payload_error.empty());
  REQUIRE(nack.rejected.size() == 1);
  CHECK(nack.rejected[0].seq == 3);
  CHECK(nack.rejected[0].field == "events[2].qty");
  CHECK(nack.rejected[0].event_id == count_event(3).event_id);
  CHECK(hub.ack(0).acked_through == 5);
  CHECK(hub.stored_events() == 4);

  const auto letters = hub.dead_letters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0].seq == 3u);
  CHECK(nlohmann::json::parse(letters[0].payload)["qty"] == "many");
}

TEST_CASE("a payload naming another device than its topic is refused whole, dead-lettered and nacked") {
  IngestFixture hub;
  hub.publish(events_topic("device-1"), batch_payload(1, 3, "device-2"));
  const auto nack = hub.nack(0);
  CHECK(nack.device == "device-1");
  CHECK(nack.rejected.empty());
  CHECK(nack.payload_error.find("device") != std::string::npos);
  CHECK(nack.payload_error.find("device-2") != std::string::npos);
  CHECK(hub.stored_events("device-1") == 0);
  CHECK(hub.stored_events("device-2") == 0);
  const auto letters = hub.dead_letters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0].field == "device");
  CHECK(letters[0].origin.device == "device-1");
  CHECK_FALSE(letters[0].seq.has_value());
  CHECK(letters[0].payload == batch_payload(1, 3, "device-2"));
}

TEST_CASE("garbage payloads are dead-lettered and nacked one by one, and the hub keeps ingesting") {
  IngestFixture hub;
  const std::vector<std::string> garbage = {
      "",
      "not json at all",
      "{\"v\":1,\"site\":\"site-1\"",
      "[1,2,3]",
      "{\"v\":99,\"site\":\"site-1\",\"device\":\"device-1\",\"epoch\":\"00000000000000e1\",\"events\":[]}",
      std::string("{\"v\":1,\"site\":\"\xff\xfe\"}"),
      std::string(100000, '[') + std::string(100000, ']'),
      std::string(std::size_t{700} * 1024, 'x'),
  };
  for (const auto& payload : garbage) hub.publish(events_topic(), payload);
  for (std::size_t i = 0; i < garbage.size(); ++i) {
    INFO("garbage #" << i);
    CHECK_FALSE(hub.nack(i).payload_error.empty());
  }
  hub.publish(events_topic(), batch_payload(1, 4));
  CHECK(hub.ack(0).acked_through == 4);
  CHECK(hub.dead_letters().size() == garbage.size());
  CHECK(hub.sync_audit().size() == garbage.size() + 1);
  CHECK(hub.ingest.counters().rejected_payloads == garbage.size());
}

TEST_CASE("a hello is answered with the ack stored for its epoch, and with 0 for an epoch the hub never saw") {
  IngestFixture hub;
  hub.publish(events_topic(), batch_payload(1, 7));
  CHECK(hub.ack(0).acked_through == 7);
  const auto hello_topic = protocol::device_topic("site-1", "device-1", protocol::DeviceChannel::kHello);
  hub.publish(hello_topic, hello_payload(kEpoch, 9));
  const auto known = hub.ack(1);
  CHECK(known.acked_through == 7);
  CHECK(known.epoch == kEpoch);
  hub.publish(hello_topic, hello_payload("00000000000000f0", 3));
  const auto unknown = hub.ack(2);
  CHECK(unknown.acked_through == 0);
  CHECK(unknown.epoch == "00000000000000f0");
}

TEST_CASE("a hello naming another site than its topic is dead-lettered and not answered") {
  IngestFixture hub;
  const auto hello_topic = protocol::device_topic("site-2", "device-1", protocol::DeviceChannel::kHello);
  hub.publish(hello_topic, hello_payload(kEpoch, 1));
  REQUIRE(hub.run_until([&] { return hub.dead_letters().size() == 1; }));
  CHECK(hub.dead_letters()[0].field == "site");
  hub.publish(events_topic(), batch_payload(1, 1));
  CHECK(hub.ack(0).acked_through == 1);  // the first reply is for the batch: the hello got none
}

TEST_CASE("acks carry the hub's wall time and an HLC stamp past every stamp the hub received") {
  IngestFixture hub;
  protocol::EventBatch batch{"site-1", "device-1", kEpoch, {count_event(1)}};
  const auto ahead = HlcStamp::from_parts(system_wall_clock()() + 3'600'000, 7);  // a device clock an hour fast
  batch.events[0].hlc = ahead;
  hub.publish(events_topic(), protocol::encode(batch));
  const auto ack = hub.ack(0);
  CHECK(ack.hub_hlc > ahead);
  CHECK(ack.hub_wall_ms >= testing::kFixedNowMs);
}

TEST_CASE("status messages are kept per device, and a retained one does not count as contact") {
  IngestFixture hub;
  const auto status_topic = protocol::device_topic("site-1", "device-1", protocol::DeviceChannel::kStatus);
  const protocol::Status status{"device-1", protocol::DeviceState::kOnline, 12, 30, -40, testing::kFixedNowMs};
  hub.publish(status_topic, protocol::encode(status), true);
  REQUIRE(hub.run_until([&] { return !hub.ledger.events().devices().value().empty(); }));
  const auto device = hub.ledger.events().devices().value().at(0);
  REQUIRE(device.status.has_value());
  CHECK(device.status->status == status);
  CHECK(device.site == "site-1");
  CHECK(device.last_seen_ms > 0);  // live: the hub was subscribed when it was published

  mqtt::Link late(hub.io, hub.options("late-hub"));
  std::vector<mqtt::Message> replayed;
  late.on_message([&](mqtt::Message message) { replayed.push_back(std::move(message)); });
  late.subscribe({std::string(protocol::kAllStatusFilter)}, mqtt::Qos::kAtLeastOnce);
  late.start();
  REQUIRE(hub.run_until([&] { return !replayed.empty(); }));
  CHECK(replayed[0].retained);  // which the ledger keeps as Freshness::kRetained (ledger_test)
  late.stop();
}

TEST_CASE("a message on a topic with an invalid id is dead-lettered without an answer") {
  IngestFixture hub;
  hub.publish("recount/v1/site 1/device-1/events", batch_payload(1, 2));
  REQUIRE(hub.run_until([&] { return hub.dead_letters().size() == 1; }));
  const auto letter = hub.dead_letters()[0];
  CHECK(letter.topic == "recount/v1/site 1/device-1/events");
  CHECK(letter.origin.device.empty());
  CHECK(hub.ledger.events().devices().value().empty());
}

TEST_CASE("while the database refuses writes nothing is acked, and a resend once it recovers is acked") {
  IngestFixture hub;
  auto blocker =
      storage::Database::open(hub.dir / "hub.db", storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
  REQUIRE(blocker.has_value());
  REQUIRE(blocker->begin().has_value());  // holds the write lock past the hub's busy timeout
  hub.publish(events_topic(), batch_payload(1, 3));
  REQUIRE(hub.run_until([&] { return hub.ingest.counters().failed_commits == 1; }, std::chrono::seconds(30)));
  CHECK(hub.replies.empty());
  blocker->rollback();

  hub.publish(events_topic(), batch_payload(1, 3));
  CHECK(hub.ack(0).acked_through == 3);
  CHECK(hub.stored_events() == 3);
}

// Publishes each (device, payload) from an io_context of its own while the hub's stays idle, so
// the batches queue up at the hub and its first drain finds them all.
void publish_while_hub_idle(IngestFixture& hub, const std::vector<std::pair<std::string, std::string>>& batches) {
  boost::asio::io_context devices_io;
  mqtt::Link fleet(devices_io, hub.options("fleet"));
  std::size_t echoed = 0;
  fleet.on_message([&](const mqtt::Message&) { ++echoed; });
  fleet.subscribe({std::string(protocol::kAllEventsFilter)}, mqtt::Qos::kAtLeastOnce);
  fleet.start();
  REQUIRE(testing::run_until(devices_io, [&] { return fleet.connected(); }));
  for (const auto& [device, payload] : batches) {
    fleet.publish({events_topic(device), payload, false}, mqtt::Qos::kAtLeastOnce);
  }
  // The broker sends each message to every subscriber: once the fleet saw them all, so did the hub.
  REQUIRE(testing::run_until(devices_io, [&] { return echoed == batches.size(); }));
  fleet.stop();
}

TEST_CASE("batches that wait during a commit share the next one") {
  IngestFixture hub;
  constexpr std::size_t kDevices = 20;
  std::vector<std::pair<std::string, std::string>> batches;
  for (std::size_t i = 0; i < kDevices; ++i) {
    const std::string device = "device-" + std::to_string(i + 1);
    batches.emplace_back(device, batch_payload(1, 50, device, static_cast<unsigned>(i + 1)));
  }
  publish_while_hub_idle(hub, batches);

  REQUIRE(hub.run_until([&] { return hub.ingest.counters().batches == kDevices; }));
  CHECK(hub.ingest.counters().commits < kDevices);
  for (std::size_t i = 0; i < kDevices; ++i) CHECK(hub.stored_events("device-" + std::to_string(i + 1)) == 50);
  REQUIRE(hub.run_until([&] { return hub.replies.size() == kDevices; }));
  for (const auto& reply : hub.replies) CHECK(reply.topic.ends_with("/ack"));
}

// 20 devices' batches of 50 counts each, all waiting for the hub at once.
std::vector<std::pair<std::string, std::string>> fleet_batches() {
  std::vector<std::pair<std::string, std::string>> batches;
  for (unsigned i = 1; i <= 20; ++i) {
    const std::string device = "device-" + std::to_string(i);
    batches.emplace_back(device, batch_payload(1, 50, device, i));
  }
  return batches;
}

TEST_CASE("batches that wait together are acked first, and reconciliation applies them all once the queue is empty") {
  IngestFixture hub;
  publish_while_hub_idle(hub, fleet_batches());
  REQUIRE(hub.run_until([&] { return hub.replies.size() == 20; }));
  for (const auto& reply : hub.replies) CHECK(reply.topic.ends_with("/ack"));
  CHECK(hub.ingest.counters().deferred_commits >= 1);
  REQUIRE(hub.run_until([&] { return hub.reconciled(); }));
  CHECK(hub.reconciled_counts() == 20 * 50);
  CHECK(hub.ingest.counters().unreconciled == 0);
}

TEST_CASE("with max_unreconciled_events 0, every batch is applied in the commit that stores it") {
  IngestOptions options;
  options.max_unreconciled_events = 0;
  IngestFixture hub(options);
  publish_while_hub_idle(hub, fleet_batches());
  REQUIRE(hub.run_until([&] { return hub.replies.size() == 20; }));
  CHECK(hub.ingest.counters().deferred_commits == 0);
  CHECK(hub.reconciled());
  CHECK(hub.reconciled_counts() == 20 * 50);
}

TEST_CASE("once commits take longer than commit_time, waiting batches no longer share them, and all are acked") {
  IngestOptions options;
  options.commit_time = std::chrono::milliseconds(0);  // no commit is fast enough: one message each
  options.max_unreconciled_events = 0;                 // so every commit is one group of messages
  IngestFixture hub(options);
  hub.publish(events_topic(), batch_payload(1, 5));
  REQUIRE(hub.run_until([&] { return hub.ingest.counters().batches == 1; }));
  const auto commits = hub.ingest.counters().commits;
  publish_while_hub_idle(hub, fleet_batches());
  REQUIRE(hub.run_until([&] { return hub.ingest.counters().batches == 21; }));
  CHECK(hub.ingest.counters().commits == commits + 20);
  REQUIRE(hub.run_until([&] { return hub.replies.size() == 21; }));
  for (const auto& reply : hub.replies) CHECK(reply.topic.ends_with("/ack"));
}

TEST_CASE("a hub's first commit takes one of the messages waiting, before commits show how many fit in commit_time") {
  IngestOptions options;
  options.commit_time = std::chrono::milliseconds(0);  // no commit is fast enough: one message each
  options.max_unreconciled_events = 0;                 // so every commit is one group of messages
  IngestFixture hub(options);
  publish_while_hub_idle(hub, fleet_batches());
  REQUIRE(hub.run_until([&] { return hub.ingest.counters().batches == 20; }));
  CHECK(hub.ingest.counters().commits >= 20);
  REQUIRE(hub.run_until([&] { return hub.replies.size() == 20; }));
}

TEST_CASE("a hub that starts with stored events reconciliation has not applied applies them before any message") {
  IngestFixture hub;
  // What a hub killed between a deferred commit and its catch-up leaves behind.
  hub.store_unreconciled(30);
  REQUIRE_FALSE(hub.reconciled());
  Ingest restarted{hub.io, hub.hub_link, hub.ledger, hub.reconciler, hub.tasks, hub.clock};
  restarted.start();
  CHECK(hub.run_until([&] { return hub.reconciled(); }));
  CHECK(hub.reconciled_counts() == 30);
}

TEST_CASE(
    "a backlog found at start is applied from a chunk at the floor, and in chunks that fit commit_time, to the end") {
  IngestFixture hub;
  hub.store_unreconciled(1000);
  // No time at all for a chunk: every chunk is the floor, 10, the first too, since no commit has
  // shown yet what fits (a first chunk of the full 500 held a restarted hub's API for seconds).
  IngestOptions options;
  options.reconcile_chunk_events = 500;
  options.commit_time = std::chrono::milliseconds(0);
  Ingest restarted{hub.io,    hub.hub_link, hub.ledger,          hub.reconciler,
                   hub.tasks, hub.clock,    system_wall_clock(), options};
  restarted.start();
  REQUIRE(hub.run_until([&] { return hub.reconciled(); }));
  CHECK(hub.reconciled_counts() == 1000);
  CHECK(restarted.counters().commits == 1000 / 10);
}

TEST_CASE("a backlog is applied from a chunk at the floor, then in full chunks once commits show they fit") {
  IngestFixture hub;
  hub.store_unreconciled(1000);
  IngestOptions options;
  options.reconcile_chunk_events = 500;
  options.commit_time = std::chrono::hours(1);  // every commit fits: the chunk grows to the full 500 at once
  Ingest restarted{hub.io,    hub.hub_link, hub.ledger,          hub.reconciler,
                   hub.tasks, hub.clock,    system_wall_clock(), options};
  restarted.start();
  REQUIRE(hub.run_until([&] { return hub.reconciled(); }));
  CHECK(hub.reconciled_counts() == 1000);
  CHECK(restarted.counters().commits == 3);  // 10, 500, the last 490
}

TEST_CASE("a hub that does not reconcile stores and acks, and applies what it stored once it reconciles") {
  IngestFixture hub;
  REQUIRE(hub.run_until([&] { return !hub.ingest.catching_up(); }));
  // One of several hubs on a ledger, without the lease of reconciliation (hub/cluster/membership.hpp).
  hub.ingest.set_reconciling(false);
  hub.publish(events_topic(), batch_payload(1, 5));
  CHECK(hub.ack(0).acked_through == 5);
  CHECK(hub.stored_events() == 5);
  hub.run_until([] { return false; }, std::chrono::milliseconds(200));
  CHECK_FALSE(hub.reconciled());
  CHECK(hub.reconciled_counts() == 0);
  // It takes the lease.
  hub.ingest.set_reconciling(true);
  CHECK(hub.run_until([&] { return hub.reconciled(); }));
  CHECK(hub.reconciled_counts() == 5);
}

TEST_CASE("follow() applies the events another hub stored, and nothing happens without it") {
  IngestFixture hub;
  REQUIRE(hub.run_until([&] { return !hub.ingest.catching_up(); }));
  hub.store_unreconciled(30);  // as another hub, which only stores, would
  hub.run_until([] { return false; }, std::chrono::milliseconds(200));
  CHECK_FALSE(hub.reconciled());
  hub.ingest.follow();
  CHECK(hub.run_until([&] { return hub.reconciled(); }));
  CHECK(hub.reconciled_counts() == 30);
}

TEST_CASE("a count received after a message another hub holds unstored waits for it, and is judged once stored") {
  IngestFixture hub;
  REQUIRE(hub.run_until([&] { return !hub.ingest.catching_up(); }));
  // This hub's membership and another hub's, on a connection of its own to the same ledger.
  auto mine = cluster::Membership::create(hub.io, hub.ledger, "hub-a");
  REQUIRE(mine.has_value());
  Ledger other_ledger = Ledger::open(hub.dir / "hub.db").value();
  auto other = cluster::Membership::create(hub.io, other_ledger, "hub-b");
  REQUIRE(other.has_value());
  hub.ingest.share_watermarks(**mine);
  const auto other_holds = [&](std::optional<std::int64_t> oldest_waiting_ms) {
    auto write = other_ledger.begin_write();
    REQUIRE(write.has_value());
    REQUIRE((*other)->record(oldest_waiting_ms, system_wall_clock()()).has_value());
    REQUIRE(write->commit().has_value());
  };
  const auto discrepancies = [&] { return hub.single_number("SELECT count(*) FROM reconcile_discrepancies"); };
  other_holds(system_wall_clock()() - 1'000);  // a message it received a second ago, a movement maybe
  hub.publish(events_topic(),
              protocol::encode(protocol::EventBatch{"site-1", "device-1", kEpoch, testing::shortage_events()}));
  CHECK(hub.ack(0).acked_through == 2);
  REQUIRE(hub.run_until([&] { return hub.reconciled(); }));
  hub.run_until([] { return false; }, std::chrono::milliseconds(200));
  CHECK(discrepancies() == 0);  // the short count is applied, not judged
  other_holds(std::nullopt);    // it stored that message
  hub.publish(events_topic("device-2"), batch_payload(1, 1, "device-2", 2));
  CHECK(hub.run_until([&] { return discrepancies() == 1; }));
}

TEST_CASE("a message the database refuses is left unanswered, and the batches that shared its commit are acked") {
  IngestFixture hub;
  {
    // A trigger that fails (integer overflow in abs) for one device's events only stands for any
    // fault tied to one message.
    auto other =
        storage::Database::open(hub.dir / "hub.db", storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
    REQUIRE(other
                ->execute("CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.device = 'poison'"
                          " BEGIN SELECT abs(-9223372036854775807 - 1); END")
                .has_value());
  }
  publish_while_hub_idle(hub, {{"device-1", batch_payload(1, 5, "device-1", 1)},
                               {"poison", batch_payload(1, 5, "poison", 2)},
                               {"device-2", batch_payload(1, 5, "device-2", 3)}});
  REQUIRE(hub.run_until([&] { return hub.replies.size() == 2; }));
  hub.run_until([] { return false; }, std::chrono::milliseconds(300));  // no third answer comes
  CHECK(hub.replies.size() == 2);
  for (const auto& reply : hub.replies) CHECK(reply.topic.find("/poison/") == std::string::npos);
  CHECK(hub.stored_events("device-1") == 5);
  CHECK(hub.stored_events("device-2") == 5);
  CHECK(hub.stored_events("poison") == 0);
  CHECK(hub.ingest.counters().failed_commits >= 1);
}

TEST_CASE("a count short of the ledger raises a blind recount task, published retained for its site") {
  IngestFixture hub;
  hub.publish(events_topic(),
              protocol::encode(protocol::EventBatch{"site-1", "device-1", kEpoch, testing::shortage_events()}));
  CHECK(hub.ack(0).acked_through == 2);

  testing::TestDevice other{hub.io, hub.broker.uri(), "device-2", {protocol::tasks_topic("site-1")}};
  REQUIRE(hub.run_until([&] { return !other.received.empty(); }));
  const std::string& payload = other.received[0].payload;
  CHECK(payload.find("expected") == std::string::npos);
  const auto list = protocol::decode_task_list(payload);
  REQUIRE(list.has_value());
  REQUIRE(list->tasks.size() == 1);
  CHECK(list->tasks[0].location == "A-1");
  CHECK(list->tasks[0].sku == "SKU-1");
  CHECK(list->tasks[0].exclude_user == "user-1");
}

// The payload that crashed the hub: 200 KB, one event without an event_id holding 100,000 nested
// arrays.
std::string deep_nesting_payload() {
  return R"({"v":1,"site":"site-1","device":"device-1","epoch":")" + kEpoch +
         R"(","events":[{"seq":1,"type":"count","x":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}]}";
}

TEST_CASE("a batch whose event nests 100,000 arrays deep is dead-lettered whole and nacked, and the hub goes on") {
  IngestFixture hub;
  const std::string payload = deep_nesting_payload();
  hub.publish(events_topic(), payload);
  const auto nack = hub.nack(0);
  CHECK(nack.payload_error.find("levels deep") != std::string::npos);
  const auto letters = hub.dead_letters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0].payload_bytes == payload.size());
  CHECK(letters[0].payload == payload.substr(0, DeadLetter::kMaxStoredPayload));
  hub.publish(events_topic(), batch_payload(1, 2));
  CHECK(hub.ack(0).acked_through == 2);
}

TEST_CASE("a rejected event's dead letter holds its text exactly as the device sent it") {
  IngestFixture hub;
  const std::string bad = R"({ "seq" : 2, "type":"count", "qty" : "caf\u00e9", "x":[[[[{"y":[]}]]]] })";
  const std::string payload = R"({"v":1,"site":"site-1","device":"device-1","epoch":")" + kEpoch + R"(","events":[)" +
                              protocol::encode_event(count_event(1)) + "," + bad + "]}";
  hub.publish(events_topic(), payload);
  CHECK(hub.ack(0).acked_through == 2);
  const auto letters = hub.dead_letters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0].seq == 2u);
  CHECK(letters[0].payload == bad);
  CHECK(letters[0].payload_bytes == bad.size());
}

TEST_CASE("a retained events message replayed by the broker is dead-lettered unread, cleared there and counted") {
  IngestFixture hub;
  const std::string payload = deep_nesting_payload();
  const std::string topic = events_topic();
  testing::TestDevice watcher{hub.io, hub.broker.uri(), "watcher", {topic}};
  hub.publish(topic, payload, true);  // live for the hub: dead-lettered as any bad payload
  REQUIRE(hub.run_until([&] { return hub.dead_letters().size() == 1 && !watcher.received.empty(); }));
  int looks = 0;
  const auto retained_now = [&] {
    // A new client each time: a session kept from an earlier look would hold the live messages.
    testing::TestDevice fresh{
        hub.io, hub.broker.uri(), "fresh-" + std::to_string(++looks), {topic, std::string(kProbeTopic)}};
    fresh.publish(std::string(kProbeTopic), "probe");
    // The broker sends retained messages on subscribing, so before the probe comes back.
    REQUIRE(hub.run_until([&] { return !fresh.received.empty() && fresh.received.back().topic == kProbeTopic; }));
    return fresh.received.front().topic == topic && !fresh.received.front().payload.empty();
  };
  REQUIRE(retained_now());

  // What a restarted hub receives when it subscribes: the same message, flagged retained.
  hub.ingest.deliver(mqtt::Message{topic, payload, true});
  REQUIRE(hub.run_until([&] { return hub.ingest.counters().retained_cleared == 1; }));
  REQUIRE(hub.run_until([&] { return watcher.received.size() == 2; }));  // the empty message that clears it
  CHECK(watcher.received[1].payload.empty());
  CHECK_FALSE(retained_now());

  const auto letters = hub.dead_letters();
  REQUIRE(letters.size() == 2);
  CHECK(letters[1].reason.find("retained") != std::string::npos);
  CHECK(letters[1].payload == payload.substr(0, DeadLetter::kMaxStoredPayload));
  // The echo of the clearing is not a dead letter, and the device got no answer for the replay.
  hub.publish(events_topic(), batch_payload(1, 1));
  CHECK(hub.ack(0).acked_through == 1);
  CHECK(hub.dead_letters().size() == 2);
  CHECK(hub.nack(0).payload_error.find("levels deep") != std::string::npos);
  CHECK(std::count_if(hub.replies.begin(), hub.replies.end(),
                      [](const mqtt::Message& reply) { return reply.topic.ends_with("/nack"); }) == 1);
}

TEST_CASE("a different event resent at a stored seq is nacked as a conflict and counted, not acked as a duplicate") {
  IngestFixture hub;
  hub.publish(events_topic(), batch_payload(1, 3));
  CHECK(hub.ack(0).acked_through == 3);
  protocol::EventBatch forged{"site-1", "device-1", kEpoch, {count_event(2, 1, 500)}};
  hub.publish(events_topic(), protocol::encode(forged));
  const auto nack = hub.nack(0);
  REQUIRE(nack.rejected.size() == 1);
  CHECK(nack.rejected[0].seq == 2);
  CHECK(nack.rejected[0].reason.find("conflict") != std::string::npos);
  CHECK(hub.ack(1).acked_through == 3);
  CHECK(hub.ingest.counters().conflicts == 1);
  CHECK(hub.ledger.events().unreviewed_conflicts().value() == 1);
  CHECK(hub.ledger.events().at(origin_of("device-1"), 2).value()->event.qty == 3);
}

TEST_CASE("a full queue pauses the link and counts it, and every message is still stored and acked") {
  IngestOptions options;
  options.max_queued_messages = 4;
  IngestFixture hub(options);
  std::vector<std::pair<std::string, std::string>> batches;
  for (unsigned device = 1; device <= 12; ++device) {
    const std::string name = "device-" + std::to_string(device);
    batches.emplace_back(name, batch_payload(1, 5, name, device));
  }
  publish_while_hub_idle(hub, batches);
  REQUIRE(hub.run_until([&] {
    return std::count_if(hub.replies.begin(), hub.replies.end(),
                         [](const mqtt::Message& reply) { return reply.topic.ends_with("/ack"); }) == 12;
  }));
  CHECK(hub.ingest.counters().backpressure >= 1);
  CHECK_FALSE(hub.ingest.backlogged());
  CHECK(hub.ingest.counters().queued == 0);
  CHECK(hub.ingest.counters().queued_bytes == 0);
  for (unsigned device = 1; device <= 12; ++device) CHECK(hub.stored_events("device-" + std::to_string(device)) == 5);
}

TEST_CASE("while the database is full nothing is acked and ingest says so, and once space returns a resend is acked") {
  IngestFixture hub;
  hub.publish(events_topic(), batch_payload(1, 1));
  CHECK(hub.ack(0).acked_through == 1);
  const auto pages = hub.single_number("PRAGMA page_count");
  REQUIRE(hub.ledger.database().execute("PRAGMA max_page_count = " + std::to_string(pages + 2)).has_value());
  const std::string big = batch_payload(2, 400);  // far more than two pages
  hub.publish(events_topic(), big);
  REQUIRE(hub.run_until([&] { return hub.ingest.counters().failed_commits == 1; }));
  CHECK(hub.ingest.storage_full());
  hub.run_until([] { return false; }, std::chrono::milliseconds(200));
  CHECK(hub.replies.size() == 1);  // the first ack only
  CHECK(hub.stored_events() == 1);

  REQUIRE(hub.ledger.database().execute("PRAGMA max_page_count = 1073741823").has_value());
  hub.publish(events_topic(), big);  // the agent's resend
  CHECK(hub.ack(1).acked_through == 400);
  CHECK_FALSE(hub.ingest.storage_full());
  CHECK(hub.stored_events() == 400);
}

TEST_CASE("once the ledger's background check finds damage, nothing more is stored, acked or nacked") {
  IngestFixture hub;
  constexpr std::uint64_t kStored = 4000;
  for (std::uint64_t first = 1; first <= kStored; first += 500)
    hub.publish(events_topic(), batch_payload(first, first + 499));
  REQUIRE(hub.run_until([&] {
    return std::any_of(hub.replies.begin(), hub.replies.end(), [](const mqtt::Message& message) {
      auto ack = protocol::decode_ack(message.payload);
      return ack && ack->acked_through == kStored;
    });
  }));
  REQUIRE(hub.run_until([&] { return hub.ingest.counters().replies_in_flight == 0; }));
  const std::int64_t last_rowid = hub.single_number("SELECT max(rowid) FROM events");

  // A page in the middle of the events, which nothing below reads: only the check comes across it.
  testing::damage_table_page(hub.dir / "hub.db", "events");
  hub.ledger.check_in_background([](const Result<void>&) {});
  REQUIRE(hub.run_until([&] { return hub.ledger.damaged(); }, std::chrono::seconds(60)));
  hub.replies.clear();

  const auto messages = hub.ingest.counters().messages;
  hub.publish(events_topic(), batch_payload(kStored + 1, kStored + 10));
  hub.publish(protocol::device_topic("site-1", "device-1", protocol::DeviceChannel::kHello),
              hello_payload(kEpoch, kStored + 10));
  hub.publish(events_topic(), "not JSON, which a sound ledger dead-letters and nacks");
  REQUIRE(hub.run_until(
      [&] { return hub.ingest.counters().messages == messages + 3 && hub.ingest.counters().queued == 0; }));
  const auto withheld = hub.ingest.counters().replies_withheld;
  hub.ingest.announce_cursors();  // reads only the cursors, and would ack device-1's 4,000
  CHECK(hub.ingest.counters().replies_withheld == withheld + 1);

  // The broker keeps the order of one client's messages: an answer published before the probe
  // would reach the device before it.
  hub.hub_link.publish({std::string(kProbeTopic), "", false}, mqtt::Qos::kAtLeastOnce);
  REQUIRE(hub.run_until([&] { return !hub.replies.empty(); }));
  for (const auto& message : hub.replies) CHECK(message.topic == kProbeTopic);
  CHECK(hub.single_number("SELECT max(rowid) FROM events") == last_rowid);
  CHECK(hub.ingest.counters().failed_commits >= 1);
  auto write = hub.ledger.begin_write();
  REQUIRE_FALSE(write.has_value());
  CHECK(write.error().code == ErrorCode::kCorrupt);
  CHECK(write.error().message.find("hub.db failed its integrity check") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
