// The catalog feed's checks of the hub's signature on real journal and cache files: only what the
// hub signed is applied, refusals are counted, and a forged high version blocks nothing.
#include "agent/catalog/catalog_feed.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "shared/protocol/catalog_chunks.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

crypto::SigningKey& hub_key() {
  static crypto::SigningKey key = crypto::SigningKey::generate();
  return key;
}

// A feed on a fresh data directory of site store-1, trusting `trusted` (the hub's key by
// default). Its Sync is never started: the tests hand payloads to the feed as the Sync would.
struct Feed {
  explicit Feed(std::optional<crypto::PublicKey> trusted = hub_key().public_key())
      : feed(io, sync, journal, store, trusted, log) {}

  testing::TempDir dir;
  Journal journal = Journal::open(dir.path(), std::string("store-1"), std::string("dev-1")).value();
  CatalogStore store = CatalogStore::open(dir.path()).value();
  boost::asio::io_context io;
  Sync sync{io, journal, SyncOptions{"tcp://127.0.0.1:1", {}}};
  std::ostringstream log;
  CatalogFeed feed;

  JournalStatus status() { return journal.status().value(); }
};

std::string catalog(std::uint64_t version, const crypto::SigningKey& key = hub_key()) {
  const protocol::Catalog message{
      "store-1",
      version,
      {{"SKU-" + std::to_string(version), "Widget", 189, "grocery", {{"05901234123457", 1}}}},
      {{"A-01", "LOC-A-01", "shelf"}},
      {}};
  return protocol::sign_payload(protocol::encode(message), key);
}

std::string tasks(std::uint64_t version, const std::string& task_id, const crypto::SigningKey& key = hub_key()) {
  const protocol::TaskList message{"store-1", version, {{task_id, "A-01", "", "", 1, "", "", 10}}};
  return protocol::sign_payload(protocol::encode(message), key);
}

// A catalog of store-1 with `items` items (SKU-n, barcode CODE-n), cut into chunks.
protocol::Catalog big_catalog(std::uint64_t version, std::size_t items) {
  protocol::Catalog catalog{"store-1", version, {}, {{"A-01", "LOC-A-01", "shelf"}}, {}};
  for (std::size_t n = 0; n < items; ++n) {
    const auto number = std::to_string(n);
    catalog.items.push_back({"SKU-" + number, "Item " + number, 100, "", {{"CODE-" + number, 1}}});
  }
  return catalog;
}

// Hands the signed manifest and every chunk of `chunked` to the feed, the chunks in `order`.
enum class Order { kManifestFirst, kChunksFirst };
void deliver(Feed& feed, const protocol::ChunkedCatalog& chunked, Order order) {
  const auto manifest = protocol::sign_payload(protocol::encode(chunked.manifest), hub_key());
  if (order == Order::kManifestFirst) feed.feed.take_catalog(manifest);
  for (std::size_t i = 0; i < chunked.payloads.size(); ++i) {
    feed.feed.take_catalog_chunk(chunked.manifest.chunks[i].id, chunked.payloads[i]);
  }
  if (order == Order::kChunksFirst) feed.feed.take_catalog(manifest);
}

// The text before its "sig" member, with the object closed again: what an unsigned hub sent.
std::string unsigned_of(const std::string& signed_text) {
  return signed_text.substr(0, signed_text.rfind(",\"sig\"")) + "}";
}

}  // namespace

TEST_CASE("a catalog the hub signed is stored") {
  Feed feed;
  feed.feed.take_catalog(catalog(3));
  CHECK(feed.store.catalog_version().value() == 3);
  CHECK(feed.store.find_barcode("5901234123457").value()->sku == "SKU-3");
  CHECK(feed.status().refused_catalogs == 0);
  CHECK(feed.log.str().find("catalog version 3 stored") != std::string::npos);
}

TEST_CASE("unsigned, wrongly keyed and tampered catalogs are refused, logged and counted") {
  Feed feed;
  const auto stranger = crypto::SigningKey::generate();
  std::string tampered = catalog(4);
  tampered.replace(tampered.find("SKU-4"), 5, "SKU-X");
  for (const auto& payload : {unsigned_of(catalog(4)), catalog(4, stranger), tampered}) {
    CAPTURE(payload);
    feed.feed.take_catalog(payload);
    CHECK(feed.store.catalog_version().value() == 0);
  }
  CHECK(feed.status().refused_catalogs == 3);
  CHECK(feed.status().refused_task_lists == 0);
  CHECK(feed.log.str().find("catalog refused: sig: the message is not signed") != std::string::npos);
  CHECK(feed.log.str().find("does not verify with the hub key " + hub_key().public_key().fingerprint()) !=
        std::string::npos);
}

