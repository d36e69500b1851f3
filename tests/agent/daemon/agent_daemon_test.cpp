// `recount-agent run` in one process: the daemon against a real Mosquitto and real journal files,
// with the test playing the hub on the broker.
#include "agent/daemon/agent_daemon.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <boost/asio/post.hpp>

#include "agent/sync/hub_key.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "shared/protocol/topics.hpp"
#include "tests/agent/journal_fixtures.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

constexpr std::int64_t kDayMs = 24 * 3600 * 1000;

// A data directory of device dev-1 at store-1 holding `events` recorded counts.
void record_events(const std::filesystem::path& dir, int events) {
  auto journal = Journal::open(dir, std::string("store-1"), std::string("dev-1")).value();
  testing::record_counts(journal, events);
}

std::filesystem::path write_key(const std::filesystem::path& file, const crypto::SigningKey& key) {
  std::ofstream(file) << key.public_key().pem();
  return file;
}

AgentOptions options_for(const std::filesystem::path& dir, const testing::Mosquitto& broker) {
  AgentOptions options;
  options.data_dir = dir;
  options.link.uri = broker.uri();
  return options;
}

std::string device_topic(protocol::DeviceChannel channel) {
  return protocol::device_topic("store-1", "dev-1", channel);
}

}  // namespace

TEST_CASE("the daemon sends the journal's events and they count as acked only once the hub acks them") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  record_events(dir.path(), 3);
  boost::asio::io_context io;
  testing::TestDevice hub(io, broker.uri(), "test-hub", {device_topic(protocol::DeviceChannel::kEvents)});
  std::ostringstream out, err;
  auto daemon = AgentDaemon::create(io, options_for(dir.path(), broker), out, err).value();
  daemon->start();

  REQUIRE(testing::run_until(io, [&] { return !hub.received.empty(); }));
  auto batch = protocol::decode_event_batch(hub.received.front().payload);
  REQUIRE(batch.has_value());
  REQUIRE(batch->batch.events.size() == 3);
  CHECK(batch->batch.events.back().seq == 3);
  auto journal = Journal::open(dir.path(), std::nullopt, std::nullopt).value();
  CHECK(journal.progress().value().acked_through == 0);

  CHECK(batch->batch.epoch == journal.identity().epoch);
  hub.publish(device_topic(protocol::DeviceChannel::kAck), protocol::encode(testing::hub_ack(journal, 3)));
  CHECK(testing::run_until(io, [&] { return journal.progress().value().acked_through == 3; }));
  daemon->stop();
  CHECK(journal.progress().value().backlog() == 0);
}

TEST_CASE("at start the daemon deletes acked events older than the retention, and never unacked ones") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  std::int64_t now_ms = 1'800'000'000'000;
  const WallClock clock = [&] { return now_ms; };
  {
    auto journal = Journal::open(dir.path(), std::string("store-1"), std::string("dev-1"), clock).value();
    testing::record_counts(journal, 3);
    REQUIRE(journal.mark_sent(3).has_value());
    REQUIRE(journal.acknowledge(testing::hub_ack(journal, 2)).value() == AckVerdict::kApplied);
  }
  now_ms += 8 * kDayMs;
  boost::asio::io_context io;
  auto options = options_for(dir.path(), broker);
  options.retention.keep = std::chrono::days(7);
  options.wall = clock;
  std::ostringstream out, err;
  auto daemon = AgentDaemon::create(io, options, out, err).value();
  daemon->start();
  daemon->stop();

  auto journal = Journal::open(dir.path(), std::nullopt, std::nullopt, clock).value();
  const auto entries = journal.list(1, 10).value();
  REQUIRE(entries.size() == 1);  // seq 3 was sent, never acked
  CHECK(entries[0].event.seq == 3);
  CHECK(err.str().find("retention") == std::string::npos);
}

