// Sends the sites' catalogs to the floor: retained, QoS 1, on recount/v1/{site}/catalog
// (docs/protocol.md), signed with the hub's key (devices apply only what the hub signed).
//
// A catalog carries every item, so an items import changes every site's: each publication sends
// all of them. Retained, a catalog reaches devices that connect later; it is sent again on every
// (re)connection, so one committed while the broker was away still reaches the floor (a device
// ignores a version it already holds).
#pragma once

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

  // The catalog changed in a commit that has returned (an import): sends every site's.
  void changed();

  // Sends every site's catalog again. Call on every connection to the broker.
  void republish();

 private:
  // Not connected: sends nothing (the next connection republishes). A catalog whose signed
  // encoding exceeds limits::kMaxCatalogPayloadBytes is not sent; that and read errors go to
  // stderr.
  void send_all();

  mqtt::Link& link_;
  CatalogStore& catalog_;
  const crypto::SigningKey& signing_key_;
};

}  // namespace recount::hub
