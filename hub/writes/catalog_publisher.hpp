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
// floor (a device ignores a version it already holds).
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "hub/catalog/catalog_store.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::hub {

// Up to this many items the catalog is read whole (~250 bytes an item, with a site's encoding
// twice that again) to see whether it fits one message; above it, it is chunked as it is read, a
// group of chunks of about kItemsPerPass items at a time (CatalogStore::site_catalogs), so that
// the hub's memory does not grow with the catalog: a 500,000-item one read whole took the hub to
// 410 MiB. Either way the items are read once for every site.
inline constexpr std::size_t kWholeCatalogItems = 50'000;
inline constexpr std::size_t kItemsPerPass = 100'000;

// Runs on the link's io_context. Not thread-safe. `link`, `catalog` and `signing_key` must
// outlive it.
class CatalogPublisher {
 public:
  CatalogPublisher(mqtt::Link& link, CatalogStore& catalog, const crypto::SigningKey& signing_key);
  CatalogPublisher(const CatalogPublisher&) = delete;
  CatalogPublisher& operator=(const CatalogPublisher&) = delete;

  // The catalog changed in a commit that has returned (an import): sends every site's, of a
  // chunked one the chunks that changed since this publisher last sent them.
  void changed();

  // Sends every site's catalog again, every chunk. Call on every connection to the broker.
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
  // Not connected: sends nothing (the next connection republishes). A manifest whose signed
  // encoding exceeds limits::kMaxCatalogPayloadBytes (too many locations or users) is not sent;
  // that and read errors go to stderr.
  void send_all(Chunks chunks);
  // Sends `catalog`'s manifest over `shared` and its chunks (of kChanged those whose hash changed).
  void send_chunked(const protocol::Catalog& catalog, const std::vector<protocol::SharedCatalogChunk>& shared,
                    Chunks chunks);
  // Clears the retained chunks of `site` that were published and are not in `keep`.
  void clear_chunks(const std::string& site, const std::map<std::string, std::string>& keep);

  mqtt::Link& link_;
  CatalogStore& catalog_;
  const crypto::SigningKey& signing_key_;
  // Per site, the chunks last published: id → SHA-256 of the payload.
  std::map<std::string, std::map<std::string, std::string>> published_;
  std::function<void(const std::string&, std::uint64_t)> on_sending_;
  std::set<std::string> sent_sites_;  // every site sent a catalog, by this publisher or before
};

}  // namespace recount::hub
