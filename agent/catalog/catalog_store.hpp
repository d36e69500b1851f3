// The agent's copy of its site's catalog (with its floor users) and open recount tasks, kept in the journal database so
// scans resolve offline, and the scans that matched nothing, kept until an operator maps them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::agent {

// What a product barcode means: this SKU, pack_qty base units per scan.
struct BarcodeMatch {
  std::string sku;
  std::string description;
  std::int64_t pack_qty = 1;
};

// A scan the catalog could not resolve, with the context it was made in, so that it can be
// recorded as the event it should have been once the barcode is known (`recount-agent resolve`).
struct UnresolvedScan {
  std::int64_t id = 0;
  std::int64_t wall_ms = 0;
  std::string barcode;  // the scanned text as read (GS1 data normalised to its raw form)
  std::string mode;     // count, receive, putaway, move, adjust
  std::string user, location, to_location, reference, reason, session, task_id, lot, expiry, serial;
  std::int64_t qty = 1;            // units per pack are not known: the number of scans
  std::uint64_t resolved_seq = 0;  // the event recorded for it later; 0 while unresolved
  // The unknown_barcode event that reports it to the hub; 0 while not reported (a scan held by an
  // agent older than the report, until `recount-agent run` reports it: held_scans.hpp).
  std::uint64_t reported_seq = 0;
};

// Whether `recount-agent run` saw the broker connected, as noted in the cache.
enum class LinkState { kOffline = 0, kOnline = 1 };

struct LinkNote {
  LinkState state = LinkState::kOffline;
  std::int64_t noted_ms = 0;  // when `run` last noted it; 0: never (run has not run)
};

// The catalog normalises codes the way the hub does: a valid GTIN-8/12/13/14 becomes its
// GTIN-14, any other code stays as it is.
std::string normalize_barcode(const std::string& code);

// One connection to DIR/journal.db, beside the Journal's own. Open it after Journal::open has
// created the file; open() creates or migrates the catalog's own tables (catalog_schema.hpp). Writes commit with
// synchronous=FULL. Not thread-safe; several processes may hold one (SQLite serialises writers).
class CatalogStore {
 public:
  // Errors: kNotFound when DIR holds no journal yet; kCorrupt / kIo as storage::Database::open;
  // kUnsupportedVersion when a newer recount-agent wrote the catalog tables.
  static Result<CatalogStore> open(const std::filesystem::path& directory);

  // Replaces the cached catalog with `catalog` when its version is newer than the one held.
  // Returns true when it was stored, false when it was older or the same (nothing changed).
  Result<bool> store_catalog(const protocol::Catalog& catalog);

  // A chunk of a large catalog as it came on its topic (shared/protocol/catalog_chunks.hpp), kept
  // until a manifest names it; false when the version held already has it (nothing kept). An
  // empty payload (the hub cleared the topic) drops what was kept for that id. Errors
  // (kInvalidInput): an id that is not a chunk id, a payload over limits::kMaxCatalogChunkBytes.
  Result<bool> receive_chunk(const std::string& chunk_id, const std::string& payload);

  // What store_manifest() did.
  struct ManifestOutcome {
    enum class Kind { kStale, kWaiting, kStored } kind = Kind::kStale;
    std::size_t missing = 0;  // kWaiting: chunks named and not received with the named hash
    std::size_t applied = 0;  // kStored: chunks read (the others were held already)
    std::size_t items = 0;    // kStored: items of the version now held
  };
  // Switches to the catalog `manifest` describes when its version is newer than the one held and
  // every chunk it names is held or received with the hash it names; else changes nothing
  // (kStale, or kWaiting with what is missing). One transaction: readers see the old version or
  // the new one, never a mix. Only changed chunks are read, one at a time (memory is bounded by
  // a chunk). Errors: a received chunk that hashes right but does not read (named by its id, as
  // read_catalog_chunk_payload()), or is of another site or id; then nothing changed.
  Result<ManifestOutcome> store_manifest(const protocol::CatalogManifest& manifest);
  Result<std::uint64_t> catalog_version();

