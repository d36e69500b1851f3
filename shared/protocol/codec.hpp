// JSON encoding and strict decoding of every protocol message (docs/protocol.md).
//
// Decoders take untrusted bytes: they never throw, check the protocol version, types, ranges and
// lengths, and return an Error naming the offending field as a dotted path ("events[2].qty"); an
// empty field means the payload as a whole (too large, not JSON, not an object). A payload whose
// "v" is an integer other than limits::kProtocolVersion fails with kUnsupportedVersion, every
// other problem with kInvalidInput. Payloads over limits::kMaxPayloadBytes (the catalog:
// kMaxCatalogPayloadBytes) are refused before parsing, payloads nesting arrays and objects deeper
// than limits::kMaxJsonDepth while parsing, before any value is read. Unknown members are ignored.
// Encoders take valid structs and produce compact JSON with "v" first; they never throw (text
// that is not UTF-8 is replaced, not rejected). All functions are thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "shared/core/result.hpp"
#include "shared/protocol/messages.hpp"

namespace recount::protocol {

std::string encode(const EventBatch& batch);
std::string encode(const Hello& hello);
std::string encode(const Ack& ack);
std::string encode(const Nack& nack);
std::string encode(const Status& status);
std::string encode(const TaskList& tasks);
std::string encode(const Catalog& catalog);
std::string encode(const CatalogManifest& manifest);
// A chunk's JSON text; what goes on the wire is catalog_chunk_payload()'s (catalog_chunks.hpp).
// The site comes last, so that a chunk's copies for different sites share all but the end:
// encode(chunk) == encode_chunk_start(chunk) + encode_chunk_end(chunk.site).
std::string encode(const CatalogChunk& chunk);
// A chunk's text up to its site (chunk.site is not used).
std::string encode_chunk_start(const CatalogChunk& chunk);
// The rest of a chunk's text: its site, and the end of the object.
std::string encode_chunk_end(std::string_view site);

// An event alone, with "v" (the journal stores events in this form, and `record --jsonl` reads it).
std::string encode_event(const Event& event);

// Whole-payload errors (bad JSON, wrong version, missing envelope field, no events or more than
// kMaxBatchEvents, an element that is not an object or has no valid seq, seqs not consecutive)
// return an Error. Per-event errors (bad field, unknown type, a rule of validate() broken, a type
// a device may not record) put the event into DecodedBatch::rejected and keep the rest.
// decode_event() applies validate() but not device_may_record(): stored events come from the hub
// too.
Result<DecodedBatch> decode_event_batch(std::string_view payload);
Result<Hello> decode_hello(std::string_view payload);
Result<Ack> decode_ack(std::string_view payload);
Result<Nack> decode_nack(std::string_view payload);
Result<Status> decode_status(std::string_view payload);
Result<TaskList> decode_task_list(std::string_view payload);
Result<Catalog> decode_catalog(std::string_view payload);
// What the catalog topic carries: a whole catalog, or the manifest of a chunked one (it has
// "chunks" and no "items"). Chunk ids must be well formed and distinct, all of one count, hashes
// 64 lowercase hex digits.
using CatalogMessage = std::variant<Catalog, CatalogManifest>;
Result<CatalogMessage> decode_catalog_message(std::string_view payload);
// A chunk's JSON text (inflated), at most kMaxCatalogPayloadBytes. SKUs and barcodes distinct.
Result<CatalogChunk> decode_catalog_chunk(std::string_view text);
// What a chunk says of itself before its items.
struct CatalogChunkHeader {
  std::string site;
  std::string id;
  std::size_t items = 0;  // how many elements "items" has
};
// decode_catalog_chunk() an item at a time, in bounded memory: the text is checked whole first
// (syntax, version, site, chunk id, "items" an array), then header(const CatalogChunkHeader&) ->
// Result<void> is called, then item(std::size_t index, CatalogItem&&) -> Result<void> for each
// item in order as it is read. Memory holds the text's outer levels and one item, not a tree of
// the whole chunk (a chunk of 2,000 items is ~0.3 MB of text; its tree was 1.6 MB). Errors:
// decode_catalog_chunk()'s, the same for the same text, or the first a callback returns; either
// stops the reading (items already handed over stay handed over).
Result<void> read_catalog_chunk(std::string_view text,
                                const std::function<Result<void>(const CatalogChunkHeader&)>& header,
                                const std::function<Result<void>(std::size_t, CatalogItem&&)>& item);
Result<Event> decode_event(std::string_view payload);

// A draft event, as `recount-agent record --jsonl` reads one per line: an event object without
// "v" and without the fields its journal assigns (seq, event_id, wall_ms, hlc), which are
// ignored when present. Errors as decode_event(), with validate(event, EventStage::kDraft).
Result<Event> decode_draft_event(std::string_view text);

}  // namespace recount::protocol