TEST_CASE("the daemon stores the catalog the hub signed, trusting the key given on first use") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  const auto key = crypto::SigningKey::generate();
  boost::asio::io_context io;
  testing::TestDevice hub(io, broker.uri(), "test-hub", {});
  const protocol::Catalog catalog{"store-1",
                                  4,
                                  {{"SKU-9", "Widget", 189, "grocery", {{"05901234123457", 1}}}},
                                  {{"A-01", "LOC-A-01", "shelf"}},
                                  {}};
  hub.publish(protocol::catalog_topic("store-1"), protocol::sign_payload(protocol::encode(catalog), key), true);

  auto options = options_for(dir.path(), broker);
  options.site = "store-1";
  options.device = "dev-1";
  options.hub_key_file = write_key(dir / "hub.pem", key);
  std::ostringstream out, err;
  auto daemon = AgentDaemon::create(io, options, out, err).value();
  REQUIRE(daemon->hub_key().has_value());
  CHECK(*daemon->hub_key() == key.public_key());
  CHECK(std::filesystem::exists(dir.path() / kHubKeyFile));
  daemon->start();

  auto store = CatalogStore::open(dir.path()).value();
  CHECK(testing::run_until(io, [&] { return store.catalog_version().value() == 4; }));
  daemon->stop();
  CHECK(store.find_barcode("05901234123457").value().value().sku == "SKU-9");
  CHECK(err.str().find("WARNING") == std::string::npos);
}

TEST_CASE("without a hub key the daemon still runs and warns how to provision one") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  record_events(dir.path(), 1);
  boost::asio::io_context io;
  std::ostringstream out, err;
  auto daemon = AgentDaemon::create(io, options_for(dir.path(), broker), out, err);
  REQUIRE(daemon.has_value());
  CHECK_FALSE((*daemon)->hub_key().has_value());
  CHECK(err.str().find("WARNING: no hub key in " + (dir.path() / kHubKeyFile).string()) != std::string::npos);
  CHECK(err.str().find("recount-agent provision") != std::string::npos);
}

TEST_CASE("create refuses a data directory without a broker, and a hub key other than the stored one") {
  testing::TempDir dir;
  record_events(dir.path(), 1);
  boost::asio::io_context io;
  std::ostringstream out, err;
  AgentOptions options;
  options.data_dir = dir.path();
  auto no_broker = AgentDaemon::create(io, options, out, err);
  REQUIRE_FALSE(no_broker.has_value());
  CHECK(no_broker.error().code == ErrorCode::kNotFound);

  options.link.uri = "tcp://127.0.0.1:1";
  options.hub_key_file = write_key(dir / "first.pem", crypto::SigningKey::generate());
  REQUIRE(AgentDaemon::create(io, options, out, err).has_value());
  options.hub_key_file = write_key(dir / "second.pem", crypto::SigningKey::generate());
  auto other_key = AgentDaemon::create(io, options, out, err);
  REQUIRE_FALSE(other_key.has_value());
  CHECK(other_key.error().code == ErrorCode::kConflict);
  CHECK(other_key.error().describe().starts_with("--hub-key: "));
  CHECK(other_key.error().describe().find("second.pem") != std::string::npos);
}

TEST_CASE("stop publishes the device's offline status and leaves no work behind, so run() returns") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  record_events(dir.path(), 1);
  boost::asio::io_context watcher_io;
  testing::TestDevice watcher(watcher_io, broker.uri(), "test-watcher",
                              {device_topic(protocol::DeviceChannel::kStatus)});
  auto last_state = [&]() -> std::optional<protocol::DeviceState> {
    if (watcher.received.empty()) return std::nullopt;
    auto status = protocol::decode_status(watcher.received.back().payload);
    REQUIRE(status.has_value());
    return status->state;
  };

  boost::asio::io_context io;
  std::ostringstream out, err;
  auto daemon = AgentDaemon::create(io, options_for(dir.path(), broker), out, err).value();
  daemon->start();
  std::thread agent([&] { io.run(); });
  REQUIRE(testing::run_until(watcher_io, [&] { return last_state() == protocol::DeviceState::kOnline; }));
  boost::asio::post(io, [&] { daemon->stop(); });
  agent.join();  // returns on its own: stop() leaves no timer or connection behind

  CHECK(testing::run_until(watcher_io, [&] { return last_state() == protocol::DeviceState::kOffline; }));
}

}  // namespace recount::agent
