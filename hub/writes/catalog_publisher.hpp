// Sends the sites' catalogs to the floor: retained, QoS 1, on recount/v1/{site}/catalog
// (docs/protocol.md), signed with the hub's key (devices apply only what the hub signed).
//
// A catalog carries every item, so an items import changes every site's: each publication sends
// all of them. One whose signed encoding fits limits::kMaxCatalogPayloadBytes goes as one message,
// as always; a larger one, and any of more than kWholeCatalogItems items, as a signed manifest on
// the same topic and its chunks on recount/v1/{site}/catalog/{chunk}
// (shared/protocol/catalog_chunks.hpp), made once for every site (only the site's name, last in a
// chunk, differs): after an import only the chunks whose hash changed are sent again, and chunks
// no longer in use are cleared from the broker (an empty retained message). Retained, a catalog reaches devices that
// connect later; it is sent again on every (re)connection, so one committed while the broker was away still reaches the
// floor (a device ignores a version it already holds). The catalog is read on a thread and a
// connection of the ledger's of its own (Ledger::reader()), so the hub stores batches and answers
// requests while a large one is read and compressed, and a publication sees only what was
// committed. Messages go out a window at a time
// (kCatalogBytesInFlight), and once the broker has acknowledged all of a publication the hub says so
// on stderr: "catalog version V published to N site(s): M message(s), B bytes in T s" ("sent again
// to" for a new connection's republication).
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hub/catalog/catalog_store.hpp"
#include "hub/delivery/worker.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::hub {

// Up to this many items the catalog is read whole (~250 bytes an item, with a site's encoding
// twice that again) to see whether it fits one message; above it, it is chunked as it is read, a
// group of chunks of about kItemsPerPass items at a time (read_site_catalogs), so that
// the hub's memory does not grow with the catalog: a 500,000-item one read whole took the hub to
// 410 MiB. Either way the items are read once for every site.
inline constexpr std::size_t kWholeCatalogItems = 50'000;
inline constexpr std::size_t kItemsPerPass = 100'000;
// Catalog messages are handed to the link at most this many bytes ahead of the broker's
// acknowledgements, each made when its turn comes: every site's chunks at once queue in memory
// as fast as they are made (~25 MiB a site at 500,000 items; 4 sites peaked at 101 MiB, 93 paced),
// and the hub serves batches and requests between windows.
inline constexpr std::size_t kCatalogBytesInFlight = std::size_t{4} * 1024 * 1024;

// Runs on the link's io_context, and reads on a thread of its own. Not thread-safe. `link`,
// `catalog` and `signing_key` must outlive it, and it must be destroyed before the ledger that
// `open_reader` opens is closed.
class CatalogPublisher {
 public:
  // `open_reader`: the ledger's reader() (its first reading opens the connection, and the next
  // after an error opens it again). `bytes_in_flight`: the window (tests make it small to see a
  // publication overtaken).
  CatalogPublisher(mqtt::Link& link, CatalogStore& catalog, const crypto::SigningKey& signing_key,
                   Ledger::Opener open_reader, std::size_t bytes_in_flight = kCatalogBytesInFlight);
  CatalogPublisher(const CatalogPublisher&) = delete;
  CatalogPublisher& operator=(const CatalogPublisher&) = delete;
  // Waits for a reading under way (seconds for a catalog of hundreds of thousands of items).
  ~CatalogPublisher() = default;

  // The catalog changed in a commit that has returned (an import): reads every site's and sends
  // it, of a chunked one the chunks that changed since this publisher last sent them. What an
  // earlier publication has not sent yet is not sent, nor an earlier reading: this one names what
  // is current. Returns at once; the reading's errors go to stderr.
  void changed();

  // Sends every site's catalog again, every chunk (a reading asked for before it that has not come
  // back sends every chunk too). Call on every connection to the broker.
  void republish();

  // Runs before each site's catalog (or manifest) is published, with its site and version: the hub
  // records what devices may hold where a ledger that goes back in time cannot lose it
  // (hub/writes/published_versions.hpp).
  void on_sending(std::function<void(const std::string& site, std::uint64_t version)> hook) {
    on_sending_ = std::move(hook);
  }
  // A site that an earlier publication sent a catalog (this hub's or another's before it, read back
  // from the broker): it keeps getting one, as every site this publisher sent one does.
  void sent_before(const std::string& site) { sent_sites_.insert(site); }