TEST_CASE("a forged catalog with a high version does not block a later genuine one") {
  Feed feed;
  const auto forger = crypto::SigningKey::generate();
  feed.feed.take_catalog(catalog(2));
  feed.feed.take_catalog(catalog(1'000'000, forger));
  feed.feed.take_catalog(unsigned_of(catalog(999'999)));
  CHECK(feed.store.catalog_version().value() == 2);
  // Lower than the forged versions, newer than the one held: applied.
  feed.feed.take_catalog(catalog(3));
  CHECK(feed.store.catalog_version().value() == 3);
  CHECK(feed.store.find_barcode("5901234123457").value()->sku == "SKU-3");
  CHECK(feed.status().refused_catalogs == 2);
}

TEST_CASE("a task list the hub signed is stored and its tasks acknowledged in the journal") {
  Feed feed;
  feed.feed.take_tasks(tasks(1, "rt-1"));
  const auto open = feed.store.open_tasks().value();
  REQUIRE(open.size() == 1);
  CHECK(open.front().task_id == "rt-1");
  const auto entries = feed.journal.list(1, 10).value();
  REQUIRE(entries.size() == 1);
  CHECK(entries.front().event.type == EventType::kTaskAck);
  CHECK(entries.front().event.task_id == "rt-1");
}

TEST_CASE("forged and unsigned task lists are refused and counted, and block no later genuine list") {
  Feed feed;
  const auto forger = crypto::SigningKey::generate();
  feed.feed.take_tasks(tasks(1'000'000, "rt-forged", forger));
  feed.feed.take_tasks(unsigned_of(tasks(999'999, "rt-unsigned")));
  CHECK(feed.store.open_tasks().value().empty());
  CHECK(feed.journal.last_seq() == 0);
  CHECK(feed.status().refused_task_lists == 2);
  CHECK(feed.log.str().find("task list refused") != std::string::npos);
  feed.feed.take_tasks(tasks(7, "rt-7"));
  const auto open = feed.store.open_tasks().value();
  REQUIRE(open.size() == 1);
  CHECK(open.front().task_id == "rt-7");
}

TEST_CASE("without a hub key nothing is applied, even what the hub signed, and the log says how to fix it") {
  Feed feed{std::nullopt};
  feed.feed.take_catalog(catalog(1));
  feed.feed.take_tasks(tasks(1, "rt-1"));
  CHECK(feed.store.catalog_version().value() == 0);
  CHECK(feed.store.open_tasks().value().empty());
  CHECK(feed.status().refused_catalogs == 1);
  CHECK(feed.status().refused_task_lists == 1);
  CHECK(feed.log.str().find("no hub key is known") != std::string::npos);
  CHECK(feed.log.str().find("--hub-key") != std::string::npos);
}

TEST_CASE("a signed catalog of another site is not stored") {
  Feed feed;
  const protocol::Catalog other{"store-2", 5, {}, {}, {}};
  feed.feed.take_catalog(protocol::sign_payload(protocol::encode(other), hub_key()));
  CHECK(feed.store.catalog_version().value() == 0);
}

TEST_CASE("a chunked catalog is stored once its manifest and every chunk are in, whichever came first") {
  const auto chunked = protocol::chunk_catalog(big_catalog(5, 9'000));
  REQUIRE(chunked.manifest.chunks.size() == 8);
  for (const auto order : {Order::kManifestFirst, Order::kChunksFirst}) {
    CAPTURE(static_cast<int>(order));
    Feed feed;
    deliver(feed, chunked, order);
    CHECK(feed.store.catalog_version().value() == 5);
    CHECK(feed.store.find_barcode("CODE-8999").value()->sku == "SKU-8999");
    CHECK(feed.store.find_location("LOC-A-01").value()->location == "A-01");
    CHECK(feed.log.str().find("catalog version 5 stored (9000 items in 8 chunks, 8 of them new") != std::string::npos);
  }
}

TEST_CASE("after a one-item change only that chunk is read, and the rest of the catalog stays") {
  Feed feed;
  auto catalog = big_catalog(5, 9'000);
  deliver(feed, protocol::chunk_catalog(catalog), Order::kManifestFirst);
  REQUIRE(feed.store.catalog_version().value() == 5);
  catalog.version = 6;
  catalog.items[42].barcodes[0].code = "CODE-NEW";
  deliver(feed, protocol::chunk_catalog(catalog), Order::kManifestFirst);
  CHECK(feed.store.catalog_version().value() == 6);
  CHECK(feed.log.str().find("catalog version 6 stored (9000 items in 8 chunks, 1 of them new") != std::string::npos);
  CHECK(feed.store.find_barcode("CODE-NEW").value()->sku == "SKU-42");
  CHECK_FALSE(feed.store.find_barcode("CODE-42").value());
  CHECK(feed.store.find_barcode("CODE-8999").value()->sku == "SKU-8999");
}

TEST_CASE("a chunked catalog replaces a whole one, and a whole one a chunked one, leaving nothing behind") {
  Feed feed;
  feed.feed.take_catalog(catalog(3));
  REQUIRE(feed.store.find_barcode("5901234123457").value());
  deliver(feed, protocol::chunk_catalog(big_catalog(4, 3'000)), Order::kManifestFirst);
  CHECK(feed.store.catalog_version().value() == 4);
  CHECK_FALSE(feed.store.find_barcode("5901234123457").value());
  feed.feed.take_catalog(catalog(5));
  CHECK(feed.store.catalog_version().value() == 5);
  CHECK_FALSE(feed.store.find_barcode("CODE-1").value());
  CHECK(feed.store.find_barcode("5901234123457").value()->sku == "SKU-5");
}

TEST_CASE("a manifest whose chunks are missing or forged is never applied in part, and the log names the problem") {
  Feed feed;
  const auto chunked = protocol::chunk_catalog(big_catalog(5, 9'000));
  const auto manifest = protocol::sign_payload(protocol::encode(chunked.manifest), hub_key());
  feed.feed.take_catalog(manifest);
  CHECK(feed.log.str().find("catalog version 5 waits for 8 of 8 chunks") != std::string::npos);
  // All but the last chunk, and in its place a forged one: another chunk's items under its id.
  for (std::size_t i = 0; i + 1 < chunked.payloads.size(); ++i) {
    feed.feed.take_catalog_chunk(chunked.manifest.chunks[i].id, chunked.payloads[i]);
  }
  const auto& last = chunked.manifest.chunks.back();
  auto forged = protocol::read_catalog_chunk_payload(chunked.payloads.back()).value();
  forged.items[0].barcodes[0].code = "FORGED";
  feed.feed.take_catalog_chunk(last.id, protocol::catalog_chunk_payload(forged));
  CHECK(feed.store.catalog_version().value() == 0);
  CHECK_FALSE(feed.store.find_barcode("CODE-0").value());
  CHECK(feed.log.str().find("catalog chunk " + last.id + " is not the one catalog version 5 names") !=
        std::string::npos);
  feed.feed.take_catalog_chunk(last.id, chunked.payloads.back());
  CHECK(feed.store.catalog_version().value() == 5);
  CHECK_FALSE(feed.store.find_barcode("FORGED").value());
}

TEST_CASE("an unsigned manifest is refused and counted, and a stale one changes nothing") {
  Feed feed;
  const auto chunked = protocol::chunk_catalog(big_catalog(5, 3'000));
  for (std::size_t i = 0; i < chunked.payloads.size(); ++i) {
    feed.feed.take_catalog_chunk(chunked.manifest.chunks[i].id, chunked.payloads[i]);
  }
  feed.feed.take_catalog(unsigned_of(protocol::sign_payload(protocol::encode(chunked.manifest), hub_key())));
  CHECK(feed.store.catalog_version().value() == 0);
  CHECK(feed.status().refused_catalogs == 1);
  feed.feed.take_catalog(catalog(9));
  const auto before = feed.log.str();
  deliver(feed, chunked, Order::kManifestFirst);
  CHECK(feed.store.catalog_version().value() == 9);
  CHECK(feed.store.find_barcode("5901234123457").value()->sku == "SKU-9");
  CHECK(feed.log.str() == before);
}

TEST_CASE("a chunk under an id that is no chunk id is not kept, and the log says so") {
  Feed feed;
  feed.feed.take_catalog_chunk("17-3", "{}");
  CHECK(feed.log.str().find("'17-3' is not a chunk id") != std::string::npos);
}

}  // namespace recount::agent
