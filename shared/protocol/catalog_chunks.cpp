// Cutting a catalog into chunks and reading them back.
#include "shared/protocol/catalog_chunks.hpp"

#include <algorithm>
#include <bit>
#include <charconv>

#include "shared/core/gzip.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/domain/limits.hpp"
#include "shared/protocol/codec.hpp"

namespace recount::protocol {
namespace {

std::optional<std::uint32_t> decimal(std::string_view text) {
  std::uint32_t value = 0;
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The chunk's JSON text: `payload` itself, or inflated into `inflated` when it is gzip.
Result<std::string_view> chunk_text(std::string_view payload, std::string& inflated) {
  if (payload.size() > limits::kMaxCatalogChunkBytes) {
    return invalid("", "is " + std::to_string(payload.size()) + " bytes, over the limit of " +
                           std::to_string(limits::kMaxCatalogChunkBytes));
  }
  if (!is_gzip(payload)) return payload;
  auto text = gunzip(payload, limits::kMaxCatalogPayloadBytes);
  if (!text) return text.error();
  inflated = std::move(*text);
  return std::string_view(inflated);
}

Result<void> check_belongs(CatalogChunkId id, std::size_t index, const CatalogItem& item) {
  if (catalog_chunk_index(item.sku, id.count) == id.index) return {};
  return invalid("items[" + std::to_string(index) + "].sku", "belongs to another chunk than " + to_string(id));
}

}  // namespace

std::string to_string(CatalogChunkId id) { return std::to_string(id.count) + "-" + std::to_string(id.index); }

std::optional<CatalogChunkId> parse_catalog_chunk_id(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto count = decimal(text.substr(0, dash));
  const auto index = decimal(text.substr(dash + 1));
  if (!count || !index || !std::has_single_bit(*count) || *count > limits::kMaxCatalogChunks || *index >= *count) {
    return std::nullopt;
  }
  return CatalogChunkId{*count, *index};
}

std::uint32_t catalog_chunk_count(std::size_t items) {
  const std::size_t wanted = (items + limits::kCatalogChunkItems - 1) / limits::kCatalogChunkItems;
  return static_cast<std::uint32_t>(
      std::min<std::size_t>(std::bit_ceil(std::max<std::size_t>(wanted, 1)), limits::kMaxCatalogChunks));
}

std::uint32_t catalog_chunk_index(std::string_view sku, std::uint32_t count) {
  // FNV-1a, 64 bits: the same on every platform and in every release, unlike std::hash.
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : sku) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return static_cast<std::uint32_t>(hash % count);
}

SharedCatalogChunk::SharedCatalogChunk(const CatalogChunk& chunk) : id_(chunk.id), items_(chunk.items.size()) {
  std::string start = encode_chunk_start(chunk);
  GzipStart deflated(start);
  // Compressed when that is smaller, whatever the site: a site's name is far shorter than a stored
  // block, so its end adds the same bytes to the text and, with the same overhead, to the gzip.
  if (deflated.bytes().size() + deflated.ending({}).size() < start.size()) {
    start_hash_.update(deflated.bytes());
    deflated_ = std::move(deflated);
  } else {
    start_hash_.update(start);
    text_ = std::move(start);
  }
}

std::string SharedCatalogChunk::ending(std::string_view site) const {
  const std::string end = encode_chunk_end(site);
  return deflated_ ? deflated_->ending(end) : end;
}

std::string SharedCatalogChunk::payload(std::string_view site) const {
  return (deflated_ ? deflated_->bytes() : text_) + ending(site);
}

std::string SharedCatalogChunk::sha256(std::string_view site) const {
  Sha256 hash = start_hash_.fork();
  hash.update(ending(site));
  return hash.hex();
}

std::string catalog_chunk_payload(const CatalogChunk& chunk) { return SharedCatalogChunk(chunk).payload(chunk.site); }

Result<void> read_catalog_chunk_payload(std::string_view payload,
                                        const std::function<Result<void>(const CatalogChunkHeader&)>& header,
                                        const std::function<Result<void>(std::size_t, CatalogItem&&)>& item) {
  std::string inflated;
  auto text = chunk_text(payload, inflated);
  if (!text) return text.error();
  CatalogChunkId id;
  return read_catalog_chunk(
      *text,
      [&](const CatalogChunkHeader& head) {
        id = *parse_catalog_chunk_id(head.id);  // read_catalog_chunk() checked it
        return header(head);
      },
      [&](std::size_t index, CatalogItem&& read) {
        if (auto ok = check_belongs(id, index, read); !ok) return ok;
        return item(index, std::move(read));
      });
}

Result<CatalogChunk> read_catalog_chunk_payload(std::string_view payload) {
  std::string inflated;
  auto text = chunk_text(payload, inflated);
  if (!text) return text.error();
  auto chunk = decode_catalog_chunk(*text);
  if (!chunk) return chunk.error();
  const auto id = *parse_catalog_chunk_id(chunk->id);  // decode_catalog_chunk() checked it
  for (std::size_t i = 0; i < chunk->items.size(); ++i) {
    if (auto ok = check_belongs(id, i, chunk->items[i]); !ok) return ok.error();
  }
  return chunk;
}

std::vector<SharedCatalogChunk> chunk_items(const std::vector<CatalogItem>& items) {
  const auto every_item = [&items](const std::function<bool(std::string_view)>& wanted,
                                   const std::function<void(CatalogItem &&)>& item) -> Result<void> {
    for (const auto& each : items) {
      if (wanted(each.sku)) item(CatalogItem(each));
    }
    return {};
  };
  // One pass: the items are in memory already, and the source never fails.
  auto chunks = chunk_items(items.size(), every_item, items.size());
  return std::move(*chunks);
}

Result<std::vector<SharedCatalogChunk>> chunk_items(std::size_t item_count, const CatalogItemSource& source,
                                                    std::size_t items_per_pass) {
  const std::uint32_t count = catalog_chunk_count(item_count);
  // Chunks hold item_count / count items on average; a group of them about items_per_pass.
  const std::uint32_t group =
      items_per_pass >= item_count
          ? count
          : static_cast<std::uint32_t>(std::max<std::uint64_t>(1, std::uint64_t{items_per_pass} * count / item_count));
  std::vector<SharedCatalogChunk> out;
  out.reserve(count);
  for (std::uint32_t first = 0; first < count; first += group) {
    const std::uint32_t end = std::min(count, first + group);
    std::vector<CatalogChunk> chunks(end - first);
    for (std::uint32_t index = first; index < end; ++index) {
      chunks[index - first].id = to_string(CatalogChunkId{count, index});
    }
    const auto in_group = [&](std::string_view sku) {
      const std::uint32_t index = catalog_chunk_index(sku, count);
      return index >= first && index < end;
    };
    auto read = source(in_group, [&](CatalogItem&& item) {
      if (in_group(item.sku)) chunks[catalog_chunk_index(item.sku, count) - first].items.push_back(std::move(item));
    });
    if (!read) return read.error();
    for (const auto& chunk : chunks) out.emplace_back(chunk);
  }
  return out;
}

CatalogManifest manifest_of(const Catalog& catalog, const std::vector<SharedCatalogChunk>& chunks) {
  CatalogManifest manifest{catalog.site, catalog.version, {}, catalog.locations, catalog.users};
  manifest.chunks.reserve(chunks.size());
  for (const auto& chunk : chunks) {
    manifest.chunks.push_back(CatalogChunkRef{chunk.id(), chunk.sha256(catalog.site), chunk.items()});
  }
  return manifest;
}

ChunkedCatalog chunk_catalog(const Catalog& catalog) {
  const auto chunks = chunk_items(catalog.items);
  ChunkedCatalog out{manifest_of(catalog, chunks), {}};
  out.payloads.reserve(chunks.size());
  for (const auto& chunk : chunks) out.payloads.push_back(chunk.payload(catalog.site));
  return out;
}

}  // namespace recount::protocol
