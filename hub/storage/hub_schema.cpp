// The hub database's components, listed once.
#include "hub/storage/hub_schema.hpp"

#include <utility>

#include "hub/alerts/alert_store.hpp"
#include "hub/auth/auth_schema.hpp"
#include "hub/catalog/catalog_schema.hpp"
#include "hub/channels/channel_store.hpp"
#include "hub/channels/outbox/corrections_schema.hpp"
#include "hub/delivery/attempt_log.hpp"
#include "hub/ledger/schema.hpp"
#include "hub/reconcile/schema.hpp"
#include "hub/unknown/unknown_schema.hpp"

namespace recount::hub {

std::vector<storage::SchemaComponent> hub_schema_components(WallClock wall) {
  std::vector<storage::SchemaComponent> components;
  components.push_back(ledger_schema(std::move(wall)));
  components.push_back(reconcile::reconcile_schema());
  components.push_back(catalog_schema());
  components.push_back(unknown_barcodes_schema());
  components.push_back(auth::auth_schema());
  components.push_back(delivery::delivery_schema());
  components.push_back(channels::channel_schema());
  components.push_back(channels::corrections_schema());
  components.push_back(alerts::alerts_schema());
  return components;
}

}  // namespace recount::hub
