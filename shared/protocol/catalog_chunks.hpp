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

#include "shared/core/result.hpp"
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

// A chunk's payload as published: its JSON, gzip-compressed when that is smaller.
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

// A catalog as manifest and chunks: every chunk of the count, the empty ones too, in index order;
// payloads[i] is the payload of manifest.chunks[i].
struct ChunkedCatalog {
  CatalogManifest manifest;
  std::vector<std::string> payloads;
};
ChunkedCatalog chunk_catalog(const Catalog& catalog);
// Hands every item of a catalog whose SKU is `wanted`, in the catalog's order, to `item`, or
// returns the error that stopped it. The items not wanted need not even be read.
using CatalogItemSource = std::function<Result<void>(const std::function<bool(std::string_view sku)>& wanted,
                                                     const std::function<void(CatalogItem&&)>& item)>;
// The same for a catalog too large to hold whole: `catalog` without its items (site, version,
// locations, users) and `item_count` items, which `source` is asked for once for each group of
// chunks holding about `items_per_pass` of them (at least one chunk a group), wanting only the
// group's. The same manifest and payloads as chunk_catalog() of the whole catalog when every
// reading hands over the same items. Errors: the source's.
Result<ChunkedCatalog> chunk_catalog(const Catalog& catalog, std::size_t item_count, const CatalogItemSource& source,
                                     std::size_t items_per_pass);

}  // namespace recount::protocol
