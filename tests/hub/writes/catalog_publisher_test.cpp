// Catalog publication against a real broker: every site's catalog goes out signed and retained,
// nothing goes out while the link is down, and the next connection sends them all.
#include "hub/writes/catalog_publisher.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "shared/crypto/ed25519.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/protocol/catalog_chunks.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "shared/protocol/topics.hpp"
#include "tests/hub/catalog_fixtures.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_fixtures.hpp"

namespace recount::hub {
namespace {

constexpr std::string_view kItems =
    "sku,description,unit_cost_cents,item_class,barcode,pack_qty\nSKU-A,Apples,120,fruit,5901234123457,1\n";
constexpr std::string_view kLocations =
    "site,location,label,location_class\ns1,A-01,L-A-01,shelf\ns2,B-01,L-B-01,shelf\n";

struct PublisherFixture {
  testing::Mosquitto broker;
  testing::HubCatalog hub;
  boost::asio::io_context io;
  mqtt::Link hub_link{io, testing::test_link_options(broker.uri(), "catalog-publisher-test")};
  crypto::SigningKey signing_key = crypto::SigningKey::generate();
  // A window of a few chunks, so that a large catalog is still going out when the next change comes.
  CatalogPublisher publisher{hub_link, hub.catalog, signing_key, hub.ledger.reader(), std::size_t{64} * 1024};

