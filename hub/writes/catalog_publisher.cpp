// Catalog publication, every site at once.
#include "hub/writes/catalog_publisher.hpp"

#include <iostream>
#include <utility>

#include "shared/domain/limits.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "shared/protocol/topics.hpp"

namespace recount::hub {

CatalogPublisher::CatalogPublisher(mqtt::Link& link, CatalogStore& catalog, const crypto::SigningKey& signing_key)
    : link_(link), catalog_(catalog), signing_key_(signing_key) {}

void CatalogPublisher::changed() { send_all(); }

void CatalogPublisher::republish() { send_all(); }

void CatalogPublisher::send_all() {
  if (!link_.connected()) return;
  auto sites = catalog_.sites();
  if (!sites) {
    std::cerr << "recount-hub: catalog: " << sites.error().describe() << std::endl;
    return;
  }
  for (const auto& site : *sites) {
    auto site_catalog = catalog_.catalog_for(site);
    if (!site_catalog) {
      std::cerr << "recount-hub: catalog of " << site << ": " << site_catalog.error().describe() << std::endl;
      continue;
    }
    auto payload = protocol::sign_payload(protocol::encode(*site_catalog), signing_key_);
    if (payload.size() > limits::kMaxCatalogPayloadBytes) {
      std::cerr << "recount-hub: catalog of " << site << " is " << payload.size()
                << " bytes, over the limit of devices; not published" << std::endl;
      continue;
    }
    link_.publish(mqtt::Message{protocol::catalog_topic(site), std::move(payload), true}, mqtt::Qos::kAtLeastOnce);
  }
}

}  // namespace recount::hub