  // Looks a code up after normalize_barcode(); nullopt when the catalog does not know it.
  Result<std::optional<BarcodeMatch>> find_barcode(const std::string& code);
  // A location by its label barcode or by its own name; nullopt when unknown.
  Result<std::optional<protocol::CatalogLocation>> find_location(const std::string& text);
  // The site's floor users from the catalog. has_users() is false for a site without any (then
  // any `#user NAME` is taken); find_user() looks a badge up exactly, nullopt when unknown.
  Result<bool> has_users();
  Result<std::optional<protocol::CatalogUser>> find_user(const std::string& badge);

  // A task list is stored together with the task_ack events of its new tasks, in the journal's
  // one transaction (store_tasks below, as Journal::record_all's Alongside): one commit per list
  // on the path from a count on one device to its recount on another.
  //
  // The ids of the tasks in `tasks` not acknowledged yet (new ones, and any whose ack was never
  // recorded), by created_ms then id; nullopt when the list is not newer than the one held.
  Result<std::optional<std::vector<std::string>>> tasks_to_ack(const protocol::TaskList& tasks);
  Result<std::vector<protocol::RecountTask>> open_tasks();
  Result<std::optional<protocol::RecountTask>> find_task(const std::string& task_id);

  // The sync daemon notes its link state every few seconds; the scan UI reads it.
  Result<void> note_link(LinkState state, std::int64_t now_ms);
  Result<LinkNote> link();

  // Stores an unresolved scan durably, outside any event (as agents before the report to the hub
  // did: the scan UI holds a scan with its event, agent/workflow/held_scans.hpp); returns its id.
  Result<std::int64_t> add_unresolved(const UnresolvedScan& scan);
  // The unresolved scans kept, oldest first: those still waiting for the catalog, those waiting
  // and not reported to the hub yet, or all of them (resolved ones with their resolved_seq).
  enum class Listing { kWaiting, kUnreported, kAll };
  Result<std::vector<UnresolvedScan>> unresolved(Listing listing);

  // Writers for Journal::record_all's Alongside: they run on the journal's connection inside its
  // transaction, so a held scan and the event that reports or applies it commit together or not
  // at all, whichever process records them.
  //
  // Stores `scan` (with its reported_seq and resolved_seq); returns its id.
  static Result<std::int64_t> insert_unresolved(storage::Database& database, const UnresolvedScan& scan);
  // Notes that the event `seq` reported (kReported) or applied (kResolved) held scan `id`.
  // kConflict when it already was, or there is no such scan: another process got there first and
  // its events stand, so the caller's must roll back.
  enum class Claim { kReported, kResolved };
  static Result<void> claim_unresolved(storage::Database& database, std::int64_t id, Claim claim, std::uint64_t seq);
  // Replaces the cached open tasks by `tasks` and notes the task_ack events `acks` recorded for
  // them (their task_id and seq). kConflict when the list is not newer than the one held: it was
  // stored meanwhile, and the caller's acks must roll back.
  static Result<void> store_tasks(storage::Database& database, const protocol::TaskList& tasks,
                                  const std::vector<Event>& acks);

 private:
  explicit CatalogStore(storage::Database database) : database_(std::move(database)) {}
  Result<std::uint64_t> meta(const char* key);
  Result<void> set_meta(const char* key, std::uint64_t value);
  // Writes items and their barcodes, noting `chunk` on them (empty: NULL, a whole catalog), with
  // statements prepared once for a catalog or a chunk.
  class ItemWriter {
   public:
    static Result<ItemWriter> prepare(storage::Database& database);
    Result<void> write(const protocol::CatalogItem& item, const std::string& chunk);

   private:
    ItemWriter(storage::Statement item, storage::Statement barcode)
        : item_(std::move(item)), barcode_(std::move(barcode)) {}
    storage::Statement item_;
    storage::Statement barcode_;
  };
  Result<void> replace_locations_and_users(const std::vector<protocol::CatalogLocation>& locations,
                                           const std::vector<protocol::CatalogUser>& users);
  // Deletes the items and barcodes that came in `chunk`.
  Result<void> delete_chunk(const std::string& chunk);
  // Applies a received chunk (id, hash) of `manifest`, as store_manifest() describes.
  Result<std::size_t> apply_chunk(const protocol::CatalogManifest& manifest, const protocol::CatalogChunkRef& ref);

  storage::Database database_;
};

}  // namespace recount::agent
