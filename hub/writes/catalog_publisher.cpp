// Catalog publication, every site at once.
#include "hub/writes/catalog_publisher.hpp"

#include <algorithm>
#include <iostream>
#include <optional>
#include <utility>
#include <vector>

#include "shared/domain/limits.hpp"
#include "shared/protocol/catalog_chunks.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "shared/protocol/topics.hpp"

namespace recount::hub {

CatalogPublisher::CatalogPublisher(mqtt::Link& link, CatalogStore& catalog, const crypto::SigningKey& signing_key)
    : link_(link), catalog_(catalog), signing_key_(signing_key) {}

void CatalogPublisher::changed() { send_all(Chunks::kChanged); }

void CatalogPublisher::republish() { send_all(Chunks::kAll); }

void CatalogPublisher::send_all(Chunks chunks) {
  if (!link_.connected()) return;
  auto sites = catalog_.sites();
  if (!sites) {
    std::cerr << "recount-hub: catalog: " << sites.error().describe() << std::endl;
    return;
  }
  // A site sent a catalog before keeps getting one, without its locations if the catalog has none
  // now: after the ledger went back in time to before the site's first import, its devices must
  // not keep the locations it lost.
  sent_sites_.insert(sites->begin(), sites->end());
  // The chunks of a catalog read whole that is over the limit signed: made once, as the store
  // makes those of a larger one once, for every site.
  std::optional<std::vector<protocol::SharedCatalogChunk>> chunked_whole;
  auto read = catalog_.site_catalogs(
      {sent_sites_.begin(), sent_sites_.end()}, kWholeCatalogItems, kItemsPerPass,
      [&](const protocol::Catalog& catalog, const std::vector<protocol::SharedCatalogChunk>* shared) {
        if (on_sending_) on_sending_(catalog.site, catalog.version);
        if (shared != nullptr) return send_chunked(catalog, *shared, chunks);
        auto payload = protocol::sign_payload(protocol::encode(catalog), signing_key_);
        if (payload.size() > limits::kMaxCatalogPayloadBytes) {
          if (!chunked_whole) chunked_whole = protocol::chunk_items(catalog.items);
          return send_chunked(catalog, *chunked_whole, chunks);
        }
        link_.publish(mqtt::Message{protocol::catalog_topic(catalog.site), std::move(payload), true},
                      mqtt::Qos::kAtLeastOnce);
        clear_chunks(catalog.site, {});
      });
  if (!read) std::cerr << "recount-hub: catalog: " << read.error().describe() << std::endl;
}

void CatalogPublisher::send_chunked(const protocol::Catalog& catalog,
                                    const std::vector<protocol::SharedCatalogChunk>& shared, Chunks chunks) {
  const std::string& site = catalog.site;
  const protocol::CatalogManifest manifest = protocol::manifest_of(catalog, shared);
  auto signed_manifest = protocol::sign_payload(protocol::encode(manifest), signing_key_);
  if (signed_manifest.size() > limits::kMaxCatalogPayloadBytes) {
    std::cerr << "recount-hub: catalog manifest of " << site << " is " << signed_manifest.size()
              << " bytes (its locations and users), over the limit of devices; not published" << std::endl;
    return;
  }
  // The manifest first: a device stores chunks as they come and applies the version once the
  // manifest's chunks are all in, whichever arrives first.
  link_.publish(mqtt::Message{protocol::catalog_topic(site), std::move(signed_manifest), true},
                mqtt::Qos::kAtLeastOnce);
  std::map<std::string, std::string> sent;
  auto& published = published_[site];
  for (std::size_t i = 0; i < shared.size(); ++i) {
    const auto& ref = manifest.chunks[i];
    sent.emplace(ref.id, ref.sha256);
    const auto held = published.find(ref.id);
    if (chunks == Chunks::kChanged && held != published.end() && held->second == ref.sha256) continue;
    link_.publish(mqtt::Message{protocol::catalog_chunk_topic(site, ref.id), shared[i].payload(site), true},
                  mqtt::Qos::kAtLeastOnce);
  }
  clear_chunks(site, sent);
  published = std::move(sent);
}

void CatalogPublisher::clear_chunks(const std::string& site, const std::map<std::string, std::string>& keep) {
  auto held = published_.find(site);
  if (held == published_.end()) return;
  for (const auto& [id, hash] : held->second) {
    if (!keep.contains(id)) {
      link_.publish(mqtt::Message{protocol::catalog_chunk_topic(site, id), "", true}, mqtt::Qos::kAtLeastOnce);
    }
  }
  if (keep.empty()) published_.erase(held);
}

}  // namespace recount::hub