 private:
  enum class Chunks { kChanged, kAll };
  // What one publication sends every site, read once: the items whole, or their chunks (made from
  // the whole items too, once, when a site's signed catalog is over the limit).
  struct Items {
    protocol::Catalog whole;  // the items; a site's name, locations and users while it is encoded
    std::optional<std::vector<protocol::SharedCatalogChunk>> chunks;
  };
  // One site's catalog, sent a message at a time.
  struct SiteJob {
    std::shared_ptr<Items> items;
    protocol::Catalog catalog;  // the site's, without items
    Chunks chunks = Chunks::kAll;
    std::optional<protocol::CatalogManifest> manifest;  // once sent
    std::size_t next = 0;                               // the next chunk to consider
  };
  // The publication under way, for the line that says it is out.
  struct Sending {
    std::uint64_t version = 0;
    std::size_t sites = 0;
    Chunks chunks = Chunks::kAll;  // kAll: a new connection's republication
    std::size_t messages = 0;
    std::size_t bytes = 0;
    std::chrono::steady_clock::time_point started;
  };

  // The reading thread's side: the connection it opens and keeps, and the newest reading asked for.
  struct Reader {
    explicit Reader(Ledger::Opener opener) : open(std::move(opener)) {}
    // read_site_catalogs() on the connection, opened first if it is not; a kept one that fails is
    // replaced by a new one, which is tried once, and closed if that fails too.
    Result<SiteCatalogs> read(const std::vector<std::string>& sites);

    Ledger::Opener open;
    std::unique_ptr<storage::Connection> connection;
    std::atomic<std::uint64_t> latest{0};  // a reading older than this is skipped, not run
  };

  // Drops what is queued and has every site's catalog read on the reading thread, to be queued
  // when it comes back (queue()). Not connected: reads and sends nothing (the next connection
  // republishes).
  void send_all(Chunks chunks);
  // On the io_context: queues reading number `reading`, unless a newer one was asked for since,
  // and sends the first window. A read error goes to stderr.
  void queue(std::uint64_t reading, Result<SiteCatalogs> read);
  // Sends what is queued while the window has room.
  void pump();
  // Sends the next message of `job`: its catalog, or its manifest (not sent, and stderr told, when
  // its signed encoding exceeds limits::kMaxCatalogPayloadBytes: too many locations or users),
  // then each chunk to send. False once the job has nothing more to send.
  bool step(SiteJob& job);
  // Hands `message` to the link, counted in the window until the broker acknowledges it.
  void send(mqtt::Message message);
  // Clears the retained chunks of `site` that were published and are not in `keep`.
  void clear_chunks(const std::string& site, const std::set<std::string>& keep);

  mqtt::Link& link_;
  CatalogStore& catalog_;
  const crypto::SigningKey& signing_key_;
  const std::size_t window_bytes_;
  // Per site, the chunks handed to the link: id → SHA-256 of the payload.
  std::map<std::string, std::map<std::string, std::string>> published_;
  std::function<void(const std::string&, std::uint64_t)> on_sending_;
  std::set<std::string> sent_sites_;  // every site sent a catalog, by this publisher or before
  std::deque<SiteJob> jobs_;
  std::size_t bytes_in_flight_ = 0;
  std::uint64_t window_ = 0;  // raised when the window is reset (a new connection): older acks do not count
  std::optional<Sending> sending_;
  std::uint64_t readings_ = 0;                   // readings asked for; the newest is the one that counts
  std::chrono::steady_clock::time_point asked_;  // when it was asked for, for the log line
  bool all_chunks_ = false;  // a republication's reading has not come back: the next one sends every chunk
  std::shared_ptr<Reader> reader_;
  // Readings that come back check it: the publisher may be gone by the time they run.
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
  delivery::DeliveryWorker worker_;  // last: stopped first, so no reading outlives what it uses
};

}  // namespace recount::hub
