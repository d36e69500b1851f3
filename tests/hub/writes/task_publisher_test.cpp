// Task list publication against a real broker: on a quiet floor each change goes out at once; a
// burst costs the floor one list at once and one when the pacing ends (by interval or by the
// list's bytes), stop() sends what is held, and lists with unacknowledged tasks are sent again.
#include "hub/writes/task_publisher.hpp"

#include <doctest/doctest.h>

#include "shared/crypto/ed25519.hpp"
#include "shared/domain/limits.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "shared/protocol/topics.hpp"
#include "tests/hub/reconcile/fixtures.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_fixtures.hpp"

namespace recount::hub {
namespace {

using reconcile::testing::must;

struct PublisherFixture {
  testing::Mosquitto broker;
  testing::TempDir dir;
  storage::Database database = reconcile::testing::open_hub_database(dir / "hub.db");
  reconcile::CatalogSnapshot catalog;
  reconcile::Reconciler reconciler = must(reconcile::Reconciler::open(database, catalog));
  reconcile::TaskStore store = must(reconcile::TaskStore::prepare(database));
  boost::asio::io_context io;
  mqtt::Link hub_link{io, testing::test_link_options(broker.uri(), "task-publisher-test")};
  crypto::SigningKey signing_key = crypto::SigningKey::generate();
  TaskListPublisher publisher;
  testing::TestDevice device{io, broker.uri(), "device-1", {protocol::tasks_topic("s1")}};

  // By default every list holds the next one back long enough that a held list cannot go out
  // while the test looks, even on a stalled machine.
  explicit PublisherFixture(bool connect = true,
                            TaskListOptions pacing = {.min_interval = std::chrono::seconds(2),
                                                      .republish_interval = std::chrono::minutes(10)})
      : publisher(io, hub_link, reconciler, signing_key, pacing) {
    if (connect) this->connect();
  }
  void connect() {
    hub_link.start();
    REQUIRE(testing::run_until(io, [&] { return hub_link.connected(); }));
  }
  ~PublisherFixture() { publisher.stop(); }

