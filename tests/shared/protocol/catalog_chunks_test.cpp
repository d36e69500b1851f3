// Chunked catalogs: ids, a partition of SKUs that keeps a one-item change to one chunk, payloads
// that compress and read back, and the refusals of chunks and manifests that are not the hub's form.
#include "shared/protocol/catalog_chunks.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "shared/core/gzip.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/domain/limits.hpp"
#include "shared/protocol/codec.hpp"

namespace recount::protocol {
namespace {

CatalogItem item(std::size_t n) {
  const std::string number = std::to_string(n);
  return CatalogItem{"SKU-" + number, "Item number " + number, 100, "grocery", {{"CODE-" + number, 1}}};
}

Catalog catalog_of(std::size_t items, std::uint64_t version = 7) {
  Catalog catalog{"S1", version, {}, {{"A-01", "L-A-01", "shelf"}}, {}};
  for (std::size_t n = 0; n < items; ++n) catalog.items.push_back(item(n));
  return catalog;
}

}  // namespace

TEST_CASE("chunk ids read back as written, and anything else is refused") {
  CHECK(parse_catalog_chunk_id("256-17") == CatalogChunkId{256, 17});
  CHECK(to_string(CatalogChunkId{256, 17}) == "256-17");
  CHECK(parse_catalog_chunk_id("1-0") == CatalogChunkId{1, 0});
  for (const char* bad : {"", "256", "256-256", "255-1", "8192-1", "256-017", "-1", "256-", "256-1x", "a-b", "0-0"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_catalog_chunk_id(bad));
  }
}

TEST_CASE("the chunk count is the power of two that keeps chunks near their size, within the limit") {
  CHECK(catalog_chunk_count(0) == 1);
  CHECK(catalog_chunk_count(limits::kCatalogChunkItems) == 1);
  CHECK(catalog_chunk_count(limits::kCatalogChunkItems + 1) == 2);
  CHECK(catalog_chunk_count(500'000) == 256);
  CHECK(catalog_chunk_count(1'000'000'000) == limits::kMaxCatalogChunks);
}

TEST_CASE("a one-item change, addition or removal alters exactly one chunk, and the ids stay") {
  auto catalog = catalog_of(20'000);
  const auto before = chunk_catalog(catalog);
  REQUIRE(before.manifest.chunks.size() == 16);
  auto differing = [&](const ChunkedCatalog& after) {
    REQUIRE(after.manifest.chunks.size() == before.manifest.chunks.size());
    std::size_t count = 0;
    for (std::size_t i = 0; i < after.manifest.chunks.size(); ++i) {
      CHECK(after.manifest.chunks[i].id == before.manifest.chunks[i].id);
      if (after.manifest.chunks[i].sha256 != before.manifest.chunks[i].sha256) ++count;
    }
    return count;
  };
  CHECK(differing(chunk_catalog(catalog)) == 0);
  SUBCASE("changed") {
    catalog.items[12'345].description = "Renamed";
    CHECK(differing(chunk_catalog(catalog)) == 1);
  }
  SUBCASE("added") {
    catalog.items.push_back(item(99'999'999));
    CHECK(differing(chunk_catalog(catalog)) == 1);
  }
  SUBCASE("removed") {
    catalog.items.erase(catalog.items.begin() + 77);
    CHECK(differing(chunk_catalog(catalog)) == 1);
  }
}

TEST_CASE("every item lands in one chunk, whose payload is gzip, hashed in the manifest and read back") {
  const auto catalog = catalog_of(5'000);
  const auto chunked = chunk_catalog(catalog);
  CHECK(chunked.manifest.site == "S1");
  CHECK(chunked.manifest.version == 7);
  CHECK(chunked.manifest.locations == catalog.locations);
  std::size_t items = 0;
  for (std::size_t i = 0; i < chunked.payloads.size(); ++i) {
    const auto& payload = chunked.payloads[i];
    CHECK(is_gzip(payload));
    CHECK(chunked.manifest.chunks[i].sha256 == sha256_hex(payload));
    auto chunk = read_catalog_chunk_payload(payload);
    REQUIRE_MESSAGE(chunk, (chunk ? "" : chunk.error().describe()));
    CHECK(chunk->id == chunked.manifest.chunks[i].id);
    CHECK(chunk->items.size() == chunked.manifest.chunks[i].items);
    items += chunk->items.size();
  }
  CHECK(items == catalog.items.size());
}

// The hub chunks a large catalog as it reads it, a group of chunks a reading (the items read
// again for each), so as never to hold it whole; what devices get must not depend on that.
TEST_CASE("a catalog chunked a group of chunks at a time gives the same manifest and payloads as chunked whole") {
  const auto catalog = catalog_of(20'000);
  const auto whole = chunk_catalog(catalog);
  for (const std::size_t per_pass : {std::size_t{1}, std::size_t{1'000}, std::size_t{6'000}, std::size_t{1'000'000}}) {
    CAPTURE(per_pass);
    std::size_t readings = 0;
    auto chunks = chunk_items(
        catalog.items.size(),
        [&](const std::function<bool(std::string_view)>& wanted,
            const std::function<void(CatalogItem &&)>& keep) -> Result<void> {
          ++readings;
          for (const auto& each : catalog.items) {
            if (wanted(each.sku)) keep(CatalogItem(each));
          }
          return {};
        },
        per_pass);
    REQUIRE(chunks);
    CHECK(manifest_of(catalog, *chunks) == whole.manifest);
    REQUIRE(chunks->size() == whole.payloads.size());
    for (std::size_t i = 0; i < chunks->size(); ++i) CHECK((*chunks)[i].payload("S1") == whole.payloads[i]);
    // 16 chunks of ~1,250 items: as many readings as groups of chunks of about per_pass items.
    const std::size_t expected = per_pass <= 1'250 ? 16 : per_pass == 6'000 ? 4 : 1;
    CHECK(readings == expected);
  }
}

TEST_CASE("a catalog chunked a group at a time stops at the first error of its reading") {
  std::size_t readings = 0;
  const auto chunks = chunk_items(
      10'000,
      [&](const std::function<bool(std::string_view)>&,
          const std::function<void(CatalogItem &&)>& keep) -> Result<void> {
        ++readings;
        keep(item(1));
        return Error{ErrorCode::kIo, "", "the disk went away"};
      },
      1'000);
  REQUIRE_FALSE(chunks);
  CHECK(chunks.error().message == "the disk went away");
  CHECK(readings == 1);
}

// The hub makes a catalog's chunks once for all its sites; each site's copy must be exactly what
// chunking that site's catalog alone makes, and read back as that site's.
TEST_CASE("chunks made once serve every site: each site's payloads and manifest are its catalog's, its name last") {
  auto catalog = catalog_of(5'000);
  const auto chunks = chunk_items(catalog.items);
  for (const std::string site :
       {"S1", "store-0042", "a-much-longer-site-name-of-the-kind-a-retailer-uses-0000000001"}) {
    CAPTURE(site);
    catalog.site = site;
    const auto alone = chunk_catalog(catalog);
    CHECK(manifest_of(catalog, chunks) == alone.manifest);
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      const auto payload = chunks[i].payload(site);
      CHECK(payload == alone.payloads[i]);
      CHECK(chunks[i].sha256(site) == sha256_hex(payload));
      const auto read = read_catalog_chunk_payload(payload).value();
      CHECK(read.site == site);
      CHECK(read.id == chunks[i].id());
      CHECK(read.items.size() == chunks[i].items());
      CHECK(encode(read).ends_with(",\"site\":\"" + site + "\"}"));
    }
  }
  // An empty chunk goes as text (gzip would not be smaller), its site last too.
  const auto empty = chunk_items({});
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].payload("S2") == R"({"v":1,"chunk":"1-0","items":[],"site":"S2"})");
  CHECK(empty[0].sha256("S2") == sha256_hex(empty[0].payload("S2")));
}

TEST_CASE("a chunk too small to gain from gzip goes as JSON, and reads back the same") {
  const CatalogChunk empty{"S1", "4-1", {}};
  const auto payload = catalog_chunk_payload(empty);
  CHECK(payload == encode(empty));
  CHECK(read_catalog_chunk_payload(payload).value() == empty);
}

TEST_CASE("chunk payloads that are corrupt, oversized or hold another chunk's SKU are refused, naming why") {
  const auto chunked = chunk_catalog(catalog_of(5'000));
  std::string corrupt = chunked.payloads[0];
  corrupt.resize(corrupt.size() / 2);
  CHECK(read_catalog_chunk_payload(corrupt).error().describe().find("truncated") != std::string::npos);
  CHECK(read_catalog_chunk_payload(std::string(limits::kMaxCatalogChunkBytes + 1, ' '))
            .error()
            .describe()
            .find("over the limit") != std::string::npos);
  auto stray = read_catalog_chunk_payload(chunked.payloads[0]).value();
  stray.id = chunked.manifest.chunks[1].id;
  const auto refused = read_catalog_chunk_payload(catalog_chunk_payload(stray));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().describe().find("belongs to another chunk") != std::string::npos);
}

// What read_catalog_chunk_payload() hands over an item at a time, gathered.
struct Handed {
  std::vector<CatalogChunkHeader> headers;
  std::vector<std::pair<std::size_t, CatalogItem>> items;
};

Result<void> read_each(std::string_view payload, Handed& handed, std::size_t stop_at = SIZE_MAX) {
  return read_catalog_chunk_payload(
      payload,
      [&](const CatalogChunkHeader& header) -> Result<void> {
        CHECK(handed.items.empty());  // the header comes first
        handed.headers.push_back(header);
        return {};
      },
      [&](std::size_t index, CatalogItem&& item) -> Result<void> {
        if (index == stop_at) return Error{ErrorCode::kIo, "sink", "stopped at " + std::to_string(index)};
        handed.items.emplace_back(index, std::move(item));
        return {};
      });
}

TEST_CASE("a chunk read an item at a time hands over the header, then every item in order, as the whole read has") {
  const auto chunked = chunk_catalog(catalog_of(5'000));
  for (const auto& payload : chunked.payloads) {
    const auto whole = read_catalog_chunk_payload(payload).value();
    Handed handed;
    REQUIRE(read_each(payload, handed));
    REQUIRE(handed.headers.size() == 1);
    CHECK(handed.headers[0].site == whole.site);
    CHECK(handed.headers[0].id == whole.id);
    CHECK(handed.headers[0].items == whole.items.size());
    REQUIRE(handed.items.size() == whole.items.size());
    for (std::size_t i = 0; i < whole.items.size(); ++i) {
      CHECK(handed.items[i].first == i);
      CHECK(handed.items[i].second == whole.items[i]);
    }
  }
}

TEST_CASE("a chunk read an item at a time stops at the first error, its own or the callback's, naming the item") {
  const auto chunked = chunk_catalog(catalog_of(5'000));
  // A callback's error stops the reading and comes back as it was.
  Handed stopped;
  const auto sink = read_each(chunked.payloads[0], stopped, 3);
  REQUIRE_FALSE(sink);
  CHECK(sink.error().code == ErrorCode::kIo);
  CHECK(sink.error().message == "stopped at 3");
  CHECK(stopped.items.size() == 3);
  // An item that does not read stops the reading there, with the path the whole read names.
  auto chunk = read_catalog_chunk_payload(chunked.payloads[0]).value();
  REQUIRE(chunk.items.size() > 3);
  chunk.items[2].barcodes.push_back(chunk.items[1].barcodes[0]);
  const std::string repeated = catalog_chunk_payload(chunk);
  Handed partial;
  const auto refused = read_each(repeated, partial);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "items[2].barcodes[1].code");
  CHECK(refused.error().message == "repeats an earlier element's value");
  CHECK(partial.items.size() == 2);
  CHECK(read_catalog_chunk_payload(repeated).error().describe() == refused.error().describe());
  // Malformed JSON anywhere refuses the chunk before anything is handed over.
  std::string text = encode(read_catalog_chunk_payload(chunked.payloads[0]).value());
  text.insert(text.size() - 10, "\xff");
  Handed none;
  const auto malformed = read_each(text, none);
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().message == "payload is not well-formed JSON in UTF-8");
  CHECK(none.headers.empty());
  CHECK(none.items.empty());
  // An item of another chunk is named when its turn comes.
  auto stray = read_catalog_chunk_payload(chunked.payloads[0]).value();
  stray.items.push_back(read_catalog_chunk_payload(chunked.payloads[1]).value().items[0]);
  Handed strayed;
  const auto other = read_each(catalog_chunk_payload(stray), strayed);
  REQUIRE_FALSE(other);
  CHECK(other.error().field == "items[" + std::to_string(stray.items.size() - 1) + "].sku");
  CHECK(other.error().message == "belongs to another chunk than " + stray.id);
  CHECK(strayed.items.size() == stray.items.size() - 1);
}

TEST_CASE("the catalog topic's message reads as a whole catalog or as a manifest") {
  const auto catalog = catalog_of(3);
  auto whole = decode_catalog_message(encode(catalog));
  REQUIRE(whole);
  CHECK(std::get<Catalog>(*whole) == catalog);
  const auto manifest = chunk_catalog(catalog_of(5'000)).manifest;
  auto chunked = decode_catalog_message(encode(manifest));
  REQUIRE(chunked);
  CHECK(std::get<CatalogManifest>(*chunked) == manifest);
}

TEST_CASE("a manifest with a bad chunk id, mixed counts, a repeated id or a bad hash is refused, naming the field") {
  const auto good = chunk_catalog(catalog_of(5'000)).manifest;
  auto refused = [](const CatalogManifest& manifest) {
    auto decoded = decode_catalog_message(encode(manifest));
    REQUIRE_FALSE(decoded);
    return decoded.error().describe();
  };
  auto bad_id = good;
  bad_id.chunks[0].id = "3-0";
  CHECK(refused(bad_id).find("chunks[0].id") != std::string::npos);
  auto mixed = good;
  mixed.chunks[1].id = "8-1";
  CHECK(refused(mixed).find("chunks[1].id") != std::string::npos);
  auto repeated = good;
  repeated.chunks[1].id = repeated.chunks[0].id;
  CHECK(refused(repeated).find("chunks[1].id") != std::string::npos);
  auto bad_hash = good;
  bad_hash.chunks[2].sha256 = std::string(64, 'G');
  CHECK(refused(bad_hash).find("chunks[2].sha256") != std::string::npos);
}

}  // namespace recount::protocol
