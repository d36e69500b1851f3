// A hub with connected systems for tests: the write side over a ledger in a temp directory, the
// catalog (three items, two locations of site s1), the channels' store and outbox, their routes and
// the morning's ledger; and the connectors' fixture files (tests/data/channels).
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/catalog/catalog_store.hpp"
#include "hub/catalog/csv.hpp"
#include "hub/channels/channel_import.hpp"
#include "hub/channels/outbox/corrections.hpp"
#include "hub/http/channel_routes.hpp"
#include "hub/http/claim_routes.hpp"
#include "hub/http/percent_encoding.hpp"
#include "hub/http/reconcile_routes.hpp"
#include "hub/http/resolve_routes.hpp"
#include "shared/core/iso_time.hpp"
#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {

inline std::string channel_fixture(const std::string& name) {
  std::ifstream in(std::string(RECOUNT_SOURCE_DIR) + "/tests/data/channels/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline constexpr std::string_view kItems =
    "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n"
    "MUG-BLUE,Mug blue,500,,4006381333931,1\n"
    "CAP-L,Cap L,700,,INT-CAP-L,1\n"
    "000123456789,FBA mug,500,,INT-FBA-MUG,1\n";
inline constexpr std::string_view kLocations =
    "site,location,label,location_class\n"
    "s1,SHELF,LOC:SHELF,shelf\n"
    "s1,FLOOR,LOC:FLOOR,sales_floor\n";

struct ChannelHub : testing::WriteSide {
  using Json = nlohmann::json;

  CatalogStore catalog_store = CatalogStore::open(store.ledger).value();
  channels::ChannelStore channels = channels::ChannelStore::open(store.ledger.database()).value();

  ChannelHub() {
    REQUIRE(channels::open_corrections(store.ledger).has_value());
    REQUIRE(catalog_store.import_csv(ImportKind::kItems, kItems).value().errors.empty());
    REQUIRE(catalog_store.import_csv(ImportKind::kLocations, kLocations).value().errors.empty());
    catalog.put(catalog_store.catalog_for("s1").value());
    add_channel_routes(router, writer, store.ledger, catalog_store, channels, queries, connector_readers());
    add_resolve_routes(router, writer, reconciler, queries, testing::fixed_clock());
    add_reconcile_routes(
        router, queries, testing::fixed_clock(),
        [this](const reconcile::DiscrepancyDetail& detail, Json& body) -> Result<void> {
          if (auto ok = add_system_figures(channels, detail, body); !ok) return ok;
          return add_claims(channels, detail, body);
        },
        [this](const reconcile::Discrepancy& discrepancy, Json& body) {
          return add_latest_claim(channels, discrepancy, body);
        });
    add_claim_routes(router, writer, channels, reconciler, queries, testing::fixed_clock());
    // The ledger as of the morning of 2026-09-20: 10 blue mugs and 5 caps on the shelf, 15 mugs at Amazon.
    REQUIRE(writer
                .write([](LedgerWrite& write, std::int64_t now_ms) -> Result<reconcile::Effects> {
                  for (const auto& [site, sku, qty] : {std::tuple{"s1", "MUG-BLUE", 10}, std::tuple{"s1", "CAP-L", 5},
                                                       std::tuple{"fba-eu", "000123456789", 15}}) {
                    Event event;
                    event.event_id = channels::movement_event_id("test", std::string(site) + sku);
                    event.type = EventType::kBaseline;
                    event.wall_ms = at("2026-09-20T06:00:00Z");
                    event.hlc = HlcStamp::from_parts(event.wall_ms, 0);
                    event.location = "SHELF";
                    event.sku = sku;
                    event.qty = qty;
                    if (auto stored = write.record_hub_event(site, event, now_ms); !stored) return stored.error();
                  }
                  return reconcile::Effects{};
                })
                .has_value());
  }

  static std::int64_t at(const char* iso) { return parse_iso8601_ms("as_of", iso).value(); }

  Response post(const std::string& target, std::string body, auth::Role role = auth::Role::kCounterLead) {
    return router.handle(
        testing::signed_in(Request::from_target("POST", target, std::move(body)).value(), role, "ops-anna"));
  }
  Json imported(const std::string& target, std::string body, unsigned status = 200) {
    const auto response = post(target, std::move(body));
    INFO(response.body);
    CHECK(response.status == status);
    return Json::parse(response.body);
  }
  std::vector<reconcile::Discrepancy> of_system(const std::string& system) {
    reconcile::DiscrepancyQuery query{"", reconcile::StateFilter::kAll, {}, 0, 1000};
    query.system = system;
    return queries.discrepancies(query).value();
  }
  // The one FBA discrepancy the Manage FBA Inventory fixture gives (Amazon holds 12 of 15).
  reconcile::Discrepancy fba_discrepancy() {
    imported("/api/v1/imports/fba?site=fba-eu&as_of=2026-09-20T12:00:00Z",
             channel_fixture("fba/manage-fba-inventory-18.txt"));
    const auto at_amazon = of_system("fba");
    REQUIRE(at_amazon.size() == 1);
    return at_amazon[0];
  }
  Response claim(std::int64_t id, const Json& body, auth::Role role = auth::Role::kAdmin) {
    return post("/api/v1/discrepancies/" + std::to_string(id) + "/claim", body.dump(), role);
  }
  Json detail(std::int64_t id) {
    const auto answer = router.handle(testing::signed_in(
        Request::from_target("GET", "/api/v1/discrepancies/" + std::to_string(id)).value(), auth::Role::kViewer));
    REQUIRE(answer.status == 200);
    return Json::parse(answer.body);
  }
  Response resolve(std::int64_t id, const std::string& action) {
    const Json body = {{"action", action}, {"reason", "data_entry_error"}};
    return router.handle(testing::signed_in(
        Request::from_target("POST", "/api/v1/discrepancies/" + std::to_string(id) + "/resolve", body.dump()).value(),
        auth::Role::kAdmin, "ops-anna"));
  }
};

inline const std::string kShopify = "/api/v1/imports/shopify?site=s1&as_of=2026-09-20T12:00:00Z&locations=" +
                                    percent_encode(R"({"Shop location": "", "Snow City Warehouse": ""})");

}  // namespace recount::hub
