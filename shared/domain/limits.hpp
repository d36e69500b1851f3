// Limits on every field recount accepts from outside; docs/protocol.md quotes these numbers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace recount::limits {

inline constexpr std::size_t kMaxIdentifier = 64;            // site and device ids
inline constexpr std::size_t kMaxCode = 64;                  // location, SKU, lot, user, serial
inline constexpr std::size_t kMaxReference = 128;            // PO/ASN reference, task id, session id
inline constexpr std::size_t kMaxBarcode = 512;              // raw scanned text kept on an event
inline constexpr std::size_t kMaxText = 1024;                // free text: notes, descriptions
inline constexpr std::int64_t kMaxQuantity = 1'000'000'000;  // base units in one event
inline constexpr std::size_t kMaxBatchEvents = 500;
inline constexpr std::size_t kMaxPayloadBytes = std::size_t{512} * 1024;               // any single MQTT payload
inline constexpr std::size_t kMaxCatalogPayloadBytes = std::size_t{16} * 1024 * 1024;  // retained catalog
// A catalog over kMaxCatalogPayloadBytes travels as a manifest and chunks (shared/protocol/
// catalog_chunks.hpp): about this many items a chunk, at most kMaxCatalogChunks chunks, each
// chunk's payload as published at most kMaxCatalogChunkBytes (inflated: kMaxCatalogPayloadBytes).
inline constexpr std::size_t kCatalogChunkItems = 2'000;
inline constexpr std::uint32_t kMaxCatalogChunks = 4'096;
inline constexpr std::size_t kMaxCatalogChunkBytes = std::size_t{4} * 1024 * 1024;
// Arrays and objects inside one another in any payload. No message nests deeper than 4 levels;
// the parser refuses a payload as soon as it opens the level past this one.
inline constexpr std::size_t kMaxJsonDepth = 32;
// A site's retained task list carries its oldest open tasks, at most this many: few enough that
// a list of tasks with every field at its longest stays within kMaxPayloadBytes (a test encodes
// one), more than a site's floor works through at once. The rest follow as those are done.
inline constexpr std::size_t kMaxTasksPerList = 150;
// Floor users of one site (the users import, the catalog's `users`); each PIN hash costs a
// device one PBKDF2 check only when that badge is entered, the import one per PIN.
inline constexpr std::size_t kMaxCatalogUsers = 10'000;
inline constexpr int kProtocolVersion = 1;

}  // namespace recount::limits
