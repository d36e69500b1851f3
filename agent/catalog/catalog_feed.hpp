// Connects the sync's retained catalog and task topics to the catalog cache: catalogs and task
// lists the hub signed are taken in, newer catalogs are stored (and the held scans they make known
// applied at once, agent/workflow/held_scans.hpp), new recount tasks are stored and
// acknowledged with a task_ack event in the journal. It also notes the link state in the cache
// every few seconds, for the scan UI's status line.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/catalog/catalog_store.hpp"
#include "agent/journal/journal.hpp"
#include "agent/sync/sync.hpp"
#include "shared/crypto/ed25519.hpp"

namespace recount::agent {

// Runs on the Sync's io_context; not thread-safe. Every object passed in must outlive it.
//
// Every payload is first checked against `hub_key` (DESIGN §9, docs/protocol.md "Signed
// messages"), before its version is even read, so a forged message with a high version cannot
// block the hub's later ones. One that is unsigned, badly signed, or arrives while no hub key is
// known (fail-closed: nothing unsigned is ever applied) is dropped, logged on `log` and counted in
// the journal (JournalStatus::refused_catalogs / refused_task_lists). Catalog versions at or below
// the one held are ignored. A large catalog comes as a signed manifest and chunks bound to it by
// their hashes (shared/protocol/catalog_chunks.hpp), in any order: the manifest waits, in
// memory, until the chunks it names are in, and only then is its version stored, whole; a chunk
// that hashes otherwise than the waiting manifest names is kept (a later manifest may name it)
// and logged, never applied. Other problems (a malformed signed message, a store that cannot be
// written) are logged and the message is dropped; the retained message comes again on the next
// connect.
class CatalogFeed {
 public:
  static constexpr std::chrono::seconds kLinkNoteInterval{2};

  CatalogFeed(boost::asio::io_context& io, Sync& sync, Journal& journal, CatalogStore& store,
              std::optional<crypto::PublicKey> hub_key, std::ostream& log);
  // Installs the Sync's handlers, reports the held scans not reported yet, applies those the
  // stored catalog knows, and starts noting the link state.
  void start();
  void stop();

  // What the Sync's handlers do with a payload from the catalog or tasks topic; blocks on the
  // journal and the cache.
  void take_catalog(std::string_view payload);
  void take_tasks(std::string_view payload);
  // A payload from a chunk topic of the catalog: kept in the cache (CatalogStore::receive_chunk)
  // and, when it completes the manifest taken last, the version it describes is stored.
  void take_catalog_chunk(const std::string& chunk_id, const std::string& payload);

 private:
  // The hub-signed text of `payload`, or nullopt after logging and counting the refusal.
  std::optional<std::string> signed_text(std::string_view payload, Refusal kind, std::string_view what);
  void note_link();
  // apply_held_scans(), logged; wakes the sync when it recorded events.
  void apply_held();
  // Stores the waiting manifest when its chunks are all in; `arrived`: it just came (then what is
  // missing is logged).
  void store_manifest(bool arrived);

  Sync& sync_;
  Journal& journal_;
  CatalogStore& store_;
  std::optional<crypto::PublicKey> hub_key_;
  std::ostream& log_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  std::optional<protocol::CatalogManifest> manifest_;  // signed, newer than the version held when taken
};

}  // namespace recount::agent
