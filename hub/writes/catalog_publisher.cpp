// Catalog publication, every site at once.
#include "hub/writes/catalog_publisher.hpp"

#include <algorithm>
#include <iostream>
#include <utility>

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
  auto items = catalog_.item_count();
  if (!items) {
    std::cerr << "recount-hub: catalog: " << items.error().describe() << std::endl;
    return;
  }
  for (const auto& site : sent_sites_) {
    const auto failed = [&site](const Error& error) {
      std::cerr << "recount-hub: catalog of " << site << ": " << error.describe() << std::endl;
    };
    if (*items > kWholeCatalogItems) {
      auto chunked = catalog_.chunked_catalog_for(site, kItemsPerPass);
      if (!chunked) {
        failed(chunked.error());
        continue;
      }
      if (on_sending_) on_sending_(site, chunked->manifest.version);
      send_chunked(std::move(*chunked), chunks);
      continue;
    }
    auto site_catalog = catalog_.catalog_for(site);
    if (!site_catalog) {
      failed(site_catalog.error());
      continue;
    }
    if (on_sending_) on_sending_(site, site_catalog->version);
    auto payload = protocol::sign_payload(protocol::encode(*site_catalog), signing_key_);
    if (payload.size() > limits::kMaxCatalogPayloadBytes) {
      send_chunked(protocol::chunk_catalog(*site_catalog), chunks);
      continue;
    }
    link_.publish(mqtt::Message{protocol::catalog_topic(site), std::move(payload), true}, mqtt::Qos::kAtLeastOnce);
    clear_chunks(site, {});
  }
}

void CatalogPublisher::send_chunked(protocol::ChunkedCatalog chunked, Chunks chunks) {
  const std::string site = chunked.manifest.site;
  auto manifest = protocol::sign_payload(protocol::encode(chunked.manifest), signing_key_);
  if (manifest.size() > limits::kMaxCatalogPayloadBytes) {
    std::cerr << "recount-hub: catalog manifest of " << site << " is " << manifest.size()
              << " bytes (its locations and users), over the limit of devices; not published" << std::endl;
    return;
  }
  // The manifest first: a device stores chunks as they come and applies the version once the
  // manifest's chunks are all in, whichever arrives first.
  link_.publish(mqtt::Message{protocol::catalog_topic(site), std::move(manifest), true}, mqtt::Qos::kAtLeastOnce);
  std::map<std::string, std::string> sent;
  auto& published = published_[site];
  for (std::size_t i = 0; i < chunked.payloads.size(); ++i) {
    const auto& ref = chunked.manifest.chunks[i];
    sent.emplace(ref.id, ref.sha256);
    const auto held = published.find(ref.id);
    if (chunks == Chunks::kChanged && held != published.end() && held->second == ref.sha256) continue;
    link_.publish(mqtt::Message{protocol::catalog_chunk_topic(site, ref.id), std::move(chunked.payloads[i]), true},
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
