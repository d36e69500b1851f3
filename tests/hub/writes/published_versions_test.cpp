// The records of what each site was sent, against a real broker: signed and read back, published
// only once a connection read back what the broker holds (so a hub that knows less never replaces
// a higher record), and read back on every connection, late ones included.
#include "hub/writes/published_versions.hpp"

#include <doctest/doctest.h>

#include <memory>

#include "shared/protocol/signed_payload.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

const std::string kRecordOfS1 = "recount/hub/v1/published/s1";

// A hub's side: a link and its records, not started.
struct Reader {
  Reader(boost::asio::io_context& io, const std::string& uri, const std::string& name, const crypto::SigningKey& key,
         std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : link(io, testing::test_link_options(uri, name)), versions(io, link, key, timeout) {
    link.on_message([this](const mqtt::Message& message) {
      if (!versions.receive(message)) ++others;
    });
    versions.start([this] { ++read_backs; }, [this] { ++raises; });
    link.on_connected([this] {
      if (pause_on_connect) link.set_delivery(mqtt::Delivery::kPaused);  // as under a backlog
      versions.connected();
    });
  }
  mqtt::Link link;
  PublishedVersions versions;
  int read_backs = 0;
  int raises = 0;
  int others = 0;
  bool pause_on_connect = false;
};

struct Fixture {
  testing::Mosquitto broker;
  boost::asio::io_context io;
  crypto::SigningKey key = crypto::SigningKey::generate();

  std::unique_ptr<Reader> reader(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return std::make_unique<Reader>(io, broker.uri(), name, key, timeout);
  }
  // What a newly connected hub reads back of s1.
  SitePublished read_back_s1(const std::string& name) {
    auto fresh = reader(name);
    fresh->link.start();
    REQUIRE(testing::run_until(io, [&] { return fresh->read_backs == 1; }));
    const auto found = fresh->versions.sites().find("s1");
    return found == fresh->versions.sites().end() ? SitePublished{} : found->second;
  }
  void retain(const std::string& topic, const std::string& payload) {
    testing::TestDevice publisher(io, broker.uri(), "publisher", {});
    publisher.publish(topic, payload, true);
  }
};

}  // namespace

TEST_CASE("published versions: a record reads back only with the hub's signature, its site and counters") {
  const auto key = crypto::SigningKey::generate();
  const auto record = sign_published("s1", SitePublished{7, 3}, key);
  CHECK(record.starts_with(R"({"kind":"recount.published","v":1,"site":"s1","tasks":7,"catalog":3,"sig":")"));
  const auto read = read_published(record, key.public_key());
  REQUIRE(read.has_value());
  CHECK(read->first == "s1");
  CHECK(read->second == SitePublished{7, 3});

  const auto other = read_published(record, crypto::SigningKey::generate().public_key());
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().field == "sig");
  const auto not_a_record = read_published(protocol::sign_payload(R"({"kind":"x","v":1})", key), key.public_key());
  REQUIRE_FALSE(not_a_record.has_value());
  CHECK(not_a_record.error().field == "kind");
  const auto bad_site = read_published(
      protocol::sign_payload(R"({"kind":"recount.published","v":1,"site":"a/b","tasks":1,"catalog":1})", key),
      key.public_key());
  REQUIRE_FALSE(bad_site.has_value());
  CHECK(bad_site.error().field == "site");
  const auto too_big = read_published(
      protocol::sign_payload(
          R"({"kind":"recount.published","v":1,"site":"s1","tasks":9223372036854775808,"catalog":1})", key),
      key.public_key());
  REQUIRE_FALSE(too_big.has_value());
  CHECK(too_big.error().field == "tasks");
}

TEST_CASE("published versions: what a hub sends is recorded on the broker, and the next hub to connect reads it back") {
  Fixture fixture;
  auto hub = fixture.reader("hub-1");
  hub->link.start();
  REQUIRE(testing::run_until(fixture.io, [&] { return hub->read_backs == 1; }));
  CHECK(hub->versions.sites().empty());
  hub->versions.sending_tasks("s1", 5);
  hub->versions.sending_catalog("s1", 2);
  hub->versions.sending_catalog("s2", 2);
  hub->versions.sending_tasks("s1", 4);  // lower: changes nothing

  CHECK(fixture.read_back_s1("hub-2") == SitePublished{5, 2});
  CHECK(hub->versions.catalog() == 2);
  CHECK(hub->others == 0);
  CHECK(hub->raises == 0);  // its own records echoed back raise nothing
}

TEST_CASE("published versions: a hub that knows less publishes no record before it read back the broker's higher one") {
  Fixture fixture;
  fixture.retain(kRecordOfS1, sign_published("s1", SitePublished{50, 30}, fixture.key));
  auto hub = fixture.reader("hub-1");
  hub->versions.sending_tasks("s1", 3);  // before the read-back: kept, not published
  hub->link.start();
  REQUIRE(testing::run_until(fixture.io, [&] { return hub->read_backs == 1; }));
  CHECK(hub->versions.sites().at("s1") == SitePublished{50, 30});
  CHECK(hub->versions.catalog() == 30);
  CHECK(fixture.read_back_s1("hub-2") == SitePublished{50, 30});

  hub->versions.sending_tasks("s1", 51);
  CHECK(fixture.read_back_s1("hub-3") == SitePublished{51, 30});
}

TEST_CASE("published versions: records signed by another key, or on another site's topic, are not believed") {
  Fixture fixture;
  fixture.retain(kRecordOfS1, sign_published("s1", SitePublished{50, 30}, crypto::SigningKey::generate()));
  fixture.retain("recount/hub/v1/published/s2", sign_published("s1", SitePublished{60, 60}, fixture.key));
  CHECK(fixture.read_back_s1("hub-1") == SitePublished{});
}

TEST_CASE(
    "published versions: a broker that does not echo the marker in time is not waited for, and a record read later "
    "still raises what is known") {
  Fixture fixture;
  auto hub = fixture.reader("hub-1", std::chrono::milliseconds(300));
  hub->pause_on_connect = true;  // nothing reaches the hub once it is connected, its marker neither
  hub->link.start();
  REQUIRE(testing::run_until(fixture.io, [&] { return hub->read_backs == 1; }));
  // From another process: while a link's delivery waits, Paho's lock is held, and no other client
  // of this process could publish.
  REQUIRE(
      testing::run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(fixture.broker.port()), "-q", "1",
                            "-r", "-t", kRecordOfS1, "-m", sign_published("s1", SitePublished{50, 30}, fixture.key)})
          .exit_code == 0);
  testing::run_until(
      fixture.io, [] { return false; }, std::chrono::milliseconds(200));
  CHECK(hub->versions.sites().empty());
  CHECK(hub->raises == 0);
  hub->link.set_delivery(mqtt::Delivery::kFlowing);
  REQUIRE(testing::run_until(fixture.io, [&] { return hub->raises == 1; }));
  CHECK(hub->versions.sites().at("s1") == SitePublished{50, 30});
  CHECK(hub->read_backs == 1);  // the late marker of this connection ends nothing twice
}

}  // namespace recount::hub
