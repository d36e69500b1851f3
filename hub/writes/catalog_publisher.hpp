// Sends the sites' catalogs to the floor: retained, QoS 1, on recount/v1/{site}/catalog
// (docs/protocol.md), signed with the hub's key (devices apply only what the hub signed).
//
// A catalog carries every item, so an items import changes every site's: each publication sends
// all of them. One whose signed encoding fits limits::kMaxCatalogPayloadBytes goes as one message,
// as always; a larger one as a signed manifest on the same topic and its chunks on
// recount/v1/{site}/catalog/{chunk} (shared/protocol/catalog_chunks.hpp): after an import only the
// chunks whose hash changed are sent again, and chunks no longer in use are cleared from the
// broker (an empty retained message). Retained, a catalog reaches devices that connect later; it is sent again on every
// (re)connection, so one committed while the broker was away still reaches the floor (a device
// ignores a version it already holds).
#pragma once

#include <map>
#include <set>
#include <string>

#include "hub/catalog/catalog_store.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::hub {

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

  // The highest catalog version this publisher has sent. Never goes down, also when the ledger
  // does (a failover to a standby that lagged): what devices may hold.
  std::uint64_t highest_sent() const { return highest_sent_; }

 private:
  enum class Chunks { kChanged, kAll };
  // Not connected: sends nothing (the next connection republishes). A manifest whose signed
  // encoding exceeds limits::kMaxCatalogPayloadBytes (too many locations or users) is not sent;
  // that and read errors go to stderr.
  void send_all(Chunks chunks);
  void send_chunked(const protocol::Catalog& catalog, Chunks chunks);
  // Clears the retained chunks of `site` that were published and are not in `keep`.
  void clear_chunks(const std::string& site, const std::map<std::string, std::string>& keep);

  mqtt::Link& link_;
  CatalogStore& catalog_;
  const crypto::SigningKey& signing_key_;
  // Per site, the chunks last published: id → SHA-256 of the payload.
  std::map<std::string, std::map<std::string, std::string>> published_;
  std::uint64_t highest_sent_ = 0;
  std::set<std::string> sent_sites_;  // every site this publisher has sent a catalog
};

}  // namespace recount::hub