  void create(std::int64_t discrepancy) {
    must(store.create("s1", discrepancy, discrepancy, reconcile::PositionKey{"s1", "A-1", "SKU-A", ""}, 1, "u1", "",
                      1000 + discrepancy));
  }
  // The list as a device takes it: only once the hub's signature verifies.
  protocol::TaskList list(std::size_t index) const {
    auto text = protocol::verified_payload(device.received.at(index).payload, signing_key.public_key());
    REQUIRE_MESSAGE(text.has_value(), (text ? "" : text.error().describe()));
    return protocol::decode_task_list(*text).value();
  }
  bool received(std::size_t count) {
    return testing::run_until(io, [&] { return device.received.size() >= count; });
  }
  // Runs the io_context a while and says whether nothing more than `count` arrived.
  bool still(std::size_t count) {
    testing::run_until(
        io, [] { return false; }, std::chrono::milliseconds(200));
    return device.received.size() == count;
  }
};

TEST_CASE(
    "task publisher: a burst of changes sends one list at once and one more, read afresh, when the interval ends") {
  PublisherFixture fixture;
  fixture.create(1);
  fixture.publisher.changed("s1");
  REQUIRE(fixture.received(1));
  CHECK(fixture.list(0).tasks.size() == 1);

  fixture.create(2);
  fixture.publisher.changed("s1");
  fixture.create(3);
  fixture.publisher.changed("s1");
  CHECK(fixture.still(1));  // held: the interval since the first list has not ended
  REQUIRE(fixture.received(2));
  const auto second = fixture.list(1);
  CHECK(second.version == 3);
  CHECK(second.tasks.size() == 3);
  CHECK(fixture.still(2));  // one list for both changes
}

TEST_CASE("task publisher: on a quiet floor every change sends its list at once") {
  // A short list costs next to nothing at this rate: no change waits for another.
  PublisherFixture fixture(true, {.min_interval = std::chrono::milliseconds(0),
                                  .bytes_per_second = std::size_t{1} << 40,
                                  .republish_interval = std::chrono::minutes(10)});
  for (std::int64_t discrepancy = 1; discrepancy <= 3; ++discrepancy) {
    fixture.create(discrepancy);
    fixture.publisher.changed("s1");
  }
  REQUIRE(fixture.received(3));
  for (std::size_t index = 0; index < 3; ++index) CHECK(fixture.list(index).tasks.size() == index + 1);
}

TEST_CASE("task publisher: a list holds the next one back for as long as its bytes take at the paced rate") {
  // No minimum interval: only the first list's size (a few hundred bytes at 1 byte a second)
  // keeps the next ones back, and they go out as one list when stop() sends what is held.
  PublisherFixture fixture(true, {.min_interval = std::chrono::milliseconds(0),
                                  .bytes_per_second = 1,
                                  .republish_interval = std::chrono::minutes(10)});
  fixture.create(1);
  fixture.publisher.changed("s1");
  REQUIRE(fixture.received(1));
  fixture.create(2);
  fixture.publisher.changed("s1");
  fixture.create(3);
  fixture.publisher.changed("s1");
  CHECK(fixture.still(1));
  fixture.publisher.stop();
  REQUIRE(fixture.received(2));
  CHECK(fixture.list(1).tasks.size() == 3);
  CHECK(fixture.still(2));
}

TEST_CASE("task publisher: every list is signed with the hub's key, which no other key verifies") {
  PublisherFixture fixture;
  fixture.create(1);
  fixture.publisher.changed("s1");
  REQUIRE(fixture.received(1));
  const auto& payload = fixture.device.received.at(0).payload;
  CHECK(protocol::verified_payload(payload, fixture.signing_key.public_key()));
  CHECK_FALSE(protocol::verified_payload(payload, crypto::SigningKey::generate().public_key()));
}

TEST_CASE("task publisher: a site's planned counts follow its recount tasks, as many as the list has room for") {
  PublisherFixture fixture;
  fixture.create(1);
  protocol::RecountTask planned{"pc-1", "B-2", "SKU-B", "", 1, "", "plan weekly", 500};
  planned.kind = protocol::TaskKind::kPlanned;
  fixture.publisher.set_planned("s1", {planned});
  REQUIRE(fixture.received(1));
  const auto first = fixture.list(0);
  REQUIRE(first.tasks.size() == 2);
  CHECK(first.tasks[0].task_id == "rt-1-1");
  CHECK(first.tasks[0].kind == protocol::TaskKind::kRecount);
  CHECK(first.tasks[1] == planned);
  CHECK(fixture.publisher.planned("s1") == std::vector<protocol::RecountTask>{planned});

  // A list full of recounts leaves no room: the planned count waits for one to be done.
  for (std::int64_t discrepancy = 2; discrepancy <= static_cast<std::int64_t>(limits::kMaxTasksPerList); ++discrepancy)
    fixture.create(discrepancy);
  fixture.publisher.stop();  // from here on a change goes out at once, not after the interval
  fixture.publisher.changed("s1");
  REQUIRE(fixture.received(2));
  const auto full = fixture.list(1);
  CHECK(full.tasks.size() == limits::kMaxTasksPerList);
  CHECK(full.tasks.back().kind == protocol::TaskKind::kRecount);
}

TEST_CASE("task publisher: stop sends a held list at once") {
  PublisherFixture fixture;
  fixture.create(1);
  fixture.publisher.changed("s1");
  REQUIRE(fixture.received(1));
  fixture.create(2);
  fixture.publisher.changed("s1");
  CHECK(fixture.still(1));
  fixture.publisher.stop();
  REQUIRE(fixture.received(2));
  CHECK(fixture.list(1).tasks.size() == 2);
}

TEST_CASE("task publisher: a list with an unacknowledged task is sent again") {
  PublisherFixture fixture;
  fixture.create(1);
  fixture.publisher.republish();
  REQUIRE(fixture.received(1));
  CHECK(fixture.list(0).tasks.size() == 1);
}

TEST_CASE("task publisher: a list whose tasks were all acknowledged is not sent again") {
  PublisherFixture fixture;
  fixture.create(1);
  must(fixture.store.acknowledge("rt-1-1", "s1", "device-1", 2000));
  fixture.publisher.republish();
  CHECK(fixture.still(0));
}

TEST_CASE("task publisher: a list the link could not send goes out on the next connection") {
  PublisherFixture fixture(false);
  fixture.create(1);
  // Acknowledged, so only the failed send, not the unacknowledged-task rule, brings it back.
  must(fixture.store.acknowledge("rt-1-1", "s1", "device-1", 2000));
  fixture.publisher.changed("s1");  // the hub is not connected yet: the link refuses it
  CHECK(fixture.still(0));
  fixture.connect();
  fixture.publisher.republish();
  REQUIRE(fixture.received(1));
  CHECK(fixture.list(0).tasks.size() == 1);
}

}  // namespace
}  // namespace recount::hub
