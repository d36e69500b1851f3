// The agent's sync against a real Mosquitto and a real journal file, with the test playing the
// hub: hello and batches on connect, events another process records sent at once, acks through
// the journal's checks, nacks, resends when the hub stays silent, and the hub's catalog and task payloads handed over
// as they came.
#include "agent/sync/sync.hpp"

#include <doctest/doctest.h>

#include "shared/protocol/codec.hpp"
#include "shared/protocol/topics.hpp"
#include "tests/agent/journal_fixtures.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

std::string device_topic(protocol::DeviceChannel channel) {
  return protocol::device_topic("store-1", "dev-1", channel);
}

// A journal of dev-1 at store-1 with `events` count events, a Sync on it, and a test hub that
// receives the device's hello and events.
struct SyncedDevice {
  explicit SyncedDevice(int events, SyncOptions options = {}) : sync_options(std::move(options)) {
    testing::record_counts(journal, events);
    sync_options.broker_uri = broker.uri();
    sync = std::make_unique<Sync>(io, journal, sync_options);
  }
  ~SyncedDevice() { sync->stop(); }

  // The seqs of every batch the hub received so far, first and last of each.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> batches() const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    for (const auto& message : hub.received) {
      if (message.topic != device_topic(protocol::DeviceChannel::kEvents)) continue;
      auto batch = protocol::decode_event_batch(message.payload);
      REQUIRE(batch.has_value());
      ranges.emplace_back(batch->first_seq, batch->last_seq);
    }
    return ranges;
  }

  void ack(std::uint64_t through, const std::string& epoch = "") {
    hub.publish(device_topic(protocol::DeviceChannel::kAck),
                protocol::encode(testing::hub_ack(journal, through, epoch)));
  }

  testing::Mosquitto broker;
  testing::TempDir dir;
  Journal journal = Journal::open(dir.path(), std::string("store-1"), std::string("dev-1")).value();
  boost::asio::io_context io;
  testing::TestDevice hub{
      io,
      broker.uri(),
      "test-hub",
      {device_topic(protocol::DeviceChannel::kHello), device_topic(protocol::DeviceChannel::kEvents)}};
  SyncOptions sync_options;
  std::unique_ptr<Sync> sync;
};

SyncOptions small_batches() {
  SyncOptions options;
  options.batch_events = 2;
  options.window_batches = 2;
  return options;
}

}  // namespace

TEST_CASE("on connect the sync says hello and sends at most its window of batches until the hub acks") {
  SyncedDevice device(5, small_batches());
  device.sync->start();
  REQUIRE(testing::run_until(device.io, [&] { return device.batches().size() == 2; }));
  const auto& hello_message = device.hub.received.front();
  REQUIRE(hello_message.topic == device_topic(protocol::DeviceChannel::kHello));
  auto hello = protocol::decode_hello(hello_message.payload);
  REQUIRE(hello.has_value());
  CHECK(hello->last_seq == 5);
  CHECK(hello->acked_through == 0);
  CHECK(hello->epoch == device.journal.identity().epoch);
  using Range = std::pair<std::uint64_t, std::uint64_t>;
  CHECK(device.batches() == std::vector<Range>{{1, 2}, {3, 4}});  // the window is full: seq 5 waits

  device.ack(2);
  REQUIRE(testing::run_until(device.io, [&] { return device.batches().size() == 3; }));
  CHECK(device.batches().back() == Range{5, 5});
  device.ack(5);
  CHECK(testing::run_until(device.io, [&] { return device.journal.progress().value().backlog() == 0; }));
}

TEST_CASE("an idle sync sends an event another process records at once, without waiting for its poll") {
  SyncOptions options;
  options.journal_poll = std::chrono::hours(1);  // only the journal's bell can bring the event
  SyncedDevice device(0, options);
  device.sync->start();
  REQUIRE(testing::run_until(device.io, [&] { return !device.hub.received.empty(); }));  // hello
  auto scan_ui = Journal::open(device.dir.path(), std::nullopt, std::nullopt).value();
  testing::record_counts(scan_ui, 1);
  REQUIRE(testing::run_until(device.io, [&] { return device.batches().size() == 1; }));
  CHECK(device.batches().front() == std::pair<std::uint64_t, std::uint64_t>{1, 1});
}

