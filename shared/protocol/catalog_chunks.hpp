// A catalog too large for one message (limits::kMaxCatalogPayloadBytes), cut into chunks by a
// stable partition of its SKUs (docs/protocol.md "Large catalogs"): a SKU's chunk is the FNV-1a
// hash of the SKU modulo the chunk count, a power of two chosen from the item count. So adding,
// changing or removing one item changes one chunk, and the chunks keep their ids until the count
// of items crosses a power of two. Each chunk travels gzip-compressed when that is smaller, and
// the signed manifest binds it by the SHA-256 of its payload as published. All functions are
// thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/gzip.hpp"
#include "shared/core/result.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/messages.hpp"

namespace recount::protocol {

// A chunk id, spelled "{count}-{index}" (e.g. "256-17").
struct CatalogChunkId {
  std::uint32_t count = 1;
  std::uint32_t index = 0;

  bool operator==(const CatalogChunkId&) const = default;
};

std::string to_string(CatalogChunkId id);
// nullopt unless `text` is "{count}-{index}" in plain decimal, count a power of two at most
// limits::kMaxCatalogChunks and index below it.
std::optional<CatalogChunkId> parse_catalog_chunk_id(std::string_view text);

// The chunk count for `items` items: the smallest power of two giving at most
// limits::kCatalogChunkItems a chunk on average, at most limits::kMaxCatalogChunks.
std::uint32_t catalog_chunk_count(std::size_t items);
// The chunk of `sku` among `count` chunks.
std::uint32_t catalog_chunk_index(std::string_view sku, std::uint32_t count);

// One chunk of a catalog's items, made once for every site's catalog: its copies differ only in
// their ends, which name the site (encode_chunk_end()), so its start is encoded, deflated and
// hashed once, and a site's copy costs a copy of the payload and a hash of its last bytes (a hub
// with 100 sites read, encoded and compressed a 500,000-item catalog 100 times). Move-only;
// thread-safe to read.
class SharedCatalogChunk {
 public:
  // `chunk`'s items under its id; chunk.site is not used.
  explicit SharedCatalogChunk(const CatalogChunk& chunk);

  const std::string& id() const { return id_; }
  std::size_t items() const { return items_; }
  // This chunk of `site`'s catalog as published: its JSON, gzip-compressed when that is smaller.
  std::string payload(std::string_view site) const;
  // sha256_hex(payload(site)), from the hash of the start every site's payload shares.
  std::string sha256(std::string_view site) const;

 private:
  // What payload(site) appends to the shared start.
  std::string ending(std::string_view site) const;

  std::string id_;
  std::size_t items_ = 0;
  std::optional<GzipStart> deflated_;  // the start, when the payload is compressed
  std::string text_;                   // otherwise the start's text
  Sha256 start_hash_;                  // of the shared start as published
};

// A chunk's payload as published (SharedCatalogChunk::payload() of chunk.site).
std::string catalog_chunk_payload(const CatalogChunk& chunk);
// The chunk a payload carries (inflated first when it is gzip). Errors (kInvalidInput): over
// limits::kMaxCatalogChunkBytes, corrupt gzip, inflating past kMaxCatalogPayloadBytes, what
// decode_catalog_chunk() refuses, and items whose SKU belongs to another chunk.
Result<CatalogChunk> read_catalog_chunk_payload(std::string_view payload);
// The same an item at a time, as read_catalog_chunk() (codec.hpp) hands them over: memory holds
// the inflated text and one item, not the chunk's items. The same errors for the same payload,
// an item of another chunk named when its turn comes, or the first a callback returns.
Result<void> read_catalog_chunk_payload(std::string_view payload,
                                        const std::function<Result<void>(const CatalogChunkHeader&)>& header,
                                        const std::function<Result<void>(std::size_t, CatalogItem&&)>& item);

// A catalog's items cut into chunks once for every site: every chunk of the count, the empty ones
// too, in index order.
std::vector<SharedCatalogChunk> chunk_items(const std::vector<CatalogItem>& items);
// Hands every item of a catalog whose SKU is `wanted`, in the catalog's order, to `item`, or
// returns the error that stopped it. The items not wanted need not even be read.
using CatalogItemSource = std::function<Result<void>(const std::function<bool(std::string_view sku)>& wanted,
                                                     const std::function<void(CatalogItem&&)>& item)>;
// The same for items too many to hold at once: `item_count` items, which `source` is asked for
// once for each group of chunks holding about `items_per_pass` of them (at least one chunk a
// group), wanting only the group's; memory holds a group's items and the chunks made. The same
// chunks as chunk_items() of all the items when every reading hands over the same items.
// Errors: the source's.
Result<std::vector<SharedCatalogChunk>> chunk_items(std::size_t item_count, const CatalogItemSource& source,
                                                    std::size_t items_per_pass);
// The manifest of `catalog` (its site, version, locations and users; its items are not used) over
// `chunks`, each bound by the SHA-256 of its payload for the catalog's site.
CatalogManifest manifest_of(const Catalog& catalog, const std::vector<SharedCatalogChunk>& chunks);

// A catalog as manifest and chunks: payloads[i] is the payload of manifest.chunks[i].
struct ChunkedCatalog {
  CatalogManifest manifest;
  std::vector<std::string> payloads;
};
ChunkedCatalog chunk_catalog(const Catalog& catalog);

}  // namespace recount::protocol
