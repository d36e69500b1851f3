// The messages of the sync protocol, one struct per message of docs/protocol.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"

namespace recount::protocol {

// agent → hub on recount/v1/{site}/{device}/events: consecutive events of one journal epoch.
struct EventBatch {
  std::string site;
  std::string device;
  std::string epoch;  // 16 hex digits; a new journal starts a new epoch
  std::vector<Event> events;

  bool operator==(const EventBatch&) const = default;
};

// An event of a batch that failed validation; the rest of the batch is still applied.
struct RejectedEvent {
  std::uint64_t seq = 0;
  std::string event_id;  // as sent, when it was a well-formed UUID; empty otherwise
  Error error;
};

// What the hub makes of an events payload whose envelope is valid: the valid events, and the
// events it must dead-letter and nack. Envelope errors reject the whole payload instead.
struct DecodedBatch {
  EventBatch batch;  // only the valid events
  std::vector<RejectedEvent> rejected;
  std::uint64_t first_seq = 0;  // the range the payload covered, valid and rejected events alike
  std::uint64_t last_seq = 0;
};

// agent → hub on every connect: where the journal stands, so the hub answers with its ack.
struct Hello {
  std::string site;
  std::string device;
  std::string epoch;
  std::uint64_t last_seq = 0;       // highest seq in the journal (0 when empty)
  std::uint64_t acked_through = 0;  // highest seq the agent has seen acknowledged
  std::int64_t wall_ms = 0;
  HlcStamp hlc{};
  std::string agent_version;
  // Highest seq the journal's retention deleted, after its ack (0: none, or an older agent): a hub
  // that holds less (restored from a backup) can never have seqs up to it again.
  std::uint64_t pruned_through = 0;

  bool operator==(const Hello&) const = default;
};

// hub → agent: every seq ≤ acked_through of this epoch is durably stored (or dead-lettered and
// nacked). Cumulative, so a lost ack is repaired by the next one.
struct Ack {
  std::string device;
  std::string epoch;
  std::uint64_t acked_through = 0;
  std::int64_t hub_wall_ms = 0;  // lets the agent measure its clock skew
  HlcStamp hub_hlc{};

  bool operator==(const Ack&) const = default;
};

struct NackEntry {
  std::uint64_t seq = 0;
  std::string event_id;
  std::string field;
  std::string reason;

  bool operator==(const NackEntry&) const = default;
};

// hub → agent: events (or a whole payload) the hub refused, with reasons. Rejected events are
// dead-lettered, so they are covered by the next ack and are never resent.
struct Nack {
  std::string device;
  std::string epoch;  // empty when the payload was too broken to tell
  std::vector<NackEntry> rejected;
  std::string payload_error;  // set when the whole payload was refused

  bool operator==(const Nack&) const = default;
};

enum class DeviceState { kOnline, kOffline };

// agent → hub, retained, also the agent's last will (state offline).
struct Status {
  std::string device;
  DeviceState state = DeviceState::kOnline;
  std::uint64_t backlog = 0;  // events not yet acknowledged
  std::uint64_t acked_through = 0;
  std::int64_t skew_ms = 0;  // device wall clock minus hub wall clock, from the last ack
  std::int64_t wall_ms = 0;  // when composed; 0 when not known (a last will)

  bool operator==(const Status&) const = default;
};

// What a task asks for: a blind recount of a variance, or a count a count plan has made due
// (docs/investigation.md, "Count plans"). A task without a kind on the wire is a recount.
enum class TaskKind { kRecount, kPlanned };

// "recount" or "planned", as on the wire.
std::string_view to_string(TaskKind kind);
// The kind named `text`; nullopt for any other text.
std::optional<TaskKind> parse_task_kind(std::string_view text);

// One open task: a blind recount, or a planned count. The expected quantity is deliberately absent.
struct RecountTask {
  std::string task_id;
  std::string location;
  std::string sku;  // empty: recount the whole location
  std::string lot;
  std::uint32_t round = 1;
  std::string exclude_user;  // the counter whose count raised it may not do it
  std::string hint;          // e.g. "uom_error: check case vs each"
  std::int64_t created_ms = 0;
  TaskKind kind = TaskKind::kRecount;

  bool operator==(const RecountTask&) const = default;
};

// hub → agents, retained on recount/v1/{site}/tasks: the full set of open tasks of a site.
struct TaskList {
  std::string site;
  std::uint64_t version = 0;
  std::vector<RecountTask> tasks;

  bool operator==(const TaskList&) const = default;
};

struct CatalogBarcode {
  std::string code;
  std::int64_t pack_qty = 1;  // base units one scan of this code means

  bool operator==(const CatalogBarcode&) const = default;
};

struct CatalogItem {
  std::string sku;
  std::string description;
  std::int64_t unit_cost_cents = 0;
  std::string item_class;
  std::vector<CatalogBarcode> barcodes;

  bool operator==(const CatalogItem&) const = default;
};

struct CatalogLocation {
  std::string location;
  std::string label;  // the barcode printed on the bin
  std::string location_class;

  bool operator==(const CatalogLocation&) const = default;
};

// A person on the floor of one site (docs/catalog.md): `#user BADGE` names them on events.
struct CatalogUser {
  std::string badge;  // what the badge scans as; the events' `user`
  std::string name;
  std::string role;      // counter, counter-lead or receiver
  std::string pin_hash;  // crypto::hash_pin() of the PIN; empty: no PIN

  bool operator==(const CatalogUser&) const = default;
};

// hub → agents, retained on recount/v1/{site}/catalog: everything a device needs to resolve
// scans offline. Versions increase; an agent ignores a catalog older than the one it holds.
struct Catalog {
  std::string site;
  std::uint64_t version = 0;
  std::vector<CatalogItem> items;
  std::vector<CatalogLocation> locations;
  std::vector<CatalogUser> users;  // empty: the site has no users, any `#user NAME` is taken

  bool operator==(const Catalog&) const = default;
};

// One chunk of a large catalog as its manifest names it: the chunk's id ("{count}-{index}",
// catalog_chunks.hpp), the SHA-256 of its payload as published (64 lowercase hex digits), and how
// many items it holds.
struct CatalogChunkRef {
  std::string id;
  std::string sha256;
  std::uint64_t items = 0;

  bool operator==(const CatalogChunkRef&) const = default;
};

// hub → agents, retained and signed on recount/v1/{site}/catalog in place of a Catalog too large
// for one message: the version, its locations and users, and the chunks that hold its items. The
// signature covers the chunks' hashes, so each chunk is bound to it without a signature of its own.
struct CatalogManifest {
  std::string site;
  std::uint64_t version = 0;
  std::vector<CatalogChunkRef> chunks;
  std::vector<CatalogLocation> locations;
  std::vector<CatalogUser> users;

  bool operator==(const CatalogManifest&) const = default;
};

// hub → agents, retained on recount/v1/{site}/catalog/{id}: the items of one chunk (those whose
// SKU falls in its bucket).
struct CatalogChunk {
  std::string site;
  std::string id;
  std::vector<CatalogItem> items;

  bool operator==(const CatalogChunk&) const = default;
};

}  // namespace recount::protocol