TEST_CASE("an ack for another epoch is refused and counted, and the events stay unacked") {
  SyncedDevice device(2);
  device.sync->start();
  REQUIRE(testing::run_until(device.io, [&] { return device.batches().size() == 1; }));
  device.ack(2, "00000000000000ff");
  REQUIRE(testing::run_until(device.io, [&] { return device.journal.status().value().refused_acks == 1; }));
  const auto progress = device.journal.progress().value();
  CHECK(progress.acked_through == 0);
  CHECK(progress.unacked == 2);
}

TEST_CASE("a nack marks the hub's rejected event with its reason and leaves the others as they were") {
  SyncedDevice device(2);
  device.sync->start();
  REQUIRE(testing::run_until(device.io, [&] { return device.batches().size() == 1; }));
  const auto event_id = device.journal.list(2, 1).value().at(0).event.event_id;
  protocol::Nack nack{"dev-1", device.journal.identity().epoch, {{2, event_id, "qty", "too large"}}, ""};
  device.hub.publish(device_topic(protocol::DeviceChannel::kNack), protocol::encode(nack));
  auto rejected = [&] {
    const auto entries = device.journal.list(1, 10).value();
    return entries.size() == 2 && entries[1].state == SyncState::kRejected;
  };
  REQUIRE(testing::run_until(device.io, rejected));
  const auto entries = device.journal.list(1, 10).value();
  CHECK(entries[1].rejection == "qty: too large");
  CHECK(entries[0].state == SyncState::kSent);
}

TEST_CASE("when the hub stays silent past the ack timeout the sync resends from its last ack") {
  SyncOptions options;
  options.ack_timeout.initial = std::chrono::milliseconds(200);
  SyncedDevice device(3, options);
  device.sync->start();
  REQUIRE(testing::run_until(device.io, [&] { return device.batches().size() == 1; }));
  using Range = std::pair<std::uint64_t, std::uint64_t>;
  REQUIRE(testing::run_until(device.io, [&] { return device.batches().size() == 2; }));
  CHECK(device.batches()[1] == Range{1, 3});
  device.ack(3);
  REQUIRE(testing::run_until(device.io, [&] { return device.journal.progress().value().acked_through == 3; }));
}

// Regression: a hub busy with a backlog of duplicates acked minutes late, and every agent resent
// its whole window every 5 s, each copy burying the acks further.
TEST_CASE("while the hub stays silent the sync waits twice as long before each further resend") {
  SyncOptions options;
  options.ack_timeout.initial = std::chrono::milliseconds(100);
  options.journal_poll = std::chrono::milliseconds(10);
  SyncedDevice device(3, options);
  device.sync->start();
  // When each copy reached the hub, to the io_context's slice. Load only delays a resend, so the
  // span from the first to the last has a lower bound; only the broker's delay of the first copy
  // can shorten it, by far less than the margin.
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  REQUIRE(testing::run_until(
      device.io,
      [&] {
        if (device.batches().size() > arrivals.size()) arrivals.push_back(std::chrono::steady_clock::now());
        return arrivals.size() == 5;
      },
      std::chrono::seconds(30)));
  using Range = std::pair<std::uint64_t, std::uint64_t>;
  CHECK(device.batches() == std::vector<Range>(5, Range{1, 3}));
  // 100 + 200 + 400 + 800 ms; a fixed wait would give about 4 × 110 ms (the poll's 10 ms on top).
  CHECK(arrivals[4] - arrivals[0] >= std::chrono::milliseconds(1000));
  device.ack(3);
  REQUIRE(testing::run_until(device.io, [&] { return device.journal.progress().value().acked_through == 3; }));
}

TEST_CASE("payloads on the site's catalog and tasks topics reach their handlers as they came") {
  SyncedDevice device(0);
  std::vector<std::string> catalogs, task_lists;
  device.sync->on_catalog([&](const std::string& payload) { catalogs.push_back(payload); });
  device.sync->on_tasks([&](const std::string& payload) { task_lists.push_back(payload); });
  device.sync->start();
  REQUIRE(testing::run_until(device.io, [&] { return device.sync->connected(); }));
  // Retained, as the hub publishes them: they reach a device whenever it subscribes.
  device.hub.publish(protocol::catalog_topic("store-1"), "{\"not\":\"checked here\"}", true);
  device.hub.publish(protocol::tasks_topic("store-1"), "tasks?", true);
  device.hub.publish(protocol::catalog_topic("store-2"), "another site", true);
  REQUIRE(testing::run_until(device.io, [&] { return catalogs.size() == 1 && task_lists.size() == 1; }));
  CHECK(catalogs[0] == "{\"not\":\"checked here\"}");
  CHECK(task_lists[0] == "tasks?");
}

}  // namespace recount::agent