  explicit PublisherFixture(bool connect = true) {
    REQUIRE(hub.catalog.import_csv(ImportKind::kItems, kItems).value().errors.empty());
    REQUIRE(hub.catalog.import_csv(ImportKind::kLocations, kLocations).value().errors.empty());
    if (connect) this->connect();
  }
  void connect() {
    hub_link.start();
    REQUIRE(testing::run_until(io, [&] { return hub_link.connected(); }));
  }
  // A device of `site` subscribed to its catalog topic.
  std::unique_ptr<testing::TestDevice> device(const std::string& site, const std::string& name) {
    return std::make_unique<testing::TestDevice>(io, broker.uri(), name,
                                                 std::vector<std::string>{protocol::catalog_topic(site)});
  }
  // The catalog as a device takes it: only once the hub's signature verifies.
  protocol::Catalog catalog(const testing::TestDevice& device, std::size_t index) const {
    auto text = protocol::verified_payload(device.received.at(index).payload, signing_key.public_key());
    REQUIRE_MESSAGE(text.has_value(), (text ? "" : text.error().describe()));
    return protocol::decode_catalog(*text).value();
  }
  bool received(const testing::TestDevice& device, std::size_t count) {
    return testing::run_until(io, [&] { return device.received.size() >= count; });
  }
  // Runs the io_context a while and says whether nothing more than `count` arrived.
  bool still(const testing::TestDevice& device, std::size_t count) {
    testing::run_until(
        io, [] { return false; }, std::chrono::milliseconds(200));
    return device.received.size() == count;
  }
};

TEST_CASE("catalog publisher: a change sends each site its own catalog, with every item and the current version") {
  PublisherFixture fixture;
  auto s1 = fixture.device("s1", "device-1");
  auto s2 = fixture.device("s2", "device-2");
  fixture.publisher.changed();
  REQUIRE(fixture.received(*s1, 1));
  REQUIRE(fixture.received(*s2, 1));
  const auto first = fixture.catalog(*s1, 0);
  CHECK(first.site == "s1");
  CHECK(first.version == 2);
  REQUIRE(first.items.size() == 1);
  CHECK(first.items[0].sku == "SKU-A");
  REQUIRE(first.locations.size() == 1);
  CHECK(first.locations[0].location == "A-01");
  const auto second = fixture.catalog(*s2, 0);
  CHECK(second.site == "s2");
  REQUIRE(second.locations.size() == 1);
  CHECK(second.locations[0].location == "B-01");
}

TEST_CASE("catalog publisher: every catalog is signed with the hub's key, which no other key verifies") {
  PublisherFixture fixture;
  auto s1 = fixture.device("s1", "device-1");
  fixture.publisher.changed();
  REQUIRE(fixture.received(*s1, 1));
  const auto& payload = s1->received.at(0).payload;
  CHECK(protocol::verified_payload(payload, fixture.signing_key.public_key()));
  CHECK_FALSE(protocol::verified_payload(payload, crypto::SigningKey::generate().public_key()));
}

TEST_CASE("catalog publisher: catalogs are retained, so a device that subscribes later gets its site's") {
  PublisherFixture fixture;
  auto first = fixture.device("s1", "device-1");
  fixture.publisher.changed();
  REQUIRE(fixture.received(*first, 1));
  auto later = fixture.device("s1", "device-2");
  REQUIRE(fixture.received(*later, 1));
  CHECK(fixture.catalog(*later, 0).version == 2);
}

TEST_CASE("catalog publisher: nothing is sent while the link is down, and republish on connection sends it") {
  PublisherFixture fixture(false);
  auto s1 = fixture.device("s1", "device-1");
  fixture.publisher.changed();  // the hub is not connected yet
  CHECK(fixture.still(*s1, 0));
  fixture.connect();
  fixture.publisher.republish();
  REQUIRE(fixture.received(*s1, 1));
  CHECK(fixture.catalog(*s1, 0).site == "s1");
}

TEST_CASE("catalog publisher: a publication reads what was committed, not what a write of the hub has under way") {
  PublisherFixture fixture;
  auto s1 = fixture.device("s1", "device-1");
  auto write = fixture.hub.ledger.begin_write();
  REQUIRE(write);
  REQUIRE(fixture.hub.ledger.database().execute(
      "UPDATE catalog_items SET description = 'Not committed' WHERE sku = 'SKU-A'"));
  fixture.publisher.changed();
  REQUIRE(fixture.received(*s1, 1));
  const auto catalog = fixture.catalog(*s1, 0);
  REQUIRE(catalog.items.size() == 1);
  CHECK(catalog.items[0].description == "Apples");
}

// What stderr receives while it lives.
class StderrCapture {
 public:
  StderrCapture() : previous_(std::cerr.rdbuf(text_.rdbuf())) {}
  ~StderrCapture() { std::cerr.rdbuf(previous_); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::streambuf* previous_;
};

TEST_CASE("catalog publisher: the log says a change was published, and a new connection's catalogs were sent again") {
  PublisherFixture fixture;
  const StderrCapture log;
  const auto said = [&](std::string_view what) {
    return testing::run_until(fixture.io, [&] { return log.text().find(what) != std::string::npos; });
  };
  fixture.publisher.changed();
  REQUIRE(said("\n"));
  CHECK(log.text().starts_with("recount-hub: catalog version 2 published to 2 site(s): 2 message(s), "));
  fixture.publisher.republish();
  REQUIRE(said("sent again"));
  CHECK(log.text().find("recount-hub: catalog version 2 sent again to 2 site(s): 2 message(s), ") != std::string::npos);
}

// Over kWholeCatalogItems, to every site in chunks made once and sent a window at a time; an
// import while they go names a newer version, and what was not sent of the older one must not be
// taken for sent: in the end the broker holds each site's newest manifest and exactly its chunks.
TEST_CASE(
    "catalog publisher: chunks go to every site paced, and a change while they go leaves each site's newest whole") {
  PublisherFixture fixture;
  std::string items = "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n";
  for (std::size_t n = 0; n < kWholeCatalogItems + 10'000; ++n) {
    const auto number = std::to_string(n);
    items.append("SKU-").append(number).append(",Item ").append(number).append(",100,grocery,CODE-");
    items.append(number).append(",1\n");
  }
  REQUIRE(fixture.hub.catalog.import_csv(ImportKind::kItems, items).value().errors.empty());
  REQUIRE(fixture.hub.catalog
              .import_csv(ImportKind::kLocations, "site,location,label,location_class\ns3,C-01,L-C-01,shelf\n")
              .value()
              .errors.empty());
  fixture.publisher.changed();  // version 4, most of its chunks still to go when the next change comes
  auto watcher = fixture.device("s1", "watcher");
  REQUIRE(fixture.received(*watcher, 1));  // read, and its first window on the way
  REQUIRE(fixture.hub.catalog
              .import_csv(ImportKind::kItems,
                          "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n"
                          "SKU-7,Renamed,100,grocery,CODE-7,1\n")
              .value()
              .errors.empty());
  fixture.publisher.changed();  // version 5

  const std::vector<std::string> sites{"s1", "s2", "s3"};
  // What the broker holds once each site's manifest of version 5 and every chunk it names are in.
  const auto retained_whole = [&](const std::string& site) {
    const std::vector<std::string> filters{protocol::catalog_topic(site), protocol::catalog_chunks_filter(site)};
    testing::TestDevice late(fixture.io, fixture.broker.uri(), "late-" + site, filters);
    std::optional<protocol::CatalogManifest> manifest;
    std::map<std::string, std::string> chunks;  // id -> payload
    const bool whole = testing::run_until(fixture.io, [&] {
      for (; !late.received.empty(); late.received.erase(late.received.begin())) {
        const auto& message = late.received.front();
        if (message.topic == protocol::catalog_topic(site)) {
          auto text = protocol::verified_payload(message.payload, fixture.signing_key.public_key());
          REQUIRE(text);
          auto read = protocol::decode_catalog_message(*text);
          REQUIRE(read);
          manifest = std::get<protocol::CatalogManifest>(*read);
        } else {
          chunks[message.topic.substr(message.topic.rfind('/') + 1)] = message.payload;
        }
      }
      if (!manifest || manifest->version != 5) return false;
      return std::all_of(manifest->chunks.begin(), manifest->chunks.end(), [&](const protocol::CatalogChunkRef& ref) {
        return chunks.contains(ref.id) && sha256_hex(chunks[ref.id]) == ref.sha256;
      });
    });
    REQUIRE_MESSAGE(whole, site);
    CHECK(chunks.size() == manifest->chunks.size());  // no chunk of another count left retained
    for (const auto& ref : manifest->chunks) {
      CAPTURE(ref.id);
      const auto chunk = protocol::read_catalog_chunk_payload(chunks[ref.id]).value();
      CHECK(chunk.site == site);
      for (const auto& item : chunk.items) {
        if (item.sku == "SKU-7") CHECK(item.description == "Renamed");
      }
    }
    return manifest->chunks.size();
  };
  for (const auto& site : sites) {
    CAPTURE(site);
    CHECK(retained_whole(site) == protocol::catalog_chunk_count(kWholeCatalogItems + 10'000));
  }
}

}  // namespace
}  // namespace recount::hub
